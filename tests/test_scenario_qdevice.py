"""The QDevice extension (docs/scenario-format.md, "Extension: QDevice"; reference 3.1,
3.2, 12.1): the loader's steps and refusals, the results and the per-node key `qdevice`,
the simulator against the team's recordings on real corosync 3.1.7 and corosync-qdevice /
corosync-qnetd 3.0.3, and qnetd's algorithms as properties."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import PROJECT, TEAM_SCENARIOS

from pvequorum import engine, qnetd
from pvequorum.model import QDevice, simple_cluster
from pvequorum.scenario import (
    Awaited,
    Done,
    Observation,
    QdeviceObservation,
    Refused,
    ScenarioError,
    Step,
    comparable_results,
    conditions_hold,
    first_difference,
    load_scenario,
    observations_agree,
    parse_scenario,
    scenario_to_dict,
)
from pvequorum.simulator import Simulator, run_scenario
from pvequorum.status import parse_status, render_quorumtool

EXTENSIONS = PROJECT / "tests" / "scenarios" / "extensions"
RECORDED = sorted(EXTENSIONS.glob("qdv-*.real.json"))
SCENARIOS = [p.with_name(p.name.replace(".real.json", ".json")) for p in RECORDED]
WITH_RAW = [p for p in RECORDED if p.with_name(p.name.replace(".json", ".raw.json")).exists()]
FFSPLIT = {"model": "net", "votes": 1, "net": {"algorithm": "ffsplit"}}
LMS = {"model": "net", "net": {"algorithm": "lms"}}


def _doc(steps: list[Any], *, device: dict[str, Any] | None = None, n: int = 2) -> dict[str, Any]:
    quorum: dict[str, Any] = {} if device is None else {"device": copy.deepcopy(device)}
    return {
        "format": "pvequorum-scenario/1",
        "name": "qdevice test",
        "cluster": {
            "name": "lab",
            "nodes": [{"name": f"pve{i}", "nodeid": i} for i in range(1, n + 1)],
            "quorum": quorum,
        },
        "steps": steps,
    }


def _name(path: Path) -> str:
    return path.name.removesuffix(".real.json")


# --- the team's recordings ----------------------------------------------------------------


def test_recordings_are_present() -> None:
    assert {_name(p) for p in RECORDED} >= {
        "qdv-2n-ffsplit-node-down",
        "qdv-2n-two_node-refused",
        "qdv-3n-lms-qnetd-down",
    }


@pytest.mark.parametrize("real", RECORDED, ids=_name)
def test_simulator_agrees_with_real_corosync(real: Path) -> None:
    scenario = load_scenario(real.with_name(real.name.replace(".real.json", ".json")))
    simulated = run_scenario(scenario)
    recorded = json.loads(real.read_text())
    assert len(simulated["results"]) == len(recorded["results"])
    assert observations_agree(simulated, recorded, scenario), first_difference(
        simulated, recorded, scenario
    )


def test_the_team_recordings_have_their_raw_sidecars() -> None:
    assert {_name(p) for p in WITH_RAW} >= {
        "qdv-2n-ffsplit-node-down",
        "qdv-2n-two_node-refused",
        "qdv-3n-lms-qnetd-down",
    }


@pytest.mark.parametrize("real", WITH_RAW, ids=_name)
def test_the_raw_quorumtool_text_reads_as_the_recording(real: Path) -> None:
    """The lab's path: `corosync-quorumtool -s` parsed (`status.QuorumStatus`) and read by
    `Observation.read` gives exactly the recorded view, `qdevice` included."""
    scenario = load_scenario(real.with_name(real.name.replace(".real.json", ".json")))
    raw = json.loads(real.with_name(real.name.replace(".real.json", ".real.raw.json")).read_text())
    recorded = json.loads(real.read_text())["results"]
    for i, step in enumerate(scenario.steps):
        if step.kind != "observe":
            continue
        texts = raw["raw"][i]["nodes"]
        readings = {
            name: parse_status(texts[name]["quorumtool -s"], f"{name} step {i}") for name in texts
        }
        assert Observation.read(scenario.cluster, readings).to_dict() == recorded[i]


def test_a_refused_start_is_the_recorded_result() -> None:
    scenario = load_scenario(EXTENSIONS / "qdv-2n-two_node-refused.json")
    assert engine.apply(Simulator(scenario.cluster), scenario.steps[0]) == Refused(("pve1", "pve2"))
    raw = json.loads((EXTENSIONS / "qdv-2n-two_node-refused.real.raw.json").read_text())
    reason = Simulator(scenario.cluster).startup_error("pve1")
    assert reason is not None and all(reason in r["log"] for r in raw["raw"][0]["refused"])


def test_await_timings_are_not_compared_but_met_is() -> None:
    scenario = load_scenario(EXTENSIONS / "qdv-3n-lms-qnetd-down.json")
    simulated = run_scenario(scenario)
    recorded = json.loads((EXTENSIONS / "qdv-3n-lms-qnetd-down.real.json").read_text())
    assert simulated["results"][3] == {"met": True, "elapsed_ms": 0}
    assert recorded["results"][3]["elapsed_ms"] == 58
    assert comparable_results(recorded)[3] == {"met": True}
    unmet = copy.deepcopy(recorded)
    unmet["results"][3]["met"] = False
    assert first_difference(simulated, unmet, scenario) == (
        "step 3: {'met': True} vs {'met': False}"
    )


def test_documents_without_a_device_carry_no_qdevice_key() -> None:
    """Byte for byte the old documents: no `qdevice`, no `refused` without a device."""
    paths = [
        p
        for d in (TEAM_SCENARIOS, PROJECT / "tests" / "scenarios", EXTENSIONS)
        for p in sorted(d.glob("*.json"))
        if ".real." not in p.name and ".lab." not in p.name and ".raw." not in p.name
    ]
    checked = 0
    for path in paths:
        scenario = load_scenario(path)
        if scenario.cluster.quorum.device is not None:
            continue
        text = json.dumps(run_scenario(scenario))
        assert '"qdevice"' not in text and '"refused"' not in text, path.name
        checked += 1
    assert checked > 20


# --- the simulator's QDevice steps --------------------------------------------------------


def _views(sim: Simulator) -> dict[str, dict[str, Any]]:
    return {n.name: n.to_dict() for n in sim.observe().nodes}


def test_start_corosync_alone_shows_no_device_until_qdevice_start() -> None:
    sim = Simulator(simple_cluster(2, device=QDevice(votes=1)))
    assert engine.apply(sim, Step("start-corosync", ("pve1", "pve2"))) == Done()
    view = _views(sim)["pve1"]
    # the device's votes count for expected at once (reference 1.4): 2 of 3 is quorate
    assert "qdevice" not in view and view["flags"] == ["Quorate"]
    assert (view["expected_votes"], view["total_votes"]) == (3, 2)
    sim.qdevice_start(["pve1"])
    views = _views(sim)
    assert views["pve1"]["flags"] == ["Quorate", "Qdevice"]
    # the column and the row are on every node, the flag only where the device registered
    assert views["pve2"]["flags"] == ["Quorate"]
    for name in ("pve1", "pve2"):
        assert views[name]["qdevice"]["members"] == {"pve1": "A,V,NMW", "pve2": "NR"}
    assert views["pve2"]["qdevice"] == {
        "votes": 1,
        "cast": False,
        "name": "Qdevice",
        "members": {"pve1": "A,V,NMW", "pve2": "NR"},
    }
    assert views["pve1"]["total_votes"] == 3 and views["pve2"]["total_votes"] == 2


def test_qdevice_stop_unregisters_and_kill_leaves_it_registered() -> None:
    """Reference 12.1: SIGTERM shows `NR` without the flag; SIGKILL keeps the flag, `NA,NV`."""
    sim = Simulator(simple_cluster(2, device=QDevice(votes=1)))
    sim.start(["pve1", "pve2"])
    sim.qdevice_stop(["pve2"])
    views = _views(sim)
    assert views["pve2"]["flags"] == ["Quorate"]
    assert views["pve1"]["qdevice"]["members"] == {"pve1": "A,V,NMW", "pve2": "NR"}
    sim.qdevice_kill(["pve1"])
    views = _views(sim)
    assert views["pve1"]["flags"] == ["Quorate", "Qdevice"]  # 2 of 3 votes: still quorate
    assert views["pve1"]["qdevice"]["members"] == {"pve1": "NA,NV,NMW", "pve2": "NR"}
    assert views["pve1"]["qdevice"]["cast"] is False and views["pve1"]["total_votes"] == 2
    sim.qdevice_start(["pve1", "pve2"])
    assert all(v["qdevice"]["cast"] for v in _views(sim).values())


def test_isolate_and_rejoin_qdevice() -> None:
    sim = Simulator(simple_cluster(2, device=QDevice(votes=1)))
    sim.start(["pve1", "pve2"])
    sim.isolate_qdevice(["pve1"])
    views = _views(sim)
    assert views["pve1"]["qdevice"]["members"] == {"pve1": "A,NV,NMW", "pve2": "A,V,NMW"}
    assert (views["pve1"]["total_votes"], views["pve2"]["total_votes"]) == (2, 3)
    sim.crash(["pve2"])
    assert not _views(sim)["pve1"]["quorate"]  # 1 of 3: qnetd cannot help an isolated node
    sim.rejoin_qdevice(["pve1"])
    assert _views(sim)["pve1"]["quorate"]


def test_lms_with_wait_for_all_keeps_the_vote_until_the_membership_changes() -> None:
    """Reference 12.1 and `qdevice_net_algo_lms_disconnected()` (3.2)."""
    sim = Simulator(simple_cluster(3, wait_for_all=1, device=QDevice(algorithm="lms")))
    sim.start(["pve1", "pve2", "pve3"])
    sim.qnetd("stop")
    assert all(v["qdevice"]["cast"] for v in _views(sim).values())
    sim.crash(["pve3"])
    views = _views(sim)
    assert not any(v["qdevice"]["cast"] or v["quorate"] for v in views.values())
    sim.qnetd("start")
    # the vote is back, but wait_for_all re-armed when quorum was lost (reference 1.7):
    # 4 of 5 votes, waiting for all
    views = _views(sim)
    assert all(v["qdevice"]["cast"] and not v["quorate"] for v in views.values())
    assert views["pve1"]["flags"] == ["WaitForAll", "Qdevice"]


def test_lms_newcomers_get_nack_while_another_partition_holds_the_vote() -> None:
    """`do_lms_algorithm()`: a client without a result yet is refused while a client of
    another partition holds an ACK, however many clients it has (reference 3.2)."""
    sim = Simulator(simple_cluster(3, device=QDevice(algorithm="lms")))
    sim.start(["pve1", "pve2", "pve3"])
    sim.partition([["pve1"], ["pve2", "pve3"]])
    assert [v["qdevice"]["cast"] for v in _views(sim).values()] == [False, True, True]
    sim.heal()
    sim.isolate_qdevice(["pve2", "pve3"])
    sim.partition([["pve1"], ["pve2", "pve3"]])  # qnetd sees one partition: pve1's
    sim.rejoin_qdevice(["pve2", "pve3"])  # they connect anew: NACK, pve1 keeps the vote
    views = _views(sim)
    assert {n: (v["qdevice"]["cast"], v["quorate"]) for n, v in views.items()} == {
        "pve1": (True, True),
        "pve2": (False, False),
        "pve3": (False, False),
    }


def test_ffsplit_half_split_goes_to_the_side_qnetd_sees() -> None:
    """Reference 12.1: a 2:2 split where one half had lost qnetd: the connected half wins,
    whatever `tie_breaker` says."""
    cluster = simple_cluster(4, device=QDevice(votes=1, tie_breaker="lowest"))
    sim = Simulator(cluster)
    sim.start(cluster.names)
    sim.isolate_qdevice(["pve1", "pve2"])
    sim.partition([["pve1", "pve2"], ["pve3", "pve4"]])
    assert {n: v["quorate"] for n, v in _views(sim).items()} == {
        "pve1": False,
        "pve2": False,
        "pve3": True,
        "pve4": True,
    }


def test_qnetd_steps_need_a_device_on_the_simulator_too() -> None:
    sim = Simulator(simple_cluster(2))
    with pytest.raises(Exception, match=r"no quorum\.device"):
        sim.qnetd("stop")
    with pytest.raises(Exception, match="not one of"):
        Simulator(simple_cluster(2, device=QDevice(votes=1))).qnetd("pause")


@pytest.mark.parametrize(
    ("quorum", "reason"),
    [
        ({"two_node": 1}, "two_node and quorum device cannot be configured"),
        ({"last_man_standing": 1}, "not compatible with last_man_standing"),
        ({"auto_tie_breaker": 1}, "not compatible with auto_tie_breaker"),
    ],
)
def test_corosync_refuses_a_device_with_these_options(quorum: dict[str, int], reason: str) -> None:
    """Reference 1.12 (`votequorum_readconfig()`): refusals, not warnings."""
    cluster = simple_cluster(2, device=QDevice(votes=1), **quorum)
    sim = Simulator(cluster)
    assert reason in (sim.startup_error("pve1") or "")
    assert engine.apply(sim, Step("start-corosync", ("pve1",))) == Refused(("pve1",))
    assert engine.apply(sim, Step("start", ("pve2",))).to_dict() == {"refused": ["pve2"]}


def test_await_on_the_simulator() -> None:
    sim = Simulator(simple_cluster(3, device=QDevice(algorithm="lms")))
    sim.start(["pve1", "pve2", "pve3"])
    assert sim.await_({"device_cast": True, "total_votes": 5}, None, 1000) == (True, 0)
    assert sim.await_({"quorate": False}, ["pve1"], 1000) == (False, 1000)
    assert sim.now == 1000  # the time ran out


def test_await_sees_a_last_man_standing_timer_fire() -> None:
    sim = Simulator(simple_cluster(4, last_man_standing=1))
    sim.start(["pve1", "pve2", "pve3", "pve4"])
    sim.crash(["pve4"])
    assert sim.await_({"expected_votes": 3}, None, 20_000) == (True, 10_000)


# --- the loader -----------------------------------------------------------------------------

GOOD_STEPS: list[dict[str, Any]] = [
    {"start-corosync": ["pve1", "pve2"]},
    {"qdevice-start": ["pve1"]},
    {"qdevice-stop": ["pve1"]},
    {"qdevice-kill": ["pve2"]},
    {"qnetd": "stop"},
    {"qnetd": "kill"},
    {"qnetd": "start"},
    {"isolate-qdevice": ["pve2"]},
    {"rejoin-qdevice": ["pve2"]},
    {"await": {"device_cast": True}},
    {"await": {"device_state": "A,NV,NMW", "nodes": ["pve2"], "timeout_ms": 5000}},
    {"await": {"quorate": True, "total_votes": 3, "flags": ["Quorate", "Qdevice"]}},
    {"await": {"members": ["pve1", "pve2"], "expected_votes": 3, "quorum": 2}},
    {"await": {"highest_expected": 3, "device_state": "NR"}},
    {"expected": {"node": "pve1", "votes": 2}},
    {"observe": "end"},
]


def test_every_new_step_loads_and_dumps_back_as_written() -> None:
    scenario = parse_scenario(_doc(GOOD_STEPS, device=FFSPLIT))
    assert [s.to_dict() for s in scenario.steps] == GOOD_STEPS
    again = parse_scenario(scenario_to_dict(scenario))
    assert again == scenario


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_recorded_scenarios_round_trip(path: Path) -> None:
    scenario = load_scenario(path)
    written = json.loads(path.read_text())
    assert [s.to_dict() for s in scenario.steps] == written["steps"]
    assert parse_scenario(scenario_to_dict(scenario)) == scenario


def test_await_defaults() -> None:
    (step,) = parse_scenario(_doc([{"await": {"quorate": True}}])).steps
    assert step.nodes == () and step.timeout_ms is None and step.await_timeout_ms == 120_000
    assert step.condition_map() == {"quorate": True}


BAD_STEPS: list[tuple[Any, str]] = [
    ({"qdevice-start": []}, "non-empty list"),
    ({"qdevice-start": ["pve9"]}, "unknown node 'pve9' in qdevice-start"),
    ({"qdevice-stop": ["pve1", "pve1"]}, "listed twice"),
    ({"qdevice-kill": "pve1"}, "non-empty list"),
    ({"isolate-qdevice": [1]}, "must be strings"),
    ({"rejoin-qdevice": None}, "non-empty list"),
    ({"start-corosync": ["pve3"]}, "unknown node"),
    ({"qnetd": "restart"}, "qnetd takes one of 'stop', 'kill', 'start'"),
    ({"qnetd": ["stop"]}, "qnetd takes one of"),
    ({"qnetd": True}, "qnetd takes one of"),
    ({"await": []}, "await takes an object"),
    ({"await": {}}, "at least one condition"),
    ({"await": {"nodes": ["pve1"]}}, "at least one condition"),
    ({"await": {"device_cast": "yes"}}, "await.device_cast takes true or false"),
    ({"await": {"quorate": 1}}, "await.quorate takes true or false"),
    ({"await": {"total_votes": True}}, "await.total_votes must be an integer"),
    ({"await": {"total_votes": -1}}, "must be an integer"),
    ({"await": {"quorum": 1.5}}, "must be an integer"),
    ({"await": {"expected_votes": "3"}}, "must be an integer"),
    ({"await": {"device_state": "A,V"}}, "Qdevice column"),
    ({"await": {"device_state": "a,v,nmw"}}, "Qdevice column"),
    ({"await": {"flags": ["Bogus"]}}, "unknown flag 'Bogus'"),
    ({"await": {"flags": ["Qdevice", "Quorate"]}}, "in the order corosync prints"),
    ({"await": {"flags": ["Quorate", "Quorate"]}}, "each flag once"),
    ({"await": {"flags": "Quorate"}}, "list of flag words"),
    ({"await": {"members": ["pve2", "pve1"]}}, "nodeid order"),
    ({"await": {"members": ["pve7"]}}, "unknown node 'pve7' in await.members"),
    ({"await": {"links": {}}}, "unknown key(s) 'links'"),
    ({"await": {"qdevice": {}}}, "unknown key(s) 'qdevice'"),
    ({"await": {"quorate": True, "bogus": 1}}, "unknown key(s) 'bogus'"),
    ({"await": {"quorate": True, "nodes": []}}, "non-empty list"),
    ({"await": {"quorate": True, "nodes": ["pve9"]}}, "unknown node 'pve9' in await.nodes"),
    ({"await": {"quorate": True, "timeout_ms": 0}}, "timeout_ms must be an integer 1..600000"),
    ({"await": {"quorate": True, "timeout_ms": 600_001}}, "1..600000"),
    ({"await": {"quorate": True, "timeout_ms": "60s"}}, "1..600000"),
    ({"await": {"quorate": True, "timeout_ms": True}}, "1..600000"),
    ({"await": {"quorate": True, "timeout_ms": None}}, "1..600000"),
    ({"qnetd": "stop", "extra": 1}, "exactly one key"),
]


@pytest.mark.parametrize(("step", "message"), BAD_STEPS, ids=lambda x: json.dumps(x)[:40])
def test_malformed_steps_are_refused_with_the_step_index(step: Any, message: str) -> None:
    with pytest.raises(ScenarioError, match="step 1") as caught:
        parse_scenario(_doc([{"start": ["pve1"]}, step], device=FFSPLIT), "s.json")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "step",
    [
        {"start-corosync": ["pve1"]},
        {"qdevice-start": ["pve1"]},
        {"qdevice-stop": ["pve1"]},
        {"qdevice-kill": ["pve1"]},
        {"qnetd": "start"},
        {"isolate-qdevice": ["pve1"]},
        {"rejoin-qdevice": ["pve1"]},
        {"await": {"device_cast": True}},
        {"await": {"quorate": True, "device_state": "A,V,NMW"}},
    ],
    ids=lambda s: next(iter(s)),
)
def test_device_steps_need_a_device(step: dict[str, Any]) -> None:
    kind = next(iter(step))
    with pytest.raises(ScenarioError, match=r"needs cluster\.quorum\.device") as caught:
        parse_scenario(_doc([{"start": ["pve1"]}, {"observe": "x"}, step]), "s.json")
    assert caught.value.where == "s.json: step 2" and kind in str(caught.value)


def test_device_steps_need_a_net_device_on_corosync() -> None:
    doc = _doc([{"qnetd": "stop"}], device={"model": "disk", "votes": 1})
    doc["stack"] = "cman"
    with pytest.raises(ScenarioError, match="model net"):
        parse_scenario(doc)


def test_await_without_a_device_condition_runs_anywhere() -> None:
    doc = _doc([{"start": ["pve1", "pve2"]}, {"await": {"quorate": True, "timeout_ms": 10}}])
    assert run_scenario(parse_scenario(doc))["results"][1] == {"met": True, "elapsed_ms": 0}


def test_expected_after_start_corosync_is_accepted_by_the_loader() -> None:
    doc = _doc(
        [{"start-corosync": ["pve1"]}, {"expected": {"node": "pve1", "votes": 2}}], device=LMS
    )
    assert len(parse_scenario(doc).steps) == 2


def test_device_keys_are_checked() -> None:
    """The simulator takes `model`, `votes`, `net.algorithm`, `net.tie_breaker` and
    `net.host` only (docs/scenario-format.md, "How the lab writes ...")."""
    for bad, message in [
        ({**FFSPLIT, "timeout": 5000}, "unknown quorum.device key"),
        ({**FFSPLIT, "net": {"algorithm": "ffsplit", "tls": "on"}}, "quorum.device.net key"),
        ({**FFSPLIT, "heuristics": {}}, "unknown quorum.device key"),
        ({**FFSPLIT, "net": {"algorithm": "2nodelms"}}, "algorithm"),
    ]:
        with pytest.raises(ScenarioError, match=message):
            parse_scenario(_doc([], device=bad))


# --- the engine seam ------------------------------------------------------------------------


class Recorder:
    """The QDevice half of an engine, writing down what it is asked to do."""

    engine_name = "recorder"

    def __init__(self, refuse: Sequence[str] = ()) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.refuse = list(refuse)

    def start(self, names: Sequence[str]) -> list[str]:
        self.calls.append(("start", tuple(names)))
        return [n for n in names if n in self.refuse]

    def start_corosync(self, names: Sequence[str]) -> list[str]:
        self.calls.append(("start_corosync", tuple(names)))
        return [n for n in names if n in self.refuse]

    def settle(self) -> None:
        self.calls.append(("settle",))

    def qdevice_start(self, names: Sequence[str]) -> None:
        self.calls.append(("qdevice_start", tuple(names)))

    def qdevice_stop(self, names: Sequence[str]) -> None:
        self.calls.append(("qdevice_stop", tuple(names)))

    def qdevice_kill(self, names: Sequence[str]) -> None:
        self.calls.append(("qdevice_kill", tuple(names)))

    def qnetd(self, action: str) -> None:
        self.calls.append(("qnetd", action))

    def isolate_qdevice(self, names: Sequence[str]) -> None:
        self.calls.append(("isolate_qdevice", tuple(names)))

    def rejoin_qdevice(self, names: Sequence[str]) -> None:
        self.calls.append(("rejoin_qdevice", tuple(names)))

    def await_(
        self, conditions: Mapping[str, object], nodes: Sequence[str] | None, timeout_ms: int
    ) -> tuple[bool, int]:
        self.calls.append(("await_", dict(conditions), nodes, timeout_ms))
        return True, 42


def test_the_new_steps_reach_the_engine_and_only_membership_steps_settle() -> None:
    recorder = Recorder(refuse=["pve2"])
    steps = parse_scenario(
        _doc(
            [
                {"start-corosync": ["pve1", "pve2"]},
                {"start": ["pve1"]},
                {"qdevice-start": ["pve1"]},
                {"qdevice-stop": ["pve1"]},
                {"qdevice-kill": ["pve1"]},
                {"qnetd": "kill"},
                {"isolate-qdevice": ["pve1"]},
                {"rejoin-qdevice": ["pve1"]},
                {"await": {"members": ["pve1"], "nodes": ["pve1"], "timeout_ms": 7}},
                {"await": {"device_cast": False}},
            ],
            device=FFSPLIT,
        )
    ).steps
    results = [engine.apply(recorder, step) for step in steps]
    assert results == [Refused(("pve2",)), Done(), *([Done()] * 6), *([Awaited(True, 42)] * 2)]
    assert recorder.calls == [
        ("start_corosync", ("pve1", "pve2")),
        ("settle",),
        ("start", ("pve1",)),
        ("settle",),
        ("qdevice_start", ("pve1",)),
        ("qdevice_stop", ("pve1",)),
        ("qdevice_kill", ("pve1",)),
        ("qnetd", "kill"),
        ("isolate_qdevice", ("pve1",)),
        ("rejoin_qdevice", ("pve1",)),
        ("await_", {"members": ["pve1"]}, ("pve1",), 7),
        ("await_", {"device_cast": False}, None, 120_000),
    ]


def test_both_engines_have_every_qdevice_step() -> None:
    from pvequorum.lab.core import Lab

    wanted = {
        "start_corosync",
        "qdevice_start",
        "qdevice_stop",
        "qdevice_kill",
        "qnetd",
        "isolate_qdevice",
        "rejoin_qdevice",
        "await_",
    }
    for implementation in (Simulator, Lab):
        assert wanted <= set(dir(implementation)), implementation


# --- conditions_hold and the qdevice key ------------------------------------------------------


def _observation() -> Observation:
    sim = Simulator(simple_cluster(3, device=QDevice(algorithm="lms")))
    sim.start(["pve1", "pve2", "pve3"])
    sim.qnetd("stop")
    sim.crash(["pve3"])
    return sim.observe()


def test_conditions_hold() -> None:
    seen = _observation()
    assert conditions_hold(seen, {"device_cast": False, "quorate": False}, None)
    assert conditions_hold(seen, {"device_state": "A,NV,NMW"}, ["pve1", "pve2"])
    assert conditions_hold(seen, {"members": ["pve1", "pve2"], "total_votes": 2}, None)
    assert conditions_hold(seen, {"flags": ["Qdevice"], "expected_votes": 5}, ["pve2"])
    assert not conditions_hold(seen, {"flags": ["Quorate", "Qdevice"]}, None)
    assert not conditions_hold(seen, {"device_cast": True}, None)
    assert not conditions_hold(seen, {"quorate": False}, ["pve3"])  # not running
    assert not conditions_hold(seen, {"quorum": True}, None)  # 3 is not True
    assert conditions_hold(Observation(()), {"quorate": True}, None)  # nobody to wait for
    plain = Simulator(simple_cluster(2))
    plain.start(["pve1", "pve2"])
    assert not conditions_hold(plain.observe(), {"device_cast": False}, None)
    with pytest.raises(ValueError, match="unknown await condition"):
        conditions_hold(seen, {"ring_id": "1.9"}, None)


def test_the_qdevice_key_of_a_non_casting_node() -> None:
    node = _observation().node("pve1")
    assert node.qdevice == QdeviceObservation(
        votes=2, cast=False, name="Qdevice", members=(("pve1", "A,NV,NMW"), ("pve2", "A,NV,NMW"))
    )
    assert node.to_dict()["qdevice"] == {
        "votes": 2,
        "cast": False,
        "name": "Qdevice",
        "members": {"pve1": "A,NV,NMW", "pve2": "A,NV,NMW"},
    }


def test_render_and_parse_agree_on_the_qdevice_row() -> None:
    """The `(votes N)` row: 0 votes shown, the device's votes in parentheses (3.1)."""
    sim = Simulator(simple_cluster(3, device=QDevice(algorithm="lms")))
    sim.start(["pve1", "pve2", "pve3"])
    sim.qnetd("kill")
    view = sim.views()["pve2"]
    text = render_quorumtool(view)
    assert text.endswith(
        "         1          1   A,NV,NMW pve1\n"
        "         2          1   A,NV,NMW pve2 (local)\n"
        "         3          1   A,NV,NMW pve3\n"
        "         0          0            Qdevice (votes 2)\n"
    )
    parsed = parse_status(text)
    assert (parsed.qdevice_votes, parsed.qdevice_cast, parsed.qdevice_name) == (2, False, "Qdevice")
    cluster = sim.cluster
    assert Observation.read(cluster, {"pve2": parsed}) == Observation.read(cluster, {"pve2": view})


def test_a_member_id_outside_the_cluster_is_keyed_by_nodeid() -> None:
    text = (
        "Quorum information\n------------------\nQuorate:          Yes\n\n"
        "Votequorum information\n----------------------\nExpected votes:   3\n"
        "Total votes:      3\nQuorum:           2  \nFlags:            Quorate Qdevice \n\n"
        "Membership information\n----------------------\n"
        "    Nodeid      Votes    Qdevice Name\n"
        "         1          1    A,V,NMW pve1 (local)\n"
        "         7          1         NR stranger\n"
        "         0          1            Qdevice\n"
    )
    seen = Observation.read(simple_cluster(2), {"pve1": parse_status(text)})
    assert seen.node("pve1").to_dict()["qdevice"]["members"] == {
        "pve1": "A,V,NMW",
        "nodeid 7": "NR",
    }


# --- qnetd's algorithms as properties (reference 3.2) ----------------------------------------

SETTINGS = settings(max_examples=150, deadline=None)
NAMES = st.sampled_from


@st.composite
def device_runs(draw: st.DrawFn, algorithm: str) -> tuple[Simulator, list[tuple[str, Any]]]:
    n = draw(st.integers(2, 6))
    device = QDevice(
        votes=1 if algorithm == "ffsplit" else None,
        algorithm=algorithm,
        tie_breaker=draw(st.sampled_from(["lowest", "highest", str(draw(st.integers(1, n)))])),
    )
    cluster = simple_cluster(n, device=device)
    names = cluster.names
    some = st.lists(st.sampled_from(names), min_size=1, unique=True)
    event = st.one_of(
        st.tuples(st.sampled_from(["crash", "start", "start_corosync"]), some),
        st.tuples(st.sampled_from(["qdevice_start", "qdevice_stop", "qdevice_kill"]), some),
        st.tuples(st.sampled_from(["isolate_qdevice", "rejoin_qdevice"]), some),
        st.tuples(st.just("qnetd"), st.sampled_from(["stop", "kill", "start"])),
        st.tuples(st.just("partition"), st.lists(st.integers(0, 2), min_size=n, max_size=n)),
        st.tuples(st.just("heal"), st.none()),
    )
    return Simulator(cluster), draw(st.lists(event, min_size=1, max_size=10))


def _apply(sim: Simulator, kind: str, arg: Any) -> None:
    if kind == "heal":
        sim.heal()
    elif kind == "partition":
        groups: dict[int, list[str]] = {}
        for name, g in zip(sim.cluster.names, arg, strict=True):
            groups.setdefault(g, []).append(name)
        sim.partition(list(groups.values()))
    else:
        getattr(sim, kind)(arg)


def _casting(sim: Simulator) -> dict[str, bool]:
    return {name: view.qdevice_cast for name, view in sim.views().items()}


def _check_cast_needs_qnetd(sim: Simulator, *, allow_kept: bool) -> None:
    """cast => the qdevice runs, is registered, and (but for a kept lms vote) qnetd is
    alive and reachable."""
    for name, cast in _casting(sim).items():
        if not cast:
            continue
        assert name in sim._qdevice_running and name in sim._registered
        if not allow_kept:
            assert sim.qnetd_alive and name not in sim._isolated, name


@SETTINGS
@given(device_runs("ffsplit"))
def test_ffsplit_never_gives_two_partitions_the_vote(run: tuple[Simulator, Any]) -> None:
    sim, events = run
    sim.start(sim.cluster.names)
    for kind, arg in events:
        _apply(sim, kind, arg)
        casts = _casting(sim)
        voted = [part for part in sim.partitions() if any(casts[n] for n in part)]
        assert len(voted) <= 1, (kind, arg, sim.partitions(), casts)
        assert not sim.split_brain()
        _check_cast_needs_qnetd(sim, allow_kept=False)


@SETTINGS
@given(device_runs("lms"))
def test_lms_votes_need_qnetd_and_members_agree_on_the_columns(
    run: tuple[Simulator, Any],
) -> None:
    sim, events = run
    sim.start(sim.cluster.names)
    for kind, arg in events:
        _apply(sim, kind, arg)
        _check_cast_needs_qnetd(sim, allow_kept=False)  # no wait_for_all: no kept vote
        views = sim.views()
        for part in sim.partitions():
            columns = {views[n].qdevice_columns for n in part}
            assert len(columns) == 1, (part, columns)


CLIENTS = st.lists(st.integers(1, 8), min_size=1, max_size=8, unique=True).flatmap(
    lambda ids: st.tuples(
        st.just(ids),
        st.lists(st.integers(0, 3), min_size=len(ids), max_size=len(ids)),
    )
)


def _clients(ids: list[int], groups: list[int]) -> list[qnetd.Client]:
    rings = {g: frozenset(i for i, h in zip(ids, groups, strict=True) if h == g) for g in groups}
    return [(i, rings[g]) for i, g in zip(ids, groups, strict=True)]


@SETTINGS
@given(CLIENTS, st.sampled_from(["lowest", "highest"]), st.data())
def test_lms_one_round_gives_at_most_one_partition_the_vote(
    clients_spec: tuple[list[int], list[int]], tie_breaker: str, data: st.DataObject
) -> None:
    """One evaluation round over a fixed state: at most one partition is answered ACK;
    with no newcomer exactly one, and it has the most connected clients or, in a tie for
    the most, holds the tie-breaker node among all connected clients."""
    clients = _clients(*clients_spec)
    last = {
        i: data.draw(st.sampled_from([None, True, False]), label=f"last {i}") for i, _ in clients
    }
    acked = {
        ring
        for client in clients
        for ring in [client[1]]
        if qnetd.lms_vote(client, clients, last, tie_breaker)[0]
    }
    assert len(acked) <= 1
    if all(v is not None for v in last.values()):
        assert len(acked) == 1
        (ring,) = acked
        size = {r: sum(1 for _, s in clients if s == r) for _, r in clients}
        leaders = [r for r in size if size[r] == max(size.values())]
        ids = [i for i, _ in clients]
        tb = min(ids) if tie_breaker == "lowest" else max(ids)
        if len(leaders) == 1:
            assert ring == leaders[0]
        else:
            assert tb in ring


@SETTINGS
@given(CLIENTS, st.sampled_from(["lowest", "highest", "3"]), st.data())
def test_ffsplit_winner_is_one_reported_membership_of_at_least_half(
    clients_spec: tuple[list[int], list[int]], tie_breaker: str, data: st.DataObject
) -> None:
    clients = _clients(*clients_spec)
    configured = sorted({*clients_spec[0], *data.draw(st.sets(st.integers(1, 8)))})
    previous = frozenset(data.draw(st.sets(st.sampled_from(configured))))
    won = qnetd.ffsplit_partition(clients, configured, tie_breaker, previous)
    if won:
        assert won in {ring for _, ring in clients}
        assert 2 * len(won) >= len(configured)
        if len(configured) % 2:
            assert 2 * len(won) > len(configured)
    majority = [ring for _, ring in clients if 2 * len(ring) > len(configured)]
    if majority:
        assert won == majority[0]
