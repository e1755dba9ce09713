"""The diagnosis's picture of the cluster as plain SVG text (pure; no matplotlib).

One box per configured node, grouped by the partition its status reported; the colour
and the text both say the state (quorate, not quorate, corosync down, no evidence), with
the same Okabe-Ito colours as the plan runbooks' figure.  Every string is escaped.
"""

from __future__ import annotations

from html import escape

from pvequorum.diagnosis.model import Diagnosis, NodeSummary
from pvequorum.i18n import _
from pvequorum.runbooks.figure import BOX_H, BOX_W, GAP, _box

_GROUP_GAP = 34


def _state(node: NodeSummary, diagnosis: Diagnosis) -> tuple[str, tuple[str, str]]:
    part = next((p for p in diagnosis.partitions if node.name in p.members), None)
    version = _("config v{version}").format(
        version=node.local_version if node.local_version is not None else "?"
    )
    if part is not None and node.running:
        if part.quorate:
            return "quorate", (_("quorate"), _expected(version, part.expected_votes))
        return "blocked", (_("NOT quorate"), _expected(version, part.expected_votes))
    if node.running is False:
        return "off", (_("corosync down"), version)
    return "unknown", (_("no evidence"), _("crash or cut off?"))


def _expected(version: str, expected: int | None) -> str:
    return _("{version}, exp {expected}").format(version=version, expected=expected)


def diagnosis_svg(diagnosis: Diagnosis) -> str:
    groups: list[list[NodeSummary]] = []
    for part in diagnosis.partitions:
        groups.append([n for n in diagnosis.nodes if n.name in part.members])
    placed = {n.name for group in groups for n in group}
    rest = [n for n in diagnosis.nodes if n.name not in placed]
    if rest:
        groups.append(rest)
    boxes, labels = [], []
    x = 10
    for index, group in enumerate(groups):
        start = x
        for node in group:
            state, lines = _state(node, diagnosis)
            boxes.append(_box(x, node.name, 1, state, lines).replace(">1 vote<", "><"))
            x += BOX_W + GAP
        shown = diagnosis.partitions[index] if index < len(diagnosis.partitions) else None
        label = (
            (
                _("partition {number}: quorate")
                if shown.quorate
                else _("partition {number}: not quorate")
            ).format(number=index + 1)
            if shown is not None
            else _("not in any membership")
        )
        labels.append(f'<text x="{start}" y="26" font-size="14">{escape(label)}</text>')
        x += _GROUP_GAP
    width = max(x, 400)
    title = escape(
        _("{verdict}: cluster {name}").format(
            verdict=diagnosis.verdict, name=diagnosis.cluster_name or "?"
        )
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{BOX_H + 60}" '
        f'font-family="sans-serif" role="img" aria-label="{title}"><title>{title}</title>'
        + "".join(labels)
        + "".join(boxes)
        + "</svg>"
    )
