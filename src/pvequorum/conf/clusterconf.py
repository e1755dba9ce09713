"""cluster.conf of Proxmox VE 2.x/3.x (cman): lossless text, a typed view, PVE 3's writer.

The document is the original text plus the tokens of `conf.xmltok`, so `dump()` returns
the input exactly and an edit rewrites one attribute value (or inserts or removes one
attribute, or one element) and nothing else: comments, attribute order, quotes and blanks
survive.  The typed view follows reference 8.2 and 8.3; the canonical writer is PVE 3's
`write_cluster_conf` (reference 8.1).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from pvequorum.conf.corosync import ConfigParseError
from pvequorum.conf.xmltok import Element, Position, Token, is_name, read_tag, tokenize
from pvequorum.cvalues import MAX_INT_DIGITS, ascii_uint, is_ascii_int, parse_int, printable
from pvequorum.errors import InputError
from pvequorum.model import Cluster, ModelError, Node, QDevice, QuorumOptions, Totem


class ClusterConf:
    """A parsed cluster.conf: its text, tokens and elements, and edits in place.

    `dump()` returns the text exactly, edits included.  `set`, `remove`, `add_element` and
    `remove_element` change the document itself, as `CorosyncConf`'s edits do (a transform
    parses once and edits several times; `copy()` keeps an original).  The tokens and the
    element tree stay exactly what `parse(self.dump())` builds, without tokenizing the text
    again: the one tag an edit writes is read back by the tokenizer (`xmltok.read_tag`) and
    refused unless it reads as meant, every other token only moves.
    """

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

    # --- edits, in place -----------------------------------------------------------------
    def copy(self) -> ClusterConf:
        """An independent document with the same text (edits change a document in place)."""
        from copy import deepcopy

        return deepcopy(self)

    def set(self, element: Element, name: str, value: str, *, first: bool = False) -> None:
        """One attribute set: its value replaced in place (same quotes), or inserted.

        A new attribute goes right after the element name when `first` (the source article's
        `<cman two_node="1" expected_votes="1" ...>`), else after the last attribute."""
        _check_value(value, self.source)
        text, tag = self.text, element.tag
        existing = tag.attr(name)
        if existing is not None:
            q = existing.quote
            head, tail = text[tag.start : existing.value_start], text[existing.end : tag.end]
            new = head + q + _escape(value, q) + q + tail
        else:
            _check_name(name, self.source)
            at = tag.name_end if first or not tag.attrs else tag.attrs[-1].end
            new = text[tag.start : at] + f' {name}="{_escape(value)}"' + text[at : tag.end]
        piece = self._tag(new, {**element.attrib, name: value})
        [element.tag] = self._splice(tag.start, tag.end, [piece])

    def remove(self, element: Element, name: str) -> bool:
        """One attribute removed with the blanks before it (after it, when it starts its own
        line); False when the element has no such attribute."""
        existing = element.tag.attr(name)
        if existing is None:
            return False
        text, tag = self.text, element.tag
        start, end = existing.start, existing.end
        while start > tag.name_end and text[start - 1] in " \t":
            start -= 1
        if start > tag.name_end and text[start - 1] in "\r\n":
            start = existing.start  # the attribute starts its own line: keep the line break
            while end < tag.end and text[end] in " \t":
                end += 1
        attrib = {k: v for k, v in element.attrib.items() if k != name}
        piece = self._tag(text[tag.start : start] + text[end : tag.end], attrib)
        [element.tag] = self._splice(tag.start, tag.end, [piece])
        return True

    def add_element(self, parent: Element, name: str, attrs: dict[str, str]) -> Element:
        """A new `<name .../>` as the last child of `parent`, on its own line.

        It goes after the last child element with that sibling's indentation (tomlkit's
        rule), or before the parent's end tag one level deeper than the parent (an empty
        `<parent/>` becomes `<parent>...</parent>`)."""
        _check_name(name, self.source)
        for key, value in attrs.items():
            _check_name(key, self.source)
            _check_value(value, self.source)
        markup = f"<{name}" + "".join(f' {k}="{_escape(v)}"' for k, v in attrs.items()) + "/>"
        child = self._tag(markup, attrs)
        text, eol = self.text, self.newline
        pad = _indent_before(text, parent.tag.start) or ""
        if parent.children:
            last = parent.children[-1]
            indent = _indent_before(text, last.tag.start)
            at = last.span[1]
            pieces = [child] if indent is None else [_text(eol + indent), child]
            [tag] = self._splice(at, at, pieces)
        elif parent.end is None:  # <x/> becomes <x>...</x>
            old = parent.tag
            opening = self._tag(text[old.start : old.end - 2].rstrip() + ">", parent.attrib)
            closing = f"</{parent.name}>"
            pieces = [
                opening,
                _text(f"{eol}{pad}  "),
                child,
                _text(f"{eol}{pad}"),
                (closing, Token("end", 0, len(closing), parent.name)),
            ]
            parent.tag, tag, parent.end = self._splice(old.start, old.end, pieces)
        else:
            at = parent.end.start
            if _indent_before(text, at) is not None:
                at = _line_start(text, at)
                pieces = [_text(f"{pad}  "), child, _text(eol)]
            else:
                pieces = [_text(f"{eol}{pad}  "), child, _text(f"{eol}{pad}")]
            [tag] = self._splice(at, at, pieces)
        element = Element(tag, parent=parent)
        parent.children.append(element)
        return element

    def remove_element(self, element: Element) -> None:
        """`element` removed with everything in it; its line goes too when it stood alone."""
        parent = element.parent
        if parent is None:
            raise InputError("the root element cannot be removed", self.source)
        text = self.text
        start, end = element.span
        line_end = end
        while line_end < len(text) and text[line_end] in " \t\r":
            line_end += 1
        if _indent_before(text, start) is not None and (
            line_end == len(text) or text[line_end] == "\n"
        ):
            start = _line_start(text, start)
            end = min(line_end + 1, len(text))
        self._splice(start, end, [])
        parent.children[:] = [c for c in parent.children if c is not element]

    # --- the machinery of the edits ------------------------------------------------------
    def _tag(self, markup: str, attrs: dict[str, str]) -> tuple[str, Token]:
        """A tag an edit writes, with its token: refused unless it reads as `attrs`."""
        try:
            token = read_tag(markup, self.source)
        except ConfigParseError as exc:
            shown = printable(markup, 80)
            raise InputError(f"cannot write {shown}: {exc.problem}", self.source) from None
        if {a.name: a.value for a in token.attrs} != attrs:
            shown = printable(markup, 80)
            raise InputError(f"cannot write {shown}: cman would read other values", self.source)
        return markup, token

    def _splice(self, start: int, end: int, pieces: list[tuple[str, Token]]) -> list[Token]:
        """Replace `text[start:end]` by the pieces (their text and its token, offsets from
        0); returns the pieces' markup tokens, moved into place.  Tokens inside the span go,
        a text token across one of its ends is cut there, every token after it moves, and
        adjacent text runs merge, as the tokenizer would have read them."""
        new = "".join(text for text, _ in pieces)
        shift = len(new) - (end - start)
        before: list[Token] = []
        after: list[Token] = []
        for token in self.tokens:
            if token.end <= start:
                before.append(token)
            elif token.start >= end:
                _move(token, shift)
                after.append(token)
            elif not start <= token.start <= token.end <= end:  # across an end of the span
                assert token.kind == "text", "edits cut only character data"
                if token.start < start:
                    before.append(Token("text", token.start, start))
                if token.end > end:
                    after.append(Token("text", end + shift, token.end + shift))
        added: list[Token] = []
        at = start
        for text, token in pieces:
            _move(token, at)
            added.append(token)
            at += len(text)
        self.tokens = _merge_text([*before, *added, *after])
        self.text = self.text[:start] + new + self.text[end:]
        self._position = Position(self.text)
        return [token for token in added if token.kind != "text"]


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


# --- what the edits write ----------------------------------------------------------------
def _escape(value: str, quote: str = '"') -> str:
    out = value.replace("&", "&amp;").replace("<", "&lt;")
    return out.replace('"', "&quot;") if quote == '"' else out.replace("'", "&apos;")


_NOT_WRITTEN = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _check_value(value: str, source: str) -> None:
    """Refuse an attribute value that would not read back as written: XML turns a line
    break or tab into a blank, and the other control characters (and bytes that are not
    UTF-8) are not XML at all."""
    bad = _NOT_WRITTEN.search(value)
    if bad is not None:
        raise InputError(
            f"value '{printable(value, 40)}' cannot be written: a line break or control "
            "character does not read back from an XML attribute",
            source,
        )


def _check_name(name: str, source: str) -> None:
    if not is_name(name):
        raise InputError(f"'{printable(name, 40)}' is not an XML name", source)


def _text(text: str) -> tuple[str, Token]:
    """Character data an edit writes, with its token."""
    return text, Token("text", 0, len(text))


def _move(token: Token, shift: int) -> None:
    """Move a token (and its attributes' offsets) by `shift` characters, in place: the
    elements keep pointing at it."""
    if not shift:
        return
    token.start += shift
    token.end += shift
    if token.kind in ("start", "empty"):
        token.name_end += shift
        token.attrs = tuple(
            dataclasses.replace(
                a, start=a.start + shift, end=a.end + shift, value_start=a.value_start + shift
            )
            for a in token.attrs
        )


def _merge_text(tokens: list[Token]) -> list[Token]:
    """Adjacent text tokens as one: the tokenizer reads character data up to the next `<`."""
    out: list[Token] = []
    for token in tokens:
        if token.kind == "text" and out and out[-1].kind == "text":
            out[-1] = Token("text", out[-1].start, token.end)
        else:
            out.append(token)
    return out


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def _indent_before(text: str, offset: int) -> str | None:
    """The blanks before `offset` when only blanks precede it on its line, else None."""
    start = _line_start(text, offset)
    head = text[start:offset]
    return head if not head.strip(" \t") else None


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
