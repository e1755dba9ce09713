"""Plan: two-node mode, so that one node of two keeps quorum on its own.

cman (PVE 2/3, the source article): `<cman two_node="1" expected_votes="1">` in
cluster.conf, config_version bumped, validated and activated (reference 8.3, 8.5).
corosync (PVE 4+): `two_node: 1` in the quorum section of corosync.conf; a reload re-reads it
(reference 1.5, 1.13) and it switches wait_for_all on when that key is absent (1.5, 1.7).

When the cluster is blocked right now, /etc/pve is read-only (reference 6), so the plan first
restores quorum with `pvecm expected 1` exactly as the article does, under the same checks as
the restore-quorum plan.
"""

from __future__ import annotations

from pvequorum.model import Cluster
from pvequorum.procedures import confedit, restore_quorum, simulate
from pvequorum.procedures.common import (
    startup_dangers,
    status_check,
    view_of,
)
from pvequorum.procedures.config_steps import edit_steps, version_check
from pvequorum.procedures.plan import Danger, Plan, Step
from pvequorum.procedures.state import PlanInput
from pvequorum.simulator import Simulator

KIND = "two-node"


def _preconditions(inp: PlanInput) -> list[Danger]:
    c, q = inp.cluster, inp.cluster.quorum
    out: list[Danger] = list(startup_dangers(c))
    if len(c.nodes) != 2:
        out.append(
            Danger(
                "blocking",
                f"two_node is for clusters of exactly two nodes; this one has {len(c.nodes)}. "
                + (
                    "cman refuses to start (`two_node set but there are more than 2 nodes`)."
                    if c.stack == "cman"
                    else "votequorum ignores it whenever more than two nodes are members."
                ),
                "8.3" if c.stack == "cman" else "1.5",
            )
        )
    odd_votes = [n.name for n in c.nodes if n.effective_votes != 1]
    if odd_votes and c.stack == "cman":
        out.append(
            Danger(
                "blocking",
                f"cman needs 1 vote per node with two_node; {', '.join(odd_votes)} differ "
                "(`two_node set but votes not set to 1`).",
                "8.3",
            )
        )
    elif odd_votes:
        out.append(
            Danger(
                "warning",
                f"{', '.join(odd_votes)} do not have 1 vote; votequorum does not check this for "
                "two_node, quorum is 1 for either node all the same.",
                "1.5",
            )
        )
    if q.device is not None:
        out.append(
            Danger(
                "blocking",
                "A quorum device is configured: two_node and a quorum device cannot be "
                "configured at the same time. The QDevice already gives one node of two "
                "quorum; keep it.",
                "1.12",
            )
        )
    if q.auto_tie_breaker and c.stack == "corosync":
        out.append(
            Danger(
                "blocking",
                "auto_tie_breaker is set: corosync disables two_node when both are set.",
                "1.5, 1.12",
            )
        )
    if inp.facts.ha_resources:
        out.append(
            Danger(
                "blocking",
                "HA resources exist. With two_node both halves of a network split stay quorate "
                "(simulated), so neither self-fences and the same guest can run twice. Use a "
                "QDevice for HA on two nodes.",
                "1.5, 7",
            )
        )
    return out


def _already(inp: PlanInput) -> bool:
    q = inp.cluster.quorum
    if inp.cluster.stack == "cman":
        return bool(q.two_node) and q.expected_votes == 1
    return bool(q.two_node)


def build(inp: PlanInput) -> Plan:
    c, stack, node = inp.cluster, inp.cluster.stack, inp.run_node
    dangers = _preconditions(inp)
    steps: list[Step] = []
    options: list[str] = []
    diff = None
    summary = ""
    if _already(inp):
        summary = "two-node mode is already configured; nothing to change."
    elif not any(d.severity == "blocking" for d in dangers):
        up = [n for n in c.names if n in inp.state.up]
        now = view_of(simulate.running(c, up), node)
        if not now.quorate:
            sub = restore_quorum.build(inp)
            dangers.extend(sub.dangers)
            if sub.blocked:
                options.extend(sub.options)
            steps.extend(s for s in sub.steps if not s.deferred)
        if not any(d.severity == "blocking" for d in dangers):
            change = confedit.two_node(inp)
            diff = change.diff
            new_cluster = confedit.cluster_of(change.new_text, stack)
            after = simulate.running(new_cluster, up)
            after_view = view_of(after, node)
            both = view_of(simulate.running(new_cluster, c.names), node)
            what = (
                'two_node="1" expected_votes="1" on <cman>'
                if stack == "cman"
                else "two_node: 1 in the quorum section"
            )
            steps.extend(
                edit_steps(
                    change,
                    node,
                    stack,
                    what,
                    activation_check=version_check(node, stack, change.new_version),
                    activation_dangers=tuple(_activation_dangers(inp, new_cluster)),
                )
            )
            steps.append(
                Step(
                    title="Check quorum in two-node mode",
                    why=(
                        "With two_node, quorum is 1 while at most two nodes are members "
                        "(reference 1.5, 8.3); the lines are simulated for "
                        + ("this node alone." if len(up) == 1 else "both nodes up.")
                    ),
                    references=("1.5", "8.3") if stack == "cman" else ("1.5", "1.13"),
                    commands=(),
                    expected=simulate.status_lines(after_view if len(up) == 1 else both, stack),
                    postcheck=status_check(
                        node,
                        after_view if len(up) == 1 else both,
                        stack,
                        "quorum 1 in two-node mode",
                        retries=10,
                    )
                    if stack == "corosync"
                    else None,
                )
            )
            summary = f"Switch the two-node cluster {c.name} to two-node mode " + (
                '(cluster.conf: <cman two_node="1" expected_votes="1">).'
                if stack == "cman"
                else "(corosync.conf: two_node: 1)."
            )
    if not summary:
        summary = "two-node mode cannot be planned safely here; see the blocking dangers."
    return Plan(
        kind=KIND,
        title=f"Two-node mode for cluster {c.name}",
        summary=summary,
        pve_version=str(inp.version),
        stack=stack,
        cluster_name=c.name,
        run_on=node,
        steps=tuple(steps)
        if not any(d.severity == "blocking" for d in dangers)
        else tuple(s for s in steps if not s.changes_state),
        dangers=tuple(dict.fromkeys(dangers)),
        options=tuple(options),
        diff=diff,
        facts=(
            ("up", ",".join(n for n in c.names if n in inp.state.up)),
            ("ha_resources", "yes" if inp.facts.ha_resources else "no"),
        ),
    )


def _activation_dangers(inp: PlanInput, new_cluster: Cluster) -> list[Danger]:
    c, stack = inp.cluster, inp.cluster.stack
    out = []
    split = Simulator(new_cluster)
    split.start(new_cluster.names)
    split.partition([[new_cluster.names[0]], [new_cluster.names[1]]])
    if split.split_brain():
        out.append(
            Danger(
                "warning",
                "In a network split both nodes stay quorate and both /etc/pve stay writable "
                "(simulated): conflicting changes on the two sides. Acceptable only without HA; "
                "a QDevice is the safer way to let one node of two keep quorum.",
                "1.5, 3.3",
            )
        )
    if stack == "corosync":
        lone = simulate.started_alone(new_cluster, [inp.run_node])
        lone_view = view_of(lone, inp.run_node)
        if not lone_view.quorate:
            out.append(
                Danger(
                    "warning",
                    "two_node switches wait_for_all on (the key is absent): a node that starts "
                    "while its peer is down stays blocked until it has seen the peer once "
                    f"(simulated: {lone_view.total_votes} of {lone_view.expected_votes} votes, "
                    "Quorate: No). Only with the peer confirmed off: "
                    "`corosync-cmapctl -s quorum.cancel_wait_for_all u8 1`.",
                    "1.5, 1.7",
                )
            )
    else:
        out.append(
            Danger(
                "info",
                "cman checks two_node when it joins the cluster (reference 8.3); the 2node flag "
                "may show in `cman_tool status` only after the next cman start (inference).",
                "8.3",
            )
        )
    del c
    return out
