"""The diagnosis as a senior admin would say it (PURE): verdict, findings, evidence, next.

Most important first; each finding with the lines it rests on (file:line) so that the
reader can check it, and the one next step.  Every text that came from the bundle is
already printable (control characters escaped) when it reaches this module.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pvequorum.cvalues import one_line
from pvequorum.diagnosis.model import Diagnosis

_MARK = {"critical": "!!", "error": "! ", "warning": "~ ", "info": "  "}


def when_utc(time: float | None) -> str:
    if time is None:
        return "????-??-?? ??:??:??"
    return datetime.fromtimestamp(time, UTC).strftime("%Y-%m-%d %H:%M:%S")


def render_text(diagnosis: Diagnosis, *, timeline: int = 15) -> str:
    lines = [
        f"{diagnosis.verdict}: cluster {diagnosis.cluster_name or '(name unknown)'}, "
        f"{len(diagnosis.nodes)} nodes, configured expected votes "
        f"{diagnosis.configured_expected if diagnosis.configured_expected is not None else '?'}",
    ]
    for part in diagnosis.partitions:
        lines.append(
            f"  partition [{', '.join(part.members)}]: "
            f"{'quorate' if part.quorate else 'NOT quorate'}, votes {part.total_votes}/"
            f"{part.expected_votes}, quorum {part.quorum}"
            + (f", flags {' '.join(part.flags)}" if part.flags else "")
            + f" (seen by {', '.join(part.seen_by)})"
        )
    down = [n.name for n in diagnosis.nodes if n.running is False]
    absent = [n.name for n in diagnosis.nodes if not n.collected and n.reached]
    for node in diagnosis.nodes:
        if node.unreachable is not None:
            lines.append(f"  not reached by the collector: {node.name} ({node.unreachable})")
    if down:
        lines.append(f"  corosync not running on: {', '.join(down)}")
    if absent:
        lines.append(f"  no evidence from: {', '.join(absent)}")
    lines.append("")
    for number, finding in enumerate(diagnosis.findings, 1):
        lines.append(f"{_MARK[finding.severity]}{number}. [{finding.kind}] {finding.summary}")
        for item in finding.evidence:
            where = f"{item.file}:{item.line}" if item.line else item.file
            lines.append(f"      {where}: {item.text}")
        if finding.next_step is not None:
            lines.append(f"      next: {finding.next_step.text(diagnosis.bundle)}")
        lines.append(f"      (reference {finding.reference})")
    if diagnosis.timeline and timeline:
        lines += ["", f"Timeline (last {min(timeline, len(diagnosis.timeline))} events):"]
        for event in diagnosis.timeline[-timeline:]:
            lines.append(
                f"  {when_utc(event.time)} {event.node:<12} {event.kind:<22} "
                f"{event.file}:{event.line}"
            )
    if diagnosis.problems:
        lines += ["", "Not used (named so that nothing is silently lost):"]
        lines += [f"  {where}: {problem}" for where, problem in diagnosis.problems]
    # every text from the bundle is escaped where it was read; this is the last guard
    return "\n".join(one_line(line) for line in lines) + "\n"
