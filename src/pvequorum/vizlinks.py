"""The knet links of a simulated cluster as a figure (an edge: matplotlib).

One curve per pair of nodes and per link, as `corosync-cfgtool -s` reports them
(`pvequorum.linkview.pair_links`): link 0 arcs over the nodes, link 1 under them (then 2
over, 3 under, further out).  A working link is solid, the one that carries totem thick, a
dead link dashed with a cross, a link to a stopped node faint.  Each node box says whether
the node is quorate; while the simulator cannot tell (`engine.Undecidable`, reference 12.4)
the boxes say so instead of guessing.  Colours and words as in `pvequorum.viz`.
"""

from __future__ import annotations

from typing import Any

from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch

from pvequorum import linkview
from pvequorum.engine import Undecidable
from pvequorum.simulator import Simulator
from pvequorum.viz import FONT, OKABE_ITO, Figure

LINK_COLOURS = ("#0072B2", "#CC79A7", "#56B4E9", "#E69F00")
UNDECIDED = "cannot tell"
BOX_W, BOX_H, STEP = 1.6, 1.0, 2.2


def _node_state(name: str, views: dict[str, Any] | None, running: tuple[str, ...]) -> str:
    if name not in running:
        return "stopped"
    if views is None:
        return UNDECIDED
    return "quorate" if views[name].quorate else "blocked"


def links_figure(sim: Simulator, *, title: str = "") -> Figure:
    """The cluster's nodes and every link between them, as the simulator has them now."""
    names = [n.name for n in sim.cluster.by_nodeid()]
    x_of = {name: i * STEP for i, name in enumerate(names)}
    try:
        views: dict[str, Any] | None = dict(sim.views())
    except Undecidable:
        views = None
    fig = Figure(figsize=(max(6.5, 2.4 * len(names) + 1.5), 4.4))
    ax = fig.add_axes((0.01, 0.02, 0.98, 0.84 if title else 0.96))
    ax.set_axis_off()
    for name in names:
        state = _node_state(name, views, sim.running)
        colour = OKABE_ITO["stopped"] if state in ("stopped", UNDECIDED) else OKABE_ITO[state]
        x = x_of[name]
        ax.add_patch(
            FancyBboxPatch(
                (x, 0.0),
                BOX_W,
                BOX_H,
                boxstyle="round,pad=0.05",
                facecolor=colour,
                alpha=0.25 if state == "stopped" else 0.6,
                edgecolor=colour,
                linewidth=2,
                hatch="//" if state == "blocked" else None,
            )
        )
        word = state.upper() if state in ("quorate", "blocked") else state
        ax.text(x + BOX_W / 2, 0.68, name, ha="center", va="center", fontsize=FONT, weight="bold")
        ax.text(x + BOX_W / 2, 0.3, word, ha="center", va="center", fontsize=FONT - 2)
    pairs = linkview.pair_links(sim)
    for pair in pairs:
        _draw_link(ax, pair, x_of, names)
    count = max((p.link for p in pairs), default=0) + 1
    for k in range(count):
        over = k % 2 == 0
        y = BOX_H + 0.12 if over else -0.12
        ax.text(
            -0.15,
            y,
            f"link {k}",
            ha="right",
            va="bottom" if over else "top",
            fontsize=FONT - 1,
            weight="bold",
            color=LINK_COLOURS[k % len(LINK_COLOURS)],
        )
    ax.legend(
        handles=[
            Line2D([], [], color="#444444", linewidth=4.5, label="carries totem"),
            Line2D([], [], color="#444444", linewidth=1.8, label="connected, standby"),
            Line2D(
                [], [], color=OKABE_ITO["blocked"], linewidth=1.8, ls="--", label="disconnected"
            ),
        ],
        loc="lower center",
        bbox_to_anchor=(0.5, -0.02),
        ncols=3,
        fontsize=FONT - 2,
        framealpha=0.9,
    )
    if title:
        fig.text(0.5, 0.97, title, ha="center", va="top", fontsize=FONT + 1)
    ax.set_xlim(-1.2, max(x_of.values()) + BOX_W + 0.3)
    ax.set_ylim(-2.0, BOX_H + 1.6)
    return fig


def _draw_link(ax: Any, pair: linkview.PairLink, x_of: dict[str, float], names: list[str]) -> None:
    over = pair.link % 2 == 0
    tier = pair.link // 2
    hops = abs(names.index(pair.b) - names.index(pair.a))
    depth = 0.35 + 0.35 * (hops - 1) + 0.2 * tier
    base = BOX_H + 0.08 if over else -0.08
    xa, xb = x_of[pair.a] + BOX_W / 2, x_of[pair.b] + BOX_W / 2
    steps = 40
    xs = [xa + (xb - xa) * i / steps for i in range(steps + 1)]
    # a parabola from one node to the other, `depth` at its middle
    ys = [
        base + (1 if over else -1) * depth * 4 * (i / steps) * (1 - i / steps)
        for i in range(steps + 1)
    ]
    colour = LINK_COLOURS[pair.link % len(LINK_COLOURS)]
    if pair.state == linkview.DOWN:
        ax.plot(xs, ys, color=OKABE_ITO["blocked"], linewidth=1.8, linestyle="--")
        ax.text(
            xs[steps // 2],
            ys[steps // 2],
            "✕",
            ha="center",
            va="center",
            fontsize=FONT,
            color=OKABE_ITO["blocked"],
            weight="bold",
        )
    elif pair.state == linkview.IDLE:
        ax.plot(xs, ys, color=colour, linewidth=1.2, linestyle=":", alpha=0.5)
    else:
        ax.plot(xs, ys, color=colour, linewidth=4.5 if pair.carries else 1.8)
