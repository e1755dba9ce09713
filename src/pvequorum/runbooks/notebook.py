"""What a runbook cell calls (an edge: IPython display).  One call per section.

`start` prepares everything (bad parameters fail here, before any change); `verdict` shows
GO or NO-GO first and stops a NO-GO run with `RunbookNoGo`, so papermill exits non-zero and
the executed notebook shows why at the top.  Each section re-publishes the machine-readable
record (`RESULT_MIME`), so the last one in the notebook is the complete record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pvequorum.runbooks.core import (
    RESULT_MIME,
    RUNBOOKS,
    Params,
    Prepared,
    RunbookNoGo,
    no_go_message,
    prepare,
    record,
)


@dataclass
class Run:
    """One runbook execution: what was decided before any change, and what apply did."""

    prepared: Prepared
    applied: list[dict[str, Any]] = field(default_factory=list)


def _display(markdown: str, run: Run | None = None) -> None:
    from IPython.display import Markdown, display

    display(Markdown(markdown))
    if run is not None:
        _publish(run)


def _publish(run: Run) -> None:
    from IPython.display import display

    data = record(run.prepared, run.applied)
    display({RESULT_MIME: data, "text/plain": f"pvequorum result: {data['verdict']}"}, raw=True)


def start(name: str, parameters: dict[str, Any]) -> Run:
    """Validate the parameters and build the plan (collecting `pvecm status` live if asked)."""
    params = Params.from_mapping(parameters)
    live = None
    if params.status_source == "live":
        from pvequorum.runbooks.executors import executor_from

        live = executor_from(params.executor).run(["pvecm", "status"]).output
    return Run(prepare(name, params, live))


def purpose(name: str) -> None:
    _display(f"**Purpose.** {RUNBOOKS[name][1]}")


def verdict(run: Run) -> None:
    prepared = run.prepared
    if prepared.go:
        _display(
            f"## Verdict: GO\n\nMode: `{prepared.params.mode}`. Confirm token for apply mode: "
            f"`{prepared.token}`.",
            run,
        )
        return
    reasons = "\n".join(f"- {r}" for r in prepared.reasons)
    _display(f"## Verdict: NO-GO\n\n{reasons}", run)
    raise RunbookNoGo(no_go_message(prepared))


def inputs(run: Run) -> None:
    prepared = run.prepared
    from pvequorum.procedures.simulate import running
    from pvequorum.viz import cluster_figure

    sim = running(prepared.cluster, prepared.up)
    figure = cluster_figure(
        {n.name: n.effective_votes for n in prepared.cluster.nodes},
        sim.partitions(),
        sim.views(),
        title=f"cluster {prepared.cluster.name} as the runbook understood it",
    )
    import io

    from IPython.display import Image, display

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    display(Image(buffer.getvalue()))
    status = prepared.status_text or "(no pvecm status given)"
    _display(f"**pvecm status as given:**\n\n```\n{status}\n```")


def prechecks(run: Run) -> None:
    prepared = run.prepared
    rows = "\n".join(f"| {c} | {'ok' if ok else 'FAILED'} | {d} |" for c, ok, d in prepared.checks)
    _display(f"| pre-check | result | detail |\n|---|---|---|\n{rows}", run)


def plan(run: Run) -> None:
    prepared = run.prepared
    from pvequorum.procedures.render import to_markdown

    _display(to_markdown(prepared.plan))


def apply(run: Run) -> None:
    prepared = run.prepared
    if prepared.params.mode != "apply":
        _display(
            "Plan mode: nothing was changed. To apply, run again with "
            f'`mode = "apply"` and `confirm = "{prepared.token}"`.'
        )
        return
    from pvequorum.runbooks.apply import apply_plan
    from pvequorum.runbooks.executors import executor_from

    outcomes = apply_plan(prepared.plan, executor_from(prepared.params.executor))
    run.applied = [o.to_dict() for o in outcomes]
    lines = []
    for o in outcomes:
        lines.append(f"### {'ok' if o.ok else 'FAILED'}: {o.title}\n")
        lines += [f"    {entry}" for entry in o.log]
    _display("\n".join(lines) or "no steps to apply", run)
    failed = [o for o in outcomes if not o.ok]
    if failed:
        raise RuntimeError(f"step failed: {failed[0].title}; rollback: {failed[0].rollback}")


def postchecks(run: Run) -> None:
    prepared = run.prepared
    lines = []
    for step in prepared.plan.steps:
        if step.postcheck is not None and not step.deferred:
            shown = "\n".join(step.postcheck.must_show) or "(exit status only)"
            lines.append(
                f"**{step.title}**: `{' '.join(step.postcheck.command.argv)}` on "
                f"{step.postcheck.command.on} must show:\n\n```\n{shown}\n```"
            )
    _display("\n\n".join(lines) or "No post-checks for this plan.", run)


def rollback(run: Run) -> None:
    prepared = run.prepared
    lines = [f"- **{s.title}**: {s.rollback}" for s in prepared.plan.steps if s.rollback]
    _display("\n".join(lines) or "Nothing to roll back: this plan changes nothing.")
