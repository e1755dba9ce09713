"""`pvequorum lab ...`: a cluster of real corosync daemons on this machine (needs root).

The /etc/pve inside a lab node is a stand-in: a plain directory that is read-only while the
node is not quorate.  It imitates pmxcfs's quorum gate (reference 6) and nothing more.
`up`, `start`, `stop`, `crash`, `partition` and `heal` are scenario steps, run through
`engine.apply` as in `lab run`: each waits until the membership has settled.
"""

from __future__ import annotations

import argparse
import json
import sys

from pvequorum import engine
from pvequorum.errors import InputError
from pvequorum.model import simple_cluster
from pvequorum.pmxcfs import etc_pve_writable
from pvequorum.scenario import Step, dump_json, load_scenario

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
        "--name", help="lab name: 1-12 lower-case letters and digits, from a letter (default pvqN)"
    )
    up.set_defaults(func=run_up)

    cmds.add_parser("status", help="every node's quorum view").set_defaults(func=run_status)
    for action in ("start", "stop", "crash"):
        a = cmds.add_parser(action, help=f"{action} corosync on nodes")
        a.add_argument("nodes", nargs="+")
        a.set_defaults(func=run_fault, action=action)
    part = cmds.add_parser("partition", help="split the network: lab partition pve1 pve2,pve3")
    part.add_argument("groups", nargs="+", help="comma-separated node groups")
    part.set_defaults(func=run_partition)
    cmds.add_parser("heal", help="full connectivity again").set_defaults(func=run_heal)

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


def _lab(args: argparse.Namespace):
    from pvequorum.lab.core import Lab

    return Lab.load(args.lab_name)


def run_up(args: argparse.Namespace) -> int:
    from pvequorum.lab.core import Lab, check_lab_name

    if args.name is not None:
        check_lab_name(args.name, "--name")  # before anything is read or built
    if args.scenario:
        cluster = load_scenario(args.scenario).cluster
    elif args.nodes:
        if args.nodes < 1 or args.nodes > 16:
            raise InputError(f"--nodes must be 1..16, got {args.nodes}")
        cluster = simple_cluster(
            args.nodes,
            two_node=1 if args.two_node else None,
            wait_for_all=args.wait_for_all,
        )
    else:
        raise InputError("lab up needs a scenario file or --nodes N")
    lab = Lab(cluster, args.name).up()
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
    return 0


def run_fault(args: argparse.Namespace) -> int:
    engine.apply(_lab(args), Step(args.action, tuple(args.nodes)))
    return run_status(args)


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
