"""Apply mode (an edge): run a plan's steps through an executor, checking after each one.

Per step: the pre-check must hold, the commands must succeed (unless marked `may_fail`), and
the post-check must show its lines.  The first failure stops the run and returns the
rollback of that step; nothing after it runs.  Manual steps (a GUI button, confirming a
node is powered off) are not executed: the runbook's parameters stand for them, and they
are listed in the record.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from pvequorum.procedures.plan import Check, Command, Plan, Step
from pvequorum.runbooks.executors import Executor


@dataclass
class StepOutcome:
    title: str
    ok: bool
    log: list[str] = field(default_factory=list)
    rollback: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.title, "ok": self.ok, "log": self.log, "rollback": self.rollback}


def _lines_ok(check: Check, output: str) -> tuple[bool, str]:
    lines = {line.strip() for line in output.splitlines()}
    missing = [want for want in check.must_show if want.strip() not in lines]
    present = [bad for bad in check.must_not_show if bad.strip() in lines]
    if missing:
        return False, f"missing: {missing[0]!r}"
    if present:
        return False, f"must not show: {present[0]!r}"
    return True, "ok"


def run_check(check: Check, executor: Executor) -> tuple[bool, str]:
    detail = ""
    for attempt in range(max(1, check.retries)):
        result = executor.for_host(check.command.on).run(check.command.argv)
        ok, detail = _lines_ok(check, result.output)
        if ok:
            return True, detail
        if attempt + 1 < check.retries:
            time.sleep(1)
    return False, detail


def _run_command(command: Command, executor: Executor) -> tuple[bool, str]:
    if command.is_manual:
        return True, f"manual (stands for the runbook's parameters): {command.manual}"
    target = executor.for_host(command.on)
    if command.write_file is not None:
        result = target.write_file(command.write_file, command.content or "")
    else:
        result = target.run(command.argv)
    shown = " ".join(command.argv) if command.argv else f"write {command.write_file}"
    ok = result.returncode == 0 or command.may_fail
    return ok, f"[{target.label}] $ {shown} -> exit {result.returncode}"


def apply_plan(plan: Plan, executor: Executor) -> list[StepOutcome]:
    """Run every non-deferred step in order; stop at the first failure."""
    outcomes: list[StepOutcome] = []
    for step in plan.steps:
        if step.deferred:
            continue
        outcome = _apply_step(step, executor)
        outcomes.append(outcome)
        if not outcome.ok:
            break
    return outcomes


def _apply_step(step: Step, executor: Executor) -> StepOutcome:
    outcome = StepOutcome(step.title, True, rollback=step.rollback)
    if step.precheck is not None:
        ok, detail = run_check(step.precheck, executor)
        outcome.log.append(f"pre-check: {detail}")
        if not ok:
            outcome.ok = False
            return outcome
    for command in step.commands:
        ok, line = _run_command(command, executor)
        outcome.log.append(line)
        if not ok:
            outcome.ok = False
            return outcome
    if step.postcheck is not None:
        ok, detail = run_check(step.postcheck, executor)
        outcome.log.append(f"post-check: {detail}")
        outcome.ok = ok
    return outcome
