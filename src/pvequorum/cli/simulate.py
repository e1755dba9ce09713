"""`pvequorum simulate FILE [--json]`: run a scenario on the simulator."""

from __future__ import annotations

import argparse
from typing import Any

from pvequorum import limits
from pvequorum.errors import InputError
from pvequorum.examples import example_path
from pvequorum.pmxcfs import etc_pve_writable
from pvequorum.scenario import MEMBERSHIP_KINDS, Scenario, dump_json, load_scenario
from pvequorum.simulator import run_scenario

COLUMNS = (
    "node",
    "quorate",
    "/etc/pve",
    "total",
    "expected",
    "highest",
    "quorum",
    "flags",
    "members",
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "simulate",
        help="run a scenario on the simulator",
        description="Run a scenario (docs/scenario-format.md) through the votequorum "
        "simulator and print one row per running node at every observe step.",
    )
    p.add_argument(
        "file",
        nargs="?",
        help="scenario JSON file (default: the embedded two-node maintenance example)",
    )
    p.add_argument("--json", action="store_true", help="print the observations document")
    p.set_defaults(func=run)


def format_table(scenario: Scenario, observations: dict[str, Any]) -> str:
    """A readable table: per observe, one row per running node (quorum arithmetic visible)."""
    lines = [f"scenario: {scenario.name}"]
    for i, (step, result) in enumerate(zip(scenario.steps, observations["results"], strict=True)):
        if step.kind == "expected":
            verdict = "accepted" if result["accepted"] else "REFUSED (CS_ERR_INVALID_PARAM)"
            lines.append(f"[{i}] pvecm expected {step.votes} on {step.nodes[0]}: {verdict}")
            continue
        if step.kind != "observe":
            lines.append(f"[{i}] {_describe(step.to_dict())}")
            continue
        lines.append(f"[{i}] observe: {step.label}")
        if "undecidable" in result:
            lines.append(
                f"    cannot tell (real corosync is not deterministic here): "
                f"{result['undecidable']}"
            )
            continue
        rows = [COLUMNS]
        for name, v in result["nodes"].items():
            rows.append(
                (
                    name,
                    "yes" if v["quorate"] else "NO",
                    "rw" if etc_pve_writable(v["quorate"]) else "read-only",
                    str(v["total_votes"]),
                    str(v["expected_votes"]),
                    str(v["highest_expected"]),
                    str(v["quorum"]),
                    " ".join(v["flags"]) or "-",
                    ",".join(v["members"]),
                )
            )
        if len(rows) == 1:
            lines.append("    (no node running)")
            continue
        widths = [max(len(r[c]) for r in rows) for c in range(len(COLUMNS))]
        for row in rows:
            lines.append(
                "    "
                + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
        lines.extend(_link_lines(result["nodes"]))
        if result.get("split_brain"):
            lines.append("    !! SPLIT BRAIN: two disjoint partitions are quorate at once")
    return "\n".join(lines)


def _link_lines(nodes: dict[str, Any]) -> list[str]:
    """With the links extension: what `corosync-cfgtool -s` shows on each node, one line
    per node (peer: link states in link order)."""
    lines = []
    for name, view in nodes.items():
        table = view.get("links")
        if table is None:
            continue
        peers = [
            f"{peer} " + "/".join(table[peer][k] for k in sorted(table[peer], key=int))
            for peer in table
            if peer != name
        ]
        lines.append(f"    links on {name}: " + ("; ".join(peers) or "(no other node)"))
    return lines


def _describe(step: dict[str, Any]) -> str:
    ((kind, value),) = step.items()
    if kind in ("link-down", "link-up"):
        return f"{kind} {value['node']} link {value['link']}"
    if kind in ("link-cut", "link-uncut"):
        return f"{kind} {' '.join(value['between'])} link {value['link']}"
    if kind == "netem":
        change = "clear" if value.get("clear") else f"loss {value['loss']} %"
        return f"netem {value['node']} link {value['link']} {change}"
    if kind in ("start", "stop", "crash"):
        return f"{kind} {' '.join(value)}"
    if kind == "partition":
        return "partition " + " | ".join(" ".join(g) for g in value)
    if kind == "wait":
        return f"wait {value} ms"
    return kind


def check_work(scenario: Scenario, source: str) -> None:
    """Refuse, before running it, a scenario too large to simulate (limits.MAX_SIMULATION_WORK)."""
    nodes = len(scenario.cluster.nodes)
    membership = sum(step.kind in MEMBERSHIP_KINDS for step in scenario.steps)
    work = limits.simulation_work(nodes, membership, len(scenario.steps))
    if work > limits.MAX_SIMULATION_WORK:
        raise InputError(
            f"too large to simulate: {nodes} nodes and {len(scenario.steps)} steps "
            f"({membership} changing the membership) need {work:,} units of work, more than "
            f"the limit of {limits.MAX_SIMULATION_WORK:,} (a step costs "
            f"{limits.SIMULATION_STEP_WEIGHT} * nodes**2, a membership step nodes**3 more)",
            source,
        )


def run(args: argparse.Namespace) -> int:
    path = args.file or example_path("two-node-maintenance.json")
    scenario = load_scenario(path)
    check_work(scenario, str(path))
    observations = run_scenario(scenario)
    print(dump_json(observations) if args.json else format_table(scenario, observations), end="")
    if not args.json:
        print()
    return 0
