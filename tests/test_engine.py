"""The one step dispatcher (`pvequorum.engine`): every step kind reaches the engine, and a
membership step is always followed by `settle` before anything else happens."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pvequorum import engine
from pvequorum.lab.core import Lab
from pvequorum.model import simple_cluster
from pvequorum.scenario import Scenario, Step
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

    def observe(self) -> dict[str, Any]:
        self.calls.append(("observe",))
        return {"nodes": {}}


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
