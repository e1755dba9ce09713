"""Parse and render `corosync-cfgtool -s`, `-s -b` and `-n` output, byte for byte (reference 5.4).

The link status is what an operator checks before and after touching the network of a
cluster, and what the lab polls while a link fails; a parser that guessed at the layout
would read a disconnected peer as connected one day.  So these parsers accept exactly the
text corosync 3.1.7 can print and nothing else, and the renderers print that text again:
`render_status(parse_status(text)) == text` for every valid output, and
`parse_status(render_status(value)) == value` for every value of these types.

Source: corosync v3.1.7 `tools/corosync-cfgtool.c`.  `-s`, `-s -b` and `-n` all print from
one function, `nodestatusget_do(action, brief)` (there is no `linkstatusget_do` in 3.1.7);
the values come from `corosync_cfg_node_status_get`, filled by `totemknet_nodestatus_get`,
`totemudp_nodestatus_get` or `totemudpu_nodestatus_get` (exec/) into the
`corosync_cfg_node_status_v1` of `include/corosync/cfg.h`.  What this implies:

* every output starts with `Local node ID %u, transport %s`; `%s` is `totem.transport`
  from cmap, `knet` when it is not set (corosync accepts only `knet`, `udp`, `udpu`);
* `-s` and `-s -b` print one block per enabled link (`CFG_MAX_LINKS` is 8) of the *other*
  node with the highest index in the nodelist, sorted by node id; the block lists every
  nodelist node, the local one as `localhost` (`-s`) or `n` (`-b`); with udp/udpu only
  link 0 exists and the link's word is empty, so `LINK ID 0 ` ends in a space;
* `-n` lists the reachable nodes other than the local one, each followed by its enabled
  links and an empty line; knet shows `(src->dst)`, udp/udpu `(addr)`; the
  `onwire (min/max/cur)` part exists only with knet and a build with HAVE_KNET_ONWIRE_VER;
* `-b` alone prints the usage text; `-n -b` prints `-n`; `-i` is read but not used.

Every parse error is a `CfgtoolError` (an `InputError`) whose one line names the line and
shows it escaped (`cvalues.printable`); input beyond `limits.MAX_CFGTOOL_BYTES` is refused
before it is split, and every pattern is bounded, so time and memory stay linear.  Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal, TypeVar, get_args

from pvequorum.cvalues import one_line, printable
from pvequorum.errors import InputError
from pvequorum.limits import MAX_CFGTOOL_BYTES, MAX_NODES, MAX_UINT32

__all__ = [
    "BriefLink",
    "BriefState",
    "BriefStatus",
    "CfgtoolError",
    "LinkPeer",
    "LinkStatus",
    "LinkTransport",
    "LocalLink",
    "NodeLink",
    "NodeStatus",
    "Onwire",
    "PeerNode",
    "PeerState",
    "StatusLink",
    "Transport",
    "parse_brief",
    "parse_nodes",
    "parse_status",
    "render_brief",
    "render_nodes",
    "render_status",
]

Transport = Literal["knet", "udp", "udpu"]
"""`totem.transport` as the header shows it (exec/totemconfig.c accepts only these)."""

LinkTransport = Literal["udp", "sctp", ""]
"""The word after a link id: `totem.interface.N.knet_transport` (`udp` or `sctp`), else
`udp` with knet and the empty string with udp/udpu ("No point in displaying udp again")."""

PeerState = Literal["localhost", "connected", "disconnected"]
"""What `-s` says of one node on one link: the local node is `localhost` whatever its
link does, any other node `connected` or `disconnected` (the `connected` flag only; `-s`
never prints `enabled` or `disabled`)."""

BriefState = Literal["0", "1", "2", "3", "n"]
"""What `-s -b` prints for one node on one link: `enabled | connected << 1` as a digit
(0 neither, 1 enabled, 2 connected but not enabled, 3 both), `n` for the local node."""

_Word = TypeVar("_Word", bound=str)

TRANSPORTS: tuple[Transport, ...] = get_args(Transport)
LINK_TRANSPORTS: tuple[LinkTransport, ...] = get_args(LinkTransport)
PEER_STATES: tuple[PeerState, ...] = get_args(PeerState)
BRIEF_STATES: tuple[BriefState, ...] = get_args(BriefState)

CFG_MAX_LINKS = 8  # include/corosync/cfg.h: link ids 0..7
CFG_MAX_HOST_LEN = 256  # include/corosync/cfg.h: an address is at most 255 characters
INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # `mtu` is an unsigned int printed with %d
UINT8_MAX = 255  # onwire_min/max/ver are uint8_t

# An address as knet (getnameinfo NI_NUMERICHOST) or totemip_print writes it: printable
# ASCII without space and without `(`, `)`, `>`, so that `(src->dst)` splits one way only.
_ADDRESS_CHARS = r"[!-'*-=?-~]"
_ADDRESS_RE = re.compile(rf"{_ADDRESS_CHARS}{{1,{CFG_MAX_HOST_LEN - 1}}}")
_ADDRESS = _ADDRESS_RE.pattern

_HEADER = re.compile(r"Local node ID (?P<nodeid>[0-9]{1,10}), transport (?P<transport>\w{1,8})")
_LINK_ID = re.compile(r"LINK ID (?P<link_id>[0-9]{1,10}) (?P<word>udp|sctp|)")
_ADDR = re.compile(rf"\taddr\t= (?P<address>{_ADDRESS})")
_STATUS_HEAD = "\tstatus:"
_PEER = re.compile(
    r"\t\tnodeid: (?P<nodeid>[ 0-9]{10}):\t(?P<state>localhost|connected|disconnected)"
)
_BRIEF = re.compile(r"\tstatus\t= (?P<states>[0-3n]+)")
_NODE = re.compile(
    r"nodeid: (?P<nodeid>[0-9]{1,10}) reachable(?P<remote> remote)?(?P<external> external)?"
    r"(?:   onwire \(min/max/cur\): (?P<min>[0-9]{1,3}), (?P<max>[0-9]{1,3}), (?P<cur>[0-9]{1,3}))?"
)
_LINK_HEAD = r"   LINK: (?P<link_id>[0-9]{1,10}) (?P<word>udp|sctp|) "
_LINK_TAIL = (
    r" enabled(?P<connected> connected)?(?P<dynconnected> dynconnected)?"
    r" mtu: (?P<mtu>-?[0-9]{1,10})"
)
_NODE_LINK_KNET = re.compile(
    rf"{_LINK_HEAD}\((?P<source>{_ADDRESS})->(?P<destination>{_ADDRESS})\){_LINK_TAIL}"
)
_NODE_LINK_UDP = re.compile(rf"{_LINK_HEAD}\((?P<source>{_ADDRESS})\){_LINK_TAIL}")


class CfgtoolError(InputError):
    """Text that corosync-cfgtool 3.1.7 cannot have printed, or a value it cannot print;
    `where` names the line (None for a value built in code)."""


def _require(condition: bool, problem: str) -> None:
    """Refuse a value corosync cannot print: the one place the dataclasses raise from."""
    if not condition:
        raise CfgtoolError(problem)


def _check_nodeid(nodeid: int) -> None:
    """A node id as `%u` prints it: 0 included, since `-s` shows 0 for a node whose status
    corosync could not get (its `node_info` entry stays zeroed)."""
    _require(0 <= nodeid <= MAX_UINT32, f"node id {nodeid} is not 0..{MAX_UINT32}")


def _check_link_id(link_id: int) -> None:
    _require(0 <= link_id < CFG_MAX_LINKS, f"link id {link_id} is not 0..{CFG_MAX_LINKS - 1}")


def _check_address(address: str, what: str) -> None:
    _require(
        _ADDRESS_RE.fullmatch(address) is not None,
        f"{what} {printable(address)!r} is not 1..255 printable characters "
        "without blanks, '(', ')' or '>'",
    )


# --- the values ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalLink:
    """The two lines that open a link of `-s` and `-s -b`: `LINK ID %d %s`, `\\taddr\\t= %s`.

    `address` is `src_ipaddr` of the link of the other node corosync looks at: with knet
    this node's own address on the link; with udp/udpu `totemip_print` of that *other*
    node's address (totemudp[u]_nodestatus_get copies the member's address there).
    """

    link_id: int
    transport: LinkTransport
    address: str

    def __post_init__(self) -> None:
        _check_link_id(self.link_id)
        _require(self.transport in LINK_TRANSPORTS, f"link transport {self.transport!r}")
        _check_address(self.address, "address")


@dataclass(frozen=True)
class LinkPeer:
    """One `\\t\\tnodeid: %10u:\\t<state>` line of `-s`: a nodelist node on one link."""

    nodeid: int
    state: PeerState

    def __post_init__(self) -> None:
        _check_nodeid(self.nodeid)
        _require(self.state in PEER_STATES, f"peer state {printable(str(self.state))!r}")


@dataclass(frozen=True)
class StatusLink:
    """One link of `-s`: its opening lines, `\\tstatus:`, then one line per nodelist node
    in the nodelist's node id order, exactly one of them `localhost`."""

    link: LocalLink
    peers: tuple[LinkPeer, ...]

    def __post_init__(self) -> None:
        _require(0 < len(self.peers) <= MAX_NODES, f"{len(self.peers)} nodes, not 1..{MAX_NODES}")
        local = sum(peer.state == "localhost" for peer in self.peers)
        _require(local == 1, f"{local} localhost lines: corosync prints exactly one")

    @property
    def local_index(self) -> int:
        """The position of the local node (`local_nodeid_index` in the source)."""
        return next(i for i, peer in enumerate(self.peers) if peer.state == "localhost")


@dataclass(frozen=True)
class LinkStatus:
    """`corosync-cfgtool -s`: the header and the enabled links in link id order."""

    local_nodeid: int
    transport: Transport
    links: tuple[StatusLink, ...] = ()

    def __post_init__(self) -> None:
        _check_header(self.local_nodeid, self.transport)
        for index, link in enumerate(self.links):
            _check_status_link(self.transport, link, self.links[:index])

    def states_of(self, nodeid: int) -> tuple[tuple[int, str], ...]:
        """(link id, state) of every link that lists `nodeid`."""
        return tuple(
            (link.link.link_id, peer.state)
            for link in self.links
            for peer in link.peers
            if peer.nodeid == nodeid
        )


@dataclass(frozen=True)
class BriefLink:
    """One link of `-s -b`: its opening lines and `\\tstatus\\t= ` with one character per
    nodelist node (node id order, no ids shown), exactly one of them `n`."""

    link: LocalLink
    states: tuple[BriefState, ...]

    def __post_init__(self) -> None:
        count = len(self.states)
        _require(0 < count <= MAX_NODES, f"{count} node states, not 1..{MAX_NODES}")
        _require(all(s in BRIEF_STATES for s in self.states), "a brief state is not 0-3 or n")
        local = self.states.count("n")
        _require(local == 1, f"{local} 'n' states: corosync prints exactly one")

    @property
    def local_index(self) -> int:
        return self.states.index("n")


@dataclass(frozen=True)
class BriefStatus:
    """`corosync-cfgtool -s -b`: the header and the enabled links in link id order."""

    local_nodeid: int
    transport: Transport
    links: tuple[BriefLink, ...] = ()

    def __post_init__(self) -> None:
        _check_header(self.local_nodeid, self.transport)
        for index, link in enumerate(self.links):
            _check_brief_link(self.transport, link, self.links[:index])


@dataclass(frozen=True)
class NodeLink:
    """One `   LINK: %d %s (%s%s%s) enabled[ connected][ dynconnected] mtu: %d` line of
    `-n`.  Only enabled links are printed, so `enabled` is always there; `destination`
    is None with udp/udpu, where no `->` is printed (and `dst_ipaddr` is never set)."""

    link_id: int
    transport: LinkTransport
    source: str
    destination: str | None
    connected: bool
    dynconnected: bool
    mtu: int

    def __post_init__(self) -> None:
        _check_link_id(self.link_id)
        _require(self.transport in LINK_TRANSPORTS, f"link transport {self.transport!r}")
        _check_address(self.source, "source address")
        if self.destination is not None:
            _check_address(self.destination, "destination address")
        _require(INT_MIN <= self.mtu <= INT_MAX, f"mtu {self.mtu} is beyond a C int")


@dataclass(frozen=True)
class Onwire:
    """`   onwire (min/max/cur): %d, %d, %d`: the knet on-wire protocol versions (uint8_t)."""

    minimum: int
    maximum: int
    current: int

    def __post_init__(self) -> None:
        for value in (self.minimum, self.maximum, self.current):
            _require(0 <= value <= UINT8_MAX, f"onwire version {value} is not 0..{UINT8_MAX}")


@dataclass(frozen=True)
class PeerNode:
    """One reachable node of `-n`: `nodeid: %u reachable[ remote][ external][onwire]`, its
    enabled links in link id order, and the empty line after them."""

    nodeid: int
    remote: bool = False
    external: bool = False
    onwire: Onwire | None = None
    links: tuple[NodeLink, ...] = ()

    def __post_init__(self) -> None:
        _check_nodeid(self.nodeid)
        ids = [link.link_id for link in self.links]
        _require(ids == sorted(set(ids)), f"link ids {ids} are not in increasing order")


@dataclass(frozen=True)
class NodeStatus:
    """`corosync-cfgtool -n`: the header and the reachable nodes other than the local one,
    in the nodelist's node id order."""

    local_nodeid: int
    transport: Transport
    peers: tuple[PeerNode, ...] = ()

    def __post_init__(self) -> None:
        _check_header(self.local_nodeid, self.transport)
        _require(len(self.peers) <= MAX_NODES, f"{len(self.peers)} nodes, over {MAX_NODES}")
        for index, peer in enumerate(self.peers):
            _check_peer(self, peer, self.peers[0] if index else None)


# --- the rules between lines: shared by the values and the parsers ------------------------


def _check_header(local_nodeid: int, transport: str) -> None:
    _check_nodeid(local_nodeid)
    _require(transport in TRANSPORTS, f"transport {printable(transport)!r} is not knet, udp, udpu")


def _check_link_word(transport: Transport, link_id: int, word: LinkTransport) -> None:
    """knet names every link (`udp` by default); udp and udpu have link 0 only."""
    if transport == "knet":
        _require(word != "", "a knet link without its transport word (udp or sctp)")
    else:
        _require(link_id == 0, f"link {link_id}: {transport} has link 0 only")


def _check_local_link(transport: Transport, link: LocalLink, before: Sequence[LocalLink]) -> None:
    _check_link_word(transport, link.link_id, link.transport)
    if before:
        previous = before[-1].link_id
        _require(link.link_id > previous, f"LINK ID {link.link_id} after LINK ID {previous}")


def _check_status_link(
    transport: Transport, link: StatusLink, before: Sequence[StatusLink]
) -> None:
    """Every link lists the same nodes in the same order, the same one as `localhost`:
    corosync prints them all from one `node_info` array and one `local_nodeid_index`."""
    _check_local_link(transport, link.link, [b.link for b in before])
    if before:
        first = before[0]
        _require(
            [p.nodeid for p in link.peers] == [p.nodeid for p in first.peers]
            and link.local_index == first.local_index,
            f"LINK ID {link.link.link_id} lists other nodes, or another one as localhost, "
            f"than LINK ID {first.link.link_id}",
        )


def _check_brief_link(transport: Transport, link: BriefLink, before: Sequence[BriefLink]) -> None:
    """Every link has one state per nodelist node, the local node at the same place."""
    _check_local_link(transport, link.link, [b.link for b in before])
    if before:
        first = before[0]
        _require(
            (len(link.states), link.local_index) == (len(first.states), first.local_index),
            f"LINK ID {link.link.link_id}: {len(link.states)} states with n at "
            f"{link.local_index + 1}, LINK ID {first.link.link_id}: {len(first.states)} "
            f"with n at {first.local_index + 1}",
        )


def _check_node_link(transport: Transport, link: NodeLink) -> None:
    _check_link_word(transport, link.link_id, link.transport)
    knet = transport == "knet"
    _require(
        (link.destination is not None) == knet,
        "knet prints (source->destination), udp and udpu (address)",
    )


def _check_peer(status: NodeStatus, peer: PeerNode, first: PeerNode | None) -> None:
    """`-n` skips the local node; onwire versions exist with knet only and, being a build
    option, for every node or for none."""
    _require(peer.nodeid != status.local_nodeid, f"node {peer.nodeid} is the local node")
    if status.transport != "knet":
        _require(peer.onwire is None, f"onwire versions with {status.transport}")
    if first is not None:
        shown = "without" if peer.onwire is None else "with"
        _require(
            (peer.onwire is None) == (first.onwire is None),
            f"node {peer.nodeid} {shown} onwire versions, unlike node {first.nodeid}: "
            "a build shows them for every node or for none",
        )
    for link in peer.links:
        _check_node_link(status.transport, link)


# --- rendering: the printf calls of nodestatusget_do ---------------------------------------


def _header_line(local_nodeid: int, transport: Transport) -> str:
    return f"Local node ID {local_nodeid}, transport {transport}\n"


def _local_link_lines(link: LocalLink) -> str:
    return f"LINK ID {link.link_id} {link.transport}\n\taddr\t= {link.address}\n"


def render_status(status: LinkStatus) -> str:
    """The text `corosync-cfgtool -s` prints for `status`."""
    out = [_header_line(status.local_nodeid, status.transport)]
    for link in status.links:
        out.append(_local_link_lines(link.link))
        out.append(f"{_STATUS_HEAD}\n")
        out.extend(f"\t\tnodeid: {peer.nodeid:>10}:\t{peer.state}\n" for peer in link.peers)
    return "".join(out)


def render_brief(status: BriefStatus) -> str:
    """The text `corosync-cfgtool -s -b` prints for `status`."""
    out = [_header_line(status.local_nodeid, status.transport)]
    for link in status.links:
        out.append(_local_link_lines(link.link))
        out.append(f"\tstatus\t= {''.join(link.states)}\n")
    return "".join(out)


def _node_line(peer: PeerNode) -> str:
    line = f"nodeid: {peer.nodeid} reachable"
    line += " remote" if peer.remote else ""
    line += " external" if peer.external else ""
    if peer.onwire is not None:
        o = peer.onwire
        line += f"   onwire (min/max/cur): {o.minimum}, {o.maximum}, {o.current}"
    return line + "\n"


def _node_link_line(link: NodeLink) -> str:
    arrow = "" if link.destination is None else f"->{link.destination}"
    flags = " connected" if link.connected else ""
    flags += " dynconnected" if link.dynconnected else ""
    return (
        f"   LINK: {link.link_id} {link.transport} ({link.source}{arrow})"
        f" enabled{flags} mtu: {link.mtu}\n"
    )


def render_nodes(status: NodeStatus) -> str:
    """The text `corosync-cfgtool -n` prints for `status`."""
    out = [_header_line(status.local_nodeid, status.transport)]
    for peer in status.peers:
        out.append(_node_line(peer))
        out.extend(_node_link_line(link) for link in peer.links)
        out.append("\n")
    return "".join(out)


# --- parsing --------------------------------------------------------------------------------


class _Lines:
    """The lines of one output, read in order, and errors that name the line they are in."""

    def __init__(self, text: str, source: str, kind: str) -> None:
        self.source = one_line(source)
        self.kind = kind  # "-s", "-s -b" or "-n": which output this should be
        self.number = 0  # the number of the line last taken
        self._lines = self._split(text)

    def _split(self, text: str) -> list[str]:
        """The lines without their newlines; refuses before splitting what is too big, and
        what does not end in a newline (every printf of nodestatusget_do ends with one)."""
        if not isinstance(text, str):
            raise CfgtoolError(f"not text but {type(text).__name__}", self.source)
        if len(text) > MAX_CFGTOOL_BYTES:
            raise CfgtoolError(
                f"{len(text)} characters: more than corosync-cfgtool prints "
                f"(limit {MAX_CFGTOOL_BYTES})",
                self.source,
            )
        if not text:
            raise CfgtoolError("empty: corosync-cfgtool prints a 'Local node ID' line", self.source)
        lines = text.split("\n")  # not splitlines(): a CR, VT or U+2028 is no line end here
        if lines[-1]:
            self.number = len(lines)
            raise self.error("the last line has no newline (cut off?)", lines[-1])
        return lines[:-1]

    def peek(self) -> str | None:
        return self._lines[self.number] if self.number < len(self._lines) else None

    def take(self, expected: str) -> str:
        """The next line; at the end of the text an error saying what was `expected`."""
        line = self.peek()
        if line is None:
            raise CfgtoolError(f"the text ends where {expected} is due", self._where())
        self.number += 1
        return line

    def match(self, pattern: re.Pattern[str], expected: str) -> re.Match[str]:
        """The next line, which must be exactly `pattern`."""
        line = self.take(expected)
        found = pattern.fullmatch(line)
        if found is None:
            raise self.error(f"not {expected}", line)
        return found

    def error(
        self, problem: str, line: str | None = None, number: int | None = None
    ) -> CfgtoolError:
        """A one-line error about line `number` (the line last taken), showing the line."""
        number = self.number if number is None else number
        if line is None:
            line = self._lines[number - 1]
        return CfgtoolError(
            f'{problem}{self._hint(line)}: "{printable(line)}"', self._where(number)
        )

    def _where(self, number: int | None = None) -> str:
        return f"{self.source}: line {self.number + 1 if number is None else number}"

    def _hint(self, line: str) -> str:
        """What a line that is not this output's probably is."""
        if "\r" in line:
            return " (a CR: corosync-cfgtool ends its lines with LF only)"
        if line.startswith("**SCTP is deprecated"):
            return " (corosync 3.1.10's SCTP warning: this reads corosync 3.1.7 output)"
        others = {"-s -b": "\tstatus\t= ", "-s": _STATUS_HEAD, "-n": "nodeid: "}
        for kind, start in others.items():
            if kind != self.kind and line.startswith(start):
                return f" (a line of corosync-cfgtool {kind})"
        if self.kind == "-n" and line.startswith("LINK ID "):
            return " (a line of corosync-cfgtool -s)"
        return ""

    @contextmanager
    def at(self, number: int | None = None) -> Iterator[None]:
        """Give an error a value raises (no line yet) the line `number` it comes from."""
        try:
            yield
        except CfgtoolError as exc:
            if exc.where is not None:
                raise
            raise self.error(exc.problem, number=number) from None


def _number(token: str, lo: int, hi: int, what: str) -> int:
    """The value printf printed as `token` (`%d` or `%u`): no leading zero, no `-0`.

    `token` matched a bounded ASCII pattern, so `int` sees at most 11 characters.
    """
    value = int(token)
    _require(str(value) == token, f"{what} {token!r} is not how printf prints a number")
    _require(lo <= value <= hi, f"{what} {value} is not {lo}..{hi}")
    return value


def _padded_nodeid(token: str) -> int:
    """A `%10u` node id: right-aligned in exactly 10 characters (CS_PRI_NODE_ID_PADDED)."""
    digits = token.lstrip(" ")
    _require(digits.isdigit(), f"node id {token!r} is not %10u")
    value = _number(digits, 0, MAX_UINT32, "node id")
    _require(f"{value:>10}" == token, f"node id {token!r} is not %10u")
    return value


def _choose(words: tuple[_Word, ...], token: str, what: str) -> _Word:
    """`token` as the one of `words` it is (typed as such)."""
    for word in words:
        if word == token:
            return word
    raise CfgtoolError(f"{what} {printable(token)!r} is not one of {', '.join(words)}")


def _header(lines: _Lines) -> tuple[int, Transport]:
    """`Local node ID %u, transport %s`."""
    found = lines.match(_HEADER, "the header 'Local node ID <id>, transport <transport>'")
    with lines.at():
        nodeid = _number(found["nodeid"], 0, MAX_UINT32, "local node id")
        transport = _choose(TRANSPORTS, found["transport"], "transport")
    return nodeid, transport


def _local_link(lines: _Lines) -> LocalLink:
    """`LINK ID %d %s` and `\\taddr\\t= %s`."""
    head = lines.match(_LINK_ID, "'LINK ID <link> <transport>'")
    with lines.at():
        link_id = _number(head["link_id"], 0, CFG_MAX_LINKS - 1, "link id")
        word = _choose(LINK_TRANSPORTS, head["word"], "link transport")
    address = lines.match(_ADDR, "'\\taddr\\t= <address>'")["address"]
    return LocalLink(link_id, word, address)


def _status_peers(lines: _Lines) -> tuple[LinkPeer, ...]:
    """`\\tstatus:` and the `\\t\\tnodeid: ...` lines after it, up to the next link."""
    if lines.take("'\\tstatus:'") != _STATUS_HEAD:
        raise lines.error("not '\\tstatus:'")
    peers: list[LinkPeer] = []
    while (line := lines.peek()) is not None and not (peers and line.startswith("LINK ID ")):
        found = lines.match(_PEER, "'\\t\\tnodeid: <%10u id>:\\t<localhost|connected|...>'")
        if len(peers) == MAX_NODES:
            raise lines.error(f"more than {MAX_NODES} nodes on one link")
        with lines.at():
            nodeid = _padded_nodeid(found["nodeid"])
            peers.append(LinkPeer(nodeid, _choose(PEER_STATES, found["state"], "state")))
    return tuple(peers)


def parse_status(text: str, source: str = "<corosync-cfgtool -s>") -> LinkStatus:
    """Read `corosync-cfgtool -s` output; `CfgtoolError` naming the line for anything else."""
    lines = _Lines(text, source, "-s")
    local_nodeid, transport = _header(lines)
    links: list[StatusLink] = []
    while lines.peek() is not None:
        start = lines.number + 1
        local = _local_link(lines)
        peers = _status_peers(lines)
        with lines.at(start):
            link = StatusLink(local, peers)
            _check_status_link(transport, link, links)
        links.append(link)
    return LinkStatus(local_nodeid, transport, tuple(links))


_BRIEF_CHARS: dict[str, BriefState] = {state: state for state in BRIEF_STATES}


def parse_brief(text: str, source: str = "<corosync-cfgtool -s -b>") -> BriefStatus:
    """Read `corosync-cfgtool -s -b` output; `CfgtoolError` naming the line for anything else."""
    lines = _Lines(text, source, "-s -b")
    local_nodeid, transport = _header(lines)
    links: list[BriefLink] = []
    while lines.peek() is not None:
        start = lines.number + 1
        local = _local_link(lines)
        found = lines.match(_BRIEF, "'\\tstatus\\t= <0-3 or n per node>'")
        with lines.at():
            link = BriefLink(local, tuple(_BRIEF_CHARS[c] for c in found["states"]))
        with lines.at(start):
            _check_brief_link(transport, link, links)
        links.append(link)
    return BriefStatus(local_nodeid, transport, tuple(links))


def _onwire(found: re.Match[str]) -> Onwire | None:
    if found["min"] is None:
        return None
    versions = (_number(found[k], 0, UINT8_MAX, "onwire version") for k in ("min", "max", "cur"))
    return Onwire(*versions)


def _node_link(lines: _Lines, transport: Transport) -> NodeLink:
    """One `   LINK: ...` line; knet's `(src->dst)` or udp/udpu's `(addr)` as `transport` says."""
    knet = transport == "knet"
    pattern = _NODE_LINK_KNET if knet else _NODE_LINK_UDP
    shape = "(<source>-><destination>)" if knet else "(<address>)"
    found = lines.match(pattern, f"'   LINK: <link> <transport> {shape} enabled ... mtu: <n>'")
    with lines.at():
        link = NodeLink(
            link_id=_number(found["link_id"], 0, CFG_MAX_LINKS - 1, "link id"),
            transport=_choose(LINK_TRANSPORTS, found["word"], "link transport"),
            source=found["source"],
            destination=found["destination"] if knet else None,
            connected=found["connected"] is not None,
            dynconnected=found["dynconnected"] is not None,
            mtu=_number(found["mtu"], INT_MIN, INT_MAX, "mtu"),
        )
        _check_node_link(transport, link)
    return link


def _peer_links(lines: _Lines, transport: Transport) -> tuple[NodeLink, ...]:
    """The `   LINK: ...` lines of one node, in increasing link id order."""
    links: list[NodeLink] = []
    while (line := lines.peek()) is not None and line.startswith("   LINK: "):
        link = _node_link(lines, transport)
        if links and link.link_id <= links[-1].link_id:
            raise lines.error(f"LINK {link.link_id} after LINK {links[-1].link_id}")
        links.append(link)
    return tuple(links)


def _peer(lines: _Lines, status: NodeStatus, first: PeerNode | None) -> PeerNode:
    """A node line, its link lines and the empty line that ends them."""
    found = lines.match(_NODE, "'nodeid: <id> reachable ...'")
    start = lines.number
    with lines.at():
        nodeid = _number(found["nodeid"], 0, MAX_UINT32, "node id")
        onwire = _onwire(found)
    links = _peer_links(lines, status.transport)
    if lines.take(f"the empty line after node {nodeid}") != "":
        raise lines.error(f"neither '   LINK: ...' nor the empty line after node {nodeid}")
    remote, external = found["remote"] is not None, found["external"] is not None
    with lines.at(start):
        peer = PeerNode(nodeid, remote, external, onwire, links)
        _check_peer(status, peer, first)
    return peer


def parse_nodes(text: str, source: str = "<corosync-cfgtool -n>") -> NodeStatus:
    """Read `corosync-cfgtool -n` output; `CfgtoolError` naming the line for anything else."""
    lines = _Lines(text, source, "-n")
    local_nodeid, transport = _header(lines)
    head = NodeStatus(local_nodeid, transport)
    peers: list[PeerNode] = []
    while lines.peek() is not None:
        if len(peers) == MAX_NODES:
            raise lines.error(f"more than {MAX_NODES} nodes", number=lines.number + 1)
        peers.append(_peer(lines, head, peers[0] if peers else None))
    return NodeStatus(local_nodeid, transport, tuple(peers))
