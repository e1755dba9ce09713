"""`pvequorum analyze FILE [--json] [--qdevice-down]`: failure tolerance of a scenario's cluster."""

from __future__ import annotations

import argparse
import json

from pvequorum.analysis import FailureAnalysis, analyze
from pvequorum.errors import InputError
from pvequorum.scenario import load_scenario


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "analyze",
        help="which node failures the cluster of a scenario survives",
        description="For every number k of nodes failing at once (from the quorate steady "
        "state), count how many of the C(n, k) failure sets leave the survivors quorate.",
    )
    p.add_argument("file", help="scenario JSON file; its cluster is analysed")
    p.add_argument("--json", action="store_true", help="print the analysis as JSON")
    p.add_argument(
        "--qdevice-down",
        action="store_true",
        help="the quorum device is lost too (it no longer casts its vote)",
    )
    p.set_defaults(func=run)


def format_table(name: str, result: FailureAnalysis) -> str:
    """A readable summary and one row per k, with a failure set that breaks quorum."""
    lines = [
        f"cluster: {name}  nodes: {result.nodes}  total votes: {result.total_votes}  "
        f"quorum: {result.quorum}" + ("  (qdevice down)" if not result.qdevice_alive else ""),
    ]
    if result.always_survived is None:
        lines.append("not quorate even with every node up")
    else:
        lines.append(f"survives any {result.always_survived} failed node(s)")
    if result.can_break_at is not None and result.break_witness is not None:
        lines.append(
            f"can lose quorum at {result.can_break_at} failure(s), "
            f"e.g. {', '.join(result.break_witness) or 'none'}"
        )
    rows = [("failed", "sets", "quorate", "share", "breaks quorum, e.g.")]
    for (k, sets, ok), witness in zip(result.by_failures, result.witnesses, strict=True):
        breaks = witness.breaks_quorum
        rows.append(
            (
                str(k),
                str(sets),
                str(ok),
                f"{100 * ok / sets:.1f}%",
                "-" if breaks is None else (", ".join(breaks) or "(nothing failed)"),
            )
        )
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    for row in rows:
        cells = [
            cell.rjust(w) if c < 4 else cell
            for c, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.file)
    try:
        result = analyze(scenario.cluster, qdevice_alive=not args.qdevice_down)
    except InputError as exc:
        raise InputError(str(exc), args.file) from None
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(format_table(scenario.cluster.name, result))
    return 0
