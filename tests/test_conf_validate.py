"""Findings: every reference-1.12 combination, two_node, expected_votes, versions, hazards."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pvequorum import votequorum
from pvequorum.conf import clusterconf, corosync, validate
from pvequorum.conf.validate import CODES, Finding, startup_problems, validate_cluster
from pvequorum.model import Cluster, Node, QDevice, QuorumOptions, simple_cluster

DEVICE = (
    "  device {\n    model: net\n{votes}    net {\n      algorithm: ffsplit\n"
    "      host: 10.0.0.9\n    }\n  }\n"
)


def corosync_conf(
    nodes: int = 2, quorum: str = "", votes: list[int] | None = None, version: str = "3"
) -> str:
    body = "".join(
        f"  node {{\n    name: pve{i}\n    nodeid: {i}\n"
        f"    quorum_votes: {(votes or [1] * nodes)[i - 1]}\n"
        f"    ring0_addr: 10.0.0.{i}\n  }}\n"
        for i in range(1, nodes + 1)
    )
    return (
        f"nodelist {{\n{body}}}\n\nquorum {{\n  provider: corosync_votequorum\n{quorum}}}\n\n"
        f"totem {{\n  cluster_name: c\n  config_version: {version}\n  version: 2\n}}\n"
    )


def device(votes: int | None = None) -> str:
    return DEVICE.replace("{votes}", "" if votes is None else f"    votes: {votes}\n")


def codes(text: str) -> dict[str, str]:
    return {f.code: f.severity for f in validate.validate_corosync(corosync.parse(text))}


# --- reference 1.12, through the text ------------------------------------------------------
COMBINATIONS = [
    # (quorum lines, node count, node votes, code, severity)
    ("  two_node: 1\n" + device(1), 2, None, "CQ101", "error"),
    ("  two_node: 1\n  auto_tie_breaker: 1\n", 2, None, "CQ201", "warning"),
    ("  auto_tie_breaker: 1\n", 3, None, "CQ202", "warning"),
    ("  auto_tie_breaker: 1\n  last_man_standing: 1\n", 3, None, "CQ102", "error"),
    ("  last_man_standing: 1\n" + device(1), 2, None, "CQ103", "error"),
    ("  auto_tie_breaker: 1\n" + device(1), 2, None, "CQ104", "error"),
    ("  allow_downscale: 1\n" + device(1), 2, None, "CQ109", "error"),
    ("  expected_votes: 3\n" + device(), 2, None, "CQ105", "error"),
    (device(), 2, [2, 1], "CQ106", "error"),
    ("  expected_votes: 3\n" + device(2), 2, None, "CQ107", "error"),
    ("  auto_tie_breaker: 1\n  auto_tie_breaker_node: middle\n", 2, None, "CQ203", "warning"),
    ("  auto_tie_breaker_node: 1\n", 2, None, "CQ203", "warning"),
]


@pytest.mark.parametrize(("quorum", "nodes", "votes", "code", "severity"), COMBINATIONS)
def test_each_112_combination_has_its_severity(
    quorum: str, nodes: int, votes: list[int] | None, code: str, severity: str
) -> None:
    found = codes(corosync_conf(nodes, quorum, votes))
    assert found.get(code) == severity
    assert CODES[code][0] == severity


def test_no_nodelist_and_no_expected_votes() -> None:
    found = codes("quorum {\n  provider: corosync_votequorum\n}\ntotem {\n  config_version: 1\n}\n")
    assert found["CQ108"] == "error"
    assert "CQ108" not in codes(
        "quorum {\n  expected_votes: 2\n}\ntotem {\n  config_version: 1\n}\n"
    )


def test_atb_node_read_as_corosync_reads_it() -> None:
    assert corosync.atb_node_as_corosync_reads_it("1 3 x 5") == "1 3"
    assert corosync.atb_node_as_corosync_reads_it("middle") is None
    text = corosync_conf(2, "  auto_tie_breaker: 1\n  auto_tie_breaker_node: 2 x\n")
    assert corosync.to_cluster(corosync.parse(text)).quorum.auto_tie_breaker_node == "2"
    off = corosync.parse(corosync_conf(2, "  auto_tie_breaker: 1\n  auto_tie_breaker_node: mid\n"))
    assert corosync.to_cluster(off).quorum.auto_tie_breaker == 0


def test_atb_odd_sum_with_wait_for_all_is_fine() -> None:
    found = codes(corosync_conf(3, "  auto_tie_breaker: 1\n  wait_for_all: 1\n"))
    assert "CQ202" not in found and "CQ102" not in found
    assert "CQ202" not in codes(corosync_conf(3, "  auto_tie_breaker: 1\n", [2, 1, 1]))  # even sum


def test_finding_lines_point_at_the_culprit() -> None:
    text = corosync_conf(2, "  two_node: 1\n" + device(1))
    (f101,) = [f for f in validate.validate_corosync(corosync.parse(text)) if f.code == "CQ101"]
    assert corosync.parse(text).lines[f101.line - 1].text.strip() == "device {"
    assert "cannot be configured at the same time!" in f101.message and "1.12" in f101.message


# --- reference 1.12, on the model -------------------------------------------------------------
def test_startup_problems_distinguishes_refusal_from_disabled_feature() -> None:
    refused = startup_problems(simple_cluster(2, two_node=1, device=QDevice(votes=1)))
    assert [(f.code, f.severity, f.refuses_to_start) for f in refused] == [("CQ101", "error", True)]
    disabled = startup_problems(simple_cluster(2, two_node=1, auto_tie_breaker=1))
    assert [(f.code, f.severity, f.refuses_to_start) for f in disabled] == [
        ("CQ201", "warning", False)
    ]
    assert startup_problems(simple_cluster(2, two_node=1)) == []
    downscale = startup_problems(simple_cluster(2, device=QDevice(votes=1)), allow_downscale=True)
    assert [f.code for f in downscale] == ["CQ109"]


_flag = st.sampled_from([None, 0, 1])
_devices = st.one_of(st.none(), st.builds(QDevice, votes=st.sampled_from([None, 0, 1, 2, 3])))


@st.composite
def clusters(draw: st.DrawFn) -> Cluster:
    n = draw(st.integers(1, 6))
    votes = draw(st.lists(st.sampled_from([None, 1, 1, 2, 0]), min_size=n, max_size=n))
    nodes = tuple(Node(f"n{i}", i, votes[i - 1]) for i in range(1, n + 1))
    quorum = QuorumOptions(
        expected_votes=draw(st.sampled_from([None, 1, 2, 3, 5, 8])),
        two_node=draw(_flag),
        wait_for_all=draw(_flag),
        last_man_standing=draw(_flag),
        auto_tie_breaker=draw(_flag),
        auto_tie_breaker_node=draw(
            st.sampled_from([None, "lowest", "highest", "1 3", "2", "0", "0 1"])
        ),
        device=draw(_devices),
    )
    return Cluster("c", nodes, quorum)


@settings(max_examples=600, deadline=None)
@given(clusters(), st.booleans())
def test_startup_problems_words_what_the_votequorum_module_decides(
    cluster: Cluster, allow_downscale: bool
) -> None:
    """The validator re-decides nothing: its first error is effective_config()'s error, and
    the warnings before it are effective_config()'s warnings, check for check."""
    found = startup_problems(cluster, allow_downscale=allow_downscale)
    cfg = votequorum.effective_config(cluster, allow_downscale=allow_downscale)
    errors = [f for f in found if f.severity == "error"]
    if cfg.error is None:
        assert errors == []
        before = found
    else:
        first = errors[0]
        assert f"corosync refuses to start: '{cfg.error}'" in first.message
        assert first.code == validate.STARTUP_CODES[cfg.checks[-1].kind]
        before = found[: found.index(first)]
    assert [f.code for f in before] == [
        validate.STARTUP_CODES[c.kind] for c in cfg.checks if not c.refuses
    ]
    assert len(cfg.warnings) == len(before) and all(f.severity == "warning" for f in before)
    # and every check the module finds, also those after the first refusal, is one finding
    everything = votequorum.startup_checks(cluster, allow_downscale=allow_downscale)
    assert [f.code for f in found] == [validate.STARTUP_CODES[c.kind] for c in everything]


def test_every_startup_check_has_a_code_of_its_severity() -> None:
    for kind, check in votequorum.STARTUP_CHECKS.items():
        code = validate.STARTUP_CODES[kind]
        assert CODES[code][0] == ("error" if check.refuses else "warning"), kind
        assert (code in validate.REFUSES_TO_START) is check.refuses


def test_startup_findings_point_at_the_key_of_their_check() -> None:
    cluster = simple_cluster(3, device=QDevice(), expected_votes=5, last_man_standing=1)
    lines = {"device": 10, "last_man_standing": 7}
    found = startup_problems(cluster, lines=lines)
    assert [(f.code, f.line) for f in found] == [("CQ103", 7), ("CQ105", 10)]
    assert "added by a reload: the qdevice is blocked (CS_ERR_ACCESS)" in found[0].message


# --- two_node, expected_votes, versions, duplicates, votes -----------------------------------
def test_two_node_on_more_than_two_nodes_votequorum_warns_cman_refuses() -> None:
    assert codes(corosync_conf(3, "  two_node: 1\n"))["CQ210"] == "warning"
    assert codes(corosync_conf(2, "  two_node: 1\n", [2, 1]))["CQ210"] == "warning"
    assert "CQ210" not in codes(corosync_conf(2, "  two_node: 1\n"))
    cman = simple_cluster(3, stack="cman", two_node=1, expected_votes=1)
    assert [f.code for f in validate_cluster(cman) if f.severity == "error"] == ["CQ110"]
    # cman's get_cman_join_info(): a vote sum other than 2 is reported as "more than 2
    # nodes", even with two nodes; "votes not set to 1" needs the sum 2 and a node at != 1
    weighted = simple_cluster(2, votes=[2, 1], stack="cman", two_node=1, expected_votes=1)
    (f,) = [f for f in validate_cluster(weighted) if f.code == "CQ110"]
    assert "'two_node set but there are more than 2 nodes'" in f.message
    uneven = simple_cluster(2, votes=[2, 0], stack="cman", two_node=1, expected_votes=1)
    (f,) = [f for f in validate_cluster(uneven) if f.code == "CQ110"]
    assert f.message.startswith("cman refuses to start on pve1, pve2:")
    assert "'two_node set but votes not set to 1'" in f.message


def test_two_node_implies_wait_for_all_note() -> None:
    assert codes(corosync_conf(2, "  two_node: 1\n"))["CQ302"] == "note"
    assert "CQ302" not in codes(corosync_conf(2, "  two_node: 1\n  wait_for_all: 0\n"))


def test_expected_votes_in_the_config_is_a_warning() -> None:
    (f,) = [
        f
        for f in validate.validate_corosync(
            corosync.parse(corosync_conf(2, "  expected_votes: 1\n"))
        )
        if f.code == "CQ211"
    ]
    assert f.severity == "warning" and "split brain" in f.message and f.line == 18


@pytest.mark.parametrize("version", ["0", "-1", "x", None])
def test_config_version_missing_or_not_positive(version: str | None) -> None:
    text = corosync_conf(2)
    text = text.replace(
        "  config_version: 3\n", "" if version is None else f"  config_version: {version}\n"
    )
    assert codes(text)["CQ120"] == "error"


def test_pmxcfs_reads_the_first_config_version_match() -> None:
    text = "# old config_version: 7\n" + corosync_conf(2)
    (f,) = [f for f in validate.validate_corosync(corosync.parse(text)) if f.code == "CQ122"]
    assert f.line == 1 and f.severity == "warning" and "corosync uses 3" in f.message
    assert "CQ122" not in codes(corosync_conf(2))


def test_duplicate_node_ids_and_names() -> None:
    text = corosync_conf(3).replace("nodeid: 3", "nodeid: 01").replace("name: pve2", "name: pve1")
    found = [f for f in validate.validate_corosync(corosync.parse(text)) if f.code == "CQ121"]
    assert {f.line for f in found} == {8, 14}
    assert any("nodeid 1" in f.message for f in found) and any("'pve1'" in f.message for f in found)


def test_node_without_quorum_votes_is_a_note() -> None:
    text = corosync_conf(2).replace("    quorum_votes: 1\n", "", 1)
    (f,) = [f for f in validate.validate_corosync(corosync.parse(text)) if f.code == "CQ301"]
    assert f.severity == "note" and f.line == 2 and "counts it as 1" in f.message


def test_qdevice_on_odd_node_count() -> None:
    found = codes(corosync_conf(3, device()))
    assert found["CQ220"] == "warning" and found["CQ221"] == "warning"
    assert "CQ220" not in codes(corosync_conf(2, device(1)))
    assert "CQ221" not in codes(corosync_conf(3, device().replace("ffsplit", "lms")))


def test_values_corosync_refuses_are_errors() -> None:
    found = validate.validate_corosync(corosync.parse(corosync_conf(2, "  two_node: yes\n")))
    (f,) = [f for f in found if f.code == "CQ100"]
    assert f.line == 18 and '"quorum.two_node"' in f.message and f.refuses_to_start


# --- Proxmox parser hazards (reference 4.2) ------------------------------------------------
@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("  auto_tie_breaker_node: 1 3 5\n", "CQ230"),
        ("  provider : corosync_votequorum\n", "CQ230"),
        ("  wait_for_all:1\n", "CQ230"),
        ("  wait_for_all: 1 # comment\n", "CQ231"),
        ("  wait_for_all:\n", "CQ231"),
    ],
)
def test_pve_parser_hazards(line: str, code: str) -> None:
    text = corosync_conf(2, line)
    found = [f for f in validate.validate_corosync(corosync.parse(text)) if f.code == code]
    assert found and found[0].line == 18 and "4.2" in found[0].message


def test_repeated_section_and_brace_hazards() -> None:
    text = corosync_conf(2) + "quorum {\n}\nlogging{\n}\n"
    found = {
        f.line: f.code
        for f in validate.validate_corosync(corosync.parse(text))
        if f.code.startswith("CQ23")
    }
    assert found == {25: "CQ230", 27: "CQ230"}


def test_clean_pvecm_config_has_no_warnings() -> None:
    found = validate.validate_corosync(corosync.parse(corosync_conf(2)))
    assert found == []


# --- cluster.conf ------------------------------------------------------------------------
CMAN = """<?xml version="1.0"?>
<cluster name="c" config_version="4">
  <cman keyfile="/var/lib/pve-cluster/corosync.authkey"/>
  <clusternodes>
    <clusternode name="a" votes="1" nodeid="1"/>
    <clusternode name="b" votes="1" nodeid="2"/>
  </clusternodes>
</cluster>
"""


def cman_codes(text: str) -> dict[str, str]:
    return {f.code: f.severity for f in validate.validate_clusterconf(clusterconf.parse(text))}


def test_cman_findings() -> None:
    assert cman_codes(CMAN) == {}
    assert (
        cman_codes(CMAN.replace('votes="1" nodeid="2"', 'votes="0" nodeid="2"'))["CQ111"] == "error"
    )
    assert cman_codes(CMAN.replace('config_version="4"', 'config_version="0"'))["CQ120"] == "error"
    assert cman_codes(CMAN.replace('nodeid="2"', 'nodeid="1"'))["CQ121"] == "error"
    two = CMAN.replace("<cman ", '<cman two_node="1" ')
    assert cman_codes(two) == {"CQ212": "warning"}
    assert cman_codes(two.replace("<cman ", '<cman expected_votes="1" ')) == {}
    three = two.replace(
        "</clusternodes>", '  <clusternode name="c" votes="1" nodeid="3"/>\n  </clusternodes>'
    )
    assert cman_codes(three)["CQ110"] == "error"
    assert cman_codes(CMAN.replace("<cman ", '<cman expected_votes="1" '))["CQ211"] == "warning"


def test_cman_without_nodes_or_with_unreadable_values() -> None:
    assert cman_codes('<cluster name="x" config_version="1"/>')["CQ112"] == "error"
    assert cman_codes(CMAN.replace('nodeid="2"', 'nodeid="two"'))["CQ112"] == "error"


# --- the Finding type ------------------------------------------------------------------------
def test_finding_is_frozen_and_codes_are_stable() -> None:
    f = validate.finding("CQ101", "x", 3)
    with pytest.raises(FrozenInstanceError):
        f.line = 4  # type: ignore[misc]
    assert str(f) == "error CQ101: line 3: x"
    assert all(sev in ("error", "warning", "note") for sev, _ in CODES.values())
    assert all(code.startswith("CQ") and len(code) == 5 for code in CODES)
    assert {c for c in CODES if CODES[c][0] == "error"} == set(validate.REFUSES_TO_START) | {
        "CQ120"
    }
    assert isinstance(f, Finding)


def test_cq240_warns_when_a_membership_change_nears_the_ha_watchdog() -> None:
    """Issue 14: 20 nodes at corosync's default coefficient take 32.3 s; 125 (PVE 9.1) 11.6 s."""
    import dataclasses

    from pvequorum.conf.validate import validate_cluster
    from pvequorum.model import Totem, simple_cluster

    default = [f for f in validate_cluster(simple_cluster(20)) if f.code == "CQ240"]
    assert len(default) == 1 and "32.3 s" in default[0].message
    assert default[0].severity == "warning"
    lowered = dataclasses.replace(simple_cluster(20), totem=Totem(token_coefficient=125))
    assert not [f for f in validate_cluster(lowered) if f.code == "CQ240"]
    assert not [f for f in validate_cluster(simple_cluster(18)) if f.code == "CQ240"]
