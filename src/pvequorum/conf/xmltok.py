"""A small lossless XML tokenizer for cluster.conf (stdlib only, no lxml in the core).

Every byte of the input belongs to exactly one token, and every token keeps its span, so
`"".join(text[t.start:t.end] for t in tokens) == text` always holds and an edit can replace
one attribute value without touching a quote, a comment or a blank.  It checks what a
cluster.conf needs to be well-formed XML (the files are read by expat in PVE 3, reference
8.1): names, quoted attributes without duplicates or `<`, known entity references, comments
without `--`, matching end tags, one root element.

Hostile input stays cheap: a `<!DOCTYPE>` (and so any `<!ENTITY>` declaration) is refused,
since a cluster.conf never has one, so no entity is ever defined or expanded beyond the five
predefined ones and numeric character references, and nothing outside the text is read
(no "billion laughs", no external entities).  Elements may nest MAX_DEPTH levels deep (a
real cluster.conf nests at most 6).  Every step is linear in the size of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pvequorum.conf.corosync import ConfigParseError

_NAME = r"[A-Za-z_:][A-Za-z0-9_:.\-]*"
_NAME_RE = re.compile(_NAME)
_SPACE = re.compile(r"[ \t\r\n]*")
_ENTITY = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]+)|#x([0-9A-Fa-f]+));")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}

MAX_DEPTH = 100
"""Deepest element nesting accepted.  A cluster.conf nests at most 6 levels (`<cluster>`,
`<rm>`, `<service>` and rgmanager's resource tree); 100 leaves room for any hand-made
resource tree and keeps every walk over the tree far from Python's recursion limit."""


@dataclass(frozen=True)
class Attr:
    """`name="value"`: the decoded value and the spans needed to rewrite it in place."""

    name: str
    value: str
    start: int  # where the attribute name starts
    end: int  # just after the closing quote
    value_start: int  # the opening quote
    quote: str


@dataclass
class Token:
    """One piece of the text: decl | pi | comment | cdata | start | empty | end | text."""

    kind: str
    start: int
    end: int
    name: str = ""
    attrs: tuple[Attr, ...] = ()
    name_end: int = 0  # just after the element name in a start or empty tag

    def attr(self, name: str) -> Attr | None:
        return next((a for a in self.attrs if a.name == name), None)


@dataclass
class Element:
    """An element: its start (or empty) tag, its end tag, its child elements."""

    tag: Token
    end: Token | None = None
    children: list[Element] = field(default_factory=list)
    parent: Element | None = None

    @property
    def name(self) -> str:
        return self.tag.name

    def get(self, name: str) -> str | None:
        attr = self.tag.attr(name)
        return None if attr is None else attr.value

    @property
    def attrib(self) -> dict[str, str]:
        return {a.name: a.value for a in self.tag.attrs}

    def find(self, name: str) -> Element | None:
        return next((c for c in self.children if c.name == name), None)

    def findall(self, name: str) -> list[Element]:
        return [c for c in self.children if c.name == name]

    def iter(self, name: str | None = None) -> list[Element]:
        """This element and its descendants in document order (named `name`, if given)."""
        out: list[Element] = []
        pending = [self]
        while pending:
            element = pending.pop()
            if name is None or element.name == name:
                out.append(element)
            pending.extend(reversed(element.children))
        return out

    @property
    def span(self) -> tuple[int, int]:
        return self.tag.start, (self.end or self.tag).end


class Position:
    """Offsets to 1-based (line, column)."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> tuple[int, int]:
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - self.starts[lo] + 1


def _normalise(raw: str) -> str:
    """Attribute-value normalisation: a literal tab or line break reads as one space."""
    return re.sub(r"\r\n|[\t\n\r]", " ", raw)


def decode(raw: str, where: int, fail: _Fail, attribute: bool = False) -> str:
    """Replace entity references (a `&#10;` stays a newline even in an attribute value)."""
    norm = _normalise if attribute else (lambda part: part)
    out: list[str] = []
    pos = 0
    while True:
        amp = raw.find("&", pos)
        if amp < 0:
            out.append(norm(raw[pos:]))
            break
        out.append(norm(raw[pos:amp]))
        match = _ENTITY.match(raw, amp)
        if match is None:
            fail("undefined or malformed entity reference", where + amp)
        assert match is not None
        if match.group(1):
            out.append(_ENTITIES[match.group(1)])
        else:
            digits = (match.group(2) or match.group(3)).lstrip("0")
            # more than 7 digits is beyond U+10FFFF in either base: never converted
            code = -1 if len(digits) > 7 else int(digits or "0", 10 if match.group(2) else 16)
            if not (code in (9, 10, 13) or 0x20 <= code <= 0x10FFFF) or 0xD800 <= code <= 0xDFFF:
                fail("reference to invalid character number", where + amp)
            out.append(chr(code))
        pos = match.end()
    return "".join(out)


class _Fail:
    def __init__(self, source: str, position: Position) -> None:
        self.source = source
        self.position = position

    def __call__(self, message: str, offset: int) -> None:
        line, column = self.position(offset)
        raise ConfigParseError(f"not well-formed XML: {message}", self.source, line, column)


def _start_tag(text: str, pos: int, fail: _Fail) -> Token:
    name = _NAME_RE.match(text, pos + 1)
    if name is None:
        fail("invalid element name", pos + 1)
    assert name is not None
    attrs: list[Attr] = []
    seen: set[str] = set()  # the names so far: a duplicate check in constant time
    cur = name.end()
    while True:
        space = _SPACE.match(text, cur)
        assert space is not None
        had_space = space.end() > cur
        cur = space.end()
        if text.startswith("/>", cur):
            return Token("empty", pos, cur + 2, name.group(), tuple(attrs), name.end())
        if text.startswith(">", cur):
            return Token("start", pos, cur + 1, name.group(), tuple(attrs), name.end())
        if cur >= len(text):
            fail("unclosed tag", pos)
        attr_name = _NAME_RE.match(text, cur)
        if attr_name is None or not had_space:
            fail("expected '>', '/>' or an attribute", cur)
        assert attr_name is not None
        cur = _SPACE.match(text, attr_name.end()).end()  # type: ignore[union-attr]
        if not text.startswith("=", cur):
            fail(f"attribute {attr_name.group()!r} has no '='", cur)
        cur = _SPACE.match(text, cur + 1).end()  # type: ignore[union-attr]
        quote = text[cur : cur + 1]
        if quote not in ('"', "'"):
            fail(f"value of attribute {attr_name.group()!r} is not quoted", cur)
        close = text.find(quote, cur + 1)
        if close < 0:
            fail("unterminated attribute value", cur)
        raw = text[cur + 1 : close]
        if "<" in raw:
            fail("'<' in an attribute value", cur + 1 + raw.index("<"))
        if attr_name.group() in seen:
            fail(f"duplicate attribute {attr_name.group()!r}", attr_name.start())
        seen.add(attr_name.group())
        value = decode(raw, cur + 1, fail, attribute=True)
        attrs.append(Attr(attr_name.group(), value, attr_name.start(), close + 1, cur, quote))
        cur = close + 1


def read_tag(markup: str, source: str = "cluster.conf") -> Token:
    """The token of `markup`, which must be exactly one start or empty tag (offsets from 0).

    Edits read back the one tag they write with the tokenizer's own rules, instead of
    tokenizing the whole text again; `ConfigParseError` when `markup` is anything else."""
    fail = _Fail(source, Position(markup))
    _check_chars(markup, fail)
    if not markup.startswith("<") or markup.startswith(("</", "<!", "<?")):
        fail("not a start tag", 0)
    token = _start_tag(markup, 0, fail)
    if token.end != len(markup):
        fail("more than one tag", token.end)
    return token


def is_name(text: str) -> bool:
    """An element or attribute name as the tokenizer reads one."""
    return _NAME_RE.fullmatch(text) is not None


def _check_chars(text: str, fail: _Fail) -> None:
    bad = re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", text)
    if bad:
        fail(f"invalid character {bad.group()!r}", bad.start())


def tokenize(text: str, source: str = "cluster.conf") -> tuple[list[Token], Element]:
    """Tokens covering the whole text, and the root element; `ConfigParseError` otherwise."""
    position = Position(text)
    fail = _Fail(source, position)
    _check_chars(text, fail)
    tokens: list[Token] = []
    stack: list[Element] = []
    root: Element | None = None
    pos = 0
    n = len(text)
    while pos < n:
        if text[pos] != "<":
            nxt = text.find("<", pos)
            end = n if nxt < 0 else nxt
            chunk = text[pos:end]
            if "]]>" in chunk:
                fail("']]>' in text", pos + chunk.index("]]>"))
            if not stack and chunk.strip(" \t\r\n"):
                fail("text outside the root element", pos + len(chunk) - len(chunk.lstrip()))
            decode(chunk, pos, fail)
            tokens.append(Token("text", pos, end))
            pos = end
            continue
        if text.startswith("<!--", pos):
            end = text.find("-->", pos + 4)
            if end < 0:
                fail("unterminated comment", pos)
            if "--" in text[pos + 4 : end] or (text[end - 1] == "-" and end > pos + 4):
                fail("'--' inside a comment", pos)
            tokens.append(Token("comment", pos, end + 3))
            pos = end + 3
            continue
        if text.startswith("<![CDATA[", pos):
            if not stack:
                fail("CDATA outside the root element", pos)
            end = text.find("]]>", pos)
            if end < 0:
                fail("unterminated CDATA section", pos)
            tokens.append(Token("cdata", pos, end + 3))
            pos = end + 3
            continue
        if text.startswith("<!DOCTYPE", pos):
            fail(
                "a DOCTYPE declaration is not allowed: a cluster.conf has none, and no DTD, "
                "entity declaration or external entity is ever read",
                pos,
            )
        if text.startswith("<!ENTITY", pos):
            fail("an ENTITY declaration is not allowed (only inside a DOCTYPE, refused)", pos)
        if text.startswith("<?", pos):
            end = text.find("?>", pos + 2)
            if end < 0:
                fail("unterminated processing instruction", pos)
            target = _NAME_RE.match(text, pos + 2)
            if target is None:
                fail("invalid processing instruction", pos + 2)
            assert target is not None
            if target.end() != end and text[target.end()] not in " \t\r\n":
                fail("invalid processing instruction", target.end())  # `<?b;?>`: no blank
            if target.group().lower() == "xml":
                if pos != 0 or target.group() != "xml":
                    fail("XML declaration not at the start of the file", pos)
                kind = "decl"
            else:
                kind = "pi"
            tokens.append(Token(kind, pos, end + 2, target.group()))
            pos = end + 2
            continue
        if text.startswith("</", pos):
            name = _NAME_RE.match(text, pos + 2)
            if name is None:
                fail("invalid end tag", pos + 2)
            assert name is not None
            cur = _SPACE.match(text, name.end()).end()  # type: ignore[union-attr]
            if not text.startswith(">", cur):
                fail("expected '>' in end tag", cur)
            if not stack:
                fail(f"end tag </{name.group()}> without a start tag", pos)
            if stack[-1].name != name.group():
                fail(f"mismatched tag: </{name.group()}> closes <{stack[-1].name}>", pos)
            token = Token("end", pos, cur + 1, name.group())
            tokens.append(token)
            stack.pop().end = token
            pos = cur + 1
            continue
        if text.startswith("<!", pos):
            fail("unsupported markup declaration", pos)
        token = _start_tag(text, pos, fail)
        if not stack and root is not None:
            fail("junk after the root element", pos)
        if len(stack) >= MAX_DEPTH:
            fail(f"elements nested deeper than {MAX_DEPTH} levels", pos)
        element = Element(token, parent=stack[-1] if stack else None)
        if stack:
            stack[-1].children.append(element)
        else:
            root = element
        if token.kind == "start":
            stack.append(element)
        tokens.append(token)
        pos = token.end
    if stack:
        fail(f"no end tag for <{stack[-1].name}> (the file ends inside it)", stack[-1].tag.start)
    if root is None:
        fail("no root element", n)
    assert root is not None
    return tokens, root
