"""Helpers for the raw protocol tests: start `osiris mcp run`, speak JSON-RPC over stdio
or HTTP, and count checks. Standard library only."""
import http.client
import json
import os
import re
import select
import socket
import subprocess
import sys
import time

OSIRIS = os.environ.get("OSIRIS_BIN", "build/dev/osiris")
PASSED = 0
FAILED = 0


def check(cond, what):
    global PASSED, FAILED
    if cond:
        PASSED += 1
    else:
        FAILED += 1
        print(f"FAIL: {what}", flush=True)


def finish():
    print(f"{PASSED} passed, {FAILED} failed")
    sys.exit(1 if FAILED else 0)


def sanitizer_clean(stderr_text, what):
    check("AddressSanitizer" not in stderr_text and "runtime error:" not in stderr_text,
          f"{what}: sanitizer report:\n{stderr_text[-3000:]}")


def children(pid):
    """[pid, ...] of the processes whose parent is pid (running or not yet reaped), from
    /proc."""
    kids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    rest = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(rest[1]) == pid:
                kids.append(int(d))
    return kids


def is_worker(pid):
    """Whether pid is the server's warm worker (`osiris mcp worker`)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().split(b"\0")[1:3] == [b"mcp", b"worker"]
    except OSError:
        return False


def calls(pid):
    """The processes running (or not yet reaped after) the delegated calls of server pid:
    its children, and the children of its warm worker, the worker itself left out."""
    out = []
    for k in children(pid):
        out += children(k) if is_worker(k) else [k]
    return out


class Stdio:
    """A server over stdio with a line reader that has a timeout."""

    def __init__(self, *args, env=None):
        self.p = subprocess.Popen([OSIRIS, "mcp", "run", *args], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.buf = b""

    def send_raw(self, data: bytes):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def send(self, msg):
        self.send_raw(json.dumps(msg).encode() + b"\n")

    def recv(self, timeout=5.0):
        deadline = time.time() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                return None
            r, _, _ = select.select([self.p.stdout], [], [], left)
            if not r:
                return None
            chunk = os.read(self.p.stdout.fileno(), 1 << 20)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def request(self, id, method, params=None, timeout=5.0):
        msg = {"jsonrpc": "2.0", "id": id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        while True:
            r = self.recv(timeout)
            if r is None or r.get("id") == id and "method" not in r:
                return r

    def initialize(self, version="2025-11-25", caps=None):
        r = self.request(0, "initialize", {"protocolVersion": version, "capabilities": caps or {},
                                           "clientInfo": {"name": "raw", "version": "1"}})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return r

    def close(self, timeout=5.0):
        self.p.stdin.close()
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None, self.p.stderr.read().decode(errors="replace")
        return self.p.returncode, self.p.stderr.read().decode(errors="replace")


class HttpServer:
    """A server over Streamable HTTP on a free loopback port."""

    def __init__(self, *args, env=None):
        self.p = subprocess.Popen([OSIRIS, "mcp", "run", "--transport", "http", "--listen",
                                   "127.0.0.1:0", *args], stderr=subprocess.PIPE, env=env)
        line = self.p.stderr.readline().decode()
        m = re.search(r"127\.0\.0\.1:(\d+)", line)
        if not m:
            raise RuntimeError(f"server did not start: {line}")
        self.port = int(m.group(1))

    def post(self, body, headers=None, raw=False):
        h = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        h.update(headers or {})
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request("POST", "/mcp", body if raw else json.dumps(body), h)
        r = c.getresponse()
        data = r.read().decode(errors="replace")
        c.close()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data

    def call(self, method, path="/mcp", headers=None, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request(method, path, body, headers or {})
        r = c.getresponse()
        data = r.read().decode(errors="replace")
        c.close()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data

    def initialize(self):
        s, h, body = self.post({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                                "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                                           "clientInfo": {"name": "raw", "version": "1"}}})
        return s, h.get("mcp-session-id"), body

    def stop(self):
        self.p.terminate()
        try:
            rc = self.p.wait(10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = None
        return rc, self.p.stderr.read().decode(errors="replace")


def sse_messages(body):
    return [json.loads(l[6:]) for l in body.splitlines() if l.startswith("data: ") and l[6:]]


# ---- Streamable HTTP helpers (used by test_http_protocol.py) ----

def _json_or_none(text):
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None


def rpc_error_code(body):
    """The JSON-RPC error code in a response body, or None."""
    j = _json_or_none(body)
    return j.get("error", {}).get("code") if isinstance(j, dict) else None


def open_session(srv, caps=None, version="2025-11-25", headers=None):
    """initialize + notifications/initialized on an HttpServer; returns the session id or None."""
    h = dict(headers or {})
    s, hd, _ = srv.post({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                         "params": {"protocolVersion": version, "capabilities": caps or {},
                                    "clientInfo": {"name": "raw", "version": "1"}}}, h)
    sid = hd.get("mcp-session-id")
    if s != 200 or not sid:
        return None
    h["Mcp-Session-Id"] = sid
    srv.post({"jsonrpc": "2.0", "method": "notifications/initialized"}, h)
    return sid


class SseStream:
    """One HTTP exchange whose answer may be text/event-stream, read event by event as it
    arrives (the body stays open while the server works). A read that times out leaves
    the stream unusable; callers treat it as a failure."""

    def __init__(self, port, body=None, headers=None, method="POST", timeout=3.0):
        h = {"Accept": "application/json, text/event-stream"}
        if body is not None:
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.conn.request(method, "/mcp", None if body is None else json.dumps(body), h)
        self.sock = self.conn.sock  # getresponse() drops it from conn on Connection: close
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.headers = dict((k.lower(), v) for k, v in self.resp.getheaders())
        self.buf = b""
        self.text = ""  # every complete event read so far, as raw SSE text
        self.ended = False
        self.dead = False

    def _fill(self, deadline):
        left = deadline - time.time()
        if left <= 0 or self.ended or self.dead:
            return False
        try:
            self.sock.settimeout(left)
            chunk = self.resp.read1(65536)
        except (OSError, http.client.HTTPException):
            self.dead = True
            return False
        if not chunk:
            self.ended = True
            return False
        self.buf += chunk
        return True

    def next(self, timeout=3.0):
        """The next event's JSON message, or None on timeout or end of stream."""
        deadline = time.time() + timeout
        while True:
            while b"\n\n" not in self.buf:
                if not self._fill(deadline):
                    return None
            event, self.buf = self.buf.split(b"\n\n", 1)
            text = event.decode(errors="replace")
            self.text += text + "\n\n"
            data = [l[5:].lstrip(" ") if l.startswith("data:") else None
                    for l in text.split("\n")]
            data = [d for d in data if d is not None]
            if data:
                j = _json_or_none("\n".join(data))
                return j if j is not None else {"unparsable event": text}

    def until_response(self, id, timeout=3.0):
        """Messages up to and including the response with `id`; the list ends early (without
        the response) if the stream stalls past `timeout` or ends."""
        deadline = time.time() + timeout
        out = []
        while True:
            m = self.next(max(0.0, deadline - time.time()))
            if m is None:
                return out
            out.append(m)
            if isinstance(m, dict) and m.get("id") == id and "method" not in m:
                return out

    def read_rest(self, timeout=3.0):
        """Reads to the end of the body; returns it all (events so far included) as text, or
        None if the body did not end within `timeout`."""
        deadline = time.time() + timeout
        while not self.ended:
            if not self._fill(deadline):
                break
        if not self.ended:
            return None
        self.text, self.buf = self.text + self.buf.decode(errors="replace"), b""
        return self.text

    def partial(self):
        """Everything received so far, as text."""
        return self.text + self.buf.decode(errors="replace")

    def close(self):
        self.conn.close()


def raw_post(path, body, headers):
    """A complete HTTP/1.1 POST as bytes."""
    b = body if isinstance(body, bytes) else json.dumps(body).encode()
    h = {"Host": "127.0.0.1", "Content-Type": "application/json",
         "Accept": "application/json, text/event-stream", "Content-Length": str(len(b))}
    h.update(headers)
    return (f"POST {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items())
            + "\r\n").encode() + b
