"""Token, consensus and failure-detection times, and the HA timeline after quorum loss.

corosync 3 (reference 9, `exec/totemconfig.c` `totem_volatile_config_read()` and
`calc_knet_ping_timers()` of v3.1.7), cman-started corosync (reference 8.3) and the PVE HA
constants (reference 7).  Pure: every value comes from a `Cluster` and the defaults below.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from pvequorum import cman
from pvequorum.model import Cluster

# corosync 3.1.7 defaults (reference 9)
TOKEN_MS = 3000  # TOKEN_TIMEOUT
TOKEN_COEFFICIENT_MS = 650  # TOKEN_COEFFICIENT
JOIN_MS = 50  # JOIN_TIMEOUT
KNET_PONG_COUNT = 2
QDEVICE_TIMEOUT_MS = 10000  # VOTEQUORUM_QDEVICE_DEFAULT_TIMEOUT (reference 3.1)
QDEVICE_SYNC_TIMEOUT_MS = 30000  # quorum.device.sync_timeout default (reference 3.1)

# cman-started corosync (reference 8.3, `cman-preconfig.c`)
CMAN_TOKEN_MS = cman.DEFAULT_TOKEN_MS
CMAN_JOIN_MS = 60

# PVE HA (reference 7)
LRM_ROUND_S = 10  # LRM.pm $max_time: the agent lock is renewed about every 10 s
WATCHDOG_WARNING_S = 50  # watchdog-mux warns at 50 s without a client update
CLIENT_WATCHDOG_TIMEOUT_S = 60  # CLIENT_WATCHDOG_TIMEOUT: then it stops feeding /dev/watchdog
WATCHDOG_TIMEOUT_S = 10  # watchdog_timeout: the hardware/softdog resets 10 s later
FENCE_DELAY_S = 60  # NodeStatus.pm $fence_delay
LOCK_EXPIRY_S = 120  # a cfs lock expires 120 s after its last renewal

INFERENCE_DETECTION = (
    "inference from the totemsrp state machine (reference 9): the token is lost after "
    "token_eff, a silent node is declared failed when the consensus timer expires, then join "
    "and sync follow"
)


def _float32(value: float) -> float:
    """C's `(float)` cast: round a double to the nearest single-precision value."""
    single: float = struct.unpack("f", struct.pack("f", value))[0]
    return single


def token_ms(cluster: Cluster) -> int:
    """The configured `totem.token`, or the stack's default (reference 9, 8.3)."""
    if cluster.totem.token is not None:
        return cluster.totem.token
    return CMAN_TOKEN_MS if cluster.stack == "cman" else TOKEN_MS


def effective_token_ms(cluster: Cluster) -> int:
    """token + (N_configured - 2) x token_coefficient when N > 2 (reference 9).

    N is the number of *configured* nodelist nodes (trap 10.18), not live members;
    `token_coefficient: 0` turns the growth off.  cman runs corosync 1.x, which has no
    token_coefficient, so its token is used as is (inference: the key arrived in corosync 2;
    reference 8.3 lists no such default).
    """
    token = token_ms(cluster)
    n = len(cluster.nodes)
    if cluster.stack == "cman" or n <= 2:
        return token
    coefficient = cluster.totem.token_coefficient
    if coefficient is None:
        coefficient = TOKEN_COEFFICIENT_MS
    return token + (n - 2) * coefficient


def consensus_ms(cluster: Cluster) -> int:
    """`totem.consensus` if set, else the stack default (reference 9, 8.3).

    corosync: `(int)(float)(1.2 * token_eff)`, computed after the coefficient is applied.
    cman: token + 2000 for more than 2 nodes, otherwise token x 0.2 clamped to 200..2000.
    """
    if cluster.totem.consensus is not None:
        return cluster.totem.consensus
    if cluster.stack == "cman":
        token = token_ms(cluster)
        if len(cluster.nodes) > 2:
            return token + 2000
        return min(max(token // 5, 200), 2000)
    return int(_float32(1.2 * effective_token_ms(cluster)))


def join_ms(cluster: Cluster) -> int:
    """The join timeout: 50 ms (corosync 3), 60 ms (cman), reference 9 and 8.3."""
    return CMAN_JOIN_MS if cluster.stack == "cman" else JOIN_MS


def knet_ping_timeout_ms(cluster: Cluster) -> int | None:
    """token_eff / knet_pong_count (2), integer division (`calc_knet_ping_timers()`, ref 9).

    None for cman, whose corosync 1.x has no knet transport.
    """
    if cluster.stack == "cman":
        return None
    return effective_token_ms(cluster) // KNET_PONG_COUNT


def knet_ping_interval_ms(cluster: Cluster) -> int | None:
    """token_eff / (knet_pong_count x 2), i.e. token_eff / 4 (reference 9); None for cman."""
    if cluster.stack == "cman":
        return None
    return effective_token_ms(cluster) // (KNET_PONG_COUNT * 2)


def qdevice_sync_delay_max_ms(cluster: Cluster) -> int:
    """Upper bound on the extra sync wait for a registered, alive qdevice (reference 3.1).

    Each membership change blocks until the qdevice polls with the new ring id, at most
    `quorum.device.sync_timeout` (default 30000 ms; the model has no key for it).  0 without
    a corosync qdevice.
    """
    if cluster.quorum.device is None or cluster.stack == "cman":
        return 0
    return QDEVICE_SYNC_TIMEOUT_MS


@dataclass(frozen=True)
class FailureDetection:
    """How long until the survivors form a new membership without a failed node.

    `approx_ms` = token_eff + consensus + join, the estimate of reference 9 (which is
    **(inference)**, see `inference`); `max_with_qdevice_ms` adds the qdevice sync bound.
    """

    token_ms: int
    consensus_ms: int
    join_ms: int
    token_plus_consensus_ms: int
    approx_ms: int
    qdevice_sync_max_ms: int
    max_with_qdevice_ms: int
    inference: str = INFERENCE_DETECTION


def failure_detection(cluster: Cluster) -> FailureDetection:
    """The time from a node's death to the survivors' new membership (reference 9, 10.18)."""
    token = effective_token_ms(cluster)
    consensus = consensus_ms(cluster)
    join = join_ms(cluster)
    qdevice = qdevice_sync_delay_max_ms(cluster)
    approx = token + consensus + join
    return FailureDetection(
        token_ms=token,
        consensus_ms=consensus,
        join_ms=join,
        token_plus_consensus_ms=token + consensus,
        approx_ms=approx,
        qdevice_sync_max_ms=qdevice,
        max_with_qdevice_ms=approx + qdevice,
    )


# The kit's safety line for a membership change under HA: at most half the watchdog timeout.
SAFE_MEMBERSHIP_FRACTION = 0.5


@dataclass(frozen=True)
class WatchdogMargin:
    """How a membership change compares with the HA watchdog (reference 7, 9, 12.3).

    While corosync forms a new membership no pmxcfs write goes through, so no LRM can renew
    its agent lock; the lock is renewed about every 10 s and watchdog-mux lets the node reset
    60 s after the last renewal (reference 7).  A membership change that takes longer than
    60 - 10 s therefore resets every HA node at once, quorate or not (inference from those
    code paths; pve-cluster 9.1.0 lowered the default token_coefficient for exactly this,
    reference 12.3).  The kit warns from half the watchdog timeout on: a second failure, a
    slow sync or a QDevice poll (up to 30 s more) can follow the first change.
    """

    membership_ms: int  # token_eff + consensus
    limit_ms: int  # watchdog timeout minus one lock-renewal round
    safe_ms: int  # the kit's line: half the watchdog timeout

    @property
    def margin_ms(self) -> int:
        return self.limit_ms - self.membership_ms

    @property
    def too_close(self) -> bool:
        return self.membership_ms > self.safe_ms


def watchdog_margin(cluster: Cluster) -> WatchdogMargin:
    detection = failure_detection(cluster)
    return WatchdogMargin(
        membership_ms=detection.token_plus_consensus_ms,
        limit_ms=(CLIENT_WATCHDOG_TIMEOUT_S - LRM_ROUND_S) * 1000,
        safe_ms=int(CLIENT_WATCHDOG_TIMEOUT_S * 1000 * SAFE_MEMBERSHIP_FRACTION),
    )


@dataclass(frozen=True)
class TimelineEvent:
    """One HA event after quorum loss, in ms from t=0; a range when it depends on the phase.

    `side` is "isolated" (the node that lost quorum), "quorate" (the majority) or "both".
    """

    earliest_ms: int
    latest_ms: int
    side: str
    event: str
    reference: str
    inference: bool = False
    label: str = ""  # a few words for a time axis


def ha_timeline(cluster: Cluster) -> tuple[TimelineEvent, ...]:
    """What happens when a node running HA services loses quorum at t=0 (reference 7).

    The last successful agent-lock renewal happened in the LRM round before, so somewhere in
    [-10 s, 0]: every deadline counted from it is a range.  The quorate side sees the node
    leave at the same membership change (t=0).
    """
    detection = failure_detection(cluster)
    s = 1000
    renewal = (-LRM_ROUND_S * s, 0)  # last successful lock renewal

    def after_renewal(seconds: int) -> tuple[int, int]:
        return renewal[0] + seconds * s, renewal[1] + seconds * s

    fence = FENCE_DELAY_S * s
    lock = after_renewal(LOCK_EXPIRY_S)
    return (
        TimelineEvent(
            -detection.approx_ms,
            -detection.approx_ms,
            "both",
            "the network link fails; the token is lost, then consensus and join run",
            "reference 9",
            inference=True,
        ),
        TimelineEvent(
            0,
            0,
            "isolated",
            "quorum lost: /etc/pve becomes read-only, the agent lock cannot be renewed",
            "reference 6, 7",
        ),
        TimelineEvent(
            0,
            0,
            "quorate",
            "the node leaves the quorate membership; its HA node state becomes 'unknown'",
            "reference 7",
        ),
        TimelineEvent(
            0,
            LRM_ROUND_S * s,
            "isolated",
            "the LRM's next round fails to renew ha_agent_<node>_lock: state lost_agent_lock, "
            "the watchdog is no longer fed",
            "reference 7",
            label="agent lock lost",
        ),
        TimelineEvent(
            *after_renewal(WATCHDOG_WARNING_S),
            "isolated",
            "watchdog-mux warns that a client has not updated for 50 s",
            "reference 7",
            label="watchdog warning",
        ),
        TimelineEvent(
            *after_renewal(CLIENT_WATCHDOG_TIMEOUT_S),
            "isolated",
            "watchdog-mux stops feeding /dev/watchdog (client timeout 60 s)",
            "reference 7",
            label="watchdog no longer fed",
        ),
        TimelineEvent(
            *after_renewal(CLIENT_WATCHDOG_TIMEOUT_S + WATCHDOG_TIMEOUT_S),
            "isolated",
            "the watchdog resets the node (self-fence)",
            "reference 7",
            label="watchdog reset",
        ),
        TimelineEvent(
            fence,
            fence,
            "quorate",
            "the node has been offline for fence_delay (60 s): its services go to 'fence'",
            "reference 7",
        ),
        TimelineEvent(
            *lock,
            "quorate",
            "the node's agent lock expires (120 s after its last renewal)",
            "reference 7",
        ),
        TimelineEvent(
            max(fence, lock[0]),
            max(fence, lock[1]),
            "quorate",
            "fencing: acknowledged - got agent lock for node '<node>'; services recovered "
            "on the quorate side",
            "reference 7",
        ),
    )
