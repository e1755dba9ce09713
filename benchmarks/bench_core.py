"""Speed of the pure core: medians of several runs, printed against the targets.

    .venv/bin/python benchmarks/bench_core.py

Targets: analysis of a 64-node weighted cluster <= 10 ms; a 1000-step scenario on the
simulator <= 50 ms; `python -c "import pvequorum"` in a fresh interpreter <= 100 ms.  The
analysis is also timed against enumeration at 18 nodes (the ratio is printed).
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from pvequorum.analysis import analyze, brute_force
from pvequorum.model import QDevice, simple_cluster
from pvequorum.scenario import SCENARIO_FORMAT, Scenario, parse_scenario
from pvequorum.simulator import run_scenario


def median_ms(fn: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def report(what: str, ms: float, target: float | None = None) -> None:
    verdict = "" if target is None else ("  ok" if ms <= target else f"  MISSED (>{target:g} ms)")
    print(f"{what:<58} {ms:9.2f} ms{verdict}")


def weighted_cluster(n: int, seed: int = 64):
    rng = random.Random(seed)
    return simple_cluster(n, votes=[rng.choice([0, 1, 1, 1, 2, 3]) for _ in range(n)])


def realistic_scenario(steps: int = 1000, seed: int = 1000) -> Scenario:
    """Five nodes, one with 2 votes: crashes, starts, partitions, heals, expected, observes."""
    rng = random.Random(seed)
    cluster = simple_cluster(5, votes=[2, 1, 1, 1, 1])
    names = list(cluster.names)
    running = set(names)
    raw: list[dict[str, Any]] = [{"start": names}, {"observe": "all up"}]
    while len(raw) < steps:
        roll = rng.random()
        down = sorted(set(names) - running)
        if roll < 0.18 and len(running) > 1:
            victims = rng.sample(sorted(running), rng.randint(1, min(2, len(running) - 1)))
            raw.append({"crash": victims})
            running -= set(victims)
        elif roll < 0.36 and down:
            back = rng.sample(down, rng.randint(1, len(down)))
            raw.append({"start": back})
            running |= set(back)
        elif roll < 0.5:
            shuffled = rng.sample(names, len(names))
            cut = rng.randint(1, len(names) - 1)
            raw.append({"partition": [shuffled[:cut], shuffled[cut:]]})
        elif roll < 0.6:
            raw.append({"heal": True})
        elif roll < 0.7 and running:
            node = rng.choice(sorted(running))
            raw.append({"expected": {"node": node, "votes": rng.randint(1, 6)}})
        else:
            raw.append({"observe": f"step {len(raw)}"})
    data = {
        "format": SCENARIO_FORMAT,
        "name": "benchmark",
        "cluster": cluster.to_dict(),
        "steps": raw[:steps],
    }
    return parse_scenario(data, "<benchmark>")


def import_ms(module: str, runs: int) -> float:
    def once() -> None:
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True)

    return median_ms(once, runs)


def main() -> None:
    big = weighted_cluster(64)
    report("analysis, 64-node weighted cluster", median_ms(lambda: analyze(big), 21), 10)
    big_qd = simple_cluster(64, device=QDevice(votes=1))
    report("analysis, 64 nodes + ffsplit qdevice", median_ms(lambda: analyze(big_qd), 21), 10)
    atb = simple_cluster(64, votes=[1, 2] * 32, auto_tie_breaker=1)
    report(
        "analysis, 64 weighted nodes + auto_tie_breaker", median_ms(lambda: analyze(atb), 21), 10
    )

    mid = weighted_cluster(18, seed=18)
    fast = median_ms(lambda: analyze(mid), 21)
    slow = median_ms(lambda: brute_force(mid), 3)
    report("analysis, 18-node weighted cluster", fast)
    report("brute force enumeration, same cluster (2**18 sets)", slow)
    print(f"{'speed-up of the analysis over enumeration':<58} {slow / fast:9.0f} x")

    scenario = realistic_scenario()
    kinds = sorted({s.kind for s in scenario.steps})
    report(
        f"simulator, {len(scenario.steps)}-step scenario ({', '.join(kinds)})",
        median_ms(lambda: run_scenario(scenario), 9),
        50,
    )

    report('fresh `python -c "import pvequorum"`', import_ms("pvequorum", 9), 100)
    report(
        "fresh import of pvequorum.simulator + analysis",
        import_ms("pvequorum.simulator, pvequorum.analysis, pvequorum.timing", 9),
    )
    report("fresh `python -c pass` (interpreter start alone)", import_ms("sys", 9))


if __name__ == "__main__":
    main()
