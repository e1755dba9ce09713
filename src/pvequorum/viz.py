"""Figures (an edge: matplotlib).  Built on `matplotlib.figure.Figure`, no pyplot state.

Readable on a projector (large labels) and colour-blind safe (Okabe-Ito colours, and every
state is also written as text: QUORATE / BLOCKED / stopped).
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure as _MatplotlibFigure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Patch
from matplotlib.ticker import MaxNLocator

from pvequorum import engine, timing
from pvequorum.analysis import FailureAnalysis
from pvequorum.model import Cluster
from pvequorum.outage import describe
from pvequorum.scenario import Accepted, Scenario, Step
from pvequorum.simulator import Simulator


class Figure(_MatplotlibFigure):
    """A matplotlib figure that draws itself wherever IPython shows it.

    The kit builds figures without pyplot (no global state, no GUI backend), so no inline
    backend is registered and a bare `Figure` would show as its text repr in JupyterLab,
    papermill or nbconvert.  `_repr_png_` makes every front end show the image."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()


OKABE_ITO = {
    "quorate": "#009E73",  # bluish green
    "blocked": "#D55E00",  # vermillion
    "stopped": "#999999",
    "qdevice": "#0072B2",  # blue
    "warning": "#E69F00",  # orange
}
FONT = 13


CLUSTER_LEGEND = {
    "quorate": "quorate: /etc/pve writable",
    "blocked": "blocked: /etc/pve read-only",
    "stopped": "stopped",
    "qdevice": "QDevice vote",
}


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
    # A fixed axes box and the title as figure text, not tight_layout and ax.set_title:
    # the widget redraws on every click, and those two cost more than the drawing itself.
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.86 if title else 0.98))
    ax.set_axis_off()
    x = 0.0
    shown: dict[str, None] = {}  # states drawn, in order, for the legend
    for group in groups:
        is_stopped = group is stopped
        quorate = not is_stopped and all(views[n].quorate for n in group if n in views)
        state = "stopped" if is_stopped else ("quorate" if quorate else "blocked")
        shown[state] = None
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
            label += f"\n{v.total_votes} of quorum {v.quorum}"
        ax.text(
            (left + x - 0.3) / 2,
            0.15,
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
        fig.text(0.5, 0.96, title, ha="center", va="top", fontsize=FONT + 1)
    if qdevice_votes:
        shown["qdevice"] = None
    _legend(
        ax,
        [
            Patch(
                facecolor=OKABE_ITO[s],
                alpha=0.55,
                hatch="//" if s == "blocked" else None,
                label=CLUSTER_LEGEND[s],
            )
            for s in shown
        ],
        loc="lower left",
        ncols=len(shown),
    )
    ax.set_xlim(-0.3, max(x, 1.0))
    ax.set_ylim(-0.75, 2.6)
    return fig


def _legend(ax: Any, handles: list[Any], **options: Any) -> None:
    ax.legend(handles=handles, fontsize=FONT - 2, framealpha=0.9, **options)


def vote_bars_figure(
    views: Mapping[str, Any],
    partitions: Sequence[Sequence[str]],
    *,
    title: str = "",
) -> Figure:
    """One bar per partition: its votes against its quorum line, so the gap is visible.

    A partition's numbers are those of its first node (every member of a settled partition
    shows the same); `views` maps running node names to objects with `quorate`,
    `total_votes`, `quorum` and `expected_votes` (a simulator `NodeView`).
    """
    parts = [list(p) for p in partitions if p]
    fig = Figure(figsize=(10, 1.9 + 0.9 * max(1, len(parts))), layout="constrained")
    ax = fig.add_subplot()
    top = 1
    for i, part in enumerate(parts):
        v = views[part[0]]
        y = len(parts) - 1 - i
        state = "quorate" if v.quorate else "blocked"
        color = OKABE_ITO[state]
        top = max(top, v.total_votes, v.quorum, v.expected_votes)
        ax.barh(
            y,
            v.total_votes,
            height=0.6,
            color=color,
            alpha=0.7,
            edgecolor=color,
            linewidth=2,
            hatch="//" if state == "blocked" else None,
        )
        ax.vlines(v.quorum, y - 0.42, y + 0.42, colors="black", linestyles="--", linewidth=2)
        ax.text(
            v.quorum, y + 0.44, f"quorum {v.quorum}", ha="center", va="bottom", fontsize=FONT - 2
        )
        ax.text(
            v.total_votes + 0.08 * max(top, 1),
            y,
            f"{state.upper()}  {v.total_votes} of {v.expected_votes} expected",
            va="center",
            fontsize=FONT,
            weight="bold",
            color=color,
        )
    ax.set_yticks(range(len(parts)), [", ".join(p) for p in reversed(parts)], fontsize=FONT)
    ax.set_ylim(-0.6, len(parts) - 0.2)
    ax.set_xlim(0, top * 2.0 + 1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(axis="x", labelsize=FONT - 1)
    ax.set_xlabel("votes", fontsize=FONT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    _legend(
        ax,
        [
            Patch(facecolor=OKABE_ITO["quorate"], alpha=0.7, label="quorate"),
            Patch(facecolor=OKABE_ITO["blocked"], alpha=0.7, hatch="//", label="blocked"),
            Line2D([], [], color="black", linestyle="--", linewidth=2, label="quorum line"),
        ],
        loc="lower right",
    )
    if title:
        ax.set_title(title, fontsize=FONT + 1)
    return fig


def _percent(ok: int, sets: int) -> str:
    """A share as whole percent that never rounds a partial share to 0 % or 100 %."""
    if sets == 0:
        return "n/a"
    pct = round(100 * ok / sets)
    if 0 < ok < sets:
        pct = min(max(pct, 1), 99)
    return f"{pct} %"


def _plural(k: int, word: str) -> str:
    return f"{k} {word}{'' if k == 1 else 's'}"


def tolerance_figure(analysis: FailureAnalysis, *, title: str = "") -> Figure:
    """How many failure sets of each size keep quorum: the answer to "how many can I lose?".

    Both summary numbers are written out because survival need not be monotone
    (`FailureAnalysis`): the largest k always survived and the smallest k that can break.
    """
    fig = Figure(figsize=(9, 5.2), layout="constrained")
    ax = fig.add_subplot()
    legend_states = {
        "quorate": "every set quorate",
        "warning": "some sets quorate",
        "blocked": "no set quorate",
    }
    ks = [k for k, _, _ in analysis.by_failures]
    heights = [100 * ok / sets if sets else 0.0 for _, sets, ok in analysis.by_failures]
    states = [
        "quorate" if ok == sets else ("blocked" if ok == 0 else "warning")
        for _, sets, ok in analysis.by_failures
    ]
    colors = [OKABE_ITO[state] for state in states]
    bars = ax.bar(
        ks,
        [max(h, 0.8) for h in heights],  # a sliver so a 0 % bar still shows where it is
        width=0.7,
        color=colors,
        alpha=0.75,
        edgecolor=colors,
        linewidth=2,
    )
    for bar, state in zip(bars, states, strict=True):
        if state == "blocked":
            bar.set_hatch("//")
    for (k, sets, ok), height in zip(analysis.by_failures, heights, strict=True):
        ax.text(k, height + 2, _percent(ok, sets), ha="center", va="bottom", fontsize=FONT)
        ax.text(k, height + 9, f"{ok} of {sets}", ha="center", va="bottom", fontsize=FONT - 3)
    if analysis.always_survived is None:
        survive = "not quorate even when intact"
    elif analysis.always_survived == 0:
        survive = "quorate when intact; not every single failure is survived"
    else:
        survive = f"survives any {_plural(analysis.always_survived, 'failure')}"
    if analysis.can_break_at is None:
        breaks = "no failure set breaks quorum"
    elif analysis.can_break_at == 0:
        breaks = "quorum is broken before any failure"
    else:
        k = analysis.can_break_at
        breaks = (
            "a single failure can break quorum"
            if k == 1
            else f"some {_plural(k, 'failure')} break quorum"
        )
        if analysis.break_witness:
            breaks += f" (e.g. {', '.join(analysis.break_witness)})"
    facts = f"{analysis.nodes} nodes, {analysis.total_votes} votes, quorum {analysis.quorum}"
    if not analysis.qdevice_alive:
        facts += ", QDevice down"
    ax.text(
        0.01,
        0.98,
        f"{survive}\n{breaks}\n{facts}",
        transform=ax.transAxes,
        va="top",
        fontsize=FONT,
        bbox={"facecolor": "white", "edgecolor": "#cccccc", "alpha": 0.9},
    )
    ax.set_xticks([k for k, _, _ in analysis.by_failures])
    ax.tick_params(labelsize=FONT - 1)
    ax.set_xlabel("failed nodes k", fontsize=FONT)
    ax.set_ylabel("share of failure sets still quorate (%)", fontsize=FONT)
    ax.set_ylim(0, 160)
    ax.set_yticks(range(0, 101, 25))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    _legend(
        ax,
        [
            Patch(
                facecolor=OKABE_ITO[s],
                alpha=0.75,
                hatch="//" if s == "blocked" else None,
                label=label,
            )
            for s, label in legend_states.items()
        ],
        loc="upper right",
    )
    if title:
        ax.set_title(title, fontsize=FONT + 1)
    return fig


_SIDES = {
    "isolated": ("blocked", "o", "isolated node"),
    "quorate": ("quorate", "s", "quorate side"),
    "both": ("stopped", "D", "both sides"),
}


def _seconds(ms: int) -> str:
    return f"{ms / 1000:g}"


def ha_timeline_figure(cluster: Cluster, *, title: str = "") -> Figure:
    """What HA does after a node loses quorum at t=0, so the self-fence delay is not a surprise.

    Events whose time depends on the LRM round are drawn as spans (earliest to latest); each
    event's time is also written beside it.
    """
    events = timing.ha_timeline(cluster)
    detection = timing.failure_detection(cluster)
    n = len(events)
    fig = Figure(figsize=(14, 2.2 + 0.62 * n), layout="constrained")
    ax = fig.add_subplot()
    fence = None
    spans: list[tuple[float, float, float, str]] = []
    points: dict[str, tuple[list[float], list[float]]] = {side: ([], []) for side in _SIDES}
    right = max(e.latest_ms for e in events) / 1000
    for i, e in enumerate(events):
        y = n - 1 - i
        side = e.side if e.side in _SIDES else "both"
        color = OKABE_ITO[_SIDES[side][0]]
        is_fence = "self-fence" in e.event
        if is_fence:
            fence = e
            ax.axhspan(y - 0.45, y + 0.45, color=OKABE_ITO["warning"], alpha=0.25, linewidth=0)
        start, end = e.earliest_ms / 1000, e.latest_ms / 1000
        if end != start:
            spans.append((y, start, end, color))
        points[side][0].append(start)
        points[side][1].append(y)
        when = f"{_seconds(e.earliest_ms)} s"
        if e.latest_ms != e.earliest_ms:
            when = f"{_seconds(e.earliest_ms)}–{_seconds(e.latest_ms)} s"
        if e.inference:
            when += " (inference)"
        ax.text(end + 0.012 * right + 1, y, when, va="center", fontsize=FONT - 2)
        # Row labels as texts, not tick labels: ten ticks cost more than the whole figure.
        ax.text(
            -0.01,
            y,
            textwrap.fill(
                textwrap.shorten(e.event, 60, placeholder=" …"), 36, break_on_hyphens=False
            ),
            transform=ax.get_yaxis_transform(),
            ha="right",
            va="center",
            fontsize=FONT - 3,
            weight="bold" if is_fence else "normal",
        )
    ax.set_yticks([])
    if spans:  # one collection per kind of mark keeps the figure fast to build
        ys, starts, ends, colors = zip(*spans, strict=True)
        ax.hlines(ys, starts, ends, colors=colors, linewidth=11, alpha=0.45)
    for side, (xs, ys_) in points.items():
        state, marker, _ = _SIDES[side]
        ax.plot(xs, ys_, marker=marker, markersize=10, color=OKABE_ITO[state], linestyle="none")
    ax.axvline(0, color="black", linestyle="--", linewidth=2)
    ax.text(0.5, n - 0.35, "quorum lost", fontsize=FONT, weight="bold", va="bottom")
    if fence is not None:
        ax.text(
            0.2,
            0.03,
            f"self-fence within {_seconds(fence.earliest_ms)}–{_seconds(fence.latest_ms)} s",
            transform=ax.transAxes,
            ha="left",
            va="bottom",
            fontsize=FONT + 1,
            weight="bold",
            color="white",
            bbox={"facecolor": OKABE_ITO["blocked"], "edgecolor": "none"},
        )
    ax.text(
        0.99,
        0.97,
        f"new membership ≈ {detection.approx_ms} ms after the link fails (inference)",
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=FONT - 2,
    )
    left = min(e.earliest_ms for e in events) / 1000
    ax.set_xlim(left - 0.04 * (right - left), right * 1.16)
    ax.set_ylim(-0.6, n + 0.3)
    ax.tick_params(axis="x", labelsize=FONT - 1)
    ax.set_xlabel("seconds after quorum loss", fontsize=FONT)
    ax.grid(axis="x", alpha=0.3)
    handles: list[Any] = [
        Line2D([], [], color=OKABE_ITO[state], marker=marker, markersize=10, ls="", label=label)
        for state, marker, label in _SIDES.values()
    ]
    handles.append(Patch(facecolor=OKABE_ITO["warning"], alpha=0.25, label="self-fence"))
    _legend(ax, handles, loc="center right")
    if title:
        ax.set_title(title, fontsize=FONT + 1)
    return fig


def step_label(step: Step) -> str:
    """A scenario step in a few words (the x labels of `scenario_timeline_figure`)."""
    if step.kind == "observe":
        return f"observe: {textwrap.shorten(step.label or '', 28, placeholder='…')}"
    return describe(step)


def _runs(values: Sequence[str]) -> list[tuple[str, int, int]]:
    """Runs of equal neighbours as (value, first index, last index)."""
    runs: list[tuple[str, int, int]] = []
    for i, value in enumerate(values):
        if runs and runs[-1][0] == value:
            runs[-1] = (value, runs[-1][1], i)
        else:
            runs.append((value, i, i))
    return runs


def scenario_timeline_figure(
    scenario: Scenario, *, node: str | None = None, title: str = ""
) -> Figure:
    """One node's quorum numbers after each step of a scenario, replayed on the simulator.

    Shows why the node is quorate or blocked at each step (total votes against quorum, with
    expected votes); blocked steps are shaded and stopped steps marked.  `node` defaults to
    the first node that is running after the most steps.
    """
    sim = Simulator(scenario.cluster)
    names = scenario.cluster.names
    rows: list[dict[str, Any]] = []
    for step in scenario.steps:
        result = engine.apply(sim, step)
        rows.append({"views": sim.views(), "result": result, "split": sim.split_brain()})
    if node is None:
        counts = {n: sum(n in r["views"] for r in rows) for n in names}
        node = max(names, key=lambda n: counts[n])  # max keeps the first of equals
    else:
        scenario.cluster.node(node)
    nan = float("nan")
    views = [r["views"].get(node) for r in rows]
    x = range(len(rows))
    edges = [i - 0.5 for i in range(len(rows) + 1)]
    expected = [v.expected_votes if v else nan for v in views]
    total = [v.total_votes if v else nan for v in views]
    quorum = [v.quorum if v else nan for v in views]
    members = [len(v.members) if v else nan for v in views]
    top = max([1, *(val for val in (*expected, *total, *quorum, *members) if val == val)])

    fig = Figure(figsize=(max(9.0, 1.25 * len(rows) + 3), 6.2), layout="constrained")
    ax = fig.add_subplot()
    stopped = [(i - 0.5, 1.0) for i, v in enumerate(views) if v is None]
    blocked = [(i - 0.5, 1.0) for i, v in enumerate(views) if v is not None and not v.quorate]
    height = (0, top + 1.8)
    ax.broken_barh(stopped, height, facecolor=OKABE_ITO["stopped"], alpha=0.3, linewidth=0)
    ax.broken_barh(
        blocked,
        height,
        facecolor=OKABE_ITO["blocked"],
        alpha=0.2,
        hatch="//",
        edgecolor=OKABE_ITO["blocked"],
        linewidth=0,
    )
    for i, step in enumerate(scenario.steps):
        # Step labels as texts, not tick labels: a tick per step costs more than the figure.
        ax.text(
            i,
            -0.02,
            step_label(step),
            transform=ax.get_xaxis_transform(),
            rotation=35,
            rotation_mode="anchor",
            ha="right",
            va="top",
            fontsize=FONT - 3,
        )
        if rows[i]["result"] == Accepted(False):
            ax.text(i, top + 0.95, "refused", ha="center", fontsize=FONT - 3)
        if rows[i]["split"]:
            ax.text(i, top + 1.35, "SPLIT BRAIN", ha="center", fontsize=FONT - 3, weight="bold")
    ax.vlines(edges[1:-1], 0, top + 1.8, colors="#dddddd", linewidth=0.8)  # step borders
    # One state word per run of equal steps: as readable as one per step, and faster.
    for state, first, last in _runs(
        ["stopped" if v is None else ("quorate" if v.quorate else "blocked") for v in views]
    ):
        middle = (first + last) / 2
        if state == "stopped":
            ax.text(
                middle,
                top * 0.5,
                "stopped",
                ha="center",
                va="center",
                rotation=0 if last > first else 90,
                fontsize=FONT,
            )
        else:
            ax.text(
                middle,
                top + 0.55,
                state.upper(),
                ha="center",
                fontsize=FONT - 2,
                weight="bold",
                color=OKABE_ITO[state],
            )
    # expected drawn wide underneath, so it still shows where total votes equal it
    ax.stairs(expected, edges, baseline=None, color=OKABE_ITO["qdevice"], linewidth=6, alpha=0.6)
    ax.stairs(total, edges, baseline=None, color=OKABE_ITO["quorate"], linewidth=2.5)
    ax.stairs(quorum, edges, baseline=None, color="black", linewidth=2.5, linestyle="--")
    ax.plot(x, members, "o", color=OKABE_ITO["warning"], markersize=9)

    waits = [s.ms for s in scenario.steps if s.kind == "wait" and s.ms]
    if waits:
        approx = timing.failure_detection(scenario.cluster).approx_ms
        ax.text(
            0.01,
            0.02,
            f"new membership ≈ {approx} ms after a failure; the simulator settles at once",
            transform=ax.transAxes,
            fontsize=FONT - 2,
        )
    ax.set_xticks([])
    ax.tick_params(axis="y", labelsize=FONT - 1)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(-0.5, len(rows) - 0.5)
    ax.set_ylim(0, top + 1.8)
    ax.set_ylabel(f"votes seen by {node}", fontsize=FONT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    _legend(
        ax,
        [
            Line2D(
                [], [], color=OKABE_ITO["qdevice"], linewidth=6, alpha=0.6, label="expected votes"
            ),
            Line2D([], [], color=OKABE_ITO["quorate"], linewidth=2.5, label="total votes"),
            Line2D([], [], color="black", linewidth=2.5, linestyle="--", label="quorum"),
            Line2D([], [], color=OKABE_ITO["warning"], marker="o", ls="", label="members (nodes)"),
            Patch(facecolor=OKABE_ITO["blocked"], alpha=0.2, hatch="//", label="not quorate"),
            Patch(facecolor=OKABE_ITO["stopped"], alpha=0.3, label="stopped"),
        ],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
    )
    ax.set_title(title or f"{scenario.name}: {node}", fontsize=FONT + 1)
    return fig


def figure_texts(fig: Figure) -> list[str]:
    """Every text drawn on a figure, for tests that check what a figure shows.

    Texts, titles, axis labels, tick labels and legend entries.
    """
    texts = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        texts += [t.get_text() for t in ax.texts] + [ax.get_title()]
        texts += [ax.get_xlabel(), ax.get_ylabel()]
        texts += [t.get_text() for t in (*ax.get_xticklabels(), *ax.get_yticklabels())]
        legend = ax.get_legend()
        if legend is not None:
            texts += [t.get_text() for t in legend.get_texts()]
    return [t for t in texts if t]
