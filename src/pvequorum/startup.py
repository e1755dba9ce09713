"""Whether a node's quorum daemon starts with this config: the one place that switches
between the two stacks for it (reference 1.12, 8.3).  PURE.

corosync's votequorum refuses the combinations of `votequorum_readconfig()` (reference
1.12); cman refuses two_node unless there are exactly two nodes with one vote each
(`get_cman_join_info()`, reference 8.3).  The simulator, the failure analysis and the plans
all ask here.
"""

from __future__ import annotations

from pvequorum import cman
from pvequorum import votequorum as vq
from pvequorum.model import Cluster, Node


def node_startup_error(cluster: Cluster, node: Node) -> str | None:
    """Why the daemon would refuse to start on `node`, in the daemon's words, or None."""
    if cluster.stack == "cman":
        return cman.join_error(cluster, node)
    return vq.effective_config(cluster, node.nodeid).error


def startup_reference(cluster: Cluster) -> str:
    """The reference section of that refusal for this cluster's stack."""
    return "8.3" if cluster.stack == "cman" else "1.12"


def daemon_name(cluster: Cluster) -> str:
    return "cman" if cluster.stack == "cman" else "corosync"
