"""Self-checks for lab 03: two_node or a QDevice.  PURE.

Every question of lab 03 is a prediction: `observed` is what the simulator run showed.
"""

from __future__ import annotations

from pvequorum.checks.verdict import (
    QUORATE_PARTITIONS,
    VOTES,
    CheckResult,
    _check_bool,
    _check_number,
    _quorate_partitions,
    _running,
)
from pvequorum.model import QDevice, simple_cluster
from pvequorum.simulator import Simulator


def check_two_node_quorum(answer: object, observed: int | None = None) -> CheckResult:
    """`two_node: 1`, both nodes up: what does `Quorum:` show?"""
    right = _running(simple_cluster(2, two_node=1)).view("pve1").quorum
    return _check_number(
        answer,
        right,
        unit=VOTES,
        observed=observed,
        right_message=f"two_node forces quorum {right} whenever at most two nodes are members, "
        "even with both up (reference 1.5, 10.6)",
        hint="two_node overrides the quorum formula while at most two nodes are members "
        "(reference 1.5)",
        too_high="the normal formula is not what two_node shows",
    )


def check_two_node_cold_start(answer: object, observed: bool | None = None) -> CheckResult:
    """`two_node: 1`, both nodes were shut down, only pve1 boots: is pve1 quorate?"""
    right = _running(simple_cluster(2, two_node=1), ["pve1"]).view("pve1").quorate
    return _check_bool(
        answer,
        right,
        observed=observed,
        right_message="two_node turns wait_for_all on: after a cold start a node must see its "
        "peer once before it becomes quorate (reference 1.5, 1.7)",
        wrong_message="two_node switches one more feature on, and that one acts at boot",
        hint="two_node implies wait_for_all when wait_for_all is absent (reference 1.5, 1.7)",
    )


def check_two_node_split(answer: object, observed: int | None = None) -> CheckResult:
    """`two_node: 1`, both up, then the link between them is cut: quorate partitions?"""
    sim = _running(simple_cluster(2, two_node=1))
    sim.partition([["pve1"], ["pve2"]])
    right = _quorate_partitions(sim)
    return _check_number(
        answer,
        right,
        unit=QUORATE_PARTITIONS,
        observed=observed,
        right_message="each side keeps quorum 1, so both stay quorate: split brain, and only "
        "fencing can settle who wins (reference 1.5, 1.7)",
        hint="after the split each side holds one vote; what is the quorum under two_node? "
        "(reference 1.5)",
        too_low="wait_for_all only acts after a cold start, not on a cut link",
    )


def check_qdevice_split(answer: object, observed: int | None = None) -> CheckResult:
    """Two nodes + QDevice (ffsplit), the link between the nodes is cut: quorate partitions?"""
    sim = _running(simple_cluster(2, device=QDevice(votes=1)))
    sim.partition([["pve1"], ["pve2"]])
    right = _quorate_partitions(sim)
    return _check_number(
        answer,
        right,
        unit=QUORATE_PARTITIONS,
        observed=observed,
        right_message="the QDevice gives its one vote to exactly one side, and only that side "
        "is quorate (reference 3.2, 3.3)",
        hint="ffsplit gives its single vote to one partition only (reference 3.2)",
        too_low="each node still reaches the QDevice, and its vote goes somewhere",
        too_high="the QDevice never votes for both sides of a 50/50 split",
    )


def check_two_node_with_qdevice(answer: object, observed: bool | None = None) -> CheckResult:
    """Does corosync start with both `two_node: 1` and a QDevice configured?"""
    cluster = simple_cluster(2, two_node=1, device=QDevice(votes=1))
    right = Simulator(cluster).startup_error("pve1") is None
    return _check_bool(
        answer,
        right,
        observed=observed,
        right_message="corosync refuses to start: 'two_node and quorum device cannot be "
        "configured at the same time!' Remove two_node when you add a QDevice (reference 1.12)",
        wrong_message="votequorum checks this combination when it starts",
        hint="look for two_node in the table of incompatible combinations (reference 1.12)",
    )


def _two_with_qnetd_stopped() -> Simulator:
    """2 nodes + ffsplit (votes 1), both up, then qnetd stops (lab 03, question 6)."""
    sim = _running(simple_cluster(2, device=QDevice(votes=1)))
    sim.qnetd("stop")
    return sim


def check_quorate_while_qnetd_is_down(answer: object, observed: bool | None = None) -> CheckResult:
    """2 nodes + QDevice, both up, qnetd stopped: is pve1 quorate?"""
    view = _two_with_qnetd_stopped().view("pve1")
    return _check_bool(
        answer,
        view.quorate,
        observed=observed,
        right_message=f"both nodes hold {view.total_votes} of {view.expected_votes} votes, "
        f"quorum {view.quorum}: a lost qnetd alone costs nothing (reference 3.1, 12.1)",
        wrong_message=f"pve1 counts {view.total_votes} votes and needs {view.quorum}",
        hint="the device's vote goes; count the nodes' votes against quorum (reference 3.1)",
    )


def check_quorate_after_a_node_fails_while_qnetd_is_down(
    answer: object, observed: bool | None = None
) -> CheckResult:
    """2 nodes + QDevice, qnetd stopped, then pve2 fails: is pve1 quorate?"""
    sim = _two_with_qnetd_stopped()
    sim.crash(["pve2"])
    view = sim.view("pve1")
    return _check_bool(
        answer,
        view.quorate,
        observed=observed,
        right_message=f"{view.total_votes} of {view.expected_votes} votes, quorum "
        f"{view.quorum}: the device was the vote that would have carried pve1, so watch "
        "qnetd like a third node (reference 3.3)",
        wrong_message=f"pve1 is alone: {view.total_votes} vote, quorum {view.quorum}",
        hint="with qnetd down the device casts nothing (reference 3.1, 12.1)",
    )
