"""The `diagnose` runbook's cells (an edge: IPython display), and its parameters.

Parameters: `bundle_path` (a bundle directory or a pvereport text) or `executor` (with
`nodes`, `since` and `out_dir`) to collect a new bundle first, never both.  The report
shows the verdict (HEALTHY, DEGRADED or BROKEN), the reconstructed cluster, the findings
with their evidence, the runbook to run next with its parameters, and the timeline.
Unknown parameter names are refused, as in every runbook.
"""

from __future__ import annotations

import html
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pvequorum.cvalues import one_line
from pvequorum.diagnosis.model import Diagnosis
from pvequorum.errors import InputError
from pvequorum.i18n import _
from pvequorum.reference import linkify
from pvequorum.runbooks.core import RESULT_MIME

NAME = "diagnose"
PURPOSE = (
    "Read a cluster's evidence (a bundle from `pvequorum collect`, or collect one now), "
    "name what is wrong and hand over the runbook to run next."
)
PARAMETERS: tuple[tuple[str, str, str], ...] = (
    ("bundle_path", "", "bundle directory or pvereport text to diagnose"),
    ("executor", "", "collect first through ssh:HOST or lab:NODE (instead of bundle_path)"),
    ("nodes", "", "nodes to collect from, comma separated (default: the nodelist)"),
    ("since", "-1d", "journal window of the collection"),
    ("out_dir", "", "new directory for the collected bundle"),
    ("lang", "", "en or de (default: PVEQUORUM_LANG, then the locale)"),
)


@dataclass(frozen=True)
class DiagnoseRun:
    bundle: str
    diagnosis: Diagnosis


def _given(namespace: dict[str, Any]) -> dict[str, str]:
    from pvequorum.runbooks.notebook import _BEFORE  # set by rb.before_parameters

    before = namespace.get(_BEFORE, frozenset())
    known = {name for name, _, _ in PARAMETERS}
    given = {k: v for k, v in namespace.items() if k not in before and not k.startswith("_")}
    unknown = sorted(set(given) - known)
    if unknown:
        raise InputError(f"unknown parameter {unknown[0]!r}; known: {', '.join(sorted(known))}")
    for key, value in given.items():
        if not isinstance(value, str):
            raise InputError("must be text", f"parameter {key}")
    return {name: str(given.get(name, default)) for name, default, _ in PARAMETERS}


def validate(params: dict[str, str]) -> None:
    """Every parameter checked before anything is read or run (fail closed)."""
    from pvequorum.bundle import check_since
    from pvequorum.i18n import check_language
    from pvequorum.model import is_hostname

    if bool(params["bundle_path"]) == bool(params["executor"]):
        raise InputError("give exactly one of bundle_path and executor", "parameter bundle_path")
    if params["lang"]:
        check_language(params["lang"])
    if not params["executor"]:
        return
    check_since(params["since"])
    kind = params["executor"].partition(":")[0]
    if kind not in ("ssh", "lab"):
        raise InputError("executor must be ssh:HOST or lab:[LAB:]NODE", "parameter executor")
    for node in (n.strip() for n in params["nodes"].split(",") if n.strip()):
        if not is_hostname(node):
            raise InputError(f"{node!r} is not a node name", "parameter nodes")
    out = Path(params["out_dir"]) if params["out_dir"] else None
    if out is None or (out.exists() and (not out.is_dir() or any(out.iterdir()))):
        raise InputError("collecting needs out_dir, a new or empty directory", "parameter out_dir")


def prepare(params: dict[str, str]) -> DiagnoseRun:
    """Collect if asked, then read and diagnose; bad input fails here."""
    from pvequorum.bundleio import read_bundle
    from pvequorum.diagnosis import diagnose

    validate(params)
    path = params["bundle_path"]
    if params["executor"]:
        from pvequorum import collect
        from pvequorum.runbooks.executors import executor_from

        executor = executor_from(params["executor"])
        nodes = [n.strip() for n in params["nodes"].split(",") if n.strip()] or list(
            collect.nodes_of(executor)
        )
        collect.collect(executor, nodes, params["since"], Path(params["out_dir"]))
        path = params["out_dir"]
    return DiagnoseRun(path, diagnose(read_bundle(path)))


def start(namespace: dict[str, Any]) -> DiagnoseRun:
    """Validate, choose the language for this kernel, collect if asked, diagnose."""
    from pvequorum.i18n import activate

    params = _given(namespace)
    validate(params)
    activate(params["lang"] or None)
    return prepare(params)


def _purpose() -> str:
    return _(
        "This runbook only reads: it diagnoses a bundle from `pvequorum collect` "
        "(`-p bundle_path DIR`), or collects one first with read-only commands "
        "(`-p executor ssh:HOST -p out_dir DIR`), and names the runbook to run next."
    )


def _display(markdown: str) -> None:
    from IPython.display import Markdown, display

    from pvequorum.runbooks.notebook import docs_base

    display(Markdown(linkify(markdown, docs_base())))


def _publish(run: DiagnoseRun) -> None:
    from IPython.display import display

    data = {"runbook": NAME, "verdict": run.diagnosis.verdict, "diagnosis": run.diagnosis.to_dict()}
    display({RESULT_MIME: data, "text/plain": f"pvequorum result: {data['verdict']}"}, raw=True)


def _cell(text: str) -> str:
    """Text for Markdown: escaped, one line, control characters shown, no column break."""
    return html.escape(" ".join(one_line(text).split())).replace("|", "\\|").replace("`", "'")


def _code(text: str) -> str:
    """Text for a Markdown code span: the renderer escapes HTML there, so only one line,
    no backquote (it would end the span) and no column break."""
    return " ".join(one_line(text).split()).replace("`", "'").replace("|", "\\|")


def verdict(run: DiagnoseRun) -> None:
    diagnosis = run.diagnosis
    top = diagnosis.findings[0] if diagnosis.findings else None
    text = "# " + _("Verdict: {verdict}").format(verdict=diagnosis.verdict) + "\n\n"
    text += _("Bundle {bundle}, cluster {cluster}.").format(
        bundle=f"`{_code(run.bundle)}`", cluster=f"`{_code(diagnosis.cluster_name or '?')}`"
    )
    if top:
        text += "\n\n" + _("Most important: {kind}: {summary}").format(
            kind=f"**{top.kind}**", summary=_cell(top.summary)
        )
    text += "\n\n" + _purpose()
    _display(text)
    _publish(run)


def picture(run: DiagnoseRun) -> None:
    from IPython.display import display

    from pvequorum.runbooks.diagnose_figure import diagnosis_svg

    _display("## " + _("The cluster as its nodes saw it"))
    svg = diagnosis_svg(run.diagnosis)
    # Inline SVG (as HTML too), as the plan runbooks draw: sharp, searchable text.
    display({"text/html": svg, "image/svg+xml": svg, "text/plain": "cluster drawing"}, raw=True)
    head = (
        _("node"),
        "corosync",
        _("config {where}").format(where="/etc/corosync"),
        _("config {where}").format(where="/etc/pve"),
        _("expected"),
        _("links not connected"),
    )
    rows = ["| " + " | ".join(head) + " |", "|---|---|---|---|---|---|"]
    for node in run.diagnosis.nodes:
        running = {True: _("running"), False: _("not running"), None: _("no evidence")}[
            node.running
        ]
        down = (
            ", ".join(
                _("{peer} link {link}").format(peer=p, link=k)
                for p, k, s in node.links
                if s != "connected"
            )
            or "-"
        )
        rows.append(
            f"| {_cell(node.name)} | {running} | {_dash(node.local_version)} "
            f"| {_dash(node.cluster_version)} | {_dash(node.expected_runtime)} | {_cell(down)} |"
        )
    _display("\n".join(rows))


def _dash(value: int | None) -> str:
    return "-" if value is None else str(value)


def _next(step: Any, bundle: str) -> str:
    if step is None:
        return ""
    if step.plan is None:
        return _cell(step.text())
    command = shlex.join(step.command(bundle))
    return _("run the {plan} runbook: {command}").format(
        plan=f"**{step.plan}**", command=f"`{_code(command)}`"
    )


def findings(run: DiagnoseRun) -> None:
    parts = ["## " + _("Findings, evidence and next steps")]
    for number, finding in enumerate(run.diagnosis.findings, 1):
        lines = [
            f"### {number}. {finding.kind} ({finding.severity}): {', '.join(finding.nodes)}",
            "",
            f"{_cell(finding.summary)} "
            + _("(reference {section})").format(section=finding.reference),
            "",
        ]
        for item in finding.evidence:
            where = f"{item.file}:{item.line}" if item.line else item.file
            lines.append(f"- `{_code(where)}`: `{_code(item.text)}`")
        if finding.next_step is not None:
            label = _("Next:")
            lines += ["", f"**{label}** {_next(finding.next_step, run.bundle)}"]
        parts.append("\n".join(lines))
    if run.diagnosis.problems:
        parts.append(
            "### "
            + _("Files not used")
            + "\n\n"
            + "\n".join(f"- `{_code(w)}`: {_cell(p)}" for w, p in run.diagnosis.problems)
        )
    _display("\n\n".join(parts))


def timeline(run: DiagnoseRun) -> None:
    from pvequorum.diagnosis.text import when_utc

    _display("## " + _("Timeline"))
    events = run.diagnosis.timeline[-60:]
    if not events:
        _display(_("The bundle holds no journal events."))
        return
    head = (_("time (UTC)"), _("node"), _("event"), _("what it logged"), _("line"))
    rows = ["| " + " | ".join(head) + " |", "|---|---|---|---|---|"]
    rows += [
        f"| {when_utc(e.time)} | {_cell(e.node)} | {e.kind} | {_cell(_message(e.text))} "
        f"| `{_code(e.file)}:{e.line}` |"
        for e in events
    ]
    _display("\n".join(rows))


def _message(line: str) -> str:
    """A journal line without its stamp and ident: what the daemon said."""
    _, sep, rest = line.partition("]: ")
    return rest.strip() if sep else line


def finish(run: DiagnoseRun) -> None:
    _publish(run)
