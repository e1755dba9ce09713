"""Self-checks for lab 04: a QDevice on an odd node count.  PURE.

Every question of lab 04 is a prediction: `observed` is what the simulator or the failure
analysis showed when the lab ran it.
"""

from __future__ import annotations

from pvequorum import analysis
from pvequorum.checks.verdict import (
    FAILED_NODES,
    VOTES,
    CheckResult,
    _check_bool,
    _check_number,
    _running,
)
from pvequorum.model import Cluster, QDevice, simple_cluster
from pvequorum.simulator import Simulator


def _odd_qdevice() -> Cluster:
    # what `pvecm qdevice setup --force` writes for an odd count: lms, no votes key (3.3)
    return simple_cluster(3, device=QDevice(algorithm="lms"))


def check_odd_qdevice_votes(answer: object, observed: int | None = None) -> CheckResult:
    """3 nodes + QDevice (lms, no `votes:` line): how many votes does the QDevice get?"""
    right = _running(_odd_qdevice()).view("pve1").qdevice_votes
    return _check_number(
        answer,
        right,
        unit=VOTES,
        observed=observed,
        right_message=f"corosync gives it {VOTES.count(right)}, the vote sum of the nodes minus "
        "one (reference 1.2 step 5, 3.3)",
        hint="without a votes key corosync computes the device's votes from the nodelist "
        "(reference 1.2 step 5)",
    )


def check_odd_qdevice_survives(answer: object, observed: int | None = None) -> CheckResult:
    """3 nodes + lms QDevice, QDevice alive: how many failed nodes are always survived?"""
    right = analysis.analyze(_odd_qdevice()).always_survived or 0
    return _check_number(
        answer,
        right,
        unit=FAILED_NODES,
        observed=observed,
        right_message="a single node plus the QDevice still holds quorum: 'all but one' "
        "survival (reference 3.3)",
        hint="count the QDevice's votes on the side of every surviving node (reference 3.3)",
    )


def check_odd_qdevice_dead(answer: object, observed: int | None = None) -> CheckResult:
    """3 nodes + lms QDevice, the QDevice host is down: failed nodes always survived?"""
    right = analysis.analyze(_odd_qdevice(), qdevice_alive=False).always_survived or 0
    without = analysis.analyze(simple_cluster(3)).always_survived or 0
    return _check_number(
        answer,
        right,
        unit=FAILED_NODES,
        observed=observed,
        right_message="the expected votes still count the dead QDevice's votes, so the nodes "
        "alone must all be up; without any QDevice "
        f"{_survive(without)}. That is why PVE discourages a QDevice on an odd count "
        "(reference 3.3)",
        hint="expected votes still include the dead QDevice's votes; compare the quorum with "
        "the node votes left (reference 1.4, 3.3)",
        too_high="the dead QDevice's votes are still expected",
    )


def _survive(failures: int) -> str:
    return f"{FAILED_NODES.count(failures)} would be survived"


def check_even_qdevice_dead(answer: object, observed: int | None = None) -> CheckResult:
    """4 nodes + ffsplit QDevice (1 vote), the QDevice host is down: always survived?"""
    cluster = simple_cluster(4, device=QDevice(votes=1))
    right = analysis.analyze(cluster, qdevice_alive=False).always_survived or 0
    without = analysis.analyze(simple_cluster(4)).always_survived
    same = "the same as" if right == without else "different from"
    return _check_number(
        answer,
        right,
        unit=FAILED_NODES,
        observed=observed,
        right_message=f"{same} 4 nodes without a QDevice: on an even count a dead QDevice "
        "costs nothing (reference 3.3)",
        hint="the device has one vote only; compare with the same cluster without a QDevice "
        "(reference 3.3)",
    )


def _qnetd_stopped() -> Simulator:
    """3 nodes + lms, all up, then qnetd stops (the "predict, then stop qnetd" question)."""
    sim = _running(_odd_qdevice())
    sim.qnetd("stop")
    return sim


def check_total_after_qnetd_stop(answer: object, observed: int | None = None) -> CheckResult:
    """3 nodes + lms, qnetd stopped: pve1's `Total votes`?  `observed`: what it printed."""
    right = _qnetd_stopped().view("pve1").total_votes or 0
    expected = _qnetd_stopped().view("pve1").expected_votes
    return _check_number(
        answer,
        right,
        unit=VOTES,
        observed=observed,
        right_message=f"the device's votes leave the total at once, but expected stays "
        f"{expected}: the three nodes alone still hold quorum (reference 3.1, 12.1)",
        hint="without qnetd no qdevice casts its vote; count what is left (reference 3.1)",
        too_high="qnetd is down: the device casts nothing",
    )


def check_quorate_after_a_node_fails_without_qnetd(
    answer: object, observed: bool | None = None
) -> CheckResult:
    """3 nodes + lms, qnetd stopped, then pve3 fails: is pve1 still quorate?"""
    sim = _qnetd_stopped()
    sim.crash(["pve3"])
    view = sim.view("pve1")
    return _check_bool(
        answer,
        view.quorate,
        observed=observed,
        right_message=f"{view.total_votes} of {view.expected_votes} votes is below quorum "
        f"{view.quorum}: with qnetd down, no node of this cluster may fail (reference 3.3)",
        wrong_message=f"pve1 has {view.total_votes} votes and needs {view.quorum}",
        hint="expected votes still count the device's two votes (reference 1.4, 3.3)",
    )
