"""The guide's no-env scenario: the server's environment holds none of the databases'
secrets, they are only in the workspace's .env. The delegated tools still reach both real
servers (doctor healthy, discovery with tables and samples, connections_list reporting the
references as set), because the children load .env themselves."""
import json
import os

from seclib import SRV, Stdio, check, finish, sanitizer_clean, server_env, workspace

env = server_env()
check(not any(v in (SRV["OSR_PG_PASSWORD"], SRV["OSR_MY_PASSWORD"]) for v in env.values()),
      "the server's environment holds no database password")
ws = workspace()
s = Stdio("--base-path", ws, env=env)
s.initialize()


def call(i, name, args):
    r = s.request(i, "tools/call", {"name": name, "arguments": args}, 60)
    return r["result"]["structuredContent"]


e = call(2, "connections_list", {})
pg = e["result"]["connections"]["postgres"]["main"]
check(pg["env_vars"].get("SEC_PG_PASSWORD") is True and pg["config"]["password"] == "***MASKED***",
      f"the reference is set (from .env) and masked: {pg}")
e = call(3, "connections_doctor", {})
conns = e["result"]["connections"]
check(conns["postgres"]["main"]["status"] == "healthy" and conns["mysql"]["main"]["status"] == "healthy",
      f"doctor reaches both servers: {json.dumps(conns)[:500]}")
for i, conn in [(4, "@postgres.main"), (5, "@mysql.main")]:
    e = call(i, "discovery_request", {"connection": conn, "samples": 1, "refresh": True})
    check(e["status"] == "success" and len(e["result"]["tables"]) > 3
          and any(t.get("samples") for t in e["result"]["tables"]),
          f"discovery of {conn}: {json.dumps(e)[:300]}")
# Without .env the same server cannot reach them: the secrets really came from the file.
os.rename(os.path.join(ws, ".env"), os.path.join(ws, "env.off"))
e = call(6, "connections_doctor", {"connection": "@postgres.main"})
check(e["result"]["connections"]["postgres"]["main"]["status"] == "unhealthy",
      f"no .env, no connection: {json.dumps(e)[:400]}")
rc, err = s.close(timeout=20)
check(rc == 0, f"clean exit: {rc}")
sanitizer_clean(err, "server")
finish()
