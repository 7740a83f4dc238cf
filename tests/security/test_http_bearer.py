"""With a token (OSIRIS_MCP_TOKEN or --auth-token-file), every HTTP request needs
`Authorization: Bearer <token>`: missing, wrong, truncated or scheme-less tokens get 401
with WWW-Authenticate and no tool runs; the right one works. A non-loopback listen address
without a token is refused at start. The token never appears in logs or answers."""
import os
import subprocess

from seclib import OSIRIS, HttpServer, check, files_under, finish, sanitizer_clean, server_env, \
    workspace

TOKEN = "sec-token-7f1e2d3c4b5a69788796a5b4c3d2e1f0"
ws = workspace()
h = HttpServer("--base-path", ws, env=dict(server_env(), OSIRIS_MCP_TOKEN=TOKEN))
init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "sec", "version": "1"}}}
for auth, what in [(None, "no token"), ("Bearer wrong", "wrong token"),
                   ("Bearer " + TOKEN[:-1], "truncated token"), (TOKEN, "no Bearer scheme"),
                   ("Basic " + TOKEN, "other scheme")]:
    status, hd, text = h.post(init, {"Authorization": auth} if auth else {})
    check(status == 401 and hd.get("www-authenticate", "").startswith("Bearer"),
          f"{what}: 401, got {status} {text[:200]}")
good = {"Authorization": "Bearer " + TOKEN}
status, hd, text = h.post(init, good)
sid = hd.get("mcp-session-id")
check(status == 200 and sid, f"right token: {status}")
hdr = dict(good, **{"Mcp-Session-Id": sid or "", "MCP-Protocol-Version": "2025-11-25"})
h.post({"jsonrpc": "2.0", "method": "notifications/initialized"}, hdr)
status, _, text = h.post({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                          "params": {"name": "connections_list", "arguments": {}}}, hdr)
check(status == 200 and "postgres" in text, f"a tool call with the token: {status}")
status, _, text = h.post({"jsonrpc": "2.0", "id": 3, "method": "ping"},
                         {"Mcp-Session-Id": sid or ""})
check(status == 401, "a session id does not stand in for the token")
rc, err = h.stop()
sanitizer_clean(err, "http server")
check(TOKEN not in err, "token not on stderr")
for p in files_under(ws):
    check(TOKEN not in open(p, "rb").read().decode("utf-8", "replace"), f"token not in {p}")
env = {k: v for k, v in server_env().items() if k != "OSIRIS_MCP_TOKEN"}
p = subprocess.run([OSIRIS, "mcp", "run", "--transport", "http", "--listen", "0.0.0.0:0",
                    "--base-path", ws], env=env, capture_output=True, text=True, timeout=20)
check(p.returncode != 0 and "token" in p.stderr.lower(),
      f"a public listen address without a token is refused: {p.returncode} {p.stderr[-300:]}")
finish()
