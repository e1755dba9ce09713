"""The device's vote on a time axis (an edge: matplotlib), for notebook 04.

Top: the votes one node counts (`Total votes`), as a step line from its polls, the stretch
where its own qdevice casts the vote shaded.  Each action is a dashed line with its label,
each change of the vote a marker with the measured delay after that action, so the figure
shows what reference 12.1 says in words: the vote arrives a moment after corosync-qdevice
starts, leaves at once when qnetd stops, and comes back at the qdevice's next attempt.
"""

from __future__ import annotations

from typing import Any

from pvequorum.devicetimeline import DeviceTimeline
from pvequorum.viz import FONT, OKABE_ITO, Figure


def device_vote_figure(timeline: DeviceTimeline, *, title: str = "") -> Figure:
    fig = Figure(figsize=(14, 4.6), layout="constrained")
    ax: Any = fig.add_subplot()
    answered = [s for s in timeline.samples if s.total_votes is not None]
    xs = [s.t_ms / 1000 for s in answered]
    ys = [s.total_votes or 0 for s in answered]
    ax.step(xs, ys, where="post", color="black", linewidth=2.5, label="Total votes")
    end = timeline.end_ms() / 1000
    start: float | None = None
    for sample in timeline.samples:
        t = sample.t_ms / 1000
        if sample.cast and start is None:
            start = t
        elif sample.cast is False and start is not None:
            ax.axvspan(start, t, color=OKABE_ITO["qdevice"], alpha=0.18, linewidth=0)
            start = None
    if start is not None:
        ax.axvspan(start, end, color=OKABE_ITO["qdevice"], alpha=0.18, linewidth=0)
    top = max(ys, default=1) + 1
    for i, event in enumerate(timeline.events):
        t = event.t_ms / 1000
        ax.axvline(t, color="#555555", linestyle="--", linewidth=1.5)
        y = top - 0.15 - 0.4 * (i % 2)  # neighbours alternate rows: labels never overlap
        ax.text(t, y, " " + event.label, fontsize=FONT - 2, va="top")
    for change in timeline.changes():
        t = change.t_ms / 1000
        level = next((s.total_votes for s in answered if s.t_ms == change.t_ms), None)
        colour = OKABE_ITO["quorate"] if change.change == "arrives" else OKABE_ITO["blocked"]
        ax.plot([t], [level if level is not None else 0], "o", markersize=11, color=colour)
        delay = "" if change.delay_ms is None else f" {change.delay_ms} ms after it"
        ax.text(
            t,
            (level or 0) - 0.45,
            f" vote {change.change}{delay}",
            fontsize=FONT - 1,
            color=colour,
            weight="bold",
            va="top",
        )
    ax.set_ylim(0, top)
    ax.set_xlim(0, end * 1.02 if end else 1)
    ax.set_yticks(range(0, top))
    ax.set_ylabel(f"Total votes on {timeline.node}", fontsize=FONT)
    ax.set_xlabel("seconds", fontsize=FONT)
    ax.tick_params(labelsize=FONT - 1)
    ax.grid(axis="y", alpha=0.3)
    ax.text(
        0.995,
        0.02,
        f"shaded: {timeline.node}'s qdevice casts the vote · {timeline.source}",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=FONT - 4,
        wrap=True,
    )
    if title:
        ax.set_title(title, fontsize=FONT + 1)
    return fig
