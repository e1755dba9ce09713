"""Edits: only the intended lines plus the version line change; refusals; atomic writes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import CORPUS

from pvequorum.conf import atomic, clusterconf, corosync, edits, load_config, read_text
from pvequorum.conf.edits import EditRefused
from pvequorum.errors import InputError

PROJECT = Path(__file__).resolve().parents[1]

TWO = """logging {
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
  node {
    name: pve2
    nodeid: 2
    quorum_votes: 1
    ring0_addr: 192.168.1.12
  }
}

quorum {
  provider: corosync_votequorum
}

totem {
  cluster_name: mycluster
  config_version: 2
  interface {
    linknumber: 0
  }
  ip_version: ipv4-6
  link_mode: passive
  secauth: on
  version: 2
}

"""
THREE = edits.add_node(TWO, "pve3", "192.168.1.13").new_text

# The kind of cluster.conf the source article edits (PVE 2.x/3.x, as `pvecm create` writes).
ARTICLE = """<?xml version="1.0"?>
<cluster name="dmz" config_version="4">

  <cman keyfile="/var/lib/pve-cluster/corosync.authkey">
  </cman>

  <clusternodes>
  <clusternode name="pve1" votes="1" nodeid="1"/>
  <clusternode name="pve2" votes="1" nodeid="2"/>
  </clusternodes>

</cluster>
"""


def changed(diff: str) -> tuple[list[str], list[str]]:
    """(removed, added) lines of a unified diff, without the +/- marks and headers."""
    removed, added = [], []
    for line in diff.splitlines():
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("-"):
            removed.append(line[1:])
        elif line.startswith("+"):
            added.append(line[1:])
    return removed, added


CASES = [
    (lambda: edits.set_two_node(TWO, True), [], ["  two_node: 1"]),
    (lambda: edits.set_votes(TWO, "pve2", 3), ["    quorum_votes: 1"], ["    quorum_votes: 3"]),
    (lambda: edits.set_expected_votes(TWO, 2), [], ["  expected_votes: 2"]),
    (
        lambda: edits.set_expected_votes(edits.set_expected_votes(TWO, 2).new_text, None),
        ["  expected_votes: 2"],
        [],
    ),
    (
        lambda: edits.add_node(TWO, "pve3", "192.168.1.13"),
        [],
        [
            "  node {",
            "    name: pve3",
            "    nodeid: 3",
            "    quorum_votes: 1",
            "    ring0_addr: 192.168.1.13",
            "  }",
        ],
    ),
    (
        lambda: edits.remove_node(THREE, "pve3"),
        [
            "  node {",
            "    name: pve3",
            "    nodeid: 3",
            "    quorum_votes: 1",
            "    ring0_addr: 192.168.1.13",
            "  }",
        ],
        [],
    ),
    (
        lambda: edits.add_qdevice(TWO, "192.168.1.50"),
        [],
        [
            "  device {",
            "    model: net",
            "    net {",
            "      algorithm: ffsplit",
            "      host: 192.168.1.50",
            "      tls: on",
            "    }",
            "    votes: 1",
            "  }",
        ],
    ),
]


@pytest.mark.parametrize(("edit", "removed", "added"), CASES)
def test_corosync_diff_touches_only_intended_lines_and_the_version(edit, removed, added) -> None:
    result = edit()
    old_version = corosync.parse(result.old_text).get("totem.config_version")
    new_version = corosync.parse(result.new_text).get("totem.config_version")
    assert int(new_version) == int(old_version) + 1
    got_removed, got_added = changed(result.diff)
    assert sorted(got_removed) == sorted([*removed, f"  config_version: {old_version}"])
    assert sorted(got_added) == sorted([*added, f"  config_version: {new_version}"])
    assert result.diff.startswith("--- a/corosync.conf\n+++ b/corosync.conf\n")


PVE2 = '  <clusternode name="pve2" votes="1" nodeid="2"/>'
CMAN_LINE = '  <cman keyfile="/var/lib/pve-cluster/corosync.authkey">'
CMAN_CASES = [
    (lambda: edits.set_votes(ARTICLE, "pve2", 2), [PVE2], [PVE2.replace('votes="1"', 'votes="2"')]),
    (
        lambda: edits.set_expected_votes(ARTICLE, 2),
        [CMAN_LINE],
        [CMAN_LINE.replace('">', '" expected_votes="2">')],
    ),
    (
        lambda: edits.add_node(ARTICLE, "pve3"),
        [],
        ['  <clusternode name="pve3" votes="1" nodeid="3"/>'],
    ),
    (lambda: edits.remove_node(ARTICLE, "pve2"), [PVE2], []),
]


@pytest.mark.parametrize(("edit", "removed", "added"), CMAN_CASES)
def test_cman_diff_touches_only_intended_lines_and_the_version(edit, removed, added) -> None:
    result = edit()
    got_removed, got_added = changed(result.diff)
    assert sorted(got_removed) == sorted([*removed, '<cluster name="dmz" config_version="4">'])
    assert sorted(got_added) == sorted([*added, '<cluster name="dmz" config_version="5">'])
    assert clusterconf.parse(result.new_text).root.get("config_version") == "5"


def test_cman_two_node_is_exactly_the_source_article() -> None:
    result = edits.set_two_node(ARTICLE, True)
    removed, added = changed(result.diff)
    assert removed == [
        '<cluster name="dmz" config_version="4">',
        '  <cman keyfile="/var/lib/pve-cluster/corosync.authkey">',
    ]
    assert added == [
        '<cluster name="dmz" config_version="5">',
        '  <cman two_node="1" expected_votes="1" keyfile="/var/lib/pve-cluster/corosync.authkey">',
    ]
    assert result.new_text == ARTICLE.replace('config_version="4"', 'config_version="5"').replace(
        "<cman ", '<cman two_node="1" expected_votes="1" '
    )
    assert not [f for f in result.findings if f.severity != "note"]
    off = edits.set_two_node(result.new_text, False)
    assert off.new_text == ARTICLE.replace('config_version="4"', 'config_version="6"')


def test_two_node_tells_what_it_implies_for_wait_for_all() -> None:
    result = edits.set_two_node(TWO, True)
    assert any("wait_for_all" in note for note in result.notes)
    assert "CQ302" in {f.code for f in result.findings}
    with_wfa = corosync.parse(TWO)
    with_wfa.set("quorum", "wait_for_all", "0")
    explicit = edits.set_two_node(with_wfa.dump(), True)
    assert any("explicitly" in note for note in explicit.notes)
    off = edits.set_two_node(result.new_text, False)
    assert any("now off" in note for note in off.notes)
    assert off.new_text == TWO.replace("config_version: 2", "config_version: 4")


def test_qdevice_sections_are_what_pvecm_writes() -> None:
    even = edits.add_qdevice(TWO, "192.168.1.50").new_text
    assert (
        "quorum {\n  provider: corosync_votequorum\n  device {\n    model: net\n    net {\n"
        "      algorithm: ffsplit\n      host: 192.168.1.50\n      tls: on\n    }\n"
        "    votes: 1\n  }\n}\n"
    ) in even
    odd = edits.add_qdevice(THREE, "192.168.1.50")
    assert "algorithm: lms" in odd.new_text and "votes:" not in odd.new_text.split("device {")[1]
    assert "CQ220" in {f.code for f in odd.findings}
    # the canonical layout of the result is exactly reference 3.3's quorum section
    canonical = corosync.canonical(corosync.parse(even))
    assert (
        "quorum {\n  device {\n    model: net\n    net {\n      algorithm: ffsplit\n"
        "      host: 192.168.1.50\n      tls: on\n    }\n    votes: 1\n  }\n"
        "  provider: corosync_votequorum\n}\n"
    ) in canonical
    removed = edits.remove_qdevice(even)
    assert removed.new_text == TWO.replace("config_version: 2", "config_version: 4")


def test_refused_edit_unless_forced() -> None:
    with_device = edits.add_qdevice(TWO, "192.168.1.50").new_text
    with pytest.raises(EditRefused, match=r"CQ101.*two_node and quorum device"):
        edits.set_two_node(with_device, True)
    forced = edits.set_two_node(with_device, True, force=True)
    assert "CQ101" in {f.code for f in forced.findings}
    with pytest.raises(EditRefused, match="CQ110"):
        edits.add_node(edits.set_two_node(ARTICLE, True).new_text, "pve3")
    with pytest.raises(EditRefused, match="CQ111"):
        edits.set_votes(ARTICLE, "pve1", 0)
    with pytest.raises(EditRefused, match="CQ108"):
        edits.remove_node(edits.remove_node(TWO, "pve2").new_text, "pve1")
    assert issubclass(EditRefused, InputError)


@pytest.mark.parametrize(
    ("call", "problem"),
    [
        (lambda: edits.set_votes(TWO, "pve9", 2), "unknown node 'pve9'"),
        (lambda: edits.set_votes(ARTICLE, "pve9", 2), "unknown node 'pve9'"),
        (lambda: edits.set_votes(TWO, "pve1", -1), "votes must be"),
        (lambda: edits.add_node(TWO, "pve3", "999.1.1.1"), "not an IP address"),
        (lambda: edits.add_node(TWO, "pve1", "10.0.0.1"), "already exists"),
        (lambda: edits.add_node(TWO, "bad_name", "10.0.0.1"), "not a valid host name"),
        (lambda: edits.add_qdevice(TWO, "qnetd.example"), "not an IP address"),
        (lambda: edits.add_qdevice(ARTICLE, "10.0.0.1"), "quorum disk"),
        (lambda: edits.remove_qdevice(TWO), "no QDevice"),
        (lambda: edits.set_expected_votes(TWO, 0), "expected_votes must be"),
        (lambda: edits.set_expected_votes(TWO, None), "nothing to remove"),
        (lambda: edits.set_two_node(TWO, False), "nothing to disable"),
    ],
)
def test_bad_edit_inputs(call, problem: str) -> None:
    with pytest.raises(InputError, match=problem):
        call()


def test_unknown_node_error_names_file_and_line() -> None:
    with pytest.raises(InputError) as info:
        edits.set_votes(TWO, "pve9", 2, source="/etc/pve/corosync.conf")
    assert str(info.value).startswith("/etc/pve/corosync.conf: line 6: unknown node 'pve9'")


def test_edits_keep_crlf_tabs_and_missing_final_newline() -> None:
    text = read_text(PROJECT / "tests/data/conf/crlf-tabs-no-final-newline.conf")
    result = edits.set_two_node(text, True)
    assert result.new_text.count("\r\n") == text.count("\r\n") + 1
    assert "\n" not in result.new_text.replace("\r\n", "")
    assert not result.new_text.endswith("\n")
    assert "  two_node: 1\r\n" in result.new_text
    tabs = read_text(PROJECT / "tests/data/conf/tabs-four-spaces-mixed.conf")
    added = edits.add_node(tabs, "gamma", "10.9.0.3")
    assert "\tnode {\n\t\tname: gamma\n\t\tnodeid: 3\n" in added.new_text
    pcs = read_text(CORPUS / "corosync/pcs-corosync.conf")
    dev = edits.set_two_node(pcs, False)
    dev = edits.add_qdevice(dev.new_text, "10.0.0.9")
    assert "    device {\n        model: net\n        net {\n" in dev.new_text
    assert (
        "totem {\n    version: 2\n    secauth: off\n    cluster_name: test99\n"
        "    transport: udpu\n    config_version: 2\n}" in dev.new_text
    )


def test_set_keeps_spacing_and_trailing_blanks() -> None:
    doc = corosync.parse("totem {\n  token:\t3000  \n}\n")
    doc.set("totem", "token", "5000")
    assert doc.dump() == "totem {\n  token:\t5000  \n}\n"
    doc = corosync.parse("a: 1\n")
    doc.set("quorum.device", "model", "net")
    assert doc.dump() == "a: 1\n\nquorum {\n  device {\n    model: net\n  }\n}\n"


def test_style_pve_gives_the_canonical_layout() -> None:
    result = edits.restyle(edits.set_two_node(TWO, True), "pve", "corosync.conf")
    assert result.new_text == corosync.canonical(corosync.parse(result.new_text))
    assert "  two_node: 1\n" in result.new_text


def test_set_config_version_for_rollbacks() -> None:
    assert "config_version: 9\n" in edits.set_config_version(TWO, 9).new_text
    assert 'config_version="9"' in edits.set_config_version(ARTICLE, 9).new_text


# --- hypothesis: any sequence of edits keeps the file parseable and the version rising ---------
_ops = st.sampled_from(
    ["two_node", "votes", "expected", "no_expected", "add", "remove", "qdevice", "no_qdevice"]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_ops, max_size=6), st.booleans())
def test_random_edit_sequences(ops: list[str], cman: bool) -> None:
    text = ARTICLE if cman else TWO
    version = 4 if cman else 2
    for op in ops:
        cluster = load_config(text).cluster
        names = cluster.names
        try:
            if op == "two_node":
                result = edits.set_two_node(text, cluster.quorum.two_node != 1)
            elif op == "votes":
                result = edits.set_votes(text, names[-1], 2)
            elif op == "expected":
                result = edits.set_expected_votes(text, 3)
            elif op == "no_expected":
                result = edits.set_expected_votes(text, None)
            elif op == "add":
                result = edits.add_node(text, f"pve{len(names) + 7}", f"10.1.0.{len(names) + 7}")
            elif op == "remove" and len(names) > 1:
                result = edits.remove_node(text, names[-1])
            elif op == "remove":
                continue
            elif op == "qdevice":
                result = edits.add_qdevice(text, "10.0.0.50")
            else:
                result = edits.remove_qdevice(text)
        except InputError:
            continue
        new_version = load_config(result.new_text).cluster.config_version
        assert new_version == version + 1
        assert not [f for f in result.findings if f.refuses_to_start]
        text, version = result.new_text, new_version


# --- write_atomic ------------------------------------------------------------------------
def test_write_atomic_keeps_a_backup(tmp_path: Path) -> None:
    target = tmp_path / "corosync.conf"
    assert atomic.write_atomic(target, "one\n") is None
    target.chmod(0o640)
    backup = atomic.write_atomic(target, "two\r\n")
    assert backup == tmp_path / "corosync.conf.bak"
    assert target.read_bytes() == b"two\r\n" and backup.read_bytes() == b"one\n"
    assert (target.stat().st_mode & 0o777) == 0o640
    assert atomic.write_atomic(target, "three\n", backup=False) is None
    assert backup.read_bytes() == b"one\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corosync.conf", "corosync.conf.bak"]


def test_write_atomic_leaves_nothing_half_written(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "corosync.conf"
    target.write_text("old\n")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        atomic.write_atomic(target, "new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["corosync.conf"]


def test_write_atomic_round_trips_non_utf8_bytes(tmp_path: Path) -> None:
    source = tmp_path / "latin1.conf"
    source.write_bytes(b"totem {\n  cluster_name: caf\xe9\n}\n")
    text = read_text(source)
    atomic.write_atomic(tmp_path / "out.conf", text)
    assert (tmp_path / "out.conf").read_bytes() == source.read_bytes()


def test_load_config_takes_paths_and_text(tmp_path: Path) -> None:
    path = tmp_path / "c.conf"
    path.write_text(TWO)
    for arg in (path, str(path), TWO):
        kind, doc, cluster = load_config(arg)
        assert kind == "corosync" and cluster.names == ("pve1", "pve2") and doc.dump() == TWO
    assert load_config(ARTICLE).kind == "cman"
    assert load_config("\n  " + ARTICLE.split("\n", 1)[1]).kind == "cman"


# --- every corosync.conf our edits generate is accepted by real corosync (reference 11) ------
def _require_real_corosync() -> None:
    from prereq import require

    require(os.geteuid() == 0, "checking with real corosync needs root (network namespaces)")
    require(shutil.which("corosync") is not None, "needs `apt-get install corosync`")
    require(shutil.which("ip") is not None, "needs iproute2")


def _generated_configs() -> list[tuple[str, str]]:
    # `secauth: on` needs /etc/corosync/authkey, which the check namespace does not have
    base = TWO.replace("  secauth: on\n", "")
    three = edits.add_node(base, "pve3", "192.168.1.13").new_text
    return [
        ("two_node", edits.set_two_node(base, True).new_text),
        ("votes", edits.set_votes(base, "pve2", 2).new_text),
        ("expected_votes", edits.set_expected_votes(base, 2).new_text),
        ("add_node", three),
        ("remove_node", edits.remove_node(three, "pve3").new_text),
        ("qdevice", edits.add_qdevice(base, "127.0.0.1").new_text),
        ("qdevice_lms", edits.add_qdevice(three, "127.0.0.1").new_text),
        (
            "no_qdevice",
            edits.remove_qdevice(edits.add_qdevice(base, "127.0.0.1").new_text).new_text,
        ),
        ("pve_style", edits.restyle(edits.set_two_node(base, True), "pve", "c").new_text),
    ]


@pytest.mark.parametrize(
    ("name", "text"), _generated_configs(), ids=lambda v: v if len(v) < 20 else ""
)
def test_generated_configs_are_accepted_by_real_corosync(name: str, text: str) -> None:
    configcheck = pytest.importorskip("pvequorum.lab.configcheck")
    _require_real_corosync()
    result = configcheck.check_with_corosync(text)
    assert result.ok, f"{name}: {result.stage} exit {result.exit_code}: {result.message}"


def test_refused_config_is_refused_by_real_corosync_too() -> None:
    configcheck = pytest.importorskip("pvequorum.lab.configcheck")
    _require_real_corosync()
    base = TWO.replace("  secauth: on\n", "")
    text = edits.set_two_node(
        edits.add_qdevice(base, "127.0.0.1").new_text, True, force=True
    ).new_text
    result = configcheck.check_with_corosync(text)
    assert not result.ok and result.stage == "start"
    assert "two_node and quorum device" in result.message
