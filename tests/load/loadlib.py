"""Load helpers: a server's children, descriptors and RSS from /proc; percentiles as the
guide computes them (sorted, element floor(n * q), no interpolation)."""
import os


def children(pid):
    kids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    rest = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(rest[1]) == pid:
                kids.append((int(d), rest[0]))
    return kids


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
