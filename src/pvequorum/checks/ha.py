"""Self-checks for lab 06: why an HA node reboots.  PURE.

The times are ranges, as in the reference (7): the LRM renews its agent lock about every
10 s, so the last successful renewal happened somewhere in the round before quorum was lost,
and every deadline counted from it falls in a 10 s window after t=0.  A prediction anywhere in
that window is right.
"""

from __future__ import annotations

from pvequorum import timing
from pvequorum.checks.verdict import (
    MS,
    SECONDS,
    CheckResult,
    _check_choice,
    _check_number,
    _check_range,
    _running,
)
from pvequorum.model import Cluster, simple_cluster


def _event(cluster: Cluster, words: str) -> timing.TimelineEvent:
    return next(e for e in timing.ha_timeline(cluster) if words in e.event)


def _seconds(event: timing.TimelineEvent) -> tuple[int, int]:
    return event.earliest_ms // 1000, event.latest_ms // 1000


def _observed_seconds(observed: timing.TimelineEvent | None) -> tuple[int, int] | None:
    return None if observed is None else _seconds(observed)


def self_fence_window() -> tuple[int, int]:
    """Seconds after quorum loss in which the watchdog resets an isolated HA node (7)."""
    return _seconds(_event(simple_cluster(3), "resets the node"))


def recovery_window() -> tuple[int, int]:
    """Seconds after quorum loss in which the quorate side recovers its HA guests (7)."""
    return _seconds(_event(simple_cluster(3), "services recovered"))


def check_self_fence_seconds(
    answer: object, observed: timing.TimelineEvent | None = None
) -> CheckResult:
    """An HA node loses quorum at t=0: after how many seconds is it reset?

    Right anywhere from the earliest to the latest reset of the timeline: 60 to 70 s with
    PVE's constants.  `observed`: the timeline's reset event, when `answer` is a prediction.
    """
    low, high = self_fence_window()
    client, dog = timing.CLIENT_WATCHDOG_TIMEOUT_S, timing.WATCHDOG_TIMEOUT_S
    return _check_range(
        answer,
        (low, high),
        unit=SECONDS,
        observed=_observed_seconds(observed),
        right_message=f"watchdog-mux stops feeding the watchdog once the LRM has not renewed "
        f"its lock for {client} s (its client timeout), and the watchdog resets the node "
        f"{dog} s later; counted from the quorum loss that is {low} to {high} s, because the last "
        f"successful renewal happened up to one LRM round ({timing.LRM_ROUND_S} s) before. "
        "The reference says 'some 60 to 70 s', the admin guide rounds it to 'after 60 "
        "seconds' (reference 7, 10.19)",
        hint="the last good lock renewal may be one LRM round before t=0; add the client "
        "timeout of watchdog-mux and the watchdog's own timeout (reference 7)",
        too_low="watchdog-mux is still waiting for the LRM: its client timeout has not run out",
        too_high="by then the watchdog has long fired",
    )


def check_recovery_seconds(
    answer: object, observed: timing.TimelineEvent | None = None
) -> CheckResult:
    """Same outage: when does the quorate side recover the HA services?

    Right anywhere in the timeline's window for it.  `observed`: the timeline's recovery
    event, when `answer` is a prediction."""
    low, high = recovery_window()
    return _check_range(
        answer,
        (low, high),
        unit=SECONDS,
        observed=_observed_seconds(observed),
        right_message="the quorate side must wait until the lost node's agent lock expires, "
        f"{timing.LOCK_EXPIRY_S} s after its last renewal (up to one LRM round before t=0), "
        "which is after the node has reset itself (reference 6, 7)",
        hint="the quorate side can only take the node's agent lock once it has expired "
        "(reference 6, 7)",
        too_low="the lock has not expired yet at that time",
        too_high="the CRM takes the lock as soon as it has expired",
    )


def check_detection_ms(answer: object, nodes: int = 3, observed: int | None = None) -> CheckResult:
    """Default timing, `nodes` configured nodes: token + consensus in milliseconds?"""
    detection = timing.failure_detection(simple_cluster(nodes))
    right = detection.token_plus_consensus_ms
    return _check_number(
        answer,
        right,
        unit=MS,
        observed=observed,
        right_message=f"token {detection.token_ms} ms + consensus {detection.consensus_ms} ms: "
        "only then does the new membership form (reference 9, 10.18)",
        hint="the effective token grows by token_coefficient per configured node above two, "
        "and consensus is 1.2 times it (reference 9)",
        too_low="the effective token grows with every configured node above two",
        too_high="the token grows by token_coefficient per node, not by a full token",
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


def check_expected_on_isolated(answer: object, observed: str | None = None) -> CheckResult:
    """pve1 of 3 is cut off and runs HA guests; someone runs `pvecm expected 1` on it.

    `observed`: the letter the lab's run supports, when `answer` is a prediction."""
    right = expected_on_isolated_outcome()
    return _check_choice(
        answer,
        EXPECTED_ON_ISOLATED_CHOICES,
        right,
        observed=observed,
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
