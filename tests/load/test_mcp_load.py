"""Load: 100 concurrent delegated tool calls (connections_list, each a child process) over
one stdio session and over one HTTP session. Every call succeeds with its own correlation
id, every child is reaped, after each burst the server's descriptor count is back to its
baseline, and after two warm-up bursts its RSS does not grow. The latency figures (sequential baseline and
under load, P50/P95 as the guide computes them) are printed for bench/README.md; they are
not asserted, since a timed assertion would fail on a busy machine.

OSIRIS_BIN selects the binary (the release build for the figures in bench/)."""
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "mcp"))
from mcplib import OSIRIS, HttpServer, Stdio, check, finish, sanitizer_clean  # noqa: E402
from loadlib import calls, fds, pct, rss_kib  # noqa: E402

BURST = 100
# The first two bursts warm up (the allocator keeps what the first peaks needed); after
# them RSS is the baseline and the later bursts must keep it. The slack absorbs allocator
# noise (AddressSanitizer's allocator returns memory lazily; a release build stays within
# about 1 MiB over 20 bursts).
WARM = 2
BURSTS = int(os.environ.get("OSR_LOAD_BURSTS", "5"))
RSS_SLACK_KIB = 2048
tmp = tempfile.mkdtemp(prefix="osr-load-")
ws = os.path.join(tmp, "ws")
subprocess.run([OSIRIS, "init", ws], check=True, capture_output=True)
# No quarantine under AddressSanitizer: freed memory goes back at once, as without it.
env = dict(os.environ, ASAN_OPTIONS="quarantine_size_mb=0")
CALL = {"name": "connections_list", "arguments": {}}
figures = {}


def ok(resp):
    sc = resp.get("result", {}).get("structuredContent", {}) if resp else {}
    return sc.get("status") == "success" and "sqlite" in sc.get("result", {}).get("connections", {})


def settle(pid, want_fds=None):
    """Waits up to 2 s for the server to have no child and `want_fds` descriptors (or, when
    None, a descriptor count that stays the same for 200 ms: closed connections noticed)."""
    deadline = time.time() + 2
    last, since = -1, time.time()
    while time.time() < deadline:
        n = fds(pid)
        if n != last:
            last, since = n, time.time()
        if not calls(pid) and (n == want_fds or want_fds is None and time.time() - since > 0.2):
            break
        time.sleep(0.02)
    return calls(pid), fds(pid)


def after_burst(what, b, pid, base_fds, base_rss):
    """The checks after burst b: no child, descriptors back, RSS kept after the warm-up.
    Returns the RSS baseline (set at the last warm-up burst)."""
    kids, n = settle(pid, base_fds)
    check(kids == [], f"{what} burst {b}: every child reaped: {kids}")
    check(n == base_fds, f"{what} burst {b}: descriptors back to {base_fds}: {n}")
    rss = rss_kib(pid)
    if b == WARM - 1:
        return rss
    if b >= WARM:
        check(rss <= base_rss + RSS_SLACK_KIB, f"{what} burst {b}: RSS {rss} KiB vs {base_rss} KiB")
    return base_rss


def summary(name, seq, load):
    figures[name] = {"sequential_p50_ms": round(pct(seq, 0.5), 2),
                     "sequential_p95_ms": round(pct(seq, 0.95), 2),
                     "load_p50_ms": round(pct(load, 0.5), 2), "load_p95_ms": round(pct(load, 0.95), 2),
                     "ratio_p95": round(pct(load, 0.95) / pct(seq, 0.95), 1), "calls": len(load)}


# ---- stdio ----
s = Stdio("--base-path", ws, env=env)
s.initialize()
pid = s.p.pid
seq = []
for i in range(50):
    t0 = time.perf_counter()
    r = s.request(100 + i, "tools/call", CALL, 30)
    seq.append((time.perf_counter() - t0) * 1000)
    check(ok(r), f"sequential call {i}: {json.dumps(r)[:200]}")
base_fds = settle(pid)[1]
base_rss = None
load = []
for b in range(BURSTS):
    sent = {}
    for i in range(BURST):
        rid = 1000 * (b + 1) + i
        sent[rid] = time.perf_counter()
        s.send({"jsonrpc": "2.0", "id": rid, "method": "tools/call", "params": CALL})
    got = {}
    while len(got) < BURST:
        m = s.recv(60)
        if m is None:
            break
        if m.get("id") in sent:
            got[m["id"]] = m
            if b:
                load.append((time.perf_counter() - sent[m["id"]]) * 1000)
    corr = {m["result"]["structuredContent"]["_meta"]["correlation_id"] for m in got.values() if ok(m)}
    check(len(got) == BURST and all(ok(m) for m in got.values()) and len(corr) == BURST,
          f"stdio burst {b}: {len(got)} answers, {len(corr)} distinct correlation ids")
    base_rss = after_burst("stdio", b, pid, base_fds, base_rss)
summary("stdio", seq, load)
figures["stdio"]["rss_kib"] = rss_kib(pid)
check(s.request(9, "ping").get("result") == {}, "stdio: still serving")
rc, err = s.close(timeout=20)
check(rc == 0, f"stdio: clean exit: {rc}")
sanitizer_clean(err, "stdio server")

# ---- HTTP: one session, each call on its own connection, all at once ----
h = HttpServer("--base-path", ws, env=env)
pid = h.p.pid
status, hd, _ = h.post({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                        "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                                   "clientInfo": {"name": "load", "version": "1"}}})
sid = hd.get("mcp-session-id")
check(status == 200 and sid, "HTTP session")
HDR = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
       "Mcp-Session-Id": sid or "", "MCP-Protocol-Version": "2025-11-25"}
h.post({"jsonrpc": "2.0", "method": "notifications/initialized"}, HDR)


def http_call(rid, out):
    body = json.dumps({"jsonrpc": "2.0", "id": rid, "method": "tools/call", "params": CALL})
    t0 = time.perf_counter()
    try:
        c = http.client.HTTPConnection("127.0.0.1", h.port, timeout=60)
        c.request("POST", "/mcp", body, HDR)
        r = c.getresponse()
        text = r.read().decode()
        c.close()
    except OSError as e:
        out[rid] = (None, str(e), 0)
        return
    if text.startswith("event:") or text.startswith("data:") or "\ndata: " in text:
        text = [l[6:] for l in text.splitlines() if l.startswith("data: ")][-1]
    out[rid] = (r.status, text, (time.perf_counter() - t0) * 1000)


seq = []
for i in range(50):
    out = {}
    http_call(100 + i, out)
    st, text, ms = out[100 + i]
    check(st == 200 and ok(json.loads(text)), f"HTTP sequential call {i}: {st} {text[:200]}")
    seq.append(ms)
base_fds = settle(pid)[1]
base_rss = None
load = []
for b in range(BURSTS):
    out = {}
    threads = [threading.Thread(target=http_call, args=(1000 * (b + 1) + i, out)) for i in range(BURST)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    good = [v for v in out.values() if v[0] == 200 and ok(json.loads(v[1]))]
    check(len(good) == BURST, f"HTTP burst {b}: {len(good)} of {BURST} succeeded: "
          f"{[v[:2] for v in out.values() if v not in good][:3]}")
    if b:
        load += [v[2] for v in good]
    base_rss = after_burst("HTTP", b, pid, base_fds, base_rss)
summary("http", seq, load)
figures["http"]["rss_kib"] = rss_kib(pid)
rc, err = h.stop()
sanitizer_clean(err, "HTTP server")
print(json.dumps({"binary": OSIRIS, "cpus": os.cpu_count(), "burst": BURST, **figures}, indent=1))
finish()
