"""`pvequorum plan KIND --config FILE ...`: print a procedure as Markdown, shell or JSON.

Exit 0 when the plan has no blocking danger, 3 when it has (the plan then explains why and
what to do instead), 2 on bad input (conflicting facts, unknown nodes, unreadable files).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from pvequorum.errors import ExitStatus
from pvequorum.limits import MAX_CONFIG_BYTES
from pvequorum.procedures import PLAN_ALIASES, PLAN_KINDS
from pvequorum.procedures.render import render
from pvequorum.textio import read_input

if TYPE_CHECKING:
    from pvequorum.procedures.request import PlanRequest

FORMATS = ("md", "sh", "json")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "plan",
        help="print the exact commands for a quorum fix",
        description="Build a version-aware procedure (checks, commands, expected results, "
        "rollback, dangers) for a cluster config and the current state.",
    )
    p.add_argument(
        "kind",
        choices=(*PLAN_KINDS, *PLAN_ALIASES),
        metavar="KIND",
        help=f"which procedure: {', '.join(PLAN_KINDS)}",
    )
    p.add_argument("--config", required=True, help="corosync.conf or cluster.conf")
    p.add_argument("--status", action="append", default=[], help="`pvecm status` output file")
    p.add_argument("--up", help="nodes up in this partition, comma separated")
    p.add_argument("--confirmed-down", default="", help="missing nodes confirmed powered off")
    p.add_argument(
        "--pve-version",
        default="",
        help="Proxmox VE version, e.g. 3.4 or 8.2 (default: decided from the evidence where "
        "the procedure does not depend on it)",
    )
    p.add_argument("--pveversion", metavar="FILE", help="`pveversion -v` output of the node")
    p.add_argument("--node", help="the node a plan is about (maintenance, separate-node)")
    p.add_argument("--qdevice-host", help="IP address of the QNetd host (add-qdevice)")
    p.add_argument("--new-config", help="the edited file (edit-corosync)")
    p.add_argument("--link", help="the knet link number 0..7 (add-link, change-address)")
    p.add_argument(
        "--address",
        action="append",
        default=[],
        metavar="NODE=ADDR",
        help="a node's new address on the link, repeatable or comma separated "
        "(add-link: every node; change-address: the nodes that move)",
    )
    p.add_argument("--link-priority", help="knet_link_priority 0..255 of the new link (add-link)")
    p.add_argument(
        "--method",
        choices=("reload", "restart"),
        help="change-address: reload (default: links removed and added, no restart) or "
        "restart (addresses in place, corosync restarted on every node)",
    )
    p.add_argument("--ha", action="store_true", help="HA resources exist")
    p.add_argument("--format", choices=FORMATS, default="md")
    p.set_defaults(func=run)


def _read(path: str, what: str) -> str:
    return read_input(path, what, MAX_CONFIG_BYTES)


def request_of(args: argparse.Namespace) -> PlanRequest:
    """The plan request these options describe (files read)."""
    from pvequorum.procedures.request import build_request

    return build_request(
        args.kind,
        _read(args.config, "config"),
        args.config,
        pve_version=args.pve_version,
        statuses=[(p, _read(p, "status")) for p in args.status],
        up=args.up,
        confirmed_down=args.confirmed_down,
        node=args.node,
        ha_resources=args.ha,
        qdevice_host=args.qdevice_host,
        new_text=_read(args.new_config, "new config") if args.new_config else None,
        pveversion_text=_read(args.pveversion, "pveversion") if args.pveversion else None,
        pveversion_where=args.pveversion,
        link=args.link,
        addresses=args.address or None,
        link_priority=args.link_priority,
        method=args.method,
    )


def run(args: argparse.Namespace) -> int:
    from pvequorum.procedures.request import make_plan

    planned = make_plan(request_of(args))
    sys.stdout.write(render(planned.plan, args.format))
    return ExitStatus.NO_GO if planned.plan.blocked else ExitStatus.OK
