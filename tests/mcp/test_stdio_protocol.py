"""Bad input over stdio: each gets the right JSON-RPC error and the server keeps serving."""
import json
import time

from mcplib import Stdio, check, finish, sanitizer_clean

s = Stdio("--conformance-fixtures")

r = s.request(1, "tools/list")
check(r["error"]["code"] == -32600 and "initialize" in r["error"]["message"],
      f"request before initialize refused: {r}")
r = s.request(2, "ping")
check(r.get("result") == {}, "ping allowed before initialize")
r = s.initialize()
check(r["result"]["protocolVersion"] == "2025-11-25", "negotiated newest version")
check(r["result"]["serverInfo"]["name"] == "osiris-mcp-server", "server name")

s.send_raw(b'{"jsonrpc":"2.0","id":3,"method":"pi\n')
r = s.recv()
check(r["error"]["code"] == -32700 and r["id"] is None, f"truncated JSON: {r}")
s.send_raw(b"\x00\xff\xfe garbage \x01\n")
r = s.recv()
check(r["error"]["code"] == -32700, f"binary garbage: {r}")
s.send_raw(b'{"jsonrpc":"2.0","id":4,"method":"ping","params":{"x":"\xc3\x28"}}\n')
r = s.recv()
check(r["error"]["code"] == -32700, f"invalid UTF-8: {r}")
s.send_raw(b'{"jsonrpc":"2.0","id":5,"id":6,"method":"ping"}\n')
check(s.recv()["error"]["code"] == -32700, "duplicate keys")
s.send_raw(b"[1, 2\n")
check(s.recv()["error"]["code"] == -32700, "truncated array")
s.send_raw(b"\n\r\n")  # blank lines are ignored

for bad, code, what in [
    ({"jsonrpc": "1.0", "id": 7, "method": "ping"}, -32600, "wrong jsonrpc"),
    ({"jsonrpc": "2.0", "id": None, "method": "ping"}, -32600, "null id"),
    ({"jsonrpc": "2.0", "id": 1.5, "method": "ping"}, -32600, "float id"),
    ({"jsonrpc": "2.0", "id": 8, "method": 5}, -32600, "method not a string"),
    ({"jsonrpc": "2.0", "id": 9, "method": "ping", "params": [1]}, -32602, "array params"),
    ({"jsonrpc": "2.0", "id": 10, "method": "ping", "params": 3}, -32600, "scalar params"),
    ({"jsonrpc": "2.0", "id": 11, "method": "no/such"}, -32601, "unknown method"),
    ({"jsonrpc": "2.0", "id": 12, "method": "tools/call", "params": {"name": 5}}, -32602,
     "tool name not a string"),
    ({"jsonrpc": "2.0", "id": 13, "method": "tools/call", "params": {"name": "nope"}}, -32602,
     "unknown tool"),
    ({"jsonrpc": "2.0", "id": 14, "method": "tools/list", "params": {"cursor": "bogus"}}, -32602,
     "bad cursor"),
    ({"jsonrpc": "2.0", "id": 15, "method": "logging/setLevel", "params": {"level": "loud"}},
     -32602, "bad log level"),
    ({"jsonrpc": "2.0", "id": 16, "method": "resources/read", "params": {"uri": "x://y"}},
     -32002, "resource not found"),
    ({"jsonrpc": "2.0", "id": 17, "method": "initialize",
      "params": {"protocolVersion": "2025-11-25"}}, -32600, "second initialize"),
    ([{"jsonrpc": "2.0", "id": 18, "method": "ping"}], -32600, "batch outside 2025-03-26"),
    ("just a string", -32600, "not an object"),
]:
    s.send(bad)
    r = s.recv()
    check(r is not None and r.get("error", {}).get("code") == code, f"{what}: {r}")

# Notifications are never answered; a response to a request we never sent is ignored.
s.send({"jsonrpc": "2.0", "method": "notifications/whatever"})
s.send({"jsonrpc": "2.0", "id": "never-sent", "result": {}})
s.send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 999}})
r = s.request(20, "ping")
check(r == {"jsonrpc": "2.0", "id": 20, "result": {}}, f"nothing answered the notifications: {r}")

# An id reused while the first request is in flight is refused; reuse afterwards is fine.
s.send({"jsonrpc": "2.0", "id": 30, "method": "tools/call",
        "params": {"name": "test_tool_with_progress"}})
s.send({"jsonrpc": "2.0", "id": 30, "method": "ping"})
first = s.recv()
check(first["id"] == 30 and first["error"]["code"] == -32600, f"in-flight id reuse: {first}")
done = s.recv(3)
check(done["id"] == 30 and "result" in done, f"the first request still completes: {done}")

# A slow handler never blocks others.
s.send({"jsonrpc": "2.0", "id": 40, "method": "tools/call",
        "params": {"name": "test_tool_with_logging"}})
t0 = time.time()
r = s.request(41, "ping")
check(r["result"] == {} and time.time() - t0 < 0.09, "ping answered while a tool runs")
while True:
    r = s.recv()
    if r.get("id") == 40:
        break

# A line over the payload limit is discarded as it streams and answered with an error.
big = b'{"jsonrpc":"2.0","id":50,"method":"ping","params":{"x":"' + b"a" * (20 << 20) + b'"}}\n'
s.send_raw(big)
r = s.recv(20)
check(r["error"]["code"] == -32600 and r["error"]["data"]["error_code"] == "POLICY_ERROR",
      f"20 MiB line refused: {r}")
r = s.request(51, "ping")
check(r["result"] == {}, "still serving after the huge line")

# Cancelling a request stops it: no response is sent for it.
s.send({"jsonrpc": "2.0", "id": 60, "method": "tools/call",
        "params": {"name": "test_tool_with_logging"}})
s.send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 60}})
r = s.request(61, "ping")
late = s.recv(0.3)
check(late is None or late.get("id") != 60, f"no response after cancel: {late}")

rc, err = s.close()
check(rc == 0, f"clean exit on EOF (rc={rc})")
sanitizer_clean(err, "stdio session")

# 2025-03-26 accepts batches; initialize may not be inside one.
s = Stdio("--conformance-fixtures")
s.initialize("2025-03-26")
s.send([{"jsonrpc": "2.0", "id": 1, "method": "ping"},
        {"jsonrpc": "2.0", "method": "notifications/x"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "test_tool_with_progress"}},
        {"jsonrpc": "2.0", "id": 3, "method": "initialize", "params": {}}])
r = s.recv(3)
check(isinstance(r, list) and sorted(x["id"] for x in r) == [1, 2, 3],
      f"batch answered as one array: {r}")
s.send([])
check(s.recv()["error"]["code"] == -32600, "empty batch")
rc, err = s.close()
sanitizer_clean(err, "batch session")

# Unsupported version: answered with the newest supported one.
s = Stdio()
r = s.initialize("1999-01-01")
check(r["result"]["protocolVersion"] == "2025-11-25", f"unsupported version: {r}")
# The stateless revision: server/discover and per-request _meta, no initialize needed.
s2 = Stdio("--conformance-fixtures")
meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {}}
r = s2.request(1, "server/discover", {"_meta": meta})
check("2026-07-28" in r["result"]["supportedVersions"], f"server/discover: {r}")
r = s2.request(2, "tools/call", {"name": "test_simple_text", "_meta": meta})
check(r["result"]["resultType"] == "complete", f"resultType on modern results: {r}")
for srv in (s, s2):
    rc, err = srv.close()
    sanitizer_clean(err, "version sessions")

# SIGTERM with a request in flight: clean exit.
s = Stdio("--conformance-fixtures")
s.initialize()
s.send({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "test_tool_with_logging"}})
time.sleep(0.02)
s.p.terminate()
rc = s.p.wait(5)
check(rc == 0, f"SIGTERM exit code {rc}")
sanitizer_clean(s.p.stderr.read().decode(errors="replace"), "SIGTERM")
finish()
