"""The one step dispatcher (`pvequorum.engine`): every step kind reaches the engine, and a
membership step is always followed by `settle` before anything else happens."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from pvequorum import engine
from pvequorum.lab.core import Lab
from pvequorum.model import simple_cluster
from pvequorum.scenario import (
    Accepted,
    Done,
    NodeObservation,
    Observation,
    Scenario,
    Step,
)
from pvequorum.simulator import Simulator, run_scenario


class Recorder:
    """An engine that only writes down what it was asked to do."""

    engine_name = "recorder"

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def start(self, names: Sequence[str]) -> None:
        self.calls.append(("start", tuple(names)))

    def stop(self, names: Sequence[str]) -> None:
        self.calls.append(("stop", tuple(names)))

    def crash(self, names: Sequence[str]) -> None:
        self.calls.append(("crash", tuple(names)))

    def partition(self, groups: Sequence[Sequence[str]]) -> None:
        self.calls.append(("partition", tuple(map(tuple, groups))))

    def heal(self) -> None:
        self.calls.append(("heal",))

    def expected(self, name: str, votes: int) -> bool:
        self.calls.append(("expected", name, votes))
        return votes == 1

    def wait(self, ms: int) -> None:
        self.calls.append(("wait", ms))

    def settle(self) -> None:
        self.calls.append(("settle",))

    def observe(self) -> Observation:
        self.calls.append(("observe",))
        return Observation(())

    def link_down(self, name: str, link: int) -> None:
        self.calls.append(("link_down", name, link))

    def link_up(self, name: str, link: int) -> None:
        self.calls.append(("link_up", name, link))

    def link_cut(self, a: str, b: str, link: int) -> None:
        self.calls.append(("link_cut", a, b, link))

    def link_uncut(self, a: str, b: str, link: int) -> None:
        self.calls.append(("link_uncut", a, b, link))

    def netem(self, name: str, link: int, loss: int | None) -> None:
        self.calls.append(("netem", name, link, loss))


STEPS = (
    Step("start", ("pve1", "pve2", "pve3")),
    Step("crash", ("pve3",)),
    Step("partition", groups=(("pve1",), ("pve2",))),
    Step("expected", ("pve1",), votes=1),
    Step("heal"),
    Step("wait", ms=250),
    Step("stop", ("pve2",)),
    Step("observe", label="end"),
)


def test_every_step_reaches_the_engine_and_membership_steps_settle() -> None:
    recorder = Recorder()
    scenario = Scenario("all kinds", simple_cluster(3), STEPS)
    document = engine.run_scenario(scenario, recorder)
    assert recorder.calls == [
        ("start", ("pve1", "pve2", "pve3")),
        ("settle",),
        ("crash", ("pve3",)),
        ("settle",),
        ("partition", (("pve1",), ("pve2",))),
        ("settle",),
        ("expected", "pve1", 1),
        ("heal",),
        ("settle",),
        ("wait", 250),
        ("stop", ("pve2",)),
        ("settle",),
        ("observe",),
    ]
    assert document["engine"] == "recorder"
    assert document["results"][3] == {"accepted": True}
    assert document["results"][-1] == {"nodes": {}}
    assert len(document["results"]) == len(STEPS)


def test_both_engines_have_every_step() -> None:
    """The lab and the simulator implement the same interface (checked without root)."""
    wanted = {
        "start",
        "stop",
        "crash",
        "partition",
        "heal",
        "expected",
        "wait",
        "settle",
        "observe",
        "engine_name",
        "link_down",
        "link_up",
        "link_cut",
        "link_uncut",
        "netem",
    }
    for implementation in (Simulator, Lab):
        assert wanted <= set(dir(implementation)), implementation
    assert (Simulator.engine_name, Lab.engine_name) == ("simulator", "lab")


def test_the_simulator_runs_through_the_seam() -> None:
    scenario = Scenario("all kinds", simple_cluster(3), STEPS)
    document = run_scenario(scenario)
    assert document == engine.run_scenario(scenario, Simulator(scenario.cluster))
    end = document["results"][-1]["nodes"]
    assert set(end) == {"pve1"}  # only pve1 is still running


def test_apply_returns_typed_results() -> None:
    recorder = Recorder()
    assert engine.apply(recorder, Step("start", ("pve1",))) == Done()
    assert engine.apply(recorder, Step("expected", ("pve1",), votes=1)) == Accepted(True)
    assert engine.apply(recorder, Step("expected", ("pve1",), votes=2)) == Accepted(False)
    assert engine.apply(recorder, Step("observe", label="x")) == Observation(())
    with pytest.raises(ValueError, match="no engine step"):
        engine.apply(recorder, Step("await"))


def test_link_steps_reach_the_engine_answer_nothing_and_settle() -> None:
    recorder = Recorder()
    steps = [
        Step("link-down", ("pve1",), link=1),
        Step("link-up", ("pve1",), link=1),
        Step("link-cut", ("pve1", "pve2"), link=0),
        Step("link-uncut", ("pve1", "pve2"), link=0),
        Step("netem", ("pve2",), link=0, loss=30),
        Step("netem", ("pve2",), link=0),
    ]
    assert [engine.apply(recorder, step) for step in steps] == [Done()] * len(steps)
    assert recorder.calls == [
        ("link_down", "pve1", 1),
        ("settle",),
        ("link_up", "pve1", 1),
        ("settle",),
        ("link_cut", "pve1", "pve2", 0),
        ("settle",),
        ("link_uncut", "pve1", "pve2", 0),
        ("settle",),
        ("netem", "pve2", 0, 30),
        ("settle",),
        ("netem", "pve2", 0, None),
        ("settle",),
    ]


def test_the_simulators_observation_is_typed_and_its_dict_is_the_format() -> None:
    sim = Simulator(simple_cluster(3))
    engine.apply(sim, Step("start", ("pve3", "pve1")))
    seen = sim.observe()
    assert seen.names == ("pve1", "pve3")  # nodeid order, whatever the start order
    pve1 = seen.node("pve1")
    assert pve1 == NodeObservation(
        name="pve1",
        quorate=True,
        expected_votes=3,
        highest_expected=3,
        total_votes=2,
        quorum=2,
        flags=("Quorate",),
        members=("pve1", "pve3"),
    )
    assert seen.get("pve2") is None and not seen.split_brain
    with pytest.raises(KeyError, match="pve2"):
        seen.node("pve2")
    assert seen.to_dict()["nodes"]["pve1"] == {
        "quorate": True,
        "expected_votes": 3,
        "highest_expected": 3,
        "total_votes": 2,
        "quorum": 2,
        "flags": ["Quorate"],
        "members": ["pve1", "pve3"],
    }
    assert list(seen.to_dict()) == ["nodes"]  # split_brain only when true


def test_split_brain_is_in_the_dict_only_when_true() -> None:
    sim = Simulator(simple_cluster(2, two_node=1, wait_for_all=0))
    engine.apply(sim, Step("start", ("pve1", "pve2")))
    engine.apply(sim, Step("partition", groups=(("pve1",), ("pve2",))))
    seen = sim.observe()
    assert seen.split_brain and seen.to_dict()["split_brain"] is True
