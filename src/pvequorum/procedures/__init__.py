"""The exact command plans for every quorum fix, version-aware (issue 5).  PURE: no I/O.

Each plan lives in its own module and is built from a `PlanInput` (the `Cluster` from the
config file, a `ClusterState`, the `PveVersion`, `Facts`, and the config text when the plan
edits the file).  `build_plan(kind, inp, ...)` dispatches by the CLI's plan names.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

from pvequorum.errors import InputError
from pvequorum.procedures import (
    add_link,
    change_address,
    edit_corosync,
    linkplan,
    maintenance,
    qdevice,
    restore_quorum,
    separate_node,
    two_node,
)
from pvequorum.procedures.common import startup_dangers, status_check
from pvequorum.procedures.evidence import Mismatch, evidence_refusal, situation_of
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
    "add-link",
    "change-address",
)
# Changes planned ahead of time, with every node up: without a status they assume all
# nodes up, and their first step checks that on the node.
AHEAD_OF_TIME = frozenset(
    {"two-node", "add-qdevice", "remove-qdevice", "edit-corosync", "add-link", "change-address"}
)
# Older names of the same procedures (the runbooks' former names); still accepted.
PLAN_ALIASES = {
    "two-node-mode": "two-node",
    "node-maintenance": "maintenance",
    "edit-corosync-conf": "edit-corosync",
}


def build_plan(
    kind: str,
    inp: PlanInput,
    *,
    node: str | None = None,
    qdevice_host: str | None = None,
    new_text: str | None = None,
    link: str | None = None,
    addresses: str | None = None,
    link_priority: str | None = None,
    method: str | None = None,
) -> Plan:
    """Build the plan named `kind` (one of `PLAN_KINDS`).

    A config that keeps corosync (or cman) from starting is refused before any plan looks
    at it: nothing can be simulated, and no procedure helps before the config is fixed.
    `link`, `addresses` (`NODE=ADDRESS,...`), `link_priority` and `method` are the link
    plans' parameters as given (add-link, change-address); they check them.
    """
    kind = PLAN_ALIASES.get(kind, kind)
    if kind not in PLAN_KINDS:
        raise InputError(f"unknown plan {kind!r}; plans: {', '.join(PLAN_KINDS)}")
    arguments = {"node": node, "qdevice_host": qdevice_host, "new_text": new_text}
    if kind == "change-address":  # the default method given or not: one plan, one token
        method = linkplan.parse_method(method)
    links = {
        "link": link,
        "addresses": addresses,
        "link_priority": link_priority,
        "method": method,
    }
    # only the link plans' arguments that are given: every other plan's basis stays as it was
    arguments.update({k: v for k, v in links.items() if v is not None})
    basis = inputs_digest(kind, inp, **arguments)
    plan = _build(kind, inp, node=node, qdevice_host=qdevice_host, new_text=new_text, **links)
    return dataclasses.replace(_check_assumption(plan, inp), basis=basis)


def _check_assumption(plan: Plan, inp: PlanInput) -> Plan:
    """Without a status the plan stands on an assumption (the nodes given as up, or all of
    them for a change planned ahead of time): its first step checks it on the node, so a
    wrong assumption stops the run before anything changes."""
    if inp.state.status or plan.blocked or not plan.steps or plan.kind not in AHEAD_OF_TIME:
        return plan
    first = plan.steps[0]
    if any(
        c is not None and c.command.argv == ("pvecm", "status")
        for c in (first.precheck, first.postcheck)
    ):
        return plan  # the plan checks the nodes first already (add-qdevice: all online)
    situation = situation_of(inp.cluster, inp.state)
    if isinstance(situation, Mismatch):  # pragma: no cover - no status, no mismatch
        return plan
    node = inp.run_node
    up = ", ".join(n for n in inp.cluster.names if n in inp.state.up)
    check = Step(
        title=f"Check that the cluster is as assumed on {node}",
        why=f"No pvecm status was given: this plan assumes {up} up as one quorate "
        "partition. The check stops here if the node shows anything else (reference 5.1).",
        references=("5.1",),
        precheck=status_check(node, situation.view(), inp.cluster.stack, "as the plan assumes"),
    )
    return dataclasses.replace(plan, steps=(check, *plan.steps))


def inputs_digest(kind: str, inp: PlanInput, **arguments: str | None) -> str:
    """SHA-256 over everything a plan is built from, with the kit version: the confirm
    token's binding to the inputs (a different config byte or status line, another node
    up or confirmed down, other facts: another token)."""
    from pvequorum import __version__

    state = inp.state
    data = json.dumps(
        {
            "kit": __version__,
            "kind": kind,
            "config": inp.config_text,
            "cluster": inp.cluster.to_dict(),
            "version": str(inp.version),
            "up": sorted(state.up),
            "confirmed_down": sorted(state.confirmed_down),
            "local": state.local,
            "status": [[s.node, _without_date(s.text)] for s in state.status],
            "facts": dataclasses.asdict(inp.facts),
            "arguments": arguments,
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(data.encode("utf-8", "surrogateescape")).hexdigest()


def _without_date(text: str) -> str:
    """A status without its `Date:` line, the only line that changes while nothing does."""
    return "\n".join(line for line in text.splitlines() if not line.startswith("Date:"))


def _build(
    kind: str,
    inp: PlanInput,
    *,
    node: str | None,
    qdevice_host: str | None,
    new_text: str | None,
    link: str | None = None,
    addresses: str | None = None,
    link_priority: str | None = None,
    method: str | None = None,
) -> Plan:
    # the link plans' parameters are refused even when the evidence refuses the plan
    if kind == "add-link":
        add_link.parameters(inp, link, addresses, link_priority)
    if kind == "change-address":
        change_address.parameters(inp, link, addresses, method)
    broken = startup_dangers(inp.cluster)
    if broken:
        return _refused(
            kind, inp, broken, "The config itself keeps the cluster from starting; fix it first."
        )
    refusal = evidence_refusal(kind, inp.cluster, inp.state)
    if refusal:
        return _refused(kind, inp, refusal, "The evidence does not allow this plan now.")
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
    if kind == "add-link":
        return add_link.build(inp, link, addresses, link_priority)
    if kind == "change-address":
        return change_address.build(inp, link, addresses, method)
    raise InputError(f"unknown plan {kind!r}; plans: {', '.join(PLAN_KINDS)}")


def _refused(kind: str, inp: PlanInput, dangers: tuple[Danger, ...], summary: str) -> Plan:
    """A plan that only says why it refuses (it carries no step)."""
    return Plan(
        kind=kind,
        title=f"{kind} for cluster {inp.cluster.name}",
        summary=summary,
        pve_version=str(inp.version),
        stack=inp.cluster.stack,
        cluster_name=inp.cluster.name,
        run_on=inp.run_node,
        dangers=dangers,
    )


__all__ = [
    "PLAN_ALIASES",
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
