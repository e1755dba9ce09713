"""The membership and quorum rules that turn a `Picture` into findings (PURE; reference 13).

Each rule reads what the daemons reported (status, cfgtool, journal), never a recomputed
state, and claims no more than that evidence shows: a node missing from every membership
whose own folder is absent is `crash-or-partition`, because from one side a crashed node
and a cut-off node look the same (reference 13.3).
"""

from __future__ import annotations

from collections.abc import Iterable

from pvequorum import bundle
from pvequorum.diagnosis.model import Evidence, Finding, NextStep, Partition
from pvequorum.diagnosis.picture import Picture
from pvequorum.i18n import _, ngettext
from pvequorum.journal import Entry
from pvequorum.nodeevidence import NodeEvidence

CONFIG_EXIT = "config"  # lifecycle(): the node exited on a config version mismatch


def _names(names: Iterable[str]) -> str:
    listed = list(names)
    return ", ".join(listed) if listed else _("none")


def _votes(count: int | None) -> str:
    return ngettext("{count} vote", "{count} votes", count or 0).format(count=count)


def status_lines(node: NodeEvidence, *labels: str) -> list[Evidence]:
    found = []
    for label in labels:
        line, text = node.line_of(bundle.PVECM_STATUS, label)
        if line:
            found.append(Evidence(node.file(bundle.PVECM_STATUS), line, text))
    return found


def _entry(node: NodeEvidence, entry: Entry) -> Evidence:
    return Evidence(node.file(bundle.JOURNAL), entry.line, entry.text)


def _entries(node: NodeEvidence, *kinds: str) -> list[Entry]:
    if node.journal is None:
        return []
    return [e for e in node.journal.entries if e.kind in kinds]


def _down_evidence(node: NodeEvidence) -> list[Evidence]:
    """The line where the node's own tool said its corosync does not answer."""
    for name in (bundle.PVECM_STATUS, bundle.QUORUMTOOL_L, bundle.CFGTOOL_S):
        line, text = node.line_of(name, node.daemon_down) if node.daemon_down else (None, "")
        if line:
            return [Evidence(node.file(name), line, text)]
    return []


def _peer_link_evidence(picture: Picture, name: str) -> list[Evidence]:
    """What the running nodes' cfgtool and journal say of `name`'s links."""
    found: list[Evidence] = []
    nodeid = picture.nodeids.get(name)
    if nodeid is None:
        return found
    for peer in picture.nodes.values():
        if peer.name == name:
            continue
        states = peer.links.states_of(nodeid) if peer.links is not None else ()
        for link_id in (k for k, state in states if state == "disconnected"):
            line, text = peer.cfgtool_line(link_id, nodeid)
            if line:
                found.append(Evidence(peer.file(bundle.CFGTOOL_S), line, text))
        downs = [
            e
            for e in _entries(peer, "link-down", "no-active-links")
            if e.get("host") == str(nodeid)
        ]
        found += [_entry(peer, e) for e in downs[-2:]]
    return found[:6]


# --- membership: split brain, partitions, missing nodes ------------------------------------
def membership_findings(picture: Picture) -> list[Finding]:
    findings: list[Finding] = []
    parts = list(picture.partitions)
    disjoint = [
        (a, b)
        for i, a in enumerate(parts)
        for b in parts[i + 1 :]
        if not set(a.members) & set(b.members)
    ]
    quorate = [p for p in parts if p.quorate]
    if any(a.quorate and b.quorate for a, b in disjoint):
        sides = " | ".join(f"[{_names(p.members)}]" for p in quorate)
        evidence = [
            e
            for p in quorate
            for e in status_lines(picture.nodes[p.seen_by[0]], "Quorate:", "Expected votes:")
        ]
        findings.append(
            Finding(
                "split-brain",
                tuple(m for p in quorate for m in p.members),
                "critical",
                _(
                    "Split brain: {sides} are each quorate on their own. Both sides can "
                    "change /etc/pve and start the same guests."
                ).format(sides=sides),
                "13.5",
                tuple(evidence),
                NextStep(
                    action=_(
                        "Stop writes now: choose the side to keep; on every node of the "
                        "other side run `systemctl stop pve-ha-lrm pve-ha-crm` and "
                        "`systemctl stop corosync`, repair the network, then start corosync "
                        "there again so that it rejoins the kept side."
                    )
                ),
            )
        )
    elif len(parts) > 1:
        sides = " | ".join(f"[{_names(p.members)}]" for p in parts)
        evidence = [e for p in parts for e in status_lines(picture.nodes[p.seen_by[0]], "Quorate:")]
        detail = (
            _(
                "The nodes disagree on who is a member (the views overlap): a link reaches "
                "some nodes and not others."
            )
            if not disjoint
            else _("Both sides are running: the network between them is cut, no node crashed.")
        )
        findings.append(
            Finding(
                "partition",
                tuple(picture.views),
                "error",
                _("Partition: the running nodes see {sides}. {detail}").format(
                    sides=sides, detail=detail
                ),
                "13.4",
                tuple(evidence),
                NextStep(
                    collect_more=_(
                        "check the corosync networks between the sides "
                        "(`corosync-cfgtool -n` on each side, ping the link addresses); do not "
                        "lower expected votes on any side while the other runs"
                    )
                ),
            )
        )
    findings += _missing_findings(picture)
    return findings


def lifecycle(node: NodeEvidence) -> tuple[str, list[Evidence]]:
    """How the node's corosync ended, from its own journal (reference 13.2)."""
    entries = _entries(
        node,
        "corosync-starting",
        "corosync-exiting",
        "corosync-signal",
        "unit-killed",
        "unit-failed",
        "unit-stopped",
        "config-version-differs",
    )
    starts = [i for i, e in enumerate(entries) if e.kind == "corosync-starting"]
    tail = entries[starts[-1] :] if starts else entries
    if not tail:
        return _("its journal in the window says nothing of how corosync ended"), []
    evidence = [_entry(node, e) for e in tail[-3:]]
    kinds = {e.kind for e in tail}
    if "config-version-differs" in kinds:
        return CONFIG_EXIT, evidence
    if "corosync-exiting" in kinds or "unit-stopped" in kinds:
        return _("it was stopped cleanly (corosync logged its normal exit)"), evidence
    if "unit-killed" in kinds or "unit-failed" in kinds:
        return _("it was killed or crashed (systemd saw it die)"), evidence
    return (
        _(
            "it ended without a clean shutdown (no 'exiting normally' after its last start): "
            "crashed or killed"
        ),
        evidence,
    )


def _missing_findings(picture: Picture) -> list[Finding]:
    findings = []
    quorate = any(p.quorate for p in picture.partitions)
    for name in picture.missing:
        node = picture.nodes.get(name)
        peers = _peer_link_evidence(picture, name)
        if node is not None and node.running is False:
            how, journal_evidence = lifecycle(node)
            if how == CONFIG_EXIT:
                continue  # config_rules names it: config-divergence
            findings.append(
                Finding(
                    "node-down",
                    (name,),
                    "warning" if quorate else "error",
                    _("{name} is down: its corosync is not running; {how}.").format(
                        name=name, how=how
                    ),
                    "13.2",
                    tuple(_down_evidence(node) + journal_evidence + peers[:2]),
                    NextStep(
                        collect_more=_(
                            "why corosync stopped on {name} (`journalctl -b -u corosync` "
                            "there); start it with `systemctl start corosync` on {name} once "
                            "the cause is fixed"
                        ).format(name=name)
                    ),
                )
            )
        elif node is None or node.unreachable or node.running is None:
            if node is not None and node.unreachable:
                reason = _("it could not be reached ({why})").format(why=node.unreachable)
            elif node is None or not node.texts:
                reason = _("the bundle holds no evidence from it")
            else:
                reason = _("its folder does not show whether its corosync runs")
            findings.append(
                Finding(
                    "crash-or-partition",
                    (name,),
                    "warning" if quorate else "error",
                    _(
                        "{name} is missing from every membership and {reason}: from this "
                        "side a crashed node and a node that is only cut off look the same."
                    ).format(name=name, reason=reason),
                    "13.3",
                    tuple(peers),
                    NextStep(
                        collect_more=_(
                            "whether {name} is powered off (console, IPMI) or runs cut off: "
                            "`pvequorum collect --nodes {name} ...` from a host that reaches it"
                        ).format(name=name)
                    ),
                )
            )
    return findings


# --- quorum: no quorum, wait for all, expected lowered ------------------------------------
def quorum_findings(picture: Picture) -> list[Finding]:
    findings = []
    running_elsewhere = len(picture.partitions) > 1
    for part in picture.partitions:
        if part.quorate:
            continue
        node = picture.nodes[part.seen_by[0]]
        evidence = tuple(status_lines(node, "Quorate:", "Total votes:", "Quorum:", "Flags:"))
        absent = [n for n in picture.configured if n not in part.members]
        if "WaitForAll" in part.flags and (part.total_votes or 0) >= (part.quorum or 1):
            findings.append(
                Finding(
                    "wait-for-all",
                    part.members,
                    "error",
                    ngettext(
                        "{members} holds enough votes ({total} of quorum {quorum}) but "
                        "wait_for_all keeps the partition inquorate until every node has "
                        "been seen once since the start: {absent} never came.",
                        "{members} hold enough votes ({total} of quorum {quorum}) but "
                        "wait_for_all keeps the partition inquorate until every node has "
                        "been seen once since the start: {absent} never came.",
                        len(part.members),
                    ).format(
                        members=_names(part.members),
                        total=part.total_votes,
                        quorum=part.quorum,
                        absent=_names(absent),
                    ),
                    "13.7",
                    evidence,
                    NextStep(
                        collect_more=_(
                            "start {absent}; if it cannot come, confirm it is powered off, "
                            "then use the restore-quorum runbook"
                        ).format(absent=_names(absent))
                    ),
                )
            )
            continue
        findings.append(
            Finding(
                "no-quorum",
                part.members,
                "critical" if _ha_active(picture, part) else "error",
                _no_quorum_summary(part, _ha_active(picture, part)),
                "13.6",
                evidence,
                _no_quorum_step(picture, part, node, absent, running_elsewhere),
            )
        )
    findings += _expected_findings(picture)
    return findings


def _no_quorum_summary(part: Partition, ha: bool) -> str:
    count = len(part.members)
    if ha:
        text = ngettext(
            "{members} is not quorate: {votes} of quorum {quorum} (expected {expected}). "
            "/etc/pve is read-only there and HA nodes self-fence after about 60 s.",
            "{members} are not quorate: {votes} of quorum {quorum} (expected {expected}). "
            "/etc/pve is read-only there and HA nodes self-fence after about 60 s.",
            count,
        )
    else:
        text = ngettext(
            "{members} is not quorate: {votes} of quorum {quorum} (expected {expected}). "
            "/etc/pve is read-only there.",
            "{members} are not quorate: {votes} of quorum {quorum} (expected {expected}). "
            "/etc/pve is read-only there.",
            count,
        )
    return text.format(
        members=_names(part.members),
        votes=_votes(part.total_votes),
        quorum=part.quorum,
        expected=part.expected_votes,
    )


def _no_quorum_step(
    picture: Picture, part: Partition, node: NodeEvidence, absent: list[str], elsewhere: bool
) -> NextStep:
    confirmed = [n for n in absent if n in picture.nodes and picture.nodes[n].running is False]
    if elsewhere:
        return NextStep(
            action=_(
                "Do not run `pvecm expected` here: other nodes run in another partition and "
                "lowering expected votes would split the brain. Repair the network between "
                "the partitions."
            )
        )
    config, status = config_path(node), node.path_of(bundle.PVECM_STATUS)
    if absent and len(confirmed) == len(absent) and (config is None or status is None):
        return NextStep(collect_more=_full_bundle())
    if absent and len(confirmed) == len(absent) and config is not None and status is not None:
        return NextStep(
            plan="restore-quorum",
            parameters=(
                ("config_path", config),
                ("status_path", status),
                ("node", node.name),
                ("up", ",".join(part.members)),
                ("confirmed_down", ",".join(confirmed)),
                ("confirmed_down_by", _down_by(picture, confirmed)),
            ),
        )
    unknown = [n for n in absent if n not in confirmed]
    return NextStep(
        collect_more=_(
            "whether {nodes} is powered off (console, IPMI) or only cut off; lowering "
            "expected votes is safe only for nodes that are off"
        ).format(nodes=_names(unknown))
    )


def _down_by(picture: Picture, names: list[str]) -> str:
    """How the bundle shows those nodes down: each one's own tool error, file and line."""
    shown = []
    for name in names:
        found = _down_evidence(picture.nodes[name])
        where = f"{found[0].file}:{found[0].line}" if found else picture.nodes[name].folder
        shown.append(f"{where} ({picture.nodes[name].daemon_down})")
    return _("corosync not running, per {where}").format(where="; ".join(shown))


def _ha_active(picture: Picture, part: Partition) -> bool:
    for name in part.seen_by:
        text = picture.nodes[name].texts.get(bundle.HA_STATUS, "")
        if "lrm " in text and "active" in text:
            return True
    return False


def _expected_findings(picture: Picture) -> list[Finding]:
    configured = picture.configured_expected
    if configured is None:
        return []
    findings = []
    for part in picture.partitions:
        if part.expected_votes is None or part.expected_votes >= configured:
            continue
        node = picture.nodes[part.seen_by[0]]
        missing = [n for n in picture.configured if n not in part.members]
        findings.append(
            Finding(
                "expected-lowered",
                part.members,
                "warning",
                _lowered_summary(part, configured, missing),
                "13.8",
                tuple(status_lines(node, "Expected votes:", "Quorum:")),
                _lasting_fix(picture, node),
            )
        )
    return findings or _expected_history(picture, configured)


def _lowered_summary(part: Partition, configured: int, missing: list[str]) -> str:
    count = len(part.members)
    if missing:
        text = ngettext(
            "{members} runs with expected votes {expected}, lowered from the configured "
            "{configured} (pvecm expected). It lasts until the next reload or rejoin; if "
            "{missing} is only cut off and comes back lowered too, the brain splits.",
            "{members} run with expected votes {expected}, lowered from the configured "
            "{configured} (pvecm expected). It lasts until the next reload or rejoin; if "
            "{missing} is only cut off and comes back lowered too, the brain splits.",
            count,
        )
    else:
        text = ngettext(
            "{members} runs with expected votes {expected}, lowered from the configured "
            "{configured} (pvecm expected). It lasts until the next reload or rejoin.",
            "{members} run with expected votes {expected}, lowered from the configured "
            "{configured} (pvecm expected). It lasts until the next reload or rejoin.",
            count,
        )
    return text.format(
        members=_names(part.members),
        expected=part.expected_votes,
        configured=configured,
        missing=_names(missing),
    )


def config_path(node: NodeEvidence) -> str | None:
    """The bundle file a handed-over plan reads the config from: the node's own cluster
    copy, else its local copy; None when neither is a file of the bundle."""
    for name, view in (
        (bundle.CLUSTER_CONF, node.cluster_conf),
        (bundle.LOCAL_CONF, node.local_conf),
    ):
        if view is not None and node.path_of(name) is not None:
            return node.path_of(name)
    return None


def _full_bundle() -> str:
    return _("a full bundle of this node (`pvequorum collect`): the plan needs its files")


def _lasting_fix(picture: Picture, node: NodeEvidence) -> NextStep:
    config = config_path(node)
    if config is None:
        return NextStep(collect_more=_full_bundle())
    plan = "add-qdevice" if len(picture.configured) == 2 else "maintenance"
    return NextStep(plan=plan, parameters=(("config_path", config),))


def _members(entry: Entry, by_id: dict[int, str]) -> list[str]:
    return [by_id.get(int(i), i) for i in (entry.get("ids") or "").split()]


def _close(a: Entry, b: Entry) -> bool:
    return a.time is None or b.time is None or abs(b.time - a.time) <= 1.0


def _expected_history(picture: Picture, configured: int) -> list[Finding]:
    """Quorate in the journal with fewer member votes than the configured quorum: expected
    votes were lowered then (reference 13.8); only where no option explains it."""
    config = picture.config
    if config is None:
        return []
    quorum = config.cluster.quorum
    if quorum.two_node or quorum.auto_tie_breaker or quorum.last_man_standing or quorum.device:
        return []
    needed = configured // 2 + 1
    by_id = {i: n for n, i in picture.nodeids.items()}
    for node in picture.nodes.values():
        entries = _entries(node, "members", "primary")
        members: list[str] = []
        for index, entry in enumerate(entries):
            if entry.kind == "members":
                members = _members(entry, by_id)
                continue
            # corosync logs the quorum state first and then the membership it belongs to;
            # a primary line with no membership right after it (`-e N`) keeps the last one.
            after = entries[index + 1] if index + 1 < len(entries) else None
            if after is not None and after.kind == "members" and _close(entry, after):
                members = _members(after, by_id)
            votes = sum(picture.votes.get(m, 1) for m in members)
            if members and votes < needed:
                return [
                    Finding(
                        "expected-lowered",
                        (node.name,),
                        "warning",
                        _(
                            "{node} was quorate with {votes} of the configured {configured} "
                            "votes (quorum {needed}): expected votes had been lowered by hand. "
                            "It has worn off since; the next outage blocks /etc/pve again."
                        ).format(node=node.name, votes=votes, configured=configured, needed=needed),
                        "13.8",
                        (_entry(node, entry),),
                        _lasting_fix(picture, node),
                    )
                ]
    return []
