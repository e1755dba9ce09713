"""The outage simulator's logic: every button of the app is one of these functions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pvequorum import engine, outage
from pvequorum.errors import InputError
from pvequorum.scenario import Step
from pvequorum.simulator import Simulator

TWO = outage.PRESETS["two-node"].cluster


def crash(*nodes: str) -> Step:
    return Step("crash", nodes)


def test_two_node_survivor_is_blocked_and_expected_1_repairs_it():
    state = outage.act(outage.new_outage(TWO), crash("pve2"))
    snap = outage.snapshot(state)
    assert snap.stopped == ("pve2",)
    assert snap.blocked == ("pve1",)
    assert snap.summary_lines() == (
        "pve1: NOT quorate, 1 of 2 expected votes, quorum 2; /etc/pve read-only",
        "pve2: stopped",
    )
    state = outage.act(state, Step("expected", ("pve1",), votes=1))
    snap = outage.snapshot(state)
    assert snap.node("pve1").quorate and snap.node("pve1").etc_pve_writable
    assert snap.messages == ("pvecm expected 1 on pve1: accepted, quorum 1",)
    assert "Quorate:          Yes" in snap.node("pve1").status_text


def test_expected_is_refused_when_more_than_one_vote_is_present():
    state = outage.act(outage.new_outage(TWO), Step("expected", ("pve1",), votes=1))
    snap = outage.snapshot(state)
    assert snap.messages[0].startswith("pvecm expected 1 on pve1: refused: ")
    assert snap.views["pve1"].expected_votes == 2


def test_expected_on_a_stopped_node_and_unknown_nodes_are_input_errors():
    state = outage.act(outage.new_outage(TWO), crash("pve2"))
    with pytest.raises(InputError, match="pve2 is not running"):
        outage.act(state, Step("expected", ("pve2",), votes=1))
    with pytest.raises(InputError):
        outage.act(state, crash("pve9"))
    with pytest.raises(InputError):
        outage.act(state, Step("reboot", ("pve1",)))


def test_undo_redo_and_a_new_action_drops_the_undone_ones():
    state = outage.new_outage(TWO)
    state = outage.act(state, crash("pve2"))
    state = outage.act(state, Step("expected", ("pve1",), votes=1))
    undone = outage.undo(state)
    assert outage.snapshot(undone).blocked == ("pve1",)
    assert undone.can_redo and outage.redo(undone) == state
    assert outage.history_lines(undone) == (
        "1. crash pve2",
        "2. pvecm expected 1 on pve1  (undone)",
    )
    branched = outage.act(undone, Step("start", ("pve2",)))
    assert branched.history == (crash("pve2"), Step("start", ("pve2",)))
    assert not branched.can_redo
    assert outage.rewind(state, 0).actions == () and outage.rewind(state, 9).position == 2


def test_partition_gives_split_brain_in_two_node_mode():
    state = outage.new_outage(outage.PRESETS["two-node-mode-cman"].cluster)
    groups = outage.parse_groups("pve1 | pve2", ["pve1", "pve2"])
    snap = outage.snapshot(outage.act(state, Step("partition", groups=groups)))
    assert snap.split_brain
    assert snap.summary_lines()[-1] == "SPLIT BRAIN: more than one partition is quorate"


def test_parse_groups_and_votes_name_the_problem():
    names = ["pve1", "pve2", "pve3"]
    assert outage.parse_groups("pve1,pve2 | pve3", names) == (("pve1", "pve2"), ("pve3",))
    with pytest.raises(InputError, match="unknown node 'pve7'"):
        outage.parse_groups("pve7 | pve1", names)
    with pytest.raises(InputError, match="in two groups"):
        outage.parse_groups("pve1 | pve1", names)
    assert outage.parse_votes("2", 3) == [2, 2, 2]
    assert outage.parse_votes("1, 1 2", 3) == [1, 1, 2]
    for bad in ("1 x", "1 1", "-1"):
        with pytest.raises(InputError):
            outage.parse_votes(bad, 3 if bad != "-1" else 1)


def test_custom_cluster_sets_only_the_chosen_options():
    cluster = outage.custom_cluster(3, votes=[1, 1, 2], last_man_standing=True, qdevice="lms")
    assert [n.votes for n in cluster.nodes] == [1, 1, 2]
    assert cluster.quorum.last_man_standing == 1
    assert cluster.quorum.two_node is None
    assert cluster.quorum.device.algorithm == "lms"
    assert cluster.quorum.device.votes is None  # corosync computes N - 1 (reference 3.3)
    assert outage.custom_cluster(4, qdevice="ffsplit").quorum.device.votes == 1


def test_situation_plan_refuses_expected_while_the_other_side_may_be_alive():
    split = outage.act(outage.new_outage(TWO), Step("partition", groups=(("pve1",), ("pve2",))))
    text = outage.situation_markdown(outage.snapshot(split))
    assert "**BLOCKED: this plan refuses to act.**" in text
    assert "pve2 not confirmed down" in text and "pvecm expected" not in text
    down = outage.act(outage.new_outage(TWO), crash("pve2"))
    assert "pvecm expected 1" in outage.situation_markdown(outage.snapshot(down))
    healthy = outage.snapshot(outage.new_outage(TWO))
    assert outage.situation_plan(healthy) is None
    assert "nothing to fix" in outage.situation_markdown(healthy)


steps = st.one_of(
    st.builds(lambda n: Step("crash", (n,)), st.sampled_from(["pve1", "pve2", "pve3"])),
    st.builds(lambda n: Step("start", (n,)), st.sampled_from(["pve1", "pve2", "pve3"])),
    st.just(Step("heal")),
    st.just(Step("partition", groups=(("pve1",), ("pve2", "pve3")))),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(steps, max_size=6))
def test_snapshot_agrees_with_the_simulator_and_undo_all_returns_to_the_start(actions):
    cluster = outage.PRESETS["three-node"].cluster
    state = outage.new_outage(cluster)
    for step in actions:
        state = outage.act(state, step)
    sim = Simulator(cluster)
    sim.start(cluster.names)
    for step in actions:
        engine.apply(sim, step)
    snap = outage.snapshot(state)
    assert {n: (v.quorate, v.total_votes, v.quorum) for n, v in snap.views.items()} == {
        n: (v.quorate, v.total_votes, v.quorum) for n, v in sim.views().items()
    }
    for node in snap.nodes:
        assert node.etc_pve_writable == node.quorate  # pmxcfs: writes need quorum
    start = state
    for _ in actions:
        start = outage.undo(start)
    assert (
        outage.snapshot(start).summary_lines()
        == outage.snapshot(outage.new_outage(cluster)).summary_lines()
    )


def test_node_line_reads_a_parsed_status_like_a_simulator_view():
    from pvequorum.examples import example_path
    from pvequorum.status import parse_status

    status = parse_status(example_path("two-node-one-down.pvecm-status.txt").read_text())
    view = outage.snapshot(outage.replay(TWO, [crash("pve2")])).views["pve1"]
    expected = "pve1: NOT quorate, 1 of 2 expected votes, quorum 2; /etc/pve read-only"
    assert outage.node_line("pve1", status) == outage.node_line("pve1", view) == expected
    assert outage.node_line("pve2", None) == "pve2: stopped"


def test_replay_is_new_outage_then_act():
    actions = [crash("pve2"), Step("expected", ("pve1",), votes=1)]
    state = outage.new_outage(TWO, ["pve1", "pve2"])
    for step in actions:
        state = outage.act(state, step)
    assert outage.replay(TWO, actions, ["pve1", "pve2"]) == state


def test_the_plan_on_screen_explains_a_cold_start_that_still_waits() -> None:
    """Issue 12 in the dashboard: the simulator's view is the evidence, so a two_node node
    that started alone is planned as blocked (WaitForAll), never as writable."""
    from pvequorum.model import simple_cluster

    snap = outage.snapshot(outage.new_outage(simple_cluster(2, two_node=1), running=["pve1"]))
    assert not snap.views["pve1"].quorate
    plan = outage.situation_plan(snap)
    assert plan is not None and "waiting for all nodes" in plan.summary
    assert plan.expected_steps == (("pve1", 1),)


# --- knet links (the links preset, reference 12.4) -------------------------------------------

LINKS = outage.PRESETS["three-node-two-links"]


def link(kind: str, node: str, number: int) -> Step:
    return Step(kind, (node,), link=number)


def test_one_link_lost_changes_nothing_the_last_one_isolates_the_node():
    state = outage.new_outage(LINKS.cluster, links=LINKS.links)
    state = outage.act(state, link("link-down", "pve1", 0))
    snap = outage.snapshot(state)
    assert snap.blocked == () and snap.partitions == (("pve1", "pve2", "pve3"),)
    assert {(p.a, p.b, p.link): p.state for p in snap.links if p.state == "down"}.keys() == {
        ("pve1", "pve2", 0),
        ("pve1", "pve3", 0),
    }
    assert "nodeid:          2:\tdisconnected" in snap.node("pve1").cfgtool_text
    assert snap.links_table().splitlines()[1].split() == [
        "pve1",
        "0",
        "localhost",
        "disconnected",
        "disconnected",
    ]
    state = outage.act(state, link("link-down", "pve1", 1))
    snap = outage.snapshot(state)
    assert snap.blocked == ("pve1",) and snap.network == (("pve1",), ("pve2", "pve3"))
    assert outage.history_lines(state) == ("1. link 0 of pve1 down", "2. link 1 of pve1 down")
    back = outage.snapshot(outage.act(state, link("link-up", "pve1", 0)))
    assert back.blocked == () and back.network == (("pve1", "pve2", "pve3"),)


def test_link_actions_that_the_simulator_cannot_decide_are_refused_and_explained():
    state = outage.act(
        outage.new_outage(LINKS.cluster, links=LINKS.links), link("link-down", "pve1", 0)
    )
    with pytest.raises(InputError, match=r"cannot tell .* not transitive.*reference 12\.4"):
        outage.act(state, link("link-down", "pve3", 1))
    with pytest.raises(InputError, match=r"links 0\.\.1"):
        outage.act(state, link("link-down", "pve3", 2))
    with pytest.raises(InputError, match="without knet links"):
        outage.act(outage.new_outage(TWO), link("link-down", "pve1", 0))


def test_a_cluster_without_links_draws_no_links():
    snap = outage.snapshot(outage.new_outage(TWO))
    assert snap.links == () and snap.links_table() == "" and snap.node("pve1").cfgtool_text is None
