"""The simulator against real corosync 3.1.7 recordings, and the traps of reference 10."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from paths import PROJECT, TEAM_SCENARIOS

from pvequorum.model import QDevice, simple_cluster
from pvequorum.scenario import first_difference, load_scenario, observations_agree
from pvequorum.simulator import Simulator, run_scenario

RECORDED = sorted(TEAM_SCENARIOS.glob("*.real.json")) + sorted(
    (PROJECT / "tests" / "scenarios").glob("*.real.json")
)


def test_recordings_are_present() -> None:
    assert len(list(TEAM_SCENARIOS.glob("*.real.json"))) >= 8


@pytest.mark.parametrize("real", RECORDED, ids=lambda p: p.name.removesuffix(".real.json"))
def test_simulator_agrees_with_real_corosync(real: Path) -> None:
    scenario = load_scenario(real.with_name(real.name.replace(".real.json", ".json")))
    simulated = run_scenario(scenario)
    recorded = json.loads(real.read_text())
    assert simulated["engine"] == "simulator"
    assert observations_agree(simulated, recorded), first_difference(simulated, recorded)


def _quorate(sim: Simulator) -> dict[str, bool]:
    return {name: v.quorate for name, v in sim.views().items()}


def test_split_brain_is_flagged() -> None:
    scenario = load_scenario(TEAM_SCENARIOS / "split-brain-expected-1.json")
    results = run_scenario(scenario)["results"]
    assert results[4].get("split_brain") is True
    assert "split_brain" not in results[2]


def test_expected_lost_on_rejoin_then_quorum_two() -> None:
    """Reference 2.4 A: after `expected 1`, the peer's return raises expected and quorum to 2."""
    sim = Simulator(simple_cluster(2))
    sim.start(["pve1", "pve2"])
    sim.crash(["pve2"])
    assert sim.expected("pve1", 1)
    sim.start(["pve2"])
    view = sim.views()["pve1"]
    assert (view.expected_votes, view.quorum, view.quorate) == (2, 2, True)


def test_expected_one_refused_with_two_votes_present() -> None:
    """Trap 10.2: `pvecm expected 1` fails on any partition holding more than one vote."""
    sim = Simulator(simple_cluster(5))
    sim.start([f"pve{i}" for i in range(1, 6)])
    sim.crash(["pve3", "pve4", "pve5"])
    assert not sim.expected("pve1", 1)
    assert sim.expected("pve1", 2)
    assert _quorate(sim) == {"pve1": True, "pve2": True}


def test_wait_for_all_rearms_after_quorum_loss() -> None:
    """Trap 10.7: WFA re-arms on every quorum loss and then needs all expected votes."""
    sim = Simulator(simple_cluster(3, wait_for_all=1))
    sim.start(["pve1", "pve2", "pve3"])
    sim.partition([["pve1"], ["pve2"], ["pve3"]])
    assert not any(_quorate(sim).values())
    sim.partition([["pve1", "pve2"], ["pve3"]])
    # 2 of 3 votes would be enough by votes, but WFA waits for all 3
    assert _quorate(sim) == {"pve1": False, "pve2": False, "pve3": False}
    assert sim.views()["pve1"].wait_for_all_status
    sim.heal()
    assert all(_quorate(sim).values())


def test_two_node_with_explicit_wait_for_all_zero_starts_alone() -> None:
    sim = Simulator(simple_cluster(2, two_node=1, wait_for_all=0))
    sim.start(["pve1"])
    view = sim.views()["pve1"]
    assert view.quorate and view.quorum == 1
    assert view.flags == ("2Node", "Quorate")


def test_two_node_stops_applying_with_three_members() -> None:
    """Trap 10.6: with three members quorum is computed normally, 2Node still shown."""
    sim = Simulator(simple_cluster(3, two_node=1, wait_for_all=0))
    sim.start(["pve1", "pve2", "pve3"])
    view = sim.views()["pve1"]
    assert view.quorum == 2 and "2Node" in view.flags


def test_qdevice_two_nodes_expected_three() -> None:
    """Reference 3.3: 2 nodes + ffsplit qdevice show expected 3; one node + vote is quorate."""
    sim = Simulator(simple_cluster(2, device=QDevice(votes=1)))
    sim.start(["pve1", "pve2"])
    view = sim.views()["pve1"]
    assert (view.expected_votes, view.total_votes, view.quorum) == (3, 3, 2)
    assert "Qdevice" in view.flags
    sim.crash(["pve2"])
    view = sim.views()["pve1"]
    assert view.quorate and view.total_votes == 2


def test_qdevice_ffsplit_gives_one_side_of_a_split() -> None:
    sim = Simulator(simple_cluster(2, device=QDevice(votes=1)))
    sim.start(["pve1", "pve2"])
    sim.partition([["pve1"], ["pve2"]])
    assert _quorate(sim) == {"pve1": True, "pve2": False}
    assert not sim.split_brain()


def test_corosync_refuses_to_start_two_node_with_qdevice() -> None:
    sim = Simulator(simple_cluster(2, two_node=1, device=QDevice(votes=1)))
    assert sim.start(["pve1", "pve2"]) == ["pve1", "pve2"]
    assert sim.views() == {}


def test_cman_two_node_and_expected_below_present() -> None:
    cluster = simple_cluster(2, stack="cman", two_node=1, expected_votes=1)
    sim = Simulator(cluster)
    sim.start(["pve1", "pve2"])
    sim.crash(["pve2"])
    view = sim.views()["pve1"]
    assert view.quorate and view.flags == ("2node",)
    five = Simulator(simple_cluster(5, stack="cman"))
    five.start([f"pve{i}" for i in range(1, 6)])
    five.crash(["pve4", "pve5"])
    assert five.expected("pve1", 1)  # cman accepts it (reference 8.4)
    assert five.views()["pve1"].quorum == 2


def test_lms_timer_only_fires_after_the_window() -> None:
    sim = Simulator(simple_cluster(4, last_man_standing=1))
    sim.start(["pve1", "pve2", "pve3", "pve4"])
    sim.crash(["pve4"])
    sim.wait(9999)
    assert sim.views()["pve1"].expected_votes == 4
    sim.wait(1)
    assert sim.views()["pve1"].expected_votes == 3
