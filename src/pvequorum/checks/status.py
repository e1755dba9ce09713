"""Self-checks for lab 07: reading pvecm status.  PURE.

Lab 07 runs on real corosync when it can: the learner predicts pve1's status before pve3
fails, and the checks compare the prediction with the status the run printed (`observed`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pvequorum.checks.verdict import (
    EXPECTED_VOTES,
    MORE_FAILURES,
    VOTES,
    CheckResult,
    _against_run,
    _as_text,
    _check_number,
    _not_answered,
    _right,
    _running,
    _shown,
    _wrong,
)
from pvequorum.explain import FLAG_MEANINGS
from pvequorum.model import simple_cluster
from pvequorum.simulator import Simulator


def _three_node_one_down() -> Simulator:
    sim = _running(simple_cluster(3))
    sim.crash(["pve3"])
    return sim


def _status_number(
    field: str, label: str, meaning: str, hint: str, too_low: str, too_high: str
) -> Callable[[object, int | None], CheckResult]:
    unit = EXPECTED_VOTES if field == "expected_votes" else VOTES

    def check(answer: object, observed: int | None) -> CheckResult:
        right = getattr(_three_node_one_down().view("pve1"), field)
        return _check_number(
            answer,
            right,
            unit=unit,
            observed=observed,
            right_message=f"`{label}:` shows {right}: {meaning}",
            hint=hint,
            too_low=too_low,
            too_high=too_high,
        )

    return check


def check_status_total_votes(answer: object, observed: int | None = None) -> CheckResult:
    """3 nodes, pve3 crashed: pve1's `Total votes:`?"""
    return _status_number(
        "total_votes",
        "Total votes",
        "the votes of the members that are left (reference 5.1)",
        "Total votes counts the votes of the current members only (reference 5.1, 1.3)",
        "only the crashed node's vote is gone",
        "a crashed node's vote is not counted",
    )(answer, observed)


def check_status_expected_votes(answer: object, observed: int | None = None) -> CheckResult:
    """3 nodes, pve3 crashed: pve1's `Expected votes:`?"""
    return _status_number(
        "expected_votes",
        "Expected votes",
        "it does not drop when a member leaves, so it still counts pve3 (reference 1.4, 5.1)",
        "expected votes does not drop when a member leaves (reference 1.4, 10.2)",
        "expected votes does not follow the members down",
        "nothing raised the expected votes",
    )(answer, observed)


def check_status_quorum(answer: object, observed: int | None = None) -> CheckResult:
    """3 nodes, pve3 crashed: pve1's `Quorum:`?"""
    return _status_number(
        "quorum",
        "Quorum",
        "it is computed from the expected votes and never decreases on membership loss "
        "(reference 5.1, 10.5)",
        "the first number on the `Quorum:` line; it never decreases on membership loss "
        "(reference 5.1, 10.5)",
        "the quorum does not follow the members down",
        "the expected votes did not change, so neither did the quorum",
    )(answer, observed)


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
        unit=MORE_FAILURES,
        right_message=f"{MORE_FAILURES.count(right)}: Total votes already equals Quorum, one "
        "more loss and the node blocks (reference 1.3, 5.1)",
        hint="compare `Total votes:` with `Quorum:`; quorum will not drop (reference 10.5)",
    )


def check_two_node_flag(answer: object, observed: Sequence[str] | None = None) -> CheckResult:
    """Which word on the `Flags:` line tells you two_node is on?

    `observed`: the words of the `Flags:` line the run printed, when `answer` is a
    prediction."""
    if answer is ...:
        return _not_answered()
    right = _running(simple_cluster(2, two_node=1)).view("pve1").flags[0]
    hint = "the flags are printed in a fixed order and two_node's comes first (reference 5.1, 1.6)"
    text, problem = _as_text(answer)
    if text is None:
        return _wrong(problem, hint)
    why = (
        f"`{right}` (always followed by a space); it stays even when more than two nodes "
        "are members and two_node no longer applies (reference 1.5, 5.1)"
    )
    word = text.strip()
    if observed is not None:
        flags = tuple(observed)
        shown = "the Flags line " + (" ".join(flags) if flags else "empty")
        same = {f.lower(): f for f in flags}
        if word.lower() == right.lower() and right in flags:
            return _right(f"{shown} has {right}, as you predicted: {why}")
        if word.lower() in same:
            meaning = FLAG_MEANINGS.get(same[word.lower()], "another feature (reference 1.6)")
            difference = f"{same[word.lower()]} is on it, but it means: {meaning}"
        else:
            difference = f"it has no word {_shown(word)}"
        return _against_run(
            _shown(word),
            shown,
            False,
            why=why,
            difference=difference,
            disagreement="" if right in flags else f"the kit's simulator shows {right} here",
        )
    if word.lower() == right.lower():
        return _right(why)
    return _wrong(f"{_shown(answer)} is not a word corosync-quorumtool prints for two_node", hint)
