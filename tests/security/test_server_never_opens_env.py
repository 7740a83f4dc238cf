"""Neither the MCP server nor its warm workers ever open .env: every process is traced
(strace -f) over a session that calls every tool; the server's own system calls and the
workers' show no open of the file, while the call processes the workers fork do open it
(the control: the trace would show it) and reach the databases with its secrets."""
import os
import re

from seclib import check, finish, full_session, traced_stdio, workspace

ws = workspace()
trace = os.path.join(os.path.dirname(ws), "server.trace")
s = traced_stdio(ws, trace, "-f", "-e", "trace=open,openat,openat2,execve")
t, got = full_session(s)
rc, err = s.close(timeout=30)
check(rc == 0, f"clean exit: {rc} {err[-500:]}")
check(got["doctor"]["result"]["connections"]["postgres"]["main"]["status"] == "healthy",
      "the calls resolved the .env secrets")
lines = open(trace).read().splitlines()
by_pid = {}
for line in lines:
    m = re.match(r"(\d+) +(.*)", line)
    if m:
        by_pid.setdefault(int(m.group(1)), []).append(m.group(2))
server = int(re.match(r"(\d+)", lines[0]).group(1))
workers = [p for p, calls in by_pid.items()
           if any(c.startswith("execve(") and '"mcp", "worker"' in c for c in calls)]
check(len(workers) == 2, f"two workers were started: {workers}")
for p, what in [(server, "the server")] + [(w, f"worker {w}") for w in workers]:
    opened = [c for c in by_pid.get(p, []) if c.startswith("open")]
    check(opened, f"{what}: its opens are in the trace")
    env_opens = [c for c in opened if ".env" in c]
    check(not env_opens, f"{what} opened .env: {env_opens[:3]}")
check(any(".env" in c for p, calls in by_pid.items() if p != server and p not in workers
          for c in calls), "the control: the call processes' opens of .env are in the trace")
check(any("osiris_connections.yaml" in c for c in by_pid.get(server, [])),
      "the server read the names of the connections")
finish()
