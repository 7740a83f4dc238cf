"""The bad input of the Osiris tools, each answered with the right envelope or protocol
error while the server keeps serving and no child is left behind: an unknown tool, wrong
argument types, a huge and an invalid pipeline, a connection that does not exist, a
database that is down, a child that hangs, a child that crashes, a child whose answer is
too large to be read, a client that cancels, and clients that disconnect mid-call (stdio
and HTTP)."""
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time

from mcplib import OSIRIS, HttpServer, Stdio, calls, check, children, finish, is_worker, \
    sanitizer_clean

tmp = tempfile.mkdtemp()
ws = os.path.join(tmp, "ws")
subprocess.run([OSIRIS, "init", ws], check=True, capture_output=True)
hang = socket.socket()  # accepts and never answers: a PostgreSQL client waits on it
hang.bind(("127.0.0.1", 0))
hang.listen(64)
# A port where nothing listens: the database is down. Port 1 is privileged and unused, so
# no test running alongside can take it (a free port picked and closed could be reused).
down_port = 1
with open(os.path.join(ws, "osiris_connections.yaml"), "a") as f:
    f.write("  postgres:\n"
            f"    stuck:\n      host: 127.0.0.1\n      port: {hang.getsockname()[1]}\n"
            "      database: d\n      user: u\n      password: ${BAD_PW}\n      connect_timeout: 60\n"
            f"    down:\n      host: 127.0.0.1\n      port: {down_port}\n"
            "      database: d\n      user: u\n      password: ${BAD_PW}\n")
conns = os.path.join(ws, "osiris_connections.yaml")
text = open(conns).read()
check("  sqlite:\n" in text, "the workspace has a sqlite family")
open(conns, "w").write(text.replace("  sqlite:\n", "  sqlite:\n    big:\n      path: data/big.sqlite\n", 1))
db = sqlite3.connect(os.path.join(ws, "data", "big.sqlite"))
for t in range(300):  # 300 tables of 2 rows of 3 KB: a discovery answer of about 2 MB
    db.execute(f"CREATE TABLE blobs{t} (id INTEGER PRIMARY KEY, body TEXT)")
    db.executemany(f"INSERT INTO blobs{t} VALUES (?, ?)", [(i, "x" * 3000) for i in range(2)])
db.commit()
db.close()
cfg = os.path.join(ws, "osiris.yaml")
text = open(cfg).read()
for old, new in [("tool_timeout_s: 30", "tool_timeout_s: 2"), ("payload_limit_mb: 16", "payload_limit_mb: 1")]:
    check(old in text, f"osiris.yaml has {old}")
    text = text.replace(old, new)
open(cfg, "w").write(text)
env = dict(os.environ, BAD_PW="bad-input-secret-61c0")


def wait_children(pid, want, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline and len(calls(pid)) != want:
        time.sleep(0.05)
    return calls(pid)


s = Stdio("--base-path", ws, env=env)
s.initialize()
pid = s.p.pid
n = [100]


def call(name, args, timeout=30):
    n[0] += 1
    return s.request(n[0], "tools/call", {"name": name, "arguments": args}, timeout)


def env_of(r):
    return r["result"]["structuredContent"]


r = call("no_such_tool", {})
check(r.get("error", {}).get("code") == -32602 and "tools/list" in r["error"]["data"]["suggest"],
      f"unknown tool: -32602 with a hint: {r}")
r = call("discovery_request", {"connection": 42})
check(r["result"]["isError"] is True and "connection" in r["result"]["content"][0]["text"],
      f"wrong argument type: the schema's message: {r}")
s.send({"jsonrpc": "2.0", "id": 99, "method": "tools/call", "params": {
    "name": "oml_validate", "arguments": {"oml_content": "# " + "x" * (2 << 20)}}})
r = s.recv(30)  # a line over the limit is never parsed, so its answer has no id
check(r is not None and r.get("error", {}).get("data", {}).get("error_code") == "POLICY_ERROR",
      f"oml_content over the payload limit refused: {json.dumps(r)[:300]}")
big = 'oml_version: "0.1.0"\nname: big\nsteps:\n' + "".join(
    f"  - {{id: s{i}, component: sqlite.extractor, mode: read, config: {{connection: \"@sqlite.demo\", table: orders}}}}\n"
    for i in range(3000))
e = env_of(call("oml_validate", {"oml_content": big}))
check(e["status"] == "success" and "valid" in e["result"], f"a 3000-step pipeline under the limit: {str(e)[:300]}")
e = env_of(call("oml_validate", {"oml_content": "steps: [unclosed\n  - x: {"}))
d = e["result"]["diagnostics"][0]
check(e["result"]["valid"] is False and d["line"] >= 1 and d["column"] >= 1, f"invalid YAML: {d}")
e = env_of(call("connections_doctor", {"connection": "@postgres.nope"}))
check(e["status"] == "error" and e["error_code"] == "NOT_FOUND" and "stuck" in e["error"]["message"],
      f"a connection that does not exist: {e}")
e = env_of(call("discovery_request", {"connection": "@postgres.down"}))
check(e["status"] == "error" and e["error_code"] == "CONNECTION_ERROR", f"a database that is down: {e}")
e = env_of(call("connections_doctor", {"connection": "@postgres.down"}))
st = e["result"]["connections"]["postgres"]["down"]
check(st["status"] == "unhealthy" and st["category"] == "network", f"doctor says network: {st}")
t0 = time.time()
e = env_of(call("discovery_request", {"connection": "@postgres.stuck"}))
check(e["error_code"] == "TIMEOUT_ERROR" and 1.5 < time.time() - t0 < 8, f"a child that hangs: {e}")

# A child that crashes: the hanging discovery's child gets SIGSEGV.
n[0] += 1
crash_id = n[0]
s.send({"jsonrpc": "2.0", "id": crash_id, "method": "tools/call",
        "params": {"name": "discovery_request", "arguments": {"connection": "@postgres.stuck"}}})
kids = wait_children(pid, 1)
check(len(kids) == 1, f"the child runs: {kids}")
for k in kids:
    os.kill(k, signal.SIGSEGV)
r = s.recv(10)
e = r["result"]["structuredContent"] if r and "result" in r else {}
check(r and r.get("id") == crash_id and e.get("error_code") == "SUBPROCESS_ERROR"
      and "signal" in e["error"]["message"], f"a child that crashes: {r}")
check(wait_children(pid, 0) == [], "the crashed child is reaped")

# A child whose answer is more than the server will read: dropped, said so.
e = env_of(call("discovery_request", {"connection": "@sqlite.big", "samples": 2}))
check(e["status"] == "error" and e["error_code"] == "POLICY_ERROR"
      and e["error"]["code"] == "POLICY/PAYLOAD_TOO_LARGE", f"an answer over the limit: {str(e)[:300]}")

# A client that cancels: no answer, the child is gone.
n[0] += 1
s.send({"jsonrpc": "2.0", "id": n[0], "method": "tools/call",
        "params": {"name": "connections_doctor", "arguments": {"connection": "@postgres.stuck"}}})
check(len(wait_children(pid, 1)) == 1, "the call's child runs")
s.send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": n[0]}})
check(wait_children(pid, 0) == [], "cancelled: the child is killed and reaped")
check(s.request(7, "ping").get("result") == {} and s.recv(0.5) is None, "no answer to it; still serving")
e = env_of(call("connections_list", {}))
check(e["status"] == "success", "and delegated calls still work")

# A client that disconnects mid-call (stdio): both pipes closed with a call in flight.
n[0] += 1
s.send({"jsonrpc": "2.0", "id": n[0], "method": "tools/call",
        "params": {"name": "discovery_request", "arguments": {"connection": "@postgres.stuck"}}})
check(len(wait_children(pid, 1)) == 1, "a call in flight")
left = calls(pid) + children(pid)  # the call, and the worker
s.p.stdin.close()
s.p.stdout.close()
try:
    rc = s.p.wait(15)
except subprocess.TimeoutExpired:
    rc = None
    s.p.kill()
err = s.p.stderr.read().decode(errors="replace")
check(rc == 0, f"the server ends cleanly when its client is gone: {rc}")
check(not [k for k in left if os.path.exists(f"/proc/{k}")],
      f"no process left behind (the call and the worker): {left}")
check("bad-input-secret" not in err, "no secret on stderr")
sanitizer_clean(err, "stdio server")

# A client that disconnects mid-call over HTTP: the server keeps serving others.
h = HttpServer("--base-path", ws, env=env)
status, hd, _ = h.post({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                        "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                                   "clientInfo": {"name": "bad", "version": "1"}}})
sid = hd.get("mcp-session-id")
HDR = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
       "Mcp-Session-Id": sid or "", "MCP-Protocol-Version": "2025-11-25"}
h.post({"jsonrpc": "2.0", "method": "notifications/initialized"}, HDR)
c = http.client.HTTPConnection("127.0.0.1", h.port, timeout=10)
c.request("POST", "/mcp", json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
    "name": "discovery_request", "arguments": {"connection": "@postgres.stuck"}}}), HDR)
check(len(wait_children(h.p.pid, 1)) == 1, "HTTP: a call in flight")
c.sock.close()
c.close()
status, _, body = h.post({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                          "params": {"name": "connections_list", "arguments": {}}}, HDR)
check(status == 200 and '"success"' in body, f"HTTP: another call is served: {status}")
check(wait_children(h.p.pid, 0, timeout=10) == [], "HTTP: the abandoned call's child ends")
rc, err = h.stop()
sanitizer_clean(err, "HTTP server")

# Without the warm worker (mcp.warm_worker: false) every call starts the executable: the
# same answers, crashes and cancellations, and no worker process.
text = open(cfg).read()
check("warm_worker: true" in text, "osiris.yaml has warm_worker")
open(cfg, "w").write(text.replace("warm_worker: true", "warm_worker: false"))
s = Stdio("--base-path", ws, env=env)
s.initialize()
pid = s.p.pid
e = env_of(call("connections_list", {}))
check(e["status"] == "success", f"without the worker: a call: {e}")
check(all(not is_worker(k) for k in children(pid)), "no worker was started")
n[0] += 1
s.send({"jsonrpc": "2.0", "id": n[0], "method": "tools/call",
        "params": {"name": "discovery_request", "arguments": {"connection": "@postgres.stuck"}}})
kids = wait_children(pid, 1)
check(len(kids) == 1 and kids == children(pid), f"the call is the server's own child: {kids}")
for k in kids:
    os.kill(k, signal.SIGSEGV)
r = s.recv(10)
check(r and r["result"]["structuredContent"]["error_code"] == "SUBPROCESS_ERROR",
      f"without the worker: a crash: {r}")
e = env_of(call("connections_doctor", {"connection": "@postgres.stuck"}))
check(e["error_code"] == "TIMEOUT_ERROR", f"without the worker: a timeout: {e}")
check(wait_children(pid, 0) == [], "without the worker: every child reaped")
rc, err = s.close(timeout=15)
check(rc == 0, f"without the worker: clean exit: {rc}")
sanitizer_clean(err, "server without the worker")
hang.close()
finish()
