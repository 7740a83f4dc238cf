"""The MCP server and its warm workers never hold a secret from .env in their memory:
after a session that calls every tool, the server and each worker (still running) have
their readable memory scanned through /proc/PID/mem for the database passwords that only
.env and the delegated calls know. A secret of the server's own environment, which the
workers inherit, must be found by the same scan in each (the control)."""
import re

from seclib import ENV_CANARY, SRV, Stdio, check, finish, full_session, server_env, workspace
from mcplib import children, is_worker

ws = workspace()
s = Stdio("--base-path", ws, env=server_env())
t, got = full_session(s)
check(got["disc_pg"]["status"] == "success", "the calls used the secrets")
pid = s.p.pid
needles = [SRV["OSR_PG_PASSWORD"].encode(), SRV["OSR_MY_PASSWORD"].encode()]


def scan(p):
    """(bytes scanned, .env secrets found, control found) for process p."""
    scanned, found, control = 0, [], False
    with open(f"/proc/{p}/maps") as maps, open(f"/proc/{p}/mem", "rb", 0) as mem:
        for line in maps:
            m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
            start, end, perms = int(m.group(1), 16), int(m.group(2), 16), m.group(3)
            # Readable memory up to 256 MiB a region: the heap, the stacks, data segments
            # (the sanitizers' huge shadow reservations are skipped).
            if perms[0] != "r" or end - start > 256 << 20:
                continue
            try:
                mem.seek(start)
                data = mem.read(end - start)
            except (OSError, ValueError):
                continue
            scanned += len(data)
            found += [n.decode() for n in needles if n in data]
            control = control or ENV_CANARY.encode() in data
    return scanned, found, control


workers = [k for k in children(pid) if is_worker(k)]
check(len(workers) == 2, f"the light and the database workers run: {workers}")
for p, what in [(pid, "server")] + [(k, f"worker {k}") for k in workers]:
    scanned, found, control = scan(p)
    check(scanned > 1 << 20, f"{what}: memory was scanned: {scanned} bytes")
    check(control, f"{what}: the scan finds the environment's secret, so it would find the others")
    check(not found, f"{what}: a .env secret is in its memory")
rc, err = s.close(timeout=20)
check(rc == 0, f"clean exit: {rc}")
finish()
