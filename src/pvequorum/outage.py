"""The outage simulator's logic, without widgets: presets, a history with undo/redo, snapshots.

PURE.  The ipywidgets app (`pvequorum.widgets`) and the notebooks call only this module, so
every button is a function tested without a browser.  A state is a cluster plus the actions
taken on it; a snapshot replays them on the simulator, which agrees with real corosync
(`tests/scenarios`), so every number the app shows is the simulator's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pvequorum import engine, linkview
from pvequorum.errors import InputError
from pvequorum.model import Cluster, QDevice, simple_cluster
from pvequorum.pmxcfs import etc_pve_word, etc_pve_writable
from pvequorum.procedures import NodeStatus, Plan
from pvequorum.procedures.render import to_markdown
from pvequorum.procedures.request import build_request, make_plan
from pvequorum.scenario import LinkSettings, LinkTable, Step
from pvequorum.simulator import NodeView, Simulator
from pvequorum.status import render_cman_status, render_pvecm_status

# The Proxmox VE version each stack is shown as: the plan and status formats depend on it.
PVE_VERSION = {"corosync": "8.2", "cman": "3.4"}
ACTION_KINDS = ("start", "stop", "crash", "partition", "heal", "expected", "wait")
LINK_ACTION_KINDS = ("link-down", "link-up")  # a node's port on one link (the links preset)


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    cluster: Cluster
    links: LinkSettings | None = None  # the links extension: knet links, None for one link


def _with_addresses(cluster: Cluster, config_version: int = 1) -> Cluster:
    """Give preset nodes addresses, as `pvecm status` prints them (reference 5.2)."""
    nodes = tuple(
        dataclasses.replace(n, address=f"192.168.10.{n.nodeid}") if n.address is None else n
        for n in cluster.nodes
    )
    return dataclasses.replace(cluster, nodes=nodes, config_version=config_version)


# What `pvecm qdevice setup` writes for an even node count: ffsplit with `votes: 1`
# (reference 3.3; ffsplit refuses any other vote count, reference 3.2).
PVE_QDEVICE = QDevice(algorithm="ffsplit", votes=1)


def _preset(key: str, label: str, count: int, **options: object) -> Preset:
    cluster = simple_cluster(count, name="pve-cluster", **options)  # type: ignore[arg-type]
    return Preset(key, label, _with_addresses(cluster))


def _links_preset(key: str, label: str, count: int, links: LinkSettings) -> Preset:
    """Nodes on `links.count` knet links, each node at 10.220.K.N on link K, as in the lab
    (docs/scenario-format.md, "Extension: links")."""
    cluster = simple_cluster(count, name="pve-cluster")
    nodes = tuple(
        dataclasses.replace(n, address=linkview.link_address(cluster, n.name, 0))
        for n in cluster.nodes
    )
    return Preset(key, label, dataclasses.replace(cluster, nodes=nodes, config_version=1), links)


PRESETS: dict[str, Preset] = {
    p.key: p
    for p in (
        _preset("two-node", "2 nodes (PVE 8, corosync)", 2),
        _preset("two-node-cman", "2 nodes (PVE 3, cman), as in the article", 2, stack="cman"),
        _preset("two-node-mode", "2 nodes with two_node: 1 (corosync)", 2, two_node=1),
        _preset(
            "two-node-mode-cman",
            '2 nodes, cman two_node="1" expected_votes="1"',
            2,
            stack="cman",
            two_node=1,
            expected_votes=1,
        ),
        _preset("two-node-qdevice", "2 nodes + QDevice (ffsplit)", 2, device=PVE_QDEVICE),
        _preset("three-node", "3 nodes", 3),
        _preset("four-node", "4 nodes", 4),
        _preset("four-node-qdevice", "4 nodes + QDevice (ffsplit)", 4, device=PVE_QDEVICE),
        _preset("five-node", "5 nodes", 5),
        _links_preset("three-node-two-links", "3 nodes, 2 knet links", 3, LinkSettings(links=2)),
    )
}


def custom_cluster(
    count: int,
    *,
    votes: Sequence[int] | None = None,
    two_node: bool = False,
    wait_for_all: bool = False,
    last_man_standing: bool = False,
    auto_tie_breaker: bool = False,
    qdevice: str = "none",
) -> Cluster:
    """The cluster the sandbox's sliders describe.  Unset options stay absent in the config.

    `qdevice` is "none", "ffsplit" (with `votes: 1`, as Proxmox writes it) or "lms" (no
    votes key: corosync gives it the vote sum - 1), reference 3.2, 3.3.  Raises `InputError` for
    values corosync would not accept in the model (e.g. a vote count below 0).
    """
    options: dict[str, Any] = {}
    if two_node:
        options["two_node"] = 1
    if wait_for_all:
        options["wait_for_all"] = 1
    if last_man_standing:
        options["last_man_standing"] = 1
    if auto_tie_breaker:
        options["auto_tie_breaker"] = 1
    if qdevice != "none":
        options["device"] = PVE_QDEVICE if qdevice == "ffsplit" else QDevice(algorithm=qdevice)
    cluster = simple_cluster(
        count, votes=list(votes) if votes is not None else None, name="pve-cluster", **options
    )
    return _with_addresses(cluster)


def parse_votes(text: str, count: int) -> list[int]:
    """'1 1 2' or '1,1,2' -> [1, 1, 2]; one entry repeats for every node."""
    parts = text.replace(",", " ").split()
    try:
        values = [int(p) for p in parts]
    except ValueError:
        raise InputError(f"votes {text!r} must be whole numbers such as '1 1 2'", "votes") from None
    if len(values) == 1:
        values = values * count
    if len(values) != count:
        raise InputError(f"votes lists {len(values)} numbers for {count} nodes", "votes")
    if any(v < 0 for v in values):
        raise InputError("votes cannot be negative", "votes")
    return values


# --- actions -------------------------------------------------------------------------------


def describe(step: Step) -> str:
    """A step as the admin would say it, e.g. 'crash pve2' or 'pvecm expected 1 on pve1'."""
    if step.kind in ("start", "stop", "crash"):
        return f"{step.kind} {', '.join(step.nodes)}"
    if step.kind == "partition":
        return "partition " + " | ".join(",".join(g) for g in step.groups)
    if step.kind == "expected":
        return f"pvecm expected {step.votes} on {step.nodes[0]}"
    if step.kind == "wait":
        return f"wait {step.ms} ms"
    if step.kind in ("link-down", "link-up"):
        return f"link {step.link} of {step.nodes[0]} {step.kind.removeprefix('link-')}"
    return step.kind


def parse_groups(text: str, names: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    """'pve1,pve2 | pve3' -> (('pve1', 'pve2'), ('pve3',)); nodes not named form a group."""
    known = list(names)
    groups = [tuple(n for n in g.replace(",", " ").split()) for g in text.split("|")]
    groups = [g for g in groups if g]
    seen: set[str] = set()
    for group in groups:
        for name in group:
            if name not in known:
                raise InputError(f"unknown node {name!r}; the cluster has {', '.join(known)}")
            if name in seen:
                raise InputError(f"node {name!r} is in two groups")
            seen.add(name)
    if not groups:
        raise InputError("name the groups, e.g. 'pve1 | pve2'")
    return tuple(groups)


# --- state and history ---------------------------------------------------------------------


@dataclass(frozen=True)
class Outage:
    """A cluster, the nodes started at the beginning, and the actions taken since.

    `position` is how many actions are in effect: undo lowers it, redo raises it, and a new
    action drops the undone ones (as an editor's undo does).
    """

    cluster: Cluster
    history: tuple[Step, ...] = ()
    position: int = 0
    initially_running: tuple[str, ...] | None = None  # None: every node
    links: LinkSettings | None = None  # the knet links (None: one link, not drawn)

    @property
    def actions(self) -> tuple[Step, ...]:
        return self.history[: self.position]

    @property
    def can_undo(self) -> bool:
        return self.position > 0

    @property
    def can_redo(self) -> bool:
        return self.position < len(self.history)


def new_outage(
    cluster: Cluster, running: Iterable[str] | None = None, links: LinkSettings | None = None
) -> Outage:
    started = None if running is None else tuple(running)
    if started is not None:
        for name in started:
            cluster.node(name)
    return Outage(cluster, initially_running=started, links=links)


def act(state: Outage, step: Step) -> Outage:
    """Take one action.  Unknown nodes are refused here, before they reach the history, and
    so is a link action that leaves the simulator unable to tell what corosync would show
    (`engine.Undecidable`: its explanation is the error, reference 12.4)."""
    if step.kind not in ACTION_KINDS and step.kind not in LINK_ACTION_KINDS:
        raise InputError(f"unknown action {step.kind!r}")
    for name in (*step.nodes, *(n for g in step.groups for n in g)):
        state.cluster.node(name)
    if step.kind in LINK_ACTION_KINDS:
        if state.links is None:
            raise InputError("this cluster is drawn without knet links: choose a preset with links")
        if step.link is None or not 0 <= step.link < state.links.count:
            raise InputError(
                f"link {step.link} is not one of the cluster's links 0..{state.links.count - 1}"
            )
    if step.kind == "expected" and step.nodes[0] not in snapshot(state).views:
        raise InputError(f"{step.nodes[0]} is not running: pvecm cannot run there")
    new = dataclasses.replace(state, history=(*state.actions, step), position=state.position + 1)
    if state.links is not None:
        try:
            snapshot(new)
        except engine.Undecidable as exc:
            raise InputError(linkview.explain_undecidable(exc.problem, state.cluster)) from None
    return new


def replay(
    cluster: Cluster,
    actions: Iterable[Step] = (),
    running: Iterable[str] | None = None,
    links: LinkSettings | None = None,
) -> Outage:
    """A new outage with `actions` taken: how the story and the notebooks set up a state."""
    state = new_outage(cluster, running, links)
    for step in actions:
        state = act(state, step)
    return state


def undo(state: Outage) -> Outage:
    return dataclasses.replace(state, position=max(0, state.position - 1))


def redo(state: Outage) -> Outage:
    return dataclasses.replace(state, position=min(len(state.history), state.position + 1))


def rewind(state: Outage, position: int) -> Outage:
    """Show the state after the first `position` actions (replay goes forward from here)."""
    return dataclasses.replace(state, position=max(0, min(len(state.history), position)))


# --- snapshots -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeState:
    """What one node shows: its `pvecm status` and whether `/etc/pve` takes writes."""

    name: str
    running: bool
    quorate: bool
    etc_pve_writable: bool
    status_text: str | None
    cfgtool_text: str | None = None  # `corosync-cfgtool -s`, on a running node with links


@dataclass(frozen=True)
class Snapshot:
    cluster: Cluster
    views: dict[str, NodeView]
    partitions: tuple[tuple[str, ...], ...]
    split_brain: bool
    nodes: tuple[NodeState, ...]
    messages: tuple[str, ...] = field(default=())  # what the last action said, nothing older
    network: tuple[tuple[str, ...], ...] = field(default=())  # every node's side of the network
    links: tuple[linkview.PairLink, ...] = field(default=())  # with knet links: every pair's
    link_tables: dict[str, LinkTable] = field(default_factory=dict)  # cfgtool -s per node

    def node(self, name: str) -> NodeState:
        return next(n for n in self.nodes if n.name == name)

    @property
    def stopped(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.nodes if not n.running)

    @property
    def blocked(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.nodes if n.running and not n.quorate)

    def summary_lines(self) -> tuple[str, ...]:
        """One line per node, in the words the notebooks and the browser tests read."""
        lines = [node_line(n.name, self.views.get(n.name)) for n in self.nodes]
        if self.split_brain:
            lines.append("SPLIT BRAIN: more than one partition is quorate")
        return tuple(lines)

    def links_table(self) -> str:
        """Every running node's `corosync-cfgtool -s` as one table ("" without links)."""
        return linkview.links_table(self.link_tables) if self.links else ""


def node_line(name: str, view: Any) -> str:
    """'pve1: NOT quorate, 1 of 2 expected votes, quorum 2; /etc/pve read-only', or 'pve2:
    stopped' when `view` is None.  `view` is a simulator `NodeView` or a parsed status.

    /etc/pve takes writes exactly when the node is quorate (pmxcfs, reference 6).
    """
    if view is None:
        return f"{name}: stopped"
    state = "quorate" if view.quorate else "NOT quorate"
    etc = etc_pve_word(view.quorate)
    return (
        f"{name}: {state}, {view.total_votes} of {view.expected_votes} expected votes, "
        f"quorum {view.quorum}; /etc/pve {etc}"
    )


def status_text(cluster: Cluster, view: NodeView) -> str:
    """The node's `pvecm status` in the exact format of its generation (reference 5.2, 5.3)."""
    if cluster.stack == "cman":
        return render_cman_status(
            view, cluster_name=cluster.name, config_version=cluster.config_version or 1
        )
    addresses = {n.name: n.address for n in cluster.nodes if n.address}
    return render_pvecm_status(
        view,
        cluster_name=cluster.name,
        config_version=cluster.config_version,
        addresses=addresses,
    )


def snapshot(state: Outage) -> Snapshot:
    """Replay the state's actions on a fresh simulator and read every node."""
    return _snapshot(state.cluster, state.initially_running, state.actions, state.links)


@lru_cache(maxsize=256)
def _snapshot(
    cluster: Cluster,
    running: tuple[str, ...] | None,
    actions: tuple[Step, ...],
    links: LinkSettings | None = None,
) -> Snapshot:
    sim = Simulator(cluster, links=links)
    messages = [
        f"{name} refuses to start (reference 1.12)"
        for name in sim.start(cluster.names if running is None else running)
    ]
    for step in actions:
        # Only the last action's messages: an "expected 1 ... accepted" must not outlive it.
        messages = _apply(sim, step)
    views = sim.views()
    tables = {} if links is None else {name: sim.link_table(name) for name in views}
    nodes = tuple(
        NodeState(
            name=name,
            running=name in views,
            quorate=name in views and views[name].quorate,
            etc_pve_writable=name in views and etc_pve_writable(views[name].quorate),
            status_text=status_text(cluster, views[name]) if name in views else None,
            cfgtool_text=(
                linkview.cfgtool_text(cluster, name, tables[name]) if name in tables else None
            ),
        )
        for name in cluster.names
    )
    return Snapshot(
        cluster=cluster,
        views=views,
        partitions=tuple(sim.partitions()),
        split_brain=sim.split_brain(),
        nodes=nodes,
        messages=tuple(messages),
        network=tuple(sim.network_groups() if links is None else linkview.link_sides(sim)),
        links=() if links is None else linkview.pair_links(sim),
        link_tables=tables,
    )


def _apply(sim: Simulator, step: Step) -> list[str]:
    if step.kind == "expected":
        name, votes = step.nodes[0], step.votes or 0
        if name not in sim.running:
            return [f"pvecm expected {votes} on {name}: {name} is not running"]
        check = sim.check_expected(name, votes)
        sim.expected(name, votes)
        if check.accepted:
            return [f"pvecm expected {votes} on {name}: accepted, quorum {check.new_quorum}"]
        return [f"pvecm expected {votes} on {name}: refused: {check.reason}"]
    if step.kind == "start":
        return [f"{n} refuses to start (reference 1.12)" for n in sim.start(step.nodes)]
    engine.apply(sim, step)
    return []


def history_lines(state: Outage) -> tuple[str, ...]:
    """The history as numbered lines; undone actions are marked so redo is visible."""
    return tuple(
        f"{i + 1}. {describe(step)}" + ("" if i < state.position else "  (undone)")
        for i, step in enumerate(state.history)
    )


# --- the plan for what is on screen --------------------------------------------------------


def situation_plan(snap: Snapshot, *, ha_resources: bool = False) -> Plan | None:
    """The restore-quorum plan for the first blocked partition, or None when none is blocked.

    The simulator knows what an operator must check by hand: nodes it stopped or crashed are
    *confirmed down*; nodes alive in another partition are not, so the plan refuses to hand
    out `pvecm expected` there (reference 2.4, split brain).  The request is built as the
    CLI's and the runbooks' are (`procedures.request.build_request`), with the cluster and
    the node's view instead of files; a cluster beyond `limits.MAX_PLAN_NODES` is refused
    with the CLI's `InputError`.
    """
    blocked = [p for p in snap.partitions if not any(snap.views[n].quorate for n in p)]
    if not blocked:
        return None
    cluster = snap.cluster
    node = blocked[0][0]
    # The simulator's view of the node is the evidence, as `pvecm status` is on a real
    # cluster: the plan must explain what is on screen (a cold start still waiting, too).
    view = snap.views[node]
    status = NodeStatus(
        node=node,
        quorate=view.quorate,
        members=tuple(view.members),
        expected_votes=view.expected_votes,
        total_votes=view.total_votes,
        quorum=view.quorum,
        flags=tuple(view.flags),
        highest_expected=view.highest_expected,
    )
    request = build_request(
        "restore-quorum",
        cluster,
        "the simulated cluster",
        pve_version=PVE_VERSION[cluster.stack],
        views=[status],
        confirmed_down=snap.stopped,
        local=node,
        ha_resources=ha_resources,
    )
    return make_plan(request).plan


def situation_markdown(snap: Snapshot, *, ha_resources: bool = False) -> str:
    try:
        plan = situation_plan(snap, ha_resources=ha_resources)
    except InputError as exc:  # e.g. more nodes than plans are made for
        return f"No plan for this situation: {exc}"
    if plan is None:
        if not snap.views:
            return "No node is running: start one."
        return "Every running node is quorate: `/etc/pve` takes writes, nothing to fix."
    return to_markdown(plan, references=None)  # the dashboard serves no docs folder
