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
from pvequorum.conf import coroparse
from pvequorum.cvalues import (
    MAX_INT_DIGITS,
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
    extra: int = 0  # fgets() reads before the one corosync parses (a long NUL-led line)

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
    """coroparse's `remove_whitespace()`: strip blanks (and trailing `:`/`{`), keep 1 char
    (its loop stops at the first character: "::" becomes ":")."""
    body = text.lstrip(" \t")
    if not body:
        return ""
    return body.rstrip(" \t:{" if colon_and_brace else " \t") or body[0]


def _after(text: str, index: int) -> int:
    """coroparse's `strchr_rs()`: the position after `text[index]` and any blanks after it."""
    rest = text[index + 1 :]
    return index + 1 + len(rest) - len(rest.lstrip(" \t"))


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


def _classify(seen: str, path: str, depth: int, source: str, number: int) -> tuple[str, str, str]:
    """(kind, name, value) of a line exactly as `parse_section()` reads it, or raise."""
    text = seen.rstrip(" \t")
    body = text.lstrip(" \t")
    first = len(text) - len(body) + 1
    if not body:
        return "blank", "", ""
    if body.startswith("#"):
        return "comment", "", ""
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
        return "open", name, ""
    colon = text.find(":")
    if colon >= 0:
        loc = _after(text, colon)
        key = _remove_whitespace(text[: loc - 1], True)
        if _longer(path, key):
            raise ConfigParseError("New key makes total cmap path too long", source, number, first)
        return "item", key, _remove_whitespace(text[loc:], False)
    if "}" in text:
        if _remove_whitespace(text, False) != "}":
            raise ConfigParseError(
                "Extra characters before or after closing bracket '}'", source, number, first
            )
        if depth == 0:
            raise ConfigParseError("Unexpected closing brace", source, number, first)
        return "close", "", ""
    raise ConfigParseError(
        "Line is not opening or closing section or key value", source, number, first
    )


class CorosyncConf:
    """A parsed corosync.conf: its lines, the section index over them, and edits in place.

    `set`, `remove`, `add_section` and `remove_section` change the document itself, as
    tomlkit's edits do (see "edits, in place" below for why); `copy()` keeps an original.
    """

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

    def lineage(self, section: Section) -> list[Section]:
        """The sections from the top level down to `section` (empty for the root)."""
        pending = [(sub, [sub]) for sub in reversed(self.root.sections)]
        while pending:
            current, chain = pending.pop()
            if current is section:
                return chain
            pending.extend((sub, [*chain, sub]) for sub in reversed(current.sections))
        if section is not self.root:
            raise ValueError(f"section {section.path!r} is not in this document")
        return []

    def parent(self, section: Section) -> Section:
        """The section that holds `section` (the root holds the top-level ones)."""
        chain = self.lineage(section)
        return chain[-2] if len(chain) > 1 else self.root

    def indent_unit(self) -> str:
        """One level of indentation as the file uses it (first nested line), else two spaces."""
        for section in self.walk():
            children = [self.lines[i] for i in section.items] + [
                self.lines[s.open] for s in section.sections if s.open is not None
            ]
            base = self.lines[section.open].indent if section.open is not None else ""
            for line in children:
                if line.indent.startswith(base) and len(line.indent) > len(base):
                    return line.indent[len(base) :]
        return "  "

    def child_indent(self, section: Section) -> str:
        """Indentation of a new line in `section`: a sibling's, else the brace's plus one level."""
        if section.items:
            return self.lines[section.items[0]].indent
        for sub in section.sections:
            if sub.open is not None:
                return self.lines[sub.open].indent
        if section.open is None:
            return ""
        return self.lines[section.open].indent + self.indent_unit()

    # --- edits, in place (tomlkit-style) ---------------------------------------------------
    # A transform parses once and makes several edits: in place, an edit costs one pass over
    # the index, where returning a new document would copy (or re-parse) the whole file each
    # time.  `copy()` keeps an original where a caller needs one.  Each edit keeps every
    # untouched line byte for byte and leaves `lines` and `root` exactly what
    # `parse(self.dump())` builds: the lines it writes are read by `parse` itself (alone,
    # inside their sections' braces) and refused unless they read as what was meant.
    _STRUCTURAL = re.compile(r"[{}#\x00-\x1f\x7f]")

    def copy(self) -> CorosyncConf:
        """An independent document with the same lines (edits change a document in place)."""
        from copy import deepcopy

        return deepcopy(self)

    def set(self, where: str | Section, key: str, value: str) -> int:
        """`key: value` in a section (a path's, or the one given); returns the line index.

        The `key:` corosync reads (the last) gets the new value, its key, blanks and ending
        kept; else a new line goes after the section's last key (else before its `}`), the
        section and its parents created when a path names none."""
        self._check_word(value, "value", may_be_empty=True)
        candidates = [where] if isinstance(where, Section) else self._at(where)
        for section in reversed(candidates):
            index = self.item(section, key)
            if index is not None:
                self._rewrite_value(index, section, value)
                return index
        self._check_word(key, "key")
        if isinstance(where, Section):
            section = where
        else:
            section, missing = self._missing(where)
            if missing:  # one new block: nothing changes unless all of it can be written
                self.add_section(section, missing[0], self._nest(missing[1:], {key: value}))
                found = self.find(where)
                assert found is not None
                return found.items[-1]
        at = section.items[-1] + 1 if section.items else self._end_of(section)
        line = (f"{self.child_indent(section)}{key}: {value}", "item", key, value)
        self._put(at, section, [line])
        return at

    def remove(self, where: str | Section, key: str) -> int:
        """Remove every `key:` line of a section (of every section at a path: corosync merges
        them); returns how many lines went."""
        candidates = [where] if isinstance(where, Section) else self._at(where)
        drop = frozenset(i for s in candidates for i in s.items if self.lines[i].name == key)
        self._delete(drop)
        return len(drop)

    def add_section(
        self, where: str | Section, name: str, items: dict[str, Any] | None = None
    ) -> Section:
        """A new `name { ... }` in a section (a path's first, created when missing).

        It goes after the last section of that name there, else at the section's end (at
        the end of the file after a blank line, for a top-level one).  `items` are written
        in order, a dict as a value being a subsection.  The braces copy a sibling's
        indentation, the keys the keys of the last section of that name, else each level
        is the file's indent unit deeper."""
        self._check_word(name, "section name")
        if isinstance(where, Section):
            parent = where
        else:
            parent, missing = self._missing(where)
            if missing:  # one new block, as in `set`
                self.add_section(parent, missing[0], self._nest([*missing[1:], name], items or {}))
                found = self.find(f"{where}.{name}")
                assert found is not None
                return found
        siblings = parent.all(name)
        unit = self.indent_unit()
        pad = self.child_indent(parent) if parent.open is not None else ""
        inner = self.child_indent(siblings[-1]) if siblings else pad + unit
        planned = self._block(name, items or {}, pad, inner, unit)
        if siblings:
            at = (siblings[-1].close or 0) + 1
        else:
            at = self._end_of(parent)
            if parent.open is None and self.lines and self.lines[-1].kind != "blank":
                planned.insert(0, ("", "blank", "", ""))
        section = self._put(at, parent, planned)
        assert section is not None
        return section

    def remove_section(self, section: Section) -> None:
        """Remove a section, braces and everything inside included."""
        if section.open is None or section.close is None:
            raise InputError("the top level of a corosync.conf is not a section", self.source)
        self.lineage(section)  # refuses a section of another document
        self._delete(frozenset(range(section.open, section.close + 1)))

    # --- the machinery of the edits --------------------------------------------------------
    def _at(self, path: str) -> list[Section]:
        return self.sections(path) if path else [self.root]

    def _end_of(self, section: Section) -> int:
        """The index where a new last line of `section` goes (before its `}`)."""
        return section.close if section.close is not None else len(self.lines)

    def _missing(self, path: str) -> tuple[Section, list[str]]:
        """The deepest section of `path` that exists (the first there) and the names of the
        sections below it that do not."""
        names = path.split(".") if path else []
        depth = len(names)
        while depth and self.find(".".join(names[:depth])) is None:
            depth -= 1
        found = self.find(".".join(names[:depth]))
        assert found is not None  # find("") is the root
        return found, names[depth:]

    @staticmethod
    def _nest(names: list[str], innermost: dict[str, Any]) -> dict[str, Any]:
        """`innermost` inside sections named `names`, outermost first."""
        for name in reversed(names):
            innermost = {name: innermost}
        return innermost

    def _check_word(self, word: str, what: str, may_be_empty: bool = False) -> None:
        """Refuse a key, name or value whose characters would change the file's structure:
        a line break or control character ends or alters the line, a brace opens or closes
        a section for corosync or pvecm, and pvecm reads a `#` as the start of a comment."""
        if not word and not may_be_empty:
            raise InputError(f"an empty {what} cannot be written", self.source)
        bad = self._STRUCTURAL.search(word)
        if bad is None:
            return
        char = bad.group()
        why = {
            "{": "a '{' opens a section",
            "}": "a '}' closes a section for pvecm",
            "#": "pvecm reads a '#' as the start of a comment (reference 4.2)",
        }.get(char, "a line break or control character changes the line")
        raise InputError(f"{what} '{printable(word, 40)}' cannot be written: {why}", self.source)

    def _block(
        self, name: str, items: dict[str, Any], pad: str, inner: str, unit: str
    ) -> list[tuple[str, str, str, str]]:
        """The planned lines (text, kind, name, value) of a new section and its items."""
        planned = [(f"{pad}{name} {{", "open", name, "")]
        for key, value in items.items():
            if isinstance(value, dict):
                self._check_word(key, "section name")
                planned += self._block(key, value, inner, inner + unit, unit)
            else:
                self._check_word(key, "key")
                self._check_word(value, "value", may_be_empty=True)
                planned.append((f"{inner}{key}: {value}", "item", key, value))
        planned.append((f"{pad}}}", "close", "", ""))
        return planned

    def _read_back(
        self, planned: list[tuple[str, str, str, str]], eols: list[str], context: Section
    ) -> list[Line]:
        """The planned lines as `parse` reads them inside `context`'s braces, refused with
        an `InputError` unless each reads as the (kind, name, value) planned."""
        chain = self.lineage(context)
        head = "".join(f"{s.name} {{\n" for s in chain)
        body = "".join(text + eol for (text, *_), eol in zip(planned, eols, strict=True))
        shown = printable(planned[0][0].strip(" \t"), 60)
        try:
            lines = parse(head + body + "}\n" * len(chain), self.source).lines
        except ConfigParseError as exc:
            raise InputError(f"cannot write '{shown}': {exc.problem}", self.source) from None
        read = lines[len(chain) : len(chain) + len(planned)]
        for line, (text, kind, name, value) in zip(read, planned, strict=True):
            if (line.text, line.kind, line.name, line.value) != (text, kind, name, value):
                what = {"item": "key", "open": "section"}.get(line.kind, line.kind)
                read_as = f"{what} '{printable(line.name, 40)}'"
                if line.kind == "item":
                    read_as += f" with value '{printable(line.value, 40)}'"
                shown = printable(text.strip(" \t"), 60)
                raise InputError(
                    f"cannot write '{shown}': corosync would read {read_as}", self.source
                )
        return read

    def _rewrite_value(self, index: int, section: Section, value: str) -> None:
        """One `key: value` line with a new value, its key, blanks and ending kept."""
        line = self.lines[index]
        text = line.text
        colon = text.index(":")
        rest = text[colon + 1 :]
        spacing = rest[: len(rest) - len(rest.lstrip(" \t"))] or " "
        trailing = text[len(text.rstrip(" \t")) :] if line.value else ""
        planned = (text[: colon + 1] + spacing + value + trailing, "item", line.name, value)
        self.lines[index] = self._read_back([planned], [line.eol], section)[0]

    def _put(
        self, at: int, parent: Section, planned: list[tuple[str, str, str, str]]
    ) -> Section | None:
        """Insert whole items and sections of `parent` at index `at`; returns the first
        section they open.  At the end of a file without a final newline the new last line
        has none either; a last line ending in a lone CR gets its LF."""
        eol = self.newline
        at_end = at == len(self.lines) and bool(self.lines)
        eols = [eol] * len(planned)
        if at_end and not self.lines[-1].eol:
            eols[-1] = ""
        new = self._read_back(planned, eols, parent)
        if at_end and not self.lines[-1].eol.endswith("\n"):
            last = self.lines[-1]
            last.eol = "\r\n" if last.eol == "\r" else eol
        self._shift(at, len(new))
        self.lines[at:at] = new
        return self._index(at, new, parent)

    def _index(self, at: int, new: list[Line], parent: Section) -> Section | None:
        """Add new lines (already in `lines`, from index `at`) to the section index."""
        first: Section | None = None
        stack = [parent]
        for index, line in enumerate(new, start=at):
            top = stack[-1]
            if line.kind == "item":
                top.items.insert(sum(1 for i in top.items if i < index), index)
            elif line.kind == "open":
                path = f"{top.path}.{line.name}" if top.path else line.name
                section = Section(line.name, index, None, path)
                position = sum(1 for s in top.sections if (s.open or 0) < index)
                top.sections.insert(position, section)
                stack.append(section)
                first = first or section
            elif line.kind == "close":
                stack.pop().close = index
        return first

    def _shift(self, at: int, by: int) -> None:
        """Move every index from `at` on by `by` lines."""
        for section in [self.root, *self.walk()]:
            if section.open is not None and section.open >= at:
                section.open += by
            if section.close is not None and section.close >= at:
                section.close += by
            section.items = [i + by if i >= at else i for i in section.items]

    def _delete(self, drop: frozenset[int]) -> None:
        """Remove the lines at the indices in `drop` (whole items and sections), one pass."""
        if not drop:
            return
        moved: list[int] = []
        kept = 0
        for index in range(len(self.lines)):
            moved.append(kept)
            kept += index not in drop
        self.lines[:] = [line for i, line in enumerate(self.lines) if i not in drop]
        for section in [self.root, *self.walk()]:
            section.items = [moved[i] for i in section.items if i not in drop]
            section.sections = [s for s in section.sections if s.open not in drop]
            if section.open is not None:
                section.open = moved[section.open]
            if section.close is not None:
                section.close = moved[section.close]


FGETS_BYTES = 511  # fgets(line, 512, fp): at most 511 bytes per read


def _c_view(raw: str, eol: str, number: int, source: str) -> tuple[str, int]:
    """(the text `parse_section()` handles, reads before it) for one physical line.

    The common line (no NUL, at most 510 bytes) is read whole by one `fgets()`.  Else the
    bytes are read in `fgets()` pieces of 511 and C sees each piece up to its first NUL: an
    empty piece is a blank line (each counts in corosync's line number), a piece that does
    not end the line and is not the end of the file is "Line too long"."""
    cr = 1 if eol.startswith("\r") else 0
    if "\x00" not in raw and (
        len(raw) * 4 + cr <= MAX_LINE_BYTES or _nbytes(raw) + cr <= MAX_LINE_BYTES
    ):
        return raw, 0
    data = (raw + eol).encode("utf-8", "surrogateescape")
    pieces = [data[i : i + FGETS_BYTES] for i in range(0, len(data), FGETS_BYTES)]
    for index, piece in enumerate(pieces):
        seen = piece.split(b"\x00", 1)[0]
        if not seen:
            continue
        at_eof = not piece.endswith(b"\n") and len(piece) < FGETS_BYTES
        if not seen.endswith(b"\n") and not at_eof:
            raise ConfigParseError("Line too long", source, number + index, MAX_LINE_BYTES + 1)
        seen = seen.removesuffix(b"\n")
        seen = seen.removesuffix(b"\r")
        return seen.decode("utf-8", "surrogateescape"), index
    return "", len(pieces) - 1


class _Unclosed(ConfigParseError):
    """The file ends inside a section: corosync names the last line it read."""


def _read(text: str, source: str) -> tuple[list[Line], Section, ConfigParseError | None]:
    """The document's lines and sections as far as `parse_section()` gets, and its error."""
    lines: list[Line] = []
    root = Section("", None, None, "")
    stack = [root]
    number = 0  # corosync's line_no: one per fgets()
    try:
        for raw, eol in split_lines(text):
            number += 1
            seen, extra = _c_view(raw, eol, number, source)
            number += extra
            line = Line(raw, eol, extra=extra)
            line.kind, line.name, line.value = _classify(
                seen, stack[-1].path, len(stack) - 1, source, number
            )
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
    except ConfigParseError as exc:
        return lines, root, exc
    if len(stack) > 1:
        opened = stack[-1]
        return (
            lines,
            root,
            _Unclosed(
                f"Missing closing brace (section '{printable(opened.path)}', opened at line "
                f"{opened.line}, is still open at the end of the file)",
                source,
                max(number, 1),
            ),
        )
    return lines, root, None


def parse(text: str, source: str = "corosync.conf") -> CorosyncConf:
    """Parse corosync.conf text; `ConfigParseError` names line and column of a refusal,
    at the line corosync names (`parse_section()`, reference 4.5)."""
    lines, root, error = _read(text, source)
    if error is not None:
        raise error
    return CorosyncConf(lines, root, source)


def _events(lines: list[Line]) -> Iterator[tuple[str, str, str, int]]:
    number = 0
    for line in lines:
        number += 1 + line.extra
        if line.kind in ("open", "close", "item"):
            yield line.kind, line.name, line.value, number


def refusals(
    doc: CorosyncConf, accounts: coroparse.Accounts | None = None
) -> list[coroparse.Refusal]:
    """Everything corosync's callback and cmap refuse in this document, in file order."""
    return coroparse.replay(_events(doc.lines), accounts)


def corosync_verdict(
    text: str, source: str = "corosync.conf", accounts: coroparse.Accounts | None = None
) -> coroparse.Refusal | None:
    """What corosync 3.1.7 reading this file (`corosync -t`) refuses first, or None.

    Of the syntax error that stops `parse_section()` and the refusals of its callback on
    the lines before, the first in the file wins, as corosync stops at the first."""
    lines, _, error = _read(text, source)
    found = coroparse.replay(_events(lines), accounts)
    if found:
        return found[0]
    if error is not None:
        message = "Missing closing brace" if isinstance(error, _Unclosed) else error.problem
        return coroparse.Refusal(error.line, message)
    return None


def dump(document: CorosyncConf) -> str:
    return document.dump()


# --- what corosync's parser callback refuses (main_config_parser_cb, conf.coroparse) ------
def value_problems(
    doc: CorosyncConf, accounts: coroparse.Accounts | None = None
) -> list[tuple[int, str]]:
    """(line, corosync's message) for every item or section end its callback refuses."""
    return [(r.line, r.message) for r in refusals(doc, accounts)]


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
    link_mode: str | None = None  # totem.link_mode as written (corosync's default: passive)

    def to_dict(self) -> dict[str, Any]:
        out = {"format": "corosync", "cluster_name": self.cluster.name, **self.cluster.to_dict()}
        out["config_version"] = self.cluster.config_version
        out["transport"] = self.transport
        out["link_mode"] = self.link_mode
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


def _version(doc: CorosyncConf, entry: tuple[str, int]) -> int:
    """`totem.config_version` as corosync reads it: `strtoull`, so "-1" is 2**64 - 1."""
    number = parse_uint64(entry[0])
    if number is None:
        raise ConfigParseError(
            f"config_version must be an unsigned 64-bit integer, got '{printable(entry[0], 40)}'",
            doc.source,
            entry[1],
        )
    return number


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


_RING_KEY = re.compile(r"ring([+-]?[0-9]+)(\S*)", re.ASCII)


def ring_number(key: str) -> int | None:
    """The link a nodelist key addresses, as corosync reads it: `sscanf(key, "ring%u%s")`
    with the rest exactly "_addr" (totemconfig.c), so `ring01_addr` is link 1 and a sign
    wraps as `%u` does (reference 4.6)."""
    match = _RING_KEY.fullmatch(key)
    if match is None or match.group(2) != "_addr":
        return None
    number = int(match.group(1))
    return number % 2**32 if number < 2**32 else 2**32 - 1


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
            number = ring_number(key)
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
    version = _version(doc, totem["config_version"]) if "config_version" in totem else None
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
    link_mode = totem["link_mode"][0] if "link_mode" in totem else None
    return CorosyncView(cluster, _links(doc, nodes), transport, tuple(node_lines), link_mode)


def to_cluster(doc: CorosyncConf) -> Cluster:
    """The `Cluster` of a document (see `view` for links and the rest)."""
    return view(doc).cluster


def canonical(doc: CorosyncConf) -> str:
    """The exact text Proxmox's `write_conf` would write for this document (reference 4.1)."""
    from pvequorum.conf import pve

    return pve.write_conf(pve.parse_conf(doc.dump(), doc.source))
