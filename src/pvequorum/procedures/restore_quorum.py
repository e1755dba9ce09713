"""Plan: restore quorum on a surviving partition with `pvecm expected N`.

N is the votes present (reference 2.2): votequorum refuses anything lower and a higher
value leaves the partition blocked; under cman `pvecm expected N` runs
`cman_tool expected -e N` (reference 2.3, 8.4), which accepts lower values but gains nothing
from them.  The plan refuses when the missing nodes are not confirmed down, when N would be
refused, and warns when the missing nodes, once started while the network is split, could
form a quorate partition of their own (checked with the simulator).
"""

from __future__ import annotations

from pvequorum import cman
from pvequorum import votequorum as vq
from pvequorum.procedures import simulate
from pvequorum.procedures.common import (
    confirm_down_hint,
    ha_self_fence_danger,
    reload_danger,
    startup_dangers,
    status_check,
    status_command,
    view_of,
)
from pvequorum.procedures.evidence import Mismatch, situation_of
from pvequorum.procedures.plan import Command, Danger, Plan, Step
from pvequorum.procedures.state import PlanInput
from pvequorum.simulator import NodeView

KIND = "restore-quorum"


def build(inp: PlanInput) -> Plan:
    plan = _analyse(inp)
    return Plan(
        kind=KIND,
        title=f"Restore quorum on {', '.join(sorted(inp.state.up))}",
        summary=plan.summary,
        pve_version=str(inp.version),
        stack=inp.cluster.stack,
        cluster_name=inp.cluster.name,
        run_on=inp.run_node,
        steps=tuple(plan.steps),
        dangers=tuple(plan.dangers),
        options=tuple(plan.options),
        facts=_facts(inp),
    )


class _Draft:
    def __init__(self) -> None:
        self.summary = ""
        self.steps: list[Step] = []
        self.dangers: list[Danger] = []
        self.options: list[str] = []


def _facts(inp: PlanInput) -> tuple[tuple[str, str], ...]:
    return (
        ("up", ",".join(n for n in inp.cluster.names if n in inp.state.up)),
        ("missing", ",".join(inp.state.missing(inp.cluster))),
        ("confirmed_down", ",".join(sorted(inp.state.confirmed_down))),
        ("ha_resources", "yes" if inp.facts.ha_resources else "no"),
    )


def expected_step(inp: PlanInput) -> tuple[Step | None, list[Danger], int | None]:
    """The `pvecm expected N` step with its dangers, or None and blocking dangers.

    Shared with plans that need a writable /etc/pve first (two-node mode, config edits).
    """
    cluster, state, stack = inp.cluster, inp.state, inp.cluster.stack
    node = inp.run_node
    up = [n for n in cluster.names if n in state.up]
    dangers: list[Danger] = []
    situation = situation_of(cluster, state)
    if isinstance(situation, Mismatch):
        return None, [Danger("blocking", situation.text, "5.1, 1.3")], None
    before = situation.view()
    total = before.total_votes
    unconfirmed = state.unconfirmed(cluster)
    if unconfirmed:
        dangers.append(
            Danger(
                "blocking",
                f"{', '.join(unconfirmed)} not confirmed down. They may be running in another "
                "partition with their guests; lowering expected votes here would make both "
                "sides quorate (split brain). Power them off or fence them, verify out of "
                "band, then plan again with them confirmed down ("
                + confirm_down_hint(",".join(unconfirmed))
                + ").",
                "7, 10.19",
            )
        )
    votes = total  # the votes present: the only value that is accepted and sufficient
    after = situation.simulator()
    accepted = after.expected(node, votes)
    check = _check(inp, votes, before)
    if not check[0]:
        dangers.append(Danger("blocking", check[1], "2.2" if stack == "corosync" else "8.4"))
    elif not view_of(after, node).quorate or not accepted:
        dangers.append(
            Danger(
                "blocking",
                f"`pvecm expected {votes}` would be accepted but {node} would stay without "
                "quorum (simulated).",
                "1.7, 2.2",
            )
        )
    if simulate.other_side_quorate(cluster, up, [(node, votes)]):
        # Confirmed down, they cannot be quorate now; they could if they booted while the
        # network is still split.  Unconfirmed nodes are already a blocking danger above.
        missing = state.missing(cluster)
        mv = sum(cluster.node(n).effective_votes for n in missing)
        dangers.append(
            Danger(
                "warning",
                f"The missing nodes ({', '.join(missing)}) hold {mv} votes: enough to be "
                "quorate on their own. If they are only cut off rather than down, they are "
                "quorate right now, and this partition on expected "
                f"{votes} makes two quorate partitions - split brain (simulated); the same "
                "holds if they start while the network is split. From here a cut-off node "
                "looks exactly like a crashed one: the out-of-band check of their power "
                "state is the only safeguard. Keep them off until the network path is "
                "verified, or remove them for good (`pvecm delnode`).",
                "2.4, 10.19",
            )
        )
    if any(d.severity == "blocking" for d in dangers):
        return None, dangers, None
    if inp.facts.ha_resources:
        dangers.append(ha_self_fence_danger(node))
    dangers.append(reload_danger(stack, two_node=_two_node_applies(before)))
    after_view = view_of(after, node)
    waiting = (
        f" It waits for all nodes (WaitForAll after a start without {', '.join(missing_of(inp))})"
        f": with wait_for_all only an expected value equal to the {total} votes present ends "
        "the wait (reference 1.7)."
        if before.wait_for_all_status
        else ""
    )
    step = Step(
        title=f"Lower expected votes to {votes} on {node}",
        why=(
            f"{node}'s partition holds {total} of {before.expected_votes} expected votes; quorum "
            f"is {before.quorum}.{waiting} `pvecm expected {votes}` "
            + (
                f"runs `cman_tool expected -e {votes}` (reference 2.3, 8.4)"
                if stack == "cman"
                else f"runs `corosync-quorumtool -e {votes}`: accepted because {votes} is not "
                "below the votes present (reference 2.2, 2.3)"
            )
            + f"; quorum becomes {after_view.quorum} and /etc/pve writable again (reference 6)."
        ),
        references=("2.2", "2.3", "2.4", "8.4") if stack == "cman" else ("2.2", "2.3", "2.4"),
        commands=(Command(on=node, argv=("pvecm", "expected", str(votes))),),
        precheck=status_check(node, before, stack, "still blocked with the votes the plan counted"),
        expected=simulate.status_lines(after_view, stack),
        postcheck=status_check(node, after_view, stack, "quorate with the lowered value"),
        rollback=_rollback_text(inp, votes, after_view.expected_votes),
        changes_state=True,
        peers_down=_peers_to_check(inp),
    )
    return step, dangers, votes


def _two_node_applies(view: NodeView) -> bool:
    """two_node holds quorum at 1 while at most two nodes are members (reference 1.5)."""
    return "2Node" in view.flags and len(view.members) <= 2


def _peers_to_check(inp: PlanInput) -> tuple[tuple[str, int], ...]:
    """The missing nodes, for the link check (knet's `corosync-cfgtool -s`, corosync 3)."""
    if inp.cluster.stack != "corosync" or inp.version.corosync_major < 3:
        return ()
    return tuple((n, inp.cluster.node(n).nodeid) for n in inp.state.missing(inp.cluster))


def missing_of(inp: PlanInput) -> tuple[str, ...]:
    return inp.state.missing(inp.cluster)


def _check(inp: PlanInput, votes: int, before: NodeView) -> tuple[bool, str]:
    """Would the daemon accept `-e votes`?  votequorum (2.2) or cman_tool (8.4) rules."""
    if inp.cluster.stack == "cman":
        r = cman.check_expected(votes, total_votes=before.total_votes, current_quorum=before.quorum)
    else:
        r = vq.check_set_expected(
            votes,
            total_votes=before.total_votes,
            total_nodes=len(before.members),
            quorate=before.quorate,
            two_node="2Node" in before.flags,
            current_quorum=before.quorum,
        )
    return r.accepted, f"`pvecm expected {votes}` would be refused: {r.reason}"


def _rollback_text(inp: PlanInput, votes: int, configured: int) -> str:
    node = inp.run_node
    if inp.cluster.stack == "cman":
        return (
            "Runtime only: it ends when the missing nodes rejoin (expected votes grow back "
            "with the votes present) or cman restarts. A higher `pvecm expected` on a quorate "
            "node is refused when its quorum would exceed the votes present (reference 8.4)."
        )
    return (
        "Runtime only: expected votes grow back by themselves as the missing nodes rejoin "
        f"(reference 1.4). To drop the lowered value at once run `corosync-cfgtool -R` on "
        f"{node} (a reload re-reads expected votes, reference 1.13); `pvecm expected` with a "
        "higher value is refused on a quorate node once quorum would exceed the votes "
        "present (reference 2.2)."
    )


def _analyse(inp: PlanInput) -> _Draft:
    cluster, state, stack = inp.cluster, inp.state, inp.cluster.stack
    node = inp.run_node
    draft = _Draft()
    draft.dangers.extend(startup_dangers(cluster))
    if draft.dangers:
        draft.summary = "The config itself keeps the cluster from starting."
        return draft
    situation = situation_of(cluster, state)
    if isinstance(situation, Mismatch):
        draft.dangers.append(Danger("blocking", situation.text, "5.1, 1.3"))
        draft.summary = "The evidence and the config disagree: no plan is derived from either."
        return draft
    before = situation.view()
    look = Step(
        title=f"Look at quorum on {node}",
        why="Confirm the partition and the vote count the plan was computed for "
        "(reference 5.1, 5.2).",
        references=("5.1", "5.2"),
        commands=(status_command(node),),
        expected=simulate.status_lines(before, stack),
    )
    draft.steps.append(look)
    if before.quorate:
        draft.summary = (
            f"{node}'s partition is quorate ({before.total_votes} of {before.expected_votes} "
            f"votes, quorum {before.quorum}): /etc/pve is writable, nothing to restore."
        )
        if situation.history == "expected-lowered":
            draft.summary += (
                f" It is quorate only because expected votes were lowered at runtime to "
                f"{before.expected_votes}."
            )
            draft.dangers.append(reload_danger(stack, two_node=_two_node_applies(before)))
        if before.total_votes > 1 and stack == "corosync":
            draft.dangers.append(
                Danger(
                    "info",
                    f"`pvecm expected 1` would be refused here (CS_ERR_INVALID_PARAM): 1 is "
                    f"below the {before.total_votes} votes present.",
                    "2.2, 2.4",
                )
            )
        return draft
    step, dangers, votes = expected_step(inp)
    draft.dangers.extend(dangers)
    if step is None:
        draft.summary = (
            f"{node}'s partition is blocked ({before.total_votes} of {before.expected_votes} "
            f"votes, quorum {before.quorum}) and lowering expected votes is not safe here."
        )
        draft.options.extend(_alternatives(inp))
        return draft
    missing = state.missing(cluster)
    draft.steps.append(
        Step(
            title=f"Confirm {', '.join(missing)} powered off",
            why="Only a node that is really off cannot form a quorate partition of its own "
            "or keep running guests (reference 7, 10.19).",
            references=("7", "10.19"),
            commands=(
                Command(
                    on=node,
                    manual=f"Check out of band (IPMI/iLO/iDRAC, PDU, hypervisor console) that "
                    f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} powered off.",
                    confirmed_by="confirmed_down",
                ),
            ),
        )
    )
    draft.steps.append(step)
    back = situation.simulator()
    back.expected(node, votes or 0)
    back.start(missing)
    back_view = view_of(back, node)
    draft.steps.append(
        Step(
            title="When the missing nodes are back",
            why="Expected votes grow back on their own as soon as the votes present exceed "
            "them; no command is needed (reference 1.4, 2.4).",
            references=("1.4", "2.4"),
            commands=(status_command(node),),
            expected=simulate.status_lines(back_view, stack),
            postcheck=status_check(node, back_view, stack, "the full cluster again"),
            deferred=True,
        )
    )
    draft.summary = (
        f"{node}'s partition holds {before.total_votes} of {before.expected_votes} expected "
        f"votes (quorum {before.quorum}"
        + (", waiting for all nodes" if before.wait_for_all_status else "")
        + f"): run `pvecm expected {votes}` on {node}."
    )
    if before.wait_for_all_status:
        draft.options.append(_CANCEL_WFA)
    return draft


_CANCEL_WFA = (
    "Instead of lowering expected votes, the wait can be cancelled cluster-wide with "
    "`corosync-cmapctl -s quorum.cancel_wait_for_all u8 1` (reference 1.7; corosync documents "
    "the key as meant for pcs). The same confirmation that the missing nodes are off is needed."
)


def _alternatives(inp: PlanInput) -> list[str]:
    return [
        "Bring the missing nodes back (network or power): expected votes and quorum return "
        "by themselves (reference 1.4).",
        "If the missing nodes are gone for good: power them off, confirm it, and plan again "
        f"({confirm_down_hint(','.join(inp.state.missing(inp.cluster)))}); then remove them "
        "with `pvecm delnode` once quorate.",
        "Add a QDevice while all nodes are up, before the next outage (reference 3.3).",
    ]


__all__ = ["KIND", "build", "expected_step"]
