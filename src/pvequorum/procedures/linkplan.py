"""What the add-link and change-address plans share: their parameters, read and refused
one by one, the checks of the links as corosync reports them, and the common refusals.
PURE.

Parameters fail closed (issue 12): each bad value is an `InputError` naming its option and
saying why in one line.  An address must be an IP literal: corosync resolves a host name
on every start and reload (CQ252, reference 4.6), so a name would move the link whenever
DNS or /etc/hosts changes.

The plans decide from evidence: which links exist comes from the config the plan is made
from, whether they carry traffic from `corosync-cfgtool -s` on the nodes, checked when the
plan runs (`plan.LinkState`), and every step that removes a link first checks that the
links that stay connect every node.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pvequorum.conf import corosync, linkedits, validate
from pvequorum.cvalues import printable
from pvequorum.errors import InputError
from pvequorum.model import Cluster, is_hostname
from pvequorum.procedures import simulate
from pvequorum.procedures.common import status_check, status_command, view_of
from pvequorum.procedures.confedit import transport_of
from pvequorum.procedures.plan import LINK_STATUS_ARGV, Check, Command, Danger, LinkState, Step
from pvequorum.procedures.state import PlanInput

LINK, ADDRESS, PRIORITY, METHOD = "--link", "--address", "--link-priority", "--method"
METHODS = ("reload", "restart")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
LINK_RETRIES = 20  # knet took 1.5-1.7 s to connect a new link in the lab (reference 4.7)


# --- parameters -------------------------------------------------------------------------------
def parse_link(value: str | None) -> int:
    if value is None or not value.strip():
        raise InputError("the link number is needed (0..7)", LINK)
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or int(text) > linkedits.MAX_LINK:
        raise InputError(
            f"a link number is 0..{linkedits.MAX_LINK} (corosync's INTERFACE_MAX is 8), got "
            f"{printable(value, 20)!r}",
            LINK,
        )
    return int(text)


def parse_priority(value: str | None) -> int | None:
    """`knet_link_priority` is a uint8 in corosync (reference 4.5); higher is preferred."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or int(text) > 255:
        raise InputError(f"knet_link_priority is 0..255, got {printable(value, 20)!r}", PRIORITY)
    return int(text)


def parse_method(value: str | None) -> str:
    if value is None or not value.strip():
        return "reload"
    if value.strip() not in METHODS:
        raise InputError(
            f"the method is reload (the default: links removed and added, no restart) or "
            f"restart (addresses changed in place, corosync restarted on every node), got "
            f"{printable(value, 20)!r}",
            METHOD,
        )
    return value.strip()


def literal(text: str, node: str) -> IPAddress:
    """An IP address a knet link can use; host names and addresses no link can have refused."""
    value = text.strip()
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        looks_numeric = all(c in "0123456789." for c in value) or ":" in value
        if is_hostname(value) and not looks_numeric:
            why = (
                "is a host name: give its IP address (corosync resolves a name on every start "
                "and reload, so a DNS or /etc/hosts change would move the link; CQ252, "
                "reference 4.6)"
            )
        else:
            why = "is not an IP address"
        raise InputError(f"{node}={printable(text, 60)} {why}", ADDRESS) from None
    bad = (
        "a loopback address"
        if address.is_loopback
        else "the unspecified address"
        if address.is_unspecified
        else "a multicast address"
        if address.is_multicast
        else "an IPv6 link-local address (it needs an interface scope)"
        if address.version == 6 and address.is_link_local
        else "an IPv4-mapped IPv6 address"
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None
        else None
    )
    if bad is not None:
        raise InputError(f"{node}={value} is {bad}: no node can be reached on it", ADDRESS)
    return address


def parse_addresses(
    value: str | Iterable[str] | None, names: Iterable[str]
) -> dict[str, IPAddress]:
    """`NODE=ADDRESS` entries, comma separated (or a sequence of them): each node of the
    nodelist at most once, each address an IP literal, no address twice."""
    parts = value.split(",") if isinstance(value, str) else list(value or ())
    known = tuple(names)
    out: dict[str, IPAddress] = {}
    seen: dict[IPAddress, str] = {}
    for part in parts:
        entry = part.strip()
        if not entry:
            continue
        node, equals, text = entry.partition("=")
        node = node.strip()
        if not equals or not node or not text.strip():
            raise InputError(f"{printable(entry, 60)!r} is not NODE=ADDRESS", ADDRESS)
        if node not in known:
            raise InputError(
                f"unknown node {printable(node, 40)!r}; the config has {', '.join(known)}",
                ADDRESS,
            )
        if node in out:
            raise InputError(f"{node} is given twice", ADDRESS)
        address = literal(text, node)
        if address in seen:
            raise InputError(
                f"{address} is given for {seen[address]} and {node}: two nodes cannot share an "
                "address on a link (CQ250, reference 4.6)",
                ADDRESS,
            )
        seen[address] = node
        out[node] = address
    if not out:
        raise InputError("give the new addresses as NODE=ADDRESS,NODE=ADDRESS,...", ADDRESS)
    return out


# --- the config, as links ---------------------------------------------------------------------
@dataclass(frozen=True)
class Links:
    """The links of the config a plan is made from: per link each node's address."""

    doc: corosync.CorosyncConf
    numbers: tuple[int, ...]
    addresses: Mapping[int, Mapping[str, str]]  # link -> node -> address as written
    options: Mapping[int, tuple[tuple[str, str], ...]]  # link -> its interface options

    def used(self) -> dict[IPAddress | str, tuple[str, int]]:
        """Every address in the file -> (node, link), literal addresses compared as IPs."""
        out: dict[IPAddress | str, tuple[str, int]] = {}
        for link, nodes in self.addresses.items():
            for node, text in nodes.items():
                out.setdefault(address_key(text), (node, link))
        return out

    def families(self) -> set[int]:
        return {
            a.version
            for nodes in self.addresses.values()
            for text in nodes.values()
            if isinstance(a := address_key(text), ipaddress.IPv4Address | ipaddress.IPv6Address)
        }


def address_key(text: str) -> IPAddress | str:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return text


def links_of(text: str) -> Links:
    doc = corosync.parse(text)
    linkedits.node_sections(doc)  # every node named: links are edited by node name
    numbers = linkedits.configured_links(doc)
    options = {}
    for number in numbers:
        sections = linkedits.interfaces(doc, number)
        options[number] = tuple(
            (k, v)
            for s in sections
            for k, (v, _) in doc.values(s).items()
            if k not in ("linknumber", "ringnumber")
        )
    return Links(doc, numbers, {n: linkedits.addresses_of(doc, n) for n in numbers}, options)


def check_fresh(links: Links, new: Mapping[str, IPAddress], keep: Iterable[str] = ()) -> None:
    """No new address may be in use already: on another node it is CQ250, on another link
    of the same node CQ251 (reference 4.6).  `keep` are (node) addresses that stay."""
    used = links.used()
    for node, address in new.items():
        owner = used.get(address)
        if owner is None:
            continue
        other, link = owner
        if other == node:
            raise InputError(
                f"{node}={address} is already {node}'s address on link {link}: a second link "
                "on the same address adds no redundancy (CQ251, reference 4.6)",
                ADDRESS,
            )
        raise InputError(
            f"{node}={address} is {other}'s address on link {link}: two nodes cannot share "
            "an address (CQ250, reference 4.6)",
            ADDRESS,
        )


def check_family(links: Links, addresses: Iterable[IPAddress], link: int) -> None:
    """One address family on the link (corosync refuses two, CQ134), and the family the
    cluster's links use already (a change of family is not planned here)."""
    families = {a.version for a in addresses}
    if len(families) > 1:
        raise InputError(
            f"IPv4 and IPv6 addresses on link {link}: corosync refuses two address families "
            "on one link (CQ134, reference 4.6)",
            ADDRESS,
        )
    existing = links.families()
    if existing and not families <= existing:
        have = "/".join(f"IPv{v}" for v in sorted(existing))
        raise InputError(
            f"the cluster's links use {have}; new addresses must be {have} as well (one "
            "family per link, CQ134, reference 4.6; a change of family is not planned here)",
            ADDRESS,
        )


def new_findings(
    before: Iterable[validate.Finding], after: Iterable[validate.Finding]
) -> list[validate.Finding]:
    """Findings of the edited file that the original did not have (same code and message;
    line numbers move with an edit)."""
    seen = {(f.code, f.message) for f in before}
    return [f for f in after if (f.code, f.message) not in seen]


def finding_dangers(
    before: Iterable[validate.Finding], after: Iterable[validate.Finding], what: str
) -> list[Danger]:
    """Blocking for what corosync would refuse, warnings for new hazards, by finding."""
    out = []
    for f in new_findings(before, after):
        if f.severity not in ("error", "warning"):
            continue
        blocking = f.refuses_to_start or f.severity == "error"
        text = f"{what}: {f.code} {f.message}"
        out.append(Danger("blocking" if blocking else "warning", text, "4.6"))
    return out


# --- refusals from the evidence ---------------------------------------------------------------
def blockers(inp: PlanInput, what: str) -> list[Danger]:
    """Corosync 3 with knet, every node up, quorate: else nothing is planned."""
    c = inp.cluster
    if c.stack == "cman":
        return [
            Danger(
                "blocking",
                f"{what}: cman (Proxmox VE 2.x/3.x) has no knet links; its redundant ring is "
                "an `<altname>` in cluster.conf, which these plans do not cover.",
                "8.1",
            )
        ]
    if inp.version.corosync_major < 3:
        return [
            Danger(
                "blocking",
                f"{what}: knet links came with corosync 3 (Proxmox VE 6.0); Proxmox VE "
                f"{inp.version} runs corosync {inp.version.corosync_major}, whose redundant "
                "rings (rrp_mode) these plans do not cover.",
                "4.6, 4.7",
            )
        ]
    out = []
    transport = transport_of(inp.config_text or "", c.stack, inp.version.corosync_major)
    if transport not in (None, "knet"):
        out.append(
            Danger(
                "blocking",
                f"{what}: totem.transport is {transport}; only knet has more than one link.",
                "4.6",
            )
        )
    down = inp.state.missing(c)
    if down:
        out.append(
            Danger(
                "blocking",
                f"{what} needs every node up: {', '.join(down)} "
                f"{'is' if len(down) == 1 else 'are'} not a member. A node that is down is "
                "not checked, and it takes the new config only when it starts, with nobody "
                "watching; power it on first, or plan without it after removing it.",
                "4.3, 4.7",
            )
        )
    elif not view_of(simulate.running(c, c.names), inp.run_node).quorate:
        out.append(
            Danger(
                "blocking",
                f"{what}: the cluster is not quorate, so /etc/pve is read-only.",
                "6",
            )
        )
    return out


# --- steps --------------------------------------------------------------------------------------
def all_up_step(inp: PlanInput) -> Step:
    c, node = inp.cluster, inp.run_node
    return Step(
        title="Check that every node is up and the cluster is quorate",
        why="The change goes to every node through /etc/pve, which is writable only while "
        "quorate (reference 6); a node that is down would take the new links only when it "
        "starts, unchecked (reference 4.3).",
        references=("6", "4.3"),
        commands=(status_command(node),),
        postcheck=status_check(
            node,
            view_of(simulate.running(c, c.names), node),
            c.stack,
            "every node a member, quorate",
        ),
    )


def still_quorate_step(inp: PlanInput, retries: int = 1) -> Step:
    c, node = inp.cluster, inp.run_node
    return Step(
        title="Check that every node is still a member and the cluster quorate",
        why="The links changed under a running cluster; the membership must not have "
        "(reference 4.7).",
        references=("4.7", "5.1"),
        commands=(status_command(node),),
        postcheck=status_check(
            node,
            view_of(simulate.running(c, c.names), node),
            c.stack,
            "every node still a member, quorate",
            retries=retries,
        ),
    )


def peers(cluster: Cluster, node: str) -> tuple[int, ...]:
    return tuple(n.nodeid for n in cluster.by_nodeid() if n.name != node)


def link_check(on: str, states: Iterable[LinkState], description: str) -> Check:
    return Check(
        command=Command(on=on, argv=LINK_STATUS_ARGV),
        links=tuple(states),
        description=description,
        retries=LINK_RETRIES,
    )


def connected_steps(
    cluster: Cluster,
    links: Iterable[int],
    why: str,
    *,
    first: str,
    rollback: str = "",
    rollback_commands: tuple[Command, ...] = (),
    log_on: str | None = None,
) -> list[Step]:
    """One step per node (`first` first): `corosync-cfgtool -s` there shows every other
    node connected on each of `links` (a node sees only its own links, reference 5.4).
    The rollback commands go with the first step; the others name it."""
    numbers = tuple(links)
    shown = ", ".join(str(n) for n in numbers)
    verb = "connect" if len(numbers) > 1 else "connects"
    order = [first, *(n for n in cluster.names if n != first)]
    out: list[Step] = []
    if len(cluster.nodes) < 2:
        return []  # a link connects a node to others: a single node has none to check
    for node in order:
        states = [LinkState(k, peers(cluster, node)) for k in numbers]
        commands: tuple[Command, ...] = ()
        if node == log_on:
            commands = (
                Command(on=node, argv=("journalctl", "-b", "-u", "corosync", "--no-pager")),
            )
        title = f"Check on {node} that link{'s' if len(numbers) > 1 else ''} {shown} {verb} it"
        later = bool(out) and bool(rollback_commands)
        out.append(
            Step(
                title=f"{title} to every other node",
                why=why,
                references=("5.4", "4.7"),
                commands=commands,
                precheck=link_check(
                    node,
                    states,
                    f"corosync-cfgtool -s on {node}: link {shown} connected to every other node",
                ),
                rollback=rollback
                + (f" (the commands are in the check on {first})" if later else ""),
                rollback_commands=() if later else rollback_commands,
            )
        )
    return out


def absent_step(cluster: Cluster, node: str, gone: int, stay: Iterable[int]) -> Step:
    numbers = tuple(stay)
    others = peers(cluster, node)
    states = [LinkState(gone, absent=True), *(LinkState(k, others) for k in numbers if others)]
    return Step(
        title=f"Check on {node} that link {gone} is gone and the others still connect",
        why=f"corosync drops a link that the reloaded config no longer has; link "
        f"{', '.join(str(n) for n in numbers)} must still reach every other node "
        "(reference 4.7, 5.4).",
        references=("4.7", "5.4"),
        precheck=link_check(
            node,
            states,
            f"corosync-cfgtool -s on {node}: no link {gone}, the others connected",
        ),
    )


def family_name(addresses: Iterable[IPAddress]) -> str:
    versions = {a.version for a in addresses}
    return "/".join(f"IPv{v}" for v in sorted(versions))


__all__ = [
    "ADDRESS",
    "LINK",
    "METHOD",
    "METHODS",
    "PRIORITY",
    "Links",
    "absent_step",
    "address_key",
    "all_up_step",
    "blockers",
    "check_family",
    "check_fresh",
    "connected_steps",
    "finding_dangers",
    "link_check",
    "links_of",
    "literal",
    "new_findings",
    "parse_addresses",
    "parse_link",
    "parse_method",
    "parse_priority",
    "peers",
    "still_quorate_step",
]
