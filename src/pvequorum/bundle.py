"""The evidence bundle's fixed, read-only command list (PURE; docs/bundle-format.md).

`pvequorum collect` runs exactly these commands on every node it reaches and stores each
output under its file name; nothing else.  Every command only reads: the list is a
constant, tested (tests/test_bundle.py), and the one value that comes from the user, the
journal's `--since`, must match one of a few fixed forms, so no input can add a command,
an option or a shell word.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pvequorum.cvalues import printable
from pvequorum.errors import InputError
from pvequorum.model import is_hostname

FORMAT = "pvequorum-bundle/1"
COLLECTED = "collected.json"

PVECM_STATUS = "pvecm-status.txt"
QUORUMTOOL_L = "corosync-quorumtool-l.txt"
CFGTOOL_S = "corosync-cfgtool-s.txt"
CFGTOOL_N = "corosync-cfgtool-n.txt"
LOCAL_CONF = "etc-corosync-corosync.conf"
CLUSTER_CONF = "etc-pve-corosync.conf"
JOURNAL = "journal.txt"
PVEVERSION = "pveversion.txt"
HA_STATUS = "ha-manager-status.txt"
QDEVICE_TOOL = "corosync-qdevice-tool-s.txt"

JOURNAL_UNITS = (
    "corosync",
    "pve-cluster",
    "pve-ha-lrm",
    "pve-ha-crm",
    "watchdog-mux",
    "corosync-qdevice",
)
DEFAULT_SINCE = "-1d"

_SINCE = re.compile(
    r"-[1-9][0-9]{0,3}[dhms]|today|yesterday"
    r"|[0-9]{4}-[0-9]{2}-[0-9]{2}(?: [0-9]{2}:[0-9]{2}(?::[0-9]{2})?)?",
    re.ASCII,
)


def check_since(since: str) -> str:
    """`since` if it is one of the journal windows collect accepts, else an InputError."""
    if not isinstance(since, str) or not _SINCE.fullmatch(since):
        raise InputError(
            f"--since must be -Nd, -Nh, -Nm, -Ns, today, yesterday, YYYY-MM-DD or "
            f"'YYYY-MM-DD HH:MM[:SS]', got {since!r}",
            "parameter since",
        )
    return since


def journal_argv(since: str) -> tuple[str, ...]:
    units = tuple(word for unit in JOURNAL_UNITS for word in ("-u", unit))
    return ("journalctl", "-o", "short-iso", "--no-pager", "--since", check_since(since), *units)


def commands(
    since: str = DEFAULT_SINCE, qdevice: bool = False
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(file name, argv) of every command collect runs on a node, in order; the QDevice
    tool only where the node's corosync.conf configures a device."""
    listed: list[tuple[str, tuple[str, ...]]] = [
        (PVECM_STATUS, ("pvecm", "status")),
        (QUORUMTOOL_L, ("corosync-quorumtool", "-l")),
        (CFGTOOL_S, ("corosync-cfgtool", "-s")),
        (CFGTOOL_N, ("corosync-cfgtool", "-n")),
        (LOCAL_CONF, ("cat", "/etc/corosync/corosync.conf")),
        (CLUSTER_CONF, ("cat", "/etc/pve/corosync.conf")),
        (JOURNAL, journal_argv(since)),
        (PVEVERSION, ("pveversion", "-v")),
        (HA_STATUS, ("ha-manager", "status")),
    ]
    if qdevice:
        listed.append((QDEVICE_TOOL, ("corosync-qdevice-tool", "-s")))
    return tuple(listed)


FILES = (*tuple(name for name, _ in commands(qdevice=True)), COLLECTED)


@dataclass(frozen=True)
class Collected:
    """A node's `collected.json`: who collected what, when, and why a node was not reached."""

    node: str
    collected_at: float | None = None  # POSIX seconds
    since: str | None = None
    executor: str | None = None
    exits: tuple[tuple[str, int], ...] = ()  # (file name, exit code)
    unreachable: str | None = None

    def exit_of(self, name: str) -> int | None:
        return dict(self.exits).get(name)

    def to_dict(self) -> dict[str, Any]:
        by_file = dict(commands(self.since or DEFAULT_SINCE, qdevice=True))
        return {
            "format": FORMAT,
            "node": self.node,
            "collected_at": _iso(self.collected_at),
            "since": self.since,
            "executor": self.executor,
            "commands": [
                {"file": name, "argv": list(by_file.get(name, ())), "exit": code}
                for name, code in self.exits
            ],
            "unreachable": self.unreachable,
        }


def _iso(when: float | None) -> str | None:
    if when is None:
        return None
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _time(value: object, where: str) -> float | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise InputError(
            "collected_at must be an ISO 8601 time such as 2026-12-04T02:00:00Z", where
        )
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"collected_at {printable(value)!r} is not an ISO 8601 time", where
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        when = parsed.timestamp()
        datetime.fromtimestamp(when, UTC)  # a year any later step can use
    except (ValueError, OverflowError, OSError):
        raise InputError(f"collected_at {printable(value)!r} is out of range", where) from None
    return when


_COLLECTED_KEYS = {"format", "node", "collected_at", "since", "executor", "commands", "unreachable"}


def parse_collected(text: str, where: str) -> Collected:
    """`collected.json`, strictly: unknown keys, wrong types or another format are errors."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"not JSON: {printable(str(exc))}", where) from None
    if not isinstance(data, dict):
        raise InputError("must be a JSON object", where)
    unknown = sorted(set(data) - _COLLECTED_KEYS)
    if unknown:
        raise InputError(f"unknown key {printable(unknown[0])!r}", where)
    if data.get("format") != FORMAT:
        raise InputError(
            f"format must be {FORMAT!r}, got {printable(str(data.get('format')))!r}", where
        )
    node = data.get("node")
    if not isinstance(node, str) or not is_hostname(node):
        raise InputError("node must be a host name", where)
    for key in ("since", "executor", "unreachable"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise InputError(f"{key} must be text or null", where)
    if data.get("since") is not None:
        try:
            check_since(data["since"])
        except InputError as exc:
            raise InputError(exc.problem, where) from None
    exits = []
    listed = data.get("commands", [])
    if not isinstance(listed, list) or len(listed) > 2 * len(FILES):
        raise InputError("commands must be a list of at most one entry per file", where)
    for entry in listed:
        if not isinstance(entry, dict) or set(entry) - {"file", "argv", "exit"}:
            raise InputError("each command must be {file, argv, exit}", where)
        name, code = entry.get("file"), entry.get("exit")
        if name not in FILES or not isinstance(code, int) or isinstance(code, bool):
            raise InputError(
                f"command entry for {printable(str(name))!r} is not one of the bundle's", where
            )
        exits.append((str(name), code))
    return Collected(
        node=node,
        collected_at=_time(data.get("collected_at"), where),
        since=data.get("since"),
        executor=data.get("executor"),
        exits=tuple(exits),
        unreachable=data.get("unreachable"),
    )


# pvereport (PVE::Report) prints `==== title ====` headings and, after a blank line,
# `# command` before each command's output; the commands below fill the bundle files of
# the node it ran on.  A `# ` line right after output is output (a comment in a config).
_PVEREPORT_FILES = (
    ("pvecm status", PVECM_STATUS),
    ("cat /etc/pve/corosync.conf", CLUSTER_CONF),
    ("ha-manager status", HA_STATUS),
    ("pveversion --verbose", PVEVERSION),
    ("pveversion -v", PVEVERSION),
)
_PVEREPORT_HOST = ("hostname", "cat /etc/hostname")
# The programs PVE::Report runs: a `# ` line names a command only when it starts with one
# of them, so a comment in a config copy (`# the nodes ...`) stays part of that copy.
_PVEREPORT_PROGRAMS = frozenset(
    [
        "hostname",
        "date",
        "cat",
        "pveversion",
        "pvesubscription",
        "lscpu",
        "pvesh",
        "qm",
        "pct",
        "ip",
        "ifquery",
        "pvecm",
        "ha-manager",
        "dmidecode",
        "lspci",
        "lsusb",
        "lsblk",
        "ls",
        "iscsiadm",
        "multipath",
        "pvs",
        "lvs",
        "vgs",
        "lvdisplay",
        "zpool",
        "zfs",
        "arcstat",
        "ceph",
        "pveceph",
        "df",
        "findmnt",
        "mount",
        "pvesm",
        "pveum",
        "pve-firewall",
        "iptables",
        "nft",
        "journalctl",
        "dmesg",
        "systemctl",
        "apt",
        "apt-cache",
        "dpkg",
        "grep",
        "top",
        "ps",
        "free",
        "uptime",
        "pvenode",
        "pve-efiboot-tool",
        "proxmox-boot-tool",
        "efibootmgr",
    ]
)


def looks_like_pvereport(text: str) -> bool:
    return bool(re.search(r"^==== .+ ====$", text[:20000], re.M)) and "\n# " in text


def split_pvereport(text: str) -> tuple[str | None, dict[str, str]]:
    """(host name, {bundle file: text}) of a `pvereport` output; only the files it holds."""
    host: str | None = None
    found: dict[str, str] = {}
    command: str | None = None
    body: list[str] = []

    def close() -> None:
        nonlocal host
        if command is None:
            return
        output = "\n".join(body).strip("\n") + "\n"
        if command in _PVEREPORT_HOST and host is None:
            word = output.strip()
            host = word if is_hostname(word) else None
        for prefix, name in _PVEREPORT_FILES:
            if command.startswith(prefix) and name not in found:
                found[name] = output

    previous = ""
    for line in text.splitlines():
        heading = re.fullmatch(r"==== .* ====", line) is not None
        if heading or (
            line.startswith("# ")
            and not previous.strip()
            and line[2:].split(" ", 1)[0] in _PVEREPORT_PROGRAMS
        ):
            close()
            command = line[2:].strip() if not heading else None
            body = []
        elif command is not None:
            body.append(line)
        previous = line
    close()
    return host, found
