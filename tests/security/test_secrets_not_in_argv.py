"""No secret ever travels through a command line: every command line the server sends
(traced with strace -f: the execve of the warm worker, and the calls it sends the worker,
each a command line, on its socket) is free of the databases' passwords, the
environment's secret and an inline secret, while memory events and pipeline texts go
through the call's stdin."""
import os
import re

from seclib import CANARIES, INLINE, check, finish, full_session, traced_stdio, workspace

ws = workspace()
trace = os.path.join(os.path.dirname(ws), "exec.trace")
s = traced_stdio(ws, trace, "-f", "-s", "100000", "-e", "trace=execve,sendmsg")
t, got = full_session(s)
rc, err = s.close(timeout=60)
check(rc == 0, f"clean exit: {rc} {err[-300:]}")
check(got["memory"]["status"] == "success" and got["compile"]["status"] == "success",
      "memory and compile ran as children")
text = open(trace).read()
argvs = [m.group(1) for m in re.finditer(r"execve\(\"[^\"]*\", (\[.*?\]),", text)]
# A call to the worker: sendmsg(fd, {msg_iov=[{iov_base="{\"id\":..,\"argv\":[...]...}"
calls = [bytes(m.group(1), "ascii").decode("unicode_escape")
         for m in re.finditer(r'sendmsg\(\d+, \{msg_name=NULL, msg_namelen=0, msg_iov=\[\{iov_base="(\{\\"id.*?)", iov_len', text)]
argvs += calls
check(len(calls) >= 11, f"the calls to the worker were traced: {len(calls)}")
check(any('"memory","capture"' in a for a in argvs) and any('"compile","-"' in a for a in argvs),
      f"memory capture and compile of a text were among them: {[a[:80] for a in argvs]}")
for a in argvs:
    found = [c for c in CANARIES + [INLINE] if c in a]
    check(not found, f"argv holds a secret: {a[:200]}")
    check("accounts has 3 rows" not in a and "oml_version" not in a,
          f"memory events and pipeline texts go through stdin, not argv: {a[:200]}")
finish()
