"""`pvequorum analyze`: table, JSON, --qdevice-down and one-line errors with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from paths import TEAM_SCENARIOS

from pvequorum.cli import main
from pvequorum.model import QDevice, simple_cluster
from pvequorum.scenario import SCENARIO_FORMAT

KEYS = {"nodes", "total_votes", "quorum", "always_survived", "can_break_at", "by_failures"}


def _scenario(tmp_path: Path, cluster_dict: dict) -> Path:
    path = tmp_path / "s.json"
    doc = {"format": SCENARIO_FORMAT, "name": "t", "cluster": cluster_dict, "steps": []}
    path.write_text(json.dumps(doc))
    return path


def test_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(TEAM_SCENARIOS / "three-node-failures.json")]) == 0
    out = capsys.readouterr().out
    assert "survives any 1 failed node(s)" in out
    assert "can lose quorum at 2 failure(s)" in out
    assert out.splitlines()[3].split()[:4] == ["failed", "sets", "quorate", "share"]
    assert out.splitlines()[6].split()[:3] == ["2", "3", "0"]


def test_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(TEAM_SCENARIOS / "weighted-votes.json"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= KEYS and set(data) - KEYS <= {"witnesses"}
    assert (data["nodes"], data["total_votes"], data["quorum"]) == (3, 4, 3)
    assert data["by_failures"] == [
        {"failed": 0, "sets": 1, "quorate_sets": 1},
        {"failed": 1, "sets": 3, "quorate_sets": 2},
        {"failed": 2, "sets": 3, "quorate_sets": 0},
        {"failed": 3, "sets": 1, "quorate_sets": 0},
    ]
    assert (data["always_survived"], data["can_break_at"]) == (0, 1)


def test_qdevice_down(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _scenario(tmp_path, simple_cluster(2, device=QDevice(votes=1)).to_dict())
    assert main(["analyze", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["always_survived"] == 1
    assert main(["analyze", str(path), "--json", "--qdevice-down"]) == 0
    assert json.loads(capsys.readouterr().out)["always_survived"] == 0
    assert main(["analyze", str(path), "--qdevice-down"]) == 0
    assert "(qdevice down)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "invalid JSON"),
        ('{"format": "pvequorum-scenario/1", "name": "x", "steps": []}', "cluster"),
        ('{"format": "other"}', "format must be"),
        ("[]", "a scenario is a JSON object"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, problem: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert main(["analyze", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and problem in lines[0]


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(tmp_path / "missing.json")]) == 2
    assert "missing.json" in capsys.readouterr().err


def test_cluster_that_refuses_to_start(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _scenario(tmp_path, simple_cluster(2, two_node=1, device=QDevice(votes=1)).to_dict())
    assert main(["analyze", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and str(path) in err[0] and "two_node and quorum device" in err[0]


def test_largest_weighted_cluster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """384 nodes (corosync's PROCESSOR_COUNT_MAX) with votes 0..255: exact, one row per k."""
    votes = [i % 256 for i in range(384)]
    path = _scenario(tmp_path, simple_cluster(384, votes=votes).to_dict())
    assert main(["analyze", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    total = sum(votes)
    assert (data["nodes"], data["total_votes"]) == (384, total)
    assert data["quorum"] == (total + 2) // 2 % 256  # the uint8_t wrap, as corosync computes
    assert [row["sets"] for row in data["by_failures"]][:3] == [1, 384, 384 * 383 // 2]
    assert main(["analyze", str(path)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3 + 1 + 385


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda c: c["nodes"][0].update(nodeid=None), "nodeid of pve1 must be an integer"),
        (lambda c: c["nodes"][1].update(votes=256), "votes of pve2 must be <= 255"),
        (lambda c: c["nodes"].extend(c["nodes"] * 200), "more than corosync's limit of 384"),
        (lambda c: c["quorum"].update(expected_votes=2**31), "expected_votes must be <="),
    ],
)
def test_values_beyond_the_limits_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change, problem: str
) -> None:
    cluster = simple_cluster(2).to_dict()
    change(cluster)
    path = _scenario(tmp_path, cluster)
    assert main(["analyze", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and problem in lines[0]
