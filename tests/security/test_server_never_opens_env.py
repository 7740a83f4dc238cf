"""The MCP server process never opens .env: its own system calls (strace without -f, so
the delegated children, which do load .env, are not traced) over a session that calls
every tool show no open of the file, while the children evidently resolved the secrets
(the databases were reached)."""
import os

from seclib import check, finish, full_session, traced_stdio, workspace

ws = workspace()
trace = os.path.join(os.path.dirname(ws), "server.trace")
s = traced_stdio(ws, trace, "-e", "trace=open,openat,openat2,execve")
t, got = full_session(s)
rc, err = s.close(timeout=30)
check(rc == 0, f"clean exit: {rc} {err[-500:]}")
check(got["doctor"]["result"]["connections"]["postgres"]["main"]["status"] == "healthy",
      "the children resolved the .env secrets")
opened = open(trace).read()
check("osiris_connections.yaml" in opened and "osiris.yaml" in opened,
      "the trace holds the server's own opens")
check(".env" not in opened, "the server never opens .env: " +
      "; ".join(l for l in opened.splitlines() if ".env" in l)[:500])
finish()
