"""Exact config edits: new text, a unified diff, and the findings on the result.

Every transform touches only the lines it must change plus the version line, and always
increments `config_version` (corosync: `totem.config_version`; cman: the `<cluster>`
attribute), because pmxcfs distributes a file only when its version grew (reference 4.3,
8.1).  New lines copy a sibling's indentation and the file's line ending.  An edit whose
result corosync (or cman) refuses to start with raises `EditRefused` unless `force=True`.

A transform picks the format once and parses once: it takes the config text (or a
document already parsed, which it then edits in place: the CLI parses its input once and
hands the document over), edits the document through the document's own edit methods
(`CorosyncConf.set/remove/add_section/remove_section`, `ClusterConf.set/remove/
add_element/remove_element`), and validates the edited document itself, so neither the
input nor the result is parsed again.
"""

from __future__ import annotations

import difflib
import ipaddress
from dataclasses import dataclass, field
from typing import Any

from pvequorum.conf import clusterconf, corosync, validate
from pvequorum.conf.clusterconf import ClusterConf
from pvequorum.conf.corosync import ConfigParseError, CorosyncConf, Section
from pvequorum.conf.xmltok import Element, Position
from pvequorum.cvalues import is_ascii_int, parse_uint64, printable
from pvequorum.errors import InputError
from pvequorum.model import is_hostname

Document = CorosyncConf | ClusterConf
Config = str | Document  # what a transform edits: the text, or its document


class EditRefused(InputError):
    """The edited config would be refused by corosync/cman; the message says why."""


@dataclass(frozen=True)
class EditResult:
    new_text: str
    diff: str
    findings: tuple[validate.Finding, ...]
    notes: tuple[str, ...] = ()
    old_text: str = ""
    document: Document | None = field(default=None, compare=False, repr=False)  # of new_text


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


# --- one format, one parse -------------------------------------------------------------------
def _kind(config: Config, stack: str | None, source: str | None) -> tuple[str, str]:
    """(stack, source) of a transform's input, without parsing it: a transform checks its
    arguments before it reads the file, so that a bad argument is named first."""
    if isinstance(config, ClusterConf):
        return "cman", config.source
    if isinstance(config, CorosyncConf):
        return "corosync", config.source
    stack = stack or detect_stack(config)
    return stack, source or ("cluster.conf" if stack == "cman" else "corosync.conf")


def _open(config: Config, stack: str, source: str) -> tuple[str, Document]:
    """The original text and the document to edit: the text parsed, once, in the format
    `stack` names; a document is taken as it is (and edited in place)."""
    if not isinstance(config, str):
        return config.dump(), config
    if stack == "cman":
        return config, clusterconf.parse(config, source)
    return config, corosync.parse(config, source)


def _finish(old: str, doc: Document, force: bool, notes: tuple[str, ...] = ()) -> EditResult:
    """The result of an edited document: findings of the document itself, refused when
    the daemon would not start with it (unless forced)."""
    findings = tuple(validate.validate_document(doc))
    refusals = [f for f in findings if f.refuses_to_start]
    if refusals and not force:
        daemon = "cman" if isinstance(doc, ClusterConf) else "corosync"
        raise EditRefused(
            f"refused, {daemon} would not start with the result: {refusals[0].code} "
            f"{refusals[0].message} (force to write it anyway)",
            doc.source,
        )
    new = doc.dump()
    return EditResult(new, unified_diff(old, new, _name(doc.source)), findings, notes, old, doc)


def _bump(old: str, doc: Document, version: int | None = None) -> None:
    """config_version set to `version`, else incremented (1 when it is no positive number);
    a version beyond uint64 is refused rather than restarted (see `_refuse_huge_version`)."""
    if isinstance(doc, ClusterConf):
        stack, current = "cman", doc.root.get("config_version")
    else:
        stack, current = "corosync", doc.get("totem.config_version")
    if version is None:
        _refuse_huge_version(old, current, stack, doc.source)
        number = corosync.parse_int(current or "")
        version = number + 1 if number and number > 0 else 1
    if isinstance(doc, ClusterConf):
        doc.set(doc.root, "config_version", str(version))
    else:
        doc.set("totem", "config_version", str(version))


def _bump_and_finish(
    old: str, doc: Document, force: bool, notes: tuple[str, ...] = ()
) -> EditResult:
    _bump(old, doc)
    return _finish(old, doc, force, notes)


def _refuse_huge_version(old: str, version: str | None, stack: str, source: str) -> None:
    """A config_version beyond the uint64 corosync (and pmxcfs) keep cannot be incremented:
    restarting at 1 would be a lower version, which pmxcfs never distributes (4.3).

    `version` is the value before the bump (edits never change it otherwise); only when it
    is refused is the original text parsed again, for the line to name (an edit may have
    moved the line in the document)."""
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


# --- finding nodes ---------------------------------------------------------------------------
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


# --- public transforms ---------------------------------------------------------------------
# Each transform checks its arguments, opens the document once, and hands it to one step
# per stack (`isinstance` picks it, so each step has its document's own type); the step
# edits the document in place, then the version is bumped and the result validated.
def _two_node_on_cman(doc: ClusterConf) -> None:
    """`two_node="1" expected_votes="1"` put first on `<cman>` (each goes first: two_node
    leads), or a new `<cman>` with them."""
    cman = doc.root.find("cman")
    if cman is None:
        doc.add_element(doc.root, "cman", {"two_node": "1", "expected_votes": "1"})
        return
    for name in ("expected_votes", "two_node"):
        doc.set(cman, name, "1", first=True)


def _two_node_off_cman(doc: ClusterConf) -> None:
    """Both attributes go; refused when two_node is unset."""
    cman = doc.root.find("cman")
    if cman is None or cman.get("two_node") is None:
        raise InputError("<cman two_node> is not set: nothing to disable", doc.source)
    for name in ("two_node", "expected_votes"):
        doc.remove(cman, name)


def _two_node_on_corosync(doc: CorosyncConf) -> tuple[str, ...]:
    """`two_node: 1`, with a note on the wait_for_all it implies (reference 1.5)."""
    doc.set("quorum", "two_node", "1")
    wfa = doc.get("quorum.wait_for_all")
    if wfa is None:
        note = (
            "two_node: 1 also turns wait_for_all on (wait_for_all is absent): after a full "
            "shutdown one node alone stays inquorate until it has seen its peer once; "
            "write wait_for_all: 0 to opt out (reference 1.5, 1.7)"
        )
        return (note,)
    if corosync.parse_int(wfa) == 0:
        return ("wait_for_all: 0 is set explicitly, so two_node does not turn it on",)
    return ()


def _two_node_off_corosync(doc: CorosyncConf) -> tuple[str, ...]:
    """No `two_node:`, with a note when that also drops the implied wait_for_all."""
    was = corosync.parse_int(doc.get("quorum.two_node") or "")
    if was is None:
        raise InputError("two_node is not set: nothing to disable", doc.source)
    doc.remove("quorum", "two_node")
    if was and doc.get("quorum.wait_for_all") is None:
        return ("wait_for_all was implied by two_node and is now off as well (1.5)",)
    return ()


def set_two_node(
    text: Config,
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
    old, doc = _open(text, *_kind(text, stack, source))
    notes: tuple[str, ...] = ()
    if isinstance(doc, ClusterConf) and enable:
        _two_node_on_cman(doc)
    elif isinstance(doc, ClusterConf):
        _two_node_off_cman(doc)
    else:
        notes = _two_node_on_corosync(doc) if enable else _two_node_off_corosync(doc)
    return _bump_and_finish(old, doc, force, notes)


def set_config_version(
    text: Config, version: int, *, stack: str | None = None, source: str | None = None
) -> EditResult:
    """Set config_version to `version` (rollback content must carry a higher version, 4.3)."""
    old, doc = _open(text, *_kind(text, stack, source))
    _bump(old, doc, version)
    return _finish(old, doc, True)


def _check_votes(votes: object, what: str, source: str) -> None:
    if isinstance(votes, bool) or not isinstance(votes, int) or votes < 0:
        raise InputError(f"{what} must be an integer >= 0, got {votes!r}", source)


def set_votes(
    text: Config,
    node: str,
    votes: int,
    *,
    stack: str | None = None,
    source: str | None = None,
    force: bool = False,
) -> EditResult:
    """Set one node's votes: `quorum_votes` in its `node {}` (cman: `votes` on clusternode),
    rewritten, or added after the node's keys."""
    stack, source = _kind(text, stack, source)
    _check_votes(votes, "votes", source)
    old, doc = _open(text, stack, source)
    if isinstance(doc, ClusterConf):
        doc.set(_clusternode(doc, node), "votes", str(votes))
    else:
        doc.set(_node_section(doc, node), "quorum_votes", str(votes))
    return _bump_and_finish(old, doc, force)


def _expected_votes_cman(doc: ClusterConf, value: int | None) -> None:
    cman = doc.root.find("cman")
    if cman is None:
        if value is not None:
            doc.add_element(doc.root, "cman", {"expected_votes": str(value)})
        return
    if value is not None:
        doc.set(cman, "expected_votes", str(value))
    elif cman.get("expected_votes") is None:
        raise InputError("<cman expected_votes> is not set: nothing to remove", doc.source)
    else:
        doc.remove(cman, "expected_votes")


def _expected_votes_corosync(doc: CorosyncConf, value: int | None) -> None:
    if value is not None:
        doc.set("quorum", "expected_votes", str(value))
    elif doc.get("quorum.expected_votes") is None:
        raise InputError("quorum.expected_votes is not set: nothing to remove", doc.source)
    else:
        doc.remove("quorum", "expected_votes")


def set_expected_votes(
    text: Config,
    value: int | None,
    *,
    stack: str | None = None,
    source: str | None = None,
    force: bool = False,
) -> EditResult:
    """Set or remove `quorum.expected_votes` (cman: the `<cman expected_votes>` attribute).

    Writing it is what CQ211 warns about: a permanent override of the nodelist sum.
    """
    stack, source = _kind(text, stack, source)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise InputError(f"expected_votes must be an integer >= 1, got {value!r}", source)
    old, doc = _open(text, stack, source)
    if isinstance(doc, ClusterConf):
        _expected_votes_cman(doc, value)
    else:
        _expected_votes_corosync(doc, value)
    return _bump_and_finish(old, doc, force)


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


def _open_corosync(text: Config, stack: str, source: str) -> tuple[str, CorosyncConf]:
    """`_open` for a corosync-only transform (`_corosync_only` has refused cman)."""
    old, doc = _open(text, stack, source)
    assert isinstance(doc, CorosyncConf)
    return old, doc


def add_qdevice(
    text: Config,
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
    stack, source = _kind(text, stack, source)
    _corosync_only(stack, "a QDevice", source)
    old, doc = _open_corosync(text, stack, source)
    nodelist = doc.find("nodelist")
    where = f"{source}: line {nodelist.line}" if nodelist else source
    host = check_address(host, where)
    if doc.find("quorum.device") is not None:
        raise InputError(
            "QDevice already configured!",
            f"{source}: line {doc.sections('quorum.device')[0].line}",
        )
    algorithm = algorithm or ("ffsplit" if len(doc.sections("nodelist.node")) % 2 == 0 else "lms")
    if algorithm not in ("ffsplit", "lms"):
        raise InputError(f"algorithm must be ffsplit or lms, got {algorithm!r}", source)
    device: dict[str, Any] = {
        "model": "net",
        "net": {"algorithm": algorithm, "host": host, "tls": "on"},
    }
    if algorithm == "ffsplit":
        device["votes"] = "1"
    doc.add_section("quorum", "device", device)
    return _bump_and_finish(old, doc, force)


def remove_qdevice(
    text: Config, *, stack: str | None = None, source: str | None = None, force: bool = False
) -> EditResult:
    """Delete the `quorum.device` section, as `pvecm qdevice remove` does (reference 3.3)."""
    stack, source = _kind(text, stack, source)
    _corosync_only(stack, "a QDevice", source)
    old, doc = _open_corosync(text, stack, source)
    devices = doc.sections("quorum.device")
    if not devices:
        raise InputError("no QDevice configured (no quorum.device section)", source)
    for device in devices:
        doc.remove_section(device)
    return _bump_and_finish(old, doc, force)


def _lowest_free_nodeid(used: set[int | None]) -> int:
    """The lowest nodeid from 1 that no node has, as `pvecm addnode` picks it (4.1)."""
    return next(i for i in range(1, len(used) + 2) if i not in used)


def _add_node_cman(
    doc: ClusterConf, name: str, address: str | None, votes: int | None
) -> tuple[str, ...]:
    """A new `<clusternode>`; a note when an address was given."""
    notes: tuple[str, ...] = ()
    if address is not None:
        check_address(address, doc.source)
        notes = ("cluster.conf holds no addresses: cman resolves the node name",)
    nodes = doc.all("clusternode")
    if any(e.get("name") == name for e in nodes):
        raise InputError(f"node {name!r} already exists", doc.source)
    nodeid = _lowest_free_nodeid({corosync.parse_int(e.get("nodeid") or "") for e in nodes})
    parent = doc.root.find("clusternodes")
    if parent is None:
        raise InputError("no <clusternodes> element to add the node to", doc.source)
    attrs = {"name": name}
    if votes is not None:
        attrs["votes"] = str(votes)
    attrs["nodeid"] = str(nodeid)
    doc.add_element(parent, "clusternode", attrs)
    return notes


def _corosync_nodeids(doc: CorosyncConf, new_name: str) -> set[int | None]:
    """The nodeids in use; raises when a node is already called `new_name`."""
    used: set[int | None] = set()
    for section in doc.sections("nodelist.node"):
        values = doc.values(section)
        if values.get("name", values.get("ring0_addr", ("", 0)))[0] == new_name:
            where = f"{doc.source}: line {section.line}"
            raise InputError(f"node {new_name!r} already exists", where)
        used.add(corosync.parse_int(values.get("nodeid", ("", 0))[0]))
    return used


def _add_node_corosync(
    doc: CorosyncConf, name: str, address: str | None, votes: int | None
) -> None:
    """A new `node {}` after the last one (in that node's nodelist), keys like its keys."""
    found = doc.find("nodelist")
    where = f"{doc.source}: line {found.line}" if found else doc.source
    if address is None:
        raise InputError("a new corosync node needs an address (ring0_addr)", where)
    address = check_address(address, where)
    node = {"name": name, "nodeid": str(_lowest_free_nodeid(_corosync_nodeids(doc, name)))}
    if votes is not None:
        node["quorum_votes"] = str(votes)
    node["ring0_addr"] = address
    existing = doc.sections("nodelist.node")
    doc.add_section(doc.parent(existing[-1]) if existing else "nodelist", "node", node)


def add_node(
    text: Config,
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
    stack, source = _kind(text, stack, source)
    if not is_hostname(name):
        raise InputError(f"node name {name!r} is not a valid host name", source)
    if votes is not None:
        _check_votes(votes, "votes", source)
    old, doc = _open(text, stack, source)
    notes: tuple[str, ...] = ()
    if isinstance(doc, ClusterConf):
        notes = _add_node_cman(doc, name, address, votes)
    else:
        _add_node_corosync(doc, name, address, votes)
    return _bump_and_finish(old, doc, force, notes)


def remove_node(
    text: Config,
    name: str,
    *,
    stack: str | None = None,
    source: str | None = None,
    force: bool = False,
) -> EditResult:
    """Delete a node's entry, as `pvecm delnode` does (reference 4.1)."""
    old, doc = _open(text, *_kind(text, stack, source))
    if isinstance(doc, ClusterConf):
        doc.remove_element(_clusternode(doc, name))
    else:
        doc.remove_section(_node_section(doc, name))
    return _bump_and_finish(old, doc, force)


def restyle(result: EditResult, style: str, source: str) -> EditResult:
    """`style="pve"`: the result as Proxmox's own writer lays it out (reference 4.1, 8.1).

    The edited document is rendered as it is; only the new layout is parsed (for its
    findings)."""
    if style == "lossless":
        return result
    if style != "pve":
        raise InputError(f"style must be lossless or pve, got {style!r}", source)
    doc = result.document
    if doc is None or doc.source != source:  # messages name `source`
        doc = _open(result.new_text, detect_stack(result.new_text), source)[1]
    cman = isinstance(doc, ClusterConf)
    new = clusterconf.canonical(doc) if isinstance(doc, ClusterConf) else corosync.canonical(doc)
    restyled = _open(new, "cman" if cman else "corosync", source)[1]
    return EditResult(
        new,
        unified_diff(result.old_text, new, _name(source)),
        tuple(validate.validate_document(restyled)),
        result.notes,
        result.old_text,
        restyled,
    )
