"""Link and membership events in corosync's log (PURE): what knet and totem say over time.

Reads both forms an admin has: corosync's own logfile (`Dec 02 21:47:48.329 [9755] vm
corosync notice  [KNET  ] ...`, `timestamp: on` or `hires`) and the journal
(`journalctl -o short-iso -u corosync`: `2026-12-02T21:47:48+0000 pve1 corosync[9755]:
[KNET  ] ...`).  Each line that carries one of the events below becomes a `LogEvent`; every
other line is skipped, so a whole journal can be fed in.  The texts are corosync 3.1.7's and
libknet 1.25's, as the lab and the team's recordings logged them (reference 12.4).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pvequorum.cvalues import printable
from pvequorum.errors import InputError

MAX_LOG_LINES = 1_000_000
MAX_LINE_CHARS = 4096  # corosync's own lines are far shorter; longer ones are cut, not read

# The prefix up to the subsystem tag: logfile or journal form, then `[SUBSYS] message`.
_PREFIX = re.compile(
    r"^(?P<time>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\dT\S+)"
    r"\s.*?\[(?P<subsys>[A-Z]+)\s*\] (?P<message>.*)$"
)
_IDS = r"(?P<ids>(?:\d+ ?)*)"
_PATTERNS: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (kind, subsys, re.compile(pattern))
    for kind, subsys, pattern in (
        ("link-down", "KNET", r"link: host: (?P<host>\d+) link: (?P<link>\d+) is down"),
        ("link-up", "KNET", r"rx: host: (?P<host>\d+) link: (?P<link>\d+) is up"),
        (
            "best-link",
            "KNET",
            r"host: host: (?P<host>\d+) \((?P<mode>\w+)\) best link: (?P<link>\d+)"
            r" \(pri: (?P<priority>\d+)\)",
        ),
        ("no-active-links", "KNET", r"host: host: (?P<host>\d+) has no active links"),
        ("token-warning", "TOTEM", r"Token has not been received in (?P<ms>\d+) ms"),
        (
            "token-lost",
            "TOTEM",
            r"A processor failed, forming new configuration: token timed out \((?P<ms>\d+)ms\)"
            r", waiting (?P<consensus_ms>\d+)ms for consensus",
        ),
        ("retransmit", "TOTEM", r"Retransmit List: (?P<list>.*)"),
        ("new-membership", "TOTEM", r"A new membership \((?P<ring>[0-9a-f]+\.[0-9a-f]+)\)"),
        ("primary", "QUORUM", r"This node is within the primary component"),
        ("non-primary", "QUORUM", r"This node is within the non-primary component"),
        ("members", "QUORUM", r"Members\[(?P<count>\d+)\]: " + _IDS),
        (
            "config-version-differs",
            "CMAP",
            r"Received config version \((?P<theirs>\d+)\) is different than my config version"
            r" \((?P<mine>\d+)\)! Exiting",
        ),
    )
)


@dataclass(frozen=True)
class LogEvent:
    """One event: its kind, where it was (1-based line), the time as printed, the numbers
    the line carries (`host`, `link`, `ms`, ...) and the line itself, printable."""

    kind: str
    line: int
    time: str
    fields: tuple[tuple[str, str], ...]
    text: str

    def get(self, name: str) -> str | None:
        return dict(self.fields).get(name)


KINDS = tuple(kind for kind, _, _ in _PATTERNS)


def events(lines: Iterable[str], source: str = "<corosync log>") -> list[LogEvent]:
    """The events of `lines` in their order; an InputError past MAX_LOG_LINES."""
    found = []
    for number, raw in enumerate(lines, 1):
        if number > MAX_LOG_LINES:
            raise InputError(f"more than {MAX_LOG_LINES:,} lines", source)
        event = _event(raw[:MAX_LINE_CHARS].rstrip("\r\n"), number)
        if event is not None:
            found.append(event)
    return found


def parse_log(text: str, source: str = "<corosync log>") -> list[LogEvent]:
    return events(text.splitlines(), source)


def _event(line: str, number: int) -> LogEvent | None:
    prefix = _PREFIX.match(line)
    if prefix is None:
        return None
    subsys, message = prefix["subsys"], prefix["message"]
    for kind, wanted, pattern in _PATTERNS:
        if subsys != wanted:
            continue
        match = pattern.match(message)
        if match:
            fields = tuple((k, v.strip()) for k, v in match.groupdict().items() if v is not None)
            return LogEvent(kind, number, prefix["time"], fields, printable(line))
    return None
