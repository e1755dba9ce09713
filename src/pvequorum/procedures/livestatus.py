"""Turn a `pvecm status` text into a `NodeStatus` named in config terms.

`pvecm status` prints node IDs in hex and addresses instead of names (`-siH`, reference 5.2),
and cman prints its own format (5.3); `pvequorum.status` parses all of them.  Here members
are mapped to config nodes by node ID, and anything the config does not know is a conflict.
"""

from __future__ import annotations

from typing import Any

from pvequorum.errors import InputError, PrerequisiteError
from pvequorum.model import Cluster
from pvequorum.procedures.state import NodeStatus


def _parse(text: str, where: str) -> Any:
    try:
        from pvequorum import status
    except ImportError as exc:  # pragma: no cover - only while pvequorum.status is missing
        raise PrerequisiteError(f"pvequorum.status is not available: {exc}") from exc
    return status.parse_status(text, where)


def node_status(text: str, cluster: Cluster, where: str = "status") -> NodeStatus:
    parsed = _parse(text, where)
    by_id = {n.nodeid: n.name for n in cluster.nodes}
    members: list[str] = []
    local: str | None = None
    for m in parsed.members:
        name = by_id.get(m.nodeid)
        if name is None:
            raise InputError(
                f"the status shows node id {m.nodeid} ({m.name}), which the config does not "
                f"have (config node ids: {', '.join(str(i) for i in sorted(by_id))})",
                where,
            )
        node = cluster.node(name)
        if m.votes is not None and m.votes != node.effective_votes:
            raise InputError(
                f"the status gives {name} {m.votes} votes, the config {node.effective_votes}",
                where,
            )
        members.append(name)
        if m.local:
            local = name
    if local is None and parsed.stack == "cman":
        # cman_tool status has no membership table; it names the local node (reference 5.3)
        local = parsed.extra.get("Node name")
        if local is not None:
            cluster.node(local)  # an unknown name is a conflict with the config
    if local is None:
        raise InputError("the status does not mark a local node", where)
    return NodeStatus(
        node=local,
        quorate=bool(parsed.quorate),
        members=tuple(members),
        expected_votes=parsed.expected_votes,
        total_votes=parsed.total_votes,
        quorum=parsed.quorum,
        flags=tuple(parsed.flags or ()),
    )
