"""What a runbook's cells call (an edge: IPython display).  One call per section.

`before_parameters` notes the names that exist before the parameters cell, so that `start`
sees exactly what the parameters cell and papermill's injected cell defined, and refuses a
name it does not know.  `start` prepares everything (bad input fails here, before any
change); every section is filled for GO and NO-GO alike, so the record shows what the kit
read; `finish`, the last cell, raises on NO-GO or a stopped apply so that papermill exits
non-zero.  Each section re-publishes the machine-readable record (`RESULT_MIME`), so the
last one in the notebook is the complete record.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pvequorum.errors import InputError
from pvequorum.procedures.render import to_markdown
from pvequorum.reference import linkify
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
from pvequorum.runbooks.params import RunbookParameterError, parameters_of

_BEFORE = "_pvequorum_names_before_parameters"


@dataclass
class Run:
    """One runbook execution: what was decided before any change, and what apply did."""

    prepared: Prepared
    applied: list[dict[str, Any]] = field(default_factory=list)
    final_status: str | None = None
    stopped: str | None = None  # why apply stopped (a failed check, a step by hand)


def before_parameters(namespace: dict[str, Any]) -> None:
    namespace[_BEFORE] = frozenset(namespace) | {_BEFORE}


def _given(name: str, namespace: dict[str, Any]) -> dict[str, Any]:
    """The names the parameters cell and papermill's injected cell defined, with values."""
    before = namespace.get(_BEFORE)
    if before is None:
        raise RunbookParameterError("the runbook's first cell did not run", "notebook")
    known = {p.name for p in parameters_of(name)}
    given = {k: v for k, v in namespace.items() if k not in before}
    return {k: v for k, v in given.items() if k in known or not k.startswith("_")}


def docs_base() -> str | None:
    """The reference pages of this checkout as a file URL (the record is read on this
    machine), or None when the kit runs without its docs folder."""
    docs = Path(__file__).resolve().parents[3] / "docs" / "reference"
    return docs.as_uri() + "/" if docs.is_dir() else None


def _display(markdown: str, run: Run | None = None, *, linked: bool = False) -> None:
    """Show Markdown with its citations as links (unless `linked` already)."""
    from IPython.display import Markdown, display

    display(Markdown(markdown if linked else linkify(markdown, docs_base())))
    if run is not None:
        _publish(run)


def _publish(run: Run) -> None:
    from IPython.display import display

    data = record(run.prepared, run.applied, run.final_status)
    display({RESULT_MIME: data, "text/plain": f"pvequorum result: {data['verdict']}"}, raw=True)


def _cell(text: str) -> str:
    """Text for a Markdown table cell: escaped, one line, no column break."""
    return html.escape(" ".join(text.split())).replace("|", "\\|")


def _block(text: str) -> str:
    """A fenced block that no content can close (longer fence than any run inside)."""
    longest = max((len(r) for r in text.split("\n") if set(r) == {"`"}), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}text\n{text.rstrip()}\n{ticks}"


def collect_status(params: Params) -> str:
    """`pvecm status` through the executor, verbatim; a failure names the command."""
    from pvequorum.runbooks.executors import executor_from

    executor = executor_from(params.executor)
    target = executor.for_host(params.node) if params.node else executor
    result = target.run(["pvecm", "status"])
    if result.returncode not in (0, 2):  # 2: not quorate, still a status (reference 5.2)
        output = " | ".join(line for line in result.output.splitlines() if line.strip())
        raise InputError(
            f"`{result.shown}` on {target.label} failed with exit {result.returncode}: "
            f"{output or '(no output)'}",
            "parameter executor",
        )
    return result.output


def start(name: str, namespace: dict[str, Any]) -> Run:
    """Validate the parameters and build the plan (collecting `pvecm status` live if asked)."""
    params = Params.from_mapping(name, _given(name, namespace))
    live = collect_status(params) if params.status_source == "live" else None
    return Run(prepare(name, params, live))


def purpose(name: str) -> None:
    _display(f"**Purpose.** {RUNBOOKS[name][1]}")


def verdict(run: Run) -> None:
    prepared = run.prepared
    if prepared.go:
        _display(
            f"# Verdict: GO\n\n{html.escape(prepared.plan.summary)}\n\nMode: "
            f"`{prepared.params.mode}`. Confirm token for apply mode: `{prepared.token}`",
            run,
        )
        return
    reasons = "\n".join(f"- {html.escape(r)}" for r in prepared.reasons)
    _display(
        "# Verdict: NO-GO, nothing was changed\n\nWhy:\n\n"
        f"{reasons}\n\nThe sections below show what the kit read and the plan it refused.",
        run,
    )


def inputs(run: Run) -> None:
    from IPython.display import display

    from pvequorum.runbooks.figure import cluster_svg

    prepared = run.prepared
    planned = prepared.planned
    p = prepared.params
    svg = cluster_svg(planned)
    # Inline SVG (as HTML too): sharp, searchable text in the report, no matplotlib import.
    display({"text/html": svg, "image/svg+xml": svg, "text/plain": "cluster drawing"}, raw=True)
    rows = [
        ("config", p.config_path or "(given as text)"),
        (
            "cluster",
            f"{planned.cluster.name}, {len(planned.cluster.nodes)} nodes, "
            f"config_version {planned.cluster.config_version}",
        ),
        (
            "Proxmox VE",
            f"{prepared.plan.pve_version} ({prepared.plan.stack})"
            + ("" if p.pve_version or p.pveversion_path else ", not given: from the evidence"),
        ),
        (
            "status",
            {"live": f"collected live through {p.executor}"}.get(
                p.status_source, p.status_path or ("pasted" if p.status_text else "none given")
            ),
        ),
        ("nodes up", ", ".join(n for n in planned.cluster.names if n in planned.inp.state.up)),
        ("confirmed down", p.confirmed_down or "none"),
        ("how confirmed", p.confirmed_down_by or "not given"),
        ("HA in use", "yes" if p.ha_in_use else "no"),
        ("mode / executor", f"{p.mode} / {p.executor}"),
    ]
    table = "\n".join(f"| {k} | {_cell(v)} |" for k, v in rows)
    status = prepared.status_text or "(no pvecm status given)"
    _display(
        f"| input | as understood |\n|---|---|\n{table}\n\n**pvecm status as given:**\n\n"
        + _block(status)
    )


def prechecks(run: Run) -> None:
    rows = "\n".join(
        f"| {_cell(row.check)} | **{row.result}** | {_cell(row.detail)} |"
        for row in run.prepared.rows
    )
    _display(f"| pre-check | result | values compared |\n|---|---|---|\n{rows}", run)


def plan(run: Run) -> None:
    markdown = to_markdown(run.prepared.plan, references=docs_base())
    # the plan's title one level down: the verdict stays the only top-level heading
    _display("### " + markdown[2:] if markdown.startswith("# ") else markdown, linked=True)


def _manual_by(params: Params) -> dict[str, str]:
    out = {"confirm": f"token {params.confirm}"}
    if params.confirmed_down:
        out["confirmed_down"] = f"{params.confirmed_down}, {params.confirmed_down_by}"
    return out


def apply(run: Run) -> None:
    prepared = run.prepared
    if not prepared.go:
        _display("Not applied: the verdict is NO-GO. Nothing was changed.", run)
        return
    if prepared.params.mode != "apply":
        _display(
            "Plan mode: nothing was changed. To apply, run again with the same inputs and "
            f"`-p mode apply -p confirm {prepared.token}`."
        )
        return
    from pvequorum.runbooks import apply as applying
    from pvequorum.runbooks.executors import executor_from

    executor = executor_from(prepared.params.executor)
    elsewhere = applying.unreachable_steps(prepared.plan, executor)
    if elsewhere:
        run.stopped = (
            f"the {executor.label} executor does not reach every host of this plan; nothing "
            f"was changed. Run these steps there (or with executor ssh:HOST): "
            + "; ".join(elsewhere)
        )
    else:
        problem, result = applying.live_state_problem(
            prepared.plan, prepared.planned.cluster, prepared.planned.inp.state, executor
        )
        if problem is not None:
            again = "" if "plan again" in problem else "; plan again"
            run.stopped = f"nothing was changed: {problem}{again}"
            run.final_status = result.output
        else:
            outcomes = applying.apply_plan(prepared.plan, executor, _manual_by(prepared.params))
            run.applied = [o.to_dict() for o in outcomes]
            bad = next((o for o in outcomes if not o.ok), None)
            if bad is not None:
                run.stopped = f"step {bad.title!r}: {bad.result}; rollback: {bad.rollback}"
            final = executor.for_host(prepared.plan.run_on).run(["pvecm", "status"])
            run.final_status = final.output
    _display(_applied_markdown(run), run)


def _applied_markdown(run: Run) -> str:
    out = []
    if run.stopped:
        out.append(f"**Stopped:** {html.escape(run.stopped)}\n")
    for step in run.applied:
        out.append(f"### {step['result']}: {html.escape(step['step'])}\n")
        out.extend(f"- {html.escape(line)}" for line in step["log"])
        for command in step["commands"]:
            out.append(
                f"\n`[{command['host']}] {command['command']}` exit {command['exit']}:\n\n"
                + _block(command["output"] or "(no output)")
            )
        out.append("")
    if run.final_status is not None:
        out.append("**Final `pvecm status`:**\n\n" + _block(run.final_status))
    return "\n".join(out) or "no steps to apply"


def postchecks(run: Run) -> None:
    prepared = run.prepared
    lines = []
    for step in prepared.plan.steps:
        if step.postcheck is not None and not step.deferred:
            shown = "\n".join(step.postcheck.must_show) or "(exit status only)"
            lines.append(
                f"**{step.title}**: `{' '.join(step.postcheck.command.argv)}` on "
                f"{step.postcheck.command.on} must show:\n\n{_block(shown)}"
            )
    _display("\n\n".join(lines) or "No post-checks for this plan.", run)


def rollback(run: Run) -> None:
    prepared = run.prepared
    lines = [f"- **{s.title}**: {s.rollback}" for s in prepared.plan.steps if s.rollback]
    _display("\n".join(lines) or "Nothing to roll back: this plan changes nothing.")


class RunbookStopped(RunbookNoGo):
    """Apply stopped before its end (a failed check, a step for another host or by hand)."""


def finish(run: Run) -> None:
    """The last cell: papermill must exit non-zero on NO-GO and on a stopped apply."""
    if not run.prepared.go:
        raise RunbookNoGo(no_go_message(run.prepared))
    if run.stopped:
        raise RunbookStopped(f"STOPPED: {run.stopped}")
    _display(f"**Done.** Verdict {run.prepared.verdict}, mode {run.prepared.params.mode}.")
