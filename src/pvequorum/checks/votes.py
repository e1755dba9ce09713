"""Self-checks for lab 01: votes and failures.  PURE."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from pvequorum import analysis
from pvequorum.checks.verdict import (
    FAILED_NODES,
    VOTES,
    CheckResult,
    _as_names,
    _check_number,
    _count,
    _not_answered,
    _right,
    _votes,
    _wrong,
)
from pvequorum.model import simple_cluster


@lru_cache(maxsize=512)
def votes_needed(votes: tuple[int, ...]) -> int:
    """The quorum of the intact cluster whose nodes carry these votes (reference 1.3)."""
    return analysis.analyze(simple_cluster(len(votes), votes=list(votes))).quorum


def check_votes_needed(
    answer: object, votes: Sequence[int] = (1, 1), observed: int | None = None
) -> CheckResult:
    """How many votes must a partition hold to be quorate (the `Quorum:` line)?

    `observed`: the `Quorum:` the run showed, when `answer` is a prediction."""
    votes = _votes(votes)
    right = votes_needed(votes)
    return _check_number(
        answer,
        right,
        unit=VOTES,
        observed=observed,
        right_message=(
            f"with {_count(len(votes), 'node')} and {_count(sum(votes), 'expected vote')} a "
            f"partition needs {VOTES.count(right)}, more than half (reference 1.3)"
        ),
        hint="quorum is half of the expected votes, rounded down, plus one (reference 1.3)",
        too_low="then both halves of a split could be quorate at once: split brain",
        too_high="that is more than a strict majority",
    )


@lru_cache(maxsize=64)
def failures_survived(nodes: int) -> int:
    """How many node failures a cluster of 1-vote nodes always survives (reference 1.3)."""
    result = analysis.analyze(simple_cluster(nodes)).always_survived
    return 0 if result is None else result


def check_failures_survived(
    answer: object, nodes: int = 2, observed: int | None = None
) -> CheckResult:
    """A cluster of `nodes` nodes with one vote each: how many failed nodes does it always
    survive (the rest stays quorate)?"""
    right = failures_survived(nodes)
    return _check_number(
        answer,
        right,
        unit=FAILED_NODES,
        observed=observed,
        right_message=(
            f"{_count(nodes, 'node')} always survive {FAILED_NODES.count(right)}; "
            "the survivors must still hold a majority (reference 1.3)"
        ),
        hint=(
            "take nodes away one at a time and compare the votes left with the quorum, which "
            "does not drop when nodes fail (reference 1.3, 10.5)"
        ),
        too_low="the survivors would still hold a majority of the expected votes",
        too_high="the survivors would no longer hold a majority of the expected votes",
    )


def fatal_single_failures(votes: tuple[int, ...]) -> frozenset[str]:
    """Nodes whose failure alone breaks quorum (reference 1.3)."""
    cluster = simple_cluster(len(votes), votes=list(votes))
    return frozenset(n for n in cluster.names if not analysis.survivors_quorate(cluster, [n]))


def check_fatal_nodes(answer: object, votes: Sequence[int] = (2, 1, 1)) -> CheckResult:
    """Nodes pve1..pveN carry `votes`: which nodes break quorum when they fail alone?"""
    if answer is ...:
        return _not_answered()
    votes = _votes(votes)
    right = fatal_single_failures(votes)
    hint = (
        "for each node, add up the votes of the others and compare with the quorum of the "
        "whole cluster (reference 1.2, 1.3)"
    )
    names, problem = _as_names(answer)
    if names is None:
        return _wrong(problem, hint)
    known = {f"pve{i}" for i in range(1, len(votes) + 1)}
    unknown = sorted(names - known)
    if unknown:
        return _wrong(f"the cluster has no node {', '.join(unknown)}", hint)
    if names == right:
        shown = ", ".join(sorted(right)) or "none"
        return _right(f"only the failure of {shown} leaves too few votes (reference 1.3)")
    if names - right:
        return _wrong(
            f"the others still hold enough votes when {' or '.join(sorted(names - right))} "
            "fails alone",
            hint,
        )
    return _wrong("you missed a node whose votes the others cannot replace", hint)
