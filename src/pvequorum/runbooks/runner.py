"""Execute a runbook with papermill and write the HTML report (an edge).

The executed notebook is the record; `read_result` extracts the machine-readable verdict,
plan and checks from it (the last `RESULT_MIME` output).  The HTML report hides the code
and starts with the verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from pvequorum.errors import InputError
from pvequorum.runbooks.core import RESULT_MIME, RUNBOOKS

RUNBOOK_DIR = Path(__file__).resolve().parents[3] / "notebooks" / "runbooks"


def runbook_path(name: str) -> Path:
    if name not in RUNBOOKS:
        raise InputError(f"unknown runbook {name!r}; runbooks: {', '.join(RUNBOOKS)}")
    path = RUNBOOK_DIR / f"{name}.ipynb"
    if not path.exists():
        raise InputError(f"runbook notebook missing: {path} (run from a project checkout)")
    return path


@dataclass(frozen=True)
class RunOutcome:
    executed: Path
    result: dict[str, Any] | None
    error: str | None


def read_result(executed: str | Path) -> dict[str, Any] | None:
    """The last machine-readable record in an executed runbook, or None."""
    nb = nbformat.read(str(executed), as_version=4)
    found = None
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if RESULT_MIME in data:
                found = data[RESULT_MIME]
    return found


def _error_of(executed: Path) -> str | None:
    nb = nbformat.read(str(executed), as_version=4)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return f"{output.get('ename')}: {output.get('evalue')}"
    return None


def execute(name: str, parameters: dict[str, Any], output: str | Path) -> RunOutcome:
    """Run the runbook under papermill; a NO-GO or a failure is returned, not raised."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    output = Path(output)
    try:
        papermill.execute_notebook(
            str(runbook_path(name)),
            str(output),
            parameters=parameters,
            progress_bar=False,
            log_output=False,
            cwd=str(Path.cwd()),
        )
        error = None
    except PapermillExecutionError as exc:
        error = f"{exc.ename}: {exc.evalue}"
    if error is None and output.exists():
        error = _error_of(output)
    return RunOutcome(output, read_result(output) if output.exists() else None, error)


def write_html(executed: str | Path, report: str | Path) -> Path:
    """HTML report with the code hidden; the verdict section is the first thing shown."""
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(executed), as_version=4)
    nb.cells = [
        c
        for c in nb.cells
        if "parameters" not in c.get("metadata", {}).get("tags", [])
        and "injected-parameters" not in c.get("metadata", {}).get("tags", [])
    ]
    exporter = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    body, _ = exporter.from_notebook_node(nb)
    report = Path(report)
    report.write_text(body, encoding="utf-8")
    return report
