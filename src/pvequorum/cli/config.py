"""`pvequorum config check|show|edit`: corosync.conf and cluster.conf, losslessly.

`check` exits 0 without errors, 1 with errors, 2 when the file cannot be read or parsed.
`edit` prints the unified diff; with `-o OUT` it writes OUT atomically and keeps `OUT.bak`
(through a symlink to the file it names; a device, FIFO or directory is refused).
The input file is only ever read (unless it is also the `-o` target).  Bad input of any
kind is one line on stderr with file, line and problem, exit 2 (`InputError`).  Output
that holds bytes of the file which are not UTF-8 (kept as surrogate escapes) is written
with those bytes escaped when the output's encoding cannot take them.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pvequorum.conf import edits, load_text, parse_document, read_text, validate
from pvequorum.conf.atomic import target_of, write_atomic
from pvequorum.conf.corosync import CorosyncConf
from pvequorum.cvalues import ascii_uint, printable
from pvequorum.errors import InputError

UINT32_MAX = 2**32 - 1  # corosync keeps votes and expected_votes as uint32


def _say(text: str = "", end: str = "\n") -> None:
    """print(), but a character the output cannot encode (a byte of the file that is not
    UTF-8, kept as a surrogate escape) is written as a backslash escape, not a traceback."""
    try:
        sys.stdout.write(text + end)
    except UnicodeEncodeError:
        encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
        safe = (text + end).encode(encoding, "backslashreplace").decode(encoding, "replace")
        sys.stdout.write(safe)


ACTIONS = (
    "two_node",
    "no_two_node",
    "expected_votes",
    "no_expected_votes",
    "add_qdevice",
    "remove_qdevice",
    "add_node",
    "remove_node",
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("config", help="check, show and edit corosync.conf / cluster.conf")
    cmds = p.add_subparsers(dest="config_command", metavar="ACTION")
    cmds.required = True

    check = cmds.add_parser("check", help="findings: what corosync, cman, pmxcfs, pvecm will do")
    check.add_argument("file")
    check.add_argument(
        "--with-corosync",
        action="store_true",
        help="also let real corosync judge it (corosync -t and a brief start; needs root)",
    )
    check.set_defaults(func=run_check)

    show = cmds.add_parser("show", help="the typed view of a config")
    show.add_argument("file")
    show.add_argument("--json", action="store_true", help="machine-readable")
    show.set_defaults(func=run_show)

    edit = cmds.add_parser(
        "edit", help="an exact edit with a config_version bump; prints the unified diff"
    )
    edit.add_argument("file")
    edit.add_argument("--two-node", action="store_true", help="enable two-node mode")
    edit.add_argument("--no-two-node", action="store_true", help="disable two-node mode")
    edit.add_argument(
        "--votes",
        metavar="NODE=N|N",
        help="set a node's votes (NODE=N); with --add-node: the new node's votes (N)",
    )
    edit.add_argument("--expected-votes", metavar="N", help="write quorum.expected_votes")
    edit.add_argument("--no-expected-votes", action="store_true", help="remove expected_votes")
    edit.add_argument("--add-qdevice", metavar="HOST", help="add the pvecm qdevice section")
    edit.add_argument("--algorithm", choices=("ffsplit", "lms"), help="with --add-qdevice")
    edit.add_argument("--remove-qdevice", action="store_true")
    edit.add_argument("--add-node", metavar="NAME")
    edit.add_argument("--address", metavar="ADDR", help="ring0_addr of --add-node")
    edit.add_argument("--remove-node", metavar="NAME")
    edit.add_argument(
        "--style",
        choices=("lossless", "pve"),
        default="lossless",
        help="lossless: touch only the changed lines; pve: the layout pvecm writes",
    )
    edit.add_argument(
        "--force", action="store_true", help="write a config corosync/cman refuses to start with"
    )
    edit.add_argument("-o", "--output", metavar="OUT", help="write the result atomically")
    edit.set_defaults(func=run_edit)


# --- check ---------------------------------------------------------------------------------
def run_check(args: argparse.Namespace) -> int:
    text = read_text(args.file)
    doc = parse_document(text, args.file)
    findings = validate.validate_document(doc)
    if isinstance(doc, CorosyncConf):
        kind = "corosync.conf"
        count = len(doc.sections("nodelist.node"))
    else:
        kind = "cluster.conf (cman, PVE 2.x/3.x)"
        count = len(doc.all("clusternode"))
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    _say(f"{args.file}: {kind}, {count} nodes, {errors} errors, {warnings} warnings")
    for finding in findings:
        where = f"{args.file}:{finding.line or '-'}"
        _say(f"{where}: {finding.severity} {finding.code}: {finding.message}")
    status = 1 if errors else 0
    if args.with_corosync:
        status = max(status, _check_with_corosync(text, kind, args.file))
    return status


def _check_with_corosync(text: str, kind: str, path: str) -> int:
    if not kind.startswith("corosync"):
        raise InputError("--with-corosync checks corosync.conf files only", path)
    try:
        from pvequorum.lab.configcheck import check_with_corosync
    except ImportError as exc:
        raise InputError(
            f"the lab module is missing (pvequorum.lab.configcheck: {exc}); cannot run corosync",
            path,
        ) from None
    result = check_with_corosync(text)
    verdict = "accepted" if result.ok else f"REFUSED at {result.stage} (exit {result.exit_code})"
    _say(f"{path}: real corosync: {verdict}" + (f": {result.message}" if result.message else ""))
    return 0 if result.ok else 1


# --- show ----------------------------------------------------------------------------------
def run_show(args: argparse.Namespace) -> int:
    loaded = load_text(read_text(args.file), args.file)  # the text, never taken for a path
    view: dict[str, Any] = loaded.view.to_dict()
    if args.json:
        _say(json.dumps(view, indent=2, sort_keys=False))
        return 0
    cluster = loaded.cluster
    _say(
        f"{args.file}: {loaded.kind} config of cluster {cluster.name!r}, "
        f"config_version {cluster.config_version}"
    )
    for node in cluster.nodes:
        votes = node.votes if node.votes is not None else "absent (counts 1)"
        address = f", address {node.address}" if node.address else ""
        _say(f"  node {node.name}: nodeid {node.nodeid}, votes {votes}{address}")
    quorum = cluster.quorum.to_dict()
    _say(f"  quorum: {json.dumps(quorum) if quorum else 'no options (defaults)'}")
    totem = cluster.totem.to_dict()
    if totem:
        _say(f"  totem: {json.dumps(totem)}")
    for link in view.get("links", []):
        _say(f"  link {link['linknumber']}: {json.dumps(link['addresses'])}")
    if view.get("cman"):
        _say(f"  cman: {json.dumps(view['cman'])}")
    for device in view.get("fence_devices", []):
        _say(f"  fence device: {json.dumps(device)}")
    return 0


# --- edit ----------------------------------------------------------------------------------
def _action(args: argparse.Namespace) -> str:
    chosen = [a for a in ACTIONS if getattr(args, a) not in (None, False)]
    if args.votes is not None and not args.add_node:
        chosen.append("votes")
    if len(chosen) != 1:
        options = "--two-node, --no-two-node, --votes NODE=N, --expected-votes N, "
        options += "--no-expected-votes, --add-qdevice HOST, --remove-qdevice, --add-node NAME, "
        options += "--remove-node NAME"
        got = ", ".join("--" + a.replace("_", "-") for a in chosen) or "none"
        raise InputError(f"config edit needs exactly one of {options} (got {got})")
    return chosen[0]


def _int_option(option: str, value: str, minimum: int) -> int:
    """ASCII digits (blanks around allowed) from `minimum` to UINT32_MAX; the length is
    checked before any conversion, so a huge argument costs nothing."""
    number = ascii_uint(value.strip(" \t"))
    if number is None or not minimum <= number <= UINT32_MAX:
        raise InputError(
            f"{option} takes an integer from {minimum} to {UINT32_MAX}, "
            f"got '{printable(value, 40)}'"
        )
    return number


def _edit(args: argparse.Namespace, text: edits.Config) -> edits.EditResult:
    action = _action(args)
    kw: dict[str, Any] = {"source": args.file, "force": args.force}
    if action in ("two_node", "no_two_node"):
        return edits.set_two_node(text, action == "two_node", **kw)
    if action == "votes":
        node, sep, value = args.votes.partition("=")
        if not sep or not node:
            raise InputError(f"--votes takes NODE=N, got '{printable(args.votes, 40)}'")
        return edits.set_votes(text, node, _int_option("--votes", value, 0), **kw)
    if action == "expected_votes":
        value = _int_option("--expected-votes", args.expected_votes, 1)
        return edits.set_expected_votes(text, value, **kw)
    if action == "no_expected_votes":
        return edits.set_expected_votes(text, None, **kw)
    if action == "add_qdevice":
        return edits.add_qdevice(text, args.add_qdevice, algorithm=args.algorithm, **kw)
    if action == "remove_qdevice":
        return edits.remove_qdevice(text, **kw)
    if action == "add_node":
        votes = 1 if args.votes is None else _int_option("--votes", args.votes, 0)
        return edits.add_node(text, args.add_node, args.address, votes=votes, **kw)
    return edits.remove_node(text, args.remove_node, **kw)


def run_edit(args: argparse.Namespace) -> int:
    # The one parse of the input: unparseable input is refused before anything else, and
    # the transform edits this document (`conf.edits`), so nothing parses the file again.
    doc = parse_document(read_text(args.file), args.file)
    if args.algorithm and not args.add_qdevice:
        raise InputError("--algorithm goes with --add-qdevice")
    if args.address and not args.add_node:
        raise InputError("--address goes with --add-node")
    result = edits.restyle(_edit(args, doc), args.style, args.file)
    if args.output:
        _writable(args.output)  # a device, FIFO or directory fails before the diff is printed
    _say(result.diff, end="")
    for note in result.notes:
        _say(f"# note: {note}")
    for finding in result.findings:
        if finding.severity != "note" or finding.code == "CQ302":
            _say(f"# {finding}")
    if args.output:
        try:
            backup = write_atomic(args.output, result.new_text)
        except OSError as exc:
            raise InputError(f"cannot write: {exc.strerror or exc}", args.output) from None
        _say(f"# wrote {args.output}" + (f" (previous kept as {backup})" if backup else ""))
    return 0


def _writable(output: str) -> None:
    """Refuse an -o target that write_atomic would refuse, as one InputError line."""
    try:
        target_of(output)
    except OSError as exc:  # e.g. a symlink loop, or a directory we may not search
        raise InputError(f"cannot write: {exc.strerror or exc}", output) from None
