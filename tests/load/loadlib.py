"""Load helpers: a server's children, descriptors and RSS from /proc; percentiles as the
guide computes them (sorted, element floor(n * q), no interpolation)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "mcp"))
from mcplib import calls  # noqa: E402,F401  (re-exported for the load tests)


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def pct(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * q))]
