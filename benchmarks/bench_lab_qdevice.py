"""QDevice lab speed: from nothing to every node quorate WITH the device's vote, for two
nodes and a qnetd host (issue "QDevice for real": 10 s or less), and the time until the vote
is gone after `qnetd stop` and back after `qnetd start`.  Medians of several runs; the
parts (namespaces and certificates, corosync settled, qdevice's vote) come from the lab's
event timeline.  Needs root, corosync, corosync-qnetd and corosync-qdevice.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from pvequorum.lab.core import Lab
from pvequorum.model import QDevice, simple_cluster

RUNS = 3
TARGET_S = 10.0


def _until(check: Callable[[], bool], limit: float = 120.0) -> float:
    began = time.monotonic()
    while not check():
        if time.monotonic() - began > limit:
            raise SystemExit(f"not reached in {limit:.0f} s")
        time.sleep(0.05)
    return time.monotonic() - began


def _voting(lab: Lab, cast: bool) -> bool:
    """Every running node quorate with 3 votes (cast), or no node counting the device."""
    for name in lab.running():
        status = lab.status(name)
        if status is None:
            return False
        counted = status.total_votes == 3
        if counted != cast or (cast and not status.quorate):
            return False
    return True


def measure(algorithm: str) -> dict[str, float]:
    runs: dict[str, list[float]] = {"total": [], "built": [], "vote": [], "gone": [], "back": []}
    for _ in range(RUNS):
        cluster = simple_cluster(2, device=QDevice(votes=1, algorithm=algorithm))
        began = time.monotonic()
        lab = Lab(cluster).up()
        try:
            runs["built"].append(time.monotonic() - began)
            lab.start(list(cluster.names))
            _until(lambda lab=lab: _voting(lab, True))
            runs["total"].append(time.monotonic() - began)
            runs["vote"].append(time.monotonic() - began - runs["built"][-1])
            lab.qnetd("stop")
            runs["gone"].append(_until(lambda lab=lab: _voting(lab, False)))
            lab.qnetd("start")
            runs["back"].append(_until(lambda lab=lab: _voting(lab, True)))
        finally:
            lab.down()
    return {key: statistics.median(values) for key, values in runs.items()}


def main() -> None:
    for algorithm in ("ffsplit", "lms"):
        m = measure(algorithm)
        verdict = "ok" if m["total"] <= TARGET_S else "MISSED"
        print(
            f"2 nodes + qnetd ({algorithm}): nothing to quorate with the device's vote "
            f"{m['total']:5.2f} s  {verdict} (target {TARGET_S:.0f} s)"
        )
        print(
            f"    namespaces + certificates + qnetd {m['built']:5.2f} s, "
            f"corosync + qdevice to the vote {m['vote']:5.2f} s"
        )
        print(
            f"    qnetd stop: vote gone after {m['gone']:5.2f} s; "
            f"qnetd start: vote back after {m['back']:5.2f} s"
        )


if __name__ == "__main__":
    main()
