"""corosync.conf: a lossless document model, a typed view and Proxmox's canonical writer.

`dump(parse(text)) == text` byte for byte: the document keeps every line with its own line
ending, so comments, blank lines, tabs, odd indentation, CRLF and a missing final newline
survive.  What is accepted follows corosync's own parser (`exec/coroparse.c`
`parse_section()`, reference 4.2): `#` starts a comment only as the first non-blank character
of a line, a line containing `{` opens a section, else a line containing `:` is `key: value`,
else it must be exactly `}`.  Edits replace, insert or delete whole lines and leave every
other byte alone (the tomlkit approach).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pvequorum.errors import InputError
from pvequorum.model import Cluster, ModelError, Node, QDevice, QuorumOptions, Totem

MAX_LINE = 511  # fgets(line, 512, fp): longer lines are "Line too long"


class ConfigParseError(InputError):
    """Text corosync would reject; carries the 1-based line and column."""

    def __init__(self, message: str, source: str, line: int, column: int = 1) -> None:
        self.line = line
        self.column = column
        super().__init__(message, f"{source}: line {line}, column {column}")


@dataclass
class Line:
    """One physical line: its text without the ending, the ending, and what it is."""

    text: str
    eol: str
    kind: str  # blank | comment | open | close | item
    name: str = ""  # section name or key
    value: str = ""

    @property
    def indent(self) -> str:
        return self.text[: len(self.text) - len(self.text.lstrip(" \t"))]


@dataclass
class Section:
    """A `name { ... }` block: line indices of its opening and closing brace and children."""

    name: str
    open: int | None
    close: int | None
    items: list[int] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    def section(self, name: str) -> Section | None:
        return next((s for s in self.sections if s.name == name), None)

    def all(self, name: str) -> list[Section]:
        return [s for s in self.sections if s.name == name]


_EOL = re.compile(r"\r\n|\n")


def _split_lines(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    for match in _EOL.finditer(text):
        out.append((text[pos : match.start()], match.group()))
        pos = match.end()
    if pos < len(text):
        out.append((text[pos:], ""))
    return out


def _classify(text: str, source: str, number: int) -> Line:
    stripped = text.rstrip(" \t")
    if stripped.endswith("\r"):  # a lone CR before LF is stripped by coroparse too
        stripped = stripped[:-1].rstrip(" \t")
    body = stripped.lstrip(" \t")
    column = len(stripped) - len(body) + 1
    if not body:
        return Line(text, "", "blank")
    if body.startswith("#"):
        return Line(text, "", "comment")
    if "{" in body:
        name, _, after = body.partition("{")
        name = name.strip(" \t").rstrip(":{ \t")
        if not name:
            raise ConfigParseError(
                "Missing section name before opening bracket '{'", source, number, column
            )
        if after.strip(" \t"):
            raise ConfigParseError(
                "Extra characters after opening bracket '{'", source, number, column
            )
        return Line(text, "", "open", name=name)
    if ":" in body:
        key, _, value = body.partition(":")
        key = key.strip(" \t")
        if not key:
            raise ConfigParseError("Missing key before ':'", source, number, column)
        return Line(text, "", "item", name=key, value=value.strip(" \t"))
    if "}" in body:
        if body != "}":
            raise ConfigParseError(
                "Extra characters before or after closing bracket '}'", source, number, column
            )
        return Line(text, "", "close")
    raise ConfigParseError(
        "Line is not opening or closing section or key value", source, number, column
    )


class CorosyncConf:
    """A parsed corosync.conf.  Immutable from the outside: edits return a new document."""

    def __init__(self, lines: list[Line], root: Section, source: str) -> None:
        self.lines = lines
        self.root = root
        self.source = source

    # --- reading -------------------------------------------------------------------------
    def dump(self) -> str:
        return "".join(line.text + line.eol for line in self.lines)

    def find(self, path: str) -> Section | None:
        """The first section at a dotted path such as `quorum.device.net`."""
        node: Section | None = self.root
        for part in path.split(".") if path else []:
            node = node.section(part) if node else None
        return node

    def item(self, section: Section, key: str) -> int | None:
        """Line index of the last `key:` in a section (corosync keeps the last value)."""
        found = [i for i in section.items if self.lines[i].name == key]
        return found[-1] if found else None

    def get(self, path: str) -> str | None:
        """Value at `section.key`, e.g. `totem.config_version`."""
        section_path, _, key = path.rpartition(".")
        section = self.find(section_path)
        if section is None:
            return None
        index = self.item(section, key)
        return None if index is None else self.lines[index].value

    def values(self, section: Section) -> dict[str, tuple[str, int]]:
        """key -> (value, line number) for a section's items (last one wins)."""
        return {self.lines[i].name: (self.lines[i].value, i + 1) for i in section.items}

    @property
    def newline(self) -> str:
        endings = [line.eol for line in self.lines if line.eol]
        return max(set(endings), key=endings.count) if endings else "\n"


def parse(text: str, source: str = "corosync.conf") -> CorosyncConf:
    """Parse corosync.conf text; `ConfigParseError` names line and column of a refusal."""
    if "\x00" in text:
        raise ConfigParseError(
            "binary data (NUL byte)", source, text[: text.index("\x00")].count("\n") + 1
        )
    lines: list[Line] = []
    root = Section("", None, None)
    stack = [root]
    for number, (text_line, eol) in enumerate(_split_lines(text), start=1):
        if len(text_line) + len(eol) > MAX_LINE and eol:
            raise ConfigParseError("Line too long", source, number, MAX_LINE)
        line = _classify(text_line, source, number)
        line.eol = eol
        index = len(lines)
        lines.append(line)
        if line.kind == "open":
            section = Section(line.name, index, None)
            stack[-1].sections.append(section)
            stack.append(section)
        elif line.kind == "close":
            if len(stack) == 1:
                raise ConfigParseError("Unexpected closing brace", source, number, 1)
            stack.pop().close = index
        elif line.kind == "item":
            stack[-1].items.append(index)
    if len(stack) > 1:
        opened = stack[-1]
        raise ConfigParseError(
            f"Missing closing brace for section '{opened.name}'",
            source,
            (opened.open or 0) + 1,
        )
    return CorosyncConf(lines, root, source)


def dump(document: CorosyncConf) -> str:
    return document.dump()


# --- typed view ----------------------------------------------------------------------------
_INT_KEYS = {
    "expected_votes",
    "two_node",
    "wait_for_all",
    "last_man_standing",
    "last_man_standing_window",
    "auto_tie_breaker",
}


def _int(doc: CorosyncConf, value: str, line: int, key: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ConfigParseError(
            f"{key} must be an integer, got {value!r}", doc.source, line
        ) from None


def to_cluster(doc: CorosyncConf) -> Cluster:
    """Map the document to the model: nodelist, quorum options, device, totem timing, version."""
    nodes = []
    nodelist = doc.find("nodelist")
    for node_section in nodelist.all("node") if nodelist else []:
        values = doc.values(node_section)
        where_line = (node_section.open or 0) + 1
        address = values.get("ring0_addr", (None, 0))[0]
        name = values.get("name", (address, where_line))[0]
        if name is None:
            raise ConfigParseError("node without name or ring0_addr", doc.source, where_line)
        if "nodeid" not in values:
            raise ConfigParseError(f"node {name!r} has no nodeid", doc.source, where_line)
        nodeid = _int(doc, values["nodeid"][0], values["nodeid"][1], "nodeid")
        votes = None
        if "quorum_votes" in values:
            votes = _int(doc, values["quorum_votes"][0], values["quorum_votes"][1], "quorum_votes")
        try:
            nodes.append(Node(name, nodeid, votes, address))
        except ModelError as exc:
            raise ConfigParseError(str(exc), doc.source, where_line) from None
    quorum_args: dict[str, Any] = {}
    quorum = doc.find("quorum")
    if quorum is not None:
        for key, (value, line) in doc.values(quorum).items():
            if key in _INT_KEYS:
                quorum_args[key] = _int(doc, value, line, key)
            elif key == "auto_tie_breaker_node":
                quorum_args[key] = value
        device = quorum.section("device")
        if device is not None:
            quorum_args["device"] = _device(doc, device)
    totem_args: dict[str, Any] = {}
    totem = doc.find("totem")
    config_version = None
    name = "cluster"
    if totem is not None:
        values = doc.values(totem)
        for key in ("token", "token_coefficient", "consensus"):
            if key in values:
                totem_args[key] = _int(doc, values[key][0], values[key][1], key)
        if "config_version" in values:
            config_version = _int(doc, *values["config_version"], "config_version")
        name = values.get("cluster_name", (name, 0))[0] or name
    try:
        return Cluster(
            name=name,
            nodes=tuple(nodes),
            quorum=QuorumOptions(**quorum_args),
            totem=Totem(**totem_args),
            stack="corosync",
            config_version=config_version,
        )
    except ModelError as exc:
        raise InputError(str(exc), doc.source) from None


def _device(doc: CorosyncConf, device: Section) -> QDevice:
    values = doc.values(device)
    net = device.section("net")
    net_values = doc.values(net) if net else {}
    votes = None
    if "votes" in values:
        votes = _int(doc, values["votes"][0], values["votes"][1], "quorum.device.votes")
    try:
        return QDevice(
            model=values.get("model", ("net", 0))[0],
            votes=votes,
            algorithm=net_values.get("algorithm", ("ffsplit", 0))[0],
            tie_breaker=net_values.get("tie_breaker", ("lowest", 0))[0],
            host=net_values.get("host", (None, 0))[0],
        )
    except ModelError as exc:
        raise ConfigParseError(str(exc), doc.source, (device.open or 0) + 1) from None


# --- Proxmox's canonical writer (reference 4.1) --------------------------------------------
def _tree(doc: CorosyncConf, section: Section) -> list[tuple[str, Any]]:
    entries: list[tuple[str, Any]] = [
        (doc.lines[i].name, doc.lines[i].value) for i in section.items
    ]
    entries += [(s.name, _tree(doc, s)) for s in section.sections]
    return entries


def _sort_key(entry: tuple[str, Any]) -> tuple[str, str]:
    name, value = entry
    if isinstance(value, list):
        values = dict(v for v in value if not isinstance(v[1], list))
        if name == "node":
            return (name, values.get("name") or values.get("ring0_addr") or "")
        if name == "interface":
            return (name, values.get("linknumber") or values.get("ringnumber") or "")
    return (name, "")


def _write(entries: list[tuple[str, Any]], depth: int, out: list[str]) -> None:
    pad = "  " * depth
    for name, value in sorted(entries, key=_sort_key):
        if isinstance(value, list):
            out.append(f"{pad}{name} {{\n")
            _write(value, depth + 1, out)
            out.append(f"{pad}}}\n")
            if depth == 0:
                out.append("\n")
        else:
            out.append(f"{pad}{name}: {value}\n")


def canonical(doc: CorosyncConf) -> str:
    """The layout `pvecm` writes (`PVE::Corosync::write_conf`, reference 4.1).

    Keys and sections sorted together, nodes by name, interfaces by link number, two-space
    indent, a blank line after every top-level section, comments dropped.
    """
    out: list[str] = []
    _write(_tree(doc, doc.root), 0, out)
    return "".join(out)
