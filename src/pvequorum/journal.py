"""The cluster's story in a node's journal (PURE): one event per line that matters.

`pvequorum diagnose` reads `journal.txt` from each node's evidence bundle (`journalctl -o
short-iso -u corosync -u pve-cluster -u pve-ha-lrm -u pve-ha-crm -u watchdog-mux -u
corosync-qdevice`) and lines pasted by users, so three line forms are read:

- the journal's `short-iso` (`2026-12-02T21:47:48+0000 pve1 corosync[9755]: ...`, offsets
  `+0100` or `+01:00`, fractions of `short-iso-precise`);
- classic syslog, as forums show it (`Dec 02 21:47:48 pve1 corosync[9755]: ...`);
- corosync's own logfile (`Dec 01 22:29:33.801 [9755] vm corosync notice  [MAIN  ] ...`).

A line is dispatched by its program (and corosync's by its subsystem tag, in
`pvequorum.corolog`, the one home of corosync's rules), so each line meets a handful of
patterns at most: a day of journal (20,000+ lines) reads in a fraction of a second.  Lines
that carry no known event are skipped; no text raises anything but the InputError for more
than `corolog.MAX_LOG_LINES` lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from pvequorum import corolog
from pvequorum.corolog import MAX_LINE_CHARS
from pvequorum.cvalues import printable
from pvequorum.errors import InputError

Fields = tuple[tuple[str, str], ...]

# The units `bundle.py` collects, and their systemd descriptions: systemd up to v251 names a
# unit only by its description ("Stopped Corosync Cluster Engine.").  Sources: corosync's
# init/corosync.service.in, corosync-qdevice's init/corosync-qdevice.service.in,
# pve-cluster's debian/pve-cluster.service; pve-ha-manager's units as PVE 8 logs them.
UNITS = {
    "Corosync Cluster Engine": "corosync.service",
    "Corosync Qdevice daemon": "corosync-qdevice.service",
    "The Proxmox VE cluster filesystem": "pve-cluster.service",
    "PVE Local HA Resource Manager Daemon": "pve-ha-lrm.service",
    "PVE Cluster HA Resource Manager Daemon": "pve-ha-crm.service",
    "Proxmox VE watchdog multiplexer": "watchdog-mux.service",
}
_UNIT_NAMES = frozenset(UNITS.values())

_LOCK = r"'(?P<lock>[^' ]+)"
# (programs, kind, pattern matched at the start of the message), in the order tried.
_RULES: tuple[tuple[str, str, str], ...] = (
    # systemd about a unit (src/core/service.c, src/core/job.c); v252+ adds "unit - ".
    (
        "systemd",
        "unit-killed",
        r"(?P<unit>\S+): Main process exited, code=(?P<code>\w+), status=(?P<status>\S+)",
    ),
    ("systemd", "unit-failed", r"(?P<unit>\S+): Failed with result '(?P<result>[^']*)'"),
    ("systemd", "unit-stopped", r"Stopped (?:(?P<unit>\S+\.service) - )?(?P<description>.+?)\.?$"),
    ("systemd", "unit-started", r"Started (?:(?P<unit>\S+\.service) - )?(?P<description>.+?)\.?$"),
    # pmxcfs, "[domain] level: message" (pmxcfs.c qb_log_format_set "[%g] %p: %b")
    ("pmxcfs", "quorum-lost", r"\[status\] notice: node lost quorum"),  # status.c
    ("pmxcfs", "quorum-gained", r"\[status\] notice: node has quorum"),  # status.c
    (  # dfsm.c dfsm_cpg_confchg_callback "members: %s", one line per CPG group
        "pmxcfs",
        "cpg-members",
        r"\[(?P<group>dcdb|status)\] notice: members:"
        r" (?P<members>[0-9]+/[0-9]+(?:, [0-9]+/[0-9]+)*)$",
    ),
    (  # quorum.c, confdb.c, dfsm.c: "%s_initialize failed: %d" (PVE <= 8: "2"), PVE 9
        # "failed: CS_ERR_LIBRARY (failed to connect to corosync)"
        "pmxcfs",
        "corosync-unavailable",
        r"\[(?P<service>\w+)\] crit: (?P<call>quorum|cmap|cpg)_initialize failed: (?P<error>\S+)",
    ),
    (  # status.c cfs_status_set_clinfo
        "pmxcfs",
        "cluster-info",
        r"\[status\] notice: update cluster info \(cluster name  (?P<name>\S+),"
        r" version = (?P<version>[0-9]+)\)",
    ),
    # dcdb.c dcdb_sync_corosync_conf: /etc/pve/corosync.conf copied to /etc/corosync/
    (
        "pmxcfs",
        "conf-synced",
        r"\[dcdb\] notice: wrote new corosync config '(?P<path>[^']*)'"
        r" \(version = (?P<version>[0-9]+)\)",
    ),
    ("pmxcfs", "conf-newer-local", r"\[dcdb\] crit: local corosync\.conf is newer"),
    ("pmxcfs", "conf-unparsable", r"\[dcdb\] crit: unable to parse cluster config_version"),
    (
        "pmxcfs",
        "conf-unreadable",
        r"\[dcdb\] crit: unable to read cluster config file '(?P<path>[^']*)' - (?P<error>.*)",
    ),
    (
        "pmxcfs",
        "conf-cfgtool-failed",
        r"\[dcdb\] crit: corosync-cfgtool -R failed with exit code (?P<code>[0-9]+)",
    ),
    # pve-ha-manager (not mirrored; texts as PVE logs them): Env/PVE2.pm get_pve_lock,
    # LRM.pm / CRM.pm set_local_status
    (
        "pve-ha-lrm pve-ha-crm",
        "ha-lost-lock",
        r"lost lock " + _LOCK + r"(?: - (?P<reason>[^']*))?'",
    ),
    ("pve-ha-lrm pve-ha-crm", "ha-acquired-lock", r"successfully acquired lock " + _LOCK + "'"),
    ("pve-ha-lrm pve-ha-crm", "ha-status-change", r"status change (?P<old>\S+) => (?P<new>\S+)"),
    # watchdog-mux.c main loop (stderr, so the journal's): the node resets ~10 s later
    (
        "watchdog-mux",
        "watchdog-expired",
        r"client (?:watchdog expired|did not stop watchdog) - disable watchdog updates",
    ),
    ("watchdog-mux", "watchdog-expiring", r"client watchdog is about to expire"),
    # corosync-qdevice 3.0.x: qdevice-model-net.c, qdevice-net-socket.c (log_nss: "%s (%d): %s")
    (
        "corosync-qdevice",
        "qdevice-connect-failed",
        r"Can't (?:connect to qnetd host|initialize non blocking client connection)\.?"
        r"(?: \((?P<code>-?[0-9]+)\): (?P<error>.*))?$",
    ),
    (  # qdevice-model-net.c, -echo-request-timer.c, -socket.c, -msg-received.c (error level)
        "corosync-qdevice",
        "qdevice-disconnected",
        r"(?P<reason>Connect timeout|Server didn't send echo reply message on time"
        r"|POLL_ERR \([0-9]+\) on main socket|.*Disconnecting(?: from server)?\.?$)",
    ),
)
_BY_PROGRAM: dict[str, corolog.Rules] = {
    program: corolog.Rules(
        [("", kind, source) for progs, kind, source in _RULES if program in progs.split()]
    )
    for program in dict.fromkeys(p for progs, _, _ in _RULES for p in progs.split())
}

KINDS: tuple[str, ...] = tuple(dict.fromkeys((*corolog.KINDS, *(kind for _, kind, _ in _RULES))))

_ISO = (  # short-iso, short-iso-precise: 2026-12-02T21:47:48[.123456]+0100 (or +01:00, Z)
    r"(?P<iso>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(?P<ifrac>\.[0-9]+)?"
    r"(?P<zone>Z|[+-][0-9]{2}:?[0-9]{2})?"
)
_SYSLOG = r"(?P<sys>[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2})(?P<sfrac>\.[0-9]+)?"
_STAMP = rf"(?P<stamp>{_ISO}|{_SYSLOG})"
# A stamp, then corosync's logfile "[pid] host program " or syslog's "host program[pid]: ";
# corosync's logfile form may come without a stamp (`timestamp: off`).
_LINE = re.compile(
    r"(?:" + _STAMP + r" +)?"
    r"(?:\[[0-9]+\] (?P<lhost>\S+) (?P<lprog>\S+) "
    r"|(?(stamp)(?P<host>\S+) (?P<prog>[^\s\[\]:]+)(?:\[[0-9]+\])?:(?: |$)|(?!)))"
)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_AGENT_LOCK = re.compile(r"ha_agent_(.+)_lock")


@dataclass(frozen=True, slots=True)
class Entry:
    """One event: when (POSIX seconds, None when the stamp has no year and none was given,
    or is no real time), the stamp as printed, the host and program that logged it, its
    kind and fields, its 1-based line and the line itself, printable."""

    time: float | None
    stamp: str
    host: str | None
    program: str
    kind: str
    fields: Fields
    line: int
    text: str

    def get(self, name: str) -> str | None:
        for key, value in self.fields:
            if key == name:
                return value
        return None


@dataclass(frozen=True, slots=True)
class Journal:
    """The events of one text in line order, how many lines it had, the times of its first
    and last line with a readable stamp (journalctl prints in time order: its window), and
    the hosts that logged, in first-seen order."""

    entries: tuple[Entry, ...]
    lines: int
    first_time: float | None
    last_time: float | None
    hosts: tuple[str, ...]


def read_journal(text: str, source: str = "<journal>", *, year: int | None = None) -> Journal:
    """The events of `text`; `year` dates the stamps that have none (syslog and corosync's
    logfile forms, read as UTC).  An InputError naming `source` past MAX_LOG_LINES lines."""
    if text.count("\n") > corolog.MAX_LOG_LINES:  # before splitting, to bound memory too
        raise InputError(f"more than {corolog.MAX_LOG_LINES:,} lines", source)
    lines = text.replace("\r\n", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()
    if len(lines) > corolog.MAX_LOG_LINES:
        raise InputError(f"more than {corolog.MAX_LOG_LINES:,} lines", source)
    entries: list[Entry] = []
    hosts: dict[str, None] = {}
    first: float | None = None
    # The journal's own form is "STAMP IDENT: MESSAGE" (IDENT "host program[pid]"), and its
    # idents repeat, its stamps too: `_header` reads a line whole the first time its IDENT
    # is seen, and later lines cost two look-ups; a stamp is read only for an event (and
    # until the first readable one), since most lines of a day are no event.
    stamps: dict[str, float | None] = {}
    idents: dict[str, tuple[str, str, _Matcher | None]] = {}
    caches: dict[str, _Cache] = {}
    # the whole line after the stamp, as read before (most lines of a day repeat one):
    # _NO_EVENT, or the (host, program, event) it holds
    rests: dict[str, Any] = {}
    stamp_of, ident_of, rest_of = stamps.get, idents.get, rests.get
    for number, raw in enumerate(lines, 1):
        line = raw[:MAX_LINE_CHARS]
        space = line.find(" ")
        known = rest_of(line[space + 1 :]) if first is not None else None
        if known is _NO_EVENT:
            continue
        if known is not None:
            stamp = line[:space]
            when = stamp_of(stamp, _UNSEEN)
            if when is _UNSEEN:
                when = _journal_stamp(stamp)
            if when is not _UNSEEN:
                host, program, found = known
                entries.append(_entry(when, stamp, host, program, found, number, line))
                continue
        colon = line.find(": ", space)
        ident = ident_of(line[space + 1 : colon]) if colon > space > 0 else None
        when = _UNSEEN
        if ident is not None:
            host, program, matcher = ident
            start = colon + 2
            if matcher is None:
                found = None
            else:
                cache = caches[program]
                found = cache.get(line[start:], _UNREAD)
                if found is _UNREAD:
                    found = _read_message(cache, matcher, line[start:])
            if len(rests) < CACHE_MAX:
                rests[line[space + 1 :]] = _NO_EVENT if found is None else (host, program, found)
            if found is None and first is not None:
                continue
            stamp = line[:space]
            when = stamp_of(stamp, _UNSEEN)
            if when is _UNSEEN:
                when = _journal_stamp(stamp)  # _UNSEEN if it is none: read whole below
                if when is not _UNSEEN and "." not in stamp:
                    stamps[stamp] = when
        if when is _UNSEEN:  # any other line, or one whose IDENT is new
            header = _header(line, year)
            if header is None:
                continue
            stamp, when, host, program, start, matcher, plain = header
            if plain and start == colon + 2:
                idents[line[space + 1 : colon]] = host, program, matcher
            if host not in hosts:
                hosts[host] = None
            found = None
            if matcher is not None:
                cache = caches.setdefault(program, {})
                found = cache.get(line[start:], _UNREAD)
                if found is _UNREAD:
                    found = _read_message(cache, matcher, line[start:])
        if first is None:
            first = when
        if found is not None:
            entries.append(_entry(when, stamp, host, program, found, number, line))
    last = next(
        (
            h[1]
            for raw in reversed(lines)
            if (h := _header(raw[:MAX_LINE_CHARS], year)) and h[1] is not None
        ),
        None,
    )
    return Journal(tuple(entries), len(lines), first, last, tuple(hosts))


_Matcher = Callable[[str], tuple[str, Fields] | None]
_UNSEEN = float("-inf")  # "not read": compared by identity, never a line's time
_UNREAD: Any = object()  # a message not in the cache yet
_NO_EVENT: Any = object()  # a line after its stamp that holds no event


def _entry(
    when: float | None,
    stamp: str,
    host: str,
    program: str,
    found: tuple[str, Fields],
    number: int,
    line: str,
) -> Entry:
    shown = line if line.isprintable() else printable(line, MAX_LINE_CHARS)[:MAX_LINE_CHARS]
    return Entry(when, stamp, host, program, found[0], found[1], number, shown)


def _header(
    line: str, year: int | None
) -> tuple[str, float | None, str, str, int, _Matcher | None, bool] | None:
    """A line's header: its stamp as printed ("" if none), POSIX seconds, host, program,
    where its message starts and what reads it (None: nothing to), and whether it is in the
    journal's plain form "STAMP IDENT: ", that `read_journal` may remember by its parts."""
    match = _LINE.match(line)
    if match is None:
        return None
    stamp, iso, ifrac, zone, sys, sfrac, lhost, lprog, host, prog = match.groups()
    when, fraction = None, None
    if iso is not None:
        when, fraction = _iso_seconds(iso, zone), ifrac
    elif sys is not None and year is not None:
        when, fraction = _syslog_seconds(sys, year), sfrac
    if when is not None and fraction:
        when += float(fraction)
    if lprog is not None:
        host, prog = lhost, lprog
    # "[1] a: b c" is corosync's logfile form, "[1] a: x" is not: such idents are not plain
    plain = iso is not None and lprog is None and host[0] != "["
    return stamp or "", when, host, prog, match.end(), _MATCHERS.get(prog), plain


def _matcher(program: str) -> _Matcher | None:
    """What reads `program`'s messages: corosync's by their tag, the others' by their rules,
    then the fields that follow from those matched.  Remembered: a journal repeats its
    messages ("[status] notice: received log", the same retransmit list) many times."""
    if program == "corosync":
        return corolog.match_tagged
    rules = _BY_PROGRAM.get(program)
    if rules is None:
        return None

    def match(message: str) -> tuple[str, Fields] | None:
        found = rules.match(message.rstrip())
        if found is None or found[0] not in _DERIVED:
            return found
        fields = _DERIVED[found[0]](dict(found[1]))
        return None if fields is None else (found[0], fields)

    return match


def _members(fields: dict[str, str]) -> Fields | None:
    """A CPG member list "1/1234, 2/5678" (nodeid/pid) and its node ids "1 2"."""
    ids = " ".join(member.split("/")[0] for member in fields["members"].split(", ") if member)
    return (*fields.items(), ("nodeids", ids))


def _lock(fields: dict[str, str]) -> Fields | None:
    """An HA lock and, for an LRM's 'ha_agent_NODE_lock', its node."""
    agent = _AGENT_LOCK.fullmatch(fields["lock"])
    return (*fields.items(), *((("node", agent.group(1)),) if agent else ()))


def _unit(fields: dict[str, str]) -> Fields | None:
    """systemd's line about one of the cluster's units (named, or by its description);
    None for any other unit's, which pasted syslog has too."""
    unit = fields.get("unit") or UNITS.get(fields.get("description", ""))
    if unit not in _UNIT_NAMES:
        return None
    return (("unit", unit), *((k, v) for k, v in fields.items() if k != "unit"))


_DERIVED: dict[str, Callable[[dict[str, str]], Fields | None]] = {
    "cpg-members": _members,
    "ha-lost-lock": _lock,
    "ha-acquired-lock": _lock,
    **{kind: _unit for kind in ("unit-killed", "unit-failed", "unit-stopped", "unit-started")},
}
_MATCHERS = {program: m for program in ("corosync", *_BY_PROGRAM) if (m := _matcher(program))}
# What each program's messages were read as, per journal: a journal repeats its messages
# ("[status] notice: received log", the same retransmit list) many times, and a dict
# look-up in the loop is the cheapest way past them.  Bounded: past CACHE_MAX messages a
# cache stops growing.
CACHE_MAX = 8192
_Cache = dict[str, "tuple[str, Fields] | None"]


def _read_message(cache: _Cache, matcher: _Matcher, message: str) -> tuple[str, Fields] | None:
    found = matcher(message)
    if len(cache) < CACHE_MAX:
        cache[message] = found
    return found


_JOURNAL_STAMP = re.compile(_ISO)


def _journal_stamp(stamp: str) -> float | None:
    """The POSIX seconds of a short-iso(-precise) stamp alone (None: no real time), or
    _UNSEEN when `stamp` is not one."""
    match = _JOURNAL_STAMP.fullmatch(stamp)
    if match is None:
        return _UNSEEN
    iso, fraction, zone = match.groups()
    when = _iso_seconds(iso, zone)
    return when + float(fraction) if when is not None and fraction else when


def _iso_seconds(iso: str, zone: str | None) -> float | None:
    """POSIX seconds of "YYYY-MM-DDTHH:MM:SS" at UTC offset `zone` (None: UTC)."""
    minute = _iso_minute(iso[:16], zone or "")
    second = int(iso[17:19])
    return None if minute is None or second > 59 else minute + second


def _syslog_seconds(stamp: str, year: int) -> float | None:
    """POSIX seconds of "Mon DD HH:MM:SS" in `year`, read as UTC."""
    minute = _syslog_minute(stamp[:12], year)
    second = int(stamp[13:15])
    return None if minute is None or second > 59 else minute + second


# A minute's seconds, remembered: a journal's lines come minute after minute.
@lru_cache(maxsize=1024)
def _iso_minute(prefix: str, zone: str) -> float | None:
    offset = 0
    if zone and zone != "Z":
        hours, minutes = int(zone[1:3]), int(zone[-2:])
        if hours > 23 or minutes > 59:
            return None
        offset = (hours * 3600 + minutes * 60) * (-1 if zone[0] == "-" else 1)
    moment = _utc(int(prefix[:4]), int(prefix[5:7]), int(prefix[8:10]), prefix[11:])
    return None if moment is None else moment - offset


@lru_cache(maxsize=1024)
def _syslog_minute(prefix: str, year: int) -> float | None:
    month = _MONTHS.get(prefix[:3])
    return None if month is None else _utc(year, month, int(prefix[4:6]), prefix[7:])


def _utc(year: int, month: int, day: int, clock: str) -> float | None:
    """POSIX seconds of a UTC minute ("HH:MM"); None for no real one (Feb 30, 25:00)."""
    try:
        return datetime(year, month, day, int(clock[:2]), int(clock[3:5]), tzinfo=UTC).timestamp()
    except (ValueError, OverflowError):
        return None
