"""The journal reader on real corosync 3.1.7 logfiles, on lines as Proxmox VE users post
them (tests/data/journal/user-posted.txt, its sources named in its comments), on the same
lines as `journalctl -o short-iso` prints them, and on hostile text."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from paths import DATA

from pvequorum import corolog
from pvequorum.errors import InputError
from pvequorum.journal import KINDS, MAX_LINE_CHARS, Entry, Journal, read_journal

LOGS = DATA / "corosync_log"
POSTED = DATA / "journal" / "user-posted.txt"


def _utc(*args: int) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()


def _posted(year: int | None = 2026) -> Journal:
    return read_journal(POSTED.read_text(), str(POSTED), year=year)


def _kinds(journal: Journal) -> list[str]:
    return [e.kind for e in journal.entries]


# --- corosync's own logfile form, as the team's lab recorded it ---------------------------


@pytest.mark.parametrize(
    "name", ["links-3n2l-node-loses-links.pve2", "links-3n1l-nontransitive.pve1"]
)
def test_real_corosync_logfiles_read_as_corolog_reads_them(name: str) -> None:
    """One home for corosync's rules: the journal finds exactly corolog's events, on the
    same lines with the same fields, and adds the host ('vm', the lab's) and the time."""
    text = (LOGS / f"{name}.log").read_text()
    journal = read_journal(text, name, year=2026)
    expected = [(e.kind, e.line, e.fields, e.time) for e in corolog.parse_log(text)]
    assert [(e.kind, e.line, e.fields, e.stamp) for e in journal.entries] == expected
    assert journal.hosts == ("vm",)
    assert journal.lines == len(text.splitlines())
    assert {e.program for e in journal.entries} == {"corosync"}
    times = [e.time for e in journal.entries]
    assert None not in times and times == sorted(t for t in times if t is not None)


def test_logfile_stamps_with_milliseconds_and_the_year() -> None:
    journal = read_journal((LOGS / "links-3n2l-node-loses-links.pve2.log").read_text(), year=2026)
    start = journal.entries[0]
    assert (start.kind, start.get("version"), start.line) == ("corosync-starting", "3.1.7", 1)
    assert start.stamp == "Dec 01 22:26:57.433"
    assert start.time == pytest.approx(_utc(2026, 12, 1, 22, 26, 57) + 0.433, abs=1e-6)
    assert journal.first_time == start.time
    assert journal.last_time is not None and journal.last_time > start.time


def test_without_a_year_syslog_and_logfile_stamps_have_no_time() -> None:
    journal = read_journal((LOGS / "links-3n2l-node-loses-links.pve2.log").read_text())
    assert journal.entries and all(e.time is None for e in journal.entries)
    assert (journal.first_time, journal.last_time) == (None, None)
    assert all(e.time is None for e in _posted(year=None).entries)


# --- lines as users post them --------------------------------------------------------------

POSTED_EVENTS = [
    ("corosync-starting", {"version": "3.1.7"}),
    ("link-down", {"host": "3", "link": "0"}),
    ("best-link", {"host": "3", "mode": "passive", "link": "0", "priority": "1"}),
    ("no-active-links", {"host": "3"}),
    ("token-warning", {"ms": "2250"}),
    ("token-lost", {"ms": "3000", "consensus_ms": "3600"}),
    ("retransmit", {"list": "1a 1b"}),  # corosync's trailing blank is no part of it
    ("new-membership", {"ring": "1.7071"}),
    ("primary", {}),
    ("members", {"count": "2", "ids": "1 2"}),
    ("cpg-members", {"group": "dcdb", "members": "1/4475, 2/681", "nodeids": "1 2"}),
    ("cpg-members", {"group": "status", "members": "1/4475, 2/681", "nodeids": "1 2"}),
    ("non-primary", {}),
    ("members", {"count": "1", "ids": "3"}),
    ("quorum-lost", {}),
    (
        "ha-lost-lock",
        {
            "lock": "ha_agent_pve3_lock",
            "reason": "cfs lock update failed - Permission denied",
            "node": "pve3",
        },
    ),
    ("ha-status-change", {"old": "slave", "new": "wait_for_quorum"}),
    ("ha-status-change", {"old": "active", "new": "lost_agent_lock"}),
    ("watchdog-expiring", {}),
    ("watchdog-expired", {}),
    ("corosync-unavailable", {"service": "quorum", "call": "quorum", "error": "2"}),
    ("corosync-unavailable", {"service": "confdb", "call": "cmap", "error": "2"}),
    ("corosync-unavailable", {"service": "dcdb", "call": "cpg", "error": "2"}),
    ("corosync-unavailable", {"service": "status", "call": "cpg", "error": "2"}),
    ("corosync-starting", {"version": "3.1.7"}),
    ("unit-started", {"unit": "corosync.service", "description": "Corosync Cluster Engine"}),
    ("link-up", {"host": "1", "link": "0"}),
    ("waiting-for-all", {"votes": "1", "expected": "3"}),
    ("cluster-info", {"name": "homelab", "version": "4"}),
    ("quorum-gained", {}),
    ("ha-acquired-lock", {"lock": "ha_manager_lock"}),
    ("ha-status-change", {"old": "wait_for_quorum", "new": "master"}),
    (
        "ha-lost-lock",
        {"lock": "ha_manager_lock", "reason": "cfs lock update failed - Device or resource busy"},
    ),
    ("ha-status-change", {"old": "master", "new": "lost_manager_lock"}),
    ("conf-synced", {"path": "/etc/corosync/corosync.conf", "version": "5"}),
    ("config-reload", {"nodeid": "1"}),
    ("conf-newer-local", {}),
    ("conf-cfgtool-failed", {"code": "1"}),
    ("conf-unparsable", {}),
    ("corosync-signal", {}),
    ("corosync-exiting", {}),
    ("unit-stopped", {"unit": "corosync.service", "description": "Corosync Cluster Engine"}),
    ("unit-stopped", {"unit": "corosync.service", "description": "Corosync Cluster Engine"}),
    ("unit-killed", {"unit": "corosync.service", "code": "killed", "status": "9/KILL"}),
    ("unit-failed", {"unit": "corosync.service", "result": "signal"}),
    (
        "qdevice-connect-failed",
        {"code": "-5986", "error": "Network address not available (in use?)"},
    ),
    ("qdevice-disconnected", {"reason": "Connect timeout"}),
    ("qdevice-disconnected", {"reason": "Server didn't send echo reply message on time"}),
    ("qdevice-lost-contact", {"name": "Qdevice"}),
    ("cannot-form", {"reason": "totem is continuously in gather state"}),
    ("config-version-differs", {"theirs": "4", "mine": "5"}),
]


def test_user_posted_lines_each_event_with_its_fields() -> None:
    journal = _posted()
    assert [(e.kind, dict(e.fields)) for e in journal.entries] == POSTED_EVENTS
    assert journal.hosts == ("pve1", "pve3", "pve2")
    assert journal.lines == len(POSTED.read_text().splitlines())
    lines = POSTED.read_text().splitlines()
    for entry in journal.entries:  # each entry is its own line, whole and printable
        assert entry.text == lines[entry.line - 1]
        assert entry.stamp == entry.text[:15] and entry.host == entry.text.split()[3]


def test_user_posted_programs_and_what_is_skipped() -> None:
    journal = _posted()
    by_line = {e.line: e for e in journal.entries}
    lines = POSTED.read_text().splitlines()
    skipped = [line for number, line in enumerate(lines, 1) if number not in by_line]
    # comments, the boot marker, and the lines that carry no event of the cluster's
    assert all(
        line.startswith(("#", "-- Boot"))
        or re.search(
            r"built-in features|leave message|Completed service|syncronisation|not quorate"
            r"|exit watchdog-mux|kernel:|Starting corosync|Stopping corosync|Deactivated"
            r"|Session 4|received log",
            line,
        )
        for line in skipped
    )
    programs = {e.program for e in journal.entries}
    assert programs == {
        "corosync",
        "pmxcfs",
        "pve-ha-lrm",
        "pve-ha-crm",
        "watchdog-mux",
        "systemd",
        "corosync-qdevice",
    }


def test_user_posted_times_are_utc_in_the_year_given() -> None:
    journal = _posted(year=2026)
    first = journal.entries[0]
    assert first.stamp == "Apr 27 11:26:20"
    assert first.time == _utc(2026, 4, 27, 11, 26, 20) == 1_777_289_180
    assert journal.first_time == first.time
    assert journal.last_time == _utc(2026, 4, 27, 12, 10, 30)  # a line with no event counts
    earlier = _posted(year=2025)
    assert earlier.entries[0].time == _utc(2025, 4, 27, 11, 26, 20)


def _as_short_iso(text: str, zone: str, fraction: str = "") -> str:
    """The posted lines as `journalctl -o short-iso` (or -precise) prints them in 2026."""
    names = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    months = {name: number for number, name in enumerate(names, 1)}

    def stamp(match: re.Match[str]) -> str:
        month, day, clock = match.groups()
        return f"2026-{months[month]:02d}-{int(day):02d}T{clock}{fraction}{zone} "

    return re.sub(r"(?m)^([A-Z][a-z]{2}) ([ 0-9][0-9]) ([0-9:]{8}) ", stamp, text)


@pytest.mark.parametrize(
    ("zone", "fraction", "shift"),
    [
        ("+0000", "", 0.0),
        ("Z", "", 0.0),
        ("+0100", "", -3600.0),
        ("+01:00", "", -3600.0),
        ("-0530", "", 5.5 * 3600),
        ("+0100", ".250000", -3600 + 0.25),  # short-iso-precise
    ],
)
def test_short_iso_lines_give_the_same_events_at_their_offsets(
    zone: str, fraction: str, shift: float
) -> None:
    syslog = _posted(year=2026)
    iso_text = _as_short_iso(POSTED.read_text(), zone, fraction)
    assert all(line.startswith(("#", "-- ", "2026-04-27T")) for line in iso_text.splitlines())
    journal = read_journal(iso_text)  # no year needed: the stamps have one
    assert [(e.kind, e.fields, e.line, e.host) for e in journal.entries] == [
        (e.kind, e.fields, e.line, e.host) for e in syslog.entries
    ]
    for iso, plain in zip(journal.entries, syslog.entries, strict=True):
        assert plain.time is not None
        assert iso.time == pytest.approx(plain.time + shift, abs=1e-6)
        assert iso.stamp.startswith("2026-") and iso.stamp.endswith(zone)
    assert journal.first_time == pytest.approx(_utc(2026, 4, 27, 11, 26, 20) + shift, abs=1e-6)
    assert journal.hosts == ("pve1", "pve3", "pve2")


def test_each_kind_is_recognised_somewhere_in_these_tests() -> None:
    seen = set(_kinds(_posted())) | {kind for kind, _ in INLINE.values()}
    assert seen == set(KINDS)
    assert len(KINDS) == len(set(KINDS))
    assert set(corolog.KINDS) <= set(KINDS)


# Kinds and variants the posted file lacks: texts from the sources (file named) or posts.
INLINE = {
    # pve-cluster src/pmxcfs/dcdb.c: GLib's g_file_get_contents error after the path
    "2026-12-02T21:47:48+0000 pve1 pmxcfs[900]: [dcdb] crit: unable to read cluster config "
    "file '/etc/corosync/corosync.conf' - Failed to open file “/etc/corosync/corosync.conf”: "
    "Permission denied": (
        "conf-unreadable",
        {
            "path": "/etc/corosync/corosync.conf",
            "error": "Failed to open file “/etc/corosync/corosync.conf”: Permission denied",
        },
    ),
    # corosync exec/cfg.c message_handler_req_exec_cfg_reload_config
    "2026-12-02T21:47:48+0000 pve1 corosync[9755]:   [CFG   ] Unable to reload config file: "
    "parser error: /etc/corosync/corosync.conf:12: Missing closing brace": (
        "config-reload-failed",
        {"error": "parser error: /etc/corosync/corosync.conf:12: Missing closing brace"},
    ),
    # pve-cluster src/pmxcfs/quorum.c since PVE 9 (commit c708398, fix #6434)
    "2026-12-02T21:47:48+0000 pve1 pmxcfs[900]: [quorum] crit: quorum_initialize failed: "
    "CS_ERR_LIBRARY (failed to connect to corosync)": (
        "corosync-unavailable",
        {"service": "quorum", "call": "quorum", "error": "CS_ERR_LIBRARY"},
    ),
    # corosync 2.x exec/main.c, as pacemaker's PR #1773 shows it
    "May 21 13:08:09 r76-1 corosync[5997]:  [MAIN  ] Corosync Cluster Engine ('2.4.4'): "
    "started and ready to provide service.": ("corosync-starting", {"version": "2.4.4"}),
    # corosync exec/util.c, an error exit
    "Feb 13 17:29:45 node2 corosync[3786]:  [MAIN  ] Corosync Cluster Engine exiting with "
    "status 8 at main.c:1940.": ("corosync-exiting", {"status": "8", "at": "main.c:1940"}),
    # systemd, pve-ha-crm exiting (jiangcuo/pxvirt#179)
    "May 02 17:04:02 PMOX3 systemd[1]: pve-ha-crm.service: Main process exited, code=exited, "
    "status=255/EXCEPTION": (
        "unit-killed",
        {"unit": "pve-ha-crm.service", "code": "exited", "status": "255/EXCEPTION"},
    ),
    # systemd up to v251: the unit by its description (pve-cluster debian/pve-cluster.service)
    "May 02 17:04:02 PMOX3 systemd[1]: Started The Proxmox VE cluster filesystem.": (
        "unit-started",
        {"unit": "pve-cluster.service", "description": "The Proxmox VE cluster filesystem"},
    ),
    # watchdog-mux.c: a client closed its connection without the magic close
    "May 15 17:43:34 pve2 watchdog-mux[1651]: client did not stop watchdog - disable watchdog "
    "updates": ("watchdog-expired", {}),
    # corosync-qdevice qdevices/qdevice-model-net.c (log_nss, no dot) and -msg-received.c
    "2026-12-02T21:47:48+0000 pve1 corosync-qdevice[1005]: Can't connect to qnetd host "
    "(-5980): Connection refused": (
        "qdevice-connect-failed",
        {"code": "-5980", "error": "Connection refused"},
    ),
    "2026-12-02T21:47:48+0000 pve1 corosync-qdevice[1005]: Received unexpected init reply "
    "message. Disconnecting from server": (
        "qdevice-disconnected",
        {"reason": "Received unexpected init reply message. Disconnecting from server"},
    ),
    "2026-12-02T21:47:48+0000 pve1 corosync-qdevice[1005]: POLL_ERR (8) on main socket": (
        "qdevice-disconnected",
        {"reason": "POLL_ERR (8) on main socket"},
    ),
    # corosync exec/vsf_quorum.c with no members: no blank after the colon (corosync#527)
    "Feb  7 16:21:49 mail4 corosync[14774]:   [QUORUM] Members[0]:": (
        "members",
        {"count": "0", "ids": ""},
    ),
    # the logfile form without a stamp (logging { timestamp: off })
    "[9755] vm corosync notice  [CFG   ] Config reload requested by node 2": (
        "config-reload",
        {"nodeid": "2"},
    ),
}


@pytest.mark.parametrize("line", list(INLINE), ids=[kind for kind, _ in INLINE.values()])
def test_inline_lines(line: str) -> None:
    kind, fields = INLINE[line]
    (entry,) = read_journal(line, year=2026).entries
    assert (entry.kind, dict(entry.fields), entry.line, entry.text) == (kind, fields, 1, line)
    assert all(entry.get(name) == value for name, value in fields.items())
    assert entry.get("no-such-field") is None


def test_stamps_and_their_times() -> None:
    def time(stamp: str, year: int | None = None) -> float | None:
        (entry,) = read_journal(
            f"{stamp} pve1 pmxcfs[1]: [status] notice: node has quorum", year=year
        ).entries
        return entry.time

    assert time("2026-12-02T21:47:48+0000") == _utc(2026, 12, 2, 21, 47, 48) == 1_796_248_068
    assert time("2026-12-02T21:47:48+01:00") == 1_796_248_068 - 3600
    assert time("2026-12-02T21:47:48.5-01:00") == 1_796_248_068 + 3600.5
    assert time("2026-12-02T21:47:48") == 1_796_248_068  # no offset: UTC
    assert time("Dec 02 21:47:48", year=2026) == 1_796_248_068
    assert time("Dec  2 21:47:48.25", year=2026) == 1_796_248_068.25
    assert time("Dec 02 21:47:48") is None  # no year given
    assert time("Feb 29 12:00:00", year=2028) == _utc(2028, 2, 29, 12)
    for unreadable in ("Feb 29 12:00:00", "Foo 02 21:47:48", "Dec 02 24:00:00", "Dec 02 21:60:00"):
        assert time(unreadable, year=2026) is None, unreadable
    for unreadable in (
        "2026-13-02T21:47:48+0000",
        "2026-12-02T21:47:61+0000",
        "2026-12-02T21:47:48+2500",
    ):
        assert time(unreadable) is None, unreadable
    assert time("Dec 02 21:47:48", year=0) is None and time("Dec 02 21:47:48", year=10**6) is None


def test_first_and_last_time_are_the_first_and_last_readable_lines() -> None:
    """journalctl prints in time order, so the window is its first and last readable line
    (not a minimum over every line: a day of stamps is not read just to find it)."""
    text = "\n".join(
        [
            "2026-12-02T21:47:50+0000 pve2 kernel: something else",
            "2026-12-02T21:47:48+0000 pve1 pmxcfs[1]: [status] notice: node lost quorum",
            "not a journal line",
            "2026-12-02T21:47:55+0000 pve3 sshd[2]: Accepted publickey for root",
            "2026-13-02T21:47:59+0000 pve4 sshd[2]: a stamp that is no real time",
            "2026-12-02T21:47:49+0000 pve1 pmxcfs[1]: [status] notice: node has quorum",
        ]
    )
    journal = read_journal(text)
    assert _kinds(journal) == ["quorum-lost", "quorum-gained"]
    assert journal.first_time == 1_796_248_070 and journal.last_time == 1_796_248_069
    assert journal.hosts == ("pve2", "pve1", "pve3", "pve4")
    assert journal.lines == 6
    assert [e.line for e in journal.entries] == [2, 6]


def test_other_units_and_programs_are_not_the_clusters() -> None:
    text = "\n".join(
        [
            "Dec 02 21:47:48 pve1 systemd[1]: Stopped Session 4 of User root.",
            "Dec 02 21:47:48 pve1 systemd[1]: ssh.service: Main process exited, code=killed, "
            "status=9/KILL",
            "Dec 02 21:47:48 pve1 systemd[1]: Started pvestatd.service - PVE Status Daemon.",
            "Dec 02 21:47:48 pve1 pvedaemon[7]: status change active => lost_agent_lock",
            "Dec 02 21:47:48 pve1 pmxcfs[1]:   [TOTEM ] Retransmit List: 1",
            "Dec 02 21:47:48 pve1 corosync[1]: [status] notice: node lost quorum",
        ]
    )
    assert read_journal(text).entries == ()


def test_windows_line_ends_and_trailing_blanks() -> None:
    text = (
        "2026-12-02T21:47:48+0000 pve1 corosync[9755]:   [TOTEM ] Retransmit List: 1a 1b  \r\n"
        "2026-12-02T21:47:48+0000 pve1 systemd[1]: Stopped Corosync Cluster Engine.  \r\n"
    )
    journal = read_journal(text)
    assert [(e.kind, e.fields[0][1]) for e in journal.entries] == [
        ("retransmit", "1a 1b"),
        ("unit-stopped", "corosync.service"),
    ]
    assert journal.lines == 2 and "\r" not in journal.entries[0].text


# --- hostile text --------------------------------------------------------------------------


def test_control_characters_are_escaped_and_long_lines_cut() -> None:
    nul = (
        "2026-12-02T21:47:48+0000 pve1 corosync[1]:   [KNET  ] link: host: 2 link: 0 is down"
        "\x00\x1b[2J"
    )
    (entry,) = read_journal(nul).entries
    assert entry.kind == "link-down" and "\x00" not in entry.text and "\\x00" in entry.text
    long = "2026-12-02T21:47:48+0000 pve1 pmxcfs[1]: [status] notice: node has quorum" + "\x01" * (
        10 * MAX_LINE_CHARS
    )
    (entry,) = read_journal(long).entries
    assert entry.kind == "quorum-gained" and len(entry.text) <= MAX_LINE_CHARS
    far = (
        "2026-12-02T21:47:48+0000 pve1 pmxcfs[1]: "
        + "x" * MAX_LINE_CHARS
        + "[status] notice: node has quorum"
    )
    assert read_journal(far).entries == ()  # what lies past the cut is not read
    assert read_journal("\x00" * 100_000).entries == ()


def test_patterns_do_not_backtrack_without_end() -> None:
    """Lines built to make nested repetitions try every split: each reads at once (a
    catastrophic pattern would hang here)."""
    head = "2026-12-02T21:47:48+0000 pve1 "
    lines = [
        head + "pmxcfs[1]: [dcdb] notice: members: 1/" + "1" * 2000 + "/1" * 500 + "x",
        head + "pmxcfs[1]: [dcdb] notice: members: " + "1/1, " * 800 + "x",
        head + "corosync[1]:   [QUORUM] Members[3]: " + "1 " * 1500 + "x",
        head
        + "corosync[1]:   [MAIN  ] Corosync Cluster Engine exiting with status 1 at "
        + "a." * 1500,
        head + "systemd[1]: Stopped " + "a." * 1500 + "x",
        head + "corosync-qdevice[1]: " + "x Disconnecting" * 250,
        "Dec 02 21:47:48 [" + "A[" * 2000,
    ]
    journal = read_journal("\n".join(lines))
    assert _kinds(journal) == ["members", "corosync-exiting", "qdevice-disconnected"]


def test_more_lines_than_the_bound_is_an_error_naming_the_source() -> None:
    bound = corolog.MAX_LOG_LINES
    assert read_journal("\n" * bound).lines == bound  # exactly the bound is fine
    with pytest.raises(InputError, match=r"journal\.txt: more than 1,000,000 lines"):
        read_journal("\n" * bound + "x", "journal.txt")  # 10**6 + 1 lines
    with pytest.raises(InputError, match=r"pve1/journal\.txt"):
        read_journal("x\n" * (bound + 1), "pve1/journal.txt")


def test_bound_follows_corolog(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corolog, "MAX_LOG_LINES", 3)
    assert read_journal("a\nb\nc\n").lines == 3
    with pytest.raises(InputError, match="more than 3 lines"):
        read_journal("a\nb\nc\nd")


@given(st.text(max_size=2000))
def test_any_text_reads_without_error(text: str) -> None:
    journal = read_journal(text, year=2026)
    lines = [e.line for e in journal.entries]
    assert lines == sorted(set(lines))
    assert all(e.kind in KINDS and len(e.text) <= MAX_LINE_CHARS for e in journal.entries)
    assert journal.lines <= text.count("\n") + 1


# Journal-like lines: real headers and messages, hostile variants of both.
_STAMPS = st.sampled_from(
    [
        "2026-12-02T21:47:48+0000",
        "2026-12-02T21:47:49+0000",
        "2026-12-02T21:47:48.5+01:00",
        "2026-12-02T21:47:48Z",
        "2026-13-02T21:47:48+0000",
        "2026-12-02T21:47:48+01",
        "Dec 02 21:47:48",
        "Dec  2 21:47:48.801",
        "Dec 02 21:47:48 [9755]",
        "",
    ]
)
_IDENTS = st.sampled_from(
    [
        "pve1 corosync[9755]:",
        "pve1 pmxcfs[1]:",
        "pve2 systemd[1]:",
        "pve1: corosync[1]:",
        "[1] a:",
        "vm corosync",
        "pve1 kernel:",
        "x",
    ]
)
_MESSAGES = st.sampled_from(
    [
        "  [TOTEM ] Retransmit List: 1a 1b ",
        "  [KNET  ] link: host: 2 link: 0 is down",
        "notice  [QUORUM] Members[2]: 1 2",
        "[status] notice: node lost quorum",
        "[dcdb] notice: members: 1/1, 2/2",
        "corosync.service: Failed with result 'signal'.",
        "Stopped Corosync Cluster Engine.",
        "b c: d",
        "",
    ]
)
_JOURNAL_LINES = st.lists(
    st.one_of(
        st.builds(
            lambda s, gap, i, m: f"{s}{gap}{i} {m}",
            _STAMPS,
            st.sampled_from([" ", "  ", "\t"]),
            _IDENTS,
            _MESSAGES,
        ),
        st.text(alphabet=st.characters(blacklist_characters="\r\n"), max_size=60),
    ),
    max_size=40,
)


@settings(max_examples=300)
@given(_JOURNAL_LINES)
@example(  # two blanks after the stamp: the ident is not where a plain line has it
    ["2026-12-02T21:47:48+0000  pve1 pmxcfs[1]: x", "2026-12-02T21:47:48+0000 pmxcfs[1]: x"]
)
@example(  # "[1] a: b c" is corosync's logfile form (host "a:", program "b"), "[1] a: x" not
    ["2026-12-02T21:47:48+0000 [1] a: x", "2026-12-02T21:47:49+0000 [1] a: b c d"]
)
def test_remembered_headers_read_as_each_line_alone(lines: list[str]) -> None:
    """Later lines with a header seen before take the short way: they read exactly as they
    do alone, when the whole header is read."""
    whole = read_journal("\n".join(lines), year=2026)
    alone = [read_journal(line, year=2026) for line in lines]
    expected: list[Entry] = [
        dataclasses.replace(entry, line=number)
        for number, journal in enumerate(alone, 1)
        for entry in journal.entries
    ]
    assert list(whole.entries) == expected
    assert whole.hosts == tuple(dict.fromkeys(h for j in alone for h in j.hosts))
    firsts = [j.first_time for j in alone if j.first_time is not None]
    lasts = [j.last_time for j in alone if j.last_time is not None]
    assert whole.first_time == (firsts[0] if firsts else None)
    assert whole.last_time == (lasts[-1] if lasts else None)
