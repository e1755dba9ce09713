"""knet link failover on the real lab (corosync 3.1.7, 2 links, token 1000 ms): medians of
several runs, per cluster size.  Needs root, corosync and the lab.

For pve1 in clusters of 2, 3 and 4 nodes it measures, polling every 50 ms:

* `link down seen`: from detaching pve1's port on link 0 until every peer's
  `corosync-cfgtool -s` shows pve1 `disconnected` on link 0 (knet's ping timeout; the
  membership and the ring id must not change meanwhile, or the run is reported);
* `link up seen`: from attaching it again until every peer shows it `connected`;
* `isolated`: from detaching both of pve1's ports until every peer's membership has dropped
  pve1 (token loss plus consensus, reference 9);
* `rejoined`: from attaching both again until every node lists every node.

Each is measured twice: on links that came up 2 s before (`fresh`) and on links up for
STEADY_S (`steady`).  knet starts a link's pong timeout at 10 times the configured one and
brings it down over the following pings (libknet `KNET_LINK_PONG_TIMEOUT_BACKOFF`), so a
fresh link is declared down late, later than the token: the membership then re-forms once
before knet fails over.  Reference 12.4 has the numbers; this prints them.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from pvequorum import cfgtool
from pvequorum.lab.core import Lab
from pvequorum.model import simple_cluster
from pvequorum.scenario import LinkSettings

RUNS = 3
POLL_S = 0.05
LIMIT_S = 30.0
STEADY_S = 40.0


def _until(condition: Callable[[], bool]) -> float:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > LIMIT_S:
            return float("nan")
        time.sleep(POLL_S)
    return time.monotonic() - start


def _state_of(lab: Lab, viewer: str, nodeid: int, link: int) -> str | None:
    text = lab.cfgtool(viewer)
    if text is None:
        return None
    return dict(cfgtool.parse_status(text).states_of(nodeid)).get(link)


def _ring_ids(lab: Lab, names: list[str]) -> set[str]:
    ids = set()
    for name in names:
        done = lab._quorumtool(lab.nodes[name], "-s")
        ids |= {line for line in done.stdout.splitlines() if line.startswith("Ring ID:")}
    return ids


def one_run(nodes: int, settle_s: float) -> dict[str, float]:
    cluster = simple_cluster(nodes)
    with Lab(cluster, links=LinkSettings(links=2)) as lab:
        names = list(cluster.names)
        peers = names[1:]
        lab.start(names)
        lab.wait_settled()
        time.sleep(settle_s)
        rings = _ring_ids(lab, names)
        out: dict[str, float] = {}
        lab.link_down("pve1", 0)
        out["link down seen"] = _until(
            lambda: all(_state_of(lab, p, 1, 0) == "disconnected" for p in peers)
        )
        out["membership re-formed"] = float(_ring_ids(lab, names) != rings)
        lab.link_up("pve1", 0)
        out["link up seen"] = _until(
            lambda: all(_state_of(lab, p, 1, 0) == "connected" for p in peers)
        )
        time.sleep(settle_s)
        lab.link_down("pve1", 0)
        lab.link_down("pve1", 1)
        out["isolated"] = _until(
            lambda: all(
                (s := lab.status(p)) is not None and "pve1" not in s.member_names() for p in peers
            )
        )
        lab.link_up("pve1", 0)
        lab.link_up("pve1", 1)
        out["rejoined"] = _until(
            lambda: all(
                (s := lab.status(n)) is not None and list(s.member_names()) == names for n in names
            )
        )
        return out


def main() -> None:
    for label, settle_s in (("fresh", 2.0), ("steady", STEADY_S)):
        for nodes in (2, 3, 4):
            runs = [one_run(nodes, settle_s) for _ in range(RUNS)]
            for key in runs[0]:
                values = [r[key] for r in runs]
                shown = ", ".join(f"{v:.2f}" for v in values)
                unit = "of runs" if key == "membership re-formed" else "s"
                median = statistics.median(values)
                print(f"{label:6s} {nodes} nodes, {key:20s} median {median:5.2f} {unit}  ({shown})")


if __name__ == "__main__":
    main()
