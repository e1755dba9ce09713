"""The rules of cman, the quorum engine of Proxmox VE 2.x/3.x (reference section 8).

cman uses votequorum's OpenVMS formula but differs where it matters to an admin of an old
cluster: two_node is a hard startup requirement, `cman_tool expected` accepts values below
the votes present, and a quorum disk is no node for two_node (reference 10.20).
"""

from __future__ import annotations

from pvequorum import votequorum as vq
from pvequorum.model import Cluster, Node

DEFAULT_TOKEN_MS = 10000  # cman-started corosync (reference 8.3)


def expected_votes(cluster: Cluster) -> int:
    """`<cman expected_votes>` if > 0, else the sum of clusternode votes (reference 8.3)."""
    if cluster.quorum.expected_votes:
        return cluster.quorum.expected_votes
    return cluster.nodelist_votes


def qdisk_votes(cluster: Cluster) -> int:
    """quorumd votes: explicit, or the number of nodes - 1 (reference 8.3, qdisk(5))."""
    device = cluster.quorum.device
    if device is None:
        return 0
    return device.votes if device.votes is not None else len(cluster.nodes) - 1


def join_error(cluster: Cluster, node: Node) -> str | None:
    """cman's refusal to start on this node, or None (`get_cman_join_info()`, reference 8.3).

    two_node needs exactly two clusternodes with a vote sum of 2, and this node at 1 vote.
    """
    if not cluster.quorum.two_node:
        return None
    if len(cluster.nodes) != 2 or cluster.nodelist_votes != 2:
        return "two_node set but there are more than 2 nodes"
    if node.effective_votes != 1:
        return "two_node set but votes not set to 1"
    return None


def check_expected(requested: int, *, total_votes: int, current_quorum: int) -> vq.ExpectedCheck:
    """`cman_tool expected -e N` (`do_cmd_set_expected()`, reference 8.4).

    Rejected only when the resulting quorum would be below half the votes present or above
    them, so N below the votes present is accepted (unlike votequorum, trap 10.20).
    """
    newquorum = vq.calculate_quorum(
        highest_expected=requested,
        total_votes=total_votes,
        total_nodes=0,
        current_quorum=current_quorum,
        allow_decrease=True,
        two_node=False,
    )
    if newquorum < total_votes / 2 or newquorum > total_votes:
        return vq.ExpectedCheck(
            False,
            newquorum,
            "cman_tool: can't set expected votes: Invalid argument (reference 8.4)",
        )
    return vq.ExpectedCheck(True, newquorum, "accepted (reference 8.4)")
