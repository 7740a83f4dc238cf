"""The MCP server never holds a secret from .env in its memory: after a session that calls
every tool, the server (still running) has its readable memory scanned through
/proc/PID/mem for the database passwords that only .env and the delegated children know.
A secret of the server's own environment must be found by the same scan (the control)."""
import re

from seclib import ENV_CANARY, SRV, Stdio, check, finish, full_session, server_env, workspace

ws = workspace()
s = Stdio("--base-path", ws, env=server_env())
t, got = full_session(s)
check(got["disc_pg"]["status"] == "success", "the children used the secrets")
pid = s.p.pid
needles = [SRV["OSR_PG_PASSWORD"].encode(), SRV["OSR_MY_PASSWORD"].encode()]
scanned = 0
found = []
control = False
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
        start, end, perms = int(m.group(1), 16), int(m.group(2), 16), m.group(3)
        # Readable, private or anonymous memory up to 256 MiB a region: the heap, the
        # stacks, data segments (the sanitizers' huge shadow reservations are skipped).
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
check(scanned > 1 << 20, f"memory was scanned: {scanned} bytes")
# The control: a secret the server does hold (its own environment) is found by the scan.
check(control, "the scan finds the environment's secret, so it would find the others")
check(not found, "a .env secret is in the server's memory")
rc, err = s.close(timeout=20)
check(rc == 0, f"clean exit: {rc}")
finish()
