"""corosync.conf: byte-exact round trips, coroparse's acceptance rules, typed view, PVE writer."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import CORPUS

from pvequorum.conf import ConfigParseError, corosync, load_config, pve, read_text
from pvequorum.errors import InputError

PROJECT = Path(__file__).resolve().parents[1]
CORPUS_FILES = sorted((CORPUS / "corosync").glob("*.conf"))
NASTY = sorted((PROJECT / "tests" / "data" / "conf").glob("*.conf"))

# Reference 4.1: `pvecm create mycluster` on pve1 / 192.168.1.11, exactly (354 bytes).
PVECM_CREATE = """logging {
  debug: off
  to_syslog: yes
}

nodelist {
  node {
    name: pve1
    nodeid: 1
    quorum_votes: 1
    ring0_addr: 192.168.1.11
  }
}

quorum {
  provider: corosync_votequorum
}

totem {
  cluster_name: mycluster
  config_version: 1
  interface {
    linknumber: 0
  }
  ip_version: ipv4-6
  link_mode: passive
  secauth: on
  version: 2
}

"""


def test_corpus_is_there() -> None:
    assert len(CORPUS_FILES) >= 9 and len(NASTY) >= 6


@pytest.mark.parametrize("path", CORPUS_FILES + NASTY, ids=lambda p: p.name)
def test_round_trip_is_byte_identical(path: Path) -> None:
    text = read_text(path)
    doc = corosync.parse(text, str(path))
    assert doc.dump() == text
    assert corosync.dump(doc).encode("utf-8", "surrogateescape") == path.read_bytes()


def test_nasty_files_keep_their_quirks() -> None:
    crlf = read_text(PROJECT / "tests/data/conf/crlf-only-last-cr.conf")
    doc = corosync.parse(crlf)
    assert doc.lines[-1].eol == "\r" and doc.lines[0].eol == "\r\n"
    assert doc.newline == "\r\n"
    quirks = corosync.parse(read_text(PROJECT / "tests/data/conf/coroparse-quirks.conf"))
    assert quirks.get("totem.token") == "5000"
    assert quirks.get("totem.crypto_cipher") == "none"
    assert quirks.get("logging.logfile") == "/var/log/x}y.log"
    assert quirks.get("logging.timestamp") == "on: really"
    assert quirks.find("totem") is not None  # "totem: {" names the section "totem"


# --- coroparse's acceptance rules (exec/coroparse.c parse_section) ----------------------------
@pytest.mark.parametrize(
    ("text", "line", "column", "problem"),
    [
        # corosync names the last line it read; we name the section and where it opened
        ("totem {\n version: 2\n", 2, 1, "Missing closing brace"),
        ("a {\n  b {\n  }\n", 3, 1, r"Missing closing brace \(section 'a', opened at line 1"),
        ("a {\n  b {\n", 2, 1, r"Missing closing brace \(section 'a.b', opened at line 2"),
        ("}\n", 1, 1, "Unexpected closing brace"),
        ("totem {\n garbage\n}\n", 2, 2, "Line is not opening or closing section or key value"),
        ("totem { x\n}\n", 1, 9, "Extra characters after opening bracket"),
        ("logging {\n  logfile: /x/{y}\n}\n", 2, 16, "Extra characters after opening bracket"),
        (" {\n}\n", 1, 2, "Missing section name before opening bracket"),
        ("totem {\n } }\n", 2, 2, "Extra characters before or after closing bracket"),
        ("a {\n  x}\n}\n", 2, 3, "Extra characters before or after closing bracket"),
        ("a {\n" + "k: " + "v" * 600 + "\n}\n", 2, 511, "Line too long"),
        # C stops reading the line at the NUL: what it read does not end the line
        ("k: v\x00\n", 1, 511, "Line too long"),
        ("a {\n" + "\x00" * 600 + "\n", 3, 1, "Missing closing brace"),  # two fgets() reads
        ("a" * 250 + " {\n  " + "b" * 10 + ": 1\n}\n", 2, 3, "New key makes total cmap path"),
        ("a" * 260 + " {\n}\n", 1, 1, "Start of section makes total cmap path too long"),
    ],
)
def test_rejected_like_corosync(text: str, line: int, column: int, problem: str) -> None:
    with pytest.raises(ConfigParseError, match=problem) as info:
        corosync.parse(text, "c.conf")
    assert (info.value.line, info.value.column) == (line, column)
    assert f"c.conf: line {line}, column {column}" in str(info.value)
    assert isinstance(info.value, InputError)


@pytest.mark.parametrize("eol", ["\n", ""])
def test_line_length_limit_is_510_bytes(eol: str) -> None:
    ok = "k: " + "v" * 507  # 510 bytes
    assert corosync.parse(ok + eol).get("k") == "v" * 507
    with pytest.raises(ConfigParseError, match="Line too long"):
        corosync.parse(ok + "v" + eol)
    with pytest.raises(ConfigParseError, match="Line too long"):  # bytes, not characters
        corosync.parse("k: " + "é" * 254 + eol)
    with pytest.raises(ConfigParseError, match="Line too long"):  # the CR counts too
        corosync.parse(ok + "\r\n")


def test_hash_is_a_comment_only_at_line_start() -> None:
    doc = corosync.parse("logging {\n  # comment\n  logfile: /x # not a comment\n\t#x: y\n}\n")
    assert doc.get("logging.logfile") == "/x # not a comment"
    assert [line.kind for line in doc.lines] == ["open", "comment", "item", "comment", "close"]


@pytest.mark.parametrize(
    ("line", "kind", "name", "value"),
    [
        ("key: value", "item", "key", "value"),
        ("key:value", "item", "key", "value"),
        ("key :  value  ", "item", "key", "value"),
        ("key::: v", "item", "key", ":: v"),
        ("key:", "item", "key", ""),
        ("  : v", "item", ":", "v"),
        ("  :", "item", "", ""),
        (":v", "item", "", "v"),
        ("a:b {", "open", "a:b", ""),
        ("name: {", "open", "name", ""),
        ("key: foo{", "open", "key: foo", ""),
        ("}{", "open", "}", ""),
        (":{", "open", ":", ""),
        ("a b {", "open", "a b", ""),
        ("v: a}b", "item", "v", "a}b"),
        ("v: x\r", "item", "v", "x"),
    ],
)
def test_coroparse_line_quirks(line: str, kind: str, name: str, value: str) -> None:
    text = line + "\n" if kind == "item" else line + "\n}\n"
    doc = corosync.parse(text)
    first = doc.lines[0]
    assert (first.kind, first.name, first.value) == (kind, name, value)
    assert doc.dump() == text


def test_value_problems_are_corosyncs_own_messages() -> None:
    text = (
        "totem {\n  config_version: x\n  crypto_cipher: aes\n  token: 5000\n}\n"
        "nodelist {\n  node {\n    nodeid: -1\n    quorum_votes: +2\n  }\n}\n"
        "quorum {\n  two_node: 256\n  wait_for_all: 1\n}\nuidgid {\n  user: x\n}\n"
    )
    problems = corosync.value_problems(corosync.parse(text))
    assert [line for line, _ in problems] == [2, 3, 8, 13, 17]
    assert problems[2][1] == (
        'Value of key "nodelist.node.0.nodeid" is expected to be integer in range '
        '(0..4294967295), but "-1" was given'
    )
    assert "Invalid cipher type" in problems[1][1]


# --- hypothesis: generated documents round-trip; random text raises only ConfigParseError --
@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab{}:# \t\n\r\x0bé")), max_size=120))
def test_random_text_raises_only_the_parse_error(text: str) -> None:
    try:
        doc = corosync.parse(text)
    except ConfigParseError as exc:
        assert exc.line >= 1 and exc.column >= 1
        return
    assert doc.dump() == text


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_raise_only_the_parse_error(data: bytes) -> None:
    text = data.decode("utf-8", "surrogateescape")
    with contextlib.suppress(ConfigParseError):
        assert corosync.parse(text).dump() == text


_key = st.sampled_from(["version", "token", "two_node", "name", "ring0_addr", "k-1", "a.b"])
_value = st.from_regex(r"[a-z0-9._/:}#-][a-z0-9._/:} #-]{0,10}", fullmatch=True)
_ws = st.sampled_from(["", " ", "  ", "\t", " \t"])
_eol = st.sampled_from(["\n", "\r\n"])


@st.composite
def documents(draw: st.DrawFn, depth: int = 0) -> str:
    out = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(
            st.sampled_from(
                ["item", "blank", "comment", "section"]
                if depth < 3
                else ["item", "blank", "comment"]
            )
        )
        indent = draw(_ws)
        eol = draw(_eol)
        if kind == "item":
            out.append(f"{indent}{draw(_key)}{draw(_ws)}:{draw(_ws)}{draw(_value)}{draw(_ws)}{eol}")
        elif kind == "blank":
            out.append(f"{draw(_ws)}{eol}")
        elif kind == "comment":
            out.append(f"{indent}#{draw(_value)}{eol}")
        else:
            name = draw(st.sampled_from(["totem", "quorum", "node", "device"]))
            body = draw(documents(depth + 1))
            out.append(
                f"{indent}{name}{draw(_ws)}{{{draw(_ws)}{eol}{body}{draw(_ws)}}}{draw(_ws)}{eol}"
            )
    return "".join(out)


@settings(max_examples=200, deadline=None)
@given(documents(), st.booleans())
def test_generated_documents_round_trip(text: str, chop_final_newline: bool) -> None:
    if chop_final_newline:
        text = text.rstrip("\r\n")
    assert corosync.parse(text).dump() == text


# --- typed view --------------------------------------------------------------------------
def test_typed_view_of_pvecm_create() -> None:
    kind, doc, cluster = load_config(PVECM_CREATE)
    assert kind == "corosync" and isinstance(doc, corosync.CorosyncConf)
    assert cluster.name == "mycluster" and cluster.config_version == 1
    node = cluster.node("pve1")
    assert (node.nodeid, node.votes, node.address) == (1, 1, "192.168.1.11")
    view = corosync.view(doc)
    assert view.links == (corosync.Link(0, (), (("pve1", "192.168.1.11"),)),)


def test_typed_view_quorum_device_totem_links() -> None:
    text = (
        "totem {\n  cluster_name: t\n  config_version: 9\n  token: 3000\n  consensus: 3600\n"
        "  interface {\n    linknumber: 1\n    knet_link_priority: 5\n  }\n}\n"
        "nodelist {\n  node {\n    name: a\n    nodeid: 1\n    ring0_addr: 10.0.0.1\n"
        "    ring1_addr: 10.1.0.1\n  }\n  node {\n    name: b\n    nodeid: 2\n"
        "    quorum_votes: 3\n    ring0_addr: 10.0.0.2\n  }\n}\n"
        "quorum {\n  provider: corosync_votequorum\n  wait_for_all: 0\n  two_node: 7\n"
        "  expected_votes: 0\n  device {\n    model: net\n    votes: 1\n    net {\n"
        "      algorithm: lms\n      tie_breaker: highest\n      host: 10.0.0.9\n    }\n  }\n}\n"
    )
    view = corosync.view(corosync.parse(text))
    c = view.cluster
    assert c.totem.token == 3000 and c.totem.consensus == 3600
    assert c.node("a").votes is None and c.node("b").votes == 3
    assert c.quorum.wait_for_all == 0 and c.quorum.two_node == 1  # any non-zero uint8 is on
    assert c.quorum.expected_votes is None  # 0 is the same as unset in votequorum
    device = c.quorum.device
    assert device is not None
    assert (device.votes, device.algorithm, device.tie_breaker, device.host) == (
        1,
        "lms",
        "highest",
        "10.0.0.9",
    )
    assert [link.number for link in view.links] == [0, 1]
    assert dict(view.links[1].options) == {"knet_link_priority": "5"}
    assert dict(view.links[1].addresses) == {"a": "10.1.0.1"}
    assert view.to_dict()["links"][1]["addresses"] == {"a": "10.1.0.1"}


def test_device_without_model_is_no_device() -> None:
    doc = corosync.parse(
        "nodelist {\n node {\n  name: a\n  nodeid: 1\n }\n}\n"
        "quorum {\n device {\n  votes: 1\n }\n}\n"
    )
    assert corosync.to_cluster(doc).quorum.device is None


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("nodelist {\n node {\n  name: a\n  nodeid: one\n }\n}\n", 4, "nodeid must be an integer"),
        ("nodelist {\n node {\n  name: a\n }\n}\n", 2, "has no nodeid"),
        (
            "nodelist {\n node {\n  name: a\n  nodeid: 1\n }\n"
            " node {\n  name: b\n  nodeid: 1\n }\n}\n",
            6,
            "duplicate nodeid 1",
        ),
        ("nodelist {\n node {\n  name: a_b\n  nodeid: 1\n }\n}\n", 2, "not a valid host name"),
        ("nodelist {\n}\n", 1, "at least one node"),
    ],
)
def test_typed_view_refuses_with_a_line(text: str, line: int, problem: str) -> None:
    with pytest.raises(ConfigParseError, match=problem) as info:
        corosync.view(corosync.parse(text, "x.conf"))
    assert info.value.line == line


# --- the Proxmox-canonical writer (reference 4.1) ---------------------------------------------
def test_canonical_writer_golden_reference_41() -> None:
    assert len(PVECM_CREATE.encode()) == 354 and PVECM_CREATE.endswith("}\n\n")
    shuffled = (
        "# written by hand\ntotem {\n\tversion: 2\n\tsecauth: on\n\tlink_mode: passive\n"
        "\tip_version: ipv4-6\n\tinterface {\n\t\tlinknumber: 0\n\t}\n\tconfig_version: 1\n"
        "\tcluster_name: mycluster\n}\nquorum {\n\tprovider: corosync_votequorum\n}\n"
        "nodelist {\n\n\tnode {\n\t\tring0_addr: 192.168.1.11\n\t\tquorum_votes: 1\n"
        "\t\tnodeid: 1\n\t\tname: pve1\n\t}\n}\nlogging {\n\tto_syslog: yes\n\tdebug: off\n}"
    )
    assert corosync.canonical(corosync.parse(shuffled)) == PVECM_CREATE
    assert corosync.canonical(corosync.parse(PVECM_CREATE)) == PVECM_CREATE


@pytest.mark.parametrize(
    "path", [p for p in CORPUS_FILES if p.name.startswith("pve-")], ids=lambda p: p.name
)
def test_canonical_is_identity_on_files_pve_wrote(path: Path) -> None:
    text = read_text(path)
    assert corosync.canonical(corosync.parse(text)) == text


def test_canonical_sorts_nodes_by_name_and_interfaces_by_number() -> None:
    text = (
        "nodelist {\n  node {\n    name: pve10\n    nodeid: 3\n  }\n  node {\n    name: pve2\n"
        "    nodeid: 2\n  }\n}\ntotem {\n  interface {\n    linknumber: 1\n  }\n"
        "  interface {\n    linknumber: 0\n  }\n}\n"
    )
    out = corosync.canonical(corosync.parse(text))
    assert out.index("pve10") < out.index("pve2")  # string order, as Perl's sort
    assert out.index("linknumber: 0") < out.index("linknumber: 1")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("quorum {\n  auto_tie_breaker_node: 1 3 5\n}\n", "missing ':' after key '3'"),
        ("quorum {\n  provider : corosync_votequorum\n}\n", "missing ':' after key 'provider'"),
        ("a {\n}\na {\n}\n", "section 'a' already exists and not marked as array!"),
        ("totem{\n}\n", "missing ':' after key 'totem{'"),
    ],
)
def test_pve_parser_dies_where_pvecm_dies(text: str, message: str) -> None:
    corosync.parse(text)  # corosync itself accepts all of these
    with pytest.raises(pve.PveParseError, match=message):
        corosync.canonical(corosync.parse(text))


def test_pve_parser_cuts_inline_comments() -> None:
    conf = pve.parse_conf("logging {\n  logfile: /x # y\n}\n")
    assert conf == {"logging": {"logfile": "/x"}}
