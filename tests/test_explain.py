"""`explain`: every field of a pasted `pvecm status`, and a partial paste explained as far as
it goes, naming the lines it lacks instead of printing None."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pvequorum.examples import example_path
from pvequorum.explain import explain, explain_text
from pvequorum.status import StatusParseError, parse_status

SURVIVOR = example_path("two-node-one-down.pvecm-status.txt").read_text()


def _without(text: str, *labels: str) -> str:
    return "\n".join(
        line for line in text.splitlines() if not any(line.startswith(f"{x}:") for x in labels)
    )


def test_a_complete_paste_is_explained_as_before() -> None:
    # notebooks/06-reading-pvecm-status compares these lines strictly
    text = explain_text(SURVIVOR)
    assert "Quorum            2      votes needed: more than half of 2: 2 // 2 + 1 = 2" in text
    assert (
        "Quorate           No     total votes 1 < quorum 2: Activity blocked, /etc/pve "
        "read-only (reference 6)"
    ) in text


def test_a_paste_without_total_votes_names_the_missing_line() -> None:
    partial = _without(SURVIVOR, "Total votes")
    assert "None" not in explain_text(partial)
    rows = {r.field: r for r in explain(parse_status(partial))}
    assert "Total votes" not in rows  # a missing line gets no row
    assert rows["Quorate"].value == "No"
    assert rows["Quorate"].meaning == (
        "corosync says not quorate; the paste has no 'Total votes:' line, so the votes cannot "
        "be compared with the quorum: Activity blocked, /etc/pve read-only (reference 6)"
    )


def test_a_two_line_paste() -> None:
    rows = {r.field: r for r in explain(parse_status("Quorate: Yes\nQuorum: 2\n"))}
    assert set(rows) == {"Quorum", "Quorate"}
    assert rows["Quorate"].meaning == (
        "corosync says quorate; the paste has no 'Total votes:' line, so the votes cannot be "
        "compared with the quorum"
    )
    assert rows["Quorum"].meaning == (
        "votes needed: more than half of the expected votes (reference 1.3); the paste has no "
        "'Expected votes:' or 'Highest expected:' line to compute it from"
    )


def test_a_paste_without_a_quorum_line() -> None:
    rows = {r.field: r for r in explain(parse_status("Quorate: Yes\nTotal votes: 3\n"))}
    assert "Quorum" not in rows
    assert "the paste has no 'Quorum:' line" in rows["Quorate"].meaning


def test_a_paste_without_highest_expected_uses_expected_votes() -> None:
    text = _without(SURVIVOR, "Highest expected")
    quorum = next(r for r in explain(parse_status(text)) if r.field == "Quorum")
    assert quorum.meaning.startswith("votes needed: more than half of 2: 2 // 2 + 1 = 2")


def test_wait_for_all_blocks_with_enough_votes() -> None:
    status = (
        "Quorate: No\nExpected votes: 2\nHighest expected: 2\nTotal votes: 1\n"
        "Quorum: 1 Activity blocked\nFlags: 2Node WaitForAll\n"
    )
    quorate = next(r for r in explain(parse_status(status)) if r.field == "Quorate")
    assert "1 < quorum 1" not in quorate.meaning
    assert quorate.meaning.startswith(
        "total votes 1 >= quorum 1, but wait_for_all still blocks: after a cold start"
    )
    assert "(reference 1.7)" in quorate.meaning


LINES = SURVIVOR.splitlines()


@settings(max_examples=80, deadline=None)
@given(st.sets(st.integers(min_value=0, max_value=len(LINES) - 1)))
def test_no_partial_paste_prints_none(dropped: set[int]) -> None:
    text = "\n".join(line for i, line in enumerate(LINES) if i not in dropped)
    try:
        status = parse_status(text)
    except StatusParseError:
        return  # the parser names what is wrong (no 'Quorate:' or 'Quorum:' line, ...)
    rendered = explain_text(text)
    assert "None" not in rendered
    for row in explain(status):
        assert row.value != "None" and "None" not in row.meaning, row


def test_a_paste_with_neither_quorate_nor_quorum_is_refused() -> None:
    with pytest.raises(StatusParseError, match="no 'Quorate:' or 'Quorum:' line"):
        explain_text("Expected votes: 2\nTotal votes: 1\n")
