"""Events in corosync's log (PURE): what knet, totem, votequorum and corosync's main loop say.

Reads both forms an admin has: corosync's own logfile (`Dec 02 21:47:48.329 [9755] vm
corosync notice  [KNET  ] ...`, `timestamp: on` or `hires`) and the journal
(`journalctl -o short-iso -u corosync`: `2026-12-02T21:47:48+0000 pve1 corosync[9755]:
[KNET  ] ...`).  Each line that carries one of the events below becomes a `LogEvent`; every
other line is skipped, so a whole journal can be fed in.  The texts are corosync 3.1.7's and
libknet 1.25's, as the lab and the team's recordings logged them (reference 12.4); the
lifecycle ones are quoted from corosync's sources (file named beside each).

This module is the one home of corosync's message rules: `pvequorum.journal` reads the
other daemons' lines and hands corosync's to `match_tagged`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pvequorum.cvalues import printable
from pvequorum.errors import InputError

MAX_LOG_LINES = 1_000_000
MAX_LINE_CHARS = 4096  # corosync's own lines are far shorter; longer ones are cut, not read

# The prefix up to the subsystem tag: logfile or journal form, then `[SUBSYS] message`.
_PREFIX = re.compile(
    r"^(?P<time>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\dT\S+)"
    r"\s.*?(?=\[[A-Z]+\s*\] )"
)
_IDS = r"(?P<ids>(?:\d+ ?)*)"
# (kind, subsystem tag, pattern matched at the start of the message after the tag)
_PATTERNS: tuple[tuple[str, str, str], ...] = (
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
    # exec/vsf_quorum.c log_view_list "%s[%d]:%s%s": no blank after the colon for none
    ("members", "QUORUM", r"Members\[(?P<count>\d+)\]: ?" + _IDS),
    (
        "config-version-differs",
        "CMAP",
        r"Received config version \((?P<theirs>\d+)\) is different than my config version"
        r" \((?P<mine>\d+)\)! Exiting",
    ),
    # exec/main.c: "Corosync Cluster Engine %s starting up" (3.x); 2.x said
    # "Corosync Cluster Engine ('2.4.4'): started and ready to provide service."
    (
        "corosync-starting",
        "MAIN",
        r"Corosync Cluster Engine \(?'?(?P<version>[0-9][^\s'()]*)'?\)?:?"
        r" (?:starting up|started and ready to provide service)",
    ),
    # exec/util.c _corosync_exit_error: "... exiting normally" (notice) or
    # "... exiting with status %d at %s:%u." (error)
    (
        "corosync-exiting",
        "MAIN",
        r"Corosync Cluster Engine exiting (?:normally|with status (?P<status>-?[0-9]+)"
        r" at (?P<at>\S+?)\.?$)",
    ),
    ("corosync-signal", "MAIN", r"Node was shut down by a signal"),  # exec/main.c
    # exec/main.c timer_function_scheduler_timeout (warning); 2.x had no "(reason: ...)"
    (
        "cannot-form",
        "MAIN",
        r"Totem is unable to form a cluster because of an operating system or network"
        r" fault(?: \(reason: (?P<reason>[^)]*)\))?",
    ),
    # exec/cfg.c message_handler_req_exec_cfg_reload_config, on `corosync-cfgtool -R`
    ("config-reload", "CFG", r"Config reload requested by node (?P<nodeid>[0-9]+)"),
    (
        "config-reload-failed",
        "CFG",
        r"(?:Unable to reload config file|Cannot configure new interface definitions"
        r"|Crypto configuration is not valid|Configuration is not valid): (?P<error>.*)",
    ),
    # exec/votequorum.c are_we_quorate (notice), while wait_for_all holds quorum back.
    # A change of expected votes itself is logged at debug level only.
    (
        "waiting-for-all",
        "VOTEQ",
        r"Waiting for all cluster members\. Current votes: (?P<votes>[0-9]+)"
        r" expected_votes: (?P<expected>[0-9]+)",
    ),
    # exec/votequorum.c qdevice_timer_fn (info): the qdevice missed its poll deadline
    ("qdevice-lost-contact", "VOTEQ", r"lost contact with quorum device (?P<name>.*)"),
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

Fields = tuple[tuple[str, str], ...]


class Rules:
    """(lead, kind, pattern) rules compiled into one regex, tried in their order.

    One C-level match per message instead of a Python loop over patterns.  Rules that
    share a lead (a subsystem tag) are alternatives after it, so a message meets its own
    lead's rules only (leads must exclude one another).  Rule N becomes the group
    `(?P<rN>...)`, its own groups renamed `rN_name` (two rules may both have a `host`), and
    the match's `lastindex` is that outer group, which closes last.  Groups that took no
    part in the match are left out of the fields.
    """

    def __init__(self, rules: Sequence[tuple[str, str, str]], prefix: str = "") -> None:
        branches: dict[str, list[str]] = {}
        for number, (lead, _, source) in enumerate(rules):
            renamed = re.sub(r"\(\?P<(\w+)>", rf"(?P<r{number}_\1>", source)
            branches.setdefault(lead, []).append(f"(?P<r{number}>{renamed})")
        self._pattern = re.compile(
            prefix
            + "(?:"
            + "|".join(f"{lead}(?:{'|'.join(alts)})" for lead, alts in branches.items())
            + ")"
        )
        groups = self._pattern.groupindex
        # outer group -> (kind, its fields' names, their group numbers)
        self._rules: dict[int, tuple[str, tuple[str, ...], tuple[int, ...]]] = {}
        for number, (_, kind, _) in enumerate(rules):
            own = f"r{number}_"
            inner = [
                (name.removeprefix(own), index)
                for name, index in groups.items()
                if name.startswith(own)
            ]
            self._rules[groups[f"r{number}"]] = (
                kind,
                tuple(name for name, _ in inner),
                tuple(index for _, index in inner),
            )

    def match(self, message: str) -> tuple[str, Fields] | None:
        """The kind and fields of the first rule that matches the start of `message`."""
        found = self._pattern.match(message)
        if found is None or found.lastindex is None:
            return None
        kind, names, indices = self._rules[found.lastindex]
        if len(indices) < 2:
            value = found.group(indices[0]) if indices else None
            return kind, () if value is None else ((names[0], value),)
        values = found.group(*indices)
        if None in values:
            return kind, tuple((n, v) for n, v in zip(names, values, strict=True) if v is not None)
        return kind, tuple(zip(names, values, strict=True))


# All rules in one regex, each behind its tag: one match per corosync message.
_TAGGED = Rules(
    [(subsys + r" *\] ", kind, source) for kind, subsys, source in _PATTERNS],
    prefix=r" *(?:[a-z]+ +)?\[",
)


def match_tagged(message: str) -> tuple[str, Fields] | None:
    """The kind and fields of corosync's `message` from its subsystem tag on (`[KNET  ]
    link: ...`, also after the logfile's priority, `notice  [MAIN  ] ...`), or None.
    Trailing blanks are no part of it (corosync ends some lists with one)."""
    return _TAGGED.match(message.rstrip())


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
    found = match_tagged(line[prefix.end() :])
    if found is None:
        return None
    return LogEvent(found[0], number, prefix["time"], found[1], printable(line))
