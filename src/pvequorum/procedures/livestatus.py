"""Turn a `pvecm status` text into a `NodeStatus` named in config terms, refusing evidence
that belongs to another cluster.

`pvecm status` prints node IDs in hex and addresses instead of names (`-siH`, reference 5.2),
and cman prints its own format (5.3); `pvequorum.status` parses all of them.  Members are
mapped to config nodes by node ID.  Whatever identifies a cluster must agree with the config
(name, node ids, votes, the addresses or names printed per member, the transport): a
status that contradicts it is bad input (`InputError`, exit 2), never a default.
"""

from __future__ import annotations

import ipaddress

from pvequorum import status as status_format
from pvequorum.errors import InputError
from pvequorum.model import Cluster, Node
from pvequorum.procedures.state import NodeStatus


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _check_shown(node: Node, shown: str, where: str) -> None:
    """A member row prints an address (`-i`) or a name; it must be this node's."""
    configured = node.address or node.name
    if _is_address(shown):
        if _is_address(configured) and ipaddress.ip_address(shown) != ipaddress.ip_address(
            configured
        ):
            raise InputError(
                f"the status shows node id {node.nodeid} at {shown}, the config has "
                f"{node.name} at {configured}: this status is not of this cluster",
                where,
            )
    elif shown not in (node.name, configured):
        raise InputError(
            f"the status names node id {node.nodeid} {shown!r}, the config {node.name!r}: "
            "this status is not of this cluster",
            where,
        )


def node_status(
    text: str, cluster: Cluster, where: str = "status", transport: str | None = None
) -> NodeStatus:
    """The status of one node; `transport` is what the config runs (checked when printed)."""
    parsed = status_format.parse_status(text, where)
    if parsed.stack != cluster.stack:
        raise InputError(
            f"the status is {parsed.stack} output, the config a {cluster.stack} config", where
        )
    if parsed.cluster_name is not None and parsed.cluster_name != cluster.name:
        raise InputError(
            f"the status is of cluster {parsed.cluster_name!r}, the config of "
            f"{cluster.name!r}: this status is not of this cluster",
            where,
        )
    if transport is not None and parsed.transport is not None and parsed.transport != transport:
        raise InputError(
            f"the status shows transport {parsed.transport}, the config runs {transport}", where
        )
    by_id = {n.nodeid: n for n in cluster.nodes}
    members: list[str] = []
    shown_as: list[tuple[str, str]] = []
    local: str | None = None
    for m in parsed.members:
        if m.nodeid == 0:  # the QDevice row (reference 5.1)
            continue
        node = by_id.get(m.nodeid)
        if node is None:
            raise InputError(
                f"the status shows node id {m.nodeid} ({m.name}), which the config does not "
                f"have (config node ids: {', '.join(str(i) for i in sorted(by_id))})",
                where,
            )
        if m.votes != node.effective_votes:
            raise InputError(
                f"the status gives {node.name} {m.votes} votes, the config {node.effective_votes}",
                where,
            )
        _check_shown(node, m.name, where)
        members.append(node.name)
        shown_as.append((node.name, m.name))
        if m.local:
            local = node.name
    if parsed.stack == "cman":
        # cman_tool status has no membership table; it names the local node (reference 5.3)
        local = parsed.extra.get("Node name")
        if local is None or local not in cluster.names:
            raise InputError(
                f"the cman status names local node {local!r}; the config has "
                f"{', '.join(cluster.names)}",
                where,
            )
    if local is None and not parsed.members:
        raise InputError(
            "the status has no 'Membership information' table: paste the whole output of "
            "`pvecm status`",
            where,
        )
    if local is None:
        raise InputError("the status does not mark a local node", where)
    if parsed.nodes is not None and parsed.stack == "corosync" and parsed.nodes != len(members):
        raise InputError(
            f"the status says Nodes: {parsed.nodes} but lists {len(members)} members", where
        )
    return NodeStatus(
        node=local,
        quorate=bool(parsed.quorate),
        members=tuple(members),
        expected_votes=parsed.expected_votes,
        total_votes=parsed.total_votes,
        quorum=parsed.quorum,
        flags=tuple(parsed.flags or ()),
        highest_expected=parsed.highest_expected,
        cluster_name=parsed.cluster_name,
        config_version=parsed.config_version,
        transport=parsed.transport,
        shown_as=tuple(shown_as),
        nodes=parsed.nodes,
        text=text,
    )
