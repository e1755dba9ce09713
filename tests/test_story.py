"""The guided two-node story, in both tellings: every number it shows comes from the
simulator, today's telling shows Proxmox VE 8/9 output, the article's PVE 3."""

from __future__ import annotations

import pytest

from pvequorum import story

ALL_STEPS = [(t, i) for t in story.STORIES for i in range(len(story.steps_of(t)))]


@pytest.mark.parametrize(("telling", "index"), ALL_STEPS)
def test_every_claim_of_the_story_agrees_with_the_simulator(telling: str, index: int) -> None:
    assert story.claim_mismatches(index, telling) == []


def test_today_is_the_default_and_shows_corosync_output() -> None:
    assert story.DEFAULT_TELLING == "today" and story.STORY is story.TODAY
    assert next(iter(story.STORIES)) == "today"
    for index in range(len(story.TODAY)):
        snap = story.story_snapshot(index)
        for node in snap.views:
            text = snap.node(node).status_text
            assert "Quorum provider:  corosync_votequorum" in text
            assert "Membership state" not in text  # the cman format


def test_both_tellings_tell_the_same_lesson_in_the_same_order() -> None:
    today, article = story.steps_of("today"), story.steps_of("article")
    assert len(today) == len(article)
    # the same situations: quorate or not, and split brain, step by step
    for i in range(len(today)):
        a, b = story.story_snapshot(i, "today"), story.story_snapshot(i, "article")
        assert a.views["pve1"].quorate == b.views["pve1"].quorate, i
        assert a.split_brain == b.split_brain, i


def test_narration_fills_in_the_simulator_numbers() -> None:
    assert "pve1 now holds 1 of 2 votes, and quorum is 2" in story.narration(1)
    assert "Expected votes drop to 1, quorum to 1" in story.narration(3)
    assert "the flags read 2Node and WaitForAll" in story.narration(5)
    assert "the flag 2node is set" in story.narration(5, "article")
    for telling in story.STORIES:
        steps = story.steps_of(telling)
        text = "".join(story.narration(i, telling) for i in range(len(steps)))
        assert "{pve" not in text and "quorum {}" in text  # fields filled, literal braces kept


def test_a_wrong_claim_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = story.StoryStep(
        "x", "", "two-node-cman", actions=story.ARTICLE[1].actions, claims={"pve1": {"quorum": 1}}
    )
    monkeypatch.setitem(story.STORIES, "test", ("test", (wrong,)))
    assert story.claim_mismatches(0, "test") == ["pve1.quorum is 2, the story says 1"]


def test_an_unknown_telling_is_an_error() -> None:
    with pytest.raises(KeyError, match="tellings: today, article"):
        story.steps_of("pve2")
