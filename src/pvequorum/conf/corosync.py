"""corosync.conf: a lossless document model and a typed view.

`dump(parse(text)) == text` byte for byte: the document keeps every physical line with its
own ending, so comments, blank lines, tabs, odd indentation, CRLF and a missing final
newline survive.  What is accepted is what corosync 3.1.7 accepts, rule for rule from
`exec/coroparse.c` `parse_section()` (reference 4.2 contrasts it with Proxmox's parser):

* lines end at `\\n` only; one `\\r` before it is dropped, then trailing blanks (space, tab);
* a line whose first non-blank character is `#` is a comment (a `#` later on is data);
* a line containing `{` opens a section (the name is what precedes it, trailing `:` and `{`
  dropped); anything after the brace is "Extra characters after opening bracket '{'";
* else a line containing `:` is `key: value` (the first `:` splits; `{` never appears);
* else it must be exactly `}`;
* a line longer than 510 bytes is "Line too long" (`fgets(line, 512)`).

Values that corosync's `main_config_parser_cb()` rejects (a non-integer `nodeid`, an unknown
`crypto_cipher`, ...) are not syntax: `value_problems()` lists them with their line for
`conf.validate`, and the typed view refuses them.  A NUL byte is refused as binary data (C
would silently cut the line there).  The Proxmox-canonical writer lives in `conf.pve`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pvequorum import votequorum
from pvequorum.cvalues import (
    MAX_INT_DIGITS,
    ascii_uint,
    one_line,
    parse_uint64,
    printable,
)
from pvequorum.cvalues import parse_int as parse_int  # part of this module's interface
from pvequorum.errors import InputError
from pvequorum.model import Cluster, ModelError, Node, QDevice, QuorumOptions, Totem

MAX_LINE_BYTES = 510  # fgets(line, 512, fp) keeps 511 bytes including the "\n"
KEYNAME_MAXLEN = 255  # ICMAP_KEYNAME_MAXLEN: a full dotted path must stay shorter


class ConfigParseError(InputError):
    """Text corosync (or cman) would refuse; carries the 1-based line and column.

    What the message quotes from the file is escaped where it is not printable (control
    characters, bytes that are not UTF-8), so that the error is always one line."""

    def __init__(self, message: str, source: str, line: int, column: int = 1) -> None:
        self.line = line
        self.column = column
        self.source = source
        super().__init__(one_line(message), f"{source}: line {line}, column {column}")


@dataclass(slots=True)
class Line:
    """One physical line: text without its ending, the ending, and what coroparse saw."""

    text: str
    eol: str  # "\n", "\r\n", "\r" (a last line ending in CR) or ""
    kind: str = "blank"  # blank | comment | open | close | item
    name: str = ""  # section name or key, as coroparse extracts it
    value: str = ""

    @property
    def indent(self) -> str:
        return self.text[: len(self.text) - len(self.text.lstrip(" \t"))]


@dataclass
class Section:
    """A `name { ... }`: line indices of its braces, its items and subsections in order."""

    name: str
    open: int | None
    close: int | None
    path: str = ""
    items: list[int] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    def section(self, name: str) -> Section | None:
        return next((s for s in self.sections if s.name == name), None)

    def all(self, name: str) -> list[Section]:
        return [s for s in self.sections if s.name == name]

    @property
    def line(self) -> int:
        """1-based line number of the opening brace (1 for the root)."""
        return (self.open or 0) + 1


def _remove_whitespace(text: str, colon_and_brace: bool) -> str:
    """coroparse's `remove_whitespace()`: strip blanks (and trailing `:`/`{`), keep 1 char."""
    start = 0
    while start < len(text) and text[start] in " \t":
        start += 1
    if start == len(text):
        return ""
    end = len(text) - 1
    strip = " \t:{" if colon_and_brace else " \t"
    while text[end] in strip and end > start:
        end -= 1
    return text[start : end + 1]


def _after(text: str, index: int) -> int:
    """coroparse's `strchr_rs()`: the position after `text[index]` and any blanks after it."""
    pos = index + 1
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos


def _nbytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogateescape"))


def _longer(path: str, name: str) -> bool:
    """`strlen(path) + strlen(name) + 1 >= ICMAP_KEYNAME_MAXLEN`, in bytes as C counts them
    (a character is at most 4 bytes in UTF-8: short names need no encoding)."""
    if len(path) * 4 + len(name) * 4 + 1 < KEYNAME_MAXLEN:
        return False
    return _nbytes(path) + _nbytes(name) + 1 >= KEYNAME_MAXLEN


def split_lines(text: str) -> list[tuple[str, str]]:
    """Physical lines as (text, ending); only `\\n` ends a line, as with `fgets()`."""
    out: list[tuple[str, str]] = []
    pieces = text.split("\n")
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        if last and not piece:
            break
        eol = "" if last else "\n"
        if piece.endswith("\r"):
            piece, eol = piece[:-1], "\r" + eol
        out.append((piece, eol))
    return out


def _classify(line: Line, path: str, depth: int, source: str, number: int) -> None:
    """Set `line.kind/name/value` exactly as `parse_section()` reads it, or raise."""
    text = line.text.rstrip(" \t")
    body = text.lstrip(" \t")
    first = len(text) - len(body) + 1
    if not body:
        line.kind = "blank"
        return
    if body.startswith("#"):
        line.kind = "comment"
        return
    brace = text.find("{")
    if brace >= 0:
        loc = _after(text, brace)
        name = _remove_whitespace(text[: loc - 1], True)
        if not name:
            raise ConfigParseError(
                "Missing section name before opening bracket '{'", source, number, brace + 1
            )
        if _remove_whitespace(text[loc:], False):
            raise ConfigParseError(
                "Extra characters after opening bracket '{'", source, number, loc + 1
            )
        if _longer(path, name):
            raise ConfigParseError(
                "Start of section makes total cmap path too long", source, number, first
            )
        line.kind, line.name = "open", name
        return
    colon = text.find(":")
    if colon >= 0:
        loc = _after(text, colon)
        key = _remove_whitespace(text[: loc - 1], True)
        if _longer(path, key):
            raise ConfigParseError("New key makes total cmap path too long", source, number, first)
        line.kind, line.name, line.value = "item", key, _remove_whitespace(text[loc:], False)
        return
    if "}" in text:
        if _remove_whitespace(text, False) != "}":
            raise ConfigParseError(
                "Extra characters before or after closing bracket '}'", source, number, first
            )
        if depth == 0:
            raise ConfigParseError("Unexpected closing brace", source, number, first)
        line.kind = "close"
        return
    raise ConfigParseError(
        "Line is not opening or closing section or key value", source, number, first
    )


class CorosyncConf:
    """A parsed corosync.conf.  Treat it as immutable: edits build a new document."""

    def __init__(self, lines: list[Line], root: Section, source: str) -> None:
        self.lines = lines
        self.root = root
        self.source = source

    def dump(self) -> str:
        return "".join(line.text + line.eol for line in self.lines)

    # --- navigation ------------------------------------------------------------------------
    def walk(self, section: Section | None = None) -> Iterator[Section]:
        """Every section, depth first, in file order (iterative: depth costs no stack)."""
        pending = list(reversed((section or self.root).sections))
        while pending:
            sub = pending.pop()
            yield sub
            pending.extend(reversed(sub.sections))

    def sections(self, path: str) -> list[Section]:
        """All sections at a dotted path (corosync merges repeated sections by path)."""
        return [s for s in self.walk() if s.path == path]

    def find(self, path: str) -> Section | None:
        """The first section at a dotted path such as `quorum.device.net` ("" = root)."""
        if not path:
            return self.root
        found = self.sections(path)
        return found[0] if found else None

    def item(self, section: Section, key: str) -> int | None:
        """Line index of the last `key:` in a section (corosync keeps the last value)."""
        found = [i for i in section.items if self.lines[i].name == key]
        return found[-1] if found else None

    def values(self, section: Section) -> dict[str, tuple[str, int]]:
        """key -> (value, 1-based line) for one section's items, the last one winning."""
        return {self.lines[i].name: (self.lines[i].value, i + 1) for i in section.items}

    def merged(self, path: str) -> dict[str, tuple[str, int]]:
        """key -> (value, line) over every section at `path`, as cmap ends up holding them."""
        out: dict[str, tuple[str, int]] = {}
        for section in self.sections(path) if path else [self.root]:
            out.update(self.values(section))
        return out

    def get(self, path: str) -> str | None:
        """The value at `section.key`, e.g. `totem.config_version` (None when absent)."""
        section_path, _, key = path.rpartition(".")
        entry = self.merged(section_path).get(key)
        return None if entry is None else entry[0]

    def line_of(self, path: str) -> int | None:
        section_path, _, key = path.rpartition(".")
        entry = self.merged(section_path).get(key)
        return None if entry is None else entry[1]

    @property
    def newline(self) -> str:
        """The most common line ending, used for lines an edit adds."""
        endings = [line.eol for line in self.lines if line.eol in ("\n", "\r\n")]
        if not endings:
            return "\n"
        return "\r\n" if endings.count("\r\n") > endings.count("\n") else "\n"


def _refuse_nul(text: str, source: str) -> None:
    """A NUL byte is binary data: C would silently cut the line there, so refuse it."""
    if "\x00" not in text:
        return
    before = text[: text.index("\x00")]
    raise ConfigParseError(
        "binary data (NUL byte), not a config file",
        source,
        before.count("\n") + 1,
        len(before) - (before.rfind("\n") + 1) + 1,
    )


def parse(text: str, source: str = "corosync.conf") -> CorosyncConf:
    """Parse corosync.conf text; `ConfigParseError` names line and column of a refusal."""
    _refuse_nul(text, source)
    lines: list[Line] = []
    root = Section("", None, None, "")
    stack = [root]
    for number, (raw, eol) in enumerate(split_lines(text), start=1):
        cr = 1 if eol == "\r" or eol == "\r\n" else 0
        if len(raw) * 4 + cr > MAX_LINE_BYTES and _nbytes(raw) + cr > MAX_LINE_BYTES:
            raise ConfigParseError("Line too long", source, number, MAX_LINE_BYTES + 1)
        line = Line(raw, eol)
        _classify(line, stack[-1].path, len(stack) - 1, source, number)
        index = len(lines)
        lines.append(line)
        if line.kind == "open":
            parent = stack[-1]
            path = f"{parent.path}.{line.name}" if parent.path else line.name
            section = Section(line.name, index, None, path)
            parent.sections.append(section)
            stack.append(section)
        elif line.kind == "close":
            stack.pop().close = index
        elif line.kind == "item":
            stack[-1].items.append(index)
    if len(stack) > 1:
        opened = stack[-1]
        raise ConfigParseError(
            f"Missing closing brace for section '{printable(opened.path)}' (the file ends "
            "inside it)",
            source,
            opened.line,
            len(lines[opened.open or 0].indent) + 1,
        )
    return CorosyncConf(lines, root, source)


def dump(document: CorosyncConf) -> str:
    return document.dump()


# --- values corosync's parser callback refuses (main_config_parser_cb) ------------------------
_U8, _U16, _U32, _I32 = (0, 255), (0, 65535), (0, 2**32 - 1), (-(2**31), 2**31 - 1)
INT_KEYS: dict[str, tuple[int, int]] = {
    **{
        f"quorum.{k}": _U32
        for k in ("expected_votes", "votes", "last_man_standing_window", "leaving_timeout")
    },
    **{
        f"quorum.{k}": _U8
        for k in (
            "two_node",
            "expected_votes_tracking",
            "allow_downscale",
            "wait_for_all",
            "auto_tie_breaker",
            "last_man_standing",
        )
    },
    **{f"quorum.device.{k}": _U32 for k in ("timeout", "sync_timeout", "votes")},
    "quorum.device.master_wins": _U8,
    **{
        f"totem.{k}": _U32
        for k in (
            "version",
            "nodeid",
            "threads",
            "token",
            "token_coefficient",
            "token_retransmit",
            "token_warning",
            "hold",
            "token_retransmits_before_loss_const",
            "join",
            "send_join",
            "consensus",
            "merge",
            "downcheck",
            "fail_recv_const",
            "seqno_unchanged_const",
            "rrp_token_expired_timeout",
            "rrp_problem_count_timeout",
            "rrp_problem_count_threshold",
            "rrp_problem_count_mcast_threshold",
            "rrp_autorecovery_check_timeout",
            "heartbeat_failures_allowed",
            "max_network_delay",
            "window_size",
            "max_messages",
            "miss_count_const",
            "knet_pmtud_interval",
            "knet_mtu",
            "knet_compression_threshold",
            "netmtu",
        )
    },
    "totem.knet_compression_level": _I32,
    "totem.config_version": (0, 2**64 - 1),
    "totem.interface.linknumber": _U8,
    "totem.interface.mcastport": _U16,
    "totem.interface.ttl": _U8,
    "totem.interface.knet_link_priority": _U8,
    **{
        f"totem.interface.{k}": _U32
        for k in (
            "knet_ping_interval",
            "knet_ping_timeout",
            "knet_ping_precision",
            "knet_pong_count",
        )
    },
    "nodelist.node.nodeid": _U32,
    "nodelist.node.quorum_votes": _U32,
}
ENUM_KEYS: dict[str, tuple[tuple[str, ...], str]] = {
    "totem.ip_version": (("ipv4", "ipv6", "ipv6-4", "ipv4-6"), "Invalid ip_version type"),
    "totem.crypto_cipher": (
        ("none", "aes256", "aes192", "aes128"),
        "Invalid cipher type. Should be none, aes256, aes192 or aes128",
    ),
    "totem.crypto_hash": (
        ("none", "md5", "sha1", "sha256", "sha384", "sha512"),
        "Invalid hash type. Should be none, md5, sha1, sha256, sha384 or sha512",
    ),
    "system.qb_ipc_type": (("native", "shm", "socket"), "Invalid system.qb_ipc_type"),
}
FORMATTED_ERROR_MAX = 256  # `static char formated_err[256]` in main_config_parser_cb()


def _range_problem(path: str, value: str, low: int, high: int) -> str | None:
    """corosync's message for an integer key's value, None when it takes the value.

    `totem.config_version` is read with `strtoull` (a sign is taken and wraps, so "-1" is
    2**64 - 1); corosync 3.1.7 aborts on a value it cannot read there (its error path
    asserts on the uint64 type: exit 134).  Every other key goes through `strtoll` and the
    range of its C type.  Too long a message is "Can't format parser error message", as
    corosync prints it (its buffer holds 256 bytes)."""
    if path == "totem.config_version":
        if parse_uint64(value) is not None:
            return None
        return (
            f'Value of key "{path}" is not an unsigned 64-bit integer ("{printable(value)}"): '
            "corosync 3.1.7 aborts (Assertion `safe_atoq_range(val_type, &min_val, &max_val) "
            "== 0' failed, coroparse.c)"
        )
    number = parse_int(value)
    if number is not None and low <= number <= high:
        return None
    expected = f'Value of key "{path}" is expected to be integer in range ({low}..{high}), but '
    if len(f'{expected}"{value}" was given'.encode("utf-8", "surrogateescape")) >= (
        FORMATTED_ERROR_MAX
    ):
        return (
            f'Can\'t format parser error message (the value of key "{path}" is not an '
            f'integer in range ({low}..{high}): "{printable(value, 40)}")'
        )
    return f'{expected}"{printable(value)}" was given'


def value_problems(doc: CorosyncConf) -> list[tuple[int, str]]:
    """(line, corosync's message) for every value its parser callback refuses at startup."""
    problems: list[tuple[int, str]] = []
    for section in [doc.root, *doc.walk()]:
        for index in section.items:
            line = doc.lines[index]
            path = f"{section.path}.{line.name}" if section.path else line.name
            if path in INT_KEYS:
                problem = _range_problem(path, line.value, *INT_KEYS[path])
                if problem is not None:
                    problems.append((index + 1, problem))
            elif path in ENUM_KEYS and line.value not in ENUM_KEYS[path][0]:
                problems.append((index + 1, ENUM_KEYS[path][1]))
            elif section.path == "uidgid" and line.name not in ("uid", "gid"):
                problems.append((index + 1, "uidgid: Only uid and gid are allowed items"))
            elif section.path == "totem.interface.member" and line.name != "memberaddr":
                problems.append((index + 1, "Only memberaddr is allowed in member section"))
    return problems


# --- typed view ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Link:
    """One knet link: its number, the `totem.interface` options and each node's address."""

    number: int
    options: tuple[tuple[str, str], ...] = ()
    addresses: tuple[tuple[str, str], ...] = ()  # (node name, ringN_addr)


@dataclass(frozen=True)
class CorosyncView:
    """What a corosync.conf says, typed: the `Cluster` plus what the model does not hold."""

    cluster: Cluster
    links: tuple[Link, ...]
    transport: str | None
    node_lines: tuple[int, ...]  # line of each node's `node {` (same order as cluster.nodes)

    def to_dict(self) -> dict[str, Any]:
        out = {"format": "corosync", "cluster_name": self.cluster.name, **self.cluster.to_dict()}
        out["config_version"] = self.cluster.config_version
        out["transport"] = self.transport
        out["links"] = [
            {"linknumber": link.number, **dict(link.options), "addresses": dict(link.addresses)}
            for link in self.links
        ]
        return out


def _int(doc: CorosyncConf, key: str, entry: tuple[str, int]) -> int:
    value, line = entry
    number = parse_int(value)
    if number is None:
        shown = printable(value, 40)
        if _SIGNED_DIGITS.fullmatch(value):
            problem = f"{key} '{shown}' is out of range (more than {MAX_INT_DIGITS} digits)"
        else:
            problem = f"{key} must be an integer, got '{shown}'"
        raise ConfigParseError(problem, doc.source, line)
    return number


_SIGNED_DIGITS = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+")


def _flag(doc: CorosyncConf, key: str, entry: tuple[str, int]) -> int:
    """corosync reads flags as uint8 and treats any non-zero value as on."""
    return 1 if _int(doc, key, entry) else 0


def _nodes(doc: CorosyncConf) -> tuple[list[Node], list[int]]:
    nodes: list[Node] = []
    lines: list[int] = []
    for section in doc.sections("nodelist.node"):
        values = doc.values(section)
        address = values["ring0_addr"][0] if "ring0_addr" in values else None
        name = values["name"][0] if "name" in values else address  # PVE: name // ring0_addr
        if name is None:
            raise ConfigParseError("node without name or ring0_addr", doc.source, section.line)
        if "nodeid" not in values:
            raise ConfigParseError(f"node {name!r} has no nodeid", doc.source, section.line)
        nodeid = _int(doc, "nodeid", values["nodeid"])
        votes = (
            _int(doc, "quorum_votes", values["quorum_votes"]) if "quorum_votes" in values else None
        )
        try:
            nodes.append(Node(name, nodeid, votes, address))
        except ModelError as exc:
            raise ConfigParseError(exc.problem, doc.source, section.line) from None
        lines.append(section.line)
    return nodes, lines


def _device(doc: CorosyncConf) -> QDevice | None:
    values = doc.merged("quorum.device")
    if not values.get("model", ("", 0))[0]:
        return None  # votequorum: a device exists only when quorum.device.model is non-empty
    net = doc.merged("quorum.device.net")
    votes = _int(doc, "quorum.device.votes", values["votes"]) if "votes" in values else None
    line = doc.sections("quorum.device")[0].line
    try:
        return QDevice(
            model=values["model"][0],
            votes=votes,
            algorithm=net.get("algorithm", ("ffsplit", 0))[0],
            tie_breaker=_tie_breaker(doc, net.get("tie_breaker")),
            host=net.get("host", (None, 0))[0],
        )
    except ModelError as exc:
        raise ConfigParseError(exc.problem, doc.source, line) from None


def _tie_breaker(doc: CorosyncConf, entry: tuple[str, int] | None) -> str:
    """`quorum.device.net.tie_breaker` as corosync-qdevice reads it: lowest, highest, or a
    node id `utils_strtonum(str, 1, UINT32_MAX)` takes (strtoll, the whole value); the id
    comes back in plain digits.  Anything else stops corosync-qdevice from starting."""
    if entry is None:
        return "lowest"
    value, line = entry
    if value in ("lowest", "highest"):
        return value
    number = parse_int(value)
    if number is None or not 1 <= number <= 2**32 - 1:
        raise ConfigParseError(
            f"quorum.device.net.tie_breaker must be lowest, highest or a node id from 1 to "
            f"{2**32 - 1}, got '{printable(value, 40)}' (corosync-qdevice refuses to start: "
            "'tie_breaker must be lowest|highest|valid_node_id')",
            doc.source,
            line,
        )
    return str(number)


def _quorum(doc: CorosyncConf) -> QuorumOptions:
    values = doc.merged("quorum")
    args: dict[str, Any] = {}
    for key in ("two_node", "wait_for_all", "last_man_standing", "auto_tie_breaker"):
        if key in values:
            args[key] = _flag(doc, key, values[key])
    if "expected_votes" in values:
        expected = _int(doc, "expected_votes", values["expected_votes"])
        args["expected_votes"] = expected or None  # votequorum: 0 is the same as unset
    if "last_man_standing_window" in values:
        args["last_man_standing_window"] = _int(
            doc, "last_man_standing_window", values["last_man_standing_window"]
        )
    if "auto_tie_breaker_node" in values:
        atb_node = atb_node_as_corosync_reads_it(values["auto_tie_breaker_node"][0])
        if atb_node is not None:
            args["auto_tie_breaker_node"] = atb_node
        elif args.get("auto_tie_breaker"):
            args["auto_tie_breaker"] = 0  # parse_atb_string(): invalid, so ATB is disabled
    args["device"] = _device(doc)
    try:
        return QuorumOptions(**args)
    except ModelError as exc:
        section = doc.find("quorum")
        raise ConfigParseError(exc.problem, doc.source, section.line if section else 1) from None


def atb_node_as_corosync_reads_it(value: str) -> str | None:
    """The model's form of what corosync reads from `auto_tie_breaker_node`: "lowest",
    "highest", the ids of a list, or None when corosync finds nothing valid
    (`votequorum.parse_atb_string`, the one home of that rule)."""
    mode, ids = votequorum.parse_atb_string(value)
    if mode is votequorum.Atb.LIST:
        return " ".join(map(str, ids))
    return None if mode is votequorum.Atb.NONE else mode.value


def _links(doc: CorosyncConf, nodes: list[Node]) -> tuple[Link, ...]:
    options: dict[int, tuple[tuple[str, str], ...]] = {}
    for section in doc.sections("totem.interface"):
        values = doc.values(section)
        number_entry = values.get("linknumber") or values.get("ringnumber") or ("0", 0)
        number = parse_int(number_entry[0])
        options[number if number is not None else 0] = tuple(
            (k, v) for k, (v, _) in values.items() if k not in ("linknumber", "ringnumber")
        )
    addresses: dict[int, list[tuple[str, str]]] = {}
    for node, section in zip(nodes, doc.sections("nodelist.node"), strict=False):
        for key, (value, _) in doc.values(section).items():
            match = re.fullmatch(r"ring([0-9]+)_addr", key)  # ASCII digits, as sscanf %u reads
            number = ascii_uint(match.group(1)) if match else None
            if number is not None:
                addresses.setdefault(number, []).append((node.name, value))
    return tuple(
        Link(n, options.get(n, ()), tuple(addresses.get(n, ())))
        for n in sorted(set(options) | set(addresses))
    )


def view(doc: CorosyncConf) -> CorosyncView:
    """The typed view: nodelist, quorum options, device, totem timing, version, links."""
    nodes, node_lines = _nodes(doc)
    totem = doc.merged("totem")
    timing = {
        k: _int(doc, k, totem[k]) for k in ("token", "token_coefficient", "consensus") if k in totem
    }
    version = (
        _int(doc, "config_version", totem["config_version"]) if "config_version" in totem else None
    )
    quorum = _quorum(doc)
    name = totem["cluster_name"][0] if totem.get("cluster_name", ("", 0))[0] else "cluster"
    try:
        cluster = Cluster(
            name=name,
            nodes=tuple(nodes),
            quorum=quorum,
            totem=Totem(**timing),
            stack="corosync",
            config_version=version,
        )
    except ModelError as exc:
        nodelist = doc.find("nodelist")
        line = nodelist.line if nodelist else 1
        for node, node_line in zip(nodes, node_lines, strict=True):
            if repr(node.name) in exc.problem or f"nodeid {node.nodeid} " in exc.problem:
                line = node_line
        raise ConfigParseError(exc.problem, doc.source, line) from None
    transport = totem["transport"][0] if "transport" in totem else None
    return CorosyncView(cluster, _links(doc, nodes), transport, tuple(node_lines))


def to_cluster(doc: CorosyncConf) -> Cluster:
    """The `Cluster` of a document (see `view` for links and the rest)."""
    return view(doc).cluster


def canonical(doc: CorosyncConf) -> str:
    """The exact text Proxmox's `write_conf` would write for this document (reference 4.1)."""
    from pvequorum.conf import pve

    return pve.write_conf(pve.parse_conf(doc.dump(), doc.source))
