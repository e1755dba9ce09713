"""`pvequorum lab ...`: a cluster of real corosync daemons on this machine (needs root).

The /etc/pve inside a lab node is a stand-in: a plain directory that is read-only while the
node is not quorate.  It imitates pmxcfs's quorum gate (reference 6) and nothing more.
`up`, `start`, `stop`, `crash`, `partition` and `heal` are scenario steps, run through
`engine.apply` as in `lab run`: each waits until the membership has settled.  With
`up --links N` every node has N links on N separate networks, and `link-down`, `link-up`,
`link-cut`, `link-uncut` and `netem` are the links extension's steps
(docs/scenario-format.md, "Extension: links"): they wait until every view is quiet.
"""

from __future__ import annotations

import argparse
import json
import sys

from pvequorum import engine
from pvequorum.errors import InputError
from pvequorum.model import QDEVICE_ALGORITHMS, QDevice, simple_cluster
from pvequorum.pmxcfs import etc_pve_writable
from pvequorum.scenario import (
    MAX_LINKS,
    QNETD_ACTIONS,
    LinkSettings,
    Observation,
    Step,
    dump_json,
    load_scenario,
)

HELP = (
    "A lab of real corosync 3 daemons, one per network namespace, on this machine (root).\n"
    "Inside a node, /etc/pve is a stand-in that is read-only while the node is not quorate:\n"
    "it imitates pmxcfs's quorum gate and nothing more."
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "lab",
        help="real corosync daemons in network namespaces",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--lab", dest="lab_name", help="which lab (default: the only running one)")
    cmds = p.add_subparsers(dest="lab_command", metavar="ACTION")
    cmds.required = True

    up = cmds.add_parser("up", help="build a lab and start every node")
    up.add_argument("scenario", nargs="?", help="a scenario file whose cluster to use")
    up.add_argument("--nodes", type=int, help="a cluster of N one-vote nodes pve1..pveN")
    up.add_argument("--two-node", action="store_true", help="two_node: 1")
    up.add_argument("--wait-for-all", type=int, choices=(0, 1))
    up.add_argument(
        "--links", type=int, help=f"knet links per node, 1..{MAX_LINKS} (each its own network)"
    )
    up.add_argument(
        "--name", help="lab name: 1-12 lower-case letters and digits, from a letter (default pvqN)"
    )
    up.add_argument(
        "--qdevice",
        choices=QDEVICE_ALGORITHMS,
        help="a QDevice with this algorithm: a qnetd host of its own, corosync-qdevice on "
        "every node (ffsplit with votes 1, lms without votes, as pvecm writes them)",
    )
    up.add_argument(
        "--tie-breaker", type=_tie_breaker, help="with --qdevice: lowest, highest or a nodeid"
    )
    up.add_argument(
        "--qnetd",
        action="store_true",
        help="a qnetd host without a device yet (for the add-qdevice runbook); nothing "
        "runs on it before `apt install -y corosync-qnetd`",
    )
    up.set_defaults(func=run_up)

    cmds.add_parser("status", help="every node's quorum view").set_defaults(func=run_status)
    for action in ("start", "stop", "crash"):
        a = cmds.add_parser(action, help=f"{action} corosync on nodes")
        a.add_argument("nodes", nargs="+")
        a.set_defaults(func=run_fault, action=action)
    for action, what in (
        ("start-corosync", "start corosync alone"),
        ("qdevice-start", "start corosync-qdevice"),
        ("qdevice-stop", "stop corosync-qdevice (SIGTERM)"),
        ("qdevice-kill", "kill corosync-qdevice (SIGKILL)"),
        ("isolate-qdevice", "cut nodes off from qnetd (they still reach each other)"),
        ("rejoin-qdevice", "let nodes reach qnetd again"),
    ):
        a = cmds.add_parser(action, help=f"{what} on nodes")
        a.add_argument("nodes", nargs="+")
        a.set_defaults(func=run_fault, action=action)
    qn = cmds.add_parser("qnetd", help="stop, kill or start the lab's corosync-qnetd")
    qn.add_argument("qnetd_action", choices=QNETD_ACTIONS)
    qn.set_defaults(func=run_qnetd)
    part = cmds.add_parser("partition", help="split the network: lab partition pve1 pve2,pve3")
    part.add_argument("groups", nargs="+", help="comma-separated node groups")
    part.set_defaults(func=run_partition)
    cmds.add_parser("heal", help="full connectivity again").set_defaults(func=run_heal)
    for action, what in (("link-down", "a dead switch port"), ("link-up", "the port back")):
        a = cmds.add_parser(action, help=f"{what}: lab {action} NODE LINK")
        a.add_argument("node")
        a.add_argument("link", type=_link_number)
        a.set_defaults(func=run_link, action=action)
    for action, what in (("link-cut", "drop"), ("link-uncut", "pass")):
        a = cmds.add_parser(action, help=f"{what} the frames between two nodes on one link")
        a.add_argument("node_a")
        a.add_argument("node_b")
        a.add_argument("link", type=_link_number)
        a.set_defaults(func=run_link, action=action)
    netem = cmds.add_parser("netem", help="random loss on a node's link: --loss P or --clear")
    netem.add_argument("node")
    netem.add_argument("link", type=_link_number)
    change = netem.add_mutually_exclusive_group(required=True)
    change.add_argument("--loss", type=_percent, help="percent of the frames it sends, 0..100")
    change.add_argument("--clear", action="store_true", help="remove the loss")
    netem.set_defaults(func=run_link, action="netem")

    ex = cmds.add_parser("exec", help="run a command inside a node: lab exec pve1 -- CMD...")
    ex.add_argument("node")
    ex.add_argument("argv", nargs=argparse.REMAINDER)
    ex.set_defaults(func=run_exec)

    down = cmds.add_parser("down", help="tear the lab down (--all: every lab of yours)")
    down.add_argument("name", nargs="?")
    down.add_argument("--all", action="store_true")
    down.set_defaults(func=run_down)

    run = cmds.add_parser("run", help="run a scenario on the lab")
    run.add_argument("file")
    run.add_argument("--json", action="store_true")
    run.set_defaults(func=run_run)

    compare = cmds.add_parser("compare", help="run scenarios on the lab and the simulator")
    compare.add_argument("files", nargs="+")
    compare.set_defaults(func=run_compare)


def _tie_breaker(text: str) -> str:
    if text in ("lowest", "highest") or (text.isdigit() and 0 < int(text) < 2**32):
        return text
    raise argparse.ArgumentTypeError(f"{text!r} is not lowest, highest or a node id")


def _link_number(text: str) -> int:
    if not text.isdigit() or int(text) >= MAX_LINKS:
        raise argparse.ArgumentTypeError(f"a link number 0..{MAX_LINKS - 1}, got {text!r}")
    return int(text)


def _percent(text: str) -> int:
    if not text.isdigit() or int(text) > 100:
        raise argparse.ArgumentTypeError(f"a whole percentage 0..100, got {text!r}")
    return int(text)


def _lab(args: argparse.Namespace):
    from pvequorum.lab.core import Lab

    return Lab.load(args.lab_name)


def run_up(args: argparse.Namespace) -> int:
    from pvequorum.lab.core import Lab, check_lab_name

    if args.name is not None:
        check_lab_name(args.name, "--name")  # before anything is read or built
    links = None
    if args.links is not None:
        if args.scenario or not 1 <= args.links <= MAX_LINKS:
            raise InputError(
                f"--links must be 1..{MAX_LINKS}, with --nodes (a scenario gives its own links)",
                "--links",
            )
        links = LinkSettings(links=args.links)
    if args.tie_breaker is not None and args.qdevice is None:
        raise InputError("--tie-breaker needs --qdevice", "--tie-breaker")
    if args.scenario:
        if args.qdevice or args.qnetd:
            raise InputError("a scenario gives its own device", "--qdevice")
        scenario = load_scenario(args.scenario)
        cluster, links = scenario.cluster, scenario.link_settings
    elif args.nodes:
        if args.nodes < 1 or args.nodes > 16:
            raise InputError(f"--nodes must be 1..16, got {args.nodes}")
        device = None
        if args.qdevice is not None:
            device = QDevice(
                votes=1 if args.qdevice == "ffsplit" else None,
                algorithm=args.qdevice,
                tie_breaker=args.tie_breaker or "lowest",
            )
        cluster = simple_cluster(
            args.nodes,
            two_node=1 if args.two_node else None,
            wait_for_all=args.wait_for_all,
            device=device,
        )
    else:
        raise InputError("lab up needs a scenario file or --nodes N")
    lab = Lab(cluster, args.name, links=links, qnetd=args.qnetd).up()
    try:
        engine.apply(lab, Step("start", cluster.names))
    except BaseException:
        lab.down()
        raise
    print(f"lab {lab.name} up: {', '.join(cluster.names)}")
    return run_status(argparse.Namespace(lab_name=lab.name))


def run_status(args: argparse.Namespace) -> int:
    lab = _lab(args)
    print(f"lab {lab.name}")
    for name in lab.nodes:
        status = lab.status(name) if name in lab.running() else None
        if status is None:
            print(f"  {name}: stopped")
            continue
        writable = "rw" if etc_pve_writable(status.quorate) else "read-only"
        print(
            f"  {name}: quorate={'yes' if status.quorate else 'NO'} /etc/pve={writable} "
            f"total={status.total_votes} expected={status.expected_votes} "
            f"quorum={status.quorum} members={','.join(status.member_names())}"
        )
        if lab.link_settings is not None:
            print(f"    links: {_links_line(lab, name)}")
        device = Observation.read(lab.cluster, {name: status}).nodes[0].qdevice
        if device is not None:
            members = " ".join(f"{peer}={column}" for peer, column in device.members)
            cast = "yes" if device.cast else "NO"
            print(f"    qdevice: votes={device.votes} cast={cast} {members}")
    if lab.qnetd_host is not None:
        state = "running" if lab.qnetd_running() else "stopped"
        isolated = ", ".join(sorted(lab.qdevice_isolated)) or "none"
        print(f"  qnetd {lab.qnetd_host.address}: {state}; cut off from it: {isolated}")
    return 0


def run_qnetd(args: argparse.Namespace) -> int:
    lab = _lab(args)
    engine.apply(lab, Step("qnetd", action=args.qnetd_action))
    _quiet_after_device_step(lab, "qnetd")
    return run_status(args)


def _links_line(lab, name: str) -> str:
    """What `corosync-cfgtool -s` shows on `name`: per other node its links' states."""
    from pvequorum.errors import PrerequisiteError

    try:
        table = lab.link_table(name)
    except PrerequisiteError as exc:
        return f"(no answer: {exc})"
    shown = [
        f"{peer} " + " ".join(f"{link}:{state}" for link, state in rows)
        for peer, rows in table
        if peer != name
    ]
    return "; ".join(shown) or "(no other node)"


def run_link(args: argparse.Namespace) -> int:
    if args.action in ("link-cut", "link-uncut"):
        step = Step(args.action, (args.node_a, args.node_b), link=args.link)
    elif args.action == "netem":
        step = Step("netem", (args.node,), link=args.link, loss=None if args.clear else args.loss)
    else:
        step = Step(args.action, (args.node,), link=args.link)
    lab = _lab(args)
    if args.link >= lab.networks:
        raise InputError(
            f"link {args.link} is not one of the lab's links 0..{lab.networks - 1}", "LINK"
        )
    engine.apply(lab, step)
    return run_status(args)


def run_fault(args: argparse.Namespace) -> int:
    lab = _lab(args)
    engine.apply(lab, Step(args.action, tuple(args.nodes)))
    _quiet_after_device_step(lab, args.action)
    return run_status(args)


def _quiet_after_device_step(lab, action: str) -> None:
    """The QDevice steps wait for nothing in a scenario; at the prompt, show their effect:
    wait until no view has changed for 6 s.  A node cut off from qnetd notices only when
    its heartbeat to qnetd times out (10 s and more), later than that: say so."""
    if action in ("qnetd", "qdevice-start", "qdevice-stop", "qdevice-kill", "rejoin-qdevice"):
        from pvequorum.lab.devicesteps import QDEVICE_QUIET_MAX_S

        lab.wait_quiet(limit=QDEVICE_QUIET_MAX_S)
    elif action == "isolate-qdevice":
        print(
            "corosync-qdevice notices the lost qnetd only when its heartbeat times out "
            "(10 s and more, `HB interval` in corosync-qdevice-tool -sv): run "
            "`pvequorum lab status` again"
        )


def run_partition(args: argparse.Namespace) -> int:
    groups = tuple(tuple(g.split(",")) for g in args.groups)
    engine.apply(_lab(args), Step("partition", groups=groups))
    return run_status(args)


def run_heal(args: argparse.Namespace) -> int:
    engine.apply(_lab(args), Step("heal"))
    return run_status(args)


def run_exec(args: argparse.Namespace) -> int:
    argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    if not argv:
        raise InputError("lab exec needs a command: lab exec NODE -- COMMAND...")
    result = _lab(args).exec(args.node, argv)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.returncode


def run_down(args: argparse.Namespace) -> int:
    from pvequorum.lab.core import Lab, check_lab_name, down_all_leftovers

    if args.all:
        removed = down_all_leftovers()
        print(f"removed: {', '.join(removed) if removed else 'nothing'}")
        return 0
    if args.name is not None:  # `lab down ""` is an invalid name, not "the only lab"
        check_lab_name(args.name, "lab down NAME")
    lab = Lab.load(args.name if args.name is not None else args.lab_name)
    lab.down()
    print(f"lab {lab.name} down")
    return 0


def run_run(args: argparse.Namespace) -> int:
    from pvequorum.lab.runner import run_on_lab

    observations = run_on_lab(load_scenario(args.file))
    if args.json:
        print(dump_json(observations), end="")
    else:
        print(json.dumps(observations["results"], indent=1))
    return 0


def run_compare(args: argparse.Namespace) -> int:
    from pvequorum.lab.runner import compare

    status = 0
    for path in args.files:
        agree, difference, _ = compare(load_scenario(path))
        print(f"{'agree ' if agree else 'DIFFER'} {path}")
        if difference:
            print(f"    first difference (simulator vs lab): {difference}")
            status = 1
    return status
