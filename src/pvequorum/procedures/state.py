"""What the planner knows about the cluster right now, checked against the config.

A plan is never built on guesses (issue 5): every node name must be in the config, a status
must agree with the nodes said to be up, and the Proxmox VE version must match the config
format.  Conflicts raise `InputError` naming both sides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pvequorum.errors import InputError
from pvequorum.model import Cluster
from pvequorum.procedures.version import PveVersion


@dataclass(frozen=True)
class NodeStatus:
    """One node's `pvecm status` (corosync-quorumtool -siH or cman_tool status), by config name.

    `members` are the config names of the nodes in this node's partition (reference 5.1).
    """

    node: str
    quorate: bool
    members: tuple[str, ...]
    expected_votes: int | None = None
    total_votes: int | None = None
    quorum: int | None = None
    flags: tuple[str, ...] = ()
    highest_expected: int | None = None
    cluster_name: str | None = None
    config_version: int | None = None
    transport: str | None = None
    shown_as: tuple[tuple[str, str], ...] = ()  # (config name, what the status printed)
    nodes: int | None = None  # `Nodes:`; cman prints no member list, only this count
    text: str = ""  # the status exactly as given, for the confirm token


@dataclass(frozen=True)
class Facts:
    """Facts the config does not hold.  HA resources change what quorum loss does (ref. 7)."""

    ha_resources: bool = False


@dataclass(frozen=True)
class ClusterState:
    """Which nodes are up (in the operator's partition), which of the others are *confirmed*
    down (powered off or fenced, checked out of band), and optional live status.

    Build it with `ClusterState.build`, which checks everything against the cluster.
    """

    up: frozenset[str]
    confirmed_down: frozenset[str] = frozenset()
    status: tuple[NodeStatus, ...] = ()
    local: str | None = None

    @classmethod
    def build(
        cls,
        cluster: Cluster,
        *,
        up: Iterable[str] | None = None,
        confirmed_down: Iterable[str] = (),
        status: Iterable[NodeStatus] = (),
        local: str | None = None,
    ) -> ClusterState:
        statuses = tuple(status)
        down = frozenset(_known(cluster, confirmed_down, "--confirmed-down"))
        for st in statuses:
            _known(cluster, (st.node, *st.members), "status")
            if st.members and st.node not in st.members:
                raise InputError(f"status of {st.node} does not list {st.node} as a member")
        memberships = {frozenset(st.members) for st in statuses if st.members}
        if len(memberships) > 1:
            shown = " vs ".join(",".join(sorted(m)) for m in memberships)
            raise InputError(f"the status texts show different memberships ({shown})", "status")
        seen = next(iter(memberships)) if memberships else None
        if seen is None and any(st.nodes == 1 for st in statuses):
            seen = frozenset(st.node for st in statuses if st.nodes == 1)  # cman: alone
        if up is None:
            if seen is None:
                raise InputError("say which nodes are up (--up) or give a status (--status)")
            up_set = seen
        else:
            up_set = frozenset(_known(cluster, up, "--up"))
            if seen is not None and up_set != seen:
                raise InputError(
                    f"--up says {','.join(sorted(up_set))} but the status shows members "
                    f"{','.join(sorted(seen))}"
                )
        if not up_set:
            raise InputError("no node is up: there is nothing to plan on", "--up")
        for st in statuses:
            if not st.members and st.nodes is not None and st.nodes != len(up_set):
                raise InputError(
                    f"the status of {st.node} says Nodes: {st.nodes}, but {len(up_set)} "
                    f"node(s) are given as up ({','.join(sorted(up_set))})"
                )
            if st.node not in up_set:
                raise InputError(f"the status is of {st.node}, which is not given as up")
        both = up_set & down
        if both:
            raise InputError(
                f"node(s) {', '.join(sorted(both))} cannot be both up and confirmed down: the "
                "status shows them as members; the state changed or the confirmation is "
                "wrong, so plan again from the current status"
            )
        if local is None and statuses:
            local = statuses[0].node
        if local is not None:
            _known(cluster, (local,), "--node")
            if local not in up_set:
                raise InputError(f"node {local!r} is not up, so no command can run there")
        return cls(up_set, down, statuses, local)

    def missing(self, cluster: Cluster) -> tuple[str, ...]:
        """Configured nodes outside the operator's partition, in nodeid order."""
        return tuple(n.name for n in cluster.by_nodeid() if n.name not in self.up)

    def unconfirmed(self, cluster: Cluster) -> tuple[str, ...]:
        """Missing nodes nobody has confirmed down: they may be alive in another partition."""
        return tuple(n for n in self.missing(cluster) if n not in self.confirmed_down)

    def run_node(self, cluster: Cluster) -> str:
        """Where commands run: the status's local node, else the lowest-nodeid node up."""
        if self.local is not None:
            return self.local
        return next(n.name for n in cluster.by_nodeid() if n.name in self.up)

    def status_of(self, name: str) -> NodeStatus | None:
        return next((s for s in self.status if s.node == name), None)


@dataclass(frozen=True)
class PlanInput:
    """Everything a plan is built from.  `config_text` is the file the cluster came from."""

    cluster: Cluster
    state: ClusterState
    version: PveVersion
    facts: Facts = field(default_factory=Facts)
    config_text: str | None = None

    def __post_init__(self) -> None:
        check_version_matches(self.cluster, self.version)

    @property
    def run_node(self) -> str:
        return self.state.run_node(self.cluster)


def _known(cluster: Cluster, names: Iterable[str], where: str) -> list[str]:
    out = []
    for name in names:
        if name not in cluster.names:
            raise InputError(
                f"unknown node {name!r}; the config has {', '.join(cluster.names)}", where
            )
        out.append(name)
    return out


def check_version_matches(cluster: Cluster, version: PveVersion) -> None:
    """PVE 2.x/3.x read cluster.conf (cman), PVE 4.0 and later corosync.conf (reference 8)."""
    if cluster.stack != version.stack:
        fmt = "cluster.conf (cman)" if cluster.stack == "cman" else "corosync.conf"
        raise InputError(
            f"Proxmox VE {version} uses {version.generation}, but the config is a {fmt}",
            "--pve-version",
        )
