"""Which partition a QDevice (corosync-qnetd) gives its vote to, reference 3.2.

Two models, both without heuristics (every connected client scores the same):

* `qnetd_votes`: partitions only, for a qnetd server that every running node can reach;
  the failure analysis asks it about one partition of survivors;
* `ffsplit_partition` and `lms_vote`: qnetd as the simulator runs it, per connected client,
  with qnetd's own state (the previous quorate partition, each client's last lms result),
  so that qdevices that do not reach qnetd, or reach it late, count the way the source
  counts them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


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


# --- qnetd as the simulator runs it: per connected client (reference 3.2) ------------------
Client = tuple[int, frozenset[int]]
"""A qdevice connected to qnetd: its node id and the membership (node ids) it reported."""


def _ffsplit_beats(
    client: Client,
    best: Client | None,
    connected: frozenset[int],
    configured_ids: Sequence[int],
    preferred: int,
    quorate_partition: frozenset[int],
) -> bool:
    """`qnetd_algo_ffsplit_partition_cmp(client, best) > 0` without heuristics: a
    partition's score is the number of its members connected to qnetd (reference 3.2)."""
    n, members = len(configured_ids), client[1]
    if n % 2:  # odd clusters never split 50:50
        return len(members) > n // 2
    if len(members) != n // 2:
        return len(members) > n // 2
    active = len(members & connected)
    best_active = 0 if best is None else len(best[1] & connected)
    if active != best_active:
        return active > best_active
    if best is not None:  # keep_active_partition_tie_breaker, on by default
        mine, theirs = client[0] in quorate_partition, best[0] in quorate_partition
        if mine != theirs:
            return mine
    return preferred in members


def ffsplit_partition(
    clients: Sequence[Client],
    configured_ids: Sequence[int],
    tie_breaker: str,
    quorate_partition: frozenset[int],
) -> frozenset[int]:
    """The membership qnetd gives the vote to under ffsplit, or an empty set.

    `qnetd_algo_ffsplit_select_partition()` (corosync-qdevice v3.0.3
    `qdevices/qnetd-algo-ffsplit.c`): walk the connected clients in qnetd's list order and
    keep the one whose partition beats the best so far; the winner's membership list
    becomes the cluster's quorate partition, every client in it gets ACK and every other
    client NACK.  Only connected clients take part: a partition none of whose qdevices
    reach qnetd is not seen at all, and one that is seen competes against nothing but
    the partitions seen (reference 3.2).  `quorate_partition` is the previous winner (the
    keep-active-partition tie-breaker); the tie-breaker node comes from the configured
    list."""
    connected = frozenset(nodeid for nodeid, _ in clients)
    preferred = _preferred_node(configured_ids, tie_breaker)
    best: Client | None = None
    for client in clients:
        if _ffsplit_beats(client, best, connected, configured_ids, preferred, quorate_partition):
            best = client
    return frozenset() if best is None else best[1]


def lms_vote(
    client: Client,
    clients: Sequence[Client],
    last_results: Mapping[int, bool | None],
    tie_breaker: str,
) -> tuple[bool, bool | None]:
    """What qnetd answers one client under lms: (ACK?, its new last result).

    `do_lms_algorithm()` (corosync-qdevice v3.0.3 `qdevices/qnetd-algo-lms.c`), without
    heuristics, so a partition's score is the number of its connected clients (reference
    3.2):

    1. one partition among the connected clients: ACK (votequorum decides the rest);
    2. a client with no result yet (`last_result` 0: just connected) gets NACK while a
       client of another partition holds an ACK; that NACK is not stored;
    3. the partition with the most connected clients gets ACK, the others NACK;
    4. on a tie, `lowest` / `highest`: the partition of the lowest / highest node id among
       *all connected clients* gets ACK; a node-id tie-breaker gives ACK to that node's
       client alone (the code copies no ring id for the others).

    `last_results` maps every connected client to True (ACK), False (NACK) or None."""
    rings = {nodeid: ring for nodeid, ring in clients}
    partitions = set(rings.values())
    mine = client[1]
    if len(partitions) == 1:
        return True, True
    if last_results.get(client[0]) is None and any(
        ring != mine and last_results.get(other) is True for other, ring in rings.items()
    ):
        return False, None
    score = {ring: sum(1 for r in rings.values() if r == ring) for ring in partitions}
    top = max(score.values())
    leaders = [ring for ring in partitions if score[ring] == top]
    if len(leaders) == 1:
        ack = leaders[0] == mine
        return ack, ack
    if tie_breaker == "lowest":
        ack = mine == rings[min(rings)]
    elif tie_breaker == "highest":
        ack = mine == rings[max(rings)]
    else:
        ack = client[0] == int(tie_breaker)
    return ack, ack
