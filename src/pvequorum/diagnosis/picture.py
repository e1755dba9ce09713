"""The cluster as the bundle's nodes saw it (PURE): names, partitions, who is missing.

The configuration that names the nodes is the newest copy in the bundle (the highest
`config_version` of any node's /etc/pve or /etc/corosync copy): that is the one the
running cluster distributes (reference 6, 10.16).  Every status is checked against it
before it counts: a `pvecm status` whose local node id is another node's, or whose
cluster name is another cluster's, is named as a problem and not used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pvequorum import bundle
from pvequorum.conf.corosync import CorosyncView
from pvequorum.diagnosis.model import Partition
from pvequorum.nodeevidence import NodeEvidence, Problem
from pvequorum.status import QuorumStatus


@dataclass(frozen=True)
class Picture:
    nodes: dict[str, NodeEvidence]
    config: CorosyncView | None
    config_file: str | None
    configured: tuple[str, ...]  # in node id order
    nodeids: dict[str, int]
    votes: dict[str, int]
    statuses: dict[str, QuorumStatus]  # only the statuses that passed the checks
    views: dict[str, tuple[str, ...]]  # node -> the members its status lists
    partitions: tuple[Partition, ...]
    problems: tuple[Problem, ...] = field(default=())

    @property
    def members(self) -> set[str]:
        return {m for p in self.partitions for m in p.members}

    @property
    def missing(self) -> tuple[str, ...]:
        """Configured nodes no running node counts as a member."""
        return tuple(n for n in self.configured if n not in self.members)

    def name_of(self, nodeid: int) -> str:
        return next((n for n, i in self.nodeids.items() if i == nodeid), f"nodeid {nodeid}")

    def partition_of(self, name: str) -> Partition | None:
        return next((p for p in self.partitions if name in p.members), None)

    @property
    def configured_expected(self) -> int | None:
        if self.config is None:
            return None
        quorum = self.config.cluster.quorum
        if quorum.expected_votes:
            return quorum.expected_votes
        device = quorum.device
        device_votes = 0
        if device is not None:
            device_votes = device.votes if device.votes is not None else len(self.configured) - 1
        return sum(self.votes.values()) + device_votes


def _newest(nodes: dict[str, NodeEvidence]) -> tuple[CorosyncView | None, str | None]:
    best: tuple[int, str, CorosyncView] | None = None
    for node in nodes.values():
        for name, view in (
            (bundle.CLUSTER_CONF, node.cluster_conf),
            (bundle.LOCAL_CONF, node.local_conf),
        ):
            if view is None:
                continue
            version = view.cluster.config_version or 0
            if best is None or version > best[0]:
                best = (version, node.file(name), view)
    return (best[2], best[1]) if best else (None, None)


def _checked_status(
    node: NodeEvidence,
    config: CorosyncView | None,
    nodeids: dict[str, int],
    problems: list[Problem],
) -> QuorumStatus | None:
    status = node.status
    if status is None:
        return None
    where = node.file(bundle.PVECM_STATUS)
    local = next((m.nodeid for m in status.members if m.local), status.node_id)
    own = nodeids.get(node.name)
    if own is not None and local is not None and local != own:
        mine = None
        if node.local_conf is not None:
            mine = next(
                (n.nodeid for n in node.local_conf.cluster.nodes if n.name == node.name), None
            )
        why = f" ({node.name}'s own corosync.conf says {mine})" if mine == local else ""
        problems.append(
            Problem(
                where,
                None,
                f"its local node id is {local}{why}, the cluster's copy gives {node.name} "
                f"node id {own}: not used as {node.name}'s membership",
            )
        )
        return None
    name = config.cluster.name if config else None
    if name and status.cluster_name and status.cluster_name != name:
        problems.append(
            Problem(where, None, f"cluster {status.cluster_name!r}, not {name!r}: not used")
        )
        return None
    return status


def build(nodes: tuple[NodeEvidence, ...]) -> Picture:
    by_name = {n.name: n for n in nodes}
    config, config_file = _newest(by_name)
    nodeids: dict[str, int] = {}
    votes: dict[str, int] = {}
    if config is not None:
        for entry in config.cluster.nodes:
            nodeids[entry.name] = entry.nodeid
            votes[entry.name] = 1 if entry.votes is None else entry.votes
    names = {i: n for n, i in nodeids.items()}
    problems: list[Problem] = []
    statuses: dict[str, QuorumStatus] = {}
    views: dict[str, tuple[str, ...]] = {}
    for node in nodes:
        status = _checked_status(node, config, nodeids, problems)
        if status is None:
            continue
        statuses[node.name] = status
        rows = sorted((m for m in status.members if m.nodeid != 0), key=lambda m: m.nodeid)
        views[node.name] = tuple(names.get(m.nodeid, m.name) for m in rows)
    groups: dict[tuple[str, ...], list[str]] = {}
    for name, view in views.items():
        groups.setdefault(view, []).append(name)
    partitions = []
    for view, seen_by in groups.items():
        status = statuses[seen_by[0]]
        partitions.append(
            Partition(
                members=view,
                seen_by=tuple(seen_by),
                quorate=status.quorate,
                expected_votes=status.expected_votes,
                total_votes=status.total_votes,
                quorum=status.quorum,
                flags=status.flags,
            )
        )
    partitions.sort(key=lambda p: (-len(p.members), p.members))
    configured = tuple(sorted(nodeids, key=lambda n: nodeids[n]))
    if not configured:
        configured = tuple(sorted(by_name))
    return Picture(
        nodes=by_name,
        config=config,
        config_file=config_file,
        configured=configured,
        nodeids=nodeids,
        votes=votes,
        statuses=statuses,
        views=views,
        partitions=tuple(partitions),
        problems=tuple(problems),
    )
