"""Self-checks for lab 06: why an HA node reboots.  PURE."""

from __future__ import annotations

from pvequorum import timing
from pvequorum.checks.verdict import (
    CheckResult,
    _check_choice,
    _check_number,
    _running,
)
from pvequorum.model import Cluster, simple_cluster


def _event(cluster: Cluster, words: str) -> timing.TimelineEvent:
    return next(e for e in timing.ha_timeline(cluster) if words in e.event)


def check_self_fence_seconds(answer: object) -> CheckResult:
    """An HA node loses quorum at t=0: at the latest, after how many seconds is it reset?"""
    event = _event(simple_cluster(3), "resets the node")
    right = event.latest_ms // 1000
    return _check_number(
        answer,
        right,
        unit="seconds",
        right_message=f"at most {right} s: the lock renewal fails, watchdog-mux stops feeding "
        "the watchdog after its client timeout, and the watchdog fires after its own timeout "
        "(reference 7)",
        hint="the last good lock renewal may be one LRM round before t=0; add the client "
        "timeout of watchdog-mux and the watchdog's own timeout (reference 7)",
    )


def check_recovery_seconds(answer: object) -> CheckResult:
    """Same outage: at the latest, when does the quorate side recover the HA services?"""
    event = _event(simple_cluster(3), "services recovered")
    right = event.latest_ms // 1000
    return _check_number(
        answer,
        right,
        unit="seconds",
        right_message=f"at most {right} s: the quorate side must wait until the lost node's "
        "agent lock expires, which is after the node has reset itself (reference 7)",
        hint="the quorate side can only take the node's agent lock once it has expired "
        "(reference 6, 7)",
        too_low="the lock has not expired yet at that time",
    )


def check_detection_ms(answer: object, nodes: int = 3) -> CheckResult:
    """Default timing, `nodes` configured nodes: token + consensus in milliseconds?"""
    detection = timing.failure_detection(simple_cluster(nodes))
    right = detection.token_plus_consensus_ms
    return _check_number(
        answer,
        right,
        unit="ms",
        right_message=f"token {detection.token_ms} ms + consensus {detection.consensus_ms} ms: "
        "only then does the new membership form (reference 9, 10.18)",
        hint="the effective token grows by token_coefficient per configured node above two, "
        "and consensus is 1.2 times it (reference 9)",
    )


EXPECTED_ON_ISOLATED_CHOICES: dict[str, str] = {
    "a": "corosync refuses it: the node is not quorate",
    "b": "accepted: the node keeps its HA guests running while the majority recovers them",
    "c": "accepted, but the node still resets itself after the watchdog timeout",
}


def expected_on_isolated_outcome() -> str:
    """The letter the simulator supports: 3 nodes, pve1 cut off, `pvecm expected 1` on it."""
    sim = _running(simple_cluster(3))
    sim.partition([["pve1"], ["pve2", "pve3"]])
    if not sim.expected("pve1", 1):
        return "a"
    # quorate again: pmxcfs takes writes, the LRM renews its lock, the watchdog stays fed (7)
    return "b" if sim.split_brain() else "c"


def check_expected_on_isolated(answer: object) -> CheckResult:
    """pve1 of 3 is cut off and runs HA guests; someone runs `pvecm expected 1` on it."""
    right = expected_on_isolated_outcome()
    return _check_choice(
        answer,
        EXPECTED_ON_ISOLATED_CHOICES,
        right,
        right_message="both partitions are quorate: pve1 renews its own agent lock and is not "
        "fenced, while pve2/pve3 take the lock after it expires and start the same guests. "
        "Split brain (reference 7, 10.19)",
        why_not={
            "a": "an inquorate node accepts any N at or above its own votes",
            "c": "the watchdog is fed again as soon as the lock renewal works",
        },
        hint="first decide whether corosync accepts it (reference 2.2), then what a quorate "
        "/etc/pve means for the lock renewal (reference 7)",
    )
