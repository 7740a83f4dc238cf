"""Everything the server and its children write for a session is private: audit,
telemetry, discovery cache, memory and drafts are files 0600 in directories 0700, even
under a permissive umask."""
import os
import stat

from seclib import Stdio, check, files_under, finish, full_session, server_env, workspace

os.umask(0o002)
ws = workspace()
s = Stdio("--base-path", ws, env=server_env())
t, got = full_session(s)
rc, err = s.close(timeout=20)
check(rc == 0, f"clean exit: {rc}")
roots = [os.path.join(ws, ".osiris", "mcp", "logs"), os.path.join(ws, "pipelines", "drafts")]
seen = 0
for root in roots:
    for d, dirs, names in os.walk(root):
        mode = stat.S_IMODE(os.stat(d).st_mode)
        check(mode == 0o700, f"{d}: directory mode {oct(mode)}")
    for p in files_under(root):
        seen += 1
        mode = stat.S_IMODE(os.stat(p).st_mode)
        check(mode == 0o600, f"{p}: file mode {oct(mode)}")
kinds = [k for k in ("audit", "telemetry", "cache", "memory", "drafts")
         if any(f"/{k}/" in p for r in roots for p in files_under(r))]
check(len(kinds) == 5, f"every kind of file was written and checked: {kinds} ({seen} files)")
finish()
