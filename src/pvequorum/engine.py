"""The seam between a scenario and what runs it: the simulator or the real-corosync lab.  PURE.

Both engines take the same steps (`pvequorum.scenario`), so there is one dispatcher
(`apply`) and one runner (`run_scenario`); everything that acts on a running cluster step
by step (scenarios, the CLI's lab commands, the practice cluster of labs 02 and 07) goes
through `apply`.  The results are typed (`scenario.StepResult`: `Done`, `Accepted`,
`Observation`, `Refused`, `Awaited`), their `to_dict()` is the scenario format's JSON, and
two engines' documents are compared field by field (`scenario.first_difference`).  An
engine only has to do each step; when a step has taken effect is its own business
(`settle`: the simulator is settled at once, the lab polls until every connected group
agrees on its membership; `await_`: the simulator answers at once, the lab polls).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from pvequorum.errors import InputError
from pvequorum.scenario import (
    LINK_STEP_KINDS,
    MEMBERSHIP_KINDS,
    OBSERVATIONS_FORMAT,
    QDEVICE_STEP_KINDS,
    Accepted,
    Awaited,
    Done,
    Observation,
    Refused,
    Scenario,
    Step,
    StepResult,
    Undecided,
)


class Undecidable(InputError):
    """The engine cannot tell what real corosync would show now, so it does not guess.

    The simulator raises it for non-transitive connectivity and random loss (docs/
    scenario-format.md, "Nondeterministic steps"; reference 12.4): real corosync then
    re-forms its membership every consensus period.  `run_scenario` records it as an
    `Undecided` result inside a stretch the scenario marks `nondeterministic` (which
    comparisons skip) and lets it through anywhere else: the scenario must mark the step.
    """


class Engine(Protocol):
    """What runs a scenario.  Node names are the cluster's; groups cover the nodes.

    Each step kind of docs/scenario-format.md has its method here, for both engines, with
    its branch in `apply` and its result type in `pvequorum.scenario`.

    The base steps: `start` answers the names whose corosync refused the configuration
    (reference 1.12; `apply` makes that `{"refused": [...]}`), the others act and return
    nothing but `expected` (accepted or not) and `observe`.  `settle` waits until the
    membership has settled after a membership step.

    The links steps ("Extension: links"): `link_down(name, link)` / `link_up(name, link)`
    detach / attach a node's switch port on one link, `link_cut(a, b, link)` /
    `link_uncut(a, b, link)` drop / pass the frames between two nodes on one link,
    `netem(name, link, loss)` sets (loss in %) or clears (None) random egress loss.
    `partition` and `heal` act on every link, and with the extension each
    `NodeObservation` carries `links`.  An engine may raise `Undecidable` from any step it
    cannot decide.

    The QDevice steps ("Extension: QDevice"): with a device `start` starts corosync and
    then corosync-qdevice, `stop` and `crash` reach both daemons.  `start_corosync(names)`
    starts corosync alone and answers the refused names like `start`;
    `qdevice_start/stop/kill(names)` start, SIGTERM or SIGKILL corosync-qdevice alone;
    `qnetd(action)` stops ("stop"), kills ("kill") or starts ("start") corosync-qnetd;
    `isolate_qdevice(names)` / `rejoin_qdevice(names)` cut / restore these nodes' path to
    qnetd.  None of these waits ("None of these steps waits for anything"), except that
    `start_corosync` is followed by `settle`.  `await_(conditions, nodes, timeout_ms)`
    waits until every listed node (None: the running ones) meets every condition
    (`scenario.conditions_hold`), then for quiet, and answers (met, elapsed ms).  With a
    device each `NodeObservation` carries `qdevice` when the node's table shows one.
    """

    engine_name: str  # "simulator" or "lab", the observations document's `engine`

    def start(self, names: Sequence[str]) -> list[str]: ...
    def stop(self, names: Sequence[str]) -> None: ...
    def crash(self, names: Sequence[str]) -> None: ...
    def partition(self, groups: Sequence[Sequence[str]]) -> None: ...
    def heal(self) -> None: ...
    def expected(self, name: str, votes: int) -> bool: ...
    def wait(self, ms: int) -> None: ...
    def settle(self) -> None: ...
    def observe(self) -> Observation: ...
    def link_down(self, name: str, link: int) -> None: ...
    def link_up(self, name: str, link: int) -> None: ...
    def link_cut(self, a: str, b: str, link: int) -> None: ...
    def link_uncut(self, a: str, b: str, link: int) -> None: ...
    def netem(self, name: str, link: int, loss: int | None) -> None: ...
    def start_corosync(self, names: Sequence[str]) -> list[str]: ...
    def qdevice_start(self, names: Sequence[str]) -> None: ...
    def qdevice_stop(self, names: Sequence[str]) -> None: ...
    def qdevice_kill(self, names: Sequence[str]) -> None: ...
    def qnetd(self, action: str) -> None: ...
    def isolate_qdevice(self, names: Sequence[str]) -> None: ...
    def rejoin_qdevice(self, names: Sequence[str]) -> None: ...
    def await_(
        self, conditions: Mapping[str, object], nodes: Sequence[str] | None, timeout_ms: int
    ) -> tuple[bool, int]: ...


def apply(engine: Engine, step: Step) -> StepResult:
    """Run one step and return its result: `Done` for a membership step or a wait (after
    `settle`, for a membership step), `Refused` for a start that some node refused (after
    `settle` too), `Accepted` for expected, the `Observation` for observe, `Awaited` for
    await."""
    if step.kind in ("start", "start-corosync"):
        start = engine.start if step.kind == "start" else engine.start_corosync
        refused = start(step.nodes)
        engine.settle()
        return Refused(tuple(refused)) if refused else Done()
    if step.kind in QDEVICE_STEP_KINDS:
        return _apply_qdevice_step(engine, step)
    if step.kind == "stop":
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
    elif step.kind in LINK_STEP_KINDS:
        _apply_link_step(engine, step)
    else:
        raise ValueError(f"no engine step {step.kind!r}")  # a Step built past the loader
    if step.kind in MEMBERSHIP_KINDS or step.kind in LINK_STEP_KINDS:
        engine.settle()
    return Done()


def _apply_qdevice_step(engine: Engine, step: Step) -> StepResult:
    """The QDevice extension's steps but `start-corosync` (docs/scenario-format.md, "New
    step kinds"): none of them settles; `await` answers `Awaited`, the others `{}`."""
    if step.kind == "await":
        if step.conditions is None:  # a Step built past the loader
            raise ValueError(f"no engine step {step.kind!r} without conditions")
        met, elapsed_ms = engine.await_(
            step.condition_map(), step.nodes or None, step.await_timeout_ms
        )
        return Awaited(met, elapsed_ms)
    if step.kind == "qnetd":
        engine.qnetd(step.action or "")
    elif step.kind == "qdevice-start":
        engine.qdevice_start(step.nodes)
    elif step.kind == "qdevice-stop":
        engine.qdevice_stop(step.nodes)
    elif step.kind == "qdevice-kill":
        engine.qdevice_kill(step.nodes)
    elif step.kind == "isolate-qdevice":
        engine.isolate_qdevice(step.nodes)
    elif step.kind == "rejoin-qdevice":
        engine.rejoin_qdevice(step.nodes)
    else:
        raise ValueError(f"no engine step {step.kind!r}")
    return Done()


def _apply_link_step(engine: Engine, step: Step) -> None:
    """The links extension's steps; each answers `{}` (docs/scenario-format.md)."""
    link = step.link if step.link is not None else 0
    if step.kind == "link-down":
        engine.link_down(step.nodes[0], link)
    elif step.kind == "link-up":
        engine.link_up(step.nodes[0], link)
    elif step.kind == "link-cut":
        engine.link_cut(step.nodes[0], step.nodes[1], link)
    elif step.kind == "link-uncut":
        engine.link_uncut(step.nodes[0], step.nodes[1], link)
    else:
        engine.netem(step.nodes[0], link, step.loss)


def run_scenario(scenario: Scenario, engine: Engine) -> dict[str, Any]:
    """Run every step on `engine`; the observations document (docs/scenario-format.md).

    Inside the scenario's nondeterministic stretches an `Undecidable` step is recorded as
    `Undecided` (never compared); anywhere else it propagates."""
    uncompared = scenario.uncompared_steps()
    results: list[dict[str, Any]] = []
    for i, step in enumerate(scenario.steps):
        try:
            result: StepResult = apply(engine, step)
        except Undecidable as exc:
            if i not in uncompared:
                raise Undecidable(
                    f'{exc.problem} (mark the step that caused it "nondeterministic": true)',
                    f"step {i}",
                ) from None
            result = Undecided(exc.problem)
        results.append(result.to_dict())
    return {
        "format": OBSERVATIONS_FORMAT,
        "scenario": scenario.name,
        "engine": engine.engine_name,
        "results": results,
    }
