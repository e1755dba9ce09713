"""Collect an evidence bundle (an edge): bundle.commands on every node, through an executor.

Only the fixed read-only commands of `pvequorum.bundle` run; each output is stored under its
file name, verbatim, with its exit code in `collected.json`.  A node the executor cannot
reach gets a `collected.json` that says why and nothing else.  The bundle directory must
be new or empty: a bundle is a record and is never overwritten.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Sequence
from pathlib import Path

from pvequorum import bundle
from pvequorum.bundleio import write_node
from pvequorum.conf import corosync as corosync_conf
from pvequorum.errors import InputError
from pvequorum.model import is_hostname
from pvequorum.runbooks.executors import Executor, Result

SSH_UNREACHABLE = 255  # ssh's own exit status when it could not connect


def _has_device(text: str) -> bool:
    try:
        return corosync_conf.view(corosync_conf.parse(text)).cluster.quorum.device is not None
    except InputError:
        return False


def nodes_of(executor: Executor) -> tuple[str, ...]:
    """The nodelist of the executor's host (its /etc/pve copy, else /etc/corosync)."""
    for path in ("/etc/pve/corosync.conf", "/etc/corosync/corosync.conf"):
        result = executor.run(["cat", path])
        if result.returncode != 0:
            continue
        try:
            view = corosync_conf.view(corosync_conf.parse(result.output, f"{executor.host}:{path}"))
        except InputError:
            continue
        return tuple(n.name for n in view.cluster.nodes)
    raise InputError(
        "cannot read the nodelist there; name the nodes with --nodes", f"executor {executor.label}"
    )


def collect_node(
    executor: Executor, node: str, since: str
) -> tuple[bundle.Collected, dict[str, str]]:
    """Every bundle command on `node`; (collected.json, {file: output})."""
    outputs: dict[str, str] = {}
    exits: list[tuple[str, int]] = []
    started = time.time()
    try:
        there = executor.for_host(node)
    except InputError as exc:
        return bundle.Collected(node, started, since, executor.label, (), exc.problem), {}
    listed = bundle.commands(since, qdevice=False)
    for index, (name, argv) in enumerate(listed):
        result: Result = there.run(list(argv))
        if index == 0 and result.returncode == SSH_UNREACHABLE and "ssh" in result.output.lower():
            reason = (
                result.output.strip().splitlines()[-1][:200]
                if result.output.strip()
                else "ssh failed"
            )
            return bundle.Collected(node, started, since, there.label, (), reason), {}
        outputs[name] = result.output
        exits.append((name, result.returncode))
    if _has_device(outputs.get(bundle.LOCAL_CONF, "")):
        name, argv = bundle.commands(since, qdevice=True)[-1]
        result = there.run(list(argv))
        outputs[name] = result.output
        exits.append((name, result.returncode))
    return bundle.Collected(node, started, since, there.label, tuple(exits)), outputs


def collect(
    executor: Executor, nodes: Sequence[str], since: str, out: Path
) -> list[bundle.Collected]:
    """A bundle of `nodes` in the new directory `out`."""
    bundle.check_since(since)
    for node in nodes:
        if not is_hostname(node):
            raise InputError(f"{node!r} is not a node name", "--nodes")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(
            "exists and is not an empty directory: a bundle is never overwritten", str(out)
        )
    out.mkdir(parents=True, exist_ok=True)
    done = []
    for node in dict.fromkeys(nodes):
        collected, outputs = collect_node(executor, node, since)
        write_node(out, collected, outputs)
        done.append(collected)
    return done


def script(since: str) -> str:
    """The commands to run by hand on each node, as a POSIX shell snippet (fixed words only)."""
    lines = [
        "# On every node, as root; then copy each node's folder into one bundle directory.",
        'node=$(hostname) && mkdir -p "$node" && cd "$node"',
    ]
    for name, argv in bundle.commands(since, qdevice=False):
        lines.append(f"{shlex.join(argv)} > {name} 2>&1")
    qname, qargv = bundle.commands(since, qdevice=True)[-1]
    lines.append(
        "grep -qE '^[[:space:]]*device[[:space:]]*[{]' /etc/corosync/corosync.conf && "
        f"{shlex.join(qargv)} > {qname} 2>&1"
    )
    return "\n".join(lines) + "\n"
