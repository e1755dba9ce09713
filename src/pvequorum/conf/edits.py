"""Exact config edits: new text, a unified diff, and the findings on the result.

Every transform touches only the lines it must change plus the version line, and always
increments `config_version` (corosync: `totem.config_version`; cman: the `<cluster>`
attribute), because pmxcfs distributes a file only when its version grew (reference 4.3,
8.1).  New lines copy a sibling's indentation and the file's line ending.  An edit whose
result corosync (or cman) refuses to start with raises `EditRefused` unless `force=True`.
"""

from __future__ import annotations

import difflib
import ipaddress
from dataclasses import dataclass

from pvequorum.conf import clusterconf, corosync, validate
from pvequorum.conf.clusterconf import ClusterConf
from pvequorum.conf.corosync import ConfigParseError, CorosyncConf, Line, Section
from pvequorum.conf.xmltok import Element, Position
from pvequorum.cvalues import is_ascii_int, parse_uint64, printable
from pvequorum.errors import InputError
from pvequorum.model import is_hostname


class EditRefused(InputError):
    """The edited config would be refused by corosync/cman; the message says why."""


@dataclass(frozen=True)
class EditResult:
    new_text: str
    diff: str
    findings: tuple[validate.Finding, ...]
    notes: tuple[str, ...] = ()
    old_text: str = ""


def detect_stack(text: str) -> str:
    """cluster.conf is XML (cman, reference 8.1); anything else is corosync.conf."""
    from pvequorum.conf import kind_of

    return kind_of(text)


def unified_diff(old: str, new: str, name: str) -> str:
    """A unified diff with `a/NAME` and `b/NAME` headers (lines keep their own endings)."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{name}", f"b/{name}"
    )
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _name(source: str) -> str:
    return source.replace("\\", "/").rsplit("/", 1)[-1] or "config"


def _parse(text: str, stack: str, source: str) -> CorosyncConf | ClusterConf:
    """The document of `text` in the given stack's format (for validating a result)."""
    if stack == "cman":
        return clusterconf.parse(text, source)
    return corosync.parse(text, source)


def _finish(
    old: str, new: str, stack: str, source: str, force: bool, notes: tuple[str, ...] = ()
) -> EditResult:
    findings = tuple(validate.validate_document(_parse(new, stack, source)))
    refusals = [f for f in findings if f.refuses_to_start]
    if refusals and not force:
        daemon = "cman" if stack == "cman" else "corosync"
        raise EditRefused(
            f"refused, {daemon} would not start with the result: {refusals[0].code} "
            f"{refusals[0].message} (force to write it anyway)",
            source,
        )
    return EditResult(new, unified_diff(old, new, _name(source)), findings, notes, old)


def _finish_cman(
    old: str, new: str, source: str, force: bool, notes: tuple[str, ...] = ()
) -> EditResult:
    """Bump `<cluster config_version>` of the edited text, then validate it."""
    return _finish(old, _bump_cman(new, source, original=old), "cman", source, force, notes)


def _finish_corosync(
    old: str, doc: CorosyncConf, source: str, force: bool, notes: tuple[str, ...] = ()
) -> EditResult:
    """Bump `totem.config_version` of the edited document, then validate it."""
    _refuse_huge_version(old, doc.get("totem.config_version"), "corosync", source)
    return _finish(old, _bump(doc).dump(), "corosync", source, force, notes)


# --- corosync.conf line operations ---------------------------------------------------------
def indent_unit(doc: CorosyncConf) -> str:
    """One level of indentation as the file uses it (first nested line), else two spaces."""
    for section in doc.walk():
        children = [doc.lines[i] for i in section.items] + [
            doc.lines[s.open] for s in section.sections if s.open is not None
        ]
        base = doc.lines[section.open].indent if section.open is not None else ""
        for line in children:
            if line.indent.startswith(base) and len(line.indent) > len(base):
                return line.indent[len(base) :]
    return "  "


def child_indent(doc: CorosyncConf, section: Section) -> str:
    """Indentation of a new line in `section`: a sibling's, else the brace's plus one level."""
    if section.items:
        return doc.lines[section.items[0]].indent
    for sub in section.sections:
        if sub.open is not None:
            return doc.lines[sub.open].indent
    if section.open is None:
        return ""
    return doc.lines[section.open].indent + indent_unit(doc)


def _splice(doc: CorosyncConf, start: int, end: int, new_lines: list[str]) -> CorosyncConf:
    """Replace lines[start:end] by `new_lines` (texts without endings); re-parse."""
    eol = doc.newline
    before = list(doc.lines[:start])
    after = list(doc.lines[end:])
    if before and not before[-1].eol.endswith("\n") and new_lines:
        last = before[-1]
        before[-1] = Line(last.text, last.eol + eol if last.eol == "\r" else eol)
    added = [Line(text, eol) for text in new_lines]
    if not after and added and start == len(doc.lines) and doc.lines and not doc.lines[-1].eol:
        added[-1].eol = ""  # keep "no final newline" when appending at the very end
    text = "".join(line.text + line.eol for line in before + added + after)
    return corosync.parse(text, doc.source)


def _ensure_section(doc: CorosyncConf, path: str) -> tuple[CorosyncConf, Section]:
    section = doc.find(path)
    if section is not None:
        return doc, section
    parent_path, _, name = path.rpartition(".")
    doc, parent = _ensure_section(doc, parent_path)
    if parent.open is None:  # a new top-level section goes at the end, after a blank line
        at = len(doc.lines)
        lines = [f"{name} {{", "}"]
        if doc.lines and doc.lines[-1].kind != "blank":
            lines.insert(0, "")
    else:
        at = parent.close if parent.close is not None else len(doc.lines)
        indent = child_indent(doc, parent)
        lines = [f"{indent}{name} {{", f"{indent}}}"]
    doc = _splice(doc, at, at, lines)
    found = doc.find(path)
    assert found is not None
    return doc, found


def _insert_at(section: Section) -> int:
    """Where a new key goes: after the section's last key, else right before its `}`."""
    if section.items:
        return section.items[-1] + 1
    assert section.close is not None
    return section.close


def _replace_value(doc: CorosyncConf, index: int, value: str) -> CorosyncConf:
    """Rewrite the value of one `key: value` line, keeping its key, blanks and ending."""
    line = doc.lines[index]
    text = line.text
    colon = text.index(":")
    rest = text[colon + 1 :]
    spacing = rest[: len(rest) - len(rest.lstrip(" \t"))] or " "
    trailing = text[len(text.rstrip(" \t")) :] if line.value else ""
    lines = list(doc.lines)
    lines[index] = Line(text[: colon + 1] + spacing + value + trailing, line.eol)
    return corosync.parse("".join(x.text + x.eol for x in lines), doc.source)


def set_key(doc: CorosyncConf, path: str, key: str, value: str) -> CorosyncConf:
    """Set `key: value` in the section at `path`: one line rewritten, or one line added."""
    for section in reversed(doc.sections(path)):
        index = doc.item(section, key)
        if index is not None:  # the last occurrence is the one corosync uses
            return _replace_value(doc, index, value)
    doc, section = _ensure_section(doc, path)
    at = _insert_at(section)
    return _splice(doc, at, at, [f"{child_indent(doc, section)}{key}: {value}"])


def _without_lines(doc: CorosyncConf, drop: set[int]) -> CorosyncConf:
    """The document without the lines at the indices in `drop`: one pass, one re-parse."""
    if not drop:
        return doc
    kept = "".join(line.text + line.eol for i, line in enumerate(doc.lines) if i not in drop)
    return corosync.parse(kept, doc.source)


def remove_key(doc: CorosyncConf, path: str, key: str) -> CorosyncConf:
    """Remove every `key:` line of the sections at `path` (corosync merges them)."""
    drop = {i for s in doc.sections(path) for i in s.items if doc.lines[i].name == key}
    return _without_lines(doc, drop)


def _remove_block(doc: CorosyncConf, section: Section) -> CorosyncConf:
    assert section.open is not None and section.close is not None
    return _splice(doc, section.open, section.close + 1, [])


def _bump(doc: CorosyncConf, version: int | None = None) -> CorosyncConf:
    current = corosync.parse_int(doc.get("totem.config_version") or "")
    new = version if version is not None else (current + 1 if current and current > 0 else 1)
    return set_key(doc, "totem", "config_version", str(new))


def _refuse_huge_version(old: str, version: str | None, stack: str, source: str) -> None:
    """A config_version beyond the uint64 corosync (and pmxcfs) keep cannot be incremented:
    restarting at 1 would be a lower version, which pmxcfs never distributes (4.3).

    `version` is the value before the bump (edits never change it otherwise); only when it
    is refused is the original text parsed again, for the line to name."""
    text = (version or "").strip(" \t\n\v\f\r")
    if not is_ascii_int(text) or parse_uint64(text) is not None:
        return
    line, column = 1, 1
    if stack == "cman":
        attr = clusterconf.parse(old, source).root.tag.attr("config_version")
        if attr is not None:
            line, column = Position(old)(attr.value_start)
    else:
        line = corosync.parse(old, source).line_of("totem.config_version") or 1
    raise ConfigParseError(
        f"config_version '{printable(text, 40)}' is beyond {2**64 - 1} (the uint64 corosync "
        "and pmxcfs keep): it cannot be incremented",
        source,
        line,
        column,
    )


def _node_section(doc: CorosyncConf, name: str) -> Section:
    names = []
    for section in doc.sections("nodelist.node"):
        values = doc.values(section)
        node_name = values.get("name", values.get("ring0_addr", ("", 0)))[0]
        if node_name == name:
            return section
        names.append(node_name)
    nodelist = doc.find("nodelist")
    where = f"{doc.source}: line {nodelist.line}" if nodelist else doc.source
    known = ", ".join(printable(n, 40) for n in names[:10]) or "none"
    more = f" and {len(names) - 10} more" if len(names) > 10 else ""
    raise InputError(f"unknown node '{printable(name, 40)}'; the nodelist has {known}{more}", where)


# --- cluster.conf helpers ------------------------------------------------------------------
def _bump_cman(
    text: str, source: str, version: int | None = None, original: str | None = None
) -> str:
    doc = clusterconf.parse(text, source)
    if version is None:
        _refuse_huge_version(original or text, doc.root.get("config_version"), "cman", source)
    current = corosync.parse_int(doc.root.get("config_version") or "")
    value = version if version is not None else (current + 1 if current and current > 0 else 1)
    return clusterconf.set_attribute(doc, doc.root, "config_version", str(value))


def _clusternode(doc: ClusterConf, name: str) -> Element:
    nodes = doc.all("clusternode")
    for element in nodes:
        if element.get("name") == name:
            return element
    names = ", ".join(printable(e.get("name") or "?", 40) for e in nodes[:10]) or "none"
    names += f" and {len(nodes) - 10} more" if len(nodes) > 10 else ""
    raise InputError(
        f"unknown node '{printable(name, 40)}'; <clusternodes> has {names}",
        f"{doc.source}: line {doc.line_of(nodes[0]) if nodes else 1}",
    )


def _stack(text: str, stack: str | None) -> str:
    return stack or detect_stack(text)


def _source(source: str | None, stack: str) -> str:
    return source or ("cluster.conf" if stack == "cman" else "corosync.conf")


# --- public transforms ---------------------------------------------------------------------
# Each transform checks its arguments, then hands the text to one step per stack: a cman
# step returns the edited cluster.conf text, a corosync step the edited document; the
# `_finish_*` helper bumps the version and validates.  Keeping the two stacks in separate
# functions keeps each document in a variable of its own type.
def _two_node_on_cman(text: str, source: str) -> str:
    """Each attribute is set on a fresh parse: the previous edit moved the offsets after it."""
    new = text
    for name in ("expected_votes", "two_node"):  # each goes first: two_node leads
        doc = clusterconf.parse(new, source)
        cman = doc.root.find("cman")
        if cman is None:
            return clusterconf.insert_child(
                doc, doc.root, '<cman two_node="1" expected_votes="1"/>'
            )
        new = clusterconf.set_attribute(doc, cman, name, "1", first=True)
    return new


def _two_node_off_cman(text: str, source: str) -> str:
    """Both attributes go, each from a fresh parse (as above); refused when two_node is unset."""
    cman = clusterconf.parse(text, source).root.find("cman")
    if cman is None or cman.get("two_node") is None:
        raise InputError("<cman two_node> is not set: nothing to disable", source)
    new = text
    for name in ("two_node", "expected_votes"):
        doc = clusterconf.parse(new, source)
        cman = doc.root.find("cman")
        if cman is not None:
            new = clusterconf.remove_attribute(doc, cman, name)
    return new


def _two_node_on_corosync(doc: CorosyncConf) -> tuple[CorosyncConf, tuple[str, ...]]:
    """`two_node: 1`, with a note on the wait_for_all it implies (reference 1.5)."""
    doc = set_key(doc, "quorum", "two_node", "1")
    wfa = doc.get("quorum.wait_for_all")
    if wfa is None:
        note = (
            "two_node: 1 also turns wait_for_all on (wait_for_all is absent): after a full "
            "shutdown one node alone stays inquorate until it has seen its peer once; "
            "write wait_for_all: 0 to opt out (reference 1.5, 1.7)"
        )
        return doc, (note,)
    if corosync.parse_int(wfa) == 0:
        return doc, ("wait_for_all: 0 is set explicitly, so two_node does not turn it on",)
    return doc, ()


def _two_node_off_corosync(doc: CorosyncConf, source: str) -> tuple[CorosyncConf, tuple[str, ...]]:
    """No `two_node:`, with a note when that also drops the implied wait_for_all."""
    was = corosync.parse_int(doc.get("quorum.two_node") or "")
    if was is None:
        raise InputError("two_node is not set: nothing to disable", source)
    doc = remove_key(doc, "quorum", "two_node")
    if was and doc.get("quorum.wait_for_all") is None:
        return doc, ("wait_for_all was implied by two_node and is now off as well (1.5)",)
    return doc, ()


def set_two_node(
    text: str,
    enable: bool,
    *,
    stack: str | None = None,
    source: str | None = None,
    force: bool = False,
) -> EditResult:
    """Two-node mode on or off.

    cman: `two_node="1" expected_votes="1"` put first on `<cman>`, exactly as the source
    article shows (cman(5), reference 8.3); off removes both.  corosync: `two_node: 1` in
    `quorum {}`; when `wait_for_all` is absent this turns wait_for_all on (reference 1.5).
    """
    stack = _stack(text, stack)
    source = _source(source, stack)
    if stack == "cman":
        new = _two_node_on_cman(text, source) if enable else _two_node_off_cman(text, source)
        return _finish_cman(text, new, source, force)
    doc = corosync.parse(text, source)
    doc, notes = _two_node_on_corosync(doc) if enable else _two_node_off_corosync(doc, source)
    return _finish_corosync(text, doc, source, force, notes)


def set_config_version(
    text: str, version: int, *, stack: str | None = None, source: str | None = None
) -> EditResult:
    """Set config_version to `version` (rollback content must carry a higher version, 4.3)."""
    stack = _stack(text, stack)
    source = _source(source, stack)
    if stack == "cman":
        return _finish(text, _bump_cman(text, source, version), "cman", source, True)
    new = _bump(corosync.parse(text, source), version).dump()
    return _finish(text, new, "corosync", source, True)


def _votes_cman(text: str, source: str, node: str, votes: int) -> str:
    doc = clusterconf.parse(text, source)
    return clusterconf.set_attribute(doc, _clusternode(doc, node), "votes", str(votes))


def _votes_corosync(doc: CorosyncConf, node: str, votes: int) -> CorosyncConf:
    """`quorum_votes` in the named node's own section: rewritten, or added after its keys."""
    section = _node_section(doc, node)
    index = doc.item(section, "quorum_votes")
    if index is not None:
        return _replace_value(doc, index, str(votes))
    at = _insert_at(section)
    return _splice(doc, at, at, [f"{child_indent(doc, section)}quorum_votes: {votes}"])


def set_votes(
    text: str,
    node: str,
    votes: int,
    *,
    stack: str | None = None,
    source: str | None = None,
    force: bool = False,
) -> EditResult:
    """Set one node's votes: `quorum_votes` in its `node {}` (cman: `votes` on clusternode)."""
    stack = _stack(text, stack)
    source = _source(source, stack)
    if isinstance(votes, bool) or not isinstance(votes, int) or votes < 0:
        raise InputError(f"votes must be an integer >= 0, got {votes!r}", source)
    if stack == "cman":
        return _finish_cman(text, _votes_cman(text, source, node, votes), source, force)
    doc = _votes_corosync(corosync.parse(text, source), node, votes)
    return _finish_corosync(text, doc, source, force)


def _expected_votes_cman(text: str, source: str, value: int | None) -> str:
    doc = clusterconf.parse(text, source)
    cman = doc.root.find("cman")
    if cman is None:
        if value is None:
            return text
        return clusterconf.insert_child(doc, doc.root, f'<cman expected_votes="{value}"/>')
    if value is None:
        if cman.get("expected_votes") is None:
            raise InputError("<cman expected_votes> is not set: nothing to remove", source)
        return clusterconf.remove_attribute(doc, cman, "expected_votes")
    return clusterconf.set_attribute(doc, cman, "expected_votes", str(value))


def _expected_votes_corosync(doc: CorosyncConf, source: str, value: int | None) -> CorosyncConf:
    if value is not None:
        return set_key(doc, "quorum", "expected_votes", str(value))
    if doc.get("quorum.expected_votes") is None:
        raise InputError("quorum.expected_votes is not set: nothing to remove", source)
    return remove_key(doc, "quorum", "expected_votes")


def set_expected_votes(
    text: str,
    value: int | None,
    *,
    stack: str | None = None,
    source: str | None = None,
    force: bool = False,
) -> EditResult:
    """Set or remove `quorum.expected_votes` (cman: the `<cman expected_votes>` attribute).

    Writing it is what CQ211 warns about: a permanent override of the nodelist sum.
    """
    stack = _stack(text, stack)
    source = _source(source, stack)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise InputError(f"expected_votes must be an integer >= 1, got {value!r}", source)
    if stack == "cman":
        return _finish_cman(text, _expected_votes_cman(text, source, value), source, force)
    doc = _expected_votes_corosync(corosync.parse(text, source), source, value)
    return _finish_corosync(text, doc, source, force)


def check_address(address: str, where: str | None = None) -> str:
    """An IPv4 or IPv6 address, as `pvecm` takes for link0 and the qnetd host."""
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        raise InputError(f"{address!r} is not an IP address", where) from None


def _corosync_only(stack: str, what: str, source: str) -> None:
    if stack == "cman":
        raise InputError(
            f"{what} is for corosync.conf (PVE 4+); a cman cluster.conf uses a quorum disk "
            "(<quorumd>) instead, see reference 8.3",
            source,
        )


def _node_count(doc: CorosyncConf) -> int:
    return len(doc.sections("nodelist.node"))


def add_qdevice(
    text: str,
    host: str,
    *,
    algorithm: str | None = None,
    stack: str | None = None,
    source: str | None = None,
    force: bool = False,
) -> EditResult:
    """The `quorum.device` section `pvecm qdevice setup` writes (reference 3.3).

    ffsplit with `votes: 1` for an even node count; lms without `votes` (corosync gives it
    N-1) for an odd one, which Proxmox allows only with --force (finding CQ220).
    """
    stack = _stack(text, stack)
    source = _source(source, stack)
    _corosync_only(stack, "a QDevice", source)
    doc = corosync.parse(text, source)
    nodelist = doc.find("nodelist")
    where = f"{source}: line {nodelist.line}" if nodelist else source
    host = check_address(host, where)
    if doc.find("quorum.device") is not None:
        raise InputError(
            "QDevice already configured!",
            f"{source}: line {doc.sections('quorum.device')[0].line}",
        )
    algorithm = algorithm or ("ffsplit" if _node_count(doc) % 2 == 0 else "lms")
    if algorithm not in ("ffsplit", "lms"):
        raise InputError(f"algorithm must be ffsplit or lms, got {algorithm!r}", source)
    doc, quorum = _ensure_section(doc, "quorum")
    pad = child_indent(doc, quorum)
    step = indent_unit(doc)
    block = [
        f"{pad}device {{",
        f"{pad}{step}model: net",
        f"{pad}{step}net {{",
        f"{pad}{step}{step}algorithm: {algorithm}",
        f"{pad}{step}{step}host: {host}",
        f"{pad}{step}{step}tls: on",
        f"{pad}{step}}}",
    ]
    if algorithm == "ffsplit":
        block.append(f"{pad}{step}votes: 1")
    block.append(f"{pad}}}")
    assert quorum.close is not None
    doc = _splice(doc, quorum.close, quorum.close, block)
    return _finish_corosync(text, doc, source, force)


def remove_qdevice(
    text: str, *, stack: str | None = None, source: str | None = None, force: bool = False
) -> EditResult:
    """Delete the `quorum.device` section, as `pvecm qdevice remove` does (reference 3.3)."""
    stack = _stack(text, stack)
    source = _source(source, stack)
    _corosync_only(stack, "a QDevice", source)
    doc = corosync.parse(text, source)
    devices = doc.sections("quorum.device")
    if not devices:
        raise InputError("no QDevice configured (no quorum.device section)", source)
    drop: set[int] = set()
    for device in devices:
        assert device.open is not None and device.close is not None
        drop.update(range(device.open, device.close + 1))
    return _finish_corosync(text, _without_lines(doc, drop), source, force)


def _lowest_free_nodeid(used: set[int | None]) -> int:
    """The lowest nodeid from 1 that no node has, as `pvecm addnode` picks it (4.1)."""
    return next(i for i in range(1, len(used) + 2) if i not in used)


def _add_node_cman(
    text: str, source: str, name: str, address: str | None, votes: int | None
) -> tuple[str, tuple[str, ...]]:
    """The text with a new `<clusternode>`, and a note when an address was given."""
    doc = clusterconf.parse(text, source)
    notes: tuple[str, ...] = ()
    if address is not None:
        check_address(address, source)
        notes = ("cluster.conf holds no addresses: cman resolves the node name",)
    nodes = doc.all("clusternode")
    if any(e.get("name") == name for e in nodes):
        raise InputError(f"node {name!r} already exists", source)
    nodeid = _lowest_free_nodeid({corosync.parse_int(e.get("nodeid") or "") for e in nodes})
    parent = doc.root.find("clusternodes")
    if parent is None:
        raise InputError("no <clusternodes> element to add the node to", source)
    votes_attr = f' votes="{votes}"' if votes is not None else ""
    markup = f'<clusternode name="{name}"{votes_attr} nodeid="{nodeid}"/>'
    return clusterconf.insert_child(doc, parent, markup), notes


def _corosync_nodeids(doc: CorosyncConf, new_name: str, source: str) -> set[int | None]:
    """The nodeids in use; raises when a node is already called `new_name`."""
    used: set[int | None] = set()
    for section in doc.sections("nodelist.node"):
        values = doc.values(section)
        if values.get("name", values.get("ring0_addr", ("", 0)))[0] == new_name:
            raise InputError(f"node {new_name!r} already exists", f"{source}: line {section.line}")
        used.add(corosync.parse_int(values.get("nodeid", ("", 0))[0]))
    return used


def _add_node_corosync(
    doc: CorosyncConf, source: str, name: str, address: str | None, votes: int | None
) -> CorosyncConf:
    """A new `node {}` after the last one, indented like its siblings."""
    found = doc.find("nodelist")
    where = f"{source}: line {found.line}" if found else source
    if address is None:
        raise InputError("a new corosync node needs an address (ring0_addr)", where)
    address = check_address(address, where)
    doc, nodelist = _ensure_section(doc, "nodelist")
    nodeid = _lowest_free_nodeid(_corosync_nodeids(doc, name, source))
    existing = doc.sections("nodelist.node")
    pad = child_indent(doc, nodelist)
    inner = child_indent(doc, existing[-1]) if existing else pad + indent_unit(doc)
    block = [f"{pad}node {{", f"{inner}name: {name}", f"{inner}nodeid: {nodeid}"]
    if votes is not None:
        block.append(f"{inner}quorum_votes: {votes}")
    block += [f"{inner}ring0_addr: {address}", f"{pad}}}"]
    at = existing[-1].close + 1 if existing and existing[-1].close is not None else nodelist.close
    assert at is not None
    return _splice(doc, at, at, block)


def add_node(
    text: str,
    name: str,
    address: str | None = None,
    *,
    votes: int | None = 1,
    stack: str | None = None,
    source: str | None = None,
    force: bool = False,
) -> EditResult:
    """A new node with the lowest unused nodeid from 1, as `pvecm addnode` (reference 4.1).

    corosync: `node { name, nodeid, quorum_votes, ring0_addr }` (sorted as PVE writes it);
    `votes=None` leaves `quorum_votes` out, which corosync counts as 1.  cman: a
    `<clusternode name= votes= nodeid=/>` like `pvecm create` writes (no address there).
    """
    stack = _stack(text, stack)
    source = _source(source, stack)
    if not is_hostname(name):
        raise InputError(f"node name {name!r} is not a valid host name", source)
    if votes is not None and (isinstance(votes, bool) or not isinstance(votes, int) or votes < 0):
        raise InputError(f"votes must be an integer >= 0, got {votes!r}", source)
    if stack == "cman":
        new, notes = _add_node_cman(text, source, name, address, votes)
        return _finish_cman(text, new, source, force, notes)
    doc = _add_node_corosync(corosync.parse(text, source), source, name, address, votes)
    return _finish_corosync(text, doc, source, force)


def remove_node(
    text: str,
    name: str,
    *,
    stack: str | None = None,
    source: str | None = None,
    force: bool = False,
) -> EditResult:
    """Delete a node's entry, as `pvecm delnode` does (reference 4.1)."""
    stack = _stack(text, stack)
    source = _source(source, stack)
    if stack == "cman":
        cluster = clusterconf.parse(text, source)
        new = clusterconf.remove_element(cluster, _clusternode(cluster, name))
        return _finish_cman(text, new, source, force)
    doc = corosync.parse(text, source)
    return _finish_corosync(text, _remove_block(doc, _node_section(doc, name)), source, force)


def restyle(result: EditResult, style: str, source: str) -> EditResult:
    """`style="pve"`: the result as Proxmox's own writer lays it out (reference 4.1, 8.1)."""
    if style == "lossless":
        return result
    if style != "pve":
        raise InputError(f"style must be lossless or pve, got {style!r}", source)
    if detect_stack(result.new_text) == "cman":
        new = clusterconf.canonical(clusterconf.parse(result.new_text, source))
    else:
        new = corosync.canonical(corosync.parse(result.new_text, source))
    doc = _parse(new, detect_stack(new), source)
    return EditResult(
        new,
        unified_diff(result.old_text, new, _name(source)),
        tuple(validate.validate_document(doc)),
        result.notes,
        result.old_text,
    )
