"""One node's votequorum state machine: what a single corosync daemon believes.

This mirrors the file-scope state of `exec/votequorum.c` (corosync v3.1.7, reference 1.1) and
its handlers: startup (`votequorum_exec_init_fn`), membership sync (`votequorum_sync_init`,
nodeinfo messages, `votequorum_sync_activate`), `-e N` (`setexpected` plus the reconfigure
message) and the last_man_standing timer.  Views differ between nodes, so the simulator runs
one `Daemon` per running node and delivers the messages corosync would deliver.

The class is internal to the simulator (mutable for speed); everything it decides is
delegated to the pure rules in `votequorum`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pvequorum import cman
from pvequorum import votequorum as vq
from pvequorum.model import Cluster

MEMBER, DEAD = "member", "dead"
QUORATE, WFASTATUS, FIRST = "quorate", "wfastatus", "first"
# NODE_FLAGS_QDEVICE_REGISTERED / _ALIVE / _CAST_VOTE: sent in every nodeinfo, so each
# member's Qdevice column is known on every node (reference 3.1).
QDEVICE_REGISTERED, QDEVICE_ALIVE, QDEVICE_CAST = "qdevice_registered", "qdevice_alive", "cast"


def qdevice_column(flags: set[str] | frozenset[str]) -> str:
    """A member's Qdevice column from its nodeinfo flags: `NR` (not registered) or
    alive,votes,master-wins as `A`/`NA`, `V`/`NV`, `MW`/`NMW` (reference 3.1).  Master
    wins is only set by the disk model's master_wins call, never by model net: `NMW`."""
    if QDEVICE_REGISTERED not in flags:
        return "NR"
    alive = "A" if QDEVICE_ALIVE in flags else "NA"
    votes = "V" if QDEVICE_CAST in flags else "NV"
    return f"{alive},{votes},NMW"


@dataclass
class Entry:
    """A `struct cluster_node`: one known node as this daemon sees it (reference 1.1)."""

    nodeid: int
    state: str
    votes: int
    expected: int
    flags: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class NodeInfo:
    """The payload of a nodeinfo message (`req_exec_quorum_nodeinfo`)."""

    nodeid: int
    votes: int
    expected: int
    flags: frozenset[str]


class Daemon:
    """votequorum on one node; `cman_stack=True` applies PVE 2.x/3.x differences (reference 8.3)."""

    def __init__(self, cluster: Cluster, nodeid: int, *, cman_stack: bool = False) -> None:
        cfg = vq.effective_config(cluster, nodeid)
        self.cman = cman_stack
        self.nodeid = nodeid
        self.two_node = cfg.two_node
        self.wait_for_all = cfg.wait_for_all and not cman_stack
        self.last_man_standing = cfg.last_man_standing and not cman_stack
        self.lms_window = cfg.lms_window_ms
        self.atb = vq.Atb.NONE if cman_stack else cfg.atb
        self.atb_list = cfg.atb_list
        self.qdevice_votes = cman.qdisk_votes(cluster) if cman_stack else cfg.qdevice_votes
        self.qdevice_configured = cluster.quorum.device is not None
        self.qdevice_registered = False  # corosync-qdevice registered with this votequorum
        self.qdevice_alive = False  # ... and polls it
        self.qdevice_cast = False  # ... with cast_vote 1
        self.quorum = 0
        self.quorate = False
        self.wfa_status = self.wait_for_all  # set at startup only (reference 1.7)
        self.members: tuple[int, ...] = ()
        self.previous: tuple[int, ...] = ()
        self.lowest: int | None = None
        self.highest: int | None = None
        self.lms_deadline: int | None = None
        self.us = Entry(nodeid, MEMBER, cfg.own_votes, cfg.expected_votes, {FIRST})
        self.table: dict[int, Entry] = {nodeid: self.us}
        self.recalculate(allow_decrease=False, by_current_nodes=False)

    # --- sums (reference 1.3, 1.4, 1.14) --------------------------------------------------
    def _member_entries(self) -> list[Entry]:
        return [e for e in self.table.values() if e.state == MEMBER]

    def quorum_total(self, entries: list[Entry] | None = None) -> tuple[int, int]:
        """(total votes, total nodes) as `calculate_quorum()` counts them (reference 1.3)."""
        if entries is None:
            entries = self._member_entries()
        votes = sum(e.votes for e in entries)
        nodes = len(entries)
        if self.qdevice_cast:
            votes += self.qdevice_votes
            if not self.cman:  # a qdisk is no node for two_node (reference 8.3)
                nodes += 1
        return votes, nodes

    def highest_expected(self, entries: list[Entry] | None = None) -> int:
        if entries is None:
            entries = self._member_entries()
        return max((e.expected for e in entries), default=0)

    def _calculate(
        self, entries: list[Entry], allow_decrease: bool, max_expected: int
    ) -> tuple[int, int]:
        total_votes, total_nodes = self.quorum_total(entries)
        highest = max_expected if max_expected > 0 else self.highest_expected(entries)
        q = vq.calculate_quorum(
            highest_expected=highest,
            total_votes=total_votes,
            total_nodes=total_nodes,
            current_quorum=self.quorum,
            allow_decrease=allow_decrease,
            two_node=self.two_node,
        )
        return q & 0xFF, total_votes  # `static uint8_t quorum` in votequorum.c

    # --- recalculation (reference 1.4) ----------------------------------------------------
    def recalculate(self, *, allow_decrease: bool, by_current_nodes: bool) -> None:
        entries = self._member_entries()
        votes_expected = vq.votes_for_expected(sum(e.votes for e in entries), self.qdevice_votes)
        members = len(entries) + (1 if self.qdevice_votes else 0)
        max_expected = members if by_current_nodes else 0
        self.us.expected = vq.raised_expected(self.us.expected, votes_expected)
        self.quorum, total_votes = self._calculate(entries, allow_decrease, max_expected)
        if max_expected:
            for e in entries:
                e.expected = max_expected
        self._are_we_quorate(total_votes, entries)

    def _are_we_quorate(self, total_votes: int, entries: list[Entry]) -> None:
        """`are_we_quorate()`: WFA, the vote test, ATB (reference 1.7, 1.3, 1.9)."""
        if self.wait_for_all and self.wfa_status:
            if total_votes != self.us.expected:
                return  # "Waiting for all cluster members"; quorate stays false
            self.wfa_status = False
        quorate = self.quorum <= total_votes
        if quorate:
            ids = [e.nodeid for e in entries]
            self.lowest, self.highest = min(ids), max(ids)
        if (
            self.atb is not vq.Atb.NONE
            and vq.atb_tie_applies(
                total_votes=total_votes,
                expected_votes=self.us.expected,
                previous_count=len(self.previous),
                current_count=len(self.members),
                quorum=self.quorum,
            )
            and self._atb_check()
        ):
            quorate = True
        self.quorate = quorate
        if quorate:
            self.us.flags.add(QUORATE)
        else:
            self.us.flags.discard(QUORATE)
        if self.wait_for_all:
            self.wfa_status = not quorate
        self._sync_wfa_flag()

    def _sync_wfa_flag(self) -> None:
        if self.wfa_status:
            self.us.flags.add(WFASTATUS)
        else:
            self.us.flags.discard(WFASTATUS)

    def _member_ids(self) -> set[int]:
        return {e.nodeid for e in self._member_entries()}

    def _atb_check(self) -> bool:
        """`check_auto_tie_breaker()` (reference 1.9 point 4)."""
        present = self._member_ids()
        if self.atb is vq.Atb.LOWEST:
            return self.lowest in present
        if self.atb is vq.Atb.HIGHEST:
            return self.highest in present
        return vq.atb_list_grants(self.atb_list, frozenset(self.members), frozenset(self.previous))

    # --- membership sync ------------------------------------------------------------------
    def sync_init(self, members: tuple[int, ...], now: int) -> None:
        """`votequorum_sync_init()`: mark leavers dead, (re)start the LMS timer (reference 1.8)."""
        if len(members) > 1:
            self.us.flags.discard(FIRST)
        left = [m for m in self.members if m not in members]
        for nodeid in left:
            if nodeid in self.table:
                self.table[nodeid].state = DEAD
        if self.last_man_standing and vq.lms_timer_starts(
            member_count=len(members),
            quorum=self.quorum,
            nodes_left=bool(left),
            atb_on=self.atb is not vq.Atb.NONE,
            lowest_in_partition=self.lowest in self._member_ids(),
        ):
            self.lms_deadline = now + self.lms_window
        self.previous = self.members
        self.members = members

    def nodeinfo(self) -> NodeInfo:
        return NodeInfo(self.nodeid, self.us.votes, self.us.expected, frozenset(self.us.flags))

    def receive_nodeinfo(self, info: NodeInfo) -> None:
        """`message_handler_req_exec_votequorum_nodeinfo()` (reference 1.4 "How nodes merge")."""
        node = self.table.get(info.nodeid)
        new_node = node is None
        if node is None:
            node = Entry(info.nodeid, DEAD, 0, 0)
            self.table[info.nodeid] = node
        old = (node.votes, node.expected, frozenset(node.flags), node.state)
        node.flags = set(info.flags)
        node.votes = info.votes
        node.state = MEMBER
        allow_downgrade = False
        if not self.quorate and QUORATE in node.flags:
            allow_downgrade = True
            self.us.expected = info.expected
        node.expected = info.expected if QUORATE in node.flags else self.us.expected
        if self.last_man_standing and node.votes > 1:
            self.last_man_standing = False  # "Disabling LMS." (reference 1.4)
            self.lms_deadline = None
        changed = old != (node.votes, node.expected, frozenset(node.flags), node.state)
        if new_node or info.nodeid == self.nodeid or FIRST in node.flags or changed:
            self.recalculate(allow_decrease=allow_downgrade, by_current_nodes=False)
        if self.wait_for_all and WFASTATUS not in node.flags and QUORATE in node.flags:
            self.wfa_status = False
            self._sync_wfa_flag()

    def sync_activate(self) -> None:
        self.recalculate(allow_decrease=False, by_current_nodes=False)

    # --- timers and administrative requests ----------------------------------------------
    def fire_lms_timer(self) -> None:
        """`votequorum_last_man_standing_timer_fn()`: recalc by member count (reference 1.8)."""
        self.lms_deadline = None
        if self.quorate:
            self.recalculate(allow_decrease=True, by_current_nodes=True)

    def check_expected(self, requested: int) -> vq.ExpectedCheck:
        """Validate `-e N` here: votequorum (reference 2.2) or cman_tool (reference 8.4)."""
        total_votes, total_nodes = self.quorum_total()
        if self.cman:
            return cman.check_expected(
                requested, total_votes=total_votes, current_quorum=self.quorum
            )
        return vq.check_set_expected(
            requested,
            total_votes=total_votes,
            total_nodes=total_nodes,
            quorate=self.quorate,
            two_node=self.two_node,
            current_quorum=self.quorum,
        )

    def set_member_expected(self, value: int) -> None:
        """`update_node_expected_votes()`: every member entry, us included (reference 2.2)."""
        for e in self._member_entries():
            e.expected = value

    def receive_expected_reconfigure(self, value: int) -> None:
        """EXPECTED_VOTES reconfigure handler: set, then recalc with decrease (reference 2.2)."""
        self.set_member_expected(value)
        self.recalculate(allow_decrease=True, by_current_nodes=False)

    def set_qdevice(self, *, registered: bool, alive: bool, cast: bool) -> bool:
        """The local device's state after its register, polls or their timeout; True when
        it changed, and votequorum then sends a nodeinfo (reference 3.1).

        A cman quorum disk is no votequorum qdevice: only its vote counts (reference 8.3),
        and it sets no flags."""
        if self.cman:
            state = (False, False, cast)
        else:
            state = (registered, alive and registered, cast and alive and registered)
        changed = state != (self.qdevice_registered, self.qdevice_alive, self.qdevice_cast)
        self.qdevice_registered, self.qdevice_alive, self.qdevice_cast = state
        if not self.cman:
            for flag, on in zip(
                (QDEVICE_REGISTERED, QDEVICE_ALIVE, QDEVICE_CAST), state, strict=True
            ):
                if on:
                    self.us.flags.add(flag)
                else:
                    self.us.flags.discard(flag)
        return changed

    def qdevice_columns(self) -> tuple[tuple[int, str], ...]:
        """Each member's Qdevice column as this node's quorumtool prints it, nodeid order;
        empty unless some member has a device registered (reference 3.1)."""
        entries = sorted(self._member_entries(), key=lambda e: e.nodeid)
        if not any(QDEVICE_REGISTERED in e.flags for e in entries):
            return ()
        return tuple((e.nodeid, qdevice_column(e.flags)) for e in entries)
