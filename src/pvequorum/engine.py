"""The seam between a scenario and what runs it: the simulator or the real-corosync lab.  PURE.

Both engines take the same steps (`pvequorum.scenario`), so there is one dispatcher
(`apply`) and one runner (`run_scenario`), and the observations they return are compared
field by field (`scenario.first_difference`).  An engine only has to do each step; when a
membership step has taken effect is its own business (`settle`: the simulator is settled at
once, the lab polls until every connected group agrees on its membership).  The link and
QDevice steps of later issues are added here, once, for both engines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from pvequorum.scenario import MEMBERSHIP_KINDS, OBSERVATIONS_FORMAT, Scenario, Step


class Engine(Protocol):
    """What runs a scenario.  Node names are the cluster's; groups cover the nodes."""

    engine_name: str  # "simulator" or "lab", the observations document's `engine`

    def start(self, names: Sequence[str]) -> object: ...
    def stop(self, names: Sequence[str]) -> None: ...
    def crash(self, names: Sequence[str]) -> None: ...
    def partition(self, groups: Sequence[Sequence[str]]) -> None: ...
    def heal(self) -> None: ...
    def expected(self, name: str, votes: int) -> bool: ...
    def wait(self, ms: int) -> None: ...
    def settle(self) -> None: ...
    def observe(self) -> dict[str, Any]: ...


def apply(engine: Engine, step: Step) -> dict[str, Any]:
    """Run one step and return its result entry (scenario format): {} for a membership
    step or a wait, {"accepted": ...} for expected, the observation for observe."""
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
        return {"accepted": engine.expected(step.nodes[0], step.votes or 0)}
    elif step.kind == "wait":
        engine.wait(step.ms or 0)
    elif step.kind == "observe":
        return engine.observe()
    if step.kind in MEMBERSHIP_KINDS:
        engine.settle()
    return {}


def run_scenario(scenario: Scenario, engine: Engine) -> dict[str, Any]:
    """Run every step on `engine`; the observations document (docs/scenario-format.md)."""
    return {
        "format": OBSERVATIONS_FORMAT,
        "scenario": scenario.name,
        "engine": engine.engine_name,
        "results": [apply(engine, step) for step in scenario.steps],
    }
