"""The practice cluster of labs 02 and 07: the simulator and real corosync give the same answers."""

from __future__ import annotations

import subprocess
import time

import pytest
from prereq import require_lab

from pvequorum import checks
from pvequorum.errors import InputError
from pvequorum.outage import PRESETS
from pvequorum.status import parse_status
from pvequorum.teaching import practice as practice_module
from pvequorum.teaching.practice import ENV, practice_cluster


def run_lab_02(practice: practice_module.Practice) -> list[str]:
    """Lab 02's steps on any backend; returns the lab's check verdicts."""
    verdicts = []
    practice.crash("pve2")
    status = parse_status(practice.status_text("pve1"))
    assert not status.quorate
    verdicts.append(checks.check_quorum_after_crash(status.quorum).status)
    assert practice.summary_lines() == (
        "pve1: NOT quorate, 1 of 2 expected votes, quorum 2; /etc/pve read-only",
        "pve2: stopped",
    )
    assert practice.expected("pve1", 1)
    status = parse_status(practice.status_text("pve1"))
    assert status.quorate and "Quorate" in status.flags
    verdicts.append(checks.check_quorum_after_expected_one(status.quorum).status)
    practice.start("pve2")
    verdicts.append(
        checks.check_expected_after_rejoin(
            parse_status(practice.status_text("pve1")).expected_votes
        ).status
    )
    assert practice.summary_lines() == (
        "pve1: quorate, 2 of 2 expected votes, quorum 2; /etc/pve writable",
        "pve2: quorate, 2 of 2 expected votes, quorum 2; /etc/pve writable",
    )
    # a 2-vote partition refuses -e 1 (reference 2.2, 10.2)
    assert not practice.expected("pve1", 1)
    return verdicts


def test_simulator_backend_runs_lab_02() -> None:
    with practice_cluster(PRESETS["two-node"].cluster, "simulator") as practice:
        assert practice.backend == "simulator"
        assert "simulator" in practice.notice and "root" in practice.notice
        assert run_lab_02(practice) == ["right", "right", "right"]


def test_environment_variable_forces_the_simulator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "simulator")
    with practice_cluster(PRESETS["two-node"].cluster) as practice:
        assert practice.backend == "simulator"
        assert f"{ENV}=simulator" in practice.notice


def test_unknown_backend_and_nodes_are_input_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "vmware")
    with pytest.raises(InputError, match="use 'real' or 'simulator'"):
        practice_cluster(PRESETS["two-node"].cluster)
    with practice_cluster(PRESETS["two-node"].cluster, "simulator") as practice:
        with pytest.raises(InputError, match="pve9"):
            practice.crash("pve9")
        practice.crash("pve2")
        with pytest.raises(InputError, match="not running"):
            practice.status_text("pve2")


def test_falls_back_to_the_simulator_with_a_notice(monkeypatch: pytest.MonkeyPatch) -> None:
    from pvequorum.errors import PrerequisiteError
    from pvequorum.lab import core

    def missing() -> None:
        raise PrerequisiteError("the lab needs root (network and mount namespaces)")

    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setattr(core, "check_prerequisites", missing)
    practice = practice_cluster(PRESETS["two-node"].cluster)
    assert practice.backend == "simulator"
    assert practice.notice.startswith("Running on the simulator")
    assert "needs root" in practice.notice
    with pytest.raises(PrerequisiteError):
        practice_cluster(PRESETS["two-node"].cluster, "real")


def test_simulator_split_brain_line() -> None:
    with practice_cluster(PRESETS["two-node-mode"].cluster, "simulator") as practice:
        practice.sim.partition([["pve1"], ["pve2"]])  # type: ignore[attr-defined]
        assert practice.summary_lines()[-1] == "SPLIT BRAIN: more than one partition is quorate"


@pytest.mark.lab
def test_real_backend_gives_the_same_verdicts_and_cleans_up() -> None:
    require_lab()
    started = time.monotonic()
    with practice_cluster(PRESETS["two-node"].cluster, "real") as practice:
        assert practice.backend == "real corosync"
        name = practice.lab.name  # type: ignore[attr-defined]
        assert run_lab_02(practice) == ["right", "right", "right"]
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert name not in listing
    assert time.monotonic() - started < 30


@pytest.mark.lab
def test_real_backend_reads_pvecm_status_like_lab_07() -> None:
    require_lab()
    with practice_cluster(PRESETS["three-node"].cluster, "real") as practice:
        practice.crash("pve3")
        status = parse_status(practice.status_text("pve1"))
        assert status.cluster_name == "pve-cluster"
        assert checks.check_status_total_votes(status.total_votes).right
        assert checks.check_status_expected_votes(status.expected_votes).right
        assert checks.check_status_quorum(status.quorum).right
        assert status.nodes == 2 and status.node_id == 1


def run_lab_08(practice: practice_module.Practice) -> list[str]:
    """Lab 08's predict-then-run steps on any backend; returns the check verdicts."""
    verdicts = []
    practice.link_down("pve1", 0)
    table = dict(practice.link_table("pve1"))
    for link in (0, 1):
        seen = dict(table["pve2"])[link]
        verdicts.append(checks.check_link_state_after_link_down(seen, link, observed=seen).status)
    assert "disconnected" in practice.cfgtool_text("pve1")
    status = parse_status(practice.status_text("pve1"))
    verdicts.append(checks.check_nodes_after_link_down(status.nodes, observed=status.nodes).status)
    practice.link_down("pve1", 1)
    status = parse_status(practice.status_text("pve1"))
    verdicts.append(
        checks.check_nodes_after_both_links_down(status.nodes, observed=status.nodes).status
    )
    verdicts.append(
        checks.check_quorate_after_both_links_down(status.quorate, observed=status.quorate).status
    )
    assert practice.summary_lines()[1:] == (
        "pve2: quorate, 2 of 3 expected votes, quorum 2; /etc/pve writable",
        "pve3: quorate, 2 of 3 expected votes, quorum 2; /etc/pve writable",
    )
    practice.link_up("pve1", 0)
    assert parse_status(practice.status_text("pve1")).quorate
    return verdicts


def test_simulator_backend_runs_lab_08_with_two_links() -> None:
    preset = PRESETS["three-node-two-links"]
    with practice_cluster(preset.cluster, "simulator", links=preset.links) as practice:
        assert run_lab_08(practice) == ["right"] * 5
        with pytest.raises(InputError, match=r"links 0\.\.1"):
            practice.link_down("pve1", 2)


@pytest.mark.lab
def test_real_backend_runs_lab_08_with_two_links() -> None:
    require_lab()
    preset = PRESETS["three-node-two-links"]
    with practice_cluster(preset.cluster, "real", links=preset.links) as practice:
        assert run_lab_08(practice) == ["right"] * 5
