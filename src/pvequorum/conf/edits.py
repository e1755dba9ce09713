"""Exact config edits: new text, a unified diff, and findings on the result.

Every transform touches only the lines it must change plus the version line, because
pmxcfs distributes a file only when its `config_version` grew (reference 4.3).  An edit
whose result corosync (or cman) would refuse to start with is refused (`EditRefused`)
unless `force=True`.
"""

from __future__ import annotations

import difflib
import ipaddress
from dataclasses import dataclass

from pvequorum.conf import clusterconf, corosync, validate
from pvequorum.conf.corosync import CorosyncConf, Section
from pvequorum.errors import InputError
from pvequorum.model import is_hostname


class EditRefused(InputError):
    """The edited config would be refused by corosync/cman; the message says why."""


@dataclass(frozen=True)
class EditResult:
    old_text: str
    new_text: str
    diff: str
    findings: tuple[validate.Finding, ...]
    notes: tuple[str, ...] = ()


def detect_stack(text: str) -> str:
    """cluster.conf is XML (cman, reference 8.1); anything else is corosync.conf."""
    return "cman" if text.lstrip().startswith("<") else "corosync"


def unified_diff(old: str, new: str, name: str) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{name}", f"b/{name}"
        )
    )


def _finish(
    old: str, new: str, stack: str, source: str, force: bool, notes: tuple[str, ...] = ()
) -> EditResult:
    if stack == "cman":
        findings = validate.validate_clusterconf(clusterconf.parse(new, source))
    else:
        findings = validate.validate_corosync(corosync.parse(new, source))
    refusals = [
        f
        for f in findings
        if f.code in validate._STARTUP_CODES.values()
        or f.code in ("CQ108", "CQ110", "CQ111", "CQ121")
    ]
    if refusals and not force:
        raise EditRefused(
            f"refused: {refusals[0].message} (use --force to write it anyway)", source
        )
    name = source.rsplit("/", 1)[-1]
    return EditResult(old, new, unified_diff(old, new, name), tuple(findings), notes)


# --- corosync.conf line operations ---------------------------------------------------------
def _child_indent(doc: CorosyncConf, section: Section) -> str:
    """Indentation of a new line in `section`: a sibling's, else the brace's plus two spaces."""
    for index in section.items:
        return doc.lines[index].indent
    for sub in section.sections:
        if sub.open is not None:
            return doc.lines[sub.open].indent
    if section.open is None:
        return ""
    base = doc.lines[section.open].indent
    return base + ("\t" if base.startswith("\t") else "  ")


def _insert_at(doc: CorosyncConf, section: Section) -> int:
    """Line index where new lines go: after the last item, else before the closing brace."""
    if section.items:
        return section.items[-1] + 1
    if section.close is not None:
        return section.close
    return len(doc.lines)


def _splice(doc: CorosyncConf, start: int, end: int, new_lines: list[str]) -> str:
    """Replace lines[start:end] with `new_lines` (each without ending) and return the text."""
    eol = doc.newline
    before = doc.lines[:start]
    if before and not before[-1].eol and new_lines:
        before = [*before[:-1], corosync.Line(before[-1].text, eol, before[-1].kind)]
    parts = [line.text + line.eol for line in before]
    parts += [text + eol for text in new_lines]
    parts += [line.text + line.eol for line in doc.lines[end:]]
    return "".join(parts)


def _ensure_section(doc: CorosyncConf, path: str) -> tuple[CorosyncConf, Section]:
    section = doc.find(path)
    if section is not None:
        return doc, section
    parent_path, _, name = path.rpartition(".")
    doc, parent = _ensure_section(doc, parent_path)
    indent = _child_indent(doc, parent) if parent.open is not None else ""
    at = parent.close if parent.close is not None else len(doc.lines)
    lines = [f"{indent}{name} {{", f"{indent}}}"]
    if parent.open is None and doc.lines and doc.lines[-1].kind != "blank":
        lines.insert(0, "")
    text = _splice(doc, at, at, lines)
    new = corosync.parse(text, doc.source)
    return new, new.find(path)  # type: ignore[return-value]


def set_key(doc: CorosyncConf, path: str, key: str, value: str) -> CorosyncConf:
    """Set `key: value` in the section at `path`, touching one line (or adding one)."""
    doc, section = _ensure_section(doc, path)
    index = doc.item(section, key)
    if index is not None:
        line = doc.lines[index]
        head = line.text[: line.text.index(":") + 1]
        rest = line.text[len(head) :]
        spacing = rest[: len(rest) - len(rest.lstrip(" \t"))] or " "
        return corosync.parse(
            _splice(doc, index, index + 1, [f"{head}{spacing}{value}"]), doc.source
        )
    at = _insert_at(doc, section)
    return corosync.parse(
        _splice(doc, at, at, [f"{_child_indent(doc, section)}{key}: {value}"]), doc.source
    )


def remove_key(doc: CorosyncConf, path: str, key: str) -> CorosyncConf:
    section = doc.find(path)
    index = doc.item(section, key) if section else None
    if index is None:
        return doc
    return corosync.parse(_splice(doc, index, index + 1, []), doc.source)


def _remove_block(doc: CorosyncConf, section: Section) -> CorosyncConf:
    assert section.open is not None and section.close is not None
    return corosync.parse(_splice(doc, section.open, section.close + 1, []), doc.source)


def _bump(doc: CorosyncConf, version: int | None = None) -> CorosyncConf:
    current = doc.get("totem.config_version")
    new = (
        version
        if version is not None
        else (int(current) + 1 if current and current.isdigit() else 1)
    )
    return set_key(doc, "totem", "config_version", str(new))


# --- public transforms ---------------------------------------------------------------------
def _node_section(doc: CorosyncConf, name: str) -> Section:
    nodelist = doc.find("nodelist")
    for section in nodelist.all("node") if nodelist else []:
        values = doc.values(section)
        if values.get("name", values.get("ring0_addr", ("", 0)))[0] == name:
            return section
    raise InputError(f"unknown node {name!r} in the nodelist", doc.source)


def set_two_node(
    text: str,
    enable: bool,
    *,
    stack: str | None = None,
    source: str | None = None,
    force: bool = False,
) -> EditResult:
    """Two-node mode on or off.  cman: `two_node="1" expected_votes="1"` first on `<cman>`,
    exactly as the source article shows (reference 8.3); corosync: `two_node: 1` in `quorum {}`,
    which also turns wait_for_all on when that key is absent (reference 1.5)."""
    stack = stack or detect_stack(text)
    if stack == "cman":
        source = source or "cluster.conf"
        doc = clusterconf.parse(text, source)
        new = text
        for name, value in (("expected_votes", "1"), ("two_node", "1")) if enable else ():
            doc = clusterconf.parse(new, source)
            cman = doc.first("cman")
            if cman is None:
                raise InputError("no <cman> element to put two_node on", source)
            new = clusterconf.set_attribute(doc, cman, name, value, first=True)
        if not enable:
            for name in ("two_node", "expected_votes"):
                doc = clusterconf.parse(new, source)
                cman = doc.first("cman")
                if cman is not None:
                    new = clusterconf.remove_attribute(doc, cman, name)
        new = _bump_cman(new, source)
        return _finish(text, new, "cman", source, force)
    source = source or "corosync.conf"
    doc = corosync.parse(text, source)
    doc = (
        set_key(doc, "quorum", "two_node", "1") if enable else remove_key(doc, "quorum", "two_node")
    )
    notes: tuple[str, ...] = ()
    if enable and doc.get("quorum.wait_for_all") is None:
        notes = (
            "wait_for_all is now on as well (implied by two_node, reference 1.5): after a "
            "full shutdown one node alone stays blocked until it has seen its peer",
        )
    return _finish(text, _bump(doc).dump(), "corosync", source, force, notes)


def _bump_cman(text: str, source: str, version: int | None = None) -> str:
    doc = clusterconf.parse(text, source)
    root = doc.first("cluster")
    assert root is not None
    current = root.attr("config_version")
    value = (
        version
        if version is not None
        else (int(current.value) + 1 if current and current.value.isdigit() else 1)
    )
    return clusterconf.set_attribute(doc, root, "config_version", str(value))


def set_config_version(
    text: str, version: int, *, stack: str | None = None, source: str | None = None
) -> EditResult:
    """Set config_version to `version` (rollback content must carry a higher version, 4.3)."""
    stack = stack or detect_stack(text)
    if stack == "cman":
        source = source or "cluster.conf"
        return _finish(text, _bump_cman(text, source, version), "cman", source, True)
    source = source or "corosync.conf"
    return _finish(
        text, _bump(corosync.parse(text, source), version).dump(), "corosync", source, True
    )


def set_votes(
    text: str, node: str, votes: int, *, source: str | None = None, force: bool = False
) -> EditResult:
    if votes < 0:
        raise InputError(f"votes must be >= 0, got {votes}", source)
    if detect_stack(text) == "cman":
        source = source or "cluster.conf"
        doc = clusterconf.parse(text, source)
        tag = next(
            (
                t
                for t in doc.all("clusternode")
                if (t.attr("name") and t.attr("name").value == node)
            ),
            None,
        )  # type: ignore[union-attr]
        if tag is None:
            raise InputError(f"unknown node {node!r} in <clusternodes>", source)
        new = _bump_cman(clusterconf.set_attribute(doc, tag, "votes", str(votes)), source)
        return _finish(text, new, "cman", source, force)
    source = source or "corosync.conf"
    doc = corosync.parse(text, source)
    section = _node_section(doc, node)
    index = doc.item(section, "quorum_votes")
    if index is None:
        at = _insert_at(doc, section)
        doc = corosync.parse(
            _splice(doc, at, at, [f"{_child_indent(doc, section)}quorum_votes: {votes}"]), source
        )
    else:
        line = doc.lines[index]
        head = line.text[: line.text.index(":") + 1]
        doc = corosync.parse(_splice(doc, index, index + 1, [f"{head} {votes}"]), source)
    return _finish(text, _bump(doc).dump(), "corosync", source, force)


def set_expected_votes(
    text: str, value: int | None, *, source: str | None = None, force: bool = False
) -> EditResult:
    """Set or remove `quorum.expected_votes` (cman: the `<cman expected_votes>` attribute)."""
    if value is not None and value < 1:
        raise InputError(f"expected_votes must be >= 1, got {value}", source)
    if detect_stack(text) == "cman":
        source = source or "cluster.conf"
        doc = clusterconf.parse(text, source)
        cman = doc.first("cman")
        if cman is None:
            raise InputError("no <cman> element", source)
        new = (
            clusterconf.remove_attribute(doc, cman, "expected_votes")
            if value is None
            else clusterconf.set_attribute(doc, cman, "expected_votes", str(value))
        )
        return _finish(text, _bump_cman(new, source), "cman", source, force)
    source = source or "corosync.conf"
    doc = corosync.parse(text, source)
    doc = (
        remove_key(doc, "quorum", "expected_votes")
        if value is None
        else set_key(doc, "quorum", "expected_votes", str(value))
    )
    return _finish(text, _bump(doc).dump(), "corosync", source, force)


def _check_address(address: str, source: str | None) -> str:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        raise InputError(f"{address!r} is not an IP address", source) from None


def add_qdevice(
    text: str,
    host: str,
    *,
    algorithm: str | None = None,
    source: str | None = None,
    force: bool = False,
) -> EditResult:
    """The `quorum.device` section `pvecm qdevice setup` writes (reference 3.3): ffsplit with
    `votes: 1` on an even node count, lms without `votes` (corosync computes N-1) on an odd one."""
    source = source or "corosync.conf"
    host = _check_address(host, source)
    doc = corosync.parse(text, source)
    if doc.find("quorum.device") is not None:
        raise InputError("QDevice already configured!", source)
    count = len(doc.find("nodelist").all("node")) if doc.find("nodelist") else 0
    algorithm = algorithm or ("ffsplit" if count % 2 == 0 else "lms")
    if algorithm not in ("ffsplit", "lms"):
        raise InputError(f"algorithm must be ffsplit or lms, got {algorithm!r}", source)
    doc, quorum = _ensure_section(doc, "quorum")
    pad = _child_indent(doc, quorum)
    step = pad[len(doc.lines[quorum.open].indent) :] if quorum.open is not None and pad else "  "
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
    at = quorum.close if quorum.close is not None else len(doc.lines)
    doc = corosync.parse(_splice(doc, at, at, block), source)
    return _finish(text, _bump(doc).dump(), "corosync", source, force)


def remove_qdevice(text: str, *, source: str | None = None, force: bool = False) -> EditResult:
    source = source or "corosync.conf"
    doc = corosync.parse(text, source)
    device = doc.find("quorum.device")
    if device is None:
        raise InputError("no QDevice configured", source)
    return _finish(text, _bump(_remove_block(doc, device)).dump(), "corosync", source, force)


def add_node(
    text: str,
    name: str,
    address: str,
    *,
    votes: int | None = None,
    source: str | None = None,
    force: bool = False,
) -> EditResult:
    """A nodelist entry with the lowest unused nodeid from 1 (as `pvecm addnode`, reference 4.1)."""
    source = source or "corosync.conf"
    if not is_hostname(name):
        raise InputError(f"node name {name!r} is not a valid host name", source)
    address = _check_address(address, source)
    doc = corosync.parse(text, source)
    doc, nodelist = _ensure_section(doc, "nodelist")
    used = set()
    for section in nodelist.all("node"):
        values = doc.values(section)
        if values.get("name", ("", 0))[0] == name:
            raise InputError(f"node {name!r} already exists", source)
        if values.get("nodeid", ("", 0))[0].isdigit():
            used.add(int(values["nodeid"][0]))
    nodeid = next(i for i in range(1, len(used) + 2) if i not in used)
    pad = _child_indent(doc, nodelist)
    existing = nodelist.all("node")
    inner = _child_indent(doc, existing[0]) if existing else pad + "  "
    block = [f"{pad}node {{", f"{inner}name: {name}", f"{inner}nodeid: {nodeid}"]
    if votes is not None:
        block.append(f"{inner}quorum_votes: {votes}")
    block += [f"{inner}ring0_addr: {address}", f"{pad}}}"]
    at = nodelist.close if nodelist.close is not None else len(doc.lines)
    doc = corosync.parse(_splice(doc, at, at, block), source)
    return _finish(text, _bump(doc).dump(), "corosync", source, force)


def remove_node(
    text: str, name: str, *, source: str | None = None, force: bool = False
) -> EditResult:
    source = source or "corosync.conf"
    doc = corosync.parse(text, source)
    return _finish(
        text, _bump(_remove_block(doc, _node_section(doc, name))).dump(), "corosync", source, force
    )
