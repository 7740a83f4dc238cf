"""10 000 delegated calls over one stdio session, 32 in flight at a time: successes
(connections_list), child errors (discovery of a connection that does not exist) and
cancelled calls (every 50th, cancelled right after it is sent). Afterwards no child is
left (none running, no zombie), the descriptor count is what it was after the first 1000
calls, RSS has not grown past allocator noise, and LeakSanitizer finds nothing at exit."""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "mcp"))
from mcplib import OSIRIS, Stdio, check, finish, sanitizer_clean  # noqa: E402
from loadlib import calls, fds, rss_kib  # noqa: E402

TOTAL = int(os.environ.get("OSR_BRIDGE_CALLS", "10000"))
WINDOW = 32
BASE_AT = min(1000, TOTAL // 10)  # descriptors and RSS are measured after this many answers
RSS_SLACK_KIB = 4096
tmp = tempfile.mkdtemp(prefix="osr-10k-")
ws = os.path.join(tmp, "ws")
subprocess.run([OSIRIS, "init", ws], check=True, capture_output=True)
s = Stdio("--base-path", ws, env=dict(os.environ, ASAN_OPTIONS="quarantine_size_mb=0"))
s.initialize()
pid = s.p.pid


def request(i):
    if i % 10 == 9:
        return {"name": "discovery_request", "arguments": {"connection": "@sqlite.nope"}}
    return {"name": "connections_list", "arguments": {}}


sent = answered = cancelled = 0
inflight = set()
wrong = []
base_fds = base_rss = None
t0 = time.time()
while answered + cancelled < TOTAL:
    while len(inflight) < WINDOW and sent < TOTAL:
        rid = 10 + sent
        s.send({"jsonrpc": "2.0", "id": rid, "method": "tools/call", "params": request(sent)})
        if sent % 50 == 25:
            s.send({"jsonrpc": "2.0", "method": "notifications/cancelled",
                    "params": {"requestId": rid, "reason": "load test"}})
            cancelled += 1
        else:
            inflight.add(rid)
        sent += 1
    m = s.recv(60)
    if m is None:
        check(False, f"no answer after {answered} answers ({len(inflight)} in flight)")
        break
    if m.get("id") not in inflight:
        wrong.append(m)
        continue
    inflight.discard(m["id"])
    answered += 1
    sc = m["result"]["structuredContent"]
    want = "error" if (m["id"] - 10) % 10 == 9 else "success"
    if sc["status"] != want or (want == "error" and sc["error_code"] != "NOT_FOUND"):
        wrong.append(m)
    if answered == BASE_AT:
        deadline = time.time() + 5
        while len(inflight) and time.time() < deadline:  # a quiet moment to measure
            r = s.recv(10)
            if r and r.get("id") in inflight:
                inflight.discard(r["id"])
                answered += 1
        time.sleep(0.3)
        base_fds, base_rss = fds(pid), rss_kib(pid)
elapsed = time.time() - t0
check(not wrong, f"{len(wrong)} unexpected answers, e.g. {str(wrong[:2])[:400]}")
check(answered + cancelled == TOTAL, f"{answered} answered + {cancelled} cancelled of {TOTAL}")
time.sleep(0.5)
deadline = time.time() + 5
while calls(pid) and time.time() < deadline:  # cancelled children end within 2 s
    time.sleep(0.1)
check(calls(pid) == [], f"no child left: {calls(pid)}")
check(fds(pid) == base_fds, f"descriptors {fds(pid)}, after {BASE_AT} calls {base_fds}")
check(rss_kib(pid) <= base_rss + RSS_SLACK_KIB,
      f"RSS {rss_kib(pid)} KiB, after {BASE_AT} calls {base_rss} KiB")
check(s.request(5, "ping").get("result") == {}, "still serving")
print(f"{TOTAL} calls ({cancelled} cancelled) in {elapsed:.1f} s; descriptors {fds(pid)}; "
      f"RSS {rss_kib(pid)} KiB (after {BASE_AT}: {base_rss} KiB)")
rc, err = s.close(timeout=30)
check(rc == 0, f"clean exit: {rc}")
sanitizer_clean(err, "server")
finish()
