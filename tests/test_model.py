"""The model rejects every value that cannot describe a real cluster, naming the value."""

from __future__ import annotations

import pytest

from pvequorum import limits
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


# --- strict types and the documented limits (pvequorum.limits) -----------------------------


@pytest.mark.parametrize(
    ("make", "named"),
    [
        (lambda: Node("a", None), "nodeid of a must be an integer, got None"),  # type: ignore[arg-type]
        (lambda: Node("a", 1.0), "nodeid of a"),  # type: ignore[arg-type]
        (lambda: Node("a", "1"), "nodeid of a"),  # type: ignore[arg-type]
        (lambda: Node("a", False), "nodeid of a"),
        (lambda: Node("a", limits.MAX_NODEID + 1), f"<= {limits.MAX_NODEID}"),
        (lambda: Node("a", 1, limits.MAX_NODE_VOTES + 1), "votes of a must be <= 255"),
        (lambda: Node("a", 1, 1.5), "votes of a"),  # type: ignore[arg-type]
        (lambda: Node("a", 1, True), "votes of a"),
        (lambda: Node("pve1\n", 1), "'pve1\\n'"),
        (lambda: QuorumOptions(expected_votes=limits.MAX_TOTAL_VOTES + 1), "expected_votes"),
        (lambda: QuorumOptions(last_man_standing_window=2**32), "last_man_standing_window"),
        (lambda: QuorumOptions(auto_tie_breaker_node="1 ²"), "auto_tie_breaker_node"),
        (lambda: QuorumOptions(auto_tie_breaker_node="1 " * 385), "at most 384 node ids"),
        (lambda: QuorumOptions(auto_tie_breaker_node="9" * 5000), "auto_tie_breaker_node"),
        (lambda: QuorumOptions.from_dict({"two_node": None}), "quorum.two_node must not be null"),
        (lambda: QDevice(tie_breaker="²"), "tie_breaker '²'"),
        (lambda: QDevice(tie_breaker="9" * 5000), "tie_breaker"),
        (lambda: QDevice(tie_breaker=3), "tie_breaker 3"),  # type: ignore[arg-type]
        (lambda: QDevice(host=["h"]), "host must be text"),  # type: ignore[arg-type]
        (lambda: QDevice(votes=limits.MAX_TOTAL_VOTES + 1), "qdevice votes"),
        (lambda: QDevice.from_dict({"net": []}), "quorum.device.net must be an object"),
        (
            lambda: simple_cluster(2, device=QDevice(votes=limits.MAX_TOTAL_VOTES)),
            "votes add up to",
        ),
        (lambda: simple_cluster(limits.MAX_NODES + 1), "more than corosync's limit of 384"),
        (
            lambda: Cluster.from_dict({"name": "c", "nodes": [{"name": "a"}] * 385}),
            "cluster.nodes: 385 nodes",
        ),
        (
            lambda: Cluster.from_dict({"name": "c", "nodes": [{"name": "a", "nodeid": None}]}),
            "nodeid of a must be an integer, got None",
        ),
        (lambda: Cluster("c", (Node("a", 1),), config_version=2**64), "config_version"),
        (lambda: Cluster.from_dict({"name": "c", "nodes": [], "totem": {"token": 2**32}}), "token"),
    ],
)
def test_values_beyond_types_and_limits_are_rejected(make, named: str) -> None:
    with pytest.raises(ModelError) as info:
        make()
    assert named in str(info.value)
    assert "\n" not in str(info.value)


def test_values_at_the_limits_are_accepted() -> None:
    nodes = tuple(
        Node(f"n{i}", limits.MAX_NODEID - i, limits.MAX_NODE_VOTES) for i in range(limits.MAX_NODES)
    )
    cluster = Cluster("c", nodes, QuorumOptions(expected_votes=limits.MAX_TOTAL_VOTES))
    assert cluster.nodelist_votes == limits.MAX_NODES * limits.MAX_NODE_VOTES
    assert QuorumOptions(auto_tie_breaker_node=" ".join(["4294967295"] * 384)).auto_tie_breaker_node
    assert QDevice(tie_breaker=str(limits.MAX_NODEID)).tie_breaker == "4294967295"


def test_messages_quote_huge_values_briefly() -> None:
    with pytest.raises(ModelError) as info:
        Cluster.from_dict({"name": "c", "nodes": [{"name": "x" * 10**6, "nodeid": 1}]})
    assert len(str(info.value)) < 200
    with pytest.raises(ModelError) as info:
        Cluster.from_dict({"name": "c", "nodes": [], **{f"k\n{i}": 1 for i in range(100)}})
    message = str(info.value)
    assert "\n" not in message and "and 95 more" in message
