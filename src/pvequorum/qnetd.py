"""Which partition a QDevice (corosync-qnetd) gives its vote to, reference 3.2.

A simplified but deterministic model of the qnetd algorithms, for a qnetd server that every
running node can reach and with no heuristics: every connected client scores the same, so the
decision falls through to node counts, the previously quorate partition and `tie_breaker`.
"""

from __future__ import annotations

from collections.abc import Sequence


def _preferred_node(configured_ids: Sequence[int], tie_breaker: str) -> int:
    """The node id `tie_breaker` names, over the *configured* node list (reference 3.2 step 6)."""
    if tie_breaker == "lowest":
        return min(configured_ids)
    if tie_breaker == "highest":
        return max(configured_ids)
    return int(tie_breaker)


def qnetd_votes(
    partitions: Sequence[frozenset[int]],
    configured_ids: Sequence[int],
    algorithm: str,
    tie_breaker: str = "lowest",
    previously_quorate: frozenset[int] = frozenset(),
) -> tuple[bool, ...]:
    """For each partition (a set of running member node ids), whether its qdevices cast a vote.

    ffsplit (reference 3.2, checked against corosync-qdevice `qnetd-algo-ffsplit.c`):
    exactly one partition may win.  With an odd configured count only a
    strict majority wins; with an even count more than half wins, less than half loses, and at
    exactly half the tie goes to the partition holding members of the previously quorate
    partition, then to the one holding the `tie_breaker` node.
    lms: the node alone with qnetd wins; otherwise the largest partition, then `tie_breaker`.
    """
    n = len(configured_ids)
    preferred = _preferred_node(configured_ids, tie_breaker)
    if not partitions:
        return ()

    def rank(part: frozenset[int]) -> tuple[int, int, int]:
        return (len(part), 1 if part & previously_quorate else 0, 1 if preferred in part else 0)

    best = max(range(len(partitions)), key=lambda i: rank(partitions[i]))
    winner = partitions[best]
    if algorithm == "ffsplit":
        # qnetd_algo_ffsplit_partition_cmp(): odd counts need a strict majority, even
        # counts at least half; among halves the ranking above is qnetd's tie-break order.
        eligible = 2 * len(winner) > n if n % 2 else 2 * len(winner) >= n
    else:  # lms
        eligible = True
    return tuple(i == best and eligible for i in range(len(partitions)))
