"""Failure tolerance: which sets of failed nodes leave the survivors quorate.

Semantics (the question an admin asks): the whole cluster was up and quorate, in the steady
state after all nodes started together; then `k` nodes fail at once and the survivors form
one partition.  We look at the instant after the new membership settles, before any
last_man_standing window expires (reference 1.8: LMS only acts one window later).

With `qdevice_alive=False` the quorum device (qnetd or cman qdisk) is lost at the same
moment: it cast its vote in the steady state, so the quorum threshold still counts it
(reference 10.1, 10.5), but the survivors no longer get its vote.

A cluster whose intact state is not quorate (an explicit expected_votes above the votes
present) is counted as the simulator runs it: nothing survives under wait_for_all, but without
it two_node still gives two survivors quorum 1.  A config on which some node refuses to
start raises `InputError`.

The rules are the ones the simulator composes (`votequorum`, `cman`, `qnetd`); after a
pure membership loss they reduce to a function of three things only: how many nodes
survive, how many votes they hold, and whether the auto_tie_breaker node survived.  So we
count failure sets by dynamic programming over (survivors, survivor votes) for groups of
equal-vote nodes instead of enumerating 2**n subsets; `brute_force` is the enumeration,
kept for tests and the benchmark.  Because votequorum keeps quorum in a `uint8_t`, survivor
votes from 255 on all decide alike, so the tracked votes saturate there: the work is bounded
by nodes * 255 whatever the votes (384 nodes: well under a second, `bench_limits.py`).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from math import comb
from typing import Any

from pvequorum import cman, qnetd
from pvequorum import votequorum as vq
from pvequorum.errors import InputError
from pvequorum.model import Cluster
from pvequorum.startup import node_startup_error

_UINT8 = 0xFF  # `static uint8_t quorum` in votequorum.c, as in daemon.Daemon._calculate
# Survivor votes from which on nothing changes: `_Rule.quorate` masks quorum to 0..255, so at
# least one survivor holding 255 votes or more is quorate, unless WFA blocks every subset
# (the vote test `quorum <= total` holds, and the ATB tie only matters when it fails).
_VOTE_CAP = _UINT8


@dataclass(frozen=True)
class Witness:
    """For `failed` = k: one set of k failed nodes that keeps quorum and one that breaks it.

    Either is None when no such set exists.  Names are in nodeid order.
    """

    failed: int
    keeps_quorum: tuple[str, ...] | None
    breaks_quorum: tuple[str, ...] | None


@dataclass(frozen=True)
class FailureAnalysis:
    """How many failure sets of each size the cluster survives.

    `always_survived` is the largest k such that *every* set of at most k failed nodes leaves
    the rest quorate (None when not even the intact cluster is quorate); `can_break_at` is the
    smallest k for which some set of k failures breaks quorum (None if none does).  They are
    stated separately because survival is not monotone in general: with two_node a third
    node's loss can restore quorum 1 (reference 1.5).  `by_failures` holds
    (k, C(nodes, k), quorate sets) for k = 0..nodes.
    """

    nodes: int
    total_votes: int
    quorum: int
    always_survived: int | None
    can_break_at: int | None
    by_failures: tuple[tuple[int, int, int], ...]
    witnesses: tuple[Witness, ...]
    qdevice_alive: bool = True

    def witness(self, failed: int) -> Witness:
        return self.witnesses[failed]

    @property
    def break_witness(self) -> tuple[str, ...] | None:
        """A smallest failure set that breaks quorum (the witness of `can_break_at`)."""
        if self.can_break_at is None:
            return None
        return self.witnesses[self.can_break_at].breaks_quorum

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the documented keys plus `witnesses`."""
        return {
            "nodes": self.nodes,
            "total_votes": self.total_votes,
            "quorum": self.quorum,
            "always_survived": self.always_survived,
            "can_break_at": self.can_break_at,
            "by_failures": [
                {"failed": k, "sets": sets, "quorate_sets": ok} for k, sets, ok in self.by_failures
            ],
            "witnesses": [
                {
                    "failed": w.failed,
                    "keeps_quorum": None if w.keeps_quorum is None else list(w.keeps_quorum),
                    "breaks_quorum": None if w.breaks_quorum is None else list(w.breaks_quorum),
                }
                for w in self.witnesses
            ],
        }


# --- the rule -----------------------------------------------------------------------------


def startup_error(cluster: Cluster) -> str | None:
    """Why some node would refuse to start, so the cluster can never be whole, or None.

    corosync: the startup errors of `votequorum_readconfig()` (reference 1.12); cman: the
    two_node join requirements (reference 8.3).
    """
    for node in cluster.by_nodeid():
        error = node_startup_error(cluster, node)
        if error:
            return f"{node.name}: {error}"
    return None


@dataclass(frozen=True)
class _Rule:
    """The quorate test after a membership loss from the steady state, read once per cluster.

    Mirrors `daemon.Daemon` in a cluster where every node started together: every member's
    expected votes is `expected`, quorum is `quorum` and never decreases on membership loss
    (reference 1.3, 10.5).  If the steady state was quorate, WFA's status is clear and only the
    vote test, two_node and the ATB tie-break decide (reference 1.7, 1.14).  If it was not and
    WFA is on, the status stays armed and needs all expected votes, which a subset never holds
    (`wfa_blocks`); without WFA the same rules apply (two_node can still give quorum 1).
    """

    n: int
    expected: int
    quorum: int
    total_votes: int
    wfa_blocks: bool
    qdevice_votes: int
    casts: tuple[bool, ...]  # casts[s]: the qdevice votes for a partition of s survivors
    qdevice_is_node: bool  # votequorum counts a casting qdevice as a node for two_node; cman not
    two_node: bool
    atb_node: int | None  # nodeid whose survival grants the 50/50 tie, or None

    def quorate(self, survivors: int, votes: int, atb_node_survived: bool) -> bool:
        if survivors == 0 or self.wfa_blocks:
            return False
        cast = self.casts[survivors]
        total = vq.votes_for_quorum(votes, self.qdevice_votes, cast)
        nodes = survivors + (1 if cast and self.qdevice_is_node else 0)
        quorum = (
            vq.calculate_quorum(
                highest_expected=self.expected,
                total_votes=total,
                total_nodes=nodes,
                current_quorum=self.quorum,
                allow_decrease=False,
                two_node=self.two_node,
            )
            & _UINT8
        )
        if quorum <= total:
            return True
        return (
            self.atb_node is not None
            and atb_node_survived
            and vq.atb_tie_applies(
                total_votes=total,
                expected_votes=self.expected,
                previous_count=self.n,
                current_count=survivors,
                quorum=quorum,
            )
        )


def _atb_node(
    cluster: Cluster, atb: vq.Atb, atb_list: tuple[int, ...], steady_quorate: bool
) -> int | None:
    """The node whose survival wins a 50/50 tie after a loss from the steady state (1.9).

    lowest/highest: the lowest/highest id of the last quorate membership, i.e. of all nodes;
    none if the intact cluster was not quorate (the id is then unset and never matches).
    An inquorate steady state implies an explicit expected_votes above the votes present, so
    no earlier partial membership during startup was quorate either (two_node, which could
    give quorum 1 then, is switched off by ATB, reference 1.5).
    list: the walk grants at the first listed node present unless an earlier listed node was
    in the previous membership, which held every configured node; so it grants exactly when
    the first *configured* id of the list survived.
    """
    ids = [n.nodeid for n in cluster.nodes]
    if atb in (vq.Atb.LOWEST, vq.Atb.HIGHEST) and not steady_quorate:
        return None
    if atb is vq.Atb.LOWEST:
        return min(ids)
    if atb is vq.Atb.HIGHEST:
        return max(ids)
    if atb is vq.Atb.LIST:
        return next((i for i in atb_list if i in ids), None)
    return None


def _rule(cluster: Cluster, qdevice_alive: bool) -> _Rule:
    error = startup_error(cluster)
    if error:
        raise InputError(
            f"the cluster can never be whole, a node refuses to start: {error}",
            f"cluster {cluster.name!r}",
        )
    is_cman = cluster.stack == "cman"
    cfg = vq.effective_config(cluster, cluster.nodes[0].nodeid)
    ids = [n.nodeid for n in cluster.nodes]
    n = len(ids)
    node_votes = cluster.nodelist_votes
    device = cluster.quorum.device
    qd_votes = cman.qdisk_votes(cluster) if is_cman else cfg.qdevice_votes
    # expected only grows to the votes present, qdevice votes always counted (reference 1.4)
    expected = vq.raised_expected(cfg.expected_votes, vq.votes_for_expected(node_votes, qd_votes))
    if device is None:
        casts = (False,) * (n + 1)
    elif is_cman:
        casts = (False,) + (qdevice_alive,) * n  # one partition holds the qdisk master
    else:
        # one partition of s survivors: only its size matters to qnetd (reference 3.2)
        everyone = frozenset(ids)
        casts = (
            False,
            *(
                qdevice_alive
                and qnetd.qnetd_votes(
                    [frozenset(ids[:s])], ids, device.algorithm, device.tie_breaker, everyone
                )[0]
                for s in range(1, n + 1)
            ),
        )
    # steady state: everyone up, the qdevice (if any) casting for the whole cluster
    steady_cast = device is not None
    steady_total = vq.votes_for_quorum(node_votes, qd_votes, steady_cast)
    steady_nodes = n + (1 if steady_cast and not is_cman else 0)
    two_node = cfg.two_node
    quorum = (
        vq.calculate_quorum(
            highest_expected=expected,
            total_votes=steady_total,
            total_nodes=steady_nodes,
            current_quorum=0,
            allow_decrease=False,
            two_node=two_node,
        )
        & _UINT8
    )
    wait_for_all = cfg.wait_for_all and not is_cman
    atb = vq.Atb.NONE if is_cman else cfg.atb
    # The intact cluster's membership came from nothing (previous membership empty), so an
    # ATB list grants the tie if any listed node is configured; lowest/highest need the id
    # of an earlier quorate membership, which there was none (reference 1.9).
    steady_tie = (
        atb is vq.Atb.LIST
        and any(i in ids for i in cfg.atb_list)
        and vq.atb_tie_applies(
            total_votes=steady_total,
            expected_votes=expected,
            previous_count=0,
            current_count=n,
            quorum=quorum,
        )
    )
    steady_quorate = (quorum <= steady_total or steady_tie) and (
        not wait_for_all or steady_total == expected
    )
    return _Rule(
        n=n,
        expected=expected,
        quorum=quorum,
        total_votes=node_votes + (qd_votes if device is not None and qdevice_alive else 0),
        wfa_blocks=wait_for_all and not steady_quorate,
        qdevice_votes=qd_votes,
        casts=casts,
        qdevice_is_node=not is_cman,
        two_node=two_node,
        atb_node=_atb_node(cluster, atb, cfg.atb_list, steady_quorate),
    )


def survivors_quorate(cluster: Cluster, failed: Iterable[str], qdevice_alive: bool = True) -> bool:
    """Whether the nodes outside `failed` are quorate right after `failed` fail at once.

    From the quorate steady state with every node up (module docstring).  Unknown names raise
    `ModelError`.
    """
    rule = _rule(cluster, qdevice_alive)
    failed = set(failed)
    for name in failed:
        cluster.node(name)  # raises ModelError naming the unknown node
    survivors = [n for n in cluster.nodes if n.name not in failed]
    return rule.quorate(
        len(survivors),
        sum(n.effective_votes for n in survivors),
        any(n.nodeid == rule.atb_node for n in survivors),
    )


# --- counting -----------------------------------------------------------------------------


def analyze(cluster: Cluster, *, qdevice_alive: bool = True) -> FailureAnalysis:
    """Count, for every k, the failure sets of k nodes that leave the survivors quorate.

    Exact, and bounded for every cluster within `limits`: nodes with equal votes are
    interchangeable (except the ATB node), so one step per vote value extends the number of
    ways to keep s survivors holding v votes, weighted by binomial coefficients.  Survivor
    votes are tracked exactly below `_VOTE_CAP` and as "at least `_VOTE_CAP`" above, where
    the decision can no longer change, so a cluster of n nodes costs O(n * 255) numbers
    however large and varied its votes are.  Raises `InputError` when some node refuses to
    start.
    """
    rule = _rule(cluster, qdevice_alive)
    nodes = cluster.by_nodeid()
    tie = next((x for x in nodes if x.nodeid == rule.atb_node), None)
    groups: dict[int, list[str]] = defaultdict(list)
    for node in nodes:
        if node is not tie:
            groups[node.effective_votes].append(node.name)
    classes = sorted(groups.items())
    others = rule.n - (tie is not None)
    table = _count(classes, others)
    layers = _reachable(classes)
    n = rule.n
    tie_votes = 0 if tie is None else tie.effective_votes
    quorate_sets = [0] * (n + 1)
    # per k: (survivor votes, tie survived) as the rule sees them, then the state before the
    # tie node is added: (survivors, votes) among the others
    keep: dict[int, tuple[int, bool, int, int]] = {}
    brk: dict[int, tuple[int, bool, int, int]] = {}
    for v0, row in table.items():
        for s0, count in enumerate(row):
            if not count:
                continue
            for t in (False, True) if tie is not None else (False,):
                s, v = s0 + t, min(v0 + tie_votes, _VOTE_CAP) if t else v0
                k = n - s
                if rule.quorate(s, v, t):
                    quorate_sets[k] += count
                    # keep-witness: the most survivor votes, i.e. the lightest nodes failed
                    if k not in keep or (v, t) > keep[k][:2]:
                        keep[k] = (v, t, s0, v0)
                elif k not in brk or (v, t) < brk[k][:2]:
                    brk[k] = (v, t, s0, v0)  # break-witness: the fewest survivor votes
    heaviest = [name for _, names in reversed(classes) for name in names]

    def failed_set(state: tuple[int, bool, int, int] | None) -> tuple[str, ...] | None:
        if state is None:
            return None
        _, t, s, v = state
        survivors = {tie.name} if tie is not None and t else set()
        if v == _VOTE_CAP:  # at least _VOTE_CAP votes: then the s heaviest hold them too
            survivors.update(heaviest[:s])
        else:
            for (votes, names), before in zip(reversed(classes), reversed(layers), strict=True):
                j = next(
                    j
                    for j in range(min(len(names), s) + 1)
                    if v >= j * votes and before[v - j * votes] >> (s - j) & 1
                )
                survivors.update(names[:j])
                s, v = s - j, v - j * votes
        return tuple(x.name for x in nodes if x.name not in survivors)

    by_failures = tuple((k, comb(n, k), quorate_sets[k]) for k in range(n + 1))
    witnesses = tuple(
        Witness(k, failed_set(keep.get(k)), failed_set(brk.get(k))) for k in range(n + 1)
    )
    return _summarise(rule, by_failures, witnesses, qdevice_alive)


def _count(classes: list[tuple[int, list[str]]], nodes: int) -> dict[int, list[int]]:
    """table[v][s]: the ways to keep s of the `nodes` nodes of `classes` holding v votes.

    Only the v that occur are keys; v < _VOTE_CAP is exact, v = _VOTE_CAP counts "at least
    _VOTE_CAP", by complement.  While counting, each row v is one integer with a field of
    `width` bits per s (every count is below 2**nodes), so one big-integer operation
    updates a whole row.
    """
    width = 8 * (nodes // 8 + 1)
    rows = [1] + [0] * (_VOTE_CAP - 1)
    top = 0  # highest row that may be non-zero
    for votes, names in classes:
        m = len(names)
        if votes == 0:
            spread = sum(comb(m, j) << (j * width) for j in range(m + 1))
            rows = [row * spread for row in rows]
            continue
        coefficients = [comb(m, j) for j in range(min(m, (_VOTE_CAP - 1) // votes) + 1)]
        top = min(_VOTE_CAP - 1, top + m * votes)
        for v in range(top, 0, -1):  # downwards: row v reads only rows below it
            total = rows[v]  # j = 0: none of this class kept
            for j in range(1, min(m, v // votes) + 1):
                row = rows[v - j * votes]
                if row:
                    c = coefficients[j]
                    total += (row if c == 1 else row * c) << (j * width)
            rows[v] = total
    size = width // 8
    table = {}
    for v, row in enumerate(rows[: top + 1]):
        if row:
            data = row.to_bytes((nodes + 1) * size, "little")
            table[v] = [
                int.from_bytes(data[i : i + size], "little") for i in range(0, len(data), size)
            ]
    at_least = [
        comb(nodes, s) - sum(col) for s, col in enumerate(zip(*table.values(), strict=True))
    ]
    if any(at_least):
        table[_VOTE_CAP] = at_least
    return table


def _reachable(classes: list[tuple[int, list[str]]]) -> list[list[int]]:
    """layers[c][v] for v < _VOTE_CAP: bit s is set when s of the nodes of the classes before
    class c can hold exactly v votes (layers[0] is the empty choice).  For the witnesses."""
    layer = [1] + [0] * (_VOTE_CAP - 1)
    layers = []
    for votes, names in classes:
        layers.append(layer)
        new = [0] * _VOTE_CAP
        for v, bits in enumerate(layer):
            if bits:
                for j in range(len(names) + 1):
                    if v + j * votes >= _VOTE_CAP:
                        break
                    new[v + j * votes] |= bits << j
        layer = new
    return layers


def _summarise(
    rule: _Rule,
    by_failures: tuple[tuple[int, int, int], ...],
    witnesses: tuple[Witness, ...],
    qdevice_alive: bool,
) -> FailureAnalysis:
    can_break_at = next((k for k, sets, ok in by_failures if ok < sets), None)
    if can_break_at is None:
        always: int | None = rule.n
    else:
        always = can_break_at - 1 if can_break_at > 0 else None
    return FailureAnalysis(
        nodes=rule.n,
        total_votes=rule.total_votes,
        quorum=rule.quorum,
        always_survived=always,
        can_break_at=can_break_at,
        by_failures=by_failures,
        witnesses=witnesses,
        qdevice_alive=qdevice_alive,
    )


def brute_force(cluster: Cluster, *, qdevice_alive: bool = True) -> FailureAnalysis:
    """The same analysis by enumerating all 2**n failure sets (for tests and the benchmark).

    Witnesses are the first qualifying sets in `itertools.combinations` order over nodeids,
    so they may differ from `analyze`'s; the counts may not.
    """
    rule = _rule(cluster, qdevice_alive)
    nodes = cluster.by_nodeid()
    total = cluster.nodelist_votes
    by_failures = []
    witnesses = []
    for k in range(rule.n + 1):
        ok = 0
        keep = brk = None
        for failed in itertools.combinations(nodes, k):
            survived = rule.quorate(
                rule.n - k,
                total - sum(x.effective_votes for x in failed),
                all(x.nodeid != rule.atb_node for x in failed),
            )
            names = tuple(x.name for x in failed)
            if survived:
                ok += 1
                if keep is None:
                    keep = names
            elif brk is None:
                brk = names
        by_failures.append((k, comb(rule.n, k), ok))
        witnesses.append(Witness(k, keep, brk))
    return _summarise(rule, tuple(by_failures), tuple(witnesses), qdevice_alive)
