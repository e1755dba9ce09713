"""The outage simulator app, driven through its handlers (no browser)."""

from __future__ import annotations

import pytest

from pvequorum import story
from pvequorum.widgets import GUIDED, SANDBOX, OutageApp


@pytest.fixture
def app() -> OutageApp:
    return OutageApp("two-node")


def test_crash_expected_undo_redo_on_the_two_node_preset(app):
    assert app.summary.value.startswith("pve1: quorate, 2 of 2 expected votes")
    app.crash("pve2")
    assert "pve1: NOT quorate, 1 of 2 expected votes, quorum 2; /etc/pve read-only" in (
        app.summary.value
    )
    assert "Activity blocked" in app.status.children[0].value
    assert app.plan.value == ""  # built only while its panel is open
    app.details.selected_index = app.PLAN_PANEL
    assert "pvecm expected 1" in app.plan.value
    app.expected("pve1", 1)
    assert app.summary.value.startswith("pve1: quorate, 1 of 1 expected votes, quorum 1")
    assert app.messages.value == "pvecm expected 1 on pve1: accepted, quorum 1"
    app.undo()
    assert "pve1: NOT quorate" in app.summary.value and app.redo_button.disabled is False
    app.redo()
    assert "pve1: quorate" in app.summary.value and app.redo_button.disabled is True
    assert "2. pvecm expected 1 on pve1" in app.history.value


def test_node_buttons_follow_the_cluster_and_its_state(app):
    app.crash("pve2")
    row = app.node_buttons.children[1]
    stop, crash, start = row.children[1:]
    assert (stop.disabled, crash.disabled, start.disabled) == (True, True, False)
    assert "pvq-crash-pve2" in crash._dom_classes
    app.start("pve2")
    assert "pve2: quorate" in app.summary.value
    app.load_preset("five-node")
    assert len(app.node_buttons.children) == 5
    assert app.expected_node.options == ("pve1", "pve2", "pve3", "pve4", "pve5")
    assert app.expected_node.value == "pve1"  # the button works without touching the menu
    assert app.state.history == ()


def test_bad_input_is_reported_and_changes_nothing(app):
    app.crash("pve2")
    before = app.state
    app.expected("pve2", 1)
    assert app.error.value == "<b>Error:</b> pve2 is not running: pvecm cannot run there"
    app.partition("pve1 | pve9")
    assert "unknown node &#x27;pve9&#x27;" in app.error.value
    app.load_config_text("totem {\n", "mine.conf")
    assert "mine.conf: line" in app.error.value
    app.votes.value = "1 x"
    app.build_custom()
    assert "votes" in app.error.value
    assert app.state == before
    app.heal()
    assert app.error.value == ""


def test_partition_in_two_node_mode_shows_split_brain(app):
    app.load_preset("two-node-mode-cman")
    app.partition("pve1 | pve2")
    assert "SPLIT BRAIN" in app.summary.value


def test_config_text_and_upload_load_a_cluster(app):
    conf = (
        "totem {\n  cluster_name: lab\n  version: 2\n}\nquorum {\n  provider: corosync_votequorum\n"
        "}\nnodelist {\n  node {\n    name: a\n    nodeid: 1\n    quorum_votes: 1\n"
        "    ring0_addr: 10.0.0.1\n  }\n  node {\n    name: b\n    nodeid: 2\n"
        "    quorum_votes: 2\n    ring0_addr: 10.0.0.2\n  }\n}\n"
    )
    app.load_upload(({"name": "corosync.conf", "content": memoryview(conf.encode())},))
    assert app.error.value == "" and app.state.cluster.names == ("a", "b")
    assert app.config_text.value == conf
    app.crash("a")
    assert "b: quorate, 2 of 3 expected votes, quorum 2" in app.summary.value
    app.load_upload(())
    assert "choose a file" in app.error.value


def test_sliders_build_a_cluster_with_the_chosen_options(app):
    app.node_count.value, app.votes.value, app.qdevice.value = 4, "1", "ffsplit"
    app.build_custom()
    assert app.state.cluster.quorum.device is not None
    # ffsplit: one QDevice vote, as `pvecm qdevice setup` writes it (reference 3.3): 4 + 1
    assert app.summary.value.startswith("pve1: quorate, 5 of 5 expected votes, quorum 3")


def test_replay_rewinds_and_keeps_the_history(app):
    app.crash("pve2")
    app.expected("pve1", 1)
    app.history_slider.value = 0
    assert app.state.position == 0 and len(app.state.history) == 2
    assert app.summary.value.startswith("pve1: quorate, 2 of 2")
    app.replay_to(2)
    assert app.history_slider.value == 2


def test_guided_story_runs_to_the_end_with_next_and_agrees_with_the_simulator(app):
    app.set_mode(GUIDED)
    assert app.back_button.disabled and app.story_position.value == f"step 1 of {len(story.STORY)}"
    for index in range(len(story.STORY)):
        lines = story.story_snapshot(index).summary_lines()
        assert app.summary.value.replace("<b>", "").replace("</b>", "").split("<br>") == list(lines)
        assert story.claim_mismatches(index) == []
        last = app.stage.scene["frames"][-1]
        shown = {n["name"]: n["state"] for n in last["nodes"]}
        snap = story.story_snapshot(index)
        assert shown == {
            n.name: ("quorate" if n.quorate else "blocked") if n.running else "stopped"
            for n in snap.nodes
        }
        if index < len(story.STORY) - 1:
            app.next_step()
    assert app.next_button.disabled and app.story_index == len(story.STORY) - 1
    app.back_step()
    assert app.story_index == len(story.STORY) - 2


def test_try_in_sandbox_continues_from_the_story_state(app):
    app.set_mode(GUIDED)
    app.show_story_step(1)
    app.try_in_sandbox()
    assert app.mode.value == SANDBOX
    assert "pve1: NOT quorate" in app.summary.value
    app.expected("pve1", 1)
    assert "pve1: quorate" in app.summary.value


def test_the_telling_switch_keeps_the_step_and_changes_the_output(app):
    """Issue 13: today's Proxmox VE by default, the article's PVE 3 one click away."""
    app.set_mode(GUIDED)
    app.show_story_step(1)
    assert app.telling == "today" and app.telling_toggle.value == "today"
    assert "corosync_votequorum" in _status_text(app)
    app.telling_toggle.value = "article"  # as a click does
    assert app.telling == "article" and app.story_index == 1
    assert "Membership state" in _status_text(app)
    assert app.summary_lines() == story.story_snapshot(1, "article").summary_lines()
    app.set_telling("today")
    assert app.telling_toggle.value == "today"


def _status_text(app: OutageApp) -> str:
    """The per-node `pvecm status` boxes as the page shows them."""
    return " ".join(child.value for child in app.status.children)


def test_messages_describe_only_the_last_action(app):
    """Issue 13: an 'expected 1 ... accepted' must not outlive the next action."""
    app.crash("pve2")
    app.expected("pve1", 1)
    assert "accepted" in app.messages.value
    app.start("pve2")
    assert app.messages.value == ""


def test_every_action_is_animated_and_ends_on_the_simulators_state(app):
    app.crash("pve2")
    frames = app.stage.scene["frames"]
    assert [f["title"] for f in frames[:3]] == ["pve2 crashes", "token lost", "consensus"]
    assert app.stage.frame == 0  # the browser plays it from the first event
    assert {n["name"]: n["state"] for n in frames[-1]["nodes"]} == {
        "pve1": "blocked",
        "pve2": "stopped",
    }
    scene = app.stage.scene["scene"]
    app.undo()  # nothing to tell over time: one frame, a new scene
    assert len(app.stage.scene["frames"]) == 1 and app.stage.scene["scene"] == scene + 1
    app.redo()
    assert app.stage.scene["frames"][0]["title"] == "pve2 crashes"


def test_the_links_preset_cuts_and_restores_a_nodes_link(app):
    assert app.links_row.layout.display == "none"  # two-node: one link, no link buttons
    app.load_preset("three-node-two-links")
    assert app.links_row.layout.display is None and app.link_number.options == (0, 1)
    assert len(app.stage.scene["frames"][0]["links"]) == 6
    app.link_down("pve1", 0)
    assert "pve1: quorate, 3 of 3 expected votes" in app.summary.value
    assert (
        "corosync-cfgtool -s" in app.links_table.value and "disconnected" in app.links_table.value
    )
    assert "pvq-cfgtool-pve1" in app.status.children[0].value
    app.link_down("pve3", 1)  # pve1 and pve3 share no working link: not transitive
    assert "cannot tell" in app.error.value and len(app.state.history) == 1
    app.link_down("pve1", 1)
    assert "pve1: NOT quorate, 1 of 3 expected votes" in app.summary.value
    states = {(lk["a"], lk["link"]): lk["state"] for lk in app.stage.scene["frames"][-1]["links"]}
    assert states[("pve1", 0)] == states[("pve1", 1)] == "down"
    app.link_up("pve1", 1)
    assert "pve1: quorate" in app.summary.value
    app.load_preset("two-node")
    assert app.links_table.value == "" and app.links_row.layout.display == "none"
