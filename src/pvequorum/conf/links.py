"""The knet links of a corosync.conf: what corosync 3.1.7 refuses, and what only hurts.  PURE.

The refusals are `totem_config_read()` / `totem_config_validate()` in exec/totemconfig.c
(reference 4.6), each compared with the real `corosync -t`:

* a `ringK_addr` with K above 7 ("interface ring number K is bigger than allowed maximum
  7"; K is read with `sscanf("%u")`, so `ring-1_addr` wraps to 4294967295);
* more than one link and a node without `name`;
* a link that not every node has an address on ("Not all nodes have the same number of
  links": corosync compares the node count of each link with the first link's);
* two address families on one link (only literal addresses can be compared here: a host
  name is resolved by the node);
* `totem.link_mode` other than active, passive or rr;
* a `knet_transport` other than udp or sctp in an `interface {}` (read before the nodelist,
  so it is the first refusal).

corosync accepts the rest, but a cluster with them has less redundancy than it looks: the
same address twice on a link or on two links of a node, a host name instead of an
address (pve8to9 warns: resolution can change under a running cluster), and two links
whose addresses are in the same networks on every node (`shared_network`: corosync.conf has
no netmask, so a /24 or /64 is assumed; an inference, reference 4.6).
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass

from pvequorum.conf.corosync import CorosyncConf, ring_number

INTERFACE_MAX = 8  # INTERFACE_MAX in include/corosync/totem/totem.h
LINK_MODES = ("active", "passive", "rr")


@dataclass(frozen=True)
class LinkProblem:
    """One link finding: its validator code, message and 1-based line."""

    code: str
    message: str
    line: int | None
    said: str | None = None  # corosync's own words, for a refusal

    @classmethod
    def refusal(cls, code: str, said: str, line: int | None, more: str = "") -> LinkProblem:
        return cls(code, f"corosync refuses to start: '{said}'{more} (reference 4.6)", line, said)


@functools.lru_cache(maxsize=4096)
def _family(address: str) -> int | None:
    try:
        return ipaddress.ip_address(address).version
    except ValueError:
        return None  # a host name: the node resolves it


SAME_NETWORK_PREFIX = {4: 24, 6: 64}  # the assumed prefix: corosync.conf has no netmask


def shared_network(first: str, second: str) -> str | None:
    """The network both addresses are in, taking a /24 (IPv4) or /64 (IPv6); None when they
    are not, or either is not an IP literal.  The one home of the "same subnet" rule."""
    try:
        a, b = ipaddress.ip_address(first), ipaddress.ip_address(second)
    except ValueError:
        return None
    if a.version != b.version:
        return None
    network = ipaddress.ip_network(f"{a}/{SAME_NETWORK_PREFIX[a.version]}", strict=False)
    return str(network) if b in network else None


def _same_network_links(nodes: list[_Node]) -> list[LinkProblem]:
    """Two links whose addresses share a network on every node: probably one network."""
    links = sorted({k for node in nodes for k in node.addresses})
    out = []
    for i, first in enumerate(links):
        for second in links[i + 1 :]:
            pairs = [
                (node.addresses[first][0], node.addresses[second][0])
                for node in nodes
                if first in node.addresses and second in node.addresses
            ]
            if len(pairs) != len(nodes) or not pairs:
                continue
            nets = [shared_network(a, b) for a, b in pairs]
            if all(nets) and not any(a == b for a, b in pairs):
                line = next(n.addresses[second][1] for n in nodes)
                shown = ", ".join(sorted({n for n in nets if n}))
                out.append(
                    LinkProblem(
                        "CQ253",
                        f"links {first} and {second} are in the same networks on every node "
                        f"({shown}, taking a /24 or /64: corosync.conf has no netmask, so "
                        "this is an inference): one switch or cable failure takes both "
                        "(reference 4.6)",
                        line,
                    )
                )
    return out


@dataclass(frozen=True)
class _Node:
    name: str | None
    line: int
    addresses: dict[int, tuple[str, int]]  # link -> (address, line)


def _nodes(doc: CorosyncConf) -> list[_Node]:
    out = []
    for section in doc.sections("nodelist.node"):
        values = doc.values(section)
        addresses = {}
        for key, (value, line) in values.items():
            number = ring_number(key)
            if number is not None:
                addresses[number] = (value, line)
        name = values["name"][0] if "name" in values else None
        out.append(_Node(name, section.line, addresses))
    return out


def findings(doc: CorosyncConf) -> list[LinkProblem]:
    """Every node's refusals, then the hazards (the validator's view, one reading)."""
    nodes = _nodes(doc)
    return refusals(doc, nodes=nodes) + hazards(doc, nodes=nodes)


def refusals(
    doc: CorosyncConf, local: str | None = None, nodes: list[_Node] | None = None
) -> list[LinkProblem]:
    """What keeps corosync from starting in the links, with corosync's words, in the order
    corosync checks them (its first is what it logs).

    Which words depend on the node: a node without an address on a link the others have
    stops at 'No multicast port specified for interface K' (its link K has no port), the
    others at 'Not all nodes have the same number of links'.  With `local` (a node name)
    the list is that node's; without, it is every node's but the missing port."""
    nodes = _nodes(doc) if nodes is None else nodes
    out = _transports(doc)  # get_interface_params() reads totem.interface before the nodelist
    out += [
        LinkProblem.refusal(
            "CQ130",
            f"interface ring number {number} is bigger than allowed maximum {INTERFACE_MAX - 1}",
            line,
        )
        for node in nodes
        for number, (_, line) in node.addresses.items()
        if number >= INTERFACE_MAX
    ]
    links = sorted({k for node in nodes for k in node.addresses if k < INTERFACE_MAX})
    mine = next((n for n in nodes if local is not None and n.name == local), None)
    if mine is not None:
        out += [
            LinkProblem.refusal(
                "CQ132", f"No multicast port specified for interface {link}", mine.line
            )
            for link in links
            if link not in mine.addresses
        ][:1]
    if len(links) > 1:
        # corosync checks the `name` of the first N nodelist entries, N being the node
        # count of the first link, then compares every link's node count with that N
        members = sum(links[0] in n.addresses for n in nodes)
        out += [
            LinkProblem.refusal(
                "CQ131",
                "for a multi-link configuration, all nodes must have a 'name' attribute",
                node.line,
            )
            for node in nodes[:members]
            if node.name is None
        ]
        counts = {link: sum(link in n.addresses for n in nodes) for link in links}
        if len(set(counts.values())) > 1:
            most = max(counts.values())
            short = [
                f"link {link} lacks {_without(nodes, link)}, which stops at 'No multicast "
                f"port specified for interface {link}'"
                for link in links
                if counts[link] < most
            ]
            first_short = next(link for link in links if counts[link] < most)
            line = next(n.line for n in nodes if first_short not in n.addresses)
            out.append(
                LinkProblem.refusal(
                    "CQ132",
                    "Not all nodes have the same number of links",
                    line,
                    f" ({'; '.join(short)})",
                )
            )
    out += _families(nodes, links)
    mode = doc.get("totem.link_mode")
    if mode is not None and mode not in LINK_MODES:
        out.append(
            LinkProblem.refusal(
                "CQ133",
                f'The Knet link mode "{mode}" specified is invalid.  It must be active, '
                "passive or rr.",
                doc.line_of("totem.link_mode"),
            )
        )
    return out


KNET_TRANSPORTS = ("udp", "sctp")


def _transports(doc: CorosyncConf) -> list[LinkProblem]:
    """`knet_transport` other than udp or sctp in an `interface {}` (get_interface_params())."""
    out = []
    for section in doc.sections("totem.interface"):
        entry = doc.values(section).get("knet_transport")
        if entry is not None and entry[0] not in KNET_TRANSPORTS:
            out.append(
                LinkProblem.refusal(
                    "CQ135", "Unrecognised knet_transport. expected 'udp' or 'sctp'", entry[1]
                )
            )
    return out


def _without(nodes: list[_Node], link: int) -> str:
    return ", ".join(
        n.name or f"the node at line {n.line}" for n in nodes if link not in n.addresses
    )


def _families(nodes: list[_Node], links: list[int]) -> list[LinkProblem]:
    out = []
    for link in links:
        entries = [n.addresses[link] for n in nodes if link in n.addresses]
        first = _family(entries[0][0])
        for address, line in entries[1:]:
            family = _family(address)
            if first is not None and family is not None and family != first:
                out.append(
                    LinkProblem.refusal(
                        "CQ134",
                        f"Nodes for link {link} have different IP families (compared "
                        f"{address} with {entries[0][0]})",
                        line,
                    )
                )
                break
    return out


def hazards(doc: CorosyncConf, nodes: list[_Node] | None = None) -> list[LinkProblem]:
    """What corosync accepts but leaves the links weaker than they look."""
    nodes = _nodes(doc) if nodes is None else nodes
    out = []
    seen: dict[tuple[int, str], str] = {}
    for node in nodes:
        label = node.name or f"the node at line {node.line}"
        mine: dict[str, int] = {}
        for link, (address, line) in sorted(node.addresses.items()):
            other = seen.get((link, address))
            if other is not None:
                out.append(
                    LinkProblem(
                        "CQ250",
                        f"ring{link}_addr {address} of {label} is also {other}'s: two nodes "
                        "cannot share an address on a link (reference 4.6)",
                        line,
                    )
                )
            seen.setdefault((link, address), label)
            if address in mine:
                out.append(
                    LinkProblem(
                        "CQ251",
                        f"{label} has {address} on link {mine[address]} and link {link}: the "
                        "second link adds no redundancy (reference 4.6)",
                        line,
                    )
                )
            mine.setdefault(address, link)
            if _family(address) is None:
                out.append(
                    LinkProblem(
                        "CQ252",
                        f"ring{link}_addr of {label} is the host name {address!r}: corosync "
                        "resolves it on each start and reload, so a DNS or /etc/hosts change "
                        "moves the link; use an IP address (pve8to9 warns, reference 4.6)",
                        line,
                    )
                )
    return out + _same_network_links(nodes)
