"""The diagnosis as a senior admin would say it (PURE): verdict, findings, evidence, next.

Most important first; each finding with the lines it rests on (file:line) so that the
reader can check it, and the one next step.  Every text that came from the bundle is
already printable (control characters escaped) when it reaches this module.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pvequorum.cvalues import one_line
from pvequorum.diagnosis.model import Diagnosis
from pvequorum.i18n import _, ngettext

_MARK = {"critical": "!!", "error": "! ", "warning": "~ ", "info": "  "}


def when_utc(time: float | None) -> str:
    if time is None:
        return "????-??-?? ??:??:??"
    return datetime.fromtimestamp(time, UTC).strftime("%Y-%m-%d %H:%M:%S")


def render_text(diagnosis: Diagnosis, *, timeline: int = 15) -> str:
    expected = diagnosis.configured_expected
    lines = [
        diagnosis.verdict
        + ": "
        + ngettext(
            "cluster {name}, {count} node, configured expected votes {expected}",
            "cluster {name}, {count} nodes, configured expected votes {expected}",
            len(diagnosis.nodes),
        ).format(
            name=diagnosis.cluster_name or _("(name unknown)"),
            count=len(diagnosis.nodes),
            expected=expected if expected is not None else "?",
        )
    ]
    for part in diagnosis.partitions:
        state = _("quorate") if part.quorate else _("NOT quorate")
        flags = _(", flags {flags}").format(flags=" ".join(part.flags)) if part.flags else ""
        lines.append(
            "  "
            + _(
                "partition [{members}]: {state}, votes {total}/{expected}, quorum {quorum}"
                "{flags} (seen by {seen})"
            ).format(
                members=", ".join(part.members),
                state=state,
                total=part.total_votes,
                expected=part.expected_votes,
                quorum=part.quorum,
                flags=flags,
                seen=", ".join(part.seen_by),
            )
        )
    down = [n.name for n in diagnosis.nodes if n.running is False]
    absent = [n.name for n in diagnosis.nodes if not n.collected and n.reached]
    for node in diagnosis.nodes:
        if node.unreachable is not None:
            lines.append(
                "  "
                + _("not reached by the collector: {node} ({why})").format(
                    node=node.name, why=node.unreachable
                )
            )
    if down:
        lines.append("  " + _("corosync not running on: {nodes}").format(nodes=", ".join(down)))
    if absent:
        lines.append("  " + _("no evidence from: {nodes}").format(nodes=", ".join(absent)))
    lines.append("")
    for number, finding in enumerate(diagnosis.findings, 1):
        lines.append(f"{_MARK[finding.severity]}{number}. [{finding.kind}] {finding.summary}")
        for item in finding.evidence:
            where = f"{item.file}:{item.line}" if item.line else item.file
            lines.append(f"      {where}: {item.text}")
        if finding.next_step is not None:
            lines.append(
                "      " + _("next: {step}").format(step=finding.next_step.text(diagnosis.bundle))
            )
        lines.append("      " + _("(reference {section})").format(section=finding.reference))
    if diagnosis.timeline and timeline:
        shown = min(timeline, len(diagnosis.timeline))
        lines += [
            "",
            ngettext(
                "Timeline (last {count} event):", "Timeline (last {count} events):", shown
            ).format(count=shown),
        ]
        for event in diagnosis.timeline[-timeline:]:
            lines.append(
                f"  {when_utc(event.time)} {event.node:<12} {event.kind:<22} "
                f"{event.file}:{event.line}"
            )
    if diagnosis.problems:
        lines += ["", _("Not used (named so that nothing is silently lost):")]
        lines += [f"  {where}: {problem}" for where, problem in diagnosis.problems]
    # every text from the bundle is escaped where it was read; this is the last guard
    return "\n".join(one_line(line) for line in lines) + "\n"
