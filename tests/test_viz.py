"""The figures show what they must: every node, every state in words, the key numbers."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable

import pytest
from matplotlib.figure import Figure
from paths import TEAM_SCENARIOS

from pvequorum import outage
from pvequorum.analysis import analyze
from pvequorum.model import simple_cluster
from pvequorum.scenario import Step, load_scenario
from pvequorum.viz import (
    cluster_figure,
    figure_texts,
    ha_timeline_figure,
    scenario_timeline_figure,
    step_label,
    tolerance_figure,
    vote_bars_figure,
)

SCENARIO = TEAM_SCENARIOS / "three-node-failures.json"
WAITS = TEAM_SCENARIOS / "last-man-standing.json"


def renders(fig: Figure) -> None:
    fig.savefig(io.BytesIO(), format="png")


def joined(fig: Figure) -> str:
    return "\n".join(figure_texts(fig))


def legend_texts(fig: Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]


def snap_after(preset: str, *steps: Step) -> outage.Snapshot:
    state = outage.new_outage(outage.PRESETS[preset].cluster)
    for step in steps:
        state = outage.act(state, step)
    return outage.snapshot(state)


SPLIT_THREE = Step("partition", groups=(("pve1", "pve2"), ("pve3",)))
SPLIT_TWO = Step("partition", groups=(("pve1",), ("pve2",)))


# --- cluster_figure -----------------------------------------------------------------------


def test_cluster_figure_nodes_and_states() -> None:
    snap = snap_after("three-node", SPLIT_THREE)
    votes = {n.name: n.votes for n in snap.cluster.nodes}
    fig = cluster_figure(votes, snap.partitions, snap.views, title="split")
    texts = figure_texts(fig)
    for name in votes:
        assert name in texts
    assert any(t.startswith("QUORATE") for t in texts)
    assert any(t.startswith("BLOCKED") for t in texts)
    assert "split" in texts
    renders(fig)


def test_cluster_figure_stopped_node() -> None:
    snap = snap_after("three-node", Step("crash", nodes=("pve3",)))
    votes = {n.name: n.votes for n in snap.cluster.nodes}
    texts = figure_texts(cluster_figure(votes, snap.partitions, snap.views))
    assert "pve3" in texts
    assert "stopped" in texts


def test_cluster_figure_qdevice() -> None:
    snap = snap_after("two-node-qdevice")
    votes = {n.name: n.votes for n in snap.cluster.nodes}
    fig = cluster_figure(votes, snap.partitions, snap.views, qdevice_votes=1)
    assert "QDevice" in figure_texts(fig)
    renders(fig)


def test_cluster_figure_split_brain_banner() -> None:
    snap = snap_after("two-node-mode", SPLIT_TWO)
    assert snap.split_brain
    votes = {n.name: n.votes for n in snap.cluster.nodes}
    fig = cluster_figure(votes, snap.partitions, snap.views, split_brain=snap.split_brain)
    assert any("SPLIT BRAIN" in t for t in figure_texts(fig))
    renders(fig)


# --- vote_bars_figure ---------------------------------------------------------------------


def test_vote_bars_partition_labels_quorum_and_states() -> None:
    snap = snap_after("three-node", SPLIT_THREE)
    fig = vote_bars_figure(snap.views, snap.partitions, title="three nodes split")
    texts = figure_texts(fig)
    assert "pve1, pve2" in texts
    assert "pve3" in texts
    assert "quorum 2" in texts
    assert "QUORATE  2 of 3 expected" in texts
    assert any(t.startswith("BLOCKED") and "1 of 3 expected" in t for t in texts)
    assert "votes" in texts
    assert legend_texts(fig) == ["quorate", "blocked", "quorum line"]
    renders(fig)


def test_vote_bars_quorum_per_partition() -> None:
    """After `pvecm expected 1` the lone node has its own, lower quorum line."""
    snap = snap_after("two-node", SPLIT_TWO, Step("expected", nodes=("pve1",), votes=1))
    texts = figure_texts(vote_bars_figure(snap.views, snap.partitions))
    assert "quorum 1" in texts
    assert "quorum 2" in texts
    assert "QUORATE  1 of 1 expected" in texts
    assert "BLOCKED  1 of 2 expected" in texts


# --- tolerance_figure ---------------------------------------------------------------------


def test_tolerance_three_nodes() -> None:
    fig = tolerance_figure(analyze(simple_cluster(3)), title="3 nodes")
    texts = figure_texts(fig)
    bar_labels = [t for t in texts if t.endswith(" %")]
    assert bar_labels == ["100 %", "100 %", "0 %", "0 %"]  # k = 0, 1, 2, 3
    text = joined(fig)
    assert "survives any 1 failure\n" in text
    assert "some 2 failures break quorum" in text
    assert "failed nodes k" in texts
    assert "share of failure sets still quorate (%)" in texts
    renders(fig)


def test_tolerance_partial_shares() -> None:
    # One heavy node: losing it breaks quorum, losing a light one does not.
    fig = tolerance_figure(analyze(simple_cluster(3, votes=[3, 1, 1])))
    assert [t for t in figure_texts(fig) if t.endswith(" %")] == ["100 %", "67 %", "33 %", "0 %"]
    assert "a single failure can break quorum (e.g. pve1)" in joined(fig)
    renders(fig)


def test_tolerance_not_quorate_when_intact() -> None:
    """Nodes without votes never reach quorum: `always_survived` is None."""
    analysis = analyze(simple_cluster(2, votes=[0, 0]))
    assert analysis.always_survived is None
    assert "not quorate even when intact" in joined(tolerance_figure(analysis))


def test_tolerance_nothing_breaks() -> None:
    """`can_break_at` None (no failure set breaks quorum) is written out, not left blank."""
    analysis = dataclasses.replace(
        analyze(simple_cluster(1)),
        always_survived=1,
        can_break_at=None,
        by_failures=((0, 1, 1), (1, 1, 1)),
    )
    text = joined(tolerance_figure(analysis))
    assert "survives any 1 failure" in text
    assert "no failure set breaks quorum" in text


# --- ha_timeline_figure -------------------------------------------------------------------


def test_ha_timeline_quorum_lost_and_self_fence() -> None:
    fig = ha_timeline_figure(simple_cluster(3), title="HA after quorum loss")
    texts = figure_texts(fig)
    assert "quorum lost" in texts
    assert "self-fence within 60–70 s" in texts
    assert "seconds after quorum loss" in texts
    assert {"isolated node", "quorate side", "both sides"} <= set(legend_texts(fig))
    renders(fig)


# --- scenario_timeline_figure -------------------------------------------------------------


def test_scenario_timeline_labels_and_node() -> None:
    scenario = load_scenario(SCENARIO)
    fig = scenario_timeline_figure(scenario)
    texts = figure_texts(fig)
    for step in scenario.steps:
        assert step_label(step) in texts
    assert "crash pve3" in texts
    assert any("pve1" in t for t in texts if "votes" in t or scenario.name in t)
    assert "BLOCKED" in texts  # pve1 alone before `pvecm expected 1`
    assert "QUORATE" in texts
    assert {"expected votes", "total votes", "quorum"} <= set(legend_texts(fig))
    renders(fig)


def test_scenario_timeline_stopped_node_and_waits() -> None:
    scenario = load_scenario(WAITS)
    fig = scenario_timeline_figure(scenario, node="pve5")
    texts = figure_texts(fig)
    assert "stopped" in texts
    assert any("pve5" in t for t in texts)
    assert any(t.startswith("new membership ≈") and " ms after a failure" in t for t in texts)
    for step in scenario.steps:
        assert step_label(step) in texts
    renders(fig)


def test_scenario_timeline_unknown_node() -> None:
    with pytest.raises(Exception, match="pve9"):
        scenario_timeline_figure(load_scenario(SCENARIO), node="pve9")


# --- speed --------------------------------------------------------------------------------


def _builders() -> list[Callable[[], Figure]]:
    snap = snap_after("three-node", SPLIT_THREE)
    analysis = analyze(simple_cluster(3))
    cluster = simple_cluster(3)
    scenario = load_scenario(SCENARIO)
    return [
        lambda: vote_bars_figure(snap.views, snap.partitions),
        lambda: tolerance_figure(analysis),
        lambda: ha_timeline_figure(cluster),
        lambda: scenario_timeline_figure(scenario),
    ]


@pytest.mark.parametrize("index", range(4))
def test_figures_render_to_png(index: int) -> None:
    """Every figure draws without error (speed is measured in benchmarks/, not here)."""
    buffer = io.BytesIO()
    _builders()[index]().savefig(buffer, format="png", dpi=40)
    assert buffer.getvalue().startswith(b"\x89PNG")


def test_cluster_figure_legend_names_every_state_shown() -> None:
    snap = snap_after("two-node-qdevice", Step("crash", ("pve2",)))
    fig = cluster_figure(
        {n.name: n.votes for n in snap.cluster.nodes},
        snap.partitions,
        snap.views,
        qdevice_votes=1,
    )
    texts = figure_texts(fig)
    for entry in ("quorate: /etc/pve writable", "stopped", "QDevice vote"):
        assert entry in texts
    assert "blocked: /etc/pve read-only" not in texts  # only states that are drawn
