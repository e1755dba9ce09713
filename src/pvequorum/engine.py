"""The seam between a scenario and what runs it: the simulator or the real-corosync lab.  PURE.

Both engines take the same steps (`pvequorum.scenario`), so there is one dispatcher
(`apply`) and one runner (`run_scenario`); everything that acts on a running cluster step
by step (scenarios, the CLI's lab commands, the practice cluster of labs 02 and 07) goes
through `apply`.  The results are typed (`scenario.StepResult`: `Done`, `Accepted`,
`Observation`), their `to_dict()` is the scenario format's JSON, and two engines' documents
are compared field by field (`scenario.first_difference`).  An engine only has to do each
step; when a step has taken effect is its own business (`settle`: the simulator is settled
at once, the lab polls until every connected group agrees on its membership).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from pvequorum.scenario import (
    MEMBERSHIP_KINDS,
    OBSERVATIONS_FORMAT,
    Accepted,
    Done,
    Observation,
    Scenario,
    Step,
    StepResult,
)


class Engine(Protocol):
    """What runs a scenario.  Node names are the cluster's; groups cover the nodes.

    Room for the steps to come (docs/scenario-format.md, "Extensions"), each added here
    once, for both engines, with its branch in `apply` and its result type in
    `pvequorum.scenario`:

    * QDevice ("Extension: QDevice"): `start_corosync(names)`, `qdevice_start(names)`,
      `qdevice_stop(names)`, `qdevice_kill(names)`, `qnetd(action)` ("stop", "kill",
      "start"), `isolate_qdevice(names)` and `rejoin_qdevice(names)`; `start` and `stop`
      then drive corosync-qdevice too, a `start` may answer `{"refused": [names]}` and a
      `NodeObservation` gains `qdevice`;
    * links ("Extension: links"): `link_down(name, link)`, `link_up(name, link)`,
      `link_cut(a, b, link)`, `link_uncut(a, b, link)` and `netem(name, link, loss)`;
      `partition` and `heal` then act on every link, and a `NodeObservation` gains
      `links`;
    * `await_(conditions, nodes, timeout_ms)` for the `await` step, answered by
      `{"met": bool, "elapsed_ms": N}`; with the extensions `settle` also waits for quiet.

    None of them is implemented yet: the loader refuses those steps ("unknown step").
    """

    engine_name: str  # "simulator" or "lab", the observations document's `engine`

    def start(self, names: Sequence[str]) -> object: ...
    def stop(self, names: Sequence[str]) -> None: ...
    def crash(self, names: Sequence[str]) -> None: ...
    def partition(self, groups: Sequence[Sequence[str]]) -> None: ...
    def heal(self) -> None: ...
    def expected(self, name: str, votes: int) -> bool: ...
    def wait(self, ms: int) -> None: ...
    def settle(self) -> None: ...
    def observe(self) -> Observation: ...


def apply(engine: Engine, step: Step) -> StepResult:
    """Run one step and return its result: `Done` for a membership step or a wait (after
    `settle`, for a membership step), `Accepted` for expected, the `Observation` for
    observe."""
    if step.kind == "start":
        engine.start(step.nodes)
    elif step.kind == "stop":
        engine.stop(step.nodes)
    elif step.kind == "crash":
        engine.crash(step.nodes)
    elif step.kind == "partition":
        engine.partition(step.groups)
    elif step.kind == "heal":
        engine.heal()
    elif step.kind == "expected":
        return Accepted(engine.expected(step.nodes[0], step.votes or 0))
    elif step.kind == "wait":
        engine.wait(step.ms or 0)
    elif step.kind == "observe":
        return engine.observe()
    else:
        raise ValueError(f"no engine step {step.kind!r}")  # a Step built past the loader
    if step.kind in MEMBERSHIP_KINDS:
        engine.settle()
    return Done()


def run_scenario(scenario: Scenario, engine: Engine) -> dict[str, Any]:
    """Run every step on `engine`; the observations document (docs/scenario-format.md)."""
    return {
        "format": OBSERVATIONS_FORMAT,
        "scenario": scenario.name,
        "engine": engine.engine_name,
        "results": [apply(engine, step).to_dict() for step in scenario.steps],
    }
