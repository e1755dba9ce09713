"""Self-checks for lab 07: reading pvecm status.  PURE."""

from __future__ import annotations

from collections.abc import Callable

from pvequorum.checks.verdict import (
    CheckResult,
    _as_text,
    _check_number,
    _not_answered,
    _right,
    _running,
    _shown,
    _wrong,
)
from pvequorum.model import simple_cluster
from pvequorum.simulator import Simulator


def _three_node_one_down() -> Simulator:
    sim = _running(simple_cluster(3))
    sim.crash(["pve3"])
    return sim


def _status_number(field: str, label: str, hint: str) -> Callable[[object], CheckResult]:
    def check(answer: object) -> CheckResult:
        right = getattr(_three_node_one_down().view("pve1"), field)
        return _check_number(
            answer,
            right,
            unit="votes",
            right_message=f"`{label}:` shows {right} (reference 5.1)",
            hint=hint,
        )

    return check


def check_status_total_votes(answer: object) -> CheckResult:
    """3 nodes, pve3 crashed: pve1's `Total votes:`?"""
    return _status_number(
        "total_votes",
        "Total votes",
        "Total votes counts the votes of the current members only (reference 5.1, 1.3)",
    )(answer)


def check_status_expected_votes(answer: object) -> CheckResult:
    """3 nodes, pve3 crashed: pve1's `Expected votes:`?"""
    return _status_number(
        "expected_votes",
        "Expected votes",
        "expected votes does not drop when a member leaves (reference 1.4, 10.2)",
    )(answer)


def check_status_quorum(answer: object) -> CheckResult:
    """3 nodes, pve3 crashed: pve1's `Quorum:`?"""
    return _status_number(
        "quorum",
        "Quorum",
        "the first number on the `Quorum:` line; it never decreases on membership loss "
        "(reference 5.1, 10.5)",
    )(answer)


def further_failures_survived() -> int:
    """3 nodes, pve3 crashed: how many more nodes may fail while pve1 stays quorate."""
    sim = _three_node_one_down()
    more = 0
    for name in ("pve2",):
        sim.crash([name])
        if not sim.view("pve1").quorate:
            break
        more += 1
    return more


def check_status_more_failures(answer: object) -> CheckResult:
    """From that status: how many more nodes may fail before pve1 loses quorum?"""
    right = further_failures_survived()
    return _check_number(
        answer,
        right,
        unit="more failures",
        right_message=f"{right}: Total votes already equals Quorum, one more loss and the "
        "node blocks (reference 1.3, 5.1)",
        hint="compare `Total votes:` with `Quorum:`; quorum will not drop (reference 10.5)",
    )


def check_two_node_flag(answer: object) -> CheckResult:
    """Which word on the `Flags:` line tells you two_node is on?"""
    if answer is ...:
        return _not_answered()
    right = _running(simple_cluster(2, two_node=1)).view("pve1").flags[0]
    hint = "the flags are printed in a fixed order and two_node's comes first (reference 5.1, 1.6)"
    text, problem = _as_text(answer)
    if text is None:
        return _wrong(problem, hint)
    if text.strip().lower() == right.lower():
        return _right(
            f"`{right}` (always followed by a space); it stays even when more than "
            "two nodes are members and two_node no longer applies (reference 1.5, 5.1)"
        )
    return _wrong(f"{_shown(answer)} is not a word corosync-quorumtool prints for two_node", hint)
