"""No secret ever travels through a command line: every process the server starts (traced
with strace -f on execve) has an argv without the databases' passwords, the environment's
secret or an inline secret, while memory events and pipeline texts go through the child's
stdin. Also, the server passes its environment to children but adds nothing secret."""
import os
import re
import shutil
import subprocess

from seclib import CANARIES, INLINE, OSIRIS, Stdio, check, finish, full_session, server_env, \
    workspace

strace = shutil.which("strace")
check(strace is not None, "strace is installed (scripts/setup)")
ws = workspace()
trace = os.path.join(os.path.dirname(ws), "exec.trace")
env = dict(server_env(), ASAN_OPTIONS="detect_leaks=0")
s = Stdio.__new__(Stdio)
s.p = subprocess.Popen([strace, "-f", "-qq", "-s", "100000", "-e", "trace=execve", "-o", trace,
                        OSIRIS, "mcp", "run", "--base-path", ws], stdin=subprocess.PIPE,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
s.buf = b""
t, got = full_session(s)
rc, err = s.close(timeout=60)
check(rc == 0, f"clean exit: {rc} {err[-300:]}")
check(got["memory"]["status"] == "success" and got["compile"]["status"] == "success",
      "memory and compile ran as children")
lines = [l for l in open(trace).read().splitlines() if "execve(" in l]
argvs = [re.search(r"execve\(\"[^\"]*\", (\[.*?\]),", l) for l in lines]
argvs = [m.group(1) for m in argvs if m]
check(len(argvs) >= 12, f"the children were traced: {len(argvs)} execs")
check(any('"memory", "capture"' in a for a in argvs) and any('"compile", "-"' in a for a in argvs),
      "memory capture and compile of a text were among them")
for a in argvs:
    found = [c for c in CANARIES + [INLINE] if c in a]
    check(not found, f"argv holds a secret: {a[:200]}")
    check("accounts has 3 rows" not in a and "oml_version" not in a,
          f"memory events and pipeline texts go through stdin, not argv: {a[:200]}")
finish()
