"""The exact command plans for every quorum fix, version-aware (issue 5).  PURE: no I/O.

Each plan lives in its own module and is built from a `PlanInput` (the `Cluster` from the
config file, a `ClusterState`, the `PveVersion`, `Facts`, and the config text when the plan
edits the file).  `build_plan(kind, inp, ...)` dispatches by the CLI's plan names.
"""

from __future__ import annotations

from pvequorum.errors import InputError
from pvequorum.procedures import (
    edit_corosync,
    maintenance,
    qdevice,
    restore_quorum,
    separate_node,
    two_node,
)
from pvequorum.procedures.common import startup_dangers
from pvequorum.procedures.plan import Check, Command, Danger, Plan, Step
from pvequorum.procedures.render import confirm_token, to_json, to_markdown, to_shell
from pvequorum.procedures.state import ClusterState, Facts, NodeStatus, PlanInput
from pvequorum.procedures.version import PveVersion

PLAN_KINDS: tuple[str, ...] = (
    "restore-quorum",
    "two-node",
    "add-qdevice",
    "remove-qdevice",
    "edit-corosync",
    "maintenance",
    "separate-node",
)


def build_plan(
    kind: str,
    inp: PlanInput,
    *,
    node: str | None = None,
    qdevice_host: str | None = None,
    new_text: str | None = None,
) -> Plan:
    """Build the plan named `kind` (one of `PLAN_KINDS`).

    A config that keeps corosync (or cman) from starting is refused before any plan looks
    at it: nothing can be simulated, and no procedure helps before the config is fixed.
    """
    if kind not in PLAN_KINDS:
        raise InputError(f"unknown plan {kind!r}; plans: {', '.join(PLAN_KINDS)}")
    broken = startup_dangers(inp.cluster)
    if broken:
        return Plan(
            kind=kind,
            title=f"{kind} for cluster {inp.cluster.name}",
            summary="The config itself keeps the cluster from starting; fix it first.",
            pve_version=str(inp.version),
            stack=inp.cluster.stack,
            cluster_name=inp.cluster.name,
            run_on=inp.run_node,
            dangers=broken,
        )
    if kind == "restore-quorum":
        return restore_quorum.build(inp)
    if kind == "two-node":
        return two_node.build(inp)
    if kind == "add-qdevice":
        return qdevice.build_add(inp, qdevice_host)
    if kind == "remove-qdevice":
        return qdevice.build_remove(inp)
    if kind == "edit-corosync":
        return edit_corosync.build(inp, new_text)
    if kind == "maintenance":
        return maintenance.build(inp, node)
    if kind == "separate-node":
        return separate_node.build(inp, node)
    raise InputError(f"unknown plan {kind!r}; plans: {', '.join(PLAN_KINDS)}")


__all__ = [
    "PLAN_KINDS",
    "Check",
    "ClusterState",
    "Command",
    "Danger",
    "Facts",
    "NodeStatus",
    "Plan",
    "PlanInput",
    "PveVersion",
    "Step",
    "build_plan",
    "confirm_token",
    "to_json",
    "to_markdown",
    "to_shell",
]
