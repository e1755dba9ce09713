"""Run a cluster through events on a virtual clock, one votequorum state machine per node.

The simulator is the fast twin of the real-corosync lab: both run the same scenario and
must print the same observations (`docs/scenario-format.md`).  Membership changes take no
virtual time here; the lab's settling time is why scenarios keep `wait` steps away from
last_man_standing window boundaries.

Message delivery follows corosync: at a membership change every member of the new ring
runs `sync_init`, sends its nodeinfo (a snapshot taken before it processes anyone else's),
every member processes all nodeinfo messages in nodeid order, then `sync_activate`
(reference 1.4).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pvequorum import engine, qnetd
from pvequorum import votequorum as vq
from pvequorum.daemon import Daemon
from pvequorum.errors import InputError
from pvequorum.model import Cluster
from pvequorum.scenario import Observation, Scenario
from pvequorum.startup import node_startup_error


@dataclass(frozen=True)
class NodeView:
    """What `corosync-quorumtool -s` shows on one running node (reference 5.1)."""

    name: str
    nodeid: int
    votes: int
    quorate: bool
    expected_votes: int
    highest_expected: int
    total_votes: int
    quorum: int
    flags: tuple[str, ...]
    members: tuple[str, ...]
    member_votes: tuple[tuple[int, str, int], ...]
    qdevice_votes: int
    qdevice_cast: bool
    wait_for_all_status: bool

    def member_names(self) -> tuple[str, ...]:
        """Member names in nodeid order (`scenario.QuorumReading`, as a parsed status)."""
        return self.members


class Simulator:
    """A cluster in motion.  Methods mirror the scenario steps; `views()` reads every node.

    It is an `engine.Engine`: `engine.apply(sim, step)` runs a scenario step on it."""

    engine_name = "simulator"

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.now = 0
        self._ids = {n.name: n.nodeid for n in cluster.nodes}
        self._names = {n.nodeid: n.name for n in cluster.nodes}
        self._daemons: dict[str, Daemon] = {}
        self._groups: tuple[frozenset[str], ...] | None = None  # None: fully connected
        self._previously_quorate: frozenset[int] = frozenset()
        self.log: list[str] = []

    # --- helpers ---------------------------------------------------------------------------
    def _check_names(self, names: Iterable[str]) -> list[str]:
        names = list(names)
        for name in names:
            if name not in self._ids:
                raise InputError(f"unknown node {name!r}; the cluster has {', '.join(self._ids)}")
        return names

    @property
    def running(self) -> tuple[str, ...]:
        return tuple(sorted(self._daemons, key=self._ids.__getitem__))

    def partitions(self) -> list[tuple[str, ...]]:
        """Groups of running nodes that reach each other, each sorted by nodeid."""
        groups = self._groups if self._groups is not None else (frozenset(self._ids),)
        out = []
        for group in groups:
            members = tuple(n for n in self.running if n in group)
            if members:
                out.append(members)
        return out

    def network_groups(self) -> list[tuple[str, ...]]:
        """Every configured node's side of the network, running or not, each sorted by nodeid.

        `partitions()` lists only running nodes; a drawing also needs to know on which side
        of a cut a stopped node would come back."""
        groups = self._groups if self._groups is not None else (frozenset(self._ids),)
        return [tuple(sorted(g, key=self._ids.__getitem__)) for g in groups if g]

    def startup_error(self, name: str) -> str | None:
        """Why corosync (or cman) would refuse to start on this node, or None (reference 1.12)."""
        return node_startup_error(self.cluster, self.cluster.node(name))

    # --- membership ------------------------------------------------------------------------
    def _settle(self) -> None:
        """Run a sync in every partition whose membership changed, then qdevice polls."""
        partitions = self.partitions()
        ids_of = [tuple(self._ids[n] for n in part) for part in partitions]
        casts = self._qdevice_casts(ids_of)
        for part, ids, cast in zip(partitions, ids_of, casts, strict=True):
            daemons = [self._daemons[n] for n in part]
            changed = any(d.members != ids for d in daemons)
            if changed:
                for d in daemons:
                    d.sync_init(ids, self.now)
                    d.set_qdevice_cast(cast)
                infos = [d.nodeinfo() for d in daemons]
                for d in daemons:
                    for info in infos:
                        d.receive_nodeinfo(info)
                for d in daemons:
                    d.sync_activate()
            else:
                for sender in daemons:
                    if sender.set_qdevice_cast(cast):
                        info = sender.nodeinfo()
                        for d in daemons:
                            d.receive_nodeinfo(info)
        self._previously_quorate = frozenset(d.nodeid for d in self._daemons.values() if d.quorate)

    def _qdevice_casts(self, partitions: Sequence[tuple[int, ...]]) -> tuple[bool, ...]:
        device = self.cluster.quorum.device
        if device is None or not partitions:
            return tuple(False for _ in partitions)
        if self.cluster.stack == "cman":
            # A quorum disk: the qdiskd master's partition (lowest running id) holds it.
            lowest = min(min(p) for p in partitions)
            return tuple(lowest in p for p in partitions)
        return qnetd.qnetd_votes(
            [frozenset(p) for p in partitions],
            [n.nodeid for n in self.cluster.nodes],
            device.algorithm,
            device.tie_breaker,
            self._previously_quorate,
        )

    def start(self, names: Iterable[str]) -> list[str]:
        """Start corosync on these nodes; returns the ones that refused to start."""
        refused = []
        for name in self._check_names(names):
            if name in self._daemons:
                continue
            error = self.startup_error(name)
            if error:
                refused.append(name)
                self.log.append(f"{self.now} ms: {name} refuses to start: {error}")
                continue
            self._daemons[name] = Daemon(
                self.cluster, self._ids[name], cman_stack=self.cluster.stack == "cman"
            )
        self._settle()
        return refused

    def stop(self, names: Iterable[str]) -> None:
        """Clean stop; without allow_downscale votequorum sends no goodbye (reference 1.10)."""
        for name in self._check_names(names):
            self._daemons.pop(name, None)
        self._settle()

    def crash(self, names: Iterable[str]) -> None:
        self.stop(names)

    def partition(self, groups: Sequence[Sequence[str]]) -> None:
        placed: set[str] = set()
        for group in groups:
            placed.update(self._check_names(group))
        missing = set(self._ids) - placed
        self._groups = tuple(frozenset(g) for g in groups) + (
            (frozenset(missing),) if missing else ()
        )
        self._settle()

    def heal(self) -> None:
        self._groups = None
        self._settle()

    def check_expected(self, name: str, votes: int) -> vq.ExpectedCheck:
        """Whether `-e votes` on this node would be accepted, and why (reference 2.2, 8.4)."""
        (name,) = self._check_names([name])
        origin = self._daemons.get(name)
        if origin is None:
            raise InputError(f"node {name!r} is not running")
        return origin.check_expected(votes)

    def expected(self, name: str, votes: int) -> bool:
        """`corosync-quorumtool -e N` on a node (what `pvecm expected N` runs, reference 2.3)."""
        if not self.check_expected(name, votes).accepted:
            return False
        self._daemons[name].set_member_expected(votes)
        part = next(p for p in self.partitions() if name in p)
        for member in part:
            self._daemons[member].receive_expected_reconfigure(votes)
        self._previously_quorate = frozenset(d.nodeid for d in self._daemons.values() if d.quorate)
        return True

    def wait(self, ms: int) -> None:
        """Let time pass; last_man_standing timers fire in deadline order (reference 1.8)."""
        end = self.now + ms
        while True:
            due = [
                (d.lms_deadline, d.nodeid, d)
                for d in self._daemons.values()
                if d.lms_deadline is not None and d.lms_deadline <= end
            ]
            if not due:
                break
            deadline, _, daemon = min(due, key=lambda t: (t[0], t[1]))
            self.now = deadline
            daemon.fire_lms_timer()
        self.now = end

    # --- reading ---------------------------------------------------------------------------
    def view(self, name: str) -> NodeView:
        d = self._daemons[name]
        total_votes, _ = d.quorum_total()
        member_entries = sorted(
            (e for e in d.table.values() if e.state == "member"), key=lambda e: e.nodeid
        )
        flags: tuple[str, ...]
        if self.cluster.stack == "cman":
            flags = ("2node",) if d.two_node else ()
        else:
            flags = vq.flags(
                two_node=d.two_node,
                quorate=d.quorate,
                wait_for_all=d.wait_for_all,
                last_man_standing=d.last_man_standing,
                auto_tie_breaker=d.atb is not vq.Atb.NONE,
                qdevice_registered=d.qdevice_configured,
            )
        return NodeView(
            name=name,
            nodeid=d.nodeid,
            votes=d.us.votes,
            quorate=d.quorate,
            expected_votes=d.us.expected,
            highest_expected=d.highest_expected(),
            total_votes=total_votes,
            quorum=d.quorum,
            flags=flags,
            members=tuple(self._names[m] for m in sorted(d.members)),
            member_votes=tuple((e.nodeid, self._names[e.nodeid], e.votes) for e in member_entries),
            qdevice_votes=d.qdevice_votes,
            qdevice_cast=d.qdevice_cast,
            wait_for_all_status=d.wfa_status,
        )

    def views(self) -> dict[str, NodeView]:
        return {name: self.view(name) for name in self.running}

    def split_brain(self) -> bool:
        """Two disjoint partitions quorate at once: only a simulator can see this."""
        quorate_parts = [p for p in self.partitions() if any(self._daemons[n].quorate for n in p)]
        return len(quorate_parts) > 1

    def observe(self) -> Observation:
        """Every running node's view, and whether the cluster is in split brain."""
        return Observation.read(self.cluster, self.views(), split_brain=self.split_brain())

    def settle(self) -> None:
        """Nothing to wait for: every step settles the model at once (`engine.Engine`)."""


def run_scenario(scenario: Scenario) -> dict[str, Any]:
    """Run a scenario and return its observations document (`engine: simulator`)."""
    return engine.run_scenario(scenario, Simulator(scenario.cluster))
