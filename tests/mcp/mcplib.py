"""Helpers for the raw protocol tests: start `osiris mcp run`, speak JSON-RPC over stdio
or HTTP, and count checks. Standard library only."""
import http.client
import json
import os
import re
import select
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
