"""The runbook's picture of the cluster as plain SVG text (pure; no matplotlib).

It draws what the evidence says, never a recomputed guess: the node's partition in the
state its `pvecm status` reported (the situation that matched it), missing nodes as
missing, confirmed off or not.  Every state is written as text as well as coloured
(Okabe-Ito colours), and every string from the input is escaped.
"""

from __future__ import annotations

from html import escape

from pvequorum.procedures.evidence import Mismatch, situation_of
from pvequorum.procedures.request import Planned

BOX_W, BOX_H, GAP = 170, 92, 18
COLOURS = {"quorate": "#009E73", "blocked": "#D55E00", "off": "#999999", "unknown": "#E69F00"}


def _box(x: int, name: str, votes: int, state: str, lines: tuple[str, str]) -> str:
    dash = ' stroke-dasharray="6 4"' if state in ("off", "unknown") else ""
    return (
        f'<g transform="translate({x},40)">'
        f'<rect width="{BOX_W}" height="{BOX_H}" rx="8" fill="{COLOURS[state]}" '
        f'fill-opacity="0.18" stroke="{COLOURS[state]}" stroke-width="3"{dash}/>'
        f'<text x="10" y="24" font-size="17" font-weight="bold">{escape(name)}</text>'
        f'<text x="{BOX_W - 10}" y="24" font-size="13" text-anchor="end">'
        f"{votes} vote{'s' if votes != 1 else ''}</text>"
        f'<text x="10" y="52" font-size="14">{escape(lines[0])}</text>'
        f'<text x="10" y="74" font-size="13">{escape(lines[1])}</text></g>'
    )


def cluster_svg(planned: Planned) -> str:
    cluster, state = planned.cluster, planned.inp.state
    situation = situation_of(cluster, state)
    view = None if isinstance(situation, Mismatch) else situation.view()
    boxes = []
    for i, node in enumerate(cluster.by_nodeid()):
        x = 10 + i * (BOX_W + GAP)
        if node.name in state.up:
            if view is None:
                kind, lines = "unknown", ("status disagrees", "with the config")
            elif view.quorate:
                kind, lines = "quorate", ("quorate", "/etc/pve writable")
            else:
                kind, lines = "blocked", ("NOT quorate", "/etc/pve read-only")
        elif node.name in state.confirmed_down:
            kind, lines = "off", ("missing", "confirmed off")
        else:
            kind, lines = "unknown", ("missing", "NOT confirmed off")
        boxes.append(_box(x, node.name, node.effective_votes, kind, lines))
    caption = (
        f"cluster {cluster.name}: "
        + (
            f"{view.total_votes} of {view.expected_votes} expected votes present, quorum "
            f"{view.quorum}"
            if view is not None
            else "the status and the config disagree"
        )
        + (" (as the status reported)" if state.status else " (assumed: no status given)")
    )
    width = max(20 + len(boxes) * (BOX_W + GAP), 20 + 9 * len(caption))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="150" '
        f'viewBox="0 0 {width} 150" font-family="DejaVu Sans, sans-serif">'
        f'<text x="10" y="24" font-size="15">{escape(caption)}</text>{"".join(boxes)}</svg>'
    )
