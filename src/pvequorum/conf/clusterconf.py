"""cluster.conf of Proxmox VE 2.x/3.x (cman): lossless text, a typed view, PVE 3's writer.

The document is the original text plus the tokens of `conf.xmltok`, so `dump()` returns
the input exactly and an edit rewrites one attribute value (or inserts one attribute, or
one element) and nothing else: comments, attribute order, quotes and blanks survive.
The typed view follows reference 8.2 and 8.3; the canonical writer is PVE 3's
`write_cluster_conf` (reference 8.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pvequorum.conf.corosync import ConfigParseError
from pvequorum.conf.xmltok import Element, Position, Token, tokenize
from pvequorum.cvalues import MAX_INT_DIGITS, ascii_uint, is_ascii_int, parse_int, printable
from pvequorum.errors import InputError
from pvequorum.model import Cluster, ModelError, Node, QDevice, QuorumOptions, Totem


class ClusterConf:
    """A parsed cluster.conf; `dump()` returns the original text exactly."""

    def __init__(self, text: str, tokens: list[Token], root: Element, source: str) -> None:
        self.text = text
        self.tokens = tokens
        self.root = root
        self.source = source
        self._position = Position(text)

    def dump(self) -> str:
        return self.text

    def first(self, name: str) -> Element | None:
        found = self.root.iter(name)
        return found[0] if found else None

    def all(self, name: str) -> list[Element]:
        return self.root.iter(name)

    def line_of(self, element: Element | Token | int) -> int:
        offset = (
            element
            if isinstance(element, int)
            else element.tag.start
            if isinstance(element, Element)
            else element.start
        )
        return self._position(offset)[0]

    @property
    def newline(self) -> str:
        return "\r\n" if self.text.count("\r\n") * 2 > self.text.count("\n") else "\n"


def parse(text: str, source: str = "cluster.conf") -> ClusterConf:
    """Parse cluster.conf; malformed XML raises `ConfigParseError` with line and column."""
    if not text.strip():
        raise ConfigParseError("empty file", source, 1)
    tokens, root = tokenize(text, source)
    if root.name != "cluster":
        raise ConfigParseError(
            f"root element is <{root.name}>, not <cluster>", source, *Position(text)(root.tag.start)
        )
    return ClusterConf(text, tokens, root, source)


def dump(document: ClusterConf) -> str:
    return document.dump()


# --- typed view ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ClusterConfView:
    """What a cluster.conf says: the `Cluster` (stack "cman") plus the cman-only parts."""

    cluster: Cluster
    cman: tuple[tuple[str, str], ...]
    quorumd: tuple[tuple[str, str], ...] | None
    fence_devices: tuple[tuple[tuple[str, str], ...], ...]
    node_lines: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        out = {"format": "cman", "cluster_name": self.cluster.name, **self.cluster.to_dict()}
        out["config_version"] = self.cluster.config_version
        out["cman"] = dict(self.cman)
        out["quorumd"] = None if self.quorumd is None else dict(self.quorumd)
        out["fence_devices"] = [dict(d) for d in self.fence_devices]
        return out


XML_SPACE = " \t\r\n"  # XML white space: what may surround a number (not Unicode blanks)


def _int(doc: ClusterConf, element: Element, name: str) -> int | None:
    """An integer attribute: an optional sign and ASCII digits, blanks around allowed.

    More than MAX_INT_DIGITS significant digits is out of range for any C integer cman
    reads, and refused as such (without converting it)."""
    value = element.get(name)
    if value is None:
        return None
    text = value.strip(XML_SPACE)
    number = parse_int(text) if is_ascii_int(text) else None
    if number is None:
        attr = element.tag.attr(name)
        offset = attr.value_start if attr else element.tag.start
        problem = (
            f"is out of range (more than {MAX_INT_DIGITS} digits)"
            if is_ascii_int(text)
            else "must be an integer"
        )
        raise ConfigParseError(
            f"<{element.name} {name}> {problem}, got '{printable(value, 40)}'",
            doc.source,
            *doc._position(offset),
        )
    return number


def positive_version(value: str | None) -> int | None:
    """`<cluster config_version>` when it is a positive integer in ASCII digits, else None
    (None too beyond MAX_INT_DIGITS digits: no C type holds it)."""
    number = ascii_uint((value or "").strip(XML_SPACE))
    return number if number else None


def view(doc: ClusterConf) -> ClusterConfView:
    """Cluster name, config_version, `<cman>` quorum attributes, clusternodes, `<quorumd>`."""
    root = doc.root
    nodes: list[Node] = []
    lines: list[int] = []
    for element in doc.all("clusternode"):
        name = element.get("name")
        nodeid = _int(doc, element, "nodeid")
        line = doc.line_of(element)
        if name is None or nodeid is None:
            raise ConfigParseError("<clusternode> needs name and nodeid", doc.source, line)
        try:
            nodes.append(Node(name, nodeid, _int(doc, element, "votes")))
        except ModelError as exc:
            raise ConfigParseError(exc.problem, doc.source, line) from None
        lines.append(line)
    quorum: dict[str, Any] = {}
    cman = root.find("cman")
    if cman is not None:
        two_node = _int(doc, cman, "two_node")
        if two_node is not None:
            quorum["two_node"] = 1 if two_node else 0
        expected = _int(doc, cman, "expected_votes")
        if expected:
            quorum["expected_votes"] = expected
    quorumd = root.find("quorumd")
    if quorumd is not None:
        quorum["device"] = QDevice(model="disk", votes=_int(doc, quorumd, "votes"))
    totem = root.find("totem")
    token = _int(doc, totem, "token") if totem is not None else None
    try:
        cluster = Cluster(
            name=root.get("name") or "cluster",
            nodes=tuple(nodes),
            quorum=QuorumOptions(**quorum),
            totem=Totem(token=token or None),
            stack="cman",
            config_version=_int(doc, root, "config_version"),
        )
    except ModelError as exc:
        raise ConfigParseError(exc.problem, doc.source, doc.line_of(root)) from None
    return ClusterConfView(
        cluster=cluster,
        cman=tuple(cman.attrib.items()) if cman is not None else (),
        quorumd=tuple(quorumd.attrib.items()) if quorumd is not None else None,
        fence_devices=tuple(tuple(e.attrib.items()) for e in doc.all("fencedevice")),
        node_lines=tuple(lines),
    )


def to_cluster(doc: ClusterConf) -> Cluster:
    return view(doc).cluster


def fence_devices(doc: ClusterConf) -> list[dict[str, str]]:
    """`<fencedevice>` attributes, in file order."""
    return [e.attrib for e in doc.all("fencedevice")]


# --- lossless edits (each returns new text; the caller re-parses) --------------------------
def _escape(value: str, quote: str = '"') -> str:
    out = value.replace("&", "&amp;").replace("<", "&lt;")
    return out.replace('"', "&quot;") if quote == '"' else out.replace("'", "&apos;")


def set_attribute(
    doc: ClusterConf, element: Element, name: str, value: str, *, first: bool = False
) -> str:
    """New text with one attribute set: its value replaced in place (same quotes), or inserted.

    A new attribute goes right after the element name when `first` (the source article's
    `<cman two_node="1" expected_votes="1" ...>`), else after the last attribute.
    """
    text = doc.text
    tag = element.tag
    existing = tag.attr(name)
    if existing is not None:
        q = existing.quote
        return text[: existing.value_start] + q + _escape(value, q) + q + text[existing.end :]
    at = tag.name_end if first or not tag.attrs else tag.attrs[-1].end
    return text[:at] + f' {name}="{_escape(value)}"' + text[at:]


def remove_attribute(doc: ClusterConf, element: Element, name: str) -> str:
    existing = element.tag.attr(name)
    if existing is None:
        return doc.text
    text = doc.text
    start = existing.start
    while start > element.tag.name_end and text[start - 1] in " \t":
        start -= 1
    if start > element.tag.name_end and text[start - 1] in "\r\n":
        start = existing.start  # the attribute starts its own line: keep the line break
        end = existing.end
        while end < element.tag.end and text[end] in " \t":
            end += 1
        return text[:start] + text[end:]
    return text[:start] + text[existing.end :]


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def _indent_before(text: str, offset: int) -> str | None:
    """The blanks before `offset` when only blanks precede it on its line, else None."""
    start = _line_start(text, offset)
    head = text[start:offset]
    return head if not head.strip(" \t") else None


def insert_child(doc: ClusterConf, parent: Element, markup: str) -> str:
    """New text with `markup` (one element) added as the last child of `parent`.

    It goes on its own line after the last child element, with that sibling's indentation
    (tomlkit's rule), or before the parent's end tag one level deeper than the parent.
    """
    text = doc.text
    eol = doc.newline
    if parent.children:
        last = parent.children[-1]
        indent = _indent_before(text, last.tag.start)
        at = last.span[1]
        if indent is None:
            return text[:at] + markup + text[at:]
        return text[:at] + eol + indent + markup + text[at:]
    parent_indent = _indent_before(text, parent.tag.start) or ""
    if parent.end is None:  # <x/> becomes <x>...</x>
        tag = parent.tag
        opening = text[tag.start : tag.end - 2].rstrip() + ">"
        body = f"{eol}{parent_indent}  {markup}{eol}{parent_indent}</{parent.name}>"
        return text[: tag.start] + opening + body + text[tag.end :]
    at = parent.end.start
    end_indent = _indent_before(text, at)
    if end_indent is not None:
        at = _line_start(text, at)
        return text[:at] + f"{parent_indent}  {markup}{eol}" + text[at:]
    return text[:at] + f"{eol}{parent_indent}  {markup}{eol}{parent_indent}" + text[at:]


def remove_element(doc: ClusterConf, element: Element) -> str:
    """New text without `element`; its line goes too when it stood alone on it."""
    text = doc.text
    start, end = element.span
    indent = _indent_before(text, start)
    line_end = end
    while line_end < len(text) and text[line_end] in " \t\r":
        line_end += 1
    if indent is not None and (line_end == len(text) or text[line_end] == "\n"):
        start = _line_start(text, start)
        end = min(line_end + 1, len(text))
    return text[:start] + text[end:]


# --- Proxmox VE 3 canonical writer (reference 8.1) -----------------------------------------
def _escape_attrib(value: str) -> str:
    """`xml_escape_attrib`: only `"` is escaped (an `&` is written raw, as PVE 3 did)."""
    return value.replace('"', "&quot;")


def _write(element: Element, indent: str, out: list[str]) -> None:
    attrs = "".join(
        f' {k}="{_escape_attrib(v)}"'
        for k, v in sorted(element.attrib.items())
        if k not in ("id", "text", "children")  # keys of PVE's own node hash
    )
    if element.children:
        out.append(f"{indent}<{element.name}{attrs}>\n")
        for child in element.children:
            _write(child, indent + "  ", out)
        out.append(f"{indent}</{element.name}>\n")
    else:
        out.append(f"{indent}<{element.name}{attrs}/>\n")


def canonical(doc: ClusterConf) -> str:
    """PVE 3's `write_cluster_conf`: header, attributes sorted, two spaces, self-closing.

    It needs a positive `config_version` (`cluster_conf_version()` dies otherwise).
    """
    if positive_version(doc.root.get("config_version")) is None:
        raise InputError("no cluster config - unable to read version", doc.source)
    out = ['<?xml version="1.0"?>\n']
    _write(doc.root, "", out)
    return "".join(out)
