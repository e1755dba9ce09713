"""Figures (an edge: matplotlib).  Built on `matplotlib.figure.Figure`, no pyplot state.

Readable on a projector (large labels) and colour-blind safe (Okabe-Ito colours, and every
state is also written as text: QUORATE / BLOCKED / stopped).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

OKABE_ITO = {
    "quorate": "#009E73",  # bluish green
    "blocked": "#D55E00",  # vermillion
    "stopped": "#999999",
    "qdevice": "#0072B2",  # blue
    "warning": "#E69F00",  # orange
}
FONT = 13


def cluster_figure(
    node_votes: Mapping[str, int],
    partitions: Sequence[Sequence[str]],
    views: Mapping[str, Any],
    *,
    title: str = "",
    qdevice_votes: int = 0,
    split_brain: bool = False,
) -> Figure:
    """Nodes with their votes, grouped by partition; quorate groups distinct from blocked.

    `views` maps running node names to objects with `quorate`, `total_votes`, `quorum`
    (a simulator `NodeView` or a parsed status); nodes missing from every partition are drawn
    as stopped.
    """
    running = {n for group in partitions for n in group}
    groups = [list(g) for g in partitions]
    stopped = [n for n in node_votes if n not in running]
    if stopped:
        groups.append(stopped)
    width = max(6.0, 2.2 * len(node_votes) + 1.2 * len(groups))
    fig = Figure(figsize=(width, 3.6))
    ax = fig.add_subplot()
    ax.set_axis_off()
    x = 0.0
    for group in groups:
        is_stopped = group is stopped
        quorate = not is_stopped and all(views[n].quorate for n in group if n in views)
        state = "stopped" if is_stopped else ("quorate" if quorate else "blocked")
        color = OKABE_ITO[state]
        left = x
        for name in group:
            box = FancyBboxPatch(
                (x, 0.6),
                1.6,
                1.2,
                boxstyle="round,pad=0.05",
                facecolor=color,
                alpha=0.25 if is_stopped else 0.55,
                edgecolor=color,
                linewidth=2,
                hatch="//" if state == "blocked" else None,
            )
            ax.add_patch(box)
            ax.text(x + 0.8, 1.35, name, ha="center", va="center", fontsize=FONT, weight="bold")
            ax.text(
                x + 0.8,
                0.9,
                f"{node_votes[name]} vote{'s' if node_votes[name] != 1 else ''}",
                ha="center",
                va="center",
                fontsize=FONT - 2,
            )
            x += 1.9
        label = state.upper() if state != "stopped" else "stopped"
        if not is_stopped and group and group[0] in views:
            v = views[group[0]]
            label += f"  {v.total_votes} of quorum {v.quorum}"
        ax.text(
            (left + x - 0.3) / 2,
            0.25,
            label,
            ha="center",
            va="center",
            fontsize=FONT,
            color=color,
            weight="bold",
        )
        x += 0.8
    if qdevice_votes:
        ax.add_patch(
            FancyBboxPatch(
                (x, 0.6),
                1.6,
                1.2,
                boxstyle="round,pad=0.05",
                facecolor=OKABE_ITO["qdevice"],
                alpha=0.3,
                edgecolor=OKABE_ITO["qdevice"],
                linewidth=2,
            )
        )
        ax.text(x + 0.8, 1.35, "QDevice", ha="center", va="center", fontsize=FONT, weight="bold")
        ax.text(
            x + 0.8, 0.9, f"{qdevice_votes} vote(s)", ha="center", va="center", fontsize=FONT - 2
        )
        x += 1.9
    if split_brain:
        ax.text(
            x / 2,
            2.25,
            "SPLIT BRAIN: two partitions are quorate",
            ha="center",
            fontsize=FONT + 1,
            weight="bold",
            color="white",
            bbox={"facecolor": OKABE_ITO["blocked"], "edgecolor": "none"},
        )
    if title:
        ax.set_title(title, fontsize=FONT + 1)
    ax.set_xlim(-0.3, max(x, 1.0))
    ax.set_ylim(0, 2.6)
    fig.tight_layout()
    return fig


def figure_texts(fig: Figure) -> list[str]:
    """Every text drawn on a figure, for tests that check what a figure shows."""
    texts = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        texts += [t.get_text() for t in ax.texts] + [ax.get_title()]
    return [t for t in texts if t]
