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

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pvequorum import engine, qnetd
from pvequorum import votequorum as vq
from pvequorum.daemon import Daemon
from pvequorum.engine import Undecidable
from pvequorum.errors import InputError
from pvequorum.model import Cluster
from pvequorum.scenario import (
    QNETD_ACTIONS,
    LinkSettings,
    LinkTable,
    Observation,
    Scenario,
    conditions_hold,
)
from pvequorum.startup import node_startup_error

QDEVICE_NAME = "Qdevice"
"""The name corosync-qdevice registers under unless configured otherwise
(`votequorum_device_name`, corosync-qdevice(8)); the scenario keys cannot change it."""


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
    qdevice_columns: tuple[tuple[int, str], ...] = ()
    """Each member's Qdevice column (nodeid, column); empty when the table shows none."""
    qdevice_name: str | None = None
    """The nodeid-0 row's name, None without that row (reference 3.1)."""

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
        self.log: list[str] = []
        # QDevice (reference 3.1, 3.2): the daemons, qnetd, and qnetd's own state
        self.qnetd_alive = self._has_qnetd  # qnetd runs before step 0
        self._qdevice_running: set[str] = set()  # corosync-qdevice runs on these nodes
        self._registered: set[str] = set()  # ... and is registered with their votequorum
        self._isolated: set[str] = set()  # isolate-qdevice: no path to qnetd
        self._vote: dict[str, bool] = {}  # each running qdevice's vote (ACK)
        self._kept: dict[str, frozenset[int]] = {}  # lms + WFA: vote kept at this ring
        self._clients: list[str] = []  # qnetd's client list, in connection order
        self._client_ring: dict[str, frozenset[int]] = {}  # the membership each reported
        self._lms_last: dict[str, bool | None] = {}  # lms: each client's last result
        self._quorate_partition: frozenset[int] = frozenset()  # ffsplit's last winner

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
        devices = self._device_states(partitions, ids_of)
        for part, ids in zip(partitions, ids_of, strict=True):
            daemons = [self._daemons[n] for n in part]
            changed = any(d.members != ids for d in daemons)
            if changed:
                for d in daemons:
                    d.sync_init(ids, self.now)
                    d.set_qdevice(**devices[self._names[d.nodeid]])
                infos = [d.nodeinfo() for d in daemons]
                for d in daemons:
                    for info in infos:
                        d.receive_nodeinfo(info)
                for d in daemons:
                    d.sync_activate()
            else:
                for sender in daemons:
                    if sender.set_qdevice(**devices[self._names[sender.nodeid]]):
                        info = sender.nodeinfo()
                        for d in daemons:
                            d.receive_nodeinfo(info)

    def _device_states(
        self, partitions: Sequence[tuple[str, ...]], ids_of: Sequence[tuple[int, ...]]
    ) -> dict[str, dict[str, bool]]:
        """Each running node's device after this change: registered, alive, cast.

        A cman quorum disk: the qdiskd master's partition (lowest running id) holds it.
        Otherwise qnetd decides for the qdevices connected to it (`_qnetd_decide`), and a
        node's vote counts while its qdevice runs and was answered ACK (reference 3.2)."""
        states: dict[str, dict[str, bool]] = {}
        device = self.cluster.quorum.device
        if self.cluster.stack == "cman":
            lowest = min((min(ids) for ids in ids_of), default=0)
            for part, ids in zip(partitions, ids_of, strict=True):
                for name in part:
                    cast = device is not None and lowest in ids
                    states[name] = {"registered": False, "alive": False, "cast": cast}
            return states
        ring = {
            name: frozenset(ids)
            for part, ids in zip(partitions, ids_of, strict=True)
            for name in part
        }
        if device is not None:
            self._qnetd_decide(ring, device.algorithm, device.tie_breaker)
        for name in ring:
            alive = name in self._qdevice_running
            states[name] = {
                "registered": name in self._registered,
                "alive": alive,
                "cast": alive and self._vote.get(name, False),
            }
        return states

    def _qnetd_decide(
        self, ring: Mapping[str, frozenset[int]], algorithm: str, tie_breaker: str
    ) -> None:
        """Update qnetd's clients and each running qdevice's vote (`_vote`) after a change.

        qnetd's client list keeps connection order; clients that connect in one change are
        appended in nodeid order (the simulator's choice: in the lab they connect when
        their retry timers fire).  ffsplit re-selects the quorate partition at every client
        event (`qnetd.ffsplit_partition`); lms answers a client when it connects or reports
        a new membership (`qnetd.lms_vote`).  A qdevice without qnetd votes NACK, except
        under lms with `quorum.wait_for_all` set on a quorate node, which keeps its vote
        until its membership changes (`qdevice_net_algo_lms_disconnected()`, reference
        3.2, measured in 12.1)."""
        reachable = [
            n
            for n in self.running
            if n in self._qdevice_running and self.qnetd_alive and n not in self._isolated
        ]
        left = [c for c in self._clients if c not in reachable]
        new = [n for n in reachable if n not in self._clients]
        self._clients = [c for c in self._clients if c in reachable] + new
        for name in left:
            self._lms_last.pop(name, None)
        if not self._clients:  # the last client is gone: qnetd frees the cluster's data
            self._quorate_partition = frozenset()
        moved = [c for c in self._clients if self._client_ring.get(c) != ring[c]]
        clients = [(self._ids[c], ring[c]) for c in self._clients]
        if algorithm == "lms":
            last = {self._ids[c]: self._lms_last.get(c) for c in self._clients}
            for name in self._clients:
                if name in new or name in moved:
                    ack, last[self._ids[name]] = qnetd.lms_vote(
                        (self._ids[name], ring[name]), clients, last, tie_breaker
                    )
                    self._lms_last[name] = last[self._ids[name]]
                    self._vote[name] = ack
        else:
            if left or new or moved:
                self._quorate_partition = qnetd.ffsplit_partition(
                    clients,
                    [n.nodeid for n in self.cluster.nodes],
                    tie_breaker,
                    self._quorate_partition,
                )
            for name in self._clients:
                self._vote[name] = self._ids[name] in self._quorate_partition
        keeps = algorithm == "lms" and self.cluster.quorum.wait_for_all == 1
        for name in ring:
            if name in self._clients or name not in self._qdevice_running:
                self._kept.pop(name, None)
                continue
            if name in left and keeps and self._vote.get(name) and self._daemons[name].quorate:
                self._kept[name] = ring[name]
            self._vote[name] = self._kept.get(name) == ring[name]
            if not self._vote[name]:
                self._kept.pop(name, None)
        self._client_ring = {c: ring[c] for c in self._clients}

    def start(self, names: Iterable[str]) -> list[str]:
        """Start corosync on these nodes, and then, with a device, corosync-qdevice on
        those of them where corosync runs (systemd's order); returns the ones that refused
        to start (docs/scenario-format.md, "Base steps when a device is configured")."""
        names = self._check_names(names)
        refused = self.start_corosync(names)
        if self._has_qnetd:
            self.qdevice_start(names)
        return refused

    def start_corosync(self, names: Iterable[str]) -> list[str]:
        """Start corosync alone on these nodes; returns the ones that refused to start
        (`startup_error`, reference 1.12)."""
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
        """Clean stop; without allow_downscale votequorum sends no goodbye (reference 1.10).

        With a device, corosync-qdevice stops first and unregisters; either way its
        registration dies with corosync."""
        for name in self._check_names(names):
            self._daemons.pop(name, None)
            self._forget_qdevice(name, registered=False)
        self._settle()

    def crash(self, names: Iterable[str]) -> None:
        self.stop(names)

    # --- QDevice (docs/scenario-format.md, "Extension: QDevice"; reference 3.1, 3.2) -----
    @property
    def _has_qnetd(self) -> bool:
        return self.cluster.stack == "corosync" and self.cluster.quorum.device is not None

    def _forget_qdevice(self, name: str, *, registered: bool) -> None:
        """corosync-qdevice is gone from this node; with `registered` its registration
        stays behind (SIGKILL: nobody unregisters it)."""
        self._qdevice_running.discard(name)
        if not registered:
            self._registered.discard(name)
        self._vote.pop(name, None)
        self._kept.pop(name, None)

    def _check_device(self, step: str) -> None:
        if not self._has_qnetd:
            raise InputError(f"{step}: the cluster has no quorum.device for corosync-qnetd")

    def qdevice_start(self, names: Iterable[str]) -> None:
        """corosync-qdevice on those of these nodes where corosync runs: it registers with
        votequorum (the `Qdevice` flag, the column on every member) and connects to qnetd."""
        self._check_device("qdevice-start")
        for name in self._check_names(names):
            if name in self._daemons:
                self._qdevice_running.add(name)
                self._registered.add(name)
        self._settle()

    def qdevice_stop(self, names: Iterable[str]) -> None:
        """SIGTERM: corosync-qdevice unregisters, its column shows `NR` (reference 12.1)."""
        self._check_device("qdevice-stop")
        for name in self._check_names(names):
            self._forget_qdevice(name, registered=False)
        self._settle()

    def qdevice_kill(self, names: Iterable[str]) -> None:
        """SIGKILL: still registered, but no poll comes, so after the device timeout the
        member shows `NA,NV` (reference 3.1, 12.1); the simulator is past that timeout."""
        self._check_device("qdevice-kill")
        for name in self._check_names(names):
            self._forget_qdevice(name, registered=name in self._registered)
        self._settle()

    def qnetd(self, action: str) -> None:
        """Stop or kill ("stop", "kill": the same here, the host stays up and the
        connections are closed at once) or start ("start") corosync-qnetd."""
        self._check_device("qnetd")
        if action not in QNETD_ACTIONS:
            raise InputError(f"qnetd: {action!r} is not one of {', '.join(QNETD_ACTIONS)}")
        self.qnetd_alive = action == "start"
        self._settle()

    def isolate_qdevice(self, names: Iterable[str]) -> None:
        """Cut these nodes from qnetd (their peers still reach them): past the heartbeat
        timeouts their qdevices are disconnected clients (reference 12.1)."""
        self._check_device("isolate-qdevice")
        self._isolated.update(self._check_names(names))
        self._settle()

    def rejoin_qdevice(self, names: Iterable[str]) -> None:
        self._check_device("rejoin-qdevice")
        self._isolated.difference_update(self._check_names(names))
        self._settle()

    def await_(
        self, conditions: Mapping[str, object], nodes: Sequence[str] | None, timeout_ms: int
    ) -> tuple[bool, int]:
        """(met, elapsed ms): every change has settled at once, so the conditions hold now
        or only once a last_man_standing timer fires within `timeout_ms`; otherwise the
        time runs out (docs/scenario-format.md, "New step kinds")."""
        began = self.now
        end = began + timeout_ms
        while True:
            if conditions_hold(self.observe(), conditions, nodes):
                return True, self.now - began
            due = [d.lms_deadline for d in self._daemons.values() if d.lms_deadline is not None]
            upcoming = [t for t in due if t <= end]
            if not upcoming:
                self.wait(end - self.now)
                return False, timeout_ms
            self.wait(max(0, min(upcoming) - self.now))

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
                qdevice_registered=d.qdevice_registered,
            )
        columns = d.qdevice_columns()
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
            qdevice_columns=columns,
            qdevice_name=QDEVICE_NAME if columns else None,
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
