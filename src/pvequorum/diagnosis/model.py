"""What a diagnosis says (PURE): findings with their evidence, and the verdict.

The kinds are a fixed list, a public contract like the bundle format
(docs/bundle-format.md, "The diagnosis"); every finding names the files and lines it rests
on, the reference section of its rule and the next step: a plan with its parameters
filled from the evidence, what to collect to tell more, or an action to take by hand.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from pvequorum.i18n import _

FORMAT = "pvequorum-diagnosis/1"

KINDS = (
    "healthy",
    "node-down",
    "crash-or-partition",
    "partition",
    "split-brain",
    "no-quorum",
    "wait-for-all",
    "expected-lowered",
    "config-divergence",
    "node-cannot-join",
    "link-down",
    "lossy-network",
    "qdevice-down",
)
SEVERITIES = ("critical", "error", "warning", "info")
VERDICTS = ("HEALTHY", "DEGRADED", "BROKEN")


@dataclass(frozen=True)
class Evidence:
    """One line of one file a finding rests on (`line` None: the file as a whole)."""

    file: str
    line: int | None
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "text": self.text}


@dataclass(frozen=True)
class NextStep:
    """Exactly one of: a plan (kind and parameters), what to collect more, an action."""

    plan: str | None = None
    parameters: tuple[tuple[str, str], ...] = ()
    collect_more: str | None = None
    action: str | None = None

    def __post_init__(self) -> None:
        given = [x for x in (self.plan, self.collect_more, self.action) if x is not None]
        if len(given) != 1:
            raise ValueError("a next step is one plan, one collect_more or one action")

    def command(self, bundle: str = "") -> list[str]:
        """The plan's runbook as argv, its `*_path` parameters under the bundle directory."""
        words = ["pvequorum", "runbook", str(self.plan)]
        for key, value in self.parameters:
            if key.endswith("_path") and bundle:
                value = str(PurePath(bundle) / value)
            words += ["-p", key, value]
        return words

    def text(self, bundle: str = "") -> str:
        if self.plan is not None:
            return _("run the {plan} runbook: {command}").format(
                plan=self.plan, command=shlex.join(self.command(bundle))
            )
        if self.collect_more is not None:
            return _("collect more: {what}").format(what=self.collect_more)
        return str(self.action)

    def to_dict(self) -> dict[str, Any]:
        if self.plan is not None:
            return {"plan": self.plan, "parameters": dict(self.parameters)}
        if self.collect_more is not None:
            return {"collect_more": self.collect_more}
        return {"action": self.action}


@dataclass(frozen=True)
class Finding:
    kind: str
    nodes: tuple[str, ...]
    severity: str
    summary: str
    reference: str
    evidence: tuple[Evidence, ...] = ()
    next_step: NextStep | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS or self.severity not in SEVERITIES:
            raise ValueError(f"finding {self.kind}/{self.severity} is not in the fixed lists")

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "nodes": list(self.nodes),
            "severity": self.severity,
            "summary": self.summary,
            "evidence": [e.to_dict() for e in self.evidence],
            "reference": self.reference,
            "next_step": self.next_step.to_dict() if self.next_step else None,
        }


@dataclass(frozen=True)
class TimelineEvent:
    time: float | None
    node: str
    kind: str
    file: str
    line: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "node": self.node,
            "kind": self.kind,
            "file": self.file,
            "line": self.line,
            "text": self.text,
        }


@dataclass(frozen=True)
class Partition:
    """A group of nodes that report the same membership."""

    members: tuple[str, ...]
    seen_by: tuple[str, ...]
    quorate: bool
    expected_votes: int | None
    total_votes: int | None
    quorum: int | None
    flags: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "members": list(self.members),
            "seen_by": list(self.seen_by),
            "quorate": self.quorate,
            "expected_votes": self.expected_votes,
            "total_votes": self.total_votes,
            "quorum": self.quorum,
            "flags": list(self.flags),
        }


@dataclass(frozen=True)
class NodeSummary:
    """One configured node as the bundle shows it."""

    name: str
    nodeid: int | None
    collected: bool
    reached: bool
    running: bool | None
    local_version: int | None
    cluster_version: int | None
    expected_runtime: int | None
    links: tuple[tuple[str, int, str], ...] = ()  # (peer, link id, state) as this node sees
    unreachable: str | None = None  # why the collector could not reach it

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "nodeid": self.nodeid,
            "collected": self.collected,
            "reached": self.reached,
            "unreachable": self.unreachable,
            "corosync_running": self.running,
            "config_version": {"etc_corosync": self.local_version, "etc_pve": self.cluster_version},
            "expected_votes": self.expected_runtime,
            "links": [{"peer": p, "link": k, "state": s} for p, k, s in self.links],
        }


@dataclass(frozen=True)
class Diagnosis:
    bundle: str
    cluster_name: str | None
    configured_expected: int | None
    nodes: tuple[NodeSummary, ...]
    partitions: tuple[Partition, ...]
    findings: tuple[Finding, ...]
    timeline: tuple[TimelineEvent, ...] = ()
    problems: tuple[tuple[str, str], ...] = field(default=())  # (where, what)

    @property
    def verdict(self) -> str:
        worst = {f.severity for f in self.findings}
        if worst & {"critical", "error"}:
            return "BROKEN"
        return "DEGRADED" if "warning" in worst else "HEALTHY"

    def kinds(self) -> tuple[str, ...]:
        return tuple(f.kind for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "bundle": self.bundle,
            "verdict": self.verdict,
            "cluster_name": self.cluster_name,
            "configured_expected_votes": self.configured_expected,
            "findings": [f.to_dict() for f in self.findings],
            "nodes": [n.to_dict() for n in self.nodes],
            "partitions": [p.to_dict() for p in self.partitions],
            "timeline": [e.to_dict() for e in self.timeline],
            "problems": [{"where": w, "problem": p} for w, p in self.problems],
        }
