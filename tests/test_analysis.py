"""Failure analysis: fixed examples, counting against enumeration, the simulator as truth."""

from __future__ import annotations

import itertools
import random
from math import comb

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pvequorum import votequorum as vq
from pvequorum.analysis import (
    _VOTE_CAP,
    _rule,
    analyze,
    brute_force,
    startup_error,
    survivors_quorate,
)
from pvequorum.errors import InputError
from pvequorum.model import Cluster, ModelError, Node, QDevice, QuorumOptions, simple_cluster
from pvequorum.simulator import Simulator

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much]
)


def _counts(result) -> list[int]:
    return [ok for _, _, ok in result.by_failures]


# --- fixed examples ------------------------------------------------------------------------


def test_three_nodes_survive_one_failure() -> None:
    result = analyze(simple_cluster(3))
    assert (result.nodes, result.total_votes, result.quorum) == (3, 3, 2)
    assert (result.always_survived, result.can_break_at) == (1, 2)
    assert result.by_failures == ((0, 1, 1), (1, 3, 3), (2, 3, 0), (3, 1, 0))
    assert len(result.break_witness or ()) == 2


def test_two_nodes_survive_nothing_but_two_node_survives_one() -> None:
    plain = analyze(simple_cluster(2))
    assert (plain.always_survived, plain.can_break_at, plain.quorum) == (0, 1, 2)
    assert _counts(plain) == [1, 0, 0]
    two_node = analyze(simple_cluster(2, two_node=1))
    assert (two_node.always_survived, two_node.can_break_at, two_node.quorum) == (1, 2, 1)
    assert _counts(two_node) == [1, 2, 0]


def test_five_nodes_with_a_three_vote_node() -> None:
    """Expected 7, quorum 4: losing the 3-vote node and any other breaks quorum."""
    cluster = simple_cluster(5, votes=[3, 1, 1, 1, 1])
    result = analyze(cluster)
    assert (result.total_votes, result.quorum) == (7, 4)
    assert (result.always_survived, result.can_break_at) == (1, 2)
    assert _counts(result) == [1, 5, 6, 4, 0, 0]
    assert "pve1" in (result.break_witness or ())
    # pve2..pve4 down leaves pve1 (3) + pve5 (1) = 4 votes: quorate with 3 failures
    assert survivors_quorate(cluster, {"pve2", "pve3", "pve4"})
    assert not survivors_quorate(cluster, {"pve1", "pve2"})


def test_two_nodes_with_ffsplit_qdevice_survive_one() -> None:
    cluster = simple_cluster(2, device=QDevice(votes=1))
    alive = analyze(cluster)
    assert (alive.total_votes, alive.quorum, alive.always_survived) == (3, 2, 1)
    assert _counts(alive) == [1, 2, 0]
    down = analyze(cluster, qdevice_alive=False)
    assert (down.total_votes, down.always_survived, down.can_break_at) == (2, 0, 1)


def test_odd_cluster_with_lms_qdevice_survives_all_but_one_unless_qnetd_dies() -> None:
    """Reference 3.3: 15 nodes + lms qdevice (14 votes); with a dead QDevice no node may fail."""
    cluster = simple_cluster(15, device=QDevice(algorithm="lms"))
    assert analyze(cluster).always_survived == 14
    down = analyze(cluster, qdevice_alive=False)
    assert (down.always_survived, down.can_break_at) == (0, 1)


def test_four_nodes_auto_tie_breaker() -> None:
    """Reference 1.9 example: a 2|2 split keeps quorum on the side holding the lowest id."""
    cluster = simple_cluster(4, auto_tie_breaker=1)
    result = analyze(cluster)
    assert (result.quorum, result.always_survived, result.can_break_at) == (3, 1, 2)
    assert _counts(result) == [1, 4, 3, 0, 0]
    assert survivors_quorate(cluster, {"pve3", "pve4"})
    assert not survivors_quorate(cluster, {"pve1", "pve2"})
    assert "pve1" in (result.witness(2).breaks_quorum or ())
    highest = analyze(simple_cluster(4, auto_tie_breaker=1, auto_tie_breaker_node="highest"))
    assert highest.witness(2).breaks_quorum is not None
    assert "pve4" in highest.witness(2).breaks_quorum
    listed = simple_cluster(4, auto_tie_breaker=1, auto_tie_breaker_node="9 3 1")
    assert survivors_quorate(listed, {"pve1", "pve2"})  # 9 is no node: 3 decides
    assert not survivors_quorate(listed, {"pve3", "pve4"})


def test_two_node_is_not_monotone_with_weighted_votes() -> None:
    """votequorum accepts two_node on 4 nodes (reference 1.5): 2 members get quorum 1 back."""
    cluster = simple_cluster(4, votes=[3, 1, 1, 1], two_node=1, wait_for_all=0)
    result = analyze(cluster)
    assert result.can_break_at == 1 and result.always_survived == 0
    assert result.by_failures[2][2] == result.by_failures[2][1]  # every 2-failure set survives
    assert result.witness(1).breaks_quorum == ("pve1",)


def test_cman_qdisk_does_not_count_as_a_node() -> None:
    """cman: 2 nodes + qdisk (1 vote), expected 3; the qdisk gives a single node quorum."""
    cluster = simple_cluster(2, stack="cman", device=QDevice(model="disk", votes=1))
    result = analyze(cluster)
    assert (result.total_votes, result.quorum, result.always_survived) == (3, 2, 1)


def test_cluster_that_cannot_start_is_an_input_error() -> None:
    cluster = simple_cluster(2, two_node=1, device=QDevice(votes=1))
    assert startup_error(cluster)
    with pytest.raises(InputError, match="two_node and quorum device"):
        analyze(cluster)


def test_unknown_node_in_failed_set() -> None:
    with pytest.raises(ModelError, match="nope"):
        survivors_quorate(simple_cluster(3), {"nope"})


def test_to_dict_keys() -> None:
    data = analyze(simple_cluster(3)).to_dict()
    required = {"nodes", "total_votes", "quorum", "always_survived", "can_break_at", "by_failures"}
    assert required <= set(data) and set(data) - required == {"witnesses"}
    assert data["by_failures"][1] == {"failed": 1, "sets": 3, "quorate_sets": 3}


def test_sixty_four_nodes_is_exact_on_a_symmetric_case() -> None:
    result = analyze(simple_cluster(64))
    assert result.quorum == 33 and result.always_survived == 31
    assert result.by_failures[31][2] == result.by_failures[31][1]
    assert result.by_failures[32] == (32, 1832624140942590534, 0)


# --- random clusters -------------------------------------------------------------------------


@st.composite
def clusters(draw: st.DrawFn, max_nodes: int = 12, max_votes: int = 3) -> Cluster:
    """Weighted clusters (votes 0..max_votes or absent) with the options corosync or cman
    accepts.  With max_votes 3 the votes are small; above, any value up to max_votes."""
    n = draw(st.integers(1, max_nodes))
    ids = draw(st.lists(st.integers(1, 40), min_size=n, max_size=n, unique=True))
    vote = (
        st.sampled_from([None, 0, 1, 1, 2, 3])
        if max_votes <= 3
        else st.none() | st.integers(0, max_votes) | st.sampled_from([0, 1, 254, 255])
    )
    votes = draw(st.lists(vote, min_size=n, max_size=n))
    nodes = tuple(Node(f"n{i}", i, v) for i, v in zip(ids, votes, strict=True))
    flag = st.sampled_from([None, None, 0, 1])
    options: dict[str, object] = {
        "two_node": draw(flag),
        "wait_for_all": draw(flag),
        "last_man_standing": draw(flag),
        "auto_tie_breaker": draw(flag),
    }
    if options["auto_tie_breaker"] and draw(st.booleans()):
        options["auto_tie_breaker_node"] = draw(
            st.sampled_from(["lowest", "highest"])
            | st.lists(st.integers(1, 40), min_size=1, max_size=4).map(
                lambda xs: " ".join(map(str, xs))
            )
        )
    if draw(st.integers(0, 4)) == 0:
        options["expected_votes"] = draw(st.integers(1, 3 * max_nodes * max_votes))
    if draw(st.integers(0, 2)) == 0:
        options["device"] = QDevice(
            votes=draw(st.sampled_from([None, 1, 2, 5]) | st.integers(0, 2 * max_votes)),
            algorithm=draw(st.sampled_from(["ffsplit", "lms"])),
            tie_breaker=draw(st.sampled_from(["lowest", "highest"])),
        )
    stack = draw(st.sampled_from(["corosync", "corosync", "cman"]))
    cluster = Cluster("t", nodes, QuorumOptions(**options), stack=stack)  # type: ignore[arg-type]
    assume(startup_error(cluster) is None)  # corosync's effective_config(...).error, cman's join
    return cluster


@SETTINGS
@given(clusters(), st.booleans())
def test_analysis_equals_enumeration(cluster: Cluster, qdevice_alive: bool) -> None:
    _assert_analysis_equals_enumeration(cluster, qdevice_alive)


@SETTINGS
@given(clusters(max_votes=255), st.booleans())
def test_analysis_equals_enumeration_with_votes_up_to_255(
    cluster: Cluster, qdevice_alive: bool
) -> None:
    """Large, distinct votes: sums pass the 255 cap and the 8-bit wrap of quorum (> 510)."""
    _assert_analysis_equals_enumeration(cluster, qdevice_alive)


def _assert_analysis_equals_enumeration(cluster: Cluster, qdevice_alive: bool) -> None:
    fast = analyze(cluster, qdevice_alive=qdevice_alive)
    slow = brute_force(cluster, qdevice_alive=qdevice_alive)
    assert fast.by_failures == slow.by_failures
    assert (fast.nodes, fast.total_votes, fast.quorum) == (
        slow.nodes,
        slow.total_votes,
        slow.quorum,
    )
    assert (fast.always_survived, fast.can_break_at) == (slow.always_survived, slow.can_break_at)
    for (k, sets, ok), witness in zip(fast.by_failures, fast.witnesses, strict=True):
        assert witness.failed == k
        assert (witness.keeps_quorum is None) == (ok == 0)
        assert (witness.breaks_quorum is None) == (ok == sets)
        for failed, quorate in ((witness.keeps_quorum, True), (witness.breaks_quorum, False)):
            if failed is not None:
                assert len(set(failed)) == k
                assert survivors_quorate(cluster, failed, qdevice_alive) is quorate


def _simulated_quorate(cluster: Cluster, failed: tuple[str, ...]) -> bool:
    sim = Simulator(cluster)
    sim.start(cluster.names)
    sim.crash(failed)
    views = sim.views().values()
    assert len({v.quorate for v in views}) <= 1, "survivors of one partition disagree"
    return any(v.quorate for v in views)


@SETTINGS
@given(st.data())
def test_survivors_quorate_agrees_with_the_simulator(data: st.DataObject) -> None:
    cluster = data.draw(clusters(max_nodes=6))
    failed = tuple(data.draw(st.lists(st.sampled_from(cluster.names), unique=True)))
    assert survivors_quorate(cluster, failed) == _simulated_quorate(cluster, failed)


@pytest.mark.parametrize(
    "cluster",
    [
        simple_cluster(3),
        simple_cluster(4, votes=[2, 1, 1, 0], auto_tie_breaker=1),
        simple_cluster(3, two_node=1),
        simple_cluster(4, device=QDevice(votes=1)),
        simple_cluster(3, device=QDevice(algorithm="lms")),
        simple_cluster(4, stack="cman", device=QDevice(model="disk")),
    ],
    ids=["three", "atb-weighted", "two-node-3", "ffsplit-4", "lms-3", "cman-qdisk"],
)
def test_every_failure_set_agrees_with_the_simulator(cluster: Cluster) -> None:
    for k in range(len(cluster.nodes) + 1):
        for failed in itertools.combinations(cluster.names, k):
            assert survivors_quorate(cluster, failed) == _simulated_quorate(cluster, failed)


# --- invariants of the simulator the analysis relies on ---------------------------------------


@SETTINGS
@given(st.data())
def test_quorum_never_decreases_on_membership_loss(data: st.DataObject) -> None:
    """Reference 10.5; two_node's quorum 1 with at most two members is the one exception (1.5)."""
    cluster = data.draw(clusters(max_nodes=7))
    two_node = vq.effective_config(cluster).two_node
    sim = Simulator(cluster)
    sim.start(cluster.names)
    order = data.draw(st.permutations(cluster.names))
    before = {name: v.quorum for name, v in sim.views().items()}
    for name in order:
        sim.crash([name])
        views = sim.views()
        for survivor, view in views.items():
            if (
                two_node
                and len(view.members) + (view.qdevice_cast and cluster.stack != "cman") <= 2
            ):
                assert view.quorum == 1
            else:
                assert view.quorum >= before[survivor], (survivor, name)
        before = {n: v.quorum for n, v in views.items()}


@st.composite
def events(draw: st.DrawFn, names: tuple[str, ...]) -> list[tuple[str, object]]:
    step = st.one_of(
        st.tuples(st.just("crash"), st.lists(st.sampled_from(names), min_size=1, unique=True)),
        st.tuples(st.just("start"), st.lists(st.sampled_from(names), min_size=1, unique=True)),
        st.tuples(
            st.just("partition"),
            st.lists(st.integers(0, 3), min_size=len(names), max_size=len(names)),
        ),
        st.tuples(st.just("heal"), st.none()),
    )
    return draw(st.lists(step, min_size=1, max_size=12))


def _run(sim: Simulator, names: tuple[str, ...], steps: list[tuple[str, object]]) -> None:
    sim.start(names)
    for kind, arg in steps:
        if kind == "crash":
            sim.crash(arg)  # type: ignore[arg-type]
        elif kind == "start":
            sim.start(arg)  # type: ignore[arg-type]
        elif kind == "heal":
            sim.heal()
        else:
            groups: dict[int, list[str]] = {}
            for name, g in zip(names, arg, strict=True):  # type: ignore[call-overload]
                groups.setdefault(g, []).append(name)
            sim.partition(list(groups.values()))
        assert not sim.split_brain(), (kind, arg, sim.partitions())


@SETTINGS
@given(st.data())
def test_default_options_never_split_brain(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 7))
    votes = data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    cluster = simple_cluster(n, votes=votes)
    _run(Simulator(cluster), cluster.names, data.draw(events(cluster.names)))


@SETTINGS
@given(st.data())
def test_ffsplit_qdevice_never_split_brain(data: st.DataObject) -> None:
    n = data.draw(st.integers(2, 6))
    cluster = simple_cluster(n, device=QDevice(votes=1))
    _run(Simulator(cluster), cluster.names, data.draw(events(cluster.names)))


# --- votes up to the limits ---------------------------------------------------------------


@SETTINGS
@given(clusters(max_votes=255), st.booleans(), st.data())
def test_survivor_votes_above_the_cap_never_change_the_decision(
    cluster: Cluster, qdevice_alive: bool, data: st.DataObject
) -> None:
    """What lets `analyze` saturate survivor votes at 255 (quorum is a uint8_t)."""
    rule = _rule(cluster, qdevice_alive)
    s = data.draw(st.integers(0, rule.n))
    t = data.draw(st.booleans())
    v = data.draw(st.integers(_VOTE_CAP, 10**6))
    assert rule.quorate(s, v, t) == rule.quorate(s, _VOTE_CAP, t)


def test_wrapped_quorum_lets_one_heavy_node_alone_keep_quorum() -> None:
    """765 votes: quorum (765 + 2) // 2 = 383, kept in a uint8_t as 127 (simulated too)."""
    cluster = simple_cluster(3, votes=[255, 255, 255])
    result = analyze(cluster)
    assert (result.total_votes, result.quorum, result.always_survived) == (765, 127, 2)
    assert result.by_failures == brute_force(cluster).by_failures
    assert _simulated_quorate(cluster, ("pve1", "pve2"))


@pytest.mark.parametrize(
    ("votes", "quorum", "always"),
    [([1] * 384, 193, 191), ([255] * 384, 97922 // 2 & 255, 383), ([0] + [255] * 383, 193, 382)],
    ids=["one-vote", "255-votes", "a-zero-vote-node"],
)
def test_largest_clusters_are_exact(votes: list[int], quorum: int, always: int) -> None:
    cluster = simple_cluster(len(votes), votes=votes)
    result = analyze(cluster)
    assert (result.nodes, result.quorum, result.always_survived) == (384, quorum, always)
    assert all(sets == comb(384, k) for k, sets, _ in result.by_failures)
    for k, sets, ok in result.by_failures[: always + 1]:
        assert ok == sets, k


def test_largest_weighted_cluster_witnesses_hold() -> None:
    """384 nodes of distinct, large votes: every witness is checked against the rule."""
    rng = random.Random(384)
    cluster = simple_cluster(384, votes=[rng.randint(0, 255) for _ in range(384)])
    result = analyze(cluster)
    assert sum(ok for _, _, ok in result.by_failures) <= 2**384
    for (k, sets, ok), witness in zip(result.by_failures, result.witnesses, strict=True):
        assert (witness.keeps_quorum is None) == (ok == 0)
        assert (witness.breaks_quorum is None) == (ok == sets)
        for failed, quorate in ((witness.keeps_quorum, True), (witness.breaks_quorum, False)):
            if failed is not None:
                assert len(set(failed)) == k
                assert survivors_quorate(cluster, failed) is quorate
