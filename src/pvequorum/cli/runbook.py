"""`pvequorum runbook list` / `pvequorum runbook NAME -p KEY VALUE ...`.

Runs the runbook under papermill, prints the verdict and the commands, writes the executed
notebook and an HTML report.  Exit 0 on GO, 3 on NO-GO, 2 on bad parameters.
"""

from __future__ import annotations

import argparse
import importlib.util
import shlex
import sys
from pathlib import Path
from typing import Any

from pvequorum.errors import ExitStatus, InputError, PrerequisiteError
from pvequorum.examples import example_path
from pvequorum.textio import read_input

EXIT_NO_GO = ExitStatus.NO_GO
DIAGNOSE_PURPOSE = "Diagnose a cluster from its evidence bundle and hand over the next runbook."


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
    """The parameters as given; names are checked here, before papermill writes them into
    the notebook as code (a name is code there, so only known names get that far)."""
    from pvequorum.runbooks.params import check_names

    params: dict[str, Any] = {}
    if args.example:
        params.update(
            config_path=str(example_path("two-node-corosync.conf")),
            status_path=str(example_path("two-node-one-down.pvecm-status.txt")),
            confirmed_down="pve2",
            confirmed_down_by="the embedded example says so",
        )
    if args.parameters_file:
        import yaml

        try:
            loaded = yaml.safe_load(read_input(args.parameters_file, "parameters file"))
        except yaml.YAMLError as exc:
            problem = str(exc).splitlines()[0]
            raise InputError(f"not YAML: {problem}", args.parameters_file) from None
        if not isinstance(loaded, dict) or not all(isinstance(k, str) for k in loaded):
            raise InputError("a parameters file is a mapping of names", args.parameters_file)
        params.update(loaded)
    for key, value in args.parameter:
        params[key] = value
    check_names(args.name, set(params))
    return params


def _print_result(result: dict[str, Any]) -> None:
    verdict = result.get("verdict", "ERROR")
    for reason in result.get("reasons", []):
        print(f"  - {reason}")
    if verdict == "GO" and not result.get("applied"):
        for step in result.get("plan", {}).get("steps", []):
            later = "later, " if step.get("deferred") else ""
            for command in step.get("commands", []):
                if "argv" in command:
                    print(f"  {later}[{command['on']}] {shlex.join(command['argv'])}")
        print(f"  confirm token for apply mode: {result.get('confirm_token')}")
    for step in result.get("applied", []):
        print(f"  {step['result']}: {step['step']}")
        for line in step["log"]:
            print(f"      {line}")
        for command in step["commands"]:
            print(f"      [{command['host']}] $ {command['command']}  (exit {command['exit']})")
            for line in (command["output"] or "").splitlines():
                print(f"          {line}")
    if result.get("final_status") is not None:
        print("  final pvecm status:")
        for line in result["final_status"].splitlines():
            print(f"      {line}")


def _diagnose(args: argparse.Namespace) -> int:
    """The diagnose runbook: parameters checked before papermill, then the verdict."""
    from pvequorum.runbooks import diagnose
    from pvequorum.runbooks.runner import execute, write_html

    if args.example or args.parameters_file:
        raise InputError("the diagnose runbook takes -p parameters only", "diagnose")
    params = dict(args.parameter)
    checked = diagnose._given(params)
    diagnose.validate(checked)  # bad input fails here, before a kernel starts
    if checked["bundle_path"]:
        diagnose.prepare(checked)
    output = Path(args.output or "diagnose.out.ipynb")
    outcome = execute("diagnose", params, output)
    html = write_html(output, args.html or output.with_suffix(".html"))
    result = outcome.result or {}
    verdict = result.get("verdict", "ERROR")
    print(f"runbook diagnose: {verdict}")
    for finding in result.get("diagnosis", {}).get("findings", []):
        print(f"  - [{finding['kind']}] {finding['summary']}")
    print(f"executed notebook: {output}\nreport: {html}")
    if outcome.error:
        raise InputError(outcome.error.partition(": ")[2] or outcome.error, "runbook diagnose")
    return ExitStatus.OK if verdict == "HEALTHY" else ExitStatus.FINDINGS


def run(args: argparse.Namespace) -> int:
    from pvequorum.runbooks.core import RUNBOOK_ALIASES, RUNBOOKS, Params, prepare, runbook_name
    from pvequorum.runbooks.notebook import collect_status

    if args.name == "list":
        for name, (_, purpose) in RUNBOOKS.items():
            print(f"{name:20} {purpose}")
        print(f"{'diagnose':20} {DIAGNOSE_PURPOSE}")
        for old, new in RUNBOOK_ALIASES.items():
            print(f"{old:20} old name of {new}")
        return 0
    if args.name == "diagnose":
        return _diagnose(args)
    args.name = runbook_name(args.name)
    missing = [
        m
        for m in ("papermill", "nbformat", "nbconvert", "ipykernel", "yaml")
        if importlib.util.find_spec(m) is None
    ]
    if missing:
        raise PrerequisiteError(
            f"runbooks need the runbooks extra ({', '.join(missing)} missing): "
            "pip install 'pvequorum[runbooks]'"
        )
    params = _parameters(args)
    # Validate before papermill starts a kernel: bad input never reaches a change.
    parsed = Params.from_mapping(args.name, params)
    prepare(args.name, parsed, collect_status(parsed) if parsed.status_source == "live" else None)
    from pvequorum.runbooks.runner import execute, write_html

    output = Path(args.output or f"{args.name}.out.ipynb")
    outcome = execute(args.name, params, output)
    html = write_html(output, args.html or output.with_suffix(".html"))
    result = outcome.result or {}
    verdict = result.get("verdict", "ERROR")
    stopped = bool(outcome.error and outcome.error.startswith("RunbookStopped"))
    print(f"runbook {args.name}: {verdict}" + (" (apply STOPPED)" if stopped else ""))
    _print_result(result)
    print(f"executed notebook: {output}\nreport: {html}")
    if outcome.error and outcome.error.startswith("RunbookParameterError"):
        raise InputError(outcome.error.partition(": ")[2])
    if outcome.error and verdict != "NO-GO" and not stopped:
        print(f"error: {outcome.error}", file=sys.stderr)
        return ExitStatus.FINDINGS
    if stopped:
        print(outcome.error, file=sys.stderr)
    return EXIT_NO_GO if verdict == "NO-GO" or stopped else ExitStatus.OK
