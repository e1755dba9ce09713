"""Worst cases within the input limits: every command must finish in 2 s and 500 MB.

    .venv/bin/python benchmarks/bench_limits.py [--quick]

Each case runs `python -m pvequorum COMMAND FILE ...` in a fresh subprocess, started by a
small launcher process (a child's peak RSS counts the memory of the process it was forked
from); CPU time (user + system), wall time and peak resident memory come from the rusage of
`os.wait4` on it.  The verdict uses the CPU time, which other load on the machine does not
inflate (the commands are single-threaded and do next to no I/O); the wall time and the
load average are printed next to it.  The
cases are the largest inputs `pvequorum.limits` allows (384 nodes with adversarial votes for
`analyze`, scenarios at MAX_SIMULATION_WORK for `simulate`) and hostile files of up to
4 MiB, which must end in exit 0 or 2.  Printed: every case, then the worst time and memory
per command.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from pvequorum import limits
from pvequorum.scenario import SCENARIO_FORMAT

TIME_LIMIT_S = 2.0
RSS_LIMIT_MB = 500
FORMAT = SCENARIO_FORMAT
Case = tuple[str, str, bytes, list[str]]  # command, label, file content, extra arguments


def scenario(
    votes: list[int | None], steps: list[dict[str, Any]] | None = None, **quorum: Any
) -> dict[str, Any]:
    nodes = []
    for i, v in enumerate(votes, start=1):
        node: dict[str, Any] = {"name": f"pve{i}", "nodeid": i}
        if v is not None:
            node["votes"] = v
        nodes.append(node)
    cluster = {"name": "bench", "nodes": nodes, "quorum": quorum}
    return {"format": FORMAT, "name": "bench", "cluster": cluster, "steps": steps or []}


def encoded(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc).encode()


# --- analyze: the largest clusters, votes chosen to make the counting work hardest ----------

N = limits.MAX_NODES
VOTE_FAMILIES: dict[str, list[int | None]] = {
    "384 x 1 vote": [1] * N,
    "384 x 255 votes": [255] * N,
    "votes 2**i (capped at 255)": [min(2**i, 255) for i in range(N)],
    "votes 0..255 + 128 x 1": [*range(256), *[1] * (N - 256)],
    "votes 1..128 + 256 x 1": [*range(1, 129), *[1] * (N - 128)],
    "192 x 0 + votes 1..192": [*[0] * 192, *range(1, 193)],
    "255 x 1 + 129 x 0": [*[1] * 255, *[0] * (N - 255)],
    "16 groups of 20 + 64 x 0": [*(w for w in range(1, 17) for _ in range(20)), *[0] * 64],
    "5 groups of 76": [*(w for w in range(1, 6) for _ in range(76)), *[1] * 4],
    "80 groups of 4 + 64 x 0": [*(w for w in range(1, 81) for _ in range(4)), *[0] * 64],
    "random 0..255": [random.Random(N).randint(0, 255) for _ in range(N)],
}


def analyze_cases() -> Iterator[Case]:
    for label, votes in VOTE_FAMILIES.items():
        for extra in ([], ["--json"]):
            yield "analyze", f"{label} {' '.join(extra)}", encoded(scenario(votes)), extra
    heavy = VOTE_FAMILIES["votes 0..255 + 128 x 1"]
    variants: dict[str, dict[str, Any]] = {
        "auto_tie_breaker lowest + wfa": {"auto_tie_breaker": 1, "wait_for_all": 1},
        "auto_tie_breaker list + wfa": {
            "auto_tie_breaker": 1,
            "wait_for_all": 1,
            "auto_tie_breaker_node": " ".join(str(i) for i in range(N, 0, -1)),
        },
        "two_node, wfa 0": {"two_node": 1, "wait_for_all": 0},
        "ffsplit qdevice 255 votes": {"device": {"model": "net", "votes": 255}},
        "lms qdevice 383 votes": {
            "device": {"model": "net", "votes": 383, "net": {"algorithm": "lms"}}
        },
        "expected_votes = MAX_TOTAL_VOTES": {"expected_votes": limits.MAX_TOTAL_VOTES},
        "wait_for_all, expected_votes too high": {
            "wait_for_all": 1,
            "expected_votes": limits.MAX_TOTAL_VOTES,
        },
    }
    for label, quorum in variants.items():
        content = encoded(scenario(heavy, **quorum))
        yield "analyze", label, content, ["--json"]
        if "device" in quorum:
            yield "analyze", f"{label}, --qdevice-down", content, ["--qdevice-down"]
    cman = scenario(heavy, device={"model": "disk", "votes": 255})
    yield "analyze", "cman + qdisk", encoded({**cman, "stack": "cman"}), []
    names = [f"pve{i}" for i in range(1, N + 1)]
    steps = [{"start": names}] + [flip(i, names) for i in range(limits.MAX_STEPS - 1)]
    for command in ("analyze", "simulate"):  # the loader checks every partition of 384 names
        yield command, "384 nodes, 1000 steps of partitions", encoded(scenario(heavy, steps)), []


# --- simulate: scenarios right at MAX_SIMULATION_WORK ----------------------------------------


def steps_within(nodes: int, membership: Callable[[int, list[str]], dict[str, Any]]) -> int:
    """The most steps (a start, then membership steps) the work limit allows on `nodes`."""
    count = 1
    while (
        count < limits.MAX_STEPS
        and limits.simulation_work(nodes, count + 1, count + 1) <= limits.MAX_SIMULATION_WORK
    ):
        count += 1
    return count


def flip(i: int, names: list[str]) -> dict[str, Any]:
    half = len(names) // 2
    return {"partition": [names[:half], names[half:]]} if i % 2 == 0 else {"heal": True}


def restart(i: int, names: list[str]) -> dict[str, Any]:
    return {"stop": names} if i % 2 == 0 else {"start": names}


def crash_one(i: int, names: list[str]) -> dict[str, Any]:
    victim = [names[(i // 2) % len(names)]]
    return {"crash": victim} if i % 2 == 0 else {"start": victim}


def simulate_cases() -> Iterator[Case]:
    pattern: Callable[[int, list[str]], dict[str, Any]]
    for pattern in (flip, restart, crash_one):
        for nodes in (169, 132, 100, 64, 32, 16, 10, 4):
            names = [f"pve{i}" for i in range(1, nodes + 1)]
            count = steps_within(nodes, pattern)
            steps = [{"start": names}] + [pattern(i, names) for i in range(count - 1)]
            for extra in ([], ["--json"]):
                label = f"{nodes} nodes, start + {count - 1} x {pattern.__name__}"
                yield (
                    "simulate",
                    f"{label} {' '.join(extra)}",
                    encoded(scenario([1] * nodes, steps)),
                    extra,
                )
    lms = {"last_man_standing": 1, "wait_for_all": 1}
    for nodes in (12, 64):
        names = [f"pve{i}" for i in range(1, nodes + 1)]
        patterns: dict[str, tuple[Callable[[int], dict[str, Any]], dict[str, Any]]] = {
            "observes": (lambda i: {"observe": f"o{i}"}, {}),
            "LMS crashes and waits": (
                lambda i, names=names: (
                    {"crash": names[-1 - i // 3 :][:1]} if i % 3 == 0 else {"wait": 20000}
                ),
                lms,
            ),
            "expected": (
                lambda i, nodes=nodes: {"expected": {"node": "pve1", "votes": nodes + i % 2}},
                {},
            ),
        }
        for label, (make, quorum) in patterns.items():
            steps = [{"start": names}]
            while len(steps) < limits.MAX_STEPS:
                more = [*steps, make(len(steps))]
                membership = sum(next(iter(x)) in ("start", "crash") for x in more)
                work = limits.simulation_work(nodes, membership, len(more))
                if work > limits.MAX_SIMULATION_WORK:
                    break
                steps = more
            doc = scenario([1] * nodes, steps, **quorum)
            for extra in ([], ["--json"]):
                name = f"{nodes} nodes, start + {len(steps) - 1} {label}"
                yield "simulate", f"{name} {' '.join(extra)}", encoded(doc), extra
    names = [f"pve{i}" for i in range(1, 65)]
    qdevice = scenario(
        [1] * 64,
        [{"start": names}] + [flip(i, names) for i in range(steps_within(64, flip) - 1)],
        device={"model": "net", "votes": 63},
    )
    yield "simulate", "64 nodes + ffsplit qdevice, flips", encoded(qdevice), ["--json"]


# --- hostile files, for both commands ------------------------------------------------------


def hostile_files() -> Iterator[tuple[str, bytes]]:
    size = limits.MAX_SCENARIO_BYTES
    yield "4 MiB of [", b"[" * size
    yield "4 MiB flat list of []", b"[" + b"[]," * (size // 3 - 1) + b"[]]"
    yield "4 MiB of escaped quotes", b'"' + b'\\"' * (size // 2 - 1)
    yield "4 MiB of short strings", b'["a\\"' * (size // 5)
    keys = b",".join(b'"k%d":0' % i for i in range(size // 12))
    yield "4 MiB object of distinct keys", b"{" + keys[: size - 2] + b"}"
    yield "4 MiB integer literal", b"[" + b"9" * (size - 2) + b"]"
    yield "4 MiB random bytes", random.Random(4).randbytes(size)
    yield "MAX_SCENARIO_BYTES + 1", b" " * (size + 1)
    depth = limits.MAX_JSON_DEPTH
    nest = b"[" * (depth - 1) + b"1" + b"]" * (depth - 1)
    copies = size // (len(nest) + 1) - 1
    yield "nesting at the limit, repeated", b"[" + b",".join([nest] * copies) + b"]"
    yield "nesting one level too deep", b"[" * (depth + 1) + b"]" * (depth + 1)
    yield "4 MiB staircase [[],[[],...", b"[[]," * (size // 4)
    names = [f"pve{i}" for i in range(1, 5)]
    yield "too many steps", encoded(scenario([1] * 4, [{"observe": ""} for _ in range(size // 20)]))
    yield "too many nodes", encoded(scenario([1] * (size // 60)))
    text = "x" * (size - 400)
    big_label = encoded(scenario([1] * 4, [{"start": names}, {"observe": text}]))
    yield "4 MiB observe label", big_label


def big_corosync_conf() -> str:
    """corosync.conf of a 384-node cluster (corosync's limit), as the lab writes it."""
    from pvequorum.lab.conffile import lab_corosync_conf
    from pvequorum.model import simple_cluster

    cluster = simple_cluster(limits.MAX_NODES)
    addresses = {n.name: f"10.{n.nodeid // 250}.{n.nodeid % 250}.1" for n in cluster.nodes}
    return lab_corosync_conf(cluster, addresses, "/var/log/corosync/corosync.log")


def config_cases() -> Iterator[Case]:
    """config check/show/edit on the largest files the limits allow (`MAX_CONFIG_BYTES`)."""
    big = big_corosync_conf()
    size = limits.MAX_CONFIG_BYTES

    padded = big + ("# " + "x" * 70 + "\n") * ((size - len(big)) // 73)
    attributes = " ".join(f'a{i}="{i}"' for i in range(17_000))
    cman = (
        f'<?xml version="1.0"?>\n<cluster name="c" config_version="1">\n  <cman {attributes}/>\n'
        '  <clusternodes>\n    <clusternode name="n1" votes="1" nodeid="1"/>\n'
        "  </clusternodes>\n</cluster>\n"
    )
    for label, text in (
        ("384-node corosync.conf", big),
        ("corosync.conf padded to MAX_CONFIG_BYTES", padded),
        ("cluster.conf, one tag with 17,000 attributes", cman),
    ):
        data = text.encode()
        assert len(data) <= size, label
        yield "config check", label, data, []
        yield "config show", label, data, ["--json"]
        yield "config edit", label, data, ["--two-node"]
    from pvequorum.lab.conffile import lab_corosync_conf
    from pvequorum.model import simple_cluster

    biggest = simple_cluster(limits.MAX_PLAN_NODES)
    addresses = {n.name: f"10.0.{n.nodeid}.1" for n in biggest.nodes}
    conf = lab_corosync_conf(biggest, addresses, "/var/log/corosync/corosync.log").encode()
    up = ",".join(biggest.names)
    label = f"{limits.MAX_PLAN_NODES}-node cluster, version inferred"
    yield "plan maintenance", label, conf, ["--up", up, "--node", "pve2"]
    yield "plan add-qdevice", label, conf, ["--qdevice-host", "192.0.2.9"]
    yield "plan two-node", label, conf, []
    yield "plan two-node", "384-node corosync.conf (refused)", big.encode(), []


def all_cases() -> Iterator[Case]:
    yield from analyze_cases()
    yield from simulate_cases()
    yield from config_cases()
    for label, content in hostile_files():
        for command in ("analyze", "simulate"):
            yield command, label, content, []
    yield "analyze", "/dev/zero", b"", ["/dev/zero"]
    yield "simulate", "/dev/zero", b"", ["/dev/zero"]


LAUNCHER = """
import json, os, subprocess, sys, time
with open(sys.argv[1], "wb") as err:
    start = time.perf_counter()
    proc = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=err)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
cpu = usage.ru_utime + usage.ru_stime
print(json.dumps([cpu, elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)]))
"""


def run(command: str, path: str, extra: list[str]) -> tuple[float, float, float, int, str]:
    """(CPU s, wall s, peak RSS MB, exit code, last stderr line) of one fresh subprocess."""
    args = [sys.executable, "-m", "pvequorum", *command.split()]
    if command.startswith("plan"):
        args += ["--config", path, *extra]
    else:
        args += extra if extra[:1] == ["/dev/zero"] else [path, *extra]
    err = path + ".err"
    out = subprocess.run(
        [sys.executable, "-c", LAUNCHER, err, *args], capture_output=True, text=True, check=True
    ).stdout
    cpu, wall, rss, code = json.loads(out)
    lines = Path(err).read_bytes().decode(errors="replace").splitlines()
    return cpu, wall, rss, code, lines[-1] if lines else ""


def main() -> None:
    quick = "--quick" in sys.argv
    print(f"load average at the start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPU(s)")
    worst: dict[str, dict[str, tuple[float, str]]] = {}
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "case.json")
        for i, (command, label, content, extra) in enumerate(all_cases()):
            if quick and i % 4:
                continue
            assert len(content) <= limits.MAX_SCENARIO_BYTES or "+ 1" in label, label
            path = os.path.join(tmp, "case.xml" if content.startswith(b"<?xml") else "case.json")
            Path(path).write_bytes(content)
            seconds, wall, rss, code, last = run(command, path, extra)
            allowed = (0, 2, 3) if command.startswith("plan") else (0, 2)  # 3: a refusing plan
            ok = seconds <= TIME_LIMIT_S and rss <= RSS_LIMIT_MB and code in allowed
            failures += not ok
            if code == 2 and "Traceback" not in last:
                outcome = "exit 2: " + last.split(": ", 2)[-1][:60]
            else:
                outcome = f"exit {code}" + (f": {last[:60]}" if code else "")
            print(
                f"{'ok  ' if ok else 'FAIL'} {command:8} {seconds:5.2f} s cpu {wall:5.2f} s wall "
                f"{rss:5.0f} MB  "
                f"{label[:58]:58} {outcome}",
                flush=True,
            )
            mine = worst.setdefault(command, {"time": (0.0, ""), "rss": (0.0, "")})
            mine["time"] = max(mine["time"], (seconds, label))
            mine["rss"] = max(mine["rss"], (rss, label))
    print()
    print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPU(s)")
    for command, mine in worst.items():
        (seconds, slow), (rss, big) = mine["time"], mine["rss"]
        print(f"worst {command:8} cpu  {seconds:5.2f} s ({slow})")
        print(f"worst {command:8} peak {rss:5.0f} MB ({big})")
    print(f"limits: {TIME_LIMIT_S:g} s, {RSS_LIMIT_MB} MB; {failures} case(s) over or crashed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
