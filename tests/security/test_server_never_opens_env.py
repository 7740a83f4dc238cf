"""The MCP server process never opens .env: its own system calls (strace without -f, so
the delegated children, which do load .env, are not traced) over a session that calls
every tool show no open of the file, while the children evidently resolved the secrets
(the databases were reached)."""
import os
import shutil
import subprocess

from seclib import OSIRIS, Stdio, check, finish, full_session, server_env, workspace

strace = shutil.which("strace")
check(strace is not None, "strace is installed (scripts/setup)")
ws = workspace()
trace = os.path.join(os.path.dirname(ws), "server.trace")
env = dict(server_env(), ASAN_OPTIONS="detect_leaks=0")  # LeakSanitizer cannot run traced
s = Stdio.__new__(Stdio)
s.p = subprocess.Popen([strace, "-qq", "-e", "trace=open,openat,openat2,execve", "-o", trace,
                        OSIRIS, "mcp", "run", "--base-path", ws], stdin=subprocess.PIPE,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
s.buf = b""
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
