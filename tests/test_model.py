"""The model rejects every value that cannot describe a real cluster, naming the value."""

from __future__ import annotations

import pytest

from pvequorum.model import Cluster, ModelError, Node, QDevice, QuorumOptions, simple_cluster


def test_absent_votes_count_as_one_but_stay_absent() -> None:
    node = Node("pve1", 1)
    assert node.votes is None
    assert node.effective_votes == 1  # reference 1.2 / 10.15
    assert Node("pve1", 1, 0).effective_votes == 0


def test_absent_and_zero_options_are_different() -> None:
    absent = QuorumOptions(two_node=1)
    zero = QuorumOptions(two_node=1, wait_for_all=0)
    assert absent != zero
    assert absent.to_dict() == {"two_node": 1}
    assert zero.to_dict() == {"two_node": 1, "wait_for_all": 0}
    assert QuorumOptions.from_dict(zero.to_dict()) == zero


@pytest.mark.parametrize(
    ("make", "quoted"),
    [
        (lambda: Cluster("c", (Node("a", 1), Node("a", 2))), "'a'"),
        (lambda: Cluster("c", (Node("a", 1), Node("b", 1))), "nodeid 1"),
        (lambda: Node("a", 0), "0"),
        (lambda: Node("a", -3), "-3"),
        (lambda: Node("a", 1, -1), "-1"),
        (lambda: Node("bad name;", 1), "'bad name;'"),
        (lambda: Node("-lead", 1), "'-lead'"),
        (lambda: QuorumOptions.from_dict({"two_nodes": 1}), "two_nodes"),
        (lambda: QuorumOptions(two_node=2), "2"),
        (lambda: QuorumOptions(auto_tie_breaker_node="1 x"), "'1 x'"),
        (lambda: QDevice(algorithm="random"), "'random'"),
        (lambda: Cluster.from_dict({"name": "c", "nodes": [{"name": "a"}]}), "nodeid"),
        (lambda: Cluster("c", ()), "at least one node"),
        (lambda: Node("a", True), "True"),
    ],
)
def test_bad_values_are_rejected_with_the_value_named(make, quoted: str) -> None:
    with pytest.raises(ModelError) as info:
        make()
    assert quoted in str(info.value)


def test_round_trip_through_dict() -> None:
    cluster = simple_cluster(
        3, votes=[2, 1, 1], wait_for_all=0, device=QDevice(votes=1, host="10.0.0.9")
    )
    again = Cluster.from_dict(cluster.to_dict())
    assert again == cluster
    assert cluster.nodelist_votes == 4


def test_values_are_frozen() -> None:
    node = Node("pve1", 1)
    with pytest.raises(AttributeError):
        node.votes = 3  # type: ignore[misc]
