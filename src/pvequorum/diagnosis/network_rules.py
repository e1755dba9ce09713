"""Network and device findings (PURE; reference 13.11-13.13): links down, a lossy network,
a QDevice that does not vote.

Current link states come from `corosync-cfgtool -s` (the daemon's own view of every
peer on every link), the history from the journal: a link that goes down again after it
came back, retransmit lists and token warnings are what knet and totem log on a lossy or
overloaded network (reference 12.2, 12.4).  Pairs where one side's corosync is not running
are left to the membership findings: a stopped node's links are down by definition.
"""

from __future__ import annotations

import re
from collections import Counter

from pvequorum import bundle
from pvequorum.diagnosis.model import Evidence, Finding, NextStep
from pvequorum.diagnosis.picture import Picture
from pvequorum.i18n import _
from pvequorum.journal import Entry
from pvequorum.nodeevidence import NodeEvidence

RETRANSMITS_LOSSY = 10
REFORMED_LOSSY = 2
REJOINS_LOSSY = 2
QUICK_REJOIN_S = 2.0  # loss: 0-1 s in the lab; a node stopped and started by hand: 4 s and more
TOKEN_DELAYS_LOSSY = 2
FLAPS_LOSSY = 3
TOKEN_FAIL_S = 5.0  # a token warning that ends in a failure does so within the consensus
MEMBERSHIP_KINDS = frozenset({"members", "new-membership"})
# Only the node that sees the token time out logs `A processor failed`; the others log the
# new membership without the failed node (`Members left`).
FAILURE_KINDS = frozenset({"token-lost", "new-membership", "members"})


def _link_line(node: NodeEvidence, link_id: int, nodeid: int) -> Evidence | None:
    line, text = node.cfgtool_line(link_id, nodeid)
    return Evidence(node.file(bundle.CFGTOOL_S), line, text) if line else None


def link_findings(picture: Picture) -> list[Finding]:
    findings: list[Finding] = []
    down_pairs: dict[int, list[tuple[str, str]]] = {}
    evidence: dict[int, list[Evidence]] = {}
    cut_off: list[str] = []
    for node in picture.nodes.values():
        if node.links is None or node.name not in picture.statuses:
            continue
        own = set(picture.views.get(node.name, ()))
        peers = 0
        all_down = True
        running_peer_down = False
        for link in node.links.links:
            for peer in link.peers:
                if peer.state == "localhost":
                    continue
                peers += 1
                name = picture.name_of(peer.nodeid)
                if peer.state == "connected":
                    all_down = False
                    continue
                running_peer_down |= name in picture.statuses
                if name not in own:
                    continue  # across partitions: the partition finding says it
                down_pairs.setdefault(link.link.link_id, []).append((node.name, name))
                found = _link_line(node, link.link.link_id, peer.nodeid)
                if found:
                    evidence.setdefault(link.link.link_id, []).append(found)
        # every peer disconnected, and at least one of them is shown running: not a node
        # whose peers all stopped (that is their own finding), a node whose links are down
        if peers and all_down and running_peer_down and _others_connected(picture, node.name):
            cut_off.append(node.name)
    for name in cut_off:
        node = picture.nodes[name]
        lines = [
            found
            for link in (node.links.links if node.links is not None else ())
            for peer in link.peers
            if peer.state == "disconnected"
            and (found := _link_line(node, link.link.link_id, peer.nodeid)) is not None
        ]
        findings.append(
            Finding(
                "link-down",
                (name,),
                "error",
                _(
                    "All links of {name} are down: its corosync reaches no other node on any "
                    "link, while the others run."
                ).format(name=name),
                "13.11",
                tuple(lines[:4]),
                NextStep(
                    collect_more=_(
                        "the network of {name}: `ip -br link` and `ip -br addr` there, the "
                        "switch ports, and ping from it to every link address of a peer"
                    ).format(name=name)
                ),
            )
        )
    for link_id, pairs in sorted(down_pairs.items()):
        pairs = [(a, b) for a, b in pairs if a not in cut_off and b not in cut_off]
        if not pairs:
            continue
        counts = Counter(n for pair in pairs for n in pair)
        common = [n for n, c in counts.items() if c == len(pairs)]
        nodes = tuple(sorted(counts, key=lambda n: picture.nodeids.get(n, 0)))
        if common and len(pairs) > 1:
            summary = _(
                "Link {link} of {node} is down; corosync runs over the other links, with one "
                "fault less to spare."
            ).format(link=link_id, node=common[0])
        else:
            summary = _(
                "Link {link} between {pairs} is down; corosync runs over the other links, "
                "with one fault less to spare."
            ).format(link=link_id, pairs=", ".join(f"{a}-{b}" for a, b in pairs[:4]))
        findings.append(
            Finding(
                "link-down",
                nodes,
                "warning",
                summary,
                "13.11",
                tuple(evidence.get(link_id, [])[:4]),
                NextStep(
                    collect_more=_(
                        "the link {link} network of {nodes}: NIC and cable state "
                        "(`ip -br link`), then `corosync-cfgtool -n`"
                    ).format(link=link_id, nodes=_join(common or list(nodes)))
                ),
            )
        )
    return findings


def _others_connected(picture: Picture, name: str) -> bool:
    """Some other running node reaches a third one: the fault is this node's links, not a
    cut in the middle (between two nodes alone, nobody can tell whose links are down)."""
    for other in picture.nodes.values():
        if other.name == name or other.links is None or other.name not in picture.statuses:
            continue
        nodeid = picture.nodeids.get(name)
        for link in other.links.links:
            for peer in link.peers:
                if peer.state == "connected" and peer.nodeid != nodeid:
                    return True
    return False


def lossy_findings(picture: Picture) -> list[Finding]:
    nodes: list[str] = []
    evidence: list[Evidence] = []
    totals: Counter[str] = Counter()
    for node in picture.nodes.values():
        if node.journal is None:
            continue
        signals = _loss_signals(node.journal.entries, _restarts(picture))
        if (
            signals["retransmit lines"] >= RETRANSMITS_LOSSY
            or signals["token delays without a failure"] >= TOKEN_DELAYS_LOSSY
            or signals["link flaps without a membership change"] >= FLAPS_LOSSY
            or signals["memberships re-formed with the same members"] >= REFORMED_LOSSY
            or signals["nodes that left and came back within seconds"] >= REJOINS_LOSSY
        ):
            nodes.append(node.name)
            totals.update(signals)
            for kind in ("retransmit", "token-warning", "link-down"):
                entry = next((e for e in node.journal.entries if e.kind == kind), None)
                if entry is not None:
                    evidence.append(Evidence(node.file(bundle.JOURNAL), entry.line, entry.text))
    if not nodes:
        return []
    counted = ", ".join(f"{v} {_signal(k)}" for k, v in totals.items() if v)
    return [
        Finding(
            "lossy-network",
            tuple(nodes),
            "warning",
            _(
                "The corosync network loses or delays packets: {counted} in the journals of "
                "{nodes}. Memberships break and re-form; HA may fence on a bad minute."
            ).format(counted=counted, nodes=_join(nodes)),
            "13.12",
            tuple(evidence[:6]),
            NextStep(
                collect_more=_(
                    "loss and latency on each corosync link (`ping -c 1000 -i 0.01` between "
                    "link addresses, interface error counters `ip -s link`); give corosync "
                    "its own network or a second link"
                )
            ),
        )
    ]


_LEFT_JOINED = re.compile(r"Members (joined|left): ([\d ]+)")


def _restarts(picture: Picture) -> dict[str, list[float]]:
    """Node id -> when its own journal shows corosync starting (a restart is no churn)."""
    found: dict[str, list[float]] = {}
    for node in picture.nodes.values():
        nodeid = picture.nodeids.get(node.name)
        if node.journal is None or nodeid is None:
            continue
        found[str(nodeid)] = [
            e.time for e in node.journal.entries if e.kind == "corosync-starting" and e.time
        ]
    return found


def _quick_rejoins(entries: tuple[Entry, ...], restarts: dict[str, list[float]]) -> int:
    """Peers that left the membership and were back within QUICK_REJOIN_S, without their
    own journal showing a restart: the ring lost them for a few tokens (churn)."""
    left: dict[str, float] = {}
    count = 0
    for entry in entries:
        if entry.kind != "new-membership" or entry.time is None:
            continue
        for what, ids in _LEFT_JOINED.findall(entry.text):
            for nodeid in ids.split():
                if what == "left":
                    left[nodeid] = entry.time
                elif nodeid in left and entry.time - left.pop(nodeid) <= QUICK_REJOIN_S:
                    restarted = any(
                        entry.time - QUICK_REJOIN_S <= t <= entry.time
                        for t in restarts.get(nodeid, ())
                    )
                    count += not restarted
    return count


def _loss_signals(entries: tuple[Entry, ...], restarts: dict[str, list[float]]) -> Counter[str]:
    """What loss leaves in one journal and a node leaving does not (reference 13.12).

    A crashed, stopped or cut-off peer also brings link downs and token warnings, but each
    ends in a failure (`A processor failed`) and a new membership; loss shows token delays
    that recover, retransmissions, and links that drop and return while the membership
    stays."""
    signals: Counter[str] = Counter()
    signals["retransmit lines"] = sum(e.kind == "retransmit" for e in entries)
    signals["nodes that left and came back within seconds"] = _quick_rejoins(entries, restarts)
    # `A new membership (R) was formed. Members` with nobody joined or left: the ring broke
    # and re-formed around the same nodes, which only lost or late tokens do.
    signals["memberships re-formed with the same members"] = sum(
        e.kind == "new-membership" and e.text.rstrip().endswith("was formed. Members")
        for e in entries
    )
    for index, entry in enumerate(entries):
        if entry.kind == "token-warning" and not _followed_by(entries, index, FAILURE_KINDS):
            signals["token delays without a failure"] += 1
    down: dict[tuple[str | None, str | None], bool] = {}
    for index, entry in enumerate(entries):
        key = (entry.get("host"), entry.get("link"))
        if entry.kind == "link-down":
            down[key] = True
        elif entry.kind in MEMBERSHIP_KINDS:
            down = {k: False for k in down}  # those downs changed the membership
        elif (
            entry.kind == "link-up"
            and down.pop(key, False)
            and not _followed_by(entries, index, MEMBERSHIP_KINDS)  # not a rejoin
        ):
            signals["link flaps without a membership change"] += 1
    return signals


def _followed_by(entries: tuple[Entry, ...], index: int, kinds: frozenset[str]) -> bool:
    """An entry of one of `kinds` comes within TOKEN_FAIL_S after entries[index]."""
    start = entries[index].time
    for later in entries[index + 1 :]:
        if start is not None and later.time is not None and later.time - start > TOKEN_FAIL_S:
            return False
        if later.kind in kinds:
            return True
    return False


def qdevice_findings(picture: Picture) -> list[Finding]:
    config = picture.config
    if config is None or config.cluster.quorum.device is None:
        return []
    host = config.cluster.quorum.device.host or _("the qnetd host")
    nodes: list[str] = []
    evidence: list[Evidence] = []
    for name, status in picture.statuses.items():
        node = picture.nodes[name]
        columns = dict(status.qdevice_columns)
        own = columns.get(picture.nodeids.get(name, -1), "")
        state = node.qdevice.net.state if node.qdevice is not None else None
        voting = own.split(",")[:2] == ["A", "V"]
        if (
            node.qdevice_error is not None
            or (state is not None and state != "Connected")
            or (own and not voting)
        ):
            nodes.append(name)
            line, text = node.line_of(bundle.QDEVICE_TOOL, "State:")
            if line:
                evidence.append(Evidence(node.file(bundle.QDEVICE_TOOL), line, text))
            elif node.qdevice_error is not None:
                evidence.append(Evidence(node.file(bundle.QDEVICE_TOOL), 1, node.qdevice_error))
            line, text = node.line_of(bundle.PVECM_STATUS, "(local)")
            if line:
                evidence.append(Evidence(node.file(bundle.PVECM_STATUS), line, text))
    if not nodes:
        return []
    quorate = all(p.quorate for p in picture.partitions)
    return [
        Finding(
            "qdevice-down",
            tuple(nodes),
            "warning" if quorate else "error",
            (
                _(
                    "The QDevice does not vote on {nodes}: their corosync-qdevice cannot "
                    "reach qnetd on {host}. The cluster has lost its tie-breaking vote; one "
                    "more failure stops it."
                )
                if quorate
                else _(
                    "The QDevice does not vote on {nodes}: their corosync-qdevice cannot "
                    "reach qnetd on {host}. The cluster has lost its tie-breaking vote and "
                    "with it quorum."
                )
            ).format(nodes=_join(nodes), host=host),
            "13.13",
            tuple(evidence[:6]),
            NextStep(
                collect_more=_(
                    "on {host}: `systemctl status corosync-qnetd` and `corosync-qnetd-tool "
                    "-l`; from the nodes: can they reach {host} on TCP 5403"
                ).format(host=host)
            ),
        )
    ]


def _signal(key: str) -> str:
    """A loss signal's name, in the reader's language."""
    names = {
        "retransmit lines": _("retransmit lines"),
        "token delays without a failure": _("token delays without a failure"),
        "link flaps without a membership change": _("link flaps without a membership change"),
        "memberships re-formed with the same members": _(
            "memberships re-formed with the same members"
        ),
        "nodes that left and came back within seconds": _(
            "nodes that left and came back within seconds"
        ),
    }
    return names[key]


def _join(items: list[str]) -> str:
    return ", ".join(items)
