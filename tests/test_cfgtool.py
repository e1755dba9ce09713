"""`pvequorum.cfgtool`: `corosync-cfgtool -s`, `-s -b` and `-n` text, byte for byte.

Three sources of valid text: the real outputs recorded from corosync 3.1.7
(tests/data/real/cfgtool-s-*.txt), outputs written by hand from the printf formats, and
`c_cfgtool`, a line-by-line transliteration of `nodestatusget_do` (corosync v3.1.7
tools/corosync-cfgtool.c) that hypothesis feeds random cmap contents and node status answers.
Every valid text must round-trip exactly; every value of the types must too; anything else
must raise `CfgtoolError` with one printable line, and quickly, however big or hostile.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import DATA

from pvequorum import cfgtool
from pvequorum.cfgtool import (
    BriefLink,
    BriefStatus,
    CfgtoolError,
    LinkPeer,
    LinkStatus,
    LocalLink,
    NodeLink,
    NodeStatus,
    Onwire,
    PeerNode,
    StatusLink,
    parse_brief,
    parse_nodes,
    parse_status,
    render_brief,
    render_nodes,
    render_status,
)
from pvequorum.cvalues import one_line
from pvequorum.limits import MAX_CFGTOOL_BYTES, MAX_NODES, MAX_UINT32

REAL = sorted((DATA / "real").glob("cfgtool-s-*.txt"))
PARSERS: dict[str, tuple[Callable[[str], Any], Callable[[Any], str]]] = {
    "-s": (parse_status, render_status),
    "-s -b": (parse_brief, render_brief),
    "-n": (parse_nodes, render_nodes),
}
FAST = settings(max_examples=150, deadline=None)


def refused(parse: Callable[[str], object], text: str, *words: str) -> CfgtoolError:
    """`parse(text)` raises CfgtoolError: one printable line that holds every one of `words`."""
    with pytest.raises(CfgtoolError) as caught:
        parse(text)
    message = str(caught.value)
    assert one_line(message) == message, message
    for word in words:
        assert word in message, message
    return caught.value


# --- the real outputs -----------------------------------------------------------------------


def test_the_real_samples_are_there() -> None:
    assert [p.name for p in REAL] == [
        "cfgtool-s-partitioned.txt",
        "cfgtool-s-peer-connected.txt",
        "cfgtool-s-peer-disconnected.txt",
    ]


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_real_samples_round_trip_byte_exactly(path: Path) -> None:
    raw = path.read_bytes()
    status = parse_status(raw.decode("ascii"), path.name)
    assert render_status(status).encode("ascii") == raw
    assert status.local_nodeid == 1 and status.transport == "knet"
    (link,) = status.links
    assert link.link == LocalLink(0, "udp", "10.213.20.1")
    want = "connected" if "peer-connected" in path.name else "disconnected"
    assert link.peers == (LinkPeer(1, "localhost"), LinkPeer(2, want))
    assert link.local_index == 0


def test_real_samples_are_not_the_other_formats() -> None:
    text = REAL[0].read_text()
    refused(parse_brief, text, "line 4", "not '\\tstatus\\t= ", "a line of corosync-cfgtool -s)")
    refused(
        parse_nodes, text, "line 2", "'nodeid: <id> reachable", "a line of corosync-cfgtool -s)"
    )


# --- written by hand from the printf formats ------------------------------------------------

# Four nodes, two knet links (the second with knet_transport: sctp), node 3 down.
S_FOUR = (
    "Local node ID 1, transport knet\n"
    "LINK ID 0 udp\n"
    "\taddr\t= 10.0.0.1\n"
    "\tstatus:\n"
    "\t\tnodeid:          1:\tlocalhost\n"
    "\t\tnodeid:          2:\tconnected\n"
    "\t\tnodeid:          3:\tdisconnected\n"
    "\t\tnodeid:          4:\tconnected\n"
    "LINK ID 1 sctp\n"
    "\taddr\t= fd00::1\n"
    "\tstatus:\n"
    "\t\tnodeid:          1:\tlocalhost\n"
    "\t\tnodeid:          2:\tdisconnected\n"
    "\t\tnodeid:          3:\tdisconnected\n"
    "\t\tnodeid:          4:\tconnected\n"
)
B_FOUR = (
    "Local node ID 1, transport knet\n"
    "LINK ID 0 udp\n"
    "\taddr\t= 10.0.0.1\n"
    "\tstatus\t= n313\n"
    "LINK ID 1 sctp\n"
    "\taddr\t= fd00::1\n"
    "\tstatus\t= n113\n"
)
N_FOUR = (
    "Local node ID 1, transport knet\n"
    "nodeid: 2 reachable   onwire (min/max/cur): 0, 1, 1\n"
    "   LINK: 0 udp (10.0.0.1->10.0.0.2) enabled connected mtu: 1397\n"
    "   LINK: 1 sctp (fd00::1->fd00::2) enabled mtu: 1397\n"
    "\n"
    "nodeid: 4 reachable   onwire (min/max/cur): 0, 1, 1\n"
    "   LINK: 0 udp (10.0.0.1->10.0.0.4) enabled connected mtu: 1397\n"
    "   LINK: 1 sctp (fd00::1->fd00::4) enabled connected dynconnected mtu: 1397\n"
    "\n"
)


def test_status_of_four_nodes_two_links() -> None:
    status = parse_status(S_FOUR)
    assert render_status(status) == S_FOUR
    link0, link1 = status.links
    assert link1.link == LocalLink(1, "sctp", "fd00::1")
    assert [p.state for p in link0.peers] == ["localhost", "connected", "disconnected", "connected"]
    assert [p.nodeid for p in link1.peers] == [1, 2, 3, 4]


def test_brief_of_four_nodes_two_links() -> None:
    brief = parse_brief(B_FOUR)
    assert render_brief(brief) == B_FOUR
    assert brief.links[0].states == ("n", "3", "1", "3")
    assert brief.links[1].states == ("n", "1", "1", "3")
    assert brief.links[1].local_index == 0


def test_nodes_of_four_nodes_two_links() -> None:
    nodes = parse_nodes(N_FOUR)
    assert render_nodes(nodes) == N_FOUR
    assert [p.nodeid for p in nodes.peers] == [2, 4]  # 3 is not reachable, 1 is local
    two = nodes.peers[0]
    assert two.onwire == Onwire(0, 1, 1) and not two.remote and not two.external
    assert two.links[1] == NodeLink(1, "sctp", "fd00::1", "fd00::2", False, False, 1397)
    assert nodes.peers[1].links[1].dynconnected


def test_nodes_without_onwire_remote_and_external() -> None:
    """A build without HAVE_KNET_ONWIRE_VER prints no onwire part; remote and external
    follow `reachable` in that order."""
    text = (
        "Local node ID 3, transport knet\n"
        "nodeid: 1 reachable remote external\n"
        "   LINK: 0 udp (192.168.1.13->192.168.1.11) enabled connected mtu: 1397\n"
        "\n"
        "nodeid: 2 reachable\n"
        "\n"
    )
    nodes = parse_nodes(text)
    assert render_nodes(nodes) == text
    assert nodes.peers[0].remote and nodes.peers[0].external and nodes.peers[0].onwire is None
    assert nodes.peers[1].links == ()


def test_udpu_prints_empty_link_words_and_no_arrow() -> None:
    """udp/udpu: link 0 only, its word empty (`LINK ID 0 ` ends in a space), `-n` shows
    one address, no onwire versions."""
    s = (
        "Local node ID 2, transport udpu\n"
        "LINK ID 0 \n"
        "\taddr\t= 192.168.1.13\n"
        "\tstatus:\n"
        "\t\tnodeid:          1:\tconnected\n"
        "\t\tnodeid:          2:\tlocalhost\n"
        "\t\tnodeid:          3:\tdisconnected\n"
    )
    n = (
        "Local node ID 2, transport udpu\n"
        "nodeid: 1 reachable\n"
        "   LINK: 0  (192.168.1.11) enabled connected mtu: 1500\n"
        "\n"
    )
    b = "Local node ID 2, transport udp\nLINK ID 0 \n\taddr\t= 192.168.1.13\n\tstatus\t= 3n1\n"
    assert render_status(parse_status(s)) == s
    assert parse_nodes(n).peers[0].links[0].destination is None
    assert render_nodes(parse_nodes(n)) == n
    assert render_brief(parse_brief(b)) == b
    refused(parse_status, s.replace("LINK ID 0 ", "LINK ID 1 "), "line 2", "udpu has link 0 only")
    arrow = n.replace("(192.168.1.11)", "(192.168.1.12->192.168.1.11)")
    refused(parse_nodes, arrow, "line 3", "(<address>)")
    onwire = n.replace("reachable", "reachable   onwire (min/max/cur): 0, 1, 1")
    refused(parse_nodes, onwire, "line 2", "onwire versions with udpu")


def test_a_node_whose_status_failed_shows_as_node_0() -> None:
    """`-s` zeroes `node_info` and goes on when corosync_cfg_node_status_get fails."""
    text = S_FOUR.replace("nodeid:          3:", "nodeid:          0:")
    assert render_status(parse_status(text)) == text


def test_no_link_and_no_peer() -> None:
    """A lone node, or one whose peer's status failed, prints the header only."""
    for parse, render in PARSERS.values():
        text = "Local node ID 7, transport knet\n"
        assert render(parse(text)) == text


def test_the_largest_ids() -> None:
    text = (
        f"Local node ID {MAX_UINT32}, transport knet\n"
        "LINK ID 7 udp\n\taddr\t= 10.0.0.1\n\tstatus:\n"
        f"\t\tnodeid: {MAX_UINT32}:\tlocalhost\n"
    )
    assert render_status(parse_status(text)) == text
    refused(parse_status, text.replace("4294967295,", "4294967296,"), "line 1", "4294967296")


@pytest.mark.parametrize(
    ("kind", "text", "words"),
    [
        (
            "-s",
            S_FOUR.replace(
                "nodeid:          4:\tconnected\nLINK", "nodeid:          5:\tconnected\nLINK"
            ),
            ("line 9", "lists other nodes"),
        ),
        ("-s", S_FOUR.replace("2:\tconnected", "2:\tlocalhost"), ("line 2", "2 localhost lines")),
        ("-s", S_FOUR.replace("LINK ID 1", "LINK ID 0"), ("line 9", "LINK ID 0 after LINK ID 0")),
        (
            "-s",
            S_FOUR.replace("LINK ID 1 sctp", "LINK ID 1 "),
            ("line 9", "without its transport word"),
        ),
        ("-s", S_FOUR.replace("         1:", "        01:", 1), ("line 5", "'01'")),
        ("-s", S_FOUR.replace("         1:", "1         :", 1), ("line 5", "not %10u")),
        ("-s", S_FOUR.replace("disconnected", "down", 1), ("line 7", "not '\\t\\tnodeid")),
        (
            "-s",
            S_FOUR.replace("\taddr\t= 10.0.0.1", "\taddr\t= 10.0.0.1 "),
            ("line 3", "not '\\taddr"),
        ),
        ("-s", S_FOUR.split("\t\tnodeid")[0], ("line 2", "0 nodes")),
        ("-s", S_FOUR.split("\t\tnodeid")[0] + "LINK ID 1 sctp\n", ("line 5", "not '\\t\\tn")),
        ("-s", S_FOUR + "\n", ("line 16", "not '\\t\\tnodeid")),
        (
            "-s",
            S_FOUR.replace(
                "LINK ID 1 sctp\n",
                "LINK ID 1 sctp\n**SCTP is deprecated and will be removed in a future release\n",
            ),
            ("line 10", "3.1.10's SCTP warning"),
        ),
        ("-s -b", B_FOUR.replace("n113", "n11"), ("line 5", "3 states")),
        ("-s -b", B_FOUR.replace("n113", "1n13"), ("line 5", "n at 2")),
        ("-s -b", B_FOUR.replace("n113", "n1x3"), ("line 7", "not '\\tstatus\\t= ")),
        ("-s -b", B_FOUR.replace("n113", "3113"), ("line 7", "0 'n' states")),
        ("-n", N_FOUR.replace("nodeid: 4", "nodeid: 1"), ("line 6", "node 1 is the local node")),
        (
            "-n",
            N_FOUR.replace(
                "   onwire (min/max/cur): 0, 1, 1\n   LINK: 0 udp (10.0.0.1->10.0.0.4)",
                "\n   LINK: 0 udp (10.0.0.1->10.0.0.4)",
            ),
            ("line 6", "node 4 without onwire versions, unlike node 2"),
        ),
        ("-n", N_FOUR.replace("0, 1, 1", "0, 1, 256", 1), ("line 2", "onwire version 256")),
        ("-n", N_FOUR.replace("mtu: 1397", "mtu: 2147483648", 1), ("line 3", "mtu 2147483648")),
        ("-n", N_FOUR.replace("mtu: 1397", "mtu: -0", 1), ("line 3", "'-0'")),
        (
            "-n",
            N_FOUR.replace(
                "   LINK: 1 sctp (fd00::1->fd00::2)", "   LINK: 0 sctp (fd00::1->fd00::2)"
            ),
            ("line 4", "LINK 0 after LINK 0"),
        ),
        (
            "-n",
            N_FOUR.replace("(10.0.0.1->10.0.0.2)", "(10.0.0.1)"),
            ("line 3", "(<source>-><destination>)"),
        ),
        (
            "-n",
            N_FOUR.replace(
                "enabled connected mtu: 1397\n   LINK: 1",
                "connected enabled mtu: 1397\n   LINK: 1",
                1,
            ),
            ("line 3", "not '   LINK: "),
        ),
        (
            "-n",
            N_FOUR.replace("1397\n\nnodeid", "1397\nnodeid", 1),
            ("line 5", "neither '   LINK: ...' nor the empty line after node 2"),
        ),
        ("-n", N_FOUR[:-1], ("line 9", "the text ends where the empty line after node 4 is due")),
        (
            "-n",
            N_FOUR.replace("nodeid: 2 reachable", "nodeid: 2"),
            ("line 2", "'nodeid: <id> reachable"),
        ),
        (
            "-n",
            N_FOUR.replace("Local node ID 1, transport knet", "Local node ID 1, transport sctp"),
            ("line 1", "transport 'sctp' is not one of knet, udp, udpu"),
        ),
    ],
)
def test_refused_with_the_line_named(kind: str, text: str, words: tuple[str, ...]) -> None:
    refused(PARSERS[kind][0], text, *words)


# --- the oracle: nodestatusget_do in Python -------------------------------------------------

KNET, UDP, UDPU = "knet", "udp", "udpu"


@dataclass(frozen=True)
class CLinkStatus:
    """struct corosync_knet_link_status_v1."""

    enabled: int = 0
    connected: int = 0
    dynconnected: int = 0
    mtu: int = 0  # unsigned int
    src_ipaddr: str = ""
    dst_ipaddr: str = ""


@dataclass(frozen=True)
class CNodeStatus:
    """struct corosync_cfg_node_status_v1, and whether corosync_cfg_node_status_get is CS_OK."""

    ok: bool = True
    nodeid: int = 0
    reachable: int = 0
    remote: int = 0
    external: int = 0
    onwire: tuple[int, int, int] = (0, 0, 0)
    link_status: tuple[CLinkStatus, ...] = (CLinkStatus(),) * 8


@dataclass(frozen=True)
class Cluster:
    """What cfgtool reads from cmap and from corosync_cfg_node_status_get."""

    local_nodeid: int
    nodelist: tuple[int, ...]
    status: dict[int, CNodeStatus]
    transport: str | None = None  # totem.transport; None: not in cmap
    knet_transport: dict[int, str] = field(default_factory=dict)
    onwire_build: bool = True  # HAVE_KNET_ONWIRE_VER


def c_int(value: int) -> int:
    """An unsigned int as printf's %d shows it."""
    return value - 2**32 if value >= 2**31 else value


def c_cfgtool(c: Cluster, action: str, brief: bool) -> str:
    """nodestatusget_do(action, brief) of corosync v3.1.7, one statement per C statement."""
    out: list[str] = []
    printf = out.append
    transport_number = KNET
    if c.transport is not None:
        if c.transport == "udpu":
            transport_number = UDPU
        if c.transport == "udp":
            transport_number = UDP
        transport_str = c.transport
    else:
        transport_str = "knet"
    nodeid_list = sorted(c.nodelist)
    local_nodeid_index = other_nodeid_index = 0
    for i, nodeid in enumerate(nodeid_list):
        if nodeid == c.local_nodeid:
            local_nodeid_index = i
        else:
            other_nodeid_index = i
    link_transport = ["udp" if transport_number == KNET else ""] * 8
    for number, word in c.knet_transport.items():
        link_transport[number] = word
    printf(f"Local node ID {c.local_nodeid}, transport {transport_str}\n")
    if action == "-n":
        for nodeid in nodeid_list:
            ns = c.status[nodeid]
            if ns.ok and ns.reachable and ns.nodeid != c.local_nodeid:
                printf(f"nodeid: {ns.nodeid}")
                printf(" reachable")
                if ns.remote:
                    printf(" remote")
                if ns.external:
                    printf(" external")
                if c.onwire_build and transport_number == KNET:
                    printf("   onwire (min/max/cur): {}, {}, {}".format(*ns.onwire))
                printf("\n")
                for j, ls in enumerate(ns.link_status):
                    if ls.enabled:
                        printf(f"   LINK: {j} {link_transport[j]}")
                        arrow = "->" if transport_number == KNET else ""
                        printf(f" ({ls.src_ipaddr}{arrow}{ls.dst_ipaddr})")
                        printf(" enabled")
                        if ls.connected:
                            printf(" connected")
                        if ls.dynconnected:
                            printf(" dynconnected")
                        printf(f" mtu: {c_int(ls.mtu)}\n")
                printf("\n")
        return "".join(out)
    node_info = [c.status[n] if c.status[n].ok else CNodeStatus() for n in nodeid_list]
    for i in range(8):
        other = node_info[other_nodeid_index].link_status[i]
        if other.enabled:
            printf(f"LINK ID {i} {link_transport[i]}\n")
            printf(f"\taddr\t= {other.src_ipaddr}\n")
            if brief:
                printf("\tstatus\t= ")
                for j, info in enumerate(node_info):
                    ls = info.link_status[i]
                    status = chr((ls.enabled | (ls.connected << 1)) + ord("0"))
                    printf("n" if j == local_nodeid_index else status)
                printf("\n")
            else:
                printf("\tstatus:\n")
                for j, info in enumerate(node_info):
                    printf(f"\t\tnodeid: {info.nodeid:10d}:\t")
                    if j == local_nodeid_index:
                        printf("localhost")
                    elif info.link_status[i].connected:
                        printf("connected")
                    else:
                        printf("disconnected")
                    printf("\n")
    return "".join(out)


ADDRESS_CHARS = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "()>")
addresses = st.one_of(
    st.ip_addresses().map(str),
    st.text(ADDRESS_CHARS, min_size=1, max_size=40),
    st.just("x" * 255),
)
nodeids = st.one_of(st.integers(1, 16), st.integers(0, MAX_UINT32))


@st.composite
def c_link(draw: st.DrawFn, knet: bool, number: int, reachable: int) -> CLinkStatus:
    """What totemknet_nodestatus_get, or totemudp[u]_nodestatus_get, fills in for a link."""
    if not knet:  # link 0 only; connected is `reachable`; no destination, no dynconnected
        if number or not draw(st.booleans()):
            return CLinkStatus()
        return CLinkStatus(1, reachable, 0, draw(st.integers(0, 9000)), draw(addresses))
    flag = st.integers(0, 1)
    return CLinkStatus(
        draw(flag),
        draw(flag),
        draw(flag),
        draw(st.one_of(st.integers(0, 65535), st.integers(0, 2**32 - 1))),
        draw(addresses),
        draw(addresses),
    )


@st.composite
def clusters(draw: st.DrawFn, max_nodes: int = 8) -> Cluster:
    transport = draw(st.sampled_from([None, "knet", "udp", "udpu"]))
    knet = transport in (None, "knet")
    nodelist = tuple(draw(st.lists(nodeids, min_size=1, max_size=max_nodes, unique=True)))
    local = draw(st.sampled_from(nodelist) | nodeids)  # not in the nodelist: a corner case
    status = {}
    for nodeid in nodelist:
        reachable = draw(st.integers(0, 1))
        links = tuple(draw(c_link(knet, i, reachable)) for i in range(8))
        status[nodeid] = CNodeStatus(
            ok=draw(st.booleans() | st.just(True)),
            nodeid=nodeid,
            reachable=reachable,
            remote=draw(st.integers(0, 1)) if knet else 0,
            external=draw(st.integers(0, 1)) if knet else 0,
            onwire=tuple(draw(st.lists(st.integers(0, 255), min_size=3, max_size=3))),
            link_status=links,
        )
    words = draw(st.dictionaries(st.integers(0, 7), st.sampled_from(["udp", "sctp"]), max_size=3))
    return Cluster(local, nodelist, status, transport, words, draw(st.booleans()))


@FAST
@given(cluster=clusters())
def test_every_output_of_the_c_code_round_trips(cluster: Cluster) -> None:
    status_text = c_cfgtool(cluster, "-s", brief=False)
    status = parse_status(status_text)
    assert render_status(status) == status_text
    brief_text = c_cfgtool(cluster, "-s", brief=True)
    brief = parse_brief(brief_text)
    assert render_brief(brief) == brief_text
    nodes_text = c_cfgtool(cluster, "-n", brief=False)
    nodes = parse_nodes(nodes_text)
    assert render_nodes(nodes) == nodes_text
    # and they read what corosync said
    assert [link.link.link_id for link in status.links] == [b.link.link_id for b in brief.links]
    for link, short in zip(status.links, brief.links, strict=True):
        for peer, state in zip(link.peers, short.states, strict=True):
            assert (peer.state == "localhost") == (state == "n")
            if state != "n":
                assert (peer.state == "connected") == (state in "23")
    shown = [n for n in sorted(cluster.nodelist) if cluster.status[n].ok]
    shown = [n for n in shown if cluster.status[n].reachable and n != cluster.local_nodeid]
    assert [peer.nodeid for peer in nodes.peers] == shown


# --- every value round-trips ----------------------------------------------------------------

transports = st.sampled_from(cfgtool.TRANSPORTS)


def link_ids(knet: bool) -> st.SearchStrategy[list[int]]:
    if not knet:
        return st.sampled_from([[], [0]])
    return st.lists(st.integers(0, 7), max_size=8, unique=True).map(sorted)


def words(knet: bool) -> st.SearchStrategy[cfgtool.LinkTransport]:
    return st.sampled_from(("udp", "sctp") if knet else cfgtool.LINK_TRANSPORTS)


@st.composite
def link_statuses(draw: st.DrawFn) -> LinkStatus:
    transport = draw(transports)
    knet = transport == "knet"
    nodes = draw(st.lists(nodeids, min_size=1, max_size=10))
    local = draw(st.integers(0, len(nodes) - 1))
    links = []
    for link_id in draw(link_ids(knet)):
        states = st.sampled_from(("connected", "disconnected"))
        peers = tuple(
            LinkPeer(n, "localhost" if i == local else draw(states)) for i, n in enumerate(nodes)
        )
        links.append(StatusLink(LocalLink(link_id, draw(words(knet)), draw(addresses)), peers))
    return LinkStatus(draw(nodeids), transport, tuple(links))


@st.composite
def brief_statuses(draw: st.DrawFn) -> BriefStatus:
    transport = draw(transports)
    knet = transport == "knet"
    count = draw(st.integers(1, 12))
    local = draw(st.integers(0, count - 1))
    links = []
    for link_id in draw(link_ids(knet)):
        digits = st.sampled_from(("0", "1", "2", "3"))
        states = tuple("n" if i == local else draw(digits) for i in range(count))
        links.append(BriefLink(LocalLink(link_id, draw(words(knet)), draw(addresses)), states))
    return BriefStatus(draw(nodeids), transport, tuple(links))


@st.composite
def node_statuses(draw: st.DrawFn) -> NodeStatus:
    transport = draw(transports)
    knet = transport == "knet"
    local = draw(nodeids)
    versions = st.integers(0, 255)
    onwire = knet and draw(st.booleans())
    peers = []
    for nodeid in draw(st.lists(nodeids.filter(lambda n: n != local), max_size=6)):
        links = tuple(
            NodeLink(
                link_id,
                draw(words(knet)),
                draw(addresses),
                draw(addresses) if knet else None,
                draw(st.booleans()),
                draw(st.booleans()),
                draw(st.integers(cfgtool.INT_MIN, cfgtool.INT_MAX)),
            )
            for link_id in draw(link_ids(knet))
        )
        wire = Onwire(draw(versions), draw(versions), draw(versions)) if onwire else None
        peers.append(PeerNode(nodeid, draw(st.booleans()), draw(st.booleans()), wire, links))
    return NodeStatus(local, transport, tuple(peers))


@FAST
@given(value=link_statuses())
def test_status_values_round_trip(value: LinkStatus) -> None:
    text = render_status(value)
    assert parse_status(text) == value
    assert render_status(parse_status(text)) == text


@FAST
@given(value=brief_statuses())
def test_brief_values_round_trip(value: BriefStatus) -> None:
    text = render_brief(value)
    assert parse_brief(text) == value
    assert render_brief(parse_brief(text)) == text


@FAST
@given(value=node_statuses())
def test_node_values_round_trip(value: NodeStatus) -> None:
    text = render_nodes(value)
    assert parse_nodes(text) == value
    assert render_nodes(parse_nodes(text)) == text


def test_values_corosync_cannot_print_are_refused() -> None:
    link = LocalLink(0, "udp", "10.0.0.1")
    peers = (LinkPeer(1, "localhost"), LinkPeer(2, "connected"))
    cases: list[Callable[[], object]] = [
        lambda: LocalLink(8, "udp", "10.0.0.1"),
        lambda: LocalLink(0, "udp", "10.0.0.1 (x)"),
        lambda: LocalLink(0, "udp", ""),
        lambda: LocalLink(0, "udp", "a" * 256),
        lambda: LinkPeer(-1, "connected"),
        lambda: LinkPeer(1, cast(Any, "up")),
        lambda: StatusLink(link, ()),
        lambda: StatusLink(link, (LinkPeer(1, "connected"),)),
        lambda: StatusLink(link, (LinkPeer(1, "localhost"),) * 2),
        lambda: LinkStatus(1, cast(Any, "sctp")),
        lambda: LinkStatus(1, "knet", (StatusLink(link, peers),) * 2),
        lambda: LinkStatus(1, "udp", (StatusLink(LocalLink(1, "", "a"), peers),)),
        lambda: LinkStatus(1, "knet", (StatusLink(LocalLink(0, "", "a"), peers),)),
        lambda: BriefLink(link, ("3", "3")),
        lambda: BriefLink(link, ("n",) * (MAX_NODES + 1)),
        lambda: BriefStatus(
            1,
            "knet",
            (BriefLink(link, ("n", "3")), BriefLink(LocalLink(1, "udp", "b"), ("3", "n"))),
        ),
        lambda: NodeLink(0, "udp", "a", "b", True, False, 2**31),
        lambda: Onwire(0, 0, 256),
        lambda: PeerNode(2, links=(NodeLink(1, "udp", "a", "b", True, False, 1),) * 2),
        lambda: NodeStatus(1, "knet", (PeerNode(1),)),
        lambda: NodeStatus(
            1, "knet", (PeerNode(2, links=(NodeLink(0, "udp", "a", None, True, False, 1),)),)
        ),
        lambda: NodeStatus(
            1, "udp", (PeerNode(2, links=(NodeLink(0, "", "a", "b", True, False, 1),)),)
        ),
        lambda: NodeStatus(1, "udp", (PeerNode(2, onwire=Onwire(0, 1, 1)),)),
        lambda: NodeStatus(1, "knet", (PeerNode(2, onwire=Onwire(0, 1, 1)), PeerNode(3))),
    ]
    for make in cases:
        with pytest.raises(CfgtoolError) as caught:
            make()
        assert caught.value.where is None and one_line(str(caught.value)) == str(caught.value)


# --- hostile input ----------------------------------------------------------------------------

NASTY = [
    "\x00",
    "\r",
    "\r\n",
    "\t",
    "\x0b",
    "\x1b[31m",
    "\u2028",
    "\x85",
    "\udc80",
    "é",
    "٣",
    " ",
    "\n",
    "\n\n",
]


def assert_round_trip_or_one_line(kind: str, text: str) -> None:
    """The contract on any text: it parses to a value that prints it again exactly, or it
    raises CfgtoolError with one printable line that names where."""
    parse, render = PARSERS[kind]
    try:
        value = parse(text)
    except CfgtoolError as exc:
        message = str(exc)
        assert one_line(message) == message and len(message) < 600, message
        assert exc.where is not None
        return
    assert render(value) == text


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A valid output with a few edits: cut, inserted junk, dropped or doubled lines."""
    cluster = draw(clusters(max_nodes=4))
    kind = draw(st.sampled_from(["-s", "-b", "-n"]))
    text = c_cfgtool(cluster, "-n" if kind == "-n" else "-s", kind == "-b")
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["cut", "insert", "delete", "line"]))
        if edit == "cut":
            text = text[:at]
        elif edit == "insert":
            junk = draw(st.sampled_from(NASTY) | st.text(max_size=5))
            text = text[:at] + junk + text[at:]
        elif edit == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 4)) :]
        else:
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            if draw(st.booleans()):
                lines.insert(i, lines[i])
            else:
                del lines[i]
            text = "\n".join(lines)
    return text


@settings(max_examples=200, deadline=None)
@given(text=mutated(), kind=st.sampled_from(list(PARSERS)))
def test_mutated_outputs_round_trip_or_raise_one_line(text: str, kind: str) -> None:
    assert_round_trip_or_one_line(kind, text)


@FAST
@given(text=st.text(max_size=300), kind=st.sampled_from(list(PARSERS)))
def test_garbage_raises_one_line(text: str, kind: str) -> None:
    assert_round_trip_or_one_line(kind, text)


@pytest.mark.parametrize("kind", list(PARSERS))
@pytest.mark.parametrize("junk", NASTY)
def test_control_characters_anywhere_in_a_line(kind: str, junk: str) -> None:
    text = {"-s": S_FOUR, "-s -b": B_FOUR, "-n": N_FOUR}[kind]
    lines = text.split("\n")
    for i in range(len(lines) - 1):
        for at in (0, 5, len(lines[i])):
            edited = [*lines[:i], lines[i][:at] + junk + lines[i][at:], *lines[i + 1 :]]
            assert_round_trip_or_one_line(kind, "\n".join(edited))


def test_not_text() -> None:
    refused(parse_status, cast(str, S_FOUR.encode()), "not text but bytes")
    refused(parse_nodes, cast(str, None), "not text but NoneType")


def test_the_source_name_is_one_line_too() -> None:
    error = refused(lambda t: parse_status(t, "evil\nname\x1b"), "junk\n", "evil\\nname\\x1b")
    assert error.where == "evil\\nname\\x1b: line 1"


def quick(parse: Callable[[str], object], text: str, *words: str) -> None:
    started = time.perf_counter()
    refused(parse, text, *words)
    assert time.perf_counter() - started < 5  # generous: the machine may be busy


@pytest.mark.parametrize("kind", list(PARSERS))
def test_huge_inputs_are_refused_quickly(kind: str) -> None:
    parse = PARSERS[kind][0]
    header = "Local node ID 1, transport knet\n"
    quick(parse, "x" * (MAX_CFGTOOL_BYTES + 1), f"limit {MAX_CFGTOOL_BYTES}")
    quick(parse, header + "7" * (MAX_CFGTOOL_BYTES - 100) + "\n", "line 2", "characters)")
    quick(parse, "\n" * MAX_CFGTOOL_BYTES, "line 1", "not the header")
    if kind == "-n":
        link = "   LINK: 0 udp (" + "1" * 10**6 + "->1) enabled mtu: 1\n"
        quick(parse, header + "nodeid: 2 reachable\n" + link, "line 3", "characters)")
    else:
        address = "\taddr\t= " + "1" * 10**6 + "\n"
        quick(parse, header + "LINK ID 0 udp\n" + address, "line 3", "characters)")


def test_too_many_nodes_are_refused_quickly() -> None:
    header = "Local node ID 1, transport knet\n"
    link = "LINK ID 0 udp\n\taddr\t= 10.0.0.1\n"
    peers = "\t\tnodeid:          1:\tlocalhost\n" + "\t\tnodeid:          2:\tconnected\n" * 50000
    quick(parse_status, header + link + "\tstatus:\n" + peers, "line 389", "more than 384 nodes")
    quick(
        parse_brief,
        header + link + "\tstatus\t= n" + "3" * 10**6 + "\n",
        "line 4",
        "1000001 node states",
    )
    quick(
        parse_nodes, header + "nodeid: 2 reachable\n\n" * 50000, "line 770", "more than 384 nodes"
    )


def worst_nodes() -> NodeStatus:
    """The longest `-n` corosync can print: MAX_NODES peers, 8 links, 255-character
    addresses, every flag, the widest numbers."""
    address = "f" * 255
    links = tuple(
        NodeLink(i, "sctp", address, address, True, True, cfgtool.INT_MIN) for i in range(8)
    )
    first = MAX_UINT32 - MAX_NODES
    peers = tuple(
        PeerNode(first + i, True, True, Onwire(255, 255, 255), links) for i in range(MAX_NODES)
    )
    return NodeStatus(first - 1, "knet", peers)


def worst_status() -> LinkStatus:
    peers = tuple(
        LinkPeer(MAX_UINT32 - i, "localhost" if i == 0 else "disconnected")
        for i in range(MAX_NODES)
    )
    links = tuple(StatusLink(LocalLink(i, "sctp", "f" * 255), peers) for i in range(8))
    return LinkStatus(MAX_UINT32, "knet", links)


def test_the_largest_outputs_fit_the_limit_and_parse_quickly() -> None:
    """limits.MAX_CFGTOOL_BYTES holds the largest output corosync 3.1.7 can print."""
    for value, parse, render in (
        (worst_nodes(), parse_nodes, render_nodes),
        (worst_status(), parse_status, render_status),
    ):
        text = render(value)
        assert len(text) <= MAX_CFGTOOL_BYTES
        started = time.perf_counter()
        assert parse(text) == value
        assert time.perf_counter() - started < 5
    assert 1_700_000 < len(render_nodes(worst_nodes())) < 1_900_000  # "about 1.8 MB"
    assert len(render_status(worst_status())) < 120 * 1024  # "about 110 KiB"
