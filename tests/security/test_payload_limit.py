"""Payloads over mcp.payload_limit_mb are refused without being held whole, over stdio
(POLICY_ERROR, the session goes on) and over HTTP (413), and the server keeps serving; a
pipeline text over the limit never reaches a tool."""
import json
import os
import resource

from seclib import HttpServer, Stdio, check, finish, sanitizer_clean, server_env, workspace

ws = workspace()
with open(os.path.join(ws, "osiris.yaml")) as f:
    text = f.read()
with open(os.path.join(ws, "osiris.yaml"), "w") as f:
    f.write(text.replace("payload_limit_mb: 16", "payload_limit_mb: 1"))
check("payload_limit_mb: 1 " in open(os.path.join(ws, "osiris.yaml")).read(),
      "the workspace sets a 1 MiB limit")
big = "# " + "x" * (3 << 20) + "\n"
s = Stdio("--base-path", ws, env=server_env())
s.initialize()
s.send({"jsonrpc": "2.0", "id": 5, "method": "tools/call",
        "params": {"name": "oml_validate", "arguments": {"oml_content": big}}})
r = s.recv(30)
check(r is not None and r.get("error", {}).get("data", {}).get("error_code") == "POLICY_ERROR"
      and "1048576" in r["error"]["message"], f"3 MiB over stdio refused: {json.dumps(r)[:300]}")
r = s.request(6, "tools/call", {"name": "oml_validate",
                                "arguments": {"oml_content": "name: small\n"}})
check("result" in r, "the session goes on after the refusal")
rc, err = s.close(timeout=20)
check(rc == 0, f"clean exit: {rc}")
sanitizer_clean(err, "stdio server")

h = HttpServer("--base-path", ws, env=server_env())
status, hd, _ = h.post({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                        "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                                   "clientInfo": {"name": "sec", "version": "1"}}})
sid = hd.get("mcp-session-id")
check(status == 200 and sid, "HTTP session")
hdr = {"Mcp-Session-Id": sid or "", "MCP-Protocol-Version": "2025-11-25"}
h.post({"jsonrpc": "2.0", "method": "notifications/initialized"}, hdr)
status, _, body = h.post({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                          "params": {"name": "oml_validate", "arguments": {"oml_content": big}}}, hdr)
check(status == 413, f"3 MiB over HTTP: 413, got {status} {body[:200]}")
status, _, body = h.post({"jsonrpc": "2.0", "id": 3, "method": "ping"}, hdr)
check(status == 200, f"still serving over HTTP: {status}")
rc, err = h.stop()
sanitizer_clean(err, "http server")
finish()
