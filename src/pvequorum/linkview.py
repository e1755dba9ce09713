"""Links as an admin sees them: `corosync-cfgtool -s`, the link knet sends totem over, and
why the simulator sometimes says "cannot tell".  PURE.

The simulator keeps, per pair of nodes and per link, whether frames flow (`Simulator.flows`;
docs/scenario-format.md, "Extension: links"; reference 12.4).  This module turns that into
what the drawings and the lessons show:

* `pair_links`: one `PairLink` per pair of nodes and per link, `connected`, `down` (no
  frames pass: a detached port, a cut, a partition) or `idle` (frames would pass, but a
  node of the pair is not running), and whether knet sends totem over it (`carrying_links`);
* `cfgtool_text` and `links_table`: `corosync-cfgtool -s` in corosync 3.1.7's own layout
  (`pvequorum.cfgtool`, reference 5.4), and the same facts as one small table;
* `explain_undecidable` and `admin_log_lines`: what a lossy or non-transitive network does
  to real corosync, and what its log shows, for the `engine.Undecidable` the simulator
  raises instead of guessing (reference 12.2, 12.4).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pvequorum import cfgtool, timing
from pvequorum.model import Cluster
from pvequorum.scenario import LinkSettings, LinkTable
from pvequorum.simulator import Simulator, connected_components

__all__ = [
    "CONNECTED",
    "DOWN",
    "IDLE",
    "PairLink",
    "admin_log_lines",
    "carrying_links",
    "cfgtool_text",
    "explain_undecidable",
    "link_address",
    "link_sides",
    "links_table",
    "pair_links",
]

CONNECTED, DOWN, IDLE = "connected", "down", "idle"
DEFAULT_PRIORITY = 1  # knet's priority of a link without knet_link_priority (reference 12.4)


@dataclass(frozen=True)
class PairLink:
    """One link between two nodes (`a` before `b` in nodeid order), as a drawing shows it.

    `carries`: knet sends this pair's totem traffic over this link (`carrying_links`)."""

    a: str
    b: str
    link: int
    state: str  # CONNECTED, DOWN or IDLE
    carries: bool = False


def link_address(cluster: Cluster, name: str, link: int) -> str:
    """The node's address on a link: the scenario format's `10.220.K.N` (N: the node's
    place in the nodelist, from 1), which the lab uses too; link 0 is the node's own
    address when the cluster gives one (docs/scenario-format.md, "Extension: links")."""
    node = cluster.node(name)
    if link == 0 and node.address:
        return node.address
    return f"10.220.{link}.{cluster.nodes.index(node) + 1}"


def carrying_links(settings: LinkSettings | None, working: Iterable[int]) -> tuple[int, ...]:
    """Of the working links between two nodes, the ones knet sends totem over.

    `passive` (corosync's default link_mode): only the one with the highest
    `knet_link_priority`, the lowest link number among equals; without priorities every
    link has priority 1, so that is link 0 while it works (reference 12.4; the Proxmox VE
    admin guide, "Corosync Redundancy").  `active` and `rr`: every working link."""
    links = sorted(set(working))
    if not links:
        return ()
    mode = "passive" if settings is None or settings.link_mode is None else settings.link_mode
    if mode != "passive":
        return tuple(links)
    priority = dict(settings.link_priority or ()) if settings is not None else {}
    best = max(links, key=lambda k: (priority.get(k, DEFAULT_PRIORITY), -k))
    return (best,)


def pair_links(sim: Simulator) -> tuple[PairLink, ...]:
    """Every pair of nodes (nodeid order) and every link, as the simulator has them now."""
    nodes = [n.name for n in sim.cluster.by_nodeid()]
    running = set(sim.running)
    out: list[PairLink] = []
    for i, a in enumerate(nodes):
        for b in nodes[i + 1 :]:
            up = a in running and b in running
            flowing = [k for k in range(sim.links) if sim.flows(a, b, k)]
            carried = set(carrying_links(sim.link_settings, flowing)) if up else set()
            for k in range(sim.links):
                state = (CONNECTED if up else IDLE) if k in flowing else DOWN
                out.append(PairLink(a, b, k, state, k in carried))
    return tuple(out)


def link_sides(sim: Simulator) -> tuple[tuple[str, ...], ...]:
    """Every configured node's side of the network when some link still joins it to the
    others, running or not: the groups of nodes joined by a chain of working links, each in
    nodeid order, in the order of their first node.  Without link faults these are the
    partition groups (`Simulator.network_groups`); a node that lost every link is a side of
    its own, which is where a drawing puts it."""
    order = [n.name for n in sim.cluster.by_nodeid()]
    return tuple(
        tuple(sorted(side, key=order.index)) for side in connected_components(order, sim.reachable)
    )


def cfgtool_text(cluster: Cluster, name: str, table: LinkTable) -> str:
    """`corosync-cfgtool -s` on the node, from its link table (`Simulator.link_table`):
    knet, each link's `LINK ID K udp` and this node's address on it, then every nodelist
    node in nodeid order (reference 5.4)."""
    ids = {n.name: n.nodeid for n in cluster.nodes}
    links = sorted({k for _, row in table for k, _ in row})
    blocks = []
    for k in links:
        peers = tuple(
            cfgtool.LinkPeer(ids[peer], _peer_state(state))
            for peer, row in table
            for link, state in row
            if link == k
        )
        local = cfgtool.LocalLink(k, "udp", link_address(cluster, name, k))
        blocks.append(cfgtool.StatusLink(local, peers))
    return cfgtool.render_status(cfgtool.LinkStatus(ids[name], "knet", tuple(blocks)))


def _peer_state(state: str) -> cfgtool.PeerState:
    if state not in cfgtool.PEER_STATES:
        raise ValueError(f"not a corosync-cfgtool -s state: {state!r}")
    return state


def links_table(tables: Mapping[str, LinkTable]) -> str:
    """Every node's `corosync-cfgtool -s` as one table: a row per node and link, a column
    per nodelist node.  `tables` maps the running nodes to their link tables."""
    if not tables:
        return "(no node is running)"
    peers = [peer for peer, _ in next(iter(tables.values()))]
    rows = [["node", "link", *peers]]
    for name, table in tables.items():
        states = dict(table)
        for k in sorted({k for _, row in table for k, _ in row}):
            rows.append([name, str(k), *(dict(states[p]).get(k, "-") for p in peers)])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def admin_log_lines(cluster: Cluster) -> tuple[str, ...]:
    """What the journal of a node shows while a flaky network makes corosync re-form its
    membership (`journalctl -u corosync`), with this cluster's token and consensus times
    (reference 12.2, 9).  Node and link numbers are examples."""
    d = timing.failure_detection(cluster)
    return (
        "[KNET  ] link: host: 2 link: 0 is down",
        f"[TOTEM ] Token has not been received in {d.token_ms * 3 // 4} ms",
        "[TOTEM ] Retransmit List: 2bb",
        f"[TOTEM ] A processor failed, forming new configuration: token timed out "
        f"({d.token_ms}ms), waiting {d.consensus_ms}ms for consensus.",
    )


def explain_undecidable(problem: str, cluster: Cluster) -> str:
    """Why the simulator answered "cannot tell" (`engine.Undecidable`'s `problem`), in an
    admin's words: what real corosync does in that state (reference 12.4)."""
    d = timing.failure_detection(cluster)
    every = f"about every {d.consensus_ms / 1000:.1f} s (one consensus period)"
    if "random loss" in problem:
        what = (
            "With random loss, knet declares the lossy link down and up again (7 to 8 times "
            "in 20 s at 30 % in our measurements), tokens are lost and retransmitted, and "
            "totem re-forms the membership each time; no two runs showed the same sequence."
        )
    else:
        what = (
            "When two members cannot reach each other but both reach a third, totem never "
            "agrees on a membership that every member can keep: in our measurements one "
            f"node ended up alone and the others re-formed their membership {every}, "
            "without end. While a sync runs, corosync-quorumtool and pvecm status hang "
            "(call them with a timeout)."
        )
    return (
        f"The simulator cannot tell what corosync shows now ({problem.removeprefix(_PREFIX)}). "
        f"{what} So the simulator does not guess: it stops until the network is clean again "
        "(reference 12.4)."
    )


_PREFIX = "the simulator cannot decide this state: "
