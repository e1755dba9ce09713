"""Lab speed: `lab up` to every node quorate (3 and 5 nodes, token 1000 ms), teardown time,
and resident memory per corosync daemon.  Medians of several runs.  Needs root + corosync.

Targets (issue "Real corosync lab"): a 5-node lab quorate within 5 s, torn down within 3 s.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from pvequorum.lab.core import Lab
from pvequorum.model import simple_cluster

RUNS = 3


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def measure(nodes: int) -> tuple[float, float, float]:
    up_times, down_times, rss = [], [], []
    for _ in range(RUNS):
        cluster = simple_cluster(nodes)
        start = time.monotonic()
        lab = Lab(cluster).up()
        lab.start(list(cluster.names))
        while True:
            views = lab.observe().nodes
            if len(views) == nodes and all(v.quorate for v in views):
                break
            time.sleep(0.05)
        up_times.append(time.monotonic() - start)
        rss += [_rss_kib(n.pid) for n in lab.nodes.values() if n.pid]
        start = time.monotonic()
        lab.down()
        down_times.append(time.monotonic() - start)
    return statistics.median(up_times), statistics.median(down_times), statistics.median(rss)


def main() -> None:
    for nodes, target in ((3, None), (5, 5.0)):
        up, down, rss = measure(nodes)
        verdict = "" if target is None else ("  ok" if up <= target else "  MISSED")
        print(f"{nodes}-node lab: up to all quorate {up:6.2f} s{verdict}")
        ok = "  ok" if down <= 3 else "  MISSED"
        print(f"{nodes}-node lab: teardown          {down:6.2f} s{ok}")
        print(f"{nodes}-node lab: RSS per daemon    {rss / 1024:6.1f} MiB")


if __name__ == "__main__":
    main()
