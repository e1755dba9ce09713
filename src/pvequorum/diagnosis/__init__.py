"""Diagnose a cluster from its evidence bundle (PURE; reference 13, docs/bundle-format.md).

`diagnose` rebuilds the cluster as its nodes saw it (`picture`), runs the rules (membership
and quorum first, then configs, links, the network and the device) and returns the
findings most important first, with the timeline of the journals' events.  No finding
but `healthy` means the evidence shows nothing wrong, and then says so.
"""

from __future__ import annotations

import dataclasses

from pvequorum import bundle as bundle_files
from pvequorum.diagnosis import config_rules, network_rules, picture, rules
from pvequorum.diagnosis.model import (
    FORMAT,
    KINDS,
    Diagnosis,
    Evidence,
    Finding,
    NextStep,
    NodeSummary,
    TimelineEvent,
)
from pvequorum.i18n import _
from pvequorum.nodeevidence import Bundle

__all__ = ["FORMAT", "KINDS", "Diagnosis", "Evidence", "Finding", "NextStep", "diagnose"]

_SEVERITY_ORDER = {"critical": 0, "error": 1, "warning": 2, "info": 3}
_KIND_ORDER = {
    kind: index
    for index, kind in enumerate(
        (
            "split-brain",
            "partition",
            "no-quorum",
            "wait-for-all",
            "config-divergence",
            "node-cannot-join",
            "node-down",
            "crash-or-partition",
            "link-down",
            "qdevice-down",
            "expected-lowered",
            "lossy-network",
            "healthy",
        )
    )
}
TIMELINE_KINDS = frozenset(
    {
        "link-down",
        "link-up",
        "no-active-links",
        "token-lost",
        "new-membership",
        "primary",
        "non-primary",
        "members",
        "config-version-differs",
        "corosync-starting",
        "corosync-exiting",
        "corosync-signal",
        "unit-killed",
        "quorum-lost",
        "quorum-gained",
        "ha-lost-lock",
        "watchdog-expired",
        "qdevice-connect-failed",
        "qdevice-disconnected",
    }
)
MAX_TIMELINE = 400


def _summaries(seen: picture.Picture) -> tuple[NodeSummary, ...]:
    out = []
    for name in dict.fromkeys((*seen.configured, *seen.nodes)):
        node = seen.nodes.get(name)
        status = seen.statuses.get(name)
        links: list[tuple[str, int, str]] = []
        if node is not None and node.links is not None:
            for link in node.links.links:
                links += [
                    (seen.name_of(p.nodeid), link.link.link_id, p.state)
                    for p in link.peers
                    if p.state != "localhost"
                ]
        out.append(
            NodeSummary(
                name=name,
                nodeid=seen.nodeids.get(name),
                collected=node is not None and bool(node.texts),
                reached=node is not None and not node.unreachable,
                running=None
                if node is None
                else (True if status else node.running if node.running is False else None),
                local_version=None
                if node is None or node.local_conf is None
                else node.local_conf.cluster.config_version,
                cluster_version=None
                if node is None or node.cluster_conf is None
                else node.cluster_conf.cluster.config_version,
                expected_runtime=status.expected_votes if status else None,
                links=tuple(links),
                unreachable=None if node is None else node.unreachable,
            )
        )
    return tuple(out)


def _timeline(seen: picture.Picture) -> tuple[TimelineEvent, ...]:
    events = [
        TimelineEvent(e.time, node.name, e.kind, node.file(bundle_files.JOURNAL), e.line, e.text)
        for node in seen.nodes.values()
        if node.journal is not None
        for e in node.journal.entries
        if e.kind in TIMELINE_KINDS
    ]
    events.sort(key=lambda e: (e.time is None, e.time or 0.0, e.node, e.line))
    return tuple(events[-MAX_TIMELINE:])


def _healthy(seen: picture.Picture) -> Finding:
    part = seen.partitions[0] if seen.partitions else None
    evidence = []
    if part is not None:
        node = seen.nodes[part.seen_by[0]]
        line, text = node.line_of(bundle_files.PVECM_STATUS, "Quorate:")
        if line:
            evidence.append(Evidence(node.file(bundle_files.PVECM_STATUS), line, text))
    members = len(part.members) if part else 0
    heard = [n for n in seen.configured if n in seen.statuses]
    unheard = [n for n in seen.configured if n not in seen.statuses]
    basis = (
        " "
        + _("This rests on the evidence of {heard}; {unheard} gave none of its own.").format(
            heard=", ".join(heard), unheard=", ".join(unheard)
        )
        if unheard
        else ""
    )
    return Finding(
        "healthy",
        seen.configured,
        "info",
        _(
            "Healthy: all {members} configured nodes are members of one quorate partition "
            "(expected {expected}, total {total}); links connected, config copies agree, "
            "nothing alarming in the journals."
        ).format(
            members=members,
            expected=part.expected_votes if part else "?",
            total=part.total_votes if part else "?",
        )
        + basis,
        "13.1",
        tuple(evidence),
    )


def _explained(findings: list[Finding], seen: picture.Picture) -> list[Finding]:
    """A partition whose extra sides are only nodes that cannot join is no network cut:
    the node-cannot-join finding says what it is (reference 13.10).  While the brain is
    split no plan is handed over: ending it comes first (reference 13.5)."""
    if any(f.kind == "split-brain" for f in findings):
        findings = [_after_split_brain(f) for f in findings]
    lone = {n for f in findings if f.kind == "node-cannot-join" for n in f.nodes}
    extra = [p for p in seen.partitions[1:] if not set(p.members) <= lone]
    if lone and not extra:
        return [f for f in findings if f.kind != "partition"]
    return findings


def _after_split_brain(finding: Finding) -> Finding:
    step = finding.next_step
    if step is None or step.plan is None:
        return finding
    later = _("Only after the split brain has ended: {step}").format(step=step.text())
    return dataclasses.replace(finding, next_step=NextStep(action=later))


def diagnose(found: Bundle) -> Diagnosis:
    seen = picture.build(found.nodes)
    findings = rules.membership_findings(seen)
    findings += rules.quorum_findings(seen)
    findings += config_rules.config_findings(seen)
    findings += network_rules.link_findings(seen)
    findings += network_rules.qdevice_findings(seen)
    findings += network_rules.lossy_findings(seen)
    findings = _explained(findings, seen)
    if not seen.statuses and not findings:
        findings.append(
            Finding(
                "crash-or-partition",
                seen.configured,
                "error",
                _(
                    "No node of the bundle reported a running corosync membership, and "
                    "nothing says why."
                ),
                "13.3",
                (),
                NextStep(collect_more=_("pvecm status from every node (`pvequorum collect`)")),
            )
        )
    if not [f for f in findings if f.severity != "info"] and seen.statuses and not seen.missing:
        findings.insert(0, _healthy(seen))
    findings.sort(key=lambda f: (_SEVERITY_ORDER[f.severity], _KIND_ORDER[f.kind]))
    problems = tuple((p.where(), p.text) for p in (*found.problems, *seen.problems))
    return Diagnosis(
        bundle=found.path,
        cluster_name=seen.config.cluster.name if seen.config else None,
        configured_expected=seen.configured_expected,
        nodes=_summaries(seen),
        partitions=seen.partitions,
        findings=tuple(findings),
        timeline=_timeline(seen),
        problems=tuple(dict.fromkeys(problems)),
    )
