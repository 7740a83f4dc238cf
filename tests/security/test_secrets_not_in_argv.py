"""No secret ever travels through a command line: every process the server starts (traced
with strace -f on execve) has an argv without the databases' passwords, the environment's
secret or an inline secret, while memory events and pipeline texts go through the child's
stdin."""
import os
import re

from seclib import CANARIES, INLINE, check, finish, full_session, traced_stdio, workspace

ws = workspace()
trace = os.path.join(os.path.dirname(ws), "exec.trace")
s = traced_stdio(ws, trace, "-f", "-s", "100000", "-e", "trace=execve")
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
