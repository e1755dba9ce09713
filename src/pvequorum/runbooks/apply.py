"""Apply mode (an edge): run a plan's steps through an executor, checking before and after.

Before anything changes: every step's host must be reachable by the executor (a step for
another host is never run here), and the live `pvecm status` on the node must still show
the state the plan was made for.  Per step: the pre-check must hold, the link check must
show the nodes said to be down as disconnected, the commands must succeed (unless marked
`may_fail`), and the post-check must show its lines.  The first failure stops the run and
returns the rollback of that step; nothing after it runs.

Manual steps (a GUI button, confirming a node is powered off) are not executed and never
recorded as passed: they are `manual`, with the parameter that stands for them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

from pvequorum.cfgtool import parse_status as parse_link_status
from pvequorum.errors import InputError
from pvequorum.model import Cluster
from pvequorum.procedures.evidence import Mismatch, links_show_down, situation_of
from pvequorum.procedures.linkstate import link_problem
from pvequorum.procedures.livestatus import node_status
from pvequorum.procedures.plan import Check, Command, Plan, Step
from pvequorum.procedures.state import ClusterState
from pvequorum.runbooks.executors import Executor, Result, Unreachable

Outcome = Literal["ok", "FAILED", "manual", "refused", "by hand"]


@dataclass
class StepOutcome:
    title: str
    result: Outcome
    log: list[str] = field(default_factory=list)
    commands: list[dict[str, Any]] = field(default_factory=list)
    rollback: str = ""

    @property
    def ok(self) -> bool:
        return self.result in ("ok", "manual")

    def ran(self, result: Result) -> None:
        self.log.append(result.line())
        self.commands.append(
            {
                "host": result.host,
                "command": result.shown,
                "exit": result.returncode,
                "output": result.output,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.title,
            "result": self.result,
            "log": self.log,
            "commands": self.commands,
            "rollback": self.rollback,
        }


def unreachable_steps(plan: Plan, executor: Executor) -> list[str]:
    """`title: host` of every step to apply whose commands or checks run elsewhere."""
    out = []
    for step in plan.steps:
        if step.deferred:
            continue
        for host in sorted(_hosts(step)):
            if not executor.reaches(host):
                out.append(f"{step.title}: on {host}")
    return out


def _hosts(step: Step) -> set[str]:
    hosts = {c.on for c in step.commands if not c.is_manual}
    for check in (step.precheck, step.postcheck):
        if check is not None:
            hosts.add(check.command.on)
    return hosts


def _lines_ok(check: Check, output: str) -> tuple[bool, str]:
    lines = {line.strip() for line in output.splitlines()}
    missing = [want for want in check.must_show if want.strip() not in lines]
    present = [bad for bad in check.must_not_show if bad.strip() in lines]
    if missing:
        return False, f"missing: {missing[0]!r}"
    if present:
        return False, f"must not show: {present[0]!r}"
    if check.links:
        where = f"corosync-cfgtool -s on {check.command.on}"
        problem = link_problem(output, check.links, where)
        if problem is not None:
            return False, problem
    return True, "ok"


def run_check(check: Check, executor: Executor, outcome: StepOutcome, label: str) -> bool:
    detail = ""
    for attempt in range(max(1, check.retries)):
        result = executor.for_host(check.command.on).run(check.command.argv)
        ok, detail = _lines_ok(check, result.output)
        if ok or attempt + 1 >= check.retries:
            outcome.ran(result)
            outcome.log.append(f"{label}: {detail}")
            return ok
        time.sleep(1)
    return False


def _run_command(command: Command, executor: Executor, outcome: StepOutcome) -> bool:
    target = executor.for_host(command.on)
    if command.write_file is not None:
        result = target.write_file(command.write_file, command.content or "")
    else:
        result = target.run(command.argv)
    outcome.ran(result)
    return result.returncode == 0 or command.may_fail


def check_links(step: Step, executor: Executor, outcome: StepOutcome) -> bool:
    """`corosync-cfgtool -s` on the step's node: the nodes said down must be disconnected."""
    host = step.commands[0].on
    result = executor.for_host(host).run(["corosync-cfgtool", "-s"])
    outcome.ran(result)
    if result.returncode != 0:
        outcome.log.append(f"link check: corosync-cfgtool -s failed on {host}")
        return False
    try:
        problem = links_show_down(parse_link_status(result.output, host), step.peers_down)
    except InputError as exc:  # not the 3.1.7 output: fail closed
        problem = str(exc)
    outcome.log.append(f"link check: {problem or 'every node said down is disconnected'}")
    return problem is None


def apply_plan(
    plan: Plan, executor: Executor, manual_by: dict[str, str] | None = None
) -> list[StepOutcome]:
    """Run every non-deferred step in order; stop at the first failure.

    `manual_by` maps a runbook parameter to what it says (`confirmed_down`: which nodes
    and how they were confirmed off); a manual command whose `confirmed_by` parameter is
    not set stops the run: it must be done by hand.
    """
    outcomes: list[StepOutcome] = []
    for step in plan.steps:
        if step.deferred:
            continue
        outcome = _apply_step(step, executor, manual_by or {})
        outcomes.append(outcome)
        if not outcome.ok:
            break
    return outcomes


def _apply_step(step: Step, executor: Executor, manual_by: dict[str, str]) -> StepOutcome:
    manual = [c for c in step.commands if c.is_manual]
    outcome = StepOutcome(step.title, "ok", rollback=step.rollback)
    try:
        if step.precheck is not None and not run_check(
            step.precheck, executor, outcome, "pre-check"
        ):
            outcome.result = "FAILED"
            return outcome
        if step.peers_down and not check_links(step, executor, outcome):
            outcome.result = "FAILED"
            return outcome
        for command in step.commands:
            if command.is_manual:
                how = manual_by.get(command.confirmed_by or "")
                if how is None:
                    outcome.log.append(f"by hand, not done by this run: {command.manual}")
                    outcome.result = "by hand"
                    return outcome
                outcome.log.append(
                    f"manual: confirmed by parameter {command.confirmed_by} ({how}), "
                    f"not checked: {command.manual}"
                )
                continue
            if not _run_command(command, executor, outcome):
                outcome.result = "FAILED"
                return outcome
        if step.postcheck is not None and not run_check(
            step.postcheck, executor, outcome, "post-check"
        ):
            outcome.result = "FAILED"
            return outcome
    except Unreachable as exc:
        outcome.log.append(str(exc))
        outcome.result = "refused"
        return outcome
    if manual and len(manual) == len(step.commands) and step.precheck is None:
        outcome.result = "manual"
    return outcome


def live_state_problem(
    plan: Plan, planned_cluster: Cluster, planned_state: ClusterState, executor: Executor
) -> tuple[str | None, Result]:
    """Re-read `pvecm status` on the plan's node: None when it shows the state the plan was
    made for; else why not (the apply must then stop before its first change)."""
    result = executor.for_host(plan.run_on).run(["pvecm", "status"])
    if result.returncode not in (0, 2):
        return (
            f"`pvecm status` on {plan.run_on} failed (exit {result.returncode}): "
            f"{result.output.strip()}",
            result,
        )
    try:
        live = node_status(result.output, planned_cluster, f"pvecm status on {plan.run_on}")
    except InputError as exc:
        return f"the live status does not fit the config: {exc}", result
    try:
        state = ClusterState.build(
            planned_cluster,
            confirmed_down=planned_state.confirmed_down,
            status=[live],
            local=planned_state.local,
        )
    except InputError as exc:
        return f"the live status changed: {exc}", result
    if state.up != planned_state.up:
        return (
            f"the members changed: planned for {','.join(sorted(planned_state.up))}, now "
            f"{','.join(sorted(state.up))}",
            result,
        )
    live_situation = situation_of(planned_cluster, state)
    planned_situation = situation_of(planned_cluster, planned_state)
    if isinstance(live_situation, Mismatch):
        return live_situation.text, result
    if isinstance(planned_situation, Mismatch) or (
        live_situation.history != planned_situation.history
        or live_situation.lowered_to != planned_situation.lowered_to
    ):
        return (
            f"the situation changed: the plan was made for a state where "
            f"{getattr(planned_situation, 'text', '?')}, the node now shows that "
            f"{live_situation.text}",
            result,
        )
    return None, result
