"""Parse and render `corosync-quorumtool -s`, `pvecm status` and `cman_tool status` text.

The formats are byte-exact restatements of reference section 5: an 18-character label
column, two trailing spaces after a quorate `Quorum:` value, a space after every flag,
`0x%08x` node ids with `-H`.  Parsers turn pasted output into a `QuorumStatus`; renderers
print what a real node would show for a simulator `NodeView`, so notebooks can show the
exact text an admin will see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pvequorum.errors import InputError
from pvequorum.votequorum import FLAG_ORDER

LABEL_WIDTH = 18  # print_string_padded label column (reference 5.1)
DEFAULT_DATE = "Tue Sep 14 11:06:47 2021"


class StatusParseError(InputError):
    """Status text that is not what the tool prints; `where` names the line."""


@dataclass(frozen=True)
class MemberRow:
    """One row of `Membership information` (reference 5.1)."""

    nodeid: int
    votes: int
    name: str
    local: bool = False
    qdevice: str | None = None  # e.g. "A,V,NMW" or "NR" when the Qdevice column is shown
    votes_note: int | None = None
    """N of a trailing `(votes N)`: the nodeid-0 row of a node whose device does not cast
    shows 0 votes and the device's votes there (corosync-quorumtool.c)."""


@dataclass(frozen=True)
class QuorumStatus:
    """What one node reported; field names follow the scenario format's observations."""

    quorate: bool
    expected_votes: int | None
    highest_expected: int | None
    total_votes: int | None
    quorum: int | None
    flags: tuple[str, ...]
    members: tuple[MemberRow, ...]
    node_id: int | None = None
    ring_id: str | None = None
    nodes: int | None = None
    provider: str | None = None
    cluster_name: str | None = None
    config_version: int | None = None
    transport: str | None = None
    qdevice_votes: int | None = None
    """The device's votes: the nodeid-0 row's, or its `(votes N)` when this node does not
    cast them; cman's `Quorum device votes`."""
    qdevice_cast: bool = False
    """This node's device casts its votes: the nodeid-0 row shows them without `(votes N)`."""
    qdevice_name: str | None = None
    """The name in the nodeid-0 row (`Qdevice`), None when the table has no such row."""
    stack: str = "corosync"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def qdevice_columns(self) -> tuple[tuple[int, str], ...]:
        """(nodeid, Qdevice column) of every member row that has one, in nodeid order."""
        return tuple(sorted((m.nodeid, m.qdevice) for m in self.members if m.qdevice is not None))

    @property
    def local_name(self) -> str | None:
        return next((m.name for m in self.members if m.local), None)

    def member_names(self, address_to_name: dict[str, str] | None = None) -> tuple[str, ...]:
        """Member names sorted by nodeid; with `-i` output map addresses to names."""
        mapping = address_to_name or {}
        rows = sorted((m for m in self.members if m.nodeid != 0), key=lambda m: m.nodeid)
        return tuple(mapping.get(m.name, m.name) for m in rows)


_LABEL = re.compile(r"^([A-Za-z][A-Za-z ]*?):\s?(.*)$")


def _int(value: str, where: str, label: str) -> int:
    try:
        return int(value.split()[0], 0)
    except (ValueError, IndexError):
        raise StatusParseError(f"{label} is not a number: {value!r}", where) from None


def _parse_member_line(line: str, has_qdevice: bool, where: str) -> MemberRow:
    parts = line.split()
    if len(parts) < 3:
        raise StatusParseError(f"membership row has too few columns: {line!r}", where)
    nodeid = _int(parts[0], where, "Nodeid")
    votes = _int(parts[1], where, "Votes")
    rest = parts[2:]
    qdevice = None
    if has_qdevice and nodeid != 0 and rest and re.fullmatch(r"(NR|N?A,N?V,N?MW)", rest[0]):
        qdevice, rest = rest[0], rest[1:]
    text = " ".join(rest)
    local = text.endswith(" (local)")
    if local:
        text = text[: -len(" (local)")]
    note = re.search(r" \(votes (\d+)\)$", text)
    if note:
        text = text[: note.start()]
    if not text:
        raise StatusParseError(f"membership row has no name: {line!r}", where)
    return MemberRow(nodeid, votes, text, local, qdevice, int(note.group(1)) if note else None)


def parse_status(text: str, source: str = "<status>") -> QuorumStatus:
    """Parse `corosync-quorumtool -s` (any of -i/-H/-a), `pvecm status` or `cman_tool status`.

    Detects the format from its content; raises `StatusParseError` naming the line.
    """
    if not isinstance(text, str) or not text.strip():
        raise StatusParseError("empty status text", source)
    if "Quorum information" not in text and "Membership state:" in text:
        return _parse_cman(text, source)
    fields: dict[str, str] = {}
    members: list[MemberRow] = []
    in_members = False
    has_qdevice = False
    for number, raw in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        where = f"{source}: line {number}"
        line = raw.rstrip()
        if not line:
            continue
        if set(line) <= {"-", "~"}:
            continue
        if line.strip().startswith("Nodeid"):
            in_members = True
            has_qdevice = "Qdevice" in line.split()
            continue
        if in_members:
            members.append(_parse_member_line(line, has_qdevice, where))
            continue
        if line in ("Cluster information", "Quorum information", "Votequorum information"):
            continue
        if line == "Membership information":
            continue
        match = _LABEL.match(raw)
        if not match:
            raise StatusParseError(f"not a status line: {line!r}", where)
        fields[match.group(1).strip()] = match.group(2)
    if "Quorate" not in fields and "Quorum" not in fields:
        raise StatusParseError("no 'Quorate:' or 'Quorum:' line: not quorum status output", source)
    quorum_line = fields.get("Quorum", "")
    quorate_text = fields.get("Quorate", "").strip()
    quorate = quorate_text == "Yes" if quorate_text else "Activity blocked" not in quorum_line
    flags = tuple(fields.get("Flags", "").split())
    unknown = [f for f in flags if f not in FLAG_ORDER]
    if unknown:
        raise StatusParseError(f"unknown flag(s) {', '.join(unknown)}", source)

    def field_int(label: str) -> int | None:
        value = fields.get(label, "").strip()
        return _int(value, source, label) if value else None

    qdev_row = next((m for m in members if m.nodeid == 0), None)
    qdevice_votes = None
    if qdev_row is not None:
        noted = qdev_row.votes_note
        qdevice_votes = qdev_row.votes if noted is None else noted
    return QuorumStatus(
        quorate=quorate,
        expected_votes=field_int("Expected votes"),
        highest_expected=field_int("Highest expected"),
        total_votes=field_int("Total votes"),
        quorum=field_int("Quorum"),
        flags=flags,
        members=tuple(members),
        node_id=field_int("Node ID"),
        ring_id=fields.get("Ring ID", "").strip() or None,
        nodes=field_int("Nodes"),
        provider=fields.get("Quorum provider", "").strip() or None,
        cluster_name=fields.get("Name", "").strip() or None,
        config_version=field_int("Config Version"),
        transport=fields.get("Transport", "").strip() or None,
        qdevice_votes=qdevice_votes,
        qdevice_cast=qdev_row is not None and qdev_row.votes_note is None,
        qdevice_name=None if qdev_row is None else qdev_row.name,
    )


def _parse_cman(text: str, source: str) -> QuorumStatus:
    """`cman_tool status` (reference 5.3): `Label: value` lines, no membership table."""
    fields: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        label, sep, value = raw.partition(":")
        if not sep:
            raise StatusParseError(
                f"not a cman_tool status line: {raw!r}", f"{source}: line {number}"
            )
        fields[label.strip()] = value.strip()

    def field_int(label: str) -> int | None:
        value = fields.get(label, "")
        return _int(value, source, label) if value else None

    quorum_line = fields.get("Quorum", "")
    flags = tuple(f for f in fields.get("Flags", "").split() if f)
    return QuorumStatus(
        quorate=bool(quorum_line) and "Activity blocked" not in quorum_line,
        expected_votes=field_int("Expected votes"),
        highest_expected=None,
        total_votes=field_int("Total votes"),
        quorum=field_int("Quorum"),
        flags=flags,
        members=(),
        node_id=field_int("Node ID"),
        nodes=field_int("Nodes"),
        cluster_name=fields.get("Cluster Name") or None,
        config_version=field_int("Config Version"),
        qdevice_votes=field_int("Quorum device votes"),
        qdevice_cast=field_int("Quorum device votes") is not None,
        stack="cman",
        extra={k: v for k, v in fields.items() if k in ("Node name", "Node votes")},
    )


# --- rendering -----------------------------------------------------------------------------
def _label(label: str, value: str) -> str:
    return f"{label + ':':<{LABEL_WIDTH}}{value}"


def _padded(value: str) -> str:
    """print_string_padded: right-aligned to 10 characters plus one space (reference 5.1)."""
    return f"{value:>10} "


def render_quorumtool(
    view: Any,
    *,
    hex_ids: bool = False,
    addresses: dict[str, str] | None = None,
    date: str = DEFAULT_DATE,
    ring_id: str | None = None,
) -> str:
    """`corosync-quorumtool -s` as the node of a simulator `NodeView` would print it.

    `hex_ids` is `-H`; `addresses` (name -> IP) is `-i`.  `pvecm status` runs `-siH`.
    """
    node_id = f"0x{view.nodeid:08x}" if hex_ids else str(view.nodeid)
    ring = ring_id or f"{min(v[0] for v in view.member_votes):x}.{len(view.members) * 4:x}"
    lines = [
        "Quorum information",
        "------------------",
        _label("Date", date),
        _label("Quorum provider", "corosync_votequorum"),
        _label("Nodes", str(len(view.members))),
        _label("Node ID", node_id),
        _label("Ring ID", ring),
        _label("Quorate", "Yes" if view.quorate else "No"),
        "",
        "Votequorum information",
        "----------------------",
        _label("Expected votes", str(view.expected_votes)),
        _label("Highest expected", str(view.highest_expected)),
        _label("Total votes", str(view.total_votes)),
        _label("Quorum", f"{view.quorum} {' ' if view.quorate else 'Activity blocked'}"),
        _label("Flags", "".join(f"{flag} " for flag in view.flags)),
        "",
        "Membership information",
        "----------------------",
    ]
    # corosync-quorumtool.c display_nodes_data(): the column and the nodeid-0 row appear
    # as soon as any member has a qdevice registered, on every node (reference 3.1).
    columns = dict(view.qdevice_columns)
    header = _padded("Nodeid") + _padded("Votes") + (_padded("Qdevice") if columns else "")
    lines.append(header + "Name")
    mapping = addresses or {}
    for nodeid, name, votes in view.member_votes:
        shown_id = f"0x{nodeid:08x} " if hex_ids else _padded(str(nodeid))
        row = shown_id + _padded(str(votes))
        if columns:
            row += _padded(columns.get(nodeid, "NR"))
        local = " (local)" if name == view.name else ""
        lines.append(row + mapping.get(name, name) + local)
    if columns:
        votes = view.qdevice_votes if view.qdevice_cast else 0
        shown_id = "0x00000000 " if hex_ids else _padded("0")
        suffix = "" if view.qdevice_cast else f" (votes {view.qdevice_votes})"
        name = view.qdevice_name or ""
        lines.append(shown_id + _padded(str(votes)) + "           " + name + suffix)
    return "\n".join(lines) + "\n"


def render_pvecm_status(
    view: Any,
    *,
    cluster_name: str,
    config_version: int | None,
    addresses: dict[str, str] | None = None,
    transport: str = "knet",
    secure_auth: str = "on",
    date: str = DEFAULT_DATE,
) -> str:
    """`pvecm status`: the cluster header, then `corosync-quorumtool -siH` (reference 5.2)."""
    header = pvecm_header(
        cluster_name=cluster_name,
        config_version=config_version,
        transport=transport,
        secure_auth=secure_auth,
    )
    return header + render_quorumtool(view, hex_ids=True, addresses=addresses, date=date)


def pvecm_header(
    *, cluster_name: str, config_version: int | None, transport: str, secure_auth: str
) -> str:
    """What `pvecm status` prints from corosync.conf before running quorumtool (5.2)."""
    version = config_version if config_version is not None else -1
    return "\n".join(
        [
            "Cluster information",
            "-------------------",
            f"{'Name:':<17} {cluster_name}",
            f"{'Config Version:':<17} {version}",
            f"{'Transport:':<17} {transport}",
            f"{'Secure auth:':<17} {secure_auth}",
            "",
            "",
        ]
    )


def render_cman_status(view: Any, *, cluster_name: str, config_version: int) -> str:
    """The quorum-relevant lines of `cman_tool status` (reference 5.3)."""
    flags = "".join(f" {f}" for f in view.flags) + " "
    lines = [
        "Version: 6.2.0",
        f"Config Version: {config_version}",
        f"Cluster Name: {cluster_name}",
        "Cluster Member: Yes",
        "Membership state: Cluster-Member",
        f"Nodes: {len(view.members)}",
        f"Expected votes: {view.expected_votes}",
    ]
    if view.qdevice_cast:
        lines.append(f"Quorum device votes: {view.qdevice_votes}")
    lines += [
        f"Total votes: {view.total_votes}",
        f"Node votes: {view.votes}",
        f"Quorum: {view.quorum} {' ' if view.quorate else 'Activity blocked'}",
        f"Flags:{flags}",
        f"Node name: {view.name}",
        f"Node ID: {view.nodeid}",
    ]
    return "\n".join(lines) + "\n"
