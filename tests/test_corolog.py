"""Link and membership events in corosync's log, on logs real corosync 3.1.7 wrote (the
team's links recordings) and on the journal's short-iso form."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st
from paths import PROJECT

from pvequorum.corolog import KINDS, MAX_LINE_CHARS, events, parse_log
from pvequorum.errors import InputError

LOGS = PROJECT / "tests" / "data" / "corosync_log"


def _events(name: str):
    return parse_log((LOGS / f"{name}.log").read_text())


def test_a_node_losing_both_links_in_the_peers_log() -> None:
    """pve2's log while pve1 loses link 0, then link 1: the first loss is a failover (no
    membership change), the second a token loss and a membership without pve1."""
    seen = _events("links-3n2l-node-loses-links.pve2")
    downs = [(e.get("host"), e.get("link")) for e in seen if e.kind == "link-down"]
    assert downs == [("1", "0"), ("1", "1")]
    first_down = next(e for e in seen if e.kind == "link-down")
    failover = next(e for e in seen if e.kind == "best-link" and e.line > first_down.line)
    assert (failover.get("host"), failover.get("link"), failover.get("mode")) == (
        "1",
        "1",
        "passive",
    )
    lost = next(e for e in seen if e.kind == "token-lost")
    assert (lost.get("ms"), lost.get("consensus_ms")) == ("1650", "1980")
    second_down = [e for e in seen if e.kind == "link-down"][1]
    after = [e for e in seen if e.line > second_down.line and e.kind == "members"]
    assert after[0].get("ids") == "2 3"
    between = [e for e in seen if first_down.line < e.line < second_down.line]
    assert not any(e.kind in ("token-lost", "new-membership") for e in between)


def test_non_transitive_connectivity_reforms_again_and_again() -> None:
    counts = Counter(e.kind for e in _events("links-3n1l-nontransitive.pve1"))
    assert counts["new-membership"] >= 20 and counts["token-lost"] == 1


def test_journal_lines_and_other_lines() -> None:
    journal = [
        "2026-12-02T21:47:48+0000 pve1 corosync[9755]:   [KNET  ] link: host: 2 link: 0 is down",
        "2026-12-02T21:47:48+0000 pve1 corosync[9755]:   [KNET  ] rx: host: 2 link: 0 is up",
        "2026-12-02T21:47:49+0000 pve1 corosync[9755]:   [TOTEM ] Retransmit List: 1a 1b",
        "2026-12-02T21:47:50+0000 pve3 corosync[812]:   [CMAP  ] Received config version (4) "
        "is different than my config version (3)! Exiting",
        "-- Boot 1234 --",
        "2026-12-02T21:47:51+0000 pve1 pmxcfs[900]: [status] notice: node lost quorum",
        "Dec 02 21:47:52 [1] vm corosync notice  [TOTEM ] link: host: 2 link: 0 is down",
    ]
    seen = events(journal)
    assert [e.kind for e in seen] == [
        "link-down",
        "link-up",
        "retransmit",
        "config-version-differs",
    ]
    assert seen[0].time == "2026-12-02T21:47:48+0000" and seen[0].line == 1
    assert seen[2].get("list") == "1a 1b"
    assert (seen[3].get("theirs"), seen[3].get("mine"), seen[3].line) == ("4", "3", 4)


def test_hostile_lines_are_bounded_and_printable() -> None:
    line = "Dec 02 21:47:52 [1] vm corosync info [KNET  ] link: host: 2 link: 0 is down\x1b[2J"
    (event,) = events([line])
    assert "\x1b" not in event.text
    assert events(["Dec 02 21:47:52 [KNET  ] " + "x" * (10 * MAX_LINE_CHARS)]) == []


def test_too_many_lines_is_an_error_naming_the_source(monkeypatch: pytest.MonkeyPatch) -> None:
    from pvequorum import corolog

    monkeypatch.setattr(corolog, "MAX_LOG_LINES", 3)
    with pytest.raises(InputError, match=r"journal\.txt: more than 3 lines"):
        events(["a"] * 4, "journal.txt")


@given(st.lists(st.text(max_size=200), max_size=30))
def test_any_text_gives_known_kinds_in_line_order(lines: list[str]) -> None:
    seen = events(lines)
    assert all(e.kind in KINDS for e in seen)
    assert [e.line for e in seen] == sorted({e.line for e in seen})
