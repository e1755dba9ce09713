"""Run a cluster through events on a virtual clock, one votequorum state machine per node.

The simulator is the fast twin of the real-corosync lab: both run the same scenario and
must print the same observations (`docs/scenario-format.md`).  Membership changes take no
virtual time here; the lab's settling time is why scenarios keep `wait` steps away from
last_man_standing window boundaries.

Message delivery follows corosync: at a membership change every member of the new ring
runs `sync_init`, sends its nodeinfo (a snapshot taken before it processes anyone else's),
every member processes all nodeinfo messages in nodeid order, then `sync_activate`
(reference 1.4).

Links (docs/scenario-format.md, "Extension: links"; reference 12.4): the simulator keeps
knet's view, per pair of nodes and per link whether frames flow.  A partition cuts every
link between its groups, `link-down` detaches one node's port on one link, `link-cut`
drops one pair on one link.  knet carries totem over any working link, so two nodes lose
each other only when no link between them works; the membership is then the connected
components of "some link works".  When that relation is not transitive (A-B and B-C work,
A-C does not) or random loss is active, real corosync re-forms its membership again and
again and what it shows is not determined: the simulator stops deciding (`Undecidable`
from `observe`, `expected` and `views`; the daemons are frozen, `wait` only moves the
clock) until connectivity is transitive and loss-free again, and then syncs the groups as
after any membership change, from the state before the stretch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pvequorum import engine, qnetd
from pvequorum import votequorum as vq
from pvequorum.daemon import Daemon
from pvequorum.engine import Undecidable
from pvequorum.errors import InputError
from pvequorum.model import Cluster
from pvequorum.scenario import LinkSettings, LinkTable, Observation, Scenario
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


def connected_components(
    names: Sequence[str], reachable: Callable[[str, str], bool]
) -> list[list[str]]:
    """The groups of `names` joined by a chain of `reachable` pairs, each group in the
    order its nodes were found, the groups in the order of their first name."""
    left = list(names)
    out = []
    while left:
        component = [left.pop(0)]
        frontier = list(component)
        while frontier:
            here = frontier.pop()
            near = [n for n in left if reachable(here, n)]
            for n in near:
                left.remove(n)
            component.extend(near)
            frontier.extend(near)
        out.append(component)
    return out


class Simulator:
    """A cluster in motion.  Methods mirror the scenario steps; `views()` reads every node.

    It is an `engine.Engine`: `engine.apply(sim, step)` runs a scenario step on it."""

    engine_name = "simulator"

    def __init__(self, cluster: Cluster, links: LinkSettings | None = None) -> None:
        self.cluster = cluster
        self.link_settings = links  # None: the scenario does not use the links extension
        self.links = 1 if links is None else links.count
        self._detached: set[tuple[str, int]] = set()  # link-down: (node, link)
        self._cut: set[tuple[frozenset[str], int]] = set()  # link-cut: ({a, b}, link)
        self._loss: dict[tuple[str, int], int] = {}  # netem: (node, link) -> loss %
        self._undecidable: str | None = None  # why the state is not determined, or None
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
        """Groups of running nodes that reach each other, each sorted by nodeid.

        Without link faults these are the partition groups; with them, the connected
        components of `reachable` (which are the memberships only when each one is a
        clique: `_why_undecidable`)."""
        groups = self._groups if self._groups is not None else (frozenset(self._ids),)
        out = []
        for group in groups:
            members = [n for n in self.running if n in group]
            if not self._detached and not self._cut:  # every link works inside a group
                if members:
                    out.append(tuple(members))
                continue
            for component in connected_components(members, self.reachable):
                out.append(tuple(sorted(component, key=self._ids.__getitem__)))
        return out

    # --- links (docs/scenario-format.md, "Extension: links"; reference 12.4) --------------
    def _group_of(self, name: str) -> frozenset[str]:
        if self._groups is None:
            return frozenset(self._ids)
        return next(g for g in self._groups if name in g)

    def flows(self, a: str, b: str, link: int) -> bool:
        """Whether frames between a and b pass on this link, by the switch's wiring: same
        partition group, neither port detached, the pair not cut (running or not)."""
        return (
            b in self._group_of(a)
            and (a, link) not in self._detached
            and (b, link) not in self._detached
            and (frozenset((a, b)), link) not in self._cut
        )

    def reachable(self, a: str, b: str) -> bool:
        """Totem reaches b from a when any link works: knet fails over (reference 12.4)."""
        return any(self.flows(a, b, k) for k in range(self.links))

    def _why_undecidable(self) -> str | None:
        for loss_at, loss in sorted(self._loss.items()):
            if loss > 0:
                return f"{loss}% random loss on {loss_at[0]} link {loss_at[1]}"
        if not self._detached and not self._cut:
            return None
        for part in self.partitions():
            for i, a in enumerate(part):
                for b in part[i + 1 :]:
                    if not self.reachable(a, b):
                        return (
                            f"connectivity is not transitive: {a} and {b} cannot reach each "
                            f"other but are connected through {', '.join(part)}"
                        )
        return None

    def _check_decided(self) -> None:
        if self._undecidable is not None:
            raise Undecidable(f"the simulator cannot decide this state: {self._undecidable}")

    def _check_link(self, link: int) -> None:
        if not 0 <= link < self.links:
            raise InputError(f"link {link} is not one of the cluster's links 0..{self.links - 1}")

    def link_down(self, name: str, link: int) -> None:
        """Detach the node's port on this link (it stays detached across partition/heal)."""
        (name,) = self._check_names([name])
        self._check_link(link)
        self._detached.add((name, link))
        self._settle()

    def link_up(self, name: str, link: int) -> None:
        (name,) = self._check_names([name])
        self._check_link(link)
        self._detached.discard((name, link))
        self._settle()

    def link_cut(self, a: str, b: str, link: int) -> None:
        """Drop only the frames between a and b on this link, both ways."""
        a, b = self._check_names([a, b])
        self._check_link(link)
        self._cut.add((frozenset((a, b)), link))
        self._settle()

    def link_uncut(self, a: str, b: str, link: int) -> None:
        a, b = self._check_names([a, b])
        self._check_link(link)
        self._cut.discard((frozenset((a, b)), link))
        self._settle()

    def netem(self, name: str, link: int, loss: int | None) -> None:
        """Random egress loss on a node's link (None clears it): never decidable here."""
        (name,) = self._check_names([name])
        self._check_link(link)
        if loss is None or loss == 0:
            self._loss.pop((name, link), None)
        else:
            self._loss[(name, link)] = loss
        self._settle()

    def link_table(self, name: str) -> LinkTable:
        """`corosync-cfgtool -s` on a running node: every nodelist node in nodeid order,
        `localhost` for itself, else `connected` when frames flow and the peer runs.  The
        links listed are every configured link (each node has an address on each), only
        link 0 in a one-node cluster (docs/scenario-format.md, "Observations")."""
        shown = range(self.links) if len(self._ids) > 1 else range(1)
        rows = []
        for node in self.cluster.by_nodeid():
            peer = node.name
            if peer == name:
                statuses = tuple((k, "localhost") for k in shown)
            else:
                up = peer in self._daemons
                statuses = tuple(
                    (k, "connected" if up and self.flows(name, peer, k) else "disconnected")
                    for k in shown
                )
            rows.append((peer, statuses))
        return tuple(rows)

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
        """Run a sync in every partition whose membership changed, then qdevice polls.

        Not while the connectivity leaves the membership undetermined (module docstring)."""
        self._undecidable = self._why_undecidable()
        if self._undecidable is not None:
            return
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
        self._check_decided()
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
        while self._undecidable is None:
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
        self._check_decided()
        return {name: self.view(name) for name in self.running}

    def split_brain(self) -> bool:
        """Two disjoint partitions quorate at once: only a simulator can see this."""
        quorate_parts = [p for p in self.partitions() if any(self._daemons[n].quorate for n in p)]
        return len(quorate_parts) > 1

    def observe(self) -> Observation:
        """Every running node's view, and whether the cluster is in split brain; with the
        links extension also every node's `corosync-cfgtool -s` table."""
        views = self.views()
        links = None
        if self.link_settings is not None:
            links = {name: self.link_table(name) for name in views}
        return Observation.read(self.cluster, views, split_brain=self.split_brain(), links=links)

    def settle(self) -> None:
        """Nothing to wait for: every step settles the model at once (`engine.Engine`)."""


def run_scenario(scenario: Scenario) -> dict[str, Any]:
    """Run a scenario and return its observations document (`engine: simulator`)."""
    return engine.run_scenario(scenario, Simulator(scenario.cluster, links=scenario.link_settings))
