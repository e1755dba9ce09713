"""Config files: byte-exact round trips, coroparse's rules, canonical writers, findings, edits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import CORPUS, PROJECT

from pvequorum.conf import ConfigParseError, clusterconf, corosync, edits, load_config, validate
from pvequorum.conf.atomic import write_atomic
from pvequorum.errors import InputError

CORPUS_FILES = sorted(CORPUS.rglob("*.conf")) + sorted(CORPUS.rglob("*.xml"))
NASTY = sorted((PROJECT / "tests" / "data" / "conf").glob("*"))


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def test_corpus_is_there() -> None:
    assert len(CORPUS_FILES) >= 15


@pytest.mark.parametrize("path", CORPUS_FILES + NASTY, ids=lambda p: p.name)
def test_round_trip_is_byte_identical(path: Path) -> None:
    text = _read(path)
    module = clusterconf if path.suffix == ".xml" else corosync
    assert module.parse(text, str(path)).dump() == text


# --- coroparse's acceptance rules (reference 4.2) ------------------------------------------
@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("totem {\n version: 2\n", 2, "Missing closing brace"),
        ("}\n", 1, "Unexpected closing brace"),
        ("totem {\n garbage\n}\n", 2, "not opening or closing"),
        ("totem { x\n}\n", 1, "Extra characters after opening bracket"),
        (" {\n}\n", 1, "Missing section name"),
        ("totem {\n } }\n", 2, "Extra characters before or after closing bracket"),
        ("a {\n" + "k: " + "v" * 600 + "\n}\n", 2, "Line too long"),
    ],
)
def test_rejected_like_corosync(text: str, line: int, problem: str) -> None:
    with pytest.raises(ConfigParseError, match=problem) as info:
        corosync.parse(text, "c.conf")
    assert info.value.line == line
    assert f"c.conf: line {line}" in str(info.value)


def test_hash_is_a_comment_only_at_line_start() -> None:
    doc = corosync.parse("logging {\n  # comment\n  logfile: /x # not a comment\n}\n")
    assert doc.get("logging.logfile") == "/x # not a comment"
    assert [line.kind for line in doc.lines] == ["open", "comment", "item", "close"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab{}:# \t\n\r")), max_size=80))
def test_random_text_raises_only_the_parse_error(text: str) -> None:
    try:
        doc = corosync.parse(text)
    except ConfigParseError:
        return
    assert doc.dump() == text


_key = st.sampled_from(["version", "token", "two_node", "name", "ring0_addr"])
_value = st.from_regex(r"[a-z0-9._/-]{1,8}", fullmatch=True)
_ws = st.sampled_from(["", " ", "  ", "\t", " \t"])
_eol = st.sampled_from(["\n", "\r\n"])


@st.composite
def documents(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(
            st.sampled_from(
                ["item", "comment", "blank", "section"] if depth < 2 else ["item", "blank"]
            )
        )
        indent = draw(_ws)
        if kind == "item":
            parts.append(
                f"{indent}{draw(_key)}{draw(_ws)}:{draw(_ws)}{draw(_value)}{draw(_ws)}{draw(_eol)}"
            )
        elif kind == "comment":
            parts.append(f"{indent}#{draw(_value)} {{ }}{draw(_eol)}")
        elif kind == "blank":
            parts.append(f"{indent}{draw(_eol)}")
        else:
            parts.append(f"{indent}{draw(_key)}{draw(_ws)}{{{draw(_eol)}")
            parts.append(draw(documents(depth + 1)))
            parts.append(f"{draw(_ws)}}}{draw(_eol)}")
    return "".join(parts)


@settings(max_examples=200, deadline=None)
@given(documents())
def test_generated_documents_round_trip(text: str) -> None:
    assert corosync.parse(text).dump() == text


# --- canonical writers ---------------------------------------------------------------------
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


def test_pve_canonical_writer_golden_reference_41() -> None:
    assert len(PVECM_CREATE.encode()) == 354  # the reference's byte count
    scrambled = (
        "# hand-edited\ntotem {\n\tversion: 2\n secauth: on\n link_mode: passive\n"
        " ip_version: ipv4-6\n interface {\n  linknumber: 0\n }\n config_version: 1\n"
        " cluster_name: mycluster\n}\nquorum {\nprovider: corosync_votequorum\n}\n"
        "nodelist {\n node {\n  ring0_addr: 192.168.1.11\n  quorum_votes: 1\n  nodeid: 1\n"
        "  name: pve1\n }\n}\nlogging {\n to_syslog: yes\n debug: off\n}"
    )
    assert corosync.canonical(corosync.parse(scrambled)) == PVECM_CREATE
    assert corosync.canonical(corosync.parse(PVECM_CREATE)) == PVECM_CREATE


def test_pve_canonical_sorts_nodes_by_name() -> None:
    text = (CORPUS / "corosync/pcs-corosync-3nodes.conf").read_text()
    out = corosync.canonical(corosync.parse(text))
    assert out.index("name: rh7-1") < out.index("name: rh7-2") < out.index("name: rh7-3")
    assert out.endswith("}\n\n")


def test_pve3_canonical_writer_reference_81() -> None:
    doc = clusterconf.parse(
        '<?xml version="1.0"?>\n<cluster name="c" config_version="2">\n'
        '  <cman two_node="1" expected_votes="1" keyfile="/var/lib/pve-cluster/corosync.authkey">\n'
        "  </cman>\n  <!-- gone -->\n  <clusternodes>\n"
        '  <clusternode name="a" votes="1" nodeid="1"/>\n  </clusternodes>\n</cluster>\n'
    )
    assert clusterconf.canonical(doc) == (
        '<?xml version="1.0"?>\n<cluster config_version="2" name="c">\n'
        '  <cman expected_votes="1" keyfile="/var/lib/pve-cluster/corosync.authkey"'
        ' two_node="1"/>\n'
        '  <clusternodes>\n    <clusternode name="a" nodeid="1" votes="1"/>\n'
        "  </clusternodes>\n</cluster>\n"
    )


# --- typed views ---------------------------------------------------------------------------
def test_typed_view_of_pve_corosync_conf() -> None:
    cluster = load_config(_read(CORPUS / "corosync/pve-cluster-old.conf")).cluster
    assert cluster.name == "sea" and cluster.config_version == 1
    assert [(n.name, n.nodeid, n.votes) for n in cluster.nodes] == [("prox1", 1, 1)]


def test_typed_view_of_cluster_conf() -> None:
    loaded = load_config(_read(CORPUS / "cluster-conf/pve3-cluster.conf.ex.xml"))
    assert loaded.kind == "cman" and loaded.cluster.stack == "cman"
    assert loaded.cluster.config_version == 15 and len(loaded.cluster.nodes) == 3


def test_qdevice_view() -> None:
    cluster = load_config(_read(CORPUS / "corosync/pcs-corosync-qdevice.conf")).cluster
    assert cluster.quorum.device is not None and cluster.quorum.device.host == "127.0.0.1"


# --- edits ---------------------------------------------------------------------------------
def _changed(diff: str) -> list[str]:
    return [x for x in diff.splitlines() if x[:1] in "+-" and x[:3] not in ("+++", "---")]


TWO_NODES = """totem {
  cluster_name: lab
  config_version: 4
  version: 2
}

nodelist {
  node {
    name: pve1
    nodeid: 1
    quorum_votes: 1
    ring0_addr: 10.0.0.1
  }
  node {
    name: pve2
    nodeid: 2
    quorum_votes: 1
    ring0_addr: 10.0.0.2
  }
}

quorum {
  provider: corosync_votequorum
}
"""


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: edits.set_two_node(t, True), ["+  two_node: 1"]),
        (lambda t: edits.set_votes(t, "pve2", 3), ["-    quorum_votes: 1", "+    quorum_votes: 3"]),
        (lambda t: edits.set_expected_votes(t, 1), ["+  expected_votes: 1"]),
        (
            lambda t: edits.remove_node(t, "pve2"),
            [
                "-  node {",
                "-    name: pve2",
                "-    nodeid: 2",
                "-    quorum_votes: 1",
                "-    ring0_addr: 10.0.0.2",
                "-  }",
            ],
        ),
        (
            lambda t: edits.add_node(t, "pve3", "10.0.0.3", votes=1),
            [
                "+  node {",
                "+    name: pve3",
                "+    nodeid: 3",
                "+    quorum_votes: 1",
                "+    ring0_addr: 10.0.0.3",
                "+  }",
            ],
        ),
        (
            lambda t: edits.add_qdevice(t, "10.0.0.50"),
            [
                "+  device {",
                "+    model: net",
                "+    net {",
                "+      algorithm: ffsplit",
                "+      host: 10.0.0.50",
                "+      tls: on",
                "+    }",
                "+    votes: 1",
                "+  }",
            ],
        ),
    ],
)
def test_edits_touch_only_intended_lines_and_the_version(edit, expected: list[str]) -> None:
    result = edit(TWO_NODES)
    changed = _changed(result.diff)
    version = [c for c in changed if "config_version" in c]
    assert version == ["-  config_version: 4", "+  config_version: 5"]
    assert [c for c in changed if "config_version" not in c] == expected
    assert corosync.parse(result.new_text).dump() == result.new_text


def test_two_node_edit_explains_wait_for_all() -> None:
    result = edits.set_two_node(TWO_NODES, True)
    assert any("wait_for_all" in note for note in result.notes)
    assert any(f.code == "CQ302" for f in result.findings)  # two_node implies wait_for_all


def test_qdevice_section_is_what_pvecm_writes() -> None:
    new = edits.add_qdevice(TWO_NODES, "192.168.1.50").new_text
    assert (
        "quorum {\n  provider: corosync_votequorum\n  device {\n    model: net\n    net {\n"
        "      algorithm: ffsplit\n      host: 192.168.1.50\n      tls: on\n    }\n"
        "    votes: 1\n  }\n}\n"
    ) in new
    three = edits.add_node(TWO_NODES, "pve3", "10.0.0.3", votes=1).new_text
    odd = edits.add_qdevice(three, "192.168.1.50").new_text
    assert "algorithm: lms" in odd and "votes: 1\n  }" not in odd


def test_refused_edit_unless_forced() -> None:
    two = edits.set_two_node(TWO_NODES, True).new_text
    with pytest.raises(edits.EditRefused, match="two_node and quorum device"):
        edits.add_qdevice(two, "10.0.0.50")
    forced = edits.add_qdevice(two, "10.0.0.50", force=True)
    assert any(f.code == "CQ101" and f.severity == "error" for f in forced.findings)


def test_cman_two_node_is_exactly_the_article() -> None:
    text = _read(CORPUS / "cluster-conf/pve3-cluster.conf.ex.xml").replace(
        '    <clusternode name="node3" votes="1" nodeid="3"/>\n', ""
    )
    result = edits.set_two_node(text, True)
    assert _changed(result.diff) == [
        '-<cluster name="cluster1" config_version="15">',
        '+<cluster name="cluster1" config_version="16">',
        '-  <cman keyfile="/var/lib/pve-cluster/corosync.authkey">',
        '+  <cman two_node="1" expected_votes="1" keyfile="/var/lib/pve-cluster/corosync.authkey">',
    ]
    with pytest.raises(edits.EditRefused, match="two_node"):
        edits.set_two_node(_read(CORPUS / "cluster-conf/pve3-cluster.conf.ex.xml"), True)


def test_bad_edit_inputs() -> None:
    with pytest.raises(InputError, match="unknown node"):
        edits.set_votes(TWO_NODES, "nope", 1)
    with pytest.raises(InputError, match="not an IP address"):
        edits.add_qdevice(TWO_NODES, "qnetd;rm -rf /")


# --- findings (reference 1.12 and friends) -------------------------------------------------
def _findings(
    quorum_lines: str, nodes: int = 2, votes: tuple[int, ...] | None = None
) -> dict[str, str]:
    node_blocks = "".join(
        f"  node {{\n    name: n{i}\n    nodeid: {i}\n"
        f"    quorum_votes: {(votes or (1,) * nodes)[i - 1]}\n"
        f"    ring0_addr: 10.0.0.{i}\n  }}\n"
        for i in range(1, nodes + 1)
    )
    text = (
        "totem {\n  cluster_name: c\n  config_version: 2\n  version: 2\n}\n"
        f"nodelist {{\n{node_blocks}}}\n"
        f"quorum {{\n  provider: corosync_votequorum\n{quorum_lines}}}\n"
    )
    return {f.code: f.severity for f in validate.validate_corosync(corosync.parse(text))}


DEVICE = (
    "  device {\n    model: net\n    votes: 1\n    net {\n      algorithm: ffsplit\n"
    "      host: 10.0.0.9\n    }\n  }\n"
)


@pytest.mark.parametrize(
    ("quorum", "nodes", "code", "severity"),
    [
        ("  two_node: 1\n" + DEVICE, 2, "CQ101", "error"),
        ("  auto_tie_breaker: 1\n  last_man_standing: 1\n", 3, "CQ102", "error"),
        ("  last_man_standing: 1\n" + DEVICE, 2, "CQ103", "error"),
        ("  auto_tie_breaker: 1\n" + DEVICE, 2, "CQ104", "error"),
        ("  expected_votes: 5\n" + DEVICE.replace("    votes: 1\n", ""), 2, "CQ105", "error"),
        ("  expected_votes: 3\n" + DEVICE.replace("votes: 1", "votes: 2"), 2, "CQ107", "error"),
        ("  two_node: 1\n  auto_tie_breaker: 1\n", 2, "CQ201", "warning"),
        ("  auto_tie_breaker: 1\n", 3, "CQ202", "warning"),
        ("  auto_tie_breaker_node: lowest\n", 2, "CQ203", "warning"),
        ("  two_node: 1\n  wait_for_all: 0\n", 3, "CQ210", "warning"),
        ("  expected_votes: 1\n", 2, "CQ211", "warning"),
        ("  two_node: 1\n", 2, "CQ302", "note"),
        (DEVICE, 3, "CQ220", "warning"),
    ],
)
def test_findings_for_reference_112(quorum: str, nodes: int, code: str, severity: str) -> None:
    assert _findings(quorum, nodes).get(code) == severity


def test_device_without_votes_on_weighted_nodes() -> None:
    assert _findings(DEVICE.replace("    votes: 1\n", ""), 2, votes=(2, 1)).get("CQ106") == "error"


def test_clean_two_node_config_has_no_errors() -> None:
    assert not validate.has_errors(validate.validate_corosync(corosync.parse(TWO_NODES)))


def test_pve_parser_hazards_and_missing_votes() -> None:
    found = validate.validate_corosync(
        corosync.parse(_read(PROJECT / "tests/data/conf/compact-and-hazards.conf"))
    )
    hazards = sorted({f.line for f in found if f.code == "CQ230"})
    assert hazards == [4, 5, 19]  # `totem{`, `version:2`, `1 3 5`: pvecm dies on them
    # the inline '#': pvecm reads a different value than corosync
    assert 22 in {f.line for f in found if f.code == "CQ231"}
    crlf = validate.validate_corosync(
        corosync.parse(_read(PROJECT / "tests/data/conf/crlf-tabs-no-final-newline.conf"))
    )
    assert {"CQ301", "CQ230", "CQ211"} <= {f.code for f in crlf}


def test_cman_findings() -> None:
    text = _read(CORPUS / "cluster-conf/pve3-cluster.conf.ex.xml")
    zero = text.replace('name="node1" votes="1"', 'name="node1" votes="0"')
    assert "CQ111" in {f.code for f in validate.validate_clusterconf(clusterconf.parse(zero))}
    nover = text.replace(' config_version="15"', "")
    assert "CQ120" in {f.code for f in validate.validate_clusterconf(clusterconf.parse(nover))}


# --- atomic write and the CLI --------------------------------------------------------------
def test_write_atomic_keeps_a_backup(tmp_path: Path) -> None:
    target = tmp_path / "corosync.conf"
    target.write_text("old\n")
    backup = write_atomic(target, "new\n")
    assert target.read_text() == "new\n" and backup is not None and backup.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pvequorum", *args], capture_output=True, text=True, timeout=60
    )


def test_cli_edit_two_node_on_article_cluster(tmp_path: Path) -> None:
    source = tmp_path / "cluster.conf"
    original = _read(CORPUS / "cluster-conf/pve3-cluster.conf.ex.xml").replace(
        '    <clusternode name="node3" votes="1" nodeid="3"/>\n', ""
    )
    source.write_text(original)
    out = tmp_path / "cluster.conf.new"
    result = _cli("config", "edit", str(source), "--two-node", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert '+  <cman two_node="1" expected_votes="1"' in result.stdout
    assert source.read_text() == original  # the input is never modified
    assert 'config_version="16"' in out.read_text()


@pytest.mark.parametrize(
    ("content", "args", "problem"),
    [
        (b"\x7fELF\x00\x01", ("check",), "binary"),
        (b"", ("check",), "empty"),
        (b"totem {\n version: 2\n", ("check",), "line 1"),
        (TWO_NODES.encode(), ("edit", "--votes", "ghost=2"), "unknown node 'ghost'"),
        (
            TWO_NODES.encode(),
            ("edit", "--add-node", "pve3", "--address", "10.0.0"),
            "not an IP address",
        ),
    ],
)
def test_cli_bad_input_exit_2_one_line(
    tmp_path: Path, content: bytes, args: tuple, problem: str
) -> None:
    path = tmp_path / "in.conf"
    path.write_bytes(content)
    out = tmp_path / "out.conf"
    result = (
        _cli("config", args[0], str(path), *args[1:], "-o", str(out))
        if args[0] == "edit"
        else _cli("config", args[0], str(path))
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and problem in lines[0], result.stderr
    assert path.read_bytes() == content and not out.exists()


def test_cli_check_exit_codes(tmp_path: Path) -> None:
    good = tmp_path / "good.conf"
    good.write_text(TWO_NODES)
    assert _cli("config", "check", str(good)).returncode == 0
    bad = tmp_path / "bad.conf"
    bad.write_text(
        edits.set_two_node(TWO_NODES, True).new_text.replace("quorum {\n", "quorum {\n" + DEVICE)
    )
    result = _cli("config", "check", str(bad))
    assert result.returncode == 1 and "CQ101" in result.stdout


def test_cli_show_json(tmp_path: Path) -> None:
    result = _cli("config", "show", str(CORPUS / "corosync/pve-cluster-old.conf"), "--json")
    assert result.returncode == 0 and '"cluster_name": "sea"' in result.stdout
