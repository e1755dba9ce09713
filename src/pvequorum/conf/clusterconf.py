"""cluster.conf of Proxmox VE 2.x/3.x (cman): lossless text, a typed view, PVE-3's writer.

The document keeps the original text and the byte spans of every start tag and attribute,
so an edit rewrites one attribute value (or inserts one attribute) and nothing else:
comments, attribute order, quotes and whitespace survive.  Reading uses the standard
library's XML parser for well-formedness (lxml stays out of the core).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from pvequorum.conf.corosync import ConfigParseError
from pvequorum.errors import InputError
from pvequorum.model import Cluster, ModelError, Node, QDevice, QuorumOptions

_COMMENT = re.compile(r"<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>|<!DOCTYPE[^>]*>", re.S)
_TAG = re.compile(r"<([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>")
_ATTR = re.compile(r"([^\s=/>]+)(\s*=\s*)(\"[^\"]*\"|'[^']*')")


@dataclass(frozen=True)
class Attr:
    name: str
    value: str
    value_span: tuple[int, int]  # span of the quoted value, quotes included


@dataclass(frozen=True)
class Tag:
    """A start (or empty-element) tag with the byte spans needed for lossless edits."""

    name: str
    span: tuple[int, int]
    name_end: int
    attrs: tuple[Attr, ...]
    depth: int

    def attr(self, name: str) -> Attr | None:
        return next((a for a in self.attrs if a.name == name), None)


class ClusterConf:
    """A parsed cluster.conf; `dump()` returns the original text exactly."""

    def __init__(self, text: str, tags: tuple[Tag, ...], tree: ET.Element, source: str) -> None:
        self.text = text
        self.tags = tags
        self.tree = tree
        self.source = source

    def dump(self) -> str:
        return self.text

    def first(self, name: str) -> Tag | None:
        return next((t for t in self.tags if t.name == name), None)

    def all(self, name: str) -> list[Tag]:
        return [t for t in self.tags if t.name == name]

    def line_of(self, tag: Tag) -> int:
        return self.text.count("\n", 0, tag.span[0]) + 1


def _unescape(quoted: str) -> str:
    value = quoted[1:-1]
    return (
        value.replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


def _scan_tags(text: str) -> tuple[Tag, ...]:
    masked = _COMMENT.sub(lambda m: " " * len(m.group()), text)
    tags: list[Tag] = []
    depth = 0
    pos = 0
    for match in re.finditer(r"</[^>]*>|<[^!?/][^>]*>", masked):
        token = match.group()
        if token.startswith("</"):
            depth -= 1
            continue
        tag = _TAG.fullmatch(token)
        if tag is None:
            continue  # ET reports malformed tags with a position
        start = match.start()
        attrs = tuple(
            Attr(
                a.group(1),
                _unescape(a.group(3)),
                (start + tag.start(2) + a.start(3), start + tag.start(2) + a.end(3)),
            )
            for a in _ATTR.finditer(tag.group(2))
        )
        tags.append(Tag(tag.group(1), (start, match.end()), start + tag.end(1), attrs, depth))
        if not tag.group(3):
            depth += 1
        pos = match.end()
    del pos
    return tuple(tags)


def parse(text: str, source: str = "cluster.conf") -> ClusterConf:
    """Parse cluster.conf; malformed XML raises `ConfigParseError` with line and column."""
    if not text.strip():
        raise ConfigParseError("empty file", source, 1)
    try:
        tree = ET.fromstring(text)
    except ET.ParseError as exc:
        line, column = exc.position
        message = str(exc).split(":")[0]
        raise ConfigParseError(
            f"not well-formed XML ({message})", source, line, column + 1
        ) from None
    if tree.tag != "cluster":
        raise ConfigParseError(f"root element is <{tree.tag}>, not <cluster>", source, 1)
    return ClusterConf(text, _scan_tags(text), tree, source)


# --- typed view ----------------------------------------------------------------------------
def _int_attr(doc: ClusterConf, element: ET.Element, name: str, tag_name: str) -> int | None:
    value = element.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        tag = doc.first(tag_name)
        line = doc.line_of(tag) if tag else 1
        raise ConfigParseError(
            f"<{tag_name} {name}> must be an integer, got {value!r}", doc.source, line
        ) from None


def to_cluster(doc: ClusterConf) -> Cluster:
    """Cluster name, config_version, `<cman>` quorum attributes, clusternodes, `<quorumd>`."""
    root = doc.tree
    nodes = []
    for i, element in enumerate(root.iter("clusternode")):
        tag = doc.all("clusternode")[i]
        name = element.get("name")
        nodeid = _int_attr(doc, element, "nodeid", "clusternode")
        if name is None or nodeid is None:
            raise ConfigParseError(
                "<clusternode> needs name and nodeid", doc.source, doc.line_of(tag)
            )
        try:
            nodes.append(Node(name, nodeid, _int_attr(doc, element, "votes", "clusternode")))
        except ModelError as exc:
            raise ConfigParseError(str(exc), doc.source, doc.line_of(tag)) from None
    quorum: dict[str, object] = {}
    cman = root.find("cman")
    if cman is not None:
        for key in ("two_node", "expected_votes"):
            value = _int_attr(doc, cman, key, "cman")
            if value is not None:
                quorum[key] = value
    quorumd = root.find("quorumd")
    if quorumd is not None:
        quorum["device"] = QDevice(model="disk", votes=_int_attr(doc, quorumd, "votes", "quorumd"))
    try:
        return Cluster(
            name=root.get("name") or "cluster",
            nodes=tuple(nodes),
            quorum=QuorumOptions(**quorum),  # type: ignore[arg-type]
            stack="cman",
            config_version=_int_attr(doc, root, "config_version", "cluster"),
        )
    except ModelError as exc:
        raise InputError(str(exc), doc.source) from None


def fence_devices(doc: ClusterConf) -> list[dict[str, str]]:
    """`<fencedevice>` attributes, for the typed view's `fence_devices`."""
    return [dict(e.attrib) for e in doc.tree.iter("fencedevice")]


# --- lossless edits ------------------------------------------------------------------------
def set_attribute(doc: ClusterConf, tag: Tag, name: str, value: str, *, first: bool = False) -> str:
    """New text with one attribute set: its value replaced in place, or inserted.

    A new attribute goes right after the element name when `first` (the source article's
    `<cman two_node="1" expected_votes="1" ...>`), else after the last attribute.
    """
    text = doc.text
    existing = tag.attr(name)
    if existing is not None:
        start, end = existing.value_span
        quote = text[start]
        return text[:start] + quote + value + quote + text[end:]
    insert_at = tag.name_end if first or not tag.attrs else tag.attrs[-1].value_span[1]
    return text[:insert_at] + f" {name}={quoteattr(value)}" + text[insert_at:]


def remove_attribute(doc: ClusterConf, tag: Tag, name: str) -> str:
    existing = tag.attr(name)
    if existing is None:
        return doc.text
    text = doc.text
    start = text.rfind(name, tag.span[0], existing.value_span[0])
    while start > tag.span[0] and text[start - 1] in " \t\r\n":
        start -= 1
    return text[:start] + text[existing.value_span[1] :]


# --- Proxmox VE 3 canonical writer (reference 8.1) -----------------------------------------
def _write(element: ET.Element, depth: int, out: list[str]) -> None:
    pad = "  " * depth
    attrs = "".join(f" {k}={quoteattr(v)}" for k, v in sorted(element.attrib.items()))
    children = [c for c in element if isinstance(c.tag, str)]
    if not children:
        out.append(f"{pad}<{element.tag}{attrs}/>\n")
        return
    out.append(f"{pad}<{element.tag}{attrs}>\n")
    for child in children:
        _write(child, depth + 1, out)
    out.append(f"{pad}</{element.tag}>\n")


def canonical(doc: ClusterConf) -> str:
    """PVE 3's `write_cluster_conf`: header, attributes sorted, two spaces, self-closing."""
    out = ['<?xml version="1.0"?>\n']
    _write(doc.tree, 0, out)
    return "".join(out)
