"""`pvequorum config check|show|edit`: corosync.conf and cluster.conf, losslessly.

`check` exits 0 without errors, 1 with errors, 2 when the file cannot be read or parsed.
`edit` prints the unified diff; with `-o` it writes atomically and keeps `OUT.bak`.  The
input file is never modified unless it is also the `-o` target.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from pvequorum.conf import clusterconf, corosync, edits, load_config, read_text, validate
from pvequorum.conf.atomic import write_atomic
from pvequorum.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("config", help="check, show and edit corosync.conf / cluster.conf")
    cmds = p.add_subparsers(dest="config_command", metavar="ACTION")
    cmds.required = True

    check = cmds.add_parser("check", help="findings: what corosync, cman, pmxcfs, pvecm will do")
    check.add_argument("file")
    check.add_argument(
        "--with-corosync",
        action="store_true",
        help="also let real corosync check it (corosync -t and a brief start; needs root)",
    )
    check.set_defaults(func=run_check)

    show = cmds.add_parser("show", help="the typed view of a config")
    show.add_argument("file")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=run_show)

    edit = cmds.add_parser("edit", help="an exact edit with a config_version bump; prints the diff")
    edit.add_argument("file")
    action = edit.add_mutually_exclusive_group(required=True)
    action.add_argument("--two-node", action="store_true", help="enable two-node mode")
    action.add_argument("--no-two-node", action="store_true", help="disable two-node mode")
    action.add_argument("--votes", metavar="NODE=N", help="set a node's votes")
    action.add_argument("--expected-votes", type=int, metavar="N")
    action.add_argument("--no-expected-votes", action="store_true")
    action.add_argument("--add-qdevice", metavar="HOST", help="add the pvecm qdevice section")
    action.add_argument("--remove-qdevice", action="store_true")
    action.add_argument("--add-node", metavar="NAME")
    action.add_argument("--remove-node", metavar="NAME")
    edit.add_argument("--algorithm", choices=("ffsplit", "lms"))
    edit.add_argument("--address", help="ring0_addr of --add-node")
    edit.add_argument("--node-votes", type=int, dest="new_votes", help="votes of --add-node")
    edit.add_argument("--style", choices=("lossless", "pve"), default="lossless")
    edit.add_argument("--force", action="store_true", help="write a config corosync refuses")
    edit.add_argument("-o", "--output", metavar="OUT", help="write the result atomically")
    edit.set_defaults(func=run_edit)


def run_check(args: argparse.Namespace) -> int:
    loaded = load_config(read_text(args.file), args.file)
    if loaded.kind == "cman":
        findings = validate.validate_clusterconf(loaded.document)  # type: ignore[arg-type]
    else:
        findings = validate.validate_corosync(loaded.document)  # type: ignore[arg-type]
    kind = "cluster.conf (cman, PVE 2.x/3.x)" if loaded.kind == "cman" else "corosync.conf"
    print(f"{args.file}: {kind}, {len(loaded.cluster.nodes)} nodes")
    for finding in findings:
        print(f"  {finding}")
    if not findings:
        print("  no findings")
    status = 1 if validate.has_errors(findings) else 0
    if args.with_corosync:
        status = max(status, _check_with_corosync(loaded.text, loaded.kind))
    return status


def _check_with_corosync(text: str, kind: str) -> int:
    if kind == "cman":
        raise InputError("--with-corosync checks corosync.conf files only")
    try:
        from pvequorum.lab.configcheck import check_with_corosync
    except ImportError as exc:
        raise InputError(f"the lab module is not available: {exc}") from None
    result = check_with_corosync(text)
    verdict = "accepted" if result.ok else f"REFUSED at {result.stage} (exit {result.exit_code})"
    print(f"  real corosync: {verdict}" + (f": {result.message}" if result.message else ""))
    return 0 if result.ok else 1


def _view(loaded: Any) -> dict[str, Any]:
    cluster = loaded.cluster
    view: dict[str, Any] = {
        "format": loaded.kind,
        "cluster_name": cluster.name,
        "config_version": cluster.config_version,
        **cluster.to_dict(),
    }
    view.pop("name", None)
    if loaded.kind == "cman":
        doc = loaded.document
        cman = doc.first("cman")
        view["cman"] = {a.name: a.value for a in cman.attrs} if cman else {}
        view["fence_devices"] = clusterconf.fence_devices(doc)
    else:
        totem = loaded.document.find("totem")
        links = [loaded.document.values(s) for s in (totem.all("interface") if totem else [])]
        view["links"] = [{k: v for k, (v, _) in link.items()} for link in links]
    return view


def run_show(args: argparse.Namespace) -> int:
    loaded = load_config(read_text(args.file), args.file)
    view = _view(loaded)
    if args.json:
        print(json.dumps(view, indent=2))
        return 0
    print(
        f"{view['format']} config of cluster {view['cluster_name']!r}, "
        f"config_version {view['config_version']}"
    )
    for node in view["nodes"]:
        votes = node.get("votes", "absent (counts 1)")
        print(f"  node {node['name']}: nodeid {node['nodeid']}, votes {votes}")
    print(f"  quorum: {json.dumps(view['quorum']) if view['quorum'] else 'defaults'}")
    return 0


def _parse_votes(spec: str) -> tuple[str, int]:
    node, sep, value = spec.partition("=")
    if not sep or not value.strip().lstrip("-").isdigit():
        raise InputError(f"--votes takes NODE=N, got {spec!r}")
    return node, int(value)


def run_edit(args: argparse.Namespace) -> int:
    text = read_text(args.file)
    loaded = load_config(text, args.file)  # refuses unparseable input before any edit
    source = args.file
    force = args.force
    if args.two_node or args.no_two_node:
        result = edits.set_two_node(text, args.two_node, source=source, force=force)
    elif args.votes:
        node, votes = _parse_votes(args.votes)
        if node not in loaded.cluster.names:
            raise InputError(f"unknown node {node!r} in --votes", args.file)
        result = edits.set_votes(text, node, votes, source=source, force=force)
    elif args.expected_votes is not None or args.no_expected_votes:
        result = edits.set_expected_votes(text, args.expected_votes, source=source, force=force)
    elif args.add_qdevice:
        _corosync_only(loaded.kind, "--add-qdevice")
        result = edits.add_qdevice(
            text, args.add_qdevice, algorithm=args.algorithm, source=source, force=force
        )
    elif args.remove_qdevice:
        _corosync_only(loaded.kind, "--remove-qdevice")
        result = edits.remove_qdevice(text, source=source, force=force)
    elif args.add_node:
        _corosync_only(loaded.kind, "--add-node")
        if not args.address:
            raise InputError("--add-node needs --address ADDR")
        result = edits.add_node(
            text, args.add_node, args.address, votes=args.new_votes, source=source, force=force
        )
    else:
        _corosync_only(loaded.kind, "--remove-node")
        result = edits.remove_node(text, args.remove_node, source=source, force=force)
    new_text = result.new_text
    if args.style == "pve":
        new_text = (
            corosync.canonical(corosync.parse(new_text, source))
            if loaded.kind == "corosync"
            else clusterconf.canonical(clusterconf.parse(new_text, source))
        )
    name = source.rsplit("/", 1)[-1]
    print(edits.unified_diff(text, new_text, name), end="")
    for note in result.notes:
        print(f"# note: {note}")
    for finding in result.findings:
        if finding.severity != "note":
            print(f"# {finding}")
    if args.output:
        backup = write_atomic(args.output, new_text)
        print(f"# wrote {args.output}" + (f" (previous kept as {backup})" if backup else ""))
    return 0


def _corosync_only(kind: str, option: str) -> None:
    if kind == "cman":
        raise InputError(f"{option} is for corosync.conf; cman clusters use <quorumd>/ccs_tool")
