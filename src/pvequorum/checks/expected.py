"""Self-checks for lab 02: pvecm expected.  PURE.

Lab 02 runs on real corosync when it can: its predictions are checked against what the run
showed (`observed`), and the right value is still computed here, on the simulator.
"""

from __future__ import annotations

from pvequorum.checks.verdict import (
    EXPECTED_VOTES,
    QUORATE_PARTITIONS,
    VOTES,
    CheckResult,
    _check_number,
    _count,
    _quorate_partitions,
    _running,
)
from pvequorum.model import simple_cluster
from pvequorum.simulator import Simulator


def _two_node_one_down() -> Simulator:
    sim = _running(simple_cluster(2))
    sim.crash(["pve2"])
    return sim


def check_quorum_after_crash(answer: object, observed: int | None = None) -> CheckResult:
    """Two nodes, pve2 crashed: what does pve1 show as `Quorum:`?"""
    right = _two_node_one_down().view("pve1").quorum
    return _check_number(
        answer,
        right,
        unit=VOTES,
        observed=observed,
        right_message=(
            f"quorum stays {right}: it never decreases when a node leaves, so the lone node "
            "with 1 vote is blocked (reference 1.3, 10.5)"
        ),
        hint="quorum is computed from the expected votes, and it does not go down when a "
        "member disappears (reference 10.5)",
        too_low="the threshold does not follow the members down",
        too_high="nothing raised the expected votes",
    )


def check_quorum_after_expected_one(answer: object, observed: int | None = None) -> CheckResult:
    """Two nodes, pve2 crashed, then `pvecm expected 1` on pve1: pve1's `Quorum:`?"""
    sim = _two_node_one_down()
    sim.expected("pve1", 1)
    right = sim.view("pve1").quorum
    return _check_number(
        answer,
        right,
        unit=VOTES,
        observed=observed,
        right_message=(
            f"expected votes becomes 1, quorum becomes {right}: pve1 is quorate and /etc/pve "
            "takes writes again (reference 2.2, 2.4 A)"
        ),
        hint="`pvecm expected N` lowers the expected votes and quorum is recomputed from "
        "them with decrease allowed (reference 2.2)",
        too_high="the quorum is recomputed from the new expected votes, and may go down",
    )


def check_expected_after_rejoin(answer: object, observed: int | None = None) -> CheckResult:
    """After `pvecm expected 1` on pve1, pve2 comes back: pve1's `Expected votes:`?"""
    sim = _two_node_one_down()
    sim.expected("pve1", 1)
    sim.start(["pve2"])
    right = sim.view("pve1").expected_votes
    return _check_number(
        answer,
        right,
        unit=EXPECTED_VOTES,
        observed=observed,
        right_message=(
            f"expected votes grows back to {right} as soon as more votes are present than "
            "expected: the lowered value lasts only until a node rejoins or the config is "
            "reloaded (reference 1.4, 1.13, 2.4 A)"
        ),
        hint="expected votes is raised automatically whenever the votes present exceed it "
        "(reference 1.4)",
        too_low="the change is not permanent",
        too_high="expected votes grows only to the votes present",
    )


def lowest_expected_accepted(nodes: int, up: int) -> int | None:
    """The smallest N that `pvecm expected N` accepts on pve1 with pve1..pve`up` running."""
    sim = _running(simple_cluster(nodes), [f"pve{i}" for i in range(1, up + 1)])
    return next(
        (n for n in range(1, 2 * nodes + 2) if sim.check_expected("pve1", n).accepted), None
    )


def check_lowest_expected(
    answer: object, nodes: int = 5, up: int = 3, observed: int | None = None
) -> CheckResult:
    """`nodes` nodes, `up` of them running: the smallest N `pvecm expected N` accepts?"""
    right = lowest_expected_accepted(nodes, up)
    assert right is not None
    return _check_number(
        answer,
        right,
        unit=EXPECTED_VOTES,
        observed=observed,
        right_message=(
            f"anything below the {_count(right, 'vote')} present is refused with "
            "CS_ERR_INVALID_PARAM; so `pvecm expected 1` only works when the partition holds "
            "exactly one vote (reference 2.2, 2.4 B/C, 10.2)"
        ),
        hint="corosync refuses an expected value below the votes the node sees right now "
        "(reference 2.2)",
        too_low="corosync refuses it with CS_ERR_INVALID_PARAM",
        too_high="a smaller value is accepted as well",
    )


def quorate_partitions_after_expected_on_both_sides() -> int:
    sim = _running(simple_cluster(2))
    sim.partition([["pve1"], ["pve2"]])
    sim.expected("pve1", 1)
    sim.expected("pve2", 1)
    return _quorate_partitions(sim)


def check_expected_both_sides(answer: object, observed: int | None = None) -> CheckResult:
    """Link cut, both nodes alive, `pvecm expected 1` on each side: quorate partitions?"""
    right = quorate_partitions_after_expected_on_both_sides()
    return _check_number(
        answer,
        right,
        unit=QUORATE_PARTITIONS,
        observed=observed,
        right_message=(
            "each side accepted `pvecm expected 1` and is quorate at once: split brain, both "
            "sides write /etc/pve and may start the same guests. Only run `pvecm expected` "
            "after confirming the other nodes are really down (reference 2.4, 10.19)"
        ),
        hint="each isolated node holds exactly one vote, so each side's request is accepted "
        "(reference 2.2, 2.4 A)",
        too_low="nothing stops the second admin: corosync on each side sees one vote only",
        too_high="that is more partitions than the cut makes",
    )
