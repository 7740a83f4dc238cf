"""The HTTP transport refuses a foreign Host (DNS rebinding) and a foreign Origin with 403
before any tool runs, and accepts loopback ones; it binds to 127.0.0.1 by default."""
from seclib import HttpServer, check, finish, sanitizer_clean, server_env, workspace

ws = workspace()
h = HttpServer("--base-path", ws, env=server_env())
init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "sec", "version": "1"}}}
call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "connections_list", "arguments": {}}}
for headers, what in [({"Host": "evil.example.com"}, "foreign Host"),
                      ({"Host": f"attacker.test:{h.port}"}, "foreign Host with our port"),
                      ({"Origin": "http://evil.example.com"}, "foreign Origin"),
                      ({"Origin": "http://localhost.evil.example.com"}, "look-alike Origin"),
                      ({"Origin": "null"}, "null Origin")]:
    for body in (init, call):
        status, _, text = h.post(body, headers)
        check(status == 403 and "connections" not in text,
              f"{what} on {body['method']}: 403, got {status} {text[:200]}")
status, hd, _ = h.post(init, {"Origin": f"http://localhost:{h.port}"})
check(status == 200 and hd.get("mcp-session-id"), f"loopback Origin accepted: {status}")
status, hd, _ = h.post(init, {"Host": f"127.0.0.1:{h.port}"})
check(status == 200, "loopback Host accepted")
rc, err = h.stop()
sanitizer_clean(err, "http server")
finish()
