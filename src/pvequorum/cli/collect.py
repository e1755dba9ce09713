"""`pvequorum collect`: print, or run through an executor, the commands that fill a bundle."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pvequorum import bundle
from pvequorum.errors import InputError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "collect",
        help="collect an evidence bundle from the cluster's nodes (read-only commands)",
        description="Without --executor: print the fixed read-only commands to run on each "
        "node. With --executor ssh:HOST or lab:NODE: run them on every node of HOST's "
        "nodelist (or --nodes) and write the bundle to --out (docs/bundle-format.md).",
    )
    p.add_argument("--executor", help="ssh:HOST, lab:NODE or lab:LAB:NODE; omit to print")
    p.add_argument("--nodes", help="comma-separated node names (default: the nodelist)")
    p.add_argument(
        "--since", default=bundle.DEFAULT_SINCE, help="journal window: -1d, -6h, today, 2026-12-01"
    )
    p.add_argument("--out", help="new or empty directory for the bundle")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pvequorum import collect
    from pvequorum.runbooks.executors import executor_from

    since = bundle.check_since(args.since)
    if not args.executor:
        if args.out or args.nodes:
            raise InputError("--out and --nodes need --executor", "--executor")
        sys.stdout.write(collect.script(since))
        return 0
    if not args.out:
        raise InputError("give --out DIR for the bundle", "--out")
    executor = executor_from(args.executor)
    nodes = (
        tuple(n.strip() for n in args.nodes.split(",") if n.strip())
        if args.nodes
        else collect.nodes_of(executor)
    )
    if not nodes:
        raise InputError("no node to collect from", "--nodes")
    done = collect.collect(executor, nodes, since, Path(args.out))
    for item in done:
        state = (
            f"unreachable: {item.unreachable}" if item.unreachable else f"{len(item.exits)} files"
        )
        print(f"{item.node}: {state}")
    print(f"bundle: {args.out}  (pvequorum diagnose {args.out})")
    return 0
