"""The lab's stand-in for `journalctl -o short-iso --since S -u corosync ...` (PURE).

A Proxmox VE node answers the evidence bundle's journal command (`bundle.journal_argv`)
from the systemd journal.  The lab has no systemd and so no journal: its daemons run in
network namespaces of one host, and each node's corosync writes corosync's own logfile
(`Lab.log_path`).  This module turns those logfile lines into the lines journalctl would
print for them, so that a bundle collected from the lab reads like one from a node:

    Dec 02 21:47:48.329 [9755] vm corosync notice  [KNET  ] link: host: 2 link: 0 is down
    2026-12-02T21:47:48+0000 pve1 corosync[9755]: [KNET  ] link: host: 2 link: 0 is down

The host is the lab node's name (the logfile names the machine all lab nodes share), the
identifier and pid are the logfile's, the message (from the subsystem tag on) is kept as it
is; the priority, which short-iso does not show, is dropped.  The logfile has no year: a
line gets the current year, or the previous one when its date would lie more than a day in
the future.  Times are the daemon's local time, and that is what journalctl prints too: a
line's time is read in one zone (`tz`; None: this host's local zone, as the daemons that
wrote the file had it) and printed with that zone's offset.

Only what a daemon wrote comes out: lines not in the logfile form (a continuation, a line
without a time stamp) are dropped, and nothing is made up for units the lab does not run
(pve-cluster, pve-ha-lrm, pve-ha-crm, watchdog-mux).  As journalctl does, an empty result
is the one line `-- No entries --`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo

NO_ENTRIES = "-- No entries --\n"
FUTURE_SLACK = timedelta(days=1)  # a line dated less than this ahead is this year's
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# corosync's logfile form (`timestamp: on` or `hires`): time, [pid], host, name, priority
# padded to 7, then the message, which for corosync starts with its `[SUBSYS]` tag.
LOGFILE_LINE = re.compile(
    r"(?P<month>[A-Z][a-z]{2}) (?P<day>[ \d]\d) (?P<hour>\d\d):(?P<minute>\d\d):(?P<second>\d\d)"
    r"(?:\.(?P<fraction>\d{1,6}))? \[(?P<pid>\d+)\] (?P<host>\S+) (?P<ident>[\w.-]+) "
    r"(?P<priority>[a-z]+) +(?P<message>\S.*)"
)
_RELATIVE = re.compile(r"-(?P<count>[1-9]\d{0,3})(?P<unit>[dhms])")
_ABSOLUTE = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d\d)-(?P<day>\d\d)"
    r"(?: (?P<hour>\d\d):(?P<minute>\d\d)(?::(?P<second>\d\d))?)?"
)
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def localize(naive: datetime, tz: tzinfo | None = None) -> datetime:
    """`naive` as a time in `tz`; None: this host's local zone (with its offset on that
    date, so a daylight-saving change is honoured)."""
    return naive.astimezone() if tz is None else naive.replace(tzinfo=tz)


def parse_since(since: str, now: datetime, tz: tzinfo | None = None) -> datetime:
    """The moment `--since` names, in journalctl's reading of the forms `bundle.check_since`
    accepts: `-Nd|h|m|s` before `now`, `today` and `yesterday` at midnight, a date at
    midnight, a date and time (seconds 0 when not given).  ValueError for anything else
    and for a date that does not exist."""
    relative = _RELATIVE.fullmatch(since)
    if relative:
        return now - timedelta(**{_UNITS[relative["unit"]]: int(relative["count"])})
    if since in ("today", "yesterday"):
        midnight = datetime(now.year, now.month, now.day)
        if since == "yesterday":
            midnight -= timedelta(days=1)
        return localize(midnight, tz)
    absolute = _ABSOLUTE.fullmatch(since)
    if not absolute:
        raise ValueError(f"Failed to parse timestamp: {since}")
    year, month, day, hour, minute, second = (
        int(absolute[k] or 0) for k in ("year", "month", "day", "hour", "minute", "second")
    )
    try:
        return localize(datetime(year, month, day, hour, minute, second), tz)
    except ValueError:
        raise ValueError(f"Failed to parse timestamp: {since}") from None


def logfile_time(match: re.Match[str], now: datetime, tz: tzinfo | None = None) -> datetime | None:
    """The time of a LOGFILE_LINE match: this year, or last year when the date would lie
    more than FUTURE_SLACK after `now`; None for a date that exists in neither."""
    if match["month"] not in MONTHS:
        return None
    month = MONTHS.index(match["month"]) + 1
    fraction = (match["fraction"] or "").ljust(6, "0")
    clock = (int(match["hour"]), int(match["minute"]), int(match["second"]), int(fraction))
    for year in (now.year, now.year - 1):
        try:
            when = localize(datetime(year, month, int(match["day"]), *clock), tz)
        except ValueError:  # 29 February outside a leap year, or a 25th hour
            continue
        if when <= now + FUTURE_SLACK:
            return when
    return None


def journal_entries(
    text: str, host: str, now: datetime, tz: tzinfo | None = None
) -> list[tuple[datetime, str]]:
    """(time, short-iso line) of every logfile line of `text`, in the file's order."""
    entries = []
    for line in text.splitlines():
        match = LOGFILE_LINE.fullmatch(line)
        when = None if match is None else logfile_time(match, now, tz)
        if match is None or when is None:
            continue
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S%z")
        source = f"{match['ident']}[{match['pid']}]"
        entries.append((when, f"{stamp} {host} {source}: {match['message']}"))
    return entries


def journal(
    logs: Iterable[str], host: str, since: str, now: datetime, tz: tzinfo | None = None
) -> str:
    """What `journalctl -o short-iso --no-pager --since SINCE -u ...` prints for the units
    whose logfile texts are `logs`: their lines at or after `since`, merged in time order
    (stable: a file's own order where times are equal); `-- No entries --` when none."""
    start = parse_since(since, now, tz)
    entries = [entry for text in logs for entry in journal_entries(text, host, now, tz)]
    kept = sorted((e for e in entries if e[0] >= start), key=lambda e: e[0])
    if not kept:
        return NO_ENTRIES
    return "".join(line + "\n" for _, line in kept)
