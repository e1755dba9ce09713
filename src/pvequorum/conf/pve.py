"""Proxmox's own view of corosync.conf: `PVE::Corosync::parse_conf()` and `write_conf()`.

Emulated rule for rule (PVE-CLUSTER `src/PVE/Corosync.pm`, reference 4.1 and 4.2) so that
a user can see the diff `pvecm` itself would produce, and so that `conf.validate` can say
where `pvecm` would die on a file corosync accepts.  `tests/test_conf_pve_perl.py` holds
this module to a fixture recorded by running the two Perl subs themselves
(`tools/record_pve_perl.py`): same death, same message, same bytes written.

* parse: an empty file or `0` is returned as `{}` without a main section (the write then
  dies "no main section"); `#` to end of line is removed *anywhere* (an inline `#` cuts
  the value), all white space (Perl's `\\s` on bytes: space, tab, LF, CR, FF, VT) collapses
  and the text is split there; a token followed by the token `{` opens a section (only
  with white space before the brace); `node` and `interface` are arrays, any other repeated
  section dies; every other token must end in `:` and takes exactly the next token as its
  value (a value with spaces dies with "missing ':' after key"); last value wins.
* then, still in `parse_conf`: `nodelist.node` becomes a hash keyed by `name // ring0_addr`
  and `totem.interface` one keyed by `linknumber // ringnumber` (a later entry with the same
  key replaces an earlier one).  A `nodelist`, `totem`, `node` or `interface` that is a
  value, not a section, dies here with Perl's "Can't use string (...)" (strict refs).
* write: keys and sections sorted together in byte order, nodes and interfaces by their
  key, two spaces per level, a blank line after each top-level section including the
  last; a missing `nodelist` or `totem` is written as an empty section; comments are gone.

Perl works on bytes, this project on `str` with undecodable bytes as surrogate escapes
(`pvequorum.textio`): every comparison and every length Perl takes in bytes is taken here
on `s.encode("utf-8", "surrogateescape")`.

Two deliberate, documented differences, both about things Perl cannot make deterministic or
bounded:

* a node whose `name` (or an interface whose `linknumber`) is itself a section is keyed in
  Perl by the section's address, `HASH(0x55d0...)`, so every such entry is kept and they
  sort by memory address, which changes from run to run and does not follow the file.
  Here the key is a `SectionKey`, shown and sorted as `HASH(0x<n>)` with `n` the
  section's position among all sections of the file (1 for the first opened; 12 hex
  digits, the width of a real address): such entries sort among themselves in file order.
  The recorder gives Perl's keys the same numbers (it learns each section's address as
  it is opened) before `write_conf` sorts them, so the fixture is deterministic too;
* `write_conf` refuses (PveParseError) to build more than `MAX_OUTPUT_CHARS` of text (deep
  nesting makes the indentation grow with the square of the depth); Perl would go on.

Messages are Perl's, made one line (`cvalues.one_line`), with each word quoted from the
file shown by `cvalues.printable` (cut after `WORD_LIMIT` characters); `shown()` is that
transformation applied to a message Perl printed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pvequorum.cvalues import one_line, printable
from pvequorum.errors import InputError

ARRAY_SECTIONS = ("node", "interface")
PERL_SPACE = " \t\n\r\f\v"  # Perl's \\s on bytes: what parse_conf splits the file at
WORD_LIMIT = 100  # characters of one quoted word in a message
MAX_OUTPUT_CHARS = 64 * 1024 * 1024  # write_conf refuses to build more (see the docstring)
_SPACE_RUN = re.compile(f"[{PERL_SPACE}]+")
_WORD = re.compile(f"[^{PERL_SPACE}]+")
_COMMENT = re.compile(r"#[^\n]*")  # `s/#.*$//mg`: `.` is any byte but LF


class PveParseError(InputError):
    """`parse_conf` (or `write_conf`) would die on this: `pvecm` cannot read (write) the file.

    The message quotes Perl's, with what it quotes from the file made printable
    (`cvalues.printable`): control characters and bytes that are not UTF-8 escaped, so
    that it stays one line.  `line` is the 1-based line of the token Perl dies at (None
    when no one line is to blame)."""

    def __init__(self, message: str, where: str | None = None, line: int | None = None) -> None:
        self.line = line
        if where is not None and line is not None:
            where = f"{where}: line {line}"
        super().__init__(one_line(message), where)


@dataclass(frozen=True, slots=True, order=True)
class SectionKey:
    """The key Perl gives a node (interface) whose `name` (`linknumber`) is a section: the
    section's address.  Here: its position among the file's sections, so that it is the
    same on every run (see the module docstring)."""

    ordinal: int

    def __str__(self) -> str:
        return f"HASH(0x{self.ordinal:012x})"


class Token(NamedTuple):
    """One word of the file as `split(/\\s/)` gives it, with the 1-based line it is on."""

    text: str
    line: int


class Event(NamedTuple):
    """What the parser did with the words starting at `line`: `open` a section `name`,
    `close` one, or set `key` `name` to `value` (whose word is on `value_line`)."""

    kind: str
    name: str
    line: int
    value: str | None = None
    value_line: int | None = None


@dataclass
class Reading:
    """A whole run of the parser: the hash (None without a main section), what it did, and
    where it died (see `read`)."""

    main: dict[str, Any] | None
    events: list[Event] = field(default_factory=list)
    deaths: list[PveParseError] = field(default_factory=list)


def _bytes(text: str) -> bytes:
    """The bytes Perl holds for `text` (a lone surrogate that is no escape: as UTF-8 would)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def _word(text: str) -> str:
    return printable(text, WORD_LIMIT)


def _no_symref(value: str, what: str) -> str:
    """Perl's strict-refs death: at most 32 bytes of the string, then `...`."""
    data = _bytes(value)
    cut = data[:32].decode("utf-8", "surrogateescape")
    more = "..." if len(data) > 32 else ""
    return f'Can\'t use string ("{printable(cut)}"{more}) as {what} ref while "strict refs" in use'


_QUOTED = re.compile(
    r"(?s)(missing ':' after key '|parse error - no value for '|section ')(.*)"
    r"('(?: already exists and not marked as array!)?)\Z"
)


def shown(perl_message: str) -> str:
    """What `PveParseError` says for a message Perl printed (file text as surrogate escapes,
    without ` at FILE line N.`): one line, the quoted word cut as `printable` cuts."""
    found = _QUOTED.match(perl_message)
    if found:
        return one_line(found.group(1) + _word(found.group(2)) + found.group(3))
    return one_line(perl_message)


def tokens(raw: str) -> list[str]:
    """`s/#.*$//mg; s/\\r?\\n/ /g; s/\\s+/ /g;` trimmed, then `split(/\\s/)`."""
    raw = _SPACE_RUN.sub(" ", _COMMENT.sub("", raw)).strip(PERL_SPACE)
    return raw.split(" ") if raw else []


def _words(raw: str) -> tuple[list[str], list[int]]:
    """The words of `tokens(raw)` and, in step, the 1-based line each is on.  A `#` cuts
    only its own line (a comment holds no LF), so the file's line numbers are Perl's."""
    texts: list[str] = []
    lines: list[int] = []
    for number, piece in enumerate(raw.split("\n"), 1):
        words = _WORD.findall(piece.partition("#")[0])
        if words:
            texts += words
            lines += [number] * len(words)
    return texts, lines


def scan(raw: str) -> list[Token]:
    """`tokens(raw)`, each with the line it is on."""
    return [Token(text, line) for text, line in zip(*_words(raw), strict=True)]


_KEYED_BY = frozenset({"name", "ring0_addr", "linknumber", "ringnumber"})
_HOLDERS = frozenset({"nodelist", "totem", *ARRAY_SECTIONS})
MAX_DEATHS = 100  # `read` stops after this many: the first is Perl's, the rest are hints


class _Stop(Exception):
    """`read` has recorded `MAX_DEATHS` deaths."""


class _Parser:
    """The `while (defined(my $token = shift @tokens))` loop and what follows it.

    With `recover`, a death is recorded and the parser goes on as a user fixing that spot
    would have it (the rest of the line dropped, a line ending in `{` still opening a
    section), so that one run finds every line pvecm would die on; only the first death is
    Perl's, the others are what it would say next.  Only then are events recorded."""

    def __init__(self, raw: str, source: str, recover: bool) -> None:
        self.source = source
        self.recover = recover
        self.texts, self.lines = _words(raw)
        self.reading = Reading({})
        self.opened = 0  # sections opened so far: a SectionKey's ordinal
        self.ordinal: dict[int, int] = {}  # id(section) -> ordinal, for _KEYED_BY only
        self.kept: list[dict[str, Any]] = []  # ... which stay alive, so their ids stay theirs
        self.value_lines: dict[tuple[int, str], int] = {}  # for _HOLDERS only

    def die(self, message: str, line: int | None) -> None:
        error = PveParseError(message, self.source, line)
        if not self.recover:
            raise error
        self.reading.deaths.append(error)
        if len(self.reading.deaths) >= MAX_DEATHS:
            raise _Stop

    def new_section(self, name: str) -> dict[str, Any]:
        new: dict[str, Any] = {}
        self.opened += 1
        if name in _KEYED_BY:
            self.ordinal[id(new)] = self.opened
            self.kept.append(new)
        return new

    def run(self) -> Reading:
        main = self.reading.main
        assert main is not None
        try:
            self.loop(main)
            self.index(main, "nodelist", "node", ("name", "ring0_addr"))
            self.index(main, "totem", "interface", ("linknumber", "ringnumber"))
        except _Stop:
            pass
        return self.reading

    def loop(self, main: dict[str, Any]) -> None:
        texts, lines = self.texts, self.lines
        events = self.reading.events if self.recover else None
        count = len(texts)
        stack: list[dict[str, Any]] = []
        section = main
        i = 0
        while i < count:
            token, line = texts[i], lines[i]
            nexttok = texts[i + 1] if i + 1 < count else None
            i += 1
            if nexttok == "{":  # `$nexttok && $nexttok eq '{'`
                i += 1
                new = self.new_section(token)
                if token in ARRAY_SECTIONS:
                    existing = section.setdefault(token, [])
                    if isinstance(existing, list):
                        existing.append(new)
                    else:  # `push @{ "value" }`
                        self.die(_no_symref(existing, "an ARRAY"), line)
                        section[token] = [new]  # recovering: as if the value were not there
                elif token not in section:
                    section[token] = new
                else:
                    self.die(
                        f"section '{_word(token)}' already exists and not marked as array!", line
                    )
                if events is not None:
                    events.append(Event("open", token, line))
                stack.append(section)
                section = new
            elif token == "}":
                if not stack:
                    self.die("parse error - uncexpected '}'", line)
                    continue
                if events is not None:
                    events.append(Event("close", "}", line))
                section = stack.pop()
            elif not token.endswith(":"):
                self.die(f"missing ':' after key '{_word(token)}'", line)
                # recovering: the rest of this line goes; a line ending in `{` still opens
                last = token
                while i < count and lines[i] == line:
                    last = texts[i]
                    i += 1
                if last.endswith("{"):
                    stack.append(section)
                    section = self.new_section(last)
            elif nexttok is None:
                self.die(f"parse error - no value for '{_word(token[:-1])}'", line)
                return
            else:
                key = token[:-1]
                section[key] = nexttok
                if key in _HOLDERS:
                    self.value_lines[id(section), key] = lines[i]
                if events is not None:
                    events.append(Event("key", key, line, nexttok, lines[i]))
                i += 1

    def index(self, main: dict[str, Any], outer: str, inner: str, keys: tuple[str, str]) -> None:
        """`$nodelist->{node} = { map { $_->{name} // $_->{ring0_addr} => $_ } @{...} }`."""
        holder = main.get(outer)
        if holder is None:  # Perl autovivifies a copy of it, not the section in the hash
            return
        if not isinstance(holder, dict):
            self.die(_no_symref(holder, "a HASH"), self.value_lines.get((id(main), outer)))
            return
        entries = holder.get(inner, [])
        if not isinstance(entries, list):
            self.die(_no_symref(entries, "an ARRAY"), self.value_lines.get((id(holder), inner)))
            return
        keyed: dict[str | SectionKey, Any] = {}
        for entry in entries:
            value = entry.get(keys[0])
            if value is None:
                value = entry.get(keys[1])
            if isinstance(value, str):
                keyed[value] = entry
            elif value is None:  # undef as a hash key: ""
                keyed[""] = entry
            else:
                keyed[SectionKey(self.ordinal.get(id(value), 0))] = entry
        holder[inner] = keyed


def read(raw: str, source: str = "corosync.conf") -> Reading:
    """Every death (the first one Perl's, the next ones what it would say once each is
    fixed) and everything the parser did: for `conf.validate`.  Never raises."""
    if not raw or raw == "0":  # `return {} if !$raw`
        return Reading(None)
    return _Parser(raw, source, recover=True).run()


def parse_conf(raw: str, source: str = "corosync.conf") -> dict[str, Any] | None:
    """`$conf->{main}` as `parse_conf` leaves it: nested dicts, repeated `node`/`interface`
    as lists, `nodelist.node` and `totem.interface` as dicts keyed as Perl keys them (a
    `SectionKey` for a section); None for an empty file or `0` (no main section).

    Raises `PveParseError` with Proxmox's own die message where it would die.
    """
    if not raw or raw == "0":  # `return {} if !$raw`: write_conf dies on it, not this
        return None
    return _Parser(raw, source, recover=False).run().main


def _sort_key(key: str | SectionKey) -> bytes:
    return _bytes(str(key))


def _items(section: dict[str, Any], prefix: str) -> Iterator[tuple[str, Any, str]]:
    """(key, value, closer) in the order `dump_section` writes them; arrays expanded."""
    for key in sorted(section, key=_sort_key):
        value = section[key]
        if isinstance(value, dict):
            yield key, value, f"{prefix}}}\n" + ("" if prefix else "\n")
        elif isinstance(value, list):
            for child in value:
                yield key, child, f"{prefix}}}\n"
        else:
            yield key, value, ""


def _dump(main: dict[str, Any]) -> str:
    """`$dump_section->($c, '')`, iteratively: nesting depth costs no Python stack."""
    out: list[str] = []
    size = 0
    stack: list[tuple[Iterator[tuple[str, Any, str]], str, str]] = [(_items(main, ""), "", "")]
    while stack:
        items, prefix, closer = stack[-1]
        entry = next(items, None)
        if entry is None:
            stack.pop()
            piece = closer
        else:
            key, value, child_closer = entry
            if isinstance(value, dict):
                piece = f"{prefix}{key} {{\n"
                stack.append((_items(value, prefix + "  "), prefix + "  ", child_closer))
            elif isinstance(value, str):
                piece = f"{prefix}{key}: {value}\n"
            elif value is None:
                raise PveParseError(f"got undefined value for key '{_word(key)}'!")
            else:
                raise PveParseError(
                    f"unexpected reference in config hash: {_word(key)} => {type(value).__name__}"
                )
        size += len(piece)
        if size > MAX_OUTPUT_CHARS:
            raise PveParseError(
                f"write_conf's output would be larger than {MAX_OUTPUT_CHARS} characters "
                f"(sections nested {len(stack)} deep): not written"
            )
        out.append(piece)
    return "".join(out)


def _as_array(value: object, what: str) -> list[Any]:
    """`$hash_to_array`: the values of the keyed hash, in key order (undef: empty)."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [value[k] for k in sorted(value, key=_sort_key)]
    if isinstance(value, str):
        raise PveParseError(_no_symref(value, "a HASH"))
    raise PveParseError(f"Not a HASH reference ({what})")


def write_conf(conf: dict[str, Any] | None) -> str:
    """`write_conf` on a `parse_conf` result: the exact text `pvecm` writes (reference 4.1).

    Like the Perl code, a missing `nodelist` or `totem` section appears empty (autovivified),
    and a result without main section (an empty file) dies "no main section".
    """
    if conf is None:  # `clone($conf->{main}) // die "no main section"`
        raise PveParseError("no main section")
    main = dict(conf)
    for outer, inner in (("nodelist", "node"), ("totem", "interface")):
        holder = main.get(outer)
        if holder is None:
            holder = {}
        elif not isinstance(holder, dict):
            raise PveParseError(_no_symref(str(holder), "a HASH"))
        holder = dict(holder)
        holder[inner] = _as_array(holder.get(inner), f"{outer}.{inner}")
        main[outer] = holder
    return _dump(main)
