"""Proxmox's own view of corosync.conf: `PVE::Corosync::parse_conf()` and `write_conf()`.

Emulated rule for rule (PVE-CLUSTER `src/PVE/Corosync.pm`, reference 4.1 and 4.2) so that
a user can see the diff `pvecm` itself would produce, and so that `conf.validate` can say
where `pvecm` would die on a file corosync accepts:

* parse: `#` to end of line is removed *anywhere* (an inline `#` cuts the value), all
  whitespace collapses to single spaces, and the text is split on spaces; `X {` opens a
  section (only with a space before the brace); `node` and `interface` are arrays, any
  other repeated section dies; every other token must end in `:` and takes exactly the
  next token as its value (a value with spaces dies with "missing ':' after key");
* write: keys and sections sorted together (string order), nodes by `name // ring0_addr`,
  interfaces by `linknumber // ringnumber`, two spaces per level, a blank line after each
  top-level section including the last; comments are gone.
"""

from __future__ import annotations

import re
from typing import Any

from pvequorum.cvalues import one_line, printable
from pvequorum.errors import InputError

ARRAY_SECTIONS = ("node", "interface")
PERL_SPACE = " \t\n\r\f\v"  # Perl's \\s on bytes: what parse_conf splits the file at


class PveParseError(InputError):
    """`parse_conf` would die on this text: `pvecm` cannot read the file.

    The message quotes Perl's, with what it quotes from the file made printable
    (`cvalues.printable`): control characters and bytes that are not UTF-8 escaped, so
    that it stays one line."""

    def __init__(self, message: str, where: str | None = None) -> None:
        super().__init__(one_line(message), where)


def tokens(raw: str) -> list[str]:
    """`s/#.*$//mg; s/\\r?\\n/ /g; s/\\s+/ /g;` trimmed, then `split(/\\s/)`."""
    raw = re.sub(r"#[^\n]*", "", raw)
    raw = re.sub(f"[{PERL_SPACE}]+", " ", raw).strip(PERL_SPACE)
    return raw.split(" ") if raw else []


def parse_conf(raw: str, source: str = "corosync.conf") -> dict[str, Any]:
    """The hash `parse_conf` builds: nested dicts, `node`/`interface` as lists, last value wins.

    Raises `PveParseError` with Proxmox's own die message where it would die.
    """
    if not raw or raw == "0":  # `return {} if !$raw`, then write_conf dies on it
        raise PveParseError("no main section", source)
    toks = tokens(raw)
    main: dict[str, Any] = {}
    stack: list[dict[str, Any]] = []
    section = main
    i = 0
    while i < len(toks):
        token = toks[i]
        nexttok = toks[i + 1] if i + 1 < len(toks) else None
        i += 1
        if nexttok and nexttok != "0" and nexttok == "{":  # Perl: `$nexttok && ...`
            i += 1
            new: dict[str, Any] = {}
            if token in ARRAY_SECTIONS:
                existing = section.setdefault(token, [])
                if not isinstance(existing, list):
                    existing = section[token] = []
                existing.append(new)
            elif token not in section:
                section[token] = new
            else:
                raise PveParseError(
                    f"section '{printable(token)}' already exists and not marked as array!", source
                )
            stack.append(section)
            section = new
            continue
        if token == "}":
            if not stack:
                raise PveParseError("parse error - uncexpected '}'", source)
            section = stack.pop()
            continue
        if not token.endswith(":"):
            raise PveParseError(f"missing ':' after key '{printable(token)}'", source)
        key = token[:-1]
        if nexttok is None:
            raise PveParseError(f"parse error - no value for '{printable(key)}'", source)
        section[key] = nexttok
        i += 1
    return main


def _by(entries: list[dict[str, Any]], *keys: str) -> dict[str, dict[str, Any]]:
    """`map { $_->{a} // $_->{b} => $_ }`: later entries with the same key replace earlier."""
    out: dict[str, dict[str, Any]] = {}
    for entry in entries:
        key = next(
            (entry[k] for k in keys if k in entry and not isinstance(entry[k], (dict, list))), ""
        )
        out[key] = entry
    return out


def _dump(section: dict[str, Any], prefix: str, out: list[str]) -> None:
    for key in sorted(section):
        value = section[key]
        if isinstance(value, dict):
            out.append(f"{prefix}{key} {{\n")
            _dump(value, prefix + "  ", out)
            out.append(f"{prefix}}}\n")
            if not prefix:
                out.append("\n")  # an extra newline at the first level only
        elif isinstance(value, list):
            for child in value:
                out.append(f"{prefix}{key} {{\n")
                _dump(child, prefix + "  ", out)
                out.append(f"{prefix}}}\n")
        else:
            out.append(f"{prefix}{key}: {value}\n")


def write_conf(conf: dict[str, Any]) -> str:
    """`write_conf` on a `parse_conf` hash: the exact text `pvecm` writes (reference 4.1).

    Like the Perl code, a missing `nodelist` or `totem` section appears empty (autovivified).
    """
    main = {k: v for k, v in conf.items()}
    nodelist = dict(main["nodelist"]) if isinstance(main.get("nodelist"), dict) else {}
    totem = dict(main["totem"]) if isinstance(main.get("totem"), dict) else {}
    for section, key in ((nodelist, "node"), (totem, "interface")):
        if not isinstance(section.get(key, []), list):
            raise PveParseError(f'Can\'t use string ("{printable(section[key])}") as an ARRAY ref')
    nodes = _by(nodelist.get("node", []), "name", "ring0_addr")
    links = _by(totem.get("interface", []), "linknumber", "ringnumber")
    nodelist["node"] = [nodes[k] for k in sorted(nodes)]
    totem["interface"] = [links[k] for k in sorted(links)]
    main["nodelist"] = nodelist
    main["totem"] = totem
    out: list[str] = []
    _dump(main, "", out)
    return "".join(out)
