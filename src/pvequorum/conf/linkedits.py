"""Exact edits of the knet links of a corosync.conf: add a link, remove one, move addresses.

Each transform works like those in `conf.edits` (and through its helpers): it parses once,
edits the document in place, increments `config_version` and validates the result, refused
with `EditRefused` when corosync would not start with it.  What corosync 3.1.7 does with
each kind of change on a reload (reference 4.7): a link that is added or removed is taken
live; an address that changes on a link that stays is refused, the whole reload with it
(`check_things_have_not_changed()` in exec/totemconfig.c), so `set_link_addresses` is only
for a restart of corosync on every node.

A link is its `ringK_addr` on every node plus, where the file has `totem.interface`
sections at all, its own `interface { linknumber: K }`: Proxmox's `verify_conf` wants an
interface for every link once there are any (PVE-CLUSTER `src/PVE/Corosync.pm`).  Nodes are
found by `name`; a file with a node without one is refused (corosync wants names with
more than one link, reference 4.6, and without `name` Proxmox names a node by its
ring0_addr).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pvequorum.conf import edits
from pvequorum.conf.corosync import CorosyncConf, Section, parse_int, ring_number
from pvequorum.cvalues import printable
from pvequorum.errors import InputError

MAX_LINK = 7  # INTERFACE_MAX - 1 (include/corosync/totem/totem.h)


def interface_link(doc: CorosyncConf, section: Section) -> int | None:
    """The link a `totem.interface` section configures: `linknumber` (older files:
    `ringnumber`), 0 when neither is given, as corosync reads it (reference 4.6)."""
    values = doc.values(section)
    entry = values.get("linknumber") or values.get("ringnumber")
    return 0 if entry is None else parse_int(entry[0])


def interfaces(doc: CorosyncConf, link: int) -> list[Section]:
    return [s for s in doc.sections("totem.interface") if interface_link(doc, s) == link]


def node_sections(doc: CorosyncConf) -> dict[str, Section]:
    """name -> `node {}` section; refused when a node has no `name` or one is repeated."""
    out: dict[str, Section] = {}
    for section in doc.sections("nodelist.node"):
        values = doc.values(section)
        where = f"{doc.source}: line {section.line}"
        if "name" not in values:
            raise InputError(
                "a node has no `name`: links are edited by node name (corosync wants names "
                "with more than one link, reference 4.6)",
                where,
            )
        name = values["name"][0]
        if name in out:
            raise InputError(f"node {printable(name, 40)!r} appears twice", where)
        out[name] = section
    if not out:
        raise InputError("the nodelist has no node", doc.source)
    return out


def addresses_of(doc: CorosyncConf, link: int) -> dict[str, str]:
    """name -> the node's `ringK_addr` on `link` (nodes without one left out)."""
    out = {}
    for name, section in node_sections(doc).items():
        for key, (value, _) in doc.values(section).items():
            if ring_number(key) == link:
                out[name] = value
    return out


def configured_links(doc: CorosyncConf) -> tuple[int, ...]:
    """Every link the file names: an address on any node, or an interface section."""
    found = {ring_number(k) for s in doc.sections("nodelist.node") for k in doc.values(s)}
    found |= {interface_link(doc, s) for s in doc.sections("totem.interface")}
    return tuple(sorted(n for n in found if n is not None))


def _check_link(link: int, source: str) -> None:
    if isinstance(link, bool) or not isinstance(link, int) or not 0 <= link <= MAX_LINK:
        raise InputError(f"a link number is 0..{MAX_LINK}, got {link!r}", source)


def _open(config: edits.Config, source: str | None) -> tuple[str, CorosyncConf]:
    stack, source = edits._kind(config, None, source)
    if stack != "corosync":
        raise InputError("knet links are in corosync.conf; cluster.conf has none", source)
    return edits._open_corosync(config, stack, source)


def _all_nodes(doc: CorosyncConf, addresses: Mapping[str, str], what: str) -> dict[str, Section]:
    """The node sections, with `addresses` naming every node exactly once."""
    sections = node_sections(doc)
    unknown = [n for n in addresses if n not in sections]
    if unknown:
        raise InputError(
            f"unknown node {printable(unknown[0], 40)!r}; the nodelist has {', '.join(sections)}",
            doc.source,
        )
    missing = [n for n in sections if n not in addresses]
    if missing:
        raise InputError(
            f"{what} needs an address for every node; missing: {', '.join(missing)}", doc.source
        )
    return sections


def add_link(
    config: edits.Config,
    link: int,
    addresses: Mapping[str, str],
    *,
    options: Iterable[tuple[str, str]] = (),
    source: str | None = None,
    force: bool = False,
) -> edits.EditResult:
    """Link `link` on every node (`ringK_addr` after the node's last key) and its interface
    section after the last one (with `options`, e.g. `knet_link_priority`), as the
    documented "Adding Redundant Links To An Existing Cluster" does (reference 4.7)."""
    _check_link(link, source or "corosync.conf")
    old, doc = _open(config, source)
    if link in configured_links(doc):
        raise InputError(f"link {link} is already configured", doc.source)
    sections = _all_nodes(doc, addresses, f"link {link}")
    for name, section in sections.items():
        doc.set(section, f"ring{link}_addr", addresses[name])
    options = tuple(options)
    if doc.sections("totem.interface"):
        doc.add_section("totem", "interface", {"linknumber": str(link), **dict(options)})
    elif options:
        raise InputError(
            "this file has no totem.interface sections, so there is no place for link options "
            f"({', '.join(k for k, _ in options)}) without adding one for every link",
            doc.source,
        )
    return edits._bump_and_finish(old, doc, force)


def remove_link(
    config: edits.Config, link: int, *, source: str | None = None, force: bool = False
) -> edits.EditResult:
    """No link `link`: every node's `ringK_addr` and the link's interface sections go."""
    _check_link(link, source or "corosync.conf")
    old, doc = _open(config, source)
    if link not in configured_links(doc):
        raise InputError(f"link {link} is not configured: nothing to remove", doc.source)
    node_sections(doc)  # every node has a name, so none is named by its ring0_addr
    others = [n for n in configured_links(doc) if n != link]
    if not others:
        raise InputError(
            f"link {link} is the only link: corosync needs one at all times", doc.source
        )
    for section in doc.sections("nodelist.node"):
        for key in list(doc.values(section)):
            if ring_number(key) == link:
                doc.remove(section, key)
    for section in reversed(interfaces(doc, link)):
        doc.remove_section(section)
    return edits._bump_and_finish(old, doc, force)


def set_link_addresses(
    config: edits.Config,
    link: int,
    addresses: Mapping[str, str],
    *,
    source: str | None = None,
    force: bool = False,
) -> edits.EditResult:
    """New `ringK_addr` values in place for the nodes named (the others keep theirs).

    corosync refuses this on a reload (reference 4.7); it takes effect when corosync
    restarts, node by node."""
    _check_link(link, source or "corosync.conf")
    old, doc = _open(config, source)
    sections = node_sections(doc)
    for name, address in addresses.items():
        if name not in sections:
            raise InputError(
                f"unknown node {printable(name, 40)!r}; the nodelist has {', '.join(sections)}",
                doc.source,
            )
        key = next((k for k in doc.values(sections[name]) if ring_number(k) == link), None)
        if key is None:
            raise InputError(f"{name} has no address on link {link}", doc.source)
        doc.set(sections[name], key, address)
    return edits._bump_and_finish(old, doc, force)


__all__ = [
    "MAX_LINK",
    "add_link",
    "addresses_of",
    "configured_links",
    "interface_link",
    "interfaces",
    "node_sections",
    "remove_link",
    "set_link_addresses",
]
