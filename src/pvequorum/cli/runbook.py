"""`pvequorum runbook list` / `pvequorum runbook NAME -p KEY VALUE ...`.

Runs the runbook under papermill, prints the verdict and the commands, writes the executed
notebook and an HTML report.  Exit 0 on GO, 3 on NO-GO, 2 on bad parameters.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pvequorum.errors import InputError
from pvequorum.examples import example_path

EXIT_NO_GO = 3


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("runbook", help="run a maintenance runbook (papermill) with a verdict")
    p.add_argument("name", help="a runbook name, or `list`")
    p.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("KEY", "VALUE"),
        help="a runbook parameter (repeatable)",
    )
    p.add_argument("-f", "--parameters-file", help="YAML file with parameters")
    p.add_argument("-o", "--output", help="executed notebook (default: NAME.out.ipynb)")
    p.add_argument("--html", help="HTML report (default: next to the executed notebook)")
    p.add_argument(
        "--example",
        action="store_true",
        help="use the embedded example: a two-node cluster with pve2 down",
    )
    p.set_defaults(func=run)


def _parameters(args: argparse.Namespace) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if args.example:
        params.update(
            config_path=str(example_path("two-node-corosync.conf")),
            status_path=str(example_path("two-node-one-down.pvecm-status.txt")),
            confirmed_down="pve2",
        )
    if args.parameters_file:
        import yaml

        try:
            loaded = yaml.safe_load(Path(args.parameters_file).read_text())
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(f"cannot read parameters: {exc}", args.parameters_file) from None
        if not isinstance(loaded, dict):
            raise InputError("a parameters file is a mapping", args.parameters_file)
        params.update(loaded)
    for key, value in args.parameter:
        params[key] = value.lower() == "true" if key == "ha_in_use" else value
    return params


def run(args: argparse.Namespace) -> int:
    from pvequorum.runbooks.core import RUNBOOKS, Params, prepare

    if args.name == "list":
        for name, (_, purpose) in RUNBOOKS.items():
            print(f"{name:20} {purpose}")
        return 0
    params = _parameters(args)
    # Validate before papermill starts a kernel: bad parameters never reach a change.
    parsed = Params.from_mapping(params)
    if parsed.status_source != "live":
        prepare(args.name, parsed)
    from pvequorum.runbooks.runner import execute, write_html

    output = Path(args.output or f"{args.name}.out.ipynb")
    outcome = execute(args.name, params, output)
    html = write_html(output, args.html or output.with_suffix(".html"))
    result = outcome.result or {}
    verdict = result.get("verdict", "ERROR")
    print(f"runbook {args.name}: {verdict}")
    for reason in result.get("reasons", []):
        print(f"  - {reason}")
    for step in result.get("plan", {}).get("steps", []):
        for command in step.get("commands", []):
            if "argv" in command:
                print(f"  [{command['on']}] {' '.join(command['argv'])}")
    if verdict == "GO":
        print(f"  confirm token for apply mode: {result.get('confirm_token')}")
    print(f"executed notebook: {output}\nreport: {html}")
    if outcome.error and verdict != "NO-GO":
        print(f"error: {outcome.error}")
        return 1
    return EXIT_NO_GO if verdict == "NO-GO" else 0
