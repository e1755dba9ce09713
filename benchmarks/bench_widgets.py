"""Speed of the teaching kit: a widget interaction, and running every teaching notebook.

    .venv/bin/python benchmarks/bench_widgets.py

Targets (issues 6, 13): one widget interaction (recompute the snapshot, tell the change as
the stage's frames, and every text) <= 50 ms median; executing all teaching notebooks
headless < 60 s.  What the browser then takes to show the change is measured by
`bench_browser.py`.
The snapshot cache is cleared before every interaction, so each one replays its whole
history on the simulator as a cold start would.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

from pvequorum import outage
from pvequorum.widgets import GUIDED, OutageApp

ROOT = Path(__file__).resolve().parents[1]
RUNS = 30


def median_ms(action: Callable[[int], object], runs: int = RUNS) -> float:
    times = []
    for i in range(runs):
        outage._snapshot.cache_clear()
        start = time.perf_counter()
        action(i)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def report(what: str, ms: float, target: float) -> None:
    verdict = "  ok" if ms <= target else f"  MISSED (>{target:g} ms)"
    print(f"{what:<58} {ms:9.2f} ms{verdict}")


def widget_interactions() -> None:
    two = OutageApp("two-node")
    report(
        "crash or start pve2 (2 nodes, growing history)",
        median_ms(lambda i: (two.start if i % 2 else two.crash)("pve2")),
        50,
    )
    five = OutageApp("five-node")
    report(
        "crash or start a node (5 nodes, growing history)",
        median_ms(lambda i: (five.start if i % 2 else five.crash)(f"pve{i % 5 + 1}")),
        50,
    )
    report("undo (5 nodes)", median_ms(lambda i: five.undo()), 50)
    qdev = OutageApp("four-node-qdevice")
    report(
        "partition 2:2 and heal (4 nodes + QDevice)",
        median_ms(lambda i: qdev.heal() if i % 2 else qdev.partition("pve1,pve2 | pve3,pve4")),
        50,
    )
    story = OutageApp("two-node", mode=GUIDED)
    report(
        "guided story: Next / Back",
        median_ms(lambda i: story.show_story_step(i % 11)),
        50,
    )
    big = OutageApp("two-node")
    big.load_config_text(_big_config(16))
    report(
        "crash or start a node (16 nodes from a config)",
        median_ms(lambda i: (big.start if i % 2 else big.crash)(f"node{i % 16 + 1}")),
        50,
    )
    report(
        "open the plan panel (16 nodes)",
        median_ms(lambda i: _reopen(big.details, big.PLAN_PANEL)),
        50,
    )


def _reopen(accordion: object, panel: int) -> None:
    accordion.selected_index = 0  # type: ignore[attr-defined]
    accordion.selected_index = panel  # type: ignore[attr-defined]


def _big_config(count: int) -> str:
    nodes = "".join(
        f"  node {{\n    name: node{i}\n    nodeid: {i}\n    quorum_votes: 1\n"
        f"    ring0_addr: 10.0.0.{i}\n  }}\n"
        for i in range(1, count + 1)
    )
    return (
        "totem {\n  version: 2\n  cluster_name: big\n  config_version: 1\n}\n"
        f"nodelist {{\n{nodes}}}\nquorum {{\n  provider: corosync_votequorum\n}}\n"
    )


def notebooks(runs: int = 3) -> None:
    from pvequorum.teaching.build import execute, new_notebook, target_cells, targets

    teaching = [t for t in targets(ROOT) if t.variant == "notebook"]
    totals = []
    for _ in range(runs):
        start = time.perf_counter()
        for target in teaching:
            execute(new_notebook(target_cells(target)), target.notebook.parent)
        totals.append(time.perf_counter() - start)
    median_s = statistics.median(totals)
    verdict = "  ok" if median_s < 60 else "  MISSED (>= 60 s)"
    what = f"execute all {len(teaching)} teaching notebooks headless"
    print(f"{what:<58} {median_s:9.2f} s {verdict}")


if __name__ == "__main__":
    print(f"widget interactions: median of {RUNS}, cold snapshot cache")
    widget_interactions()
    if "--no-notebooks" not in sys.argv:
        print("notebooks: median of 3 runs, one kernel per notebook")
        notebooks()
