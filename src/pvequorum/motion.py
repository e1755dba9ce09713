"""What happens between two states, over time: the frames the dashboard animates.  PURE.

The simulator jumps from one settled state to the next, but a real cluster takes seconds to
get there: after a crash the survivors keep the old membership until the token is lost and
the consensus timer runs out, and only then does votequorum count again (reference 9).  A
lesson that redraws the end state hides exactly that.  `transition()` tells the change as a
sequence of `Frame`s, each a whole drawable state with its time, using the kit's own timing
numbers for the cluster on screen (`pvequorum.timing`), and the HA consequences for a node
that lost quorum (reference 7).  The last frame is always the simulator's state after the
change, so what the animation ends on is what `pvecm status` would show.

Frames before the last one are told, not simulated: they keep the old votes while a node's
peers cannot know yet, which is the order corosync logs (reference 12.2).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from pvequorum import timing
from pvequorum.linkview import PairLink
from pvequorum.model import Cluster
from pvequorum.outage import Snapshot, describe
from pvequorum.pmxcfs import etc_pve_writable
from pvequorum.scenario import Step

QUORATE, BLOCKED, STOPPED, DOWN, JOINING = "quorate", "blocked", "stopped", "down", "joining"


@dataclass(frozen=True)
class NodeFrame:
    """One node as drawn: its state word and the numbers of its own `pvecm status`."""

    name: str
    state: str  # QUORATE, BLOCKED, STOPPED, DOWN (gone, peers not told yet), JOINING
    votes: int
    total_votes: int = 0
    expected_votes: int = 0
    quorum: int = 0
    members: tuple[str, ...] = ()
    qdevice: str = ""  # "vote", "no vote" (cut off from it or not cast), "" without a device

    @property
    def writable(self) -> bool:
        """/etc/pve takes writes exactly on a quorate node (reference 6)."""
        return etc_pve_writable(self.state == QUORATE)


@dataclass(frozen=True)
class Frame:
    t_ms: int  # when it happens, counted from the click
    title: str
    text: str
    reference: str  # the sections of docs/reference/ this event follows, e.g. "9, 12.2"
    nodes: tuple[NodeFrame, ...]
    network: tuple[tuple[str, ...], ...]  # every node's side of the network
    split_brain: bool = False
    only_with_ha: bool = False  # an HA consequence: only on nodes that run HA services
    t_max_ms: int | None = None  # the latest time, when it depends on the LRM's phase
    links: tuple[PairLink, ...] = ()  # with knet links: every pair's links, as knet sees them

    @property
    def latest_ms(self) -> int:
        return self.t_ms if self.t_max_ms is None else self.t_max_ms


def node_frames(snap: Snapshot) -> tuple[NodeFrame, ...]:
    """Every node of a settled snapshot, as the simulator sees it."""
    device = snap.cluster.quorum.device is not None
    frames = []
    for node in snap.cluster.nodes:
        view = snap.views.get(node.name)
        if view is None:
            frames.append(NodeFrame(node.name, STOPPED, node.effective_votes))
            continue
        frames.append(
            NodeFrame(
                node.name,
                QUORATE if view.quorate else BLOCKED,
                view.votes,
                view.total_votes,
                view.expected_votes,
                view.quorum,
                view.members,
                ("vote" if view.qdevice_cast else "no vote") if device else "",
            )
        )
    return tuple(frames)


def settled_frame(snap: Snapshot, title: str, text: str, reference: str, t_ms: int = 0) -> Frame:
    return Frame(
        t_ms,
        title,
        text,
        reference,
        node_frames(snap),
        snap.network,
        snap.split_brain,
        links=snap.links,
    )


def transition(before: Snapshot | None, step: Step | None, after: Snapshot) -> tuple[Frame, ...]:
    """The frames from `before` to `after`, the state once `step` has settled.

    Without a step (a new cluster, undo, a replayed position) there is nothing to tell over
    time: one frame, the state itself.
    """
    if before is None or step is None:
        return (settled_frame(after, "The cluster now", _tally_text(after), "1.3, 6"),)
    tell = _TELLERS.get(step.kind)
    if tell is None:
        return (settled_frame(after, describe(step), _tally_text(after), "1.3"),)
    return tell(before, step, after)


# --- the tellers, one per kind of step -----------------------------------------------------


def _gone(before: Snapshot, step: Step, after: Snapshot) -> tuple[Frame, ...]:
    """A crash or a clean stop: the node is gone at once; its peers learn it later."""
    gone = set(step.nodes) & set(before.views)
    if not gone:
        return (
            settled_frame(after, describe(step), "Nothing changes: it was not running.", "1.3"),
        )
    crashed = step.kind == "crash"
    names = _names(gone)
    first = _with_states(before, {n: DOWN if crashed else STOPPED for n in gone}, before.network)
    detection = timing.failure_detection(before.cluster)
    frames = [
        replace(
            first,
            title=f"{names} {'crashes' if crashed else 'shuts down cleanly'}",
            text=(
                f"{names} stops answering. Its peers do not know yet: they still count its "
                "votes and wait for the token."
                if crashed
                else f"corosync on {names} tells its peers that it is leaving: no token "
                "timeout is needed."
            ),
            reference="12.2",
        )
    ]
    if crashed:
        frames += _token_lost(first, before.cluster, detection)
        settle_ms = detection.approx_ms
    else:
        settle_ms = detection.join_ms
    frames += _settle(first, after, settle_ms, "new membership without " + names)
    return tuple(frames) + _ha_consequences(before, after, settle_ms)


def _partition(before: Snapshot, step: Step, after: Snapshot) -> tuple[Frame, ...]:
    cut = _with_states(before, {}, after.network)
    detection = timing.failure_detection(before.cluster)
    sides = " | ".join(", ".join(g) for g in after.network)
    frames = [
        replace(
            cut,
            title="the network splits",
            text=f"The cluster network is cut: {sides}. Every node is still running and "
            "still counts the votes of the nodes it can no longer reach.",
            reference="9",
        ),
        # knet sees the links across the cut down (half a token) before the token is lost
        *_token_lost(replace(cut, links=after.links), before.cluster, detection),
        *_settle(
            replace(cut, links=after.links),
            after,
            detection.approx_ms,
            "each side forms its own membership",
        ),
    ]
    return tuple(frames) + _ha_consequences(before, after, detection.approx_ms)


def _heal(before: Snapshot, step: Step, after: Snapshot) -> tuple[Frame, ...]:
    joined = _with_states(before, {}, after.network)
    up_ms = _link_up_ms(before.cluster)
    frames = [
        replace(
            joined,
            title="the network is back",
            text="The cut is repaired. The sides cannot merge before knet sees the links up again.",
            reference="9",
        ),
        replace(
            joined,
            t_ms=up_ms,
            links=after.links,
            title="the links are up",
            text=f"knet counts {timing.KNET_PONG_COUNT} answers to its pings before it "
            f"declares a link up: about {_seconds(up_ms)} here (measured on real corosync: "
            "0.7 to 2.0 s).",
            reference="9, 12.4",
        ),
    ]
    return tuple(frames) + _settle(
        replace(joined, links=after.links),
        after,
        up_ms + timing.join_ms(before.cluster),
        "the sides merge into one membership",
    )


def _start(before: Snapshot, step: Step, after: Snapshot) -> tuple[Frame, ...]:
    started = set(step.nodes) & set(after.views) - set(before.views)
    if not started:
        text = "; ".join(after.messages) or "Nothing changes: it was already running."
        return (settled_frame(after, describe(step), text, "1.12"),)
    names = _names(started)
    joining = _with_states(before, {n: JOINING for n in started}, before.network)
    frames = [
        replace(
            joining,
            title=f"corosync starts on {names}",
            text=f"{names} sends join messages; the running nodes answer.",
            reference="9",
        )
    ]
    return tuple(frames) + _settle(
        joining, after, timing.join_ms(before.cluster), "new membership with " + names
    )


def _expected(before: Snapshot, step: Step, after: Snapshot) -> tuple[Frame, ...]:
    said = "; ".join(after.messages) or describe(step)
    accepted = ": accepted, quorum " in said  # outage's own words for an accepted -e
    text = (
        "votequorum takes the new expected votes at once, with no membership change. "
        + _tally_text(after)
        + " It lasts only until the next membership change or reload."
        if accepted
        else "corosync refuses it, and nothing changes."
    )
    return (settled_frame(after, said, text, "2.2, 2.3, 1.13"),)


def _link_change(before: Snapshot, step: Step, after: Snapshot) -> tuple[Frame, ...]:
    """A node's port on one link goes dark or comes back.  The frames draw the links as knet
    sees them (what `corosync-cfgtool -s` prints): a dead link only once its pings have gone
    unanswered, a link that is back only after knet_pong_count answers (reference 9, 12.4).
    Totem needs one working link per pair: the membership changes only when the last one
    goes or the first one comes back."""
    name, link = step.nodes[0], step.link
    down = step.kind == "link-down"
    verb = "down" if down else "up"
    if name not in before.views:
        text = f"{name} is not running: its port on link {link} is {verb}, quorum is unchanged."
        return (settled_frame(after, describe(step), text, "12.4"),)
    start = _with_states(before, {}, before.network)
    peers = _names(
        {p.b if p.a == name else p.a for p in after.links if p.link == link and name in (p.a, p.b)}
    )
    rejoin = tuple(before.partitions) != tuple(after.partitions)
    if down:
        seen_ms = timing.knet_ping_timeout_ms(before.cluster) or 0
        first = replace(
            start,
            title=f"{name} loses link {link}",
            text=f"The port of {name} on link {link} goes dark. knet notices only when its "
            f"pings go unanswered for knet_ping_timeout ({seen_ms} ms here): until then "
            "corosync-cfgtool -s still says connected.",
            reference="9, 12.4",
        )
        spare = sorted({p.link for p in after.links if p.carries and name in (p.a, p.b)})
        if rejoin:
            then = f"No link is left between {name} and {peers}: the token cannot pass."
        else:
            over = " and ".join(f"link {k}" for k in spare) or "another link"
            then = f"Totem carries on over {over}: no token is lost, the membership stays."
    else:
        seen_ms = _link_up_ms(before.cluster)
        first = replace(
            start,
            title=f"link {link} of {name} is back",
            text=f"knet counts {timing.KNET_PONG_COUNT} answers to its pings before it "
            f"declares the link up: about {_seconds(seen_ms)} here (measured on real "
            "corosync: 0.7 to 2.0 s).",
            reference="9, 12.4",
        )
        then = (
            f"{name} reaches its peers again and sends join messages."
            if rejoin
            else "The membership does not change: totem already had a working link."
        )
    title = f"knet: link {link} between {name} and {peers} is {verb}"
    if not rejoin:
        return first, settled_frame(after, title, then, "12.4", seen_ms)
    seen = replace(
        first, t_ms=seen_ms, links=after.links, network=after.network, title=title, text=then
    )
    frames = [first, seen]
    if down:
        detection = timing.failure_detection(before.cluster)
        frames += _token_lost(seen, before.cluster, detection)
        settle_ms = detection.approx_ms
        membership = f"the membership is formed again, without {name}"
    else:
        settle_ms = seen_ms + timing.join_ms(before.cluster)
        membership = f"{name} rejoins the membership"
    frames += _settle(seen, after, settle_ms, membership)
    return tuple(frames) + _ha_consequences(before, after, settle_ms)


_TELLERS = {
    "crash": _gone,
    "stop": _gone,
    "partition": _partition,
    "heal": _heal,
    "start": _start,
    "expected": _expected,
    "link-down": _link_change,
    "link-up": _link_change,
}


# --- pieces --------------------------------------------------------------------------------


def _token_lost(
    frame: Frame, cluster: Cluster, detection: timing.FailureDetection
) -> tuple[Frame, ...]:
    token, consensus = detection.token_ms, detection.consensus_ms
    if cluster.stack == "cman":  # corosync 1.x, started by cman: its own timers (ref. 8.3)
        lost = f"No token for {token} ms: the token is lost and "
        lost += "corosync starts to form a new configuration."
        cited = "8.3, 9"
    else:
        lost = f"No token for {token} ms: corosync logs 'A processor failed, forming new "
        lost += f"configuration: token timed out ({token}ms), waiting {consensus}ms for "
        lost += "consensus.'"
        cited = "9, 12.2"
    return (
        replace(frame, t_ms=token, title="token lost", text=lost, reference=cited),
        replace(
            frame,
            t_ms=token + consensus,
            title="consensus",
            text=f"After {consensus} ms more, the nodes that did not answer are declared failed.",
            reference="9",
        ),
    )


def _settle(frame: Frame, after: Snapshot, t_ms: int, membership: str) -> tuple[Frame, ...]:
    """The new membership (old votes still shown), then votequorum's new count (`after`)."""
    members = {n.name: n.members for n in node_frames(after)}
    with_members = replace(
        frame,
        nodes=tuple(replace(n, members=members.get(n.name, n.members)) for n in frame.nodes),
        t_ms=t_ms,
        title=membership,
        text="totem agrees on the new membership; votequorum has not counted yet.",
        reference="9",
    )
    counted = settled_frame(after, "quorum recalculated", _tally_text(after), "1.3, 6", t_ms)
    return with_members, counted


def _ha_consequences(before: Snapshot, after: Snapshot, t0_ms: int) -> tuple[Frame, ...]:
    """If a running node lost quorum: what HA would do to it (`timing.ha_timeline`, ref. 7).

    Not for cman clusters: PVE 2.x/3.x ran HA with rgmanager and fence devices, not with
    the LRM and watchdog-mux this timeline follows (PVE 4 and later).
    """
    if before.cluster.stack == "cman":
        return ()
    lost = [
        n.name
        for n in after.nodes
        if n.running and not n.quorate and n.name in before.views and before.views[n.name].quorate
    ]
    if not lost:
        return ()
    names = _names(lost)
    end = settled_frame(after, "", "", "7", t0_ms)
    return tuple(
        replace(
            end,
            t_ms=t0_ms + event.earliest_ms,
            t_max_ms=t0_ms + event.latest_ms,
            title="HA: " + event.label,
            text=f"Only if {names} {'runs' if len(lost) == 1 else 'run'} HA services: "
            + (event.event.replace("<node>", names) if len(lost) == 1 else event.event)
            + ".",
            reference=event.reference.removeprefix("reference "),
            only_with_ha=True,
        )
        for event in timing.ha_timeline(after.cluster)
        if event.side == "isolated" and event.label
    )


def _with_states(
    snap: Snapshot, states: Mapping[str, str], network: tuple[tuple[str, ...], ...]
) -> Frame:
    nodes = tuple(
        replace(n, state=states[n.name]) if n.name in states else n for n in node_frames(snap)
    )
    return Frame(0, "", "", "", nodes, network, snap.split_brain, links=snap.links)


def _tally_text(snap: Snapshot) -> str:
    """One sentence per side: its votes against its quorum, and what /etc/pve does."""
    sentences = []
    for side in snap.partitions:
        view = snap.views[side[0]]
        state = "quorate, /etc/pve writable" if view.quorate else "NOT quorate, /etc/pve read-only"
        sentences.append(
            f"{', '.join(side)}: {view.total_votes} of {view.expected_votes} votes, quorum "
            f"{view.quorum}: {state}."
        )
    if snap.split_brain:
        sentences.append("SPLIT BRAIN: more than one side is quorate.")
    return " ".join(sentences) or "No node is running."


def _link_up_ms(cluster: Cluster) -> int:
    """knet_pong_count pings at knet_ping_interval (reference 9): an estimate, not measured."""
    interval = timing.knet_ping_interval_ms(cluster)
    return (interval or timing.join_ms(cluster)) * timing.KNET_PONG_COUNT


def _names(names: Iterable[str]) -> str:
    return ", ".join(sorted(names))


def _seconds(ms: int) -> str:
    return f"{ms / 1000:.1f} s"


# --- what the browser gets -----------------------------------------------------------------


def timing_line(cluster: Cluster) -> str:
    """The kit's timing numbers for this cluster, shown beside the time axis (reference 9, 7)."""
    d = timing.failure_detection(cluster)
    return (
        f"token {d.token_ms} ms · consensus {d.consensus_ms} ms · new membership after about "
        f"{_seconds(d.approx_ms)} · HA watchdog {timing.CLIENT_WATCHDOG_TIMEOUT_S} s"
    )


def payload(cluster: Cluster, frames: tuple[Frame, ...], scene: int) -> dict[str, Any]:
    """Plain JSON for the stage widget.  Every value is data: the browser only ever puts it
    into text nodes and attributes, never into HTML or code."""
    device = cluster.quorum.device
    links = {link.link for f in frames for link in f.links}
    return {
        "scene": scene,
        "cluster": cluster.name,
        "qdevice": None if device is None else {"algorithm": device.algorithm},
        "link_count": len(links),
        "timing": timing_line(cluster),
        "frames": [
            {
                "t_ms": f.t_ms,
                "t_max_ms": f.latest_ms,
                "title": f.title,
                "text": f.text,
                "reference": f.reference,
                "network": [list(g) for g in f.network],
                "split_brain": f.split_brain,
                "only_with_ha": f.only_with_ha,
                "links": [
                    {"a": p.a, "b": p.b, "link": p.link, "state": p.state, "carries": p.carries}
                    for p in f.links
                ],
                "nodes": [
                    {
                        "name": n.name,
                        "state": n.state,
                        "votes": n.votes,
                        "total_votes": n.total_votes,
                        "expected_votes": n.expected_votes,
                        "quorum": n.quorum,
                        "members": list(n.members),
                        "qdevice": n.qdevice,
                        "writable": n.writable,
                    }
                    for n in f.nodes
                ],
            }
            for f in frames
        ],
    }
