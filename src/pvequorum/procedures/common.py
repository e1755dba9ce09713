"""Building blocks shared by the plans: status checks, file hashes, recurring dangers."""

from __future__ import annotations

import hashlib

from pvequorum.model import Cluster
from pvequorum.procedures.plan import Check, Command, Danger
from pvequorum.procedures.simulate import status_lines
from pvequorum.simulator import NodeView, Simulator
from pvequorum.startup import daemon_name, node_startup_error, startup_reference

PVE_COROSYNC = "/etc/pve/corosync.conf"
PVE_CLUSTER_CONF = "/etc/pve/cluster.conf"


def status_command(node: str) -> Command:
    """`pvecm status`; it exits 2 when not quorate (reference 5.1, 5.2), which is information."""
    return Command(on=node, argv=("pvecm", "status"), may_fail=True)


def status_check(
    node: str, view: NodeView, stack: str, description: str, retries: int = 1
) -> Check:
    """`pvecm status` on `node` must show the simulated lines of `view`."""
    return Check(
        command=status_command(node),
        must_show=status_lines(view, stack),
        description=description,
        retries=retries,
    )


def view_of(sim: Simulator, node: str) -> NodeView:
    """The simulated `corosync-quorumtool -s` of a running node."""
    views = sim.views()
    if node not in views:  # callers check startup errors first; this is a bug, not input
        raise RuntimeError(f"{node} is not running in the simulation: {sim.log}")
    return views[node]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def file_hash_check(on: str, path: str, text: str, description: str) -> Check:
    """`sha256sum PATH` must print the hash of `text`: the file is exactly what we planned."""
    return Check(
        command=Command(on=on, argv=("sha256sum", path)),
        must_show=(f"{sha256(text)}  {path}",),
        description=description,
    )


def startup_dangers(cluster: Cluster) -> tuple[Danger, ...]:
    """Blocking: the config would keep corosync (or cman) from starting (reference 1.12, 8.3)."""
    out = []
    for node in cluster.nodes:
        error = node_startup_error(cluster, node)
        if error:
            out.append(
                Danger(
                    "blocking",
                    f"With this config {daemon_name(cluster)} refuses to start on "
                    f"{node.name}: {error!r}. Fix the config first.",
                    startup_reference(cluster),
                )
            )
    return tuple(out)


def ha_self_fence_danger(run_node: str) -> Danger:
    return Danger(
        "warning",
        f"HA resources exist. A node whose LRM is active and that stays without quorum is "
        f"reset by its watchdog about 60 s after its last lock renewal; restoring quorum on "
        f"{run_node} in time lets its LRM renew its lock again. Once this partition is "
        f"quorate, its CRM recovers the HA guests of the missing nodes here after the 120 s "
        f"lock expiry - right only because those nodes are confirmed powered off.",
        "7",
    )


def reload_danger(stack: str, two_node: bool = False) -> Danger:
    """What a reload does to expected votes lowered at runtime (reference 1.13).

    With two_node (and at most two members) quorum is 1 whatever expected votes say, so the
    partition stays quorate after the reset: measured on corosync 3.1.7 (`-e 1` on a lone
    two_node member, then `corosync-cfgtool -R`: expected 2, quorum 1, still quorate).
    """
    if stack == "cman":
        return Danger(
            "warning",
            "The lowered expected votes live only in the running cman; nothing is written to "
            "cluster.conf. A cman restart reads the configured value again (inference).",
            "8.3",
        )
    if two_node:
        return Danger(
            "info",
            "The lowered expected votes are runtime only: the next `corosync-cfgtool -R` or "
            "corosync restart resets them to the configured sum. With two_node this "
            "partition stays quorate after that reset (quorum stays 1, measured on corosync "
            "3.1.7); a corosync restart, though, waits for all nodes again.",
            "1.5, 1.13",
        )
    return Danger(
        "warning",
        "The lowered expected votes are runtime only: the next `corosync-cfgtool -R` (pmxcfs "
        "runs it after every change to /etc/pve/corosync.conf) or corosync restart resets "
        "them to the configured sum, and this partition loses quorum again. Do not edit "
        "corosync.conf while relying on it.",
        "1.13, 4.4, 10.4",
    )


def confirm_down_hint(nodes: str) -> str:
    """How to say that nodes are confirmed off, in the CLI and in a runbook (names that
    exist: a test checks every hint against both)."""
    return (
        f"`pvequorum plan restore-quorum --confirmed-down {nodes}`, or in a runbook "
        f"`-p confirmed_down {nodes} -p confirmed_down_by HOW`"
    )
