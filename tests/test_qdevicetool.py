"""`pvequorum.qdevicetool`: `corosync-qdevice-tool -s/-sv` and `corosync-qnetd-tool -l/-lv`.

Valid text comes from the real outputs recorded on corosync 3.1.7 with corosync-qdevice and
corosync-qnetd 3.0.3 (tests/data/qdevice_tool/qdv-*.txt, copied from the lab's raw
recordings) and from outputs written by hand from the printf formats of
qdevices/qdevice-ipc-cmd.c, qdevice-net-ipc-cmd.c and qnetd-ipc-cmd.c (`handmade.*`).
Every valid text must round-trip byte for byte, every value of the types too (hypothesis);
anything else must raise `QdeviceToolError`, one printable line naming the source and line.

The `pvecm status` / `corosync-quorumtool -s` outputs recorded with a device
(tests/data/qdevice_tool/quorumtool/) check that `pvequorum.status.parse_status` reads the
Qdevice column and row.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paths import DATA

from pvequorum import qdevicetool as qt
from pvequorum.errors import InputError
from pvequorum.qdevicetool import (
    ALGORITHMS,
    HEURISTICS_MODES,
    HEURISTICS_RESULTS,
    KAP_BY_ALGORITHM,
    NET_STATES,
    NODE_STATES,
    TLS_SUPPORTS,
    VOTES,
    ClientVerbose,
    ConfiguredNode,
    ListedNode,
    NetHeuristics,
    NetVerbose,
    QdeviceInfo,
    QdeviceNetInfo,
    QdeviceStatus,
    QdeviceToolError,
    QdeviceVerbose,
    QnetdClient,
    QnetdCluster,
    QnetdList,
    QuorumNode,
    RingId,
    TieBreaker,
    parse,
    parse_qdevice_status,
    parse_qnetd_list,
    render,
    render_qdevice_status,
    render_qnetd_list,
)
from pvequorum.status import parse_status

HERE = DATA / "qdevice_tool"
FILES = sorted(HERE.glob("*.txt"))
QUORUMTOOL = sorted((HERE / "quorumtool").glob("*.txt"))
REAL = [p for p in FILES if p.name.startswith("qdv-")]
QDEVICE_FILES = [p for p in FILES if ".qdevice-s" in p.name]
QNETD_FILES = [p for p in FILES if ".qnetd-l" in p.name]
MAX_U32, MAX_U64 = 2**32 - 1, 2**64 - 1


def _read(name: str) -> str:
    return (HERE / name).read_text()


def _ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def test_the_data_is_there() -> None:
    assert len(REAL) >= 27  # every distinct output of the three recordings
    assert {p.name.rsplit(".", 2)[-2] for p in FILES} == {
        "qdevice-s",
        "qdevice-sv",
        "qnetd-l",
        "qnetd-lv",
    }
    assert len(QUORUMTOOL) >= 19
    assert QDEVICE_FILES and QNETD_FILES


# --- round trip of every file -------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=_ids(FILES))
def test_round_trip_byte_for_byte(path: Path) -> None:
    text = path.read_bytes().decode()
    value = parse(text, path.name)
    assert render(value) == text
    assert parse(render(value)) == value
    kind = path.name.rsplit(".", 2)[-2]
    if kind.startswith("qdevice"):
        assert isinstance(value, QdeviceStatus)
        assert value == parse_qdevice_status(text)
        assert render_qdevice_status(value) == text
        assert value.verbose == (kind == "qdevice-sv")
    else:
        assert isinstance(value, QnetdList)
        assert value == parse_qnetd_list(text)
        assert render_qnetd_list(value) == text
        assert value.verbose in ((kind == "qnetd-lv"), None)


# --- accessors ---------------------------------------------------------------------------


def test_qdevice_accessors_connected_ffsplit() -> None:
    status = parse_qdevice_status(_read("qdv-2n-ffsplit-node-down.1.pve1.qdevice-sv.txt"))
    assert status.verbose
    assert status.model == "Net"
    assert status.node_id == 1
    assert status.cluster_name == "lab"
    assert status.algorithm == "Fifty-Fifty split"
    assert status.algorithm_key == "ffsplit"
    assert status.tie_breaker == TieBreaker("lowest")
    assert str(status.tie_breaker) == "Node with lowest node ID"
    assert (status.qnetd_host, status.qnetd_port) == ("10.219.1.254", 5403)
    assert status.state == "Connected" and status.connected
    assert status.membership == (1, 2)
    assert status.configured == (1, 2)
    assert status.quorate is True
    assert status.expected_votes == 3
    assert status.cast_vote is True
    assert status.last_poll_cast_vote is True
    assert status.quorum_nodes == (QuorumNode(0, 2, "member"), QuorumNode(1, 1, "member"))
    assert status.qdevice.config_version == 1
    verbose = status.qdevice.verbose
    assert verbose is not None
    assert verbose.ring_id == RingId(1, 9) and str(verbose.ring_id) == "1.9"
    assert verbose.heuristics == "Disabled"
    assert verbose.last_poll == "2026-12-01T21:32:57"
    net = status.net.verbose
    assert net is not None
    assert net.kap_tie_breaker == "Enabled"
    assert net.tls == "Supported" and net.tls_active is True and net.client_certificate_sent
    assert net.connected_since == "2026-12-01T21:32:52" and net.echo_reply_received is None
    assert (net.connect_timeout_ms, net.hb_interval_ms, net.vote_timer_interval_ms) == (
        8000,
        8000,
        5000,
    )
    assert status.net.heuristics_result is None


def test_qdevice_accessors_the_node_that_loses() -> None:
    """ffsplit 1:1 split: node 2 (not the lowest id) is not quorate and casts no vote."""
    status = parse_qdevice_status(_read("qdv-2n-ffsplit-node-down.7.pve2.qdevice-sv.txt"))
    assert status.node_id == 2
    assert status.connected
    assert status.quorate is False
    assert status.cast_vote is False
    assert status.last_poll_cast_vote is False
    assert status.membership == (2,)
    assert status.quorum_nodes == (QuorumNode(0, 1, "dead"), QuorumNode(1, 2, "member"))
    assert status.qdevice.verbose is not None
    assert str(status.qdevice.verbose.ring_id) == "2.16"
    assert status.net.verbose is not None
    assert status.net.verbose.echo_reply_received == "2026-12-01T21:33:29"


def test_qdevice_accessors_qnetd_down() -> None:
    status = parse_qdevice_status(_read("qdv-3n-lms-qnetd-down.4.pve1.qdevice-sv.txt"))
    assert status.state == "Connect failed" and not status.connected
    assert status.algorithm == "LMS" and status.algorithm_key == "lms"
    assert status.cast_vote is False
    assert status.quorate is True  # votequorum is quorate on the nodes' votes alone
    assert status.expected_votes == 5
    assert status.membership == (1, 2, 3)
    net = status.net.verbose
    assert net is not None
    assert net.kap_tie_breaker == "Algorithm hard-coded"
    assert net.poll_timer_running and not net.poll_cast_vote
    assert net.tls_active is None and net.connected_since is None


def test_qdevice_accessors_without_v() -> None:
    status = parse_qdevice_status(_read("handmade.qdv-2n-ffsplit.pve1.qdevice-s.txt"))
    assert not status.verbose
    assert (status.quorate, status.cast_vote, status.expected_votes) == (None, None, None)
    assert status.quorum_nodes is None
    assert status.state == "Connected"
    assert status.membership == (1, 2)
    connecting = parse_qdevice_status(_read("handmade.heuristics-sync.connecting.qdevice-s.txt"))
    assert connecting.membership == ()
    assert connecting.qdevice.config_version is None
    assert connecting.state == "Connecting"
    assert connecting.net.heuristics_result == "Fail"
    assert (connecting.qnetd_host, connecting.qnetd_port) == ("fd00::254", 5403)
    assert connecting.tie_breaker == TieBreaker("highest")
    assert connecting.algorithm_key == "2nodelms"


def test_qdevice_accessors_heuristics_and_data_centers() -> None:
    status = parse_qdevice_status(_read("handmade.heuristics-enabled.pve2.qdevice-sv.txt"))
    assert status.qdevice.configured_nodes[2] == ConfiguredNode(3, 2)
    assert status.tie_breaker == TieBreaker("node_id", 2)
    assert status.net.heuristics_result == "Pass"
    verbose = status.net.verbose
    assert verbose is not None
    assert verbose.heuristics == NetHeuristics("Pass", "Pass", "Undefined")
    assert verbose.force_ip_version == 4
    assert status.qdevice.verbose is not None
    assert status.qdevice.verbose.last_poll is None  # Never
    assert [n.index for n in status.quorum_nodes or ()] == [0, 1, 3, 4]


def test_qnetd_accessors() -> None:
    listing = parse_qnetd_list(_read("qdv-2n-ffsplit-node-down.7.qnetd-lv.txt"))
    assert listing.verbose is True
    assert listing.cluster_names == ("lab",)
    cluster = listing.cluster("lab")
    assert cluster is not None
    assert cluster.algorithm == "Fifty-Fifty split" and cluster.kap_tie_breaker
    assert cluster.tie_breaker == TieBreaker("lowest")
    assert cluster.nodeids == (1, 2)
    one, two = cluster.clients
    assert one.address == "::ffff:10.219.1.1:46130"
    assert (one.host, one.port) == ("::ffff:10.219.1.1", 46130)
    assert (one.vote, one.ack_nack_vote) == ("No change", "ACK")
    assert (two.vote, two.ack_nack_vote) == ("No change", "NACK")
    assert one.membership == (1,) and two.membership == (2,)
    assert one.configured == (1, 2)
    assert one.config_version == 1
    assert two.verbose == ClientVerbose(8000, RingId(2, 0x16), "Undefined", "Undefined", True, True)
    assert listing.client("lab", 2) == two
    assert listing.client("lab", 3) is None and listing.client("other", 1) is None


def test_qnetd_accessors_lms_and_empty() -> None:
    listing = parse_qnetd_list(_read("qdv-3n-lms-qnetd-down.9.qnetd-lv.txt"))
    cluster = listing.clusters[0]
    assert cluster.algorithm == "LMS" and not cluster.kap_tie_breaker
    assert [(c.nodeid, c.vote, c.ack_nack_vote) for c in cluster.clients] == [
        (1, "ACK", "ACK"),
        (2, "ACK", "ACK"),
    ]
    assert cluster.clients[0].configured == (1, 2, 3)
    empty = parse_qnetd_list(_read("qdv-2n-two_node-refused.1.qnetd-lv.txt"))
    assert empty == QnetdList() and empty.verbose is None and empty.cluster_names == ()


def test_qnetd_accessors_without_v() -> None:
    listing = parse_qnetd_list(_read("handmade.two-clusters.qnetd-l.txt"))
    assert listing.verbose is False
    assert listing.cluster_names == ("alpha", "beta")
    alpha, beta = listing.clusters
    three = alpha.client(3)
    assert three is not None
    assert three.configured_nodes == (ListedNode(1, 1), ListedNode(2, 1), ListedNode(3, 2))
    assert three.heuristics == "Pass"
    assert (three.vote, three.ack_nack_vote) == ("Ask later", None)
    bare = alpha.client(1)
    assert bare == QnetdClient(1, "::ffff:192.168.7.1:51000")
    assert beta.tie_breaker == TieBreaker("node_id", 4)
    assert beta.clients[0].host == "fd00::4"


# --- hostile input -------------------------------------------------------------------------

PARSERS = [parse_qdevice_status, parse_qnetd_list, parse]


def _refused(parser: object, text: object, source: str = "pasted.txt") -> QdeviceToolError:
    with pytest.raises(QdeviceToolError) as info:
        parser(text, source)  # type: ignore[operator]
    exc = info.value
    assert isinstance(exc, InputError)
    message = str(exc)
    assert "\n" not in message and "\r" not in message
    assert message.isprintable(), message
    assert message.startswith(f"{source}: ")
    return exc


def _at_line(exc: QdeviceToolError, number: int) -> None:
    assert exc.where is not None and exc.where.endswith(f": line {number}"), str(exc)


def test_empty_qdevice_output_is_refused() -> None:
    exc = _refused(parse_qdevice_status, "")
    _at_line(exc, 1)
    assert "empty" in exc.problem


def test_empty_qnetd_output_is_no_cluster() -> None:
    """qnetd_ipc_cmd_list prints nothing without clusters, and the recording says so."""
    assert parse_qnetd_list("") == QnetdList()
    assert render_qnetd_list(QnetdList()) == ""
    assert parse("") == QnetdList()


@pytest.mark.parametrize(
    "text",
    ["\n", " \n", "garbage\n", "Qdevice information\n", "\x00\x01\n", "Cluster lab:\n", "é\n"],
)
@pytest.mark.parametrize("parser", PARSERS)
def test_garbage_is_refused_at_line_1(parser: object, text: str) -> None:
    qdevice_head = text == "Qdevice information\n" and parser is not parse_qnetd_list
    _at_line(_refused(parser, text), 2 if qdevice_head else 1)


@pytest.mark.parametrize("parser", PARSERS)
def test_not_text(parser: object) -> None:
    _refused(parser, b"Qdevice information\n")
    _refused(parser, None)


@pytest.mark.parametrize("parser", PARSERS)
def test_other_tools_outputs_are_refused_by_name(parser: object) -> None:
    cfgtool = (DATA / "real" / "cfgtool-s-peer-connected.txt").read_text()
    exc = _refused(parser, cfgtool)
    _at_line(exc, 1)
    assert "corosync-cfgtool" in exc.problem
    quorumtool = QUORUMTOOL[0].read_text()
    exc = _refused(parser, quorumtool)
    _at_line(exc, 1)
    assert "corosync-quorumtool" in exc.problem


def test_each_tool_names_the_other() -> None:
    qnetd = _read("qdv-2n-ffsplit-node-down.1.qnetd-lv.txt")
    assert "corosync-qnetd-tool -l" in _refused(parse_qdevice_status, qnetd).problem
    qdevice = _read("qdv-2n-ffsplit-node-down.1.pve1.qdevice-sv.txt")
    assert "corosync-qdevice-tool" in _refused(parse_qnetd_list, qdevice).problem
    qnetd_s = "QNetd address:\t\t\t*:5403\nTLS:\t\t\t\tSupported\n"
    assert "qnetd-tool -s" in _refused(parse_qnetd_list, qnetd_s).problem


@pytest.mark.parametrize("path", REAL, ids=_ids(REAL))
def test_truncated_outputs(path: Path) -> None:
    """Cut anywhere: refused (with the line), or, at a line end, a shorter valid output that
    round-trips; never another exception."""
    text = path.read_text()
    parser = parse_qdevice_status if ".qdevice-" in path.name else parse_qnetd_list
    for cut in range(1, len(text)):
        prefix = text[:cut]
        if not prefix.endswith("\n"):
            exc = _refused(parser, prefix)
            _at_line(exc, prefix.count("\n") + 1)
            assert "no newline" in exc.problem
            continue
        try:
            value = parser(prefix, "cut")
        except QdeviceToolError as exc:
            assert exc.where is not None and ": line " in exc.where
        else:
            assert render(value) == prefix


def test_truncated_qdevice_names_what_is_missing() -> None:
    text = _read("qdv-2n-ffsplit-node-down.1.pve1.qdevice-sv.txt")
    cut = "".join(text.splitlines(keepends=True)[:10])
    exc = _refused(parse_qdevice_status, cut)
    _at_line(exc, 11)
    assert "the text ends where" in exc.problem and "Heuristics" in exc.problem


def test_a_10_mb_line_is_refused_fast() -> None:
    for parser in PARSERS:
        start = time.monotonic()
        exc = _refused(parser, "x" * 10_000_000 + "\n")
        assert time.monotonic() - start < 1.0
        _at_line(exc, 1)
        exc = _refused(parser, "Qdevice information\n" + "y" * 1_000_000 + "\n")
        _at_line(exc, 2)
        assert "1000000 characters" in exc.problem


def test_a_long_valid_looking_line_is_refused_fast() -> None:
    text = _read("qdv-2n-ffsplit-node-down.1.pve1.qdevice-sv.txt")
    huge = text.replace(
        "Membership node list:\t1, 2", "Membership node list:\t" + "1, " * 20000 + "2"
    )
    start = time.monotonic()
    exc = _refused(parse_qdevice_status, huge)
    assert time.monotonic() - start < 1.0
    _at_line(exc, 13)


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ("Node ID:\t\t1\n", "Node ID:\t\t01\n", 4, "not how printf prints"),
        ("Node ID:\t\t1\n", "Node ID:\t\t4294967296\n", 4, "0..4294967295"),
        ("Node ID:\t\t1\n", "Node ID:\t 1\n", 4, "Node ID"),
        ("    1\tNode ID = 2\n", "    2\tNode ID = 2\n", 10, "index 2 where 1"),
        ("Ring ID:\t\t1.9\n", "Ring ID:\t\t1.09\n", 12, "%x"),
        ("Ring ID:\t\t1.9\n", "Ring ID:\t\t1.A\n", 12, "Ring ID"),
        ("Quorate:\t\tYes\n", "Quorate:\t\tyes\n", 14, "Quorate"),
        (
            "    1\tNode ID = 1, State = member\n",
            "    0\tNode ID = 1, State = member\n",
            17,
            "index 0 after 0",
        ),
        ("State = member\nExpected", "State = alive\nExpected", 17, "State"),
        ("Model:\t\t\tNet\n", "Model:\t\t\tDisk\n", 3, "Model"),
        (
            "KAP Tie-breaker:\tEnabled\n",
            "KAP Tie-breaker:\tAlgorithm hard-coded\n",
            31,
            "Fifty-Fifty",
        ),
        ("State:\t\t\tConnected\n", "State:\t\t\tConnecting\n", 34, "TLS active"),
        ("TLS active:\t\tYes (client certificate sent)\n", "", 34, "TLS active"),
        ("QNetd host:\t\t10.219.1.254:5403\n", "QNetd host:\t\t10.219.1.254:65536\n", 24, "65535"),
        (
            "Tie-breaker:\t\tNode with lowest node ID\n",
            "Tie-breaker:\t\tlowest\n",
            30,
            "Tie-breaker",
        ),
        (
            "Connected since:\t2026-12-01T21:32:52\n",
            "Connected since:\t2026-12-01 21:32:52\n",
            35,
            "Connected since",
        ),
        (
            "Connected since:\t2026-12-01T21:32:52\n",
            "Connected since:\t2026-12-01T21:32:52\nMore:\n",
            36,
            "after the end",
        ),
        ("\n\nQdevice-net", "\nQdevice-net", 20, "''"),
        (
            "information\n----------------------\n",
            "information\n-----------------------\n",
            22,
            "--",
        ),
        ("Heuristics:\t\tDisabled\n", "Heuristics:\t\tEnabled\n", 33, "Heuristics result"),
        (
            "State:\t\t\tConnected\n",
            "State:\t\t\tConnected\nHeuristics result:\tPass\n",
            34,
            "regular",
        ),
        (
            "Last poll call:\t\t2026-12-01T21:32:57 (cast vote)\n",
            "Last poll call:\t\tNever (cast vote)\n",
            19,
            "Last poll",
        ),
        ("Node ID:\t\t1\n", "Node ID:\t\t1\r\n", 4, "a CR"),
    ],
)
def test_qdevice_line_errors(old: str, new: str, line: int, words: str) -> None:
    text = _read("qdv-2n-ffsplit-node-down.1.pve1.qdevice-sv.txt")
    assert old in text
    exc = _refused(parse_qdevice_status, text.replace(old, new, 1))
    _at_line(exc, line)
    assert words in exc.problem, exc.problem


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ('Cluster "lab":\n', 'Cluster "lab"\n', 1, "Cluster"),
        ("Fifty-Fifty split (KAP Tie-breaker)", "LMS (KAP Tie-breaker)", 1, "KAP"),
        ("    Node ID 1:\n", "    Node ID 0x1:\n", 4, "Node ID"),
        ("::ffff:10.219.1.1:46130", "::ffff:10.219.1.1", 5, "<address>:<port>"),
        ("::ffff:10.219.1.1:46130", "::ffff:10.219.1.1:046130", 5, "<address>:<port>"),
        ("list:\t1, 2\n", "list:\t1,2\n", 8, "Configured node list"),
        ("list:\t1, 2\n", "list:\t1 (0), 2\n", 8, "data center id of 0"),
        ("(membership: Undefined, regular: Undefined)\n", "\n", 11, "Heuristics"),
        ("Vote:\t\t\tNo change (ACK)\n", "Vote:\t\t\tNo change (No change)\n", 13, "Vote"),
        ("        TLS active:\t\tYes (client certificate verified)\n", "", 12, "TLS active"),
        ("        HB interval:\t\t8000ms\n", "", 8, "out of place"),
    ],
)
def test_qnetd_line_errors(old: str, new: str, line: int, words: str) -> None:
    text = _read("qdv-2n-ffsplit-node-down.1.qnetd-lv.txt")
    assert old in text
    exc = _refused(parse_qnetd_list, text.replace(old, new, 1))
    _at_line(exc, line)
    assert words in exc.problem, exc.problem


def test_qnetd_mixed_verbosity_and_empty_clusters() -> None:
    lv = _read("qdv-2n-ffsplit-node-down.1.qnetd-lv.txt")
    l_ = _read("handmade.qdv-2n-ffsplit.qnetd-l.txt")
    head = 'Cluster "lab":\n    Algorithm:\t\tLMS\n    Tie-breaker:\tNode with lowest node ID\n'
    exc = _refused(parse_qnetd_list, head)
    _at_line(exc, 4)
    assert "Node ID" in exc.problem
    # a -lv cluster followed by a -l one: the second's first line is not what -lv prints
    _refused(parse_qnetd_list, lv + l_.replace('"lab"', '"lab2"'))
    exc = _refused(parse_qnetd_list, l_ + "        HB interval:\t\t8000ms\n")
    _at_line(exc, 16)
    exc = _refused(parse_qnetd_list, l_ + "\n")
    _at_line(exc, 16)


def test_heuristics_shown_without_v_only_when_defined() -> None:
    text = _read("handmade.qdv-2n-ffsplit.qnetd-l.txt").replace(
        "        Vote:\t\t\tACK (ACK)\n",
        "        Heuristics:\t\tUndefined\n        Vote:\t\t\tACK (ACK)\n",
    )
    exc = _refused(parse_qnetd_list, text)
    _at_line(exc, 15)
    assert "Undefined" in exc.problem


_MUTATIONS = st.tuples(
    st.sampled_from([p for p in FILES if p.stat().st_size]),
    st.integers(0, 10_000),
    st.sampled_from(["drop", "dup", "char", "insert"]),
    st.text(max_size=3),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_MUTATIONS)
def test_mutated_outputs_never_crash(mutation: tuple[Path, int, str, str]) -> None:
    path, where, how, junk = mutation
    lines = path.read_text().splitlines(keepends=True)
    i = where % len(lines)
    if how == "drop":
        del lines[i]
    elif how == "dup":
        lines.insert(i, lines[i])
    elif how == "insert":
        lines.insert(i, junk + "\n")
    else:
        line = lines[i]
        j = where % len(line)
        lines[i] = line[:j] + junk + line[j + 1 :]
    text = "".join(lines)
    try:
        value = parse(text, "mutated")
    except QdeviceToolError as exc:
        assert exc.where is not None and exc.where.startswith("mutated: line ")
        assert "\n" not in str(exc)
    else:
        assert render(value) == text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_random_text_never_crashes(text: str) -> None:
    for parser in PARSERS:
        try:
            value = parser(text, "random")
        except QdeviceToolError as exc:
            assert str(exc).startswith("random")
        else:
            assert render(value) == text


# --- values built in code ------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda: RingId(-1, 0),
        lambda: RingId(0, 2**64),
        lambda: TieBreaker("node_id"),
        lambda: TieBreaker("lowest", 3),
        lambda: QuorumNode(0, 0, "member"),
        lambda: QuorumNode(0, 1, "gone"),  # type: ignore[arg-type]
        lambda: ConfiguredNode(2**32),
        lambda: QnetdClient(1, "10.0.0.1"),
        lambda: QnetdClient(1, "10.0.0.1:1", ack_nack_vote="ACK"),
        lambda: QnetdClient(1, "10.0.0.1:1", vote="No change", ack_nack_vote="No change"),  # type: ignore[arg-type]
        lambda: QnetdCluster("lab", "LMS", TieBreaker("lowest"), ()),
        lambda: QnetdCluster("a\nb", "LMS", TieBreaker("lowest"), (QnetdClient(1, "h:1"),)),
        lambda: QdeviceNetInfo("lab", "", 1, "LMS", TieBreaker("lowest"), "Connected"),
        lambda: QdeviceNetInfo("lab", "h", 70000, "LMS", TieBreaker("lowest"), "Connected"),
        lambda: ClientVerbose(1, RingId(1, 1), "Pass", "Pass", False, True),
    ],
)
def test_values_the_tools_cannot_print_are_refused(build: object) -> None:
    with pytest.raises(QdeviceToolError) as info:
        build()  # type: ignore[operator]
    assert info.value.where is None


def test_mixed_verbosity_values_are_refused() -> None:
    status = parse_qdevice_status(_read("qdv-2n-ffsplit-node-down.1.pve1.qdevice-sv.txt"))
    short = parse_qdevice_status(_read("handmade.qdv-2n-ffsplit.pve1.qdevice-s.txt"))
    with pytest.raises(QdeviceToolError, match="-v applies to both"):
        QdeviceStatus(status.qdevice, short.net)
    lv = parse_qnetd_list(_read("qdv-2n-ffsplit-node-down.1.qnetd-lv.txt"))
    l_ = parse_qnetd_list(_read("handmade.qdv-2n-ffsplit.qnetd-l.txt"))
    with pytest.raises(QdeviceToolError, match="-v applies to all"):
        QnetdList(lv.clusters + l_.clusters)


# --- hypothesis: render then parse is the identity ----------------------------------------

_U32 = st.integers(0, MAX_U32)
_NODE = st.integers(1, MAX_U32)
_SMALL = st.integers(0, 120_000)
_DC = st.one_of(st.just(0), st.integers(1, MAX_U32))
_TEXT_CHARS = st.characters(codec="utf-8", exclude_characters="\n\r\x00")
_NAME = st.text(_TEXT_CHARS, max_size=24)
_HOST = st.text(_TEXT_CHARS, min_size=1, max_size=24)
_TIME = st.builds(
    "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}".format,
    st.integers(1970, 2100),
    st.integers(1, 12),
    st.integers(1, 28),
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 59),
)
_RING = st.builds(RingId, _U32, st.integers(0, MAX_U64))
_TIE_BREAKER = st.one_of(
    st.builds(TieBreaker, st.sampled_from(["lowest", "highest"])),
    st.builds(TieBreaker, st.just("node_id"), _U32),
)
_RESULT = st.sampled_from(HEURISTICS_RESULTS)
_CLIENT_ADDRESS = st.builds(
    "{}:{}".format,
    st.one_of(
        st.ip_addresses(v=4).map(lambda a: f"::ffff:{a}"),
        st.ip_addresses(v=6).map(str),
        st.from_regex(r"[0-9A-Za-z:.%_-]{1,45}", fullmatch=True),
    ),
    st.integers(0, 65535),
)


@st.composite
def qdevice_statuses(draw: st.DrawFn) -> QdeviceStatus:
    verbose = draw(st.booleans())
    mode = draw(st.sampled_from(HEURISTICS_MODES))
    details = None
    if verbose:
        indexes = sorted(draw(st.sets(st.integers(0, 40), max_size=6)))
        last_poll = draw(st.one_of(st.none(), _TIME))
        details = QdeviceVerbose(
            hb_interval_ms=draw(_SMALL),
            sync_hb_interval_ms=draw(_U32),
            heuristics=mode,
            ring_id=draw(_RING),
            quorate=draw(st.booleans()),
            quorum_nodes=tuple(
                QuorumNode(i, draw(_NODE), draw(st.sampled_from(NODE_STATES))) for i in indexes
            ),
            expected_votes=draw(_U32),
            last_poll=last_poll,
            last_poll_cast_vote=last_poll is not None and draw(st.booleans()),
        )
    info = QdeviceInfo(
        model="Net",
        node_id=draw(_U32),
        configured_nodes=tuple(draw(st.lists(st.builds(ConfiguredNode, _U32, _DC), max_size=6))),
        membership=tuple(draw(st.lists(_U32, max_size=6))),
        config_version=draw(st.one_of(st.none(), st.integers(0, MAX_U64))),
        verbose=details,
    )
    algorithm = draw(st.sampled_from(ALGORITHMS))
    state = draw(st.sampled_from(NET_STATES))
    if verbose:
        enabled = mode in ("Enabled", "Enabled only on sync")
        result = draw(_RESULT) if enabled else None
    else:
        result = draw(st.one_of(st.none(), _RESULT))
    net_details = None
    if verbose:
        connected = state == "Connected" or (state == "Disconnected" and draw(st.booleans()))
        tls_active = draw(st.booleans()) if connected else None
        kaps = [k for k in KAP_BY_ALGORITHM[algorithm] if connected or k != "Unsupported by QNetd"]
        running = draw(st.booleans())
        net_details = NetVerbose(
            connect_timeout_ms=draw(_SMALL),
            hb_interval_ms=draw(_SMALL),
            vote_timer_interval_ms=draw(_U32),
            tls=draw(st.sampled_from(TLS_SUPPORTS)),
            kap_tie_breaker=draw(st.sampled_from(kaps)),
            poll_timer_running=running,
            poll_cast_vote=running and draw(st.booleans()),
            force_ip_version=draw(st.sampled_from([None, 4, 6])),
            heuristics=None
            if result is None
            else draw(st.builds(NetHeuristics, _RESULT, _RESULT, _RESULT)),
            tls_active=tls_active,
            client_certificate_sent=tls_active is True and draw(st.booleans()),
            connected_since=draw(st.one_of(st.none(), _TIME)) if connected else None,
            echo_reply_received=draw(st.one_of(st.none(), _TIME)) if connected else None,
        )
    net = QdeviceNetInfo(
        cluster_name=draw(_NAME),
        host=draw(_HOST),
        port=draw(st.integers(0, 65535)),
        algorithm=algorithm,
        tie_breaker=draw(_TIE_BREAKER),
        state=state,
        heuristics_result=result,
        verbose=net_details,
    )
    return QdeviceStatus(info, net)


@st.composite
def qnetd_clients(draw: st.DrawFn, verbose: bool) -> QnetdClient:
    vote = draw(st.one_of(st.none(), st.sampled_from(VOTES)))
    heuristics = draw(_RESULT)
    details = None
    if verbose:
        tls = draw(st.booleans())
        details = ClientVerbose(
            draw(_SMALL),
            draw(_RING),
            draw(_RESULT),
            draw(_RESULT),
            tls,
            tls and draw(st.booleans()),
        )
    listed = st.lists(st.builds(ListedNode, _U32, _DC), max_size=5).map(tuple)
    return QnetdClient(
        nodeid=draw(_U32),
        address=draw(_CLIENT_ADDRESS),
        config_version=draw(st.one_of(st.none(), st.integers(0, MAX_U64))),
        configured_nodes=draw(listed),
        membership_nodes=draw(listed),
        heuristics=heuristics,
        vote=vote,
        ack_nack_vote=None if vote is None else draw(st.sampled_from([None, "ACK", "NACK"])),
        verbose=details,
    )


@st.composite
def qnetd_lists(draw: st.DrawFn) -> QnetdList:
    verbose = draw(st.booleans())
    clusters = []
    for _ in range(draw(st.integers(0, 3))):
        algorithm = draw(st.sampled_from(ALGORITHMS))
        clusters.append(
            QnetdCluster(
                name=draw(_NAME),
                algorithm=algorithm,
                tie_breaker=draw(_TIE_BREAKER),
                clients=tuple(draw(st.lists(qnetd_clients(verbose), min_size=1, max_size=3))),
                kap_tie_breaker=algorithm == "Fifty-Fifty split" and draw(st.booleans()),
            )
        )
    return QnetdList(tuple(clusters))


@settings(max_examples=300, deadline=None)
@given(qdevice_statuses())
def test_qdevice_render_then_parse_is_identity(status: QdeviceStatus) -> None:
    text = render_qdevice_status(status)
    assert parse_qdevice_status(text) == status
    assert parse(text) == status
    assert render(status) == text


@settings(max_examples=300, deadline=None)
@given(qnetd_lists())
def test_qnetd_render_then_parse_is_identity(listing: QnetdList) -> None:
    text = render_qnetd_list(listing)
    assert parse_qnetd_list(text) == listing
    assert render(listing) == text


def test_the_generated_outputs_look_like_the_real_ones() -> None:
    """The renderer prints the real files' exact lines: spot-check the tabs."""
    text = _read("qdv-3n-lms-qnetd-down.1.pve1.qdevice-sv.txt")
    assert "Configured node list:\n    0\tNode ID = 1\n" in text
    assert "Qdevice-net information\n----------------------\n" in text  # 22 dashes for 23
    assert re.search(r"^KAP Tie-breaker:\tAlgorithm hard-coded$", text, re.M)


# --- corosync-quorumtool -s with a device: what status.parse_status reads -----------------

_QDEVICE_ROW = re.compile(
    r"^ +0 +(?P<votes>\d+) +Qdevice(?: \(votes (?P<configured>\d+)\))?$", re.M
)


@pytest.mark.parametrize("path", QUORUMTOOL, ids=_ids(QUORUMTOOL))
def test_parse_status_reads_the_qdevice_column(path: Path) -> None:
    text = path.read_text()
    status = parse_status(text, path.name)
    assert "Qdevice" in status.flags  # every recorded node has its qdevice registered
    rows = [line.split() for line in text.splitlines() if re.match(r"^ +[1-9]\d* +\d+ ", line)]
    members = [m for m in status.members if m.nodeid != 0]
    assert [m.nodeid for m in members] == [int(r[0]) for r in rows]
    assert [m.qdevice for m in members] == [r[2] for r in rows]
    assert all(re.fullmatch(r"A,N?V,NMW", m.qdevice or "") for m in members)
    device = [m for m in status.members if m.nodeid == 0]
    assert len(device) == 1 and device[0].name == "Qdevice" and device[0].qdevice is None
    row = _QDEVICE_ROW.search(text)
    assert row is not None
    assert device[0].votes == int(row["votes"])
    local = [m for m in members if m.local]
    assert len(local) == 1 and local[0].nodeid == status.node_id
    cast = row["configured"] is None
    assert ("Quorate" in status.flags) == status.quorate
    assert all((m.qdevice == "A,V,NMW") == cast for m in members)
    if cast:
        assert status.qdevice_votes == int(row["votes"])


UNCAST = [p for p in QUORUMTOOL if "Qdevice (votes " in p.read_text()]


@pytest.mark.parametrize("path", UNCAST, ids=_ids(UNCAST))
def test_parse_status_reads_the_votes_of_a_device_that_does_not_cast(path: Path) -> None:
    """The nodeid-0 row shows 0 votes and the device's votes as `(votes N)`; qdevice_votes
    is that N (docs/scenario-format.md, per-node key `qdevice`)."""
    text = path.read_text()
    row = _QDEVICE_ROW.search(text)
    assert row is not None and row["configured"] is not None and row["votes"] == "0"
    assert parse_status(text, path.name).qdevice_votes == int(row["configured"])


def test_there_are_uncast_outputs() -> None:
    assert len(UNCAST) >= 6
    assert qt.MAX_QDEVICETOOL_LINE < qt.MAX_QDEVICETOOL_BYTES
