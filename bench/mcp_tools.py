#!/usr/bin/env python3
"""Latency of Osiris tool calls over one stdio session, one call at a time and with many
in flight, as recorded in bench/README.md ("MCP tools").

    bench/mcp_tools.py [OSIRIS_BINARY] [CALLS]

Builds nothing (build the release preset first). Creates a workspace with `osiris init`,
starts `osiris mcp run` on it and times, per tool, CALLS sequential calls (request written
to answer read) and then CALLS calls sent at once (each timed from its send to its answer).
Tools: connections_list (delegated: a child process per call), oml_validate of a 50-step
pipeline and components_list (in-process). Prints median and P95 in ms, and the server's
resident memory when idle. Standard library only."""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
exe = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build", "release", "osiris")
calls = int(sys.argv[2]) if len(sys.argv) > 2 else 200
ws = os.path.join(tempfile.mkdtemp(), "ws")
subprocess.run([exe, "init", ws], check=True, capture_output=True)

steps = "".join(f"  - id: s{i:02d}\n    component: sqlite.extractor\n    mode: read\n"
                f"    config: {{connection: \"@sqlite.demo\", query: \"SELECT {i} AS n FROM orders\"}}\n"
                for i in range(50))
pipeline = f'oml_version: "0.1.0"\nname: fifty-steps\nsteps:\n{steps}'

p = subprocess.Popen([exe, "mcp", "run", "--base-path", ws], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE)
pending = {}


def send(i, method, params):
    p.stdin.write((json.dumps({"jsonrpc": "2.0", "id": i, "method": method,
                               "params": params}) + "\n").encode())
    p.stdin.flush()


def read():
    r = json.loads(p.stdout.readline())
    if r.get("result", {}).get("structuredContent", {}).get("status", "success") != "success":
        sys.exit(f"call failed: {r}")
    return r


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * q))]


send(0, "initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                       "clientInfo": {"name": "bench", "version": "1"}})
read()
with open(f"/proc/{p.pid}/status") as f:
    rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS"))
print(f"machine: {os.cpu_count()} CPUs; osiris: {exe}; {calls} calls per figure")
print(f"idle RSS of the server after initialize: {rss / 1024:.2f} MiB")
n = 1
for tool, args in [("connections_list", {}), ("oml_validate", {"oml_content": pipeline}),
                   ("components_list", {})]:
    seq = []
    for _ in range(calls):
        t = time.perf_counter()
        send(n, "tools/call", {"name": tool, "arguments": args})
        read()
        seq.append((time.perf_counter() - t) * 1000)
        n += 1
    sent = {}
    for _ in range(calls):
        sent[n] = time.perf_counter()
        send(n, "tools/call", {"name": tool, "arguments": args})
        n += 1
    conc = []
    for _ in range(calls):
        r = read()
        conc.append((time.perf_counter() - sent[r["id"]]) * 1000)
    print(f"{tool:17s} sequential median {statistics.median(seq):7.2f} ms  p95 {pct(seq, 0.95):7.2f} ms"
          f"   {calls} in flight: median {statistics.median(conc):7.2f} ms  p95 {pct(conc, 0.95):7.2f} ms")
p.stdin.close()
p.wait()
