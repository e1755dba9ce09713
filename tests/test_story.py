"""The guided two-node story: every number it shows comes from the simulator."""

from __future__ import annotations

import pytest

from pvequorum import story


@pytest.mark.parametrize("index", range(len(story.STORY)))
def test_every_claim_of_the_story_agrees_with_the_simulator(index):
    assert story.claim_mismatches(index) == []


def test_narration_fills_in_the_simulator_numbers():
    assert "pve1 now holds 1 of 2 votes, and quorum is 2" in story.narration(1)
    assert "Expected votes drop to 1, quorum to 1" in story.narration(3)
    assert "the flag 2node is set" in story.narration(5)
    text = "".join(story.narration(i) for i in range(len(story.STORY)))
    assert "{pve" not in text and "quorum {}" in text  # fields filled, literal braces kept


def test_a_wrong_claim_is_reported(monkeypatch):
    wrong = story.STORY[1].__class__(
        "x", "", "two-node-cman", actions=story.STORY[1].actions, claims={"pve1": {"quorum": 1}}
    )
    monkeypatch.setattr(story, "STORY", (wrong,))
    assert story.claim_mismatches(0) == ["pve1.quorum is 2, the story says 1"]
