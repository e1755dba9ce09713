"""Execute a runbook with papermill and write the HTML report (an edge).

The executed notebook is the record; `read_result` extracts the machine-readable verdict,
plan and checks from it (the last `RESULT_MIME` output).  The HTML report hides the code
and starts with the verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from pvequorum.errors import InputError
from pvequorum.runbooks.core import RESULT_MIME, runbook_name

RUNBOOK_DIR = Path(__file__).resolve().parents[3] / "notebooks" / "runbooks"


def runbook_path(name: str) -> Path:
    name = name if name == "diagnose" else runbook_name(name)
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


def _ipc_kernel_manager() -> type:
    """A kernel manager on IPC sockets: the kernel's traffic never leaves this machine's
    file system, and ipykernel does not warn about unencrypted TCP on every run."""
    from jupyter_client.manager import AsyncKernelManager

    class IpcKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(transport="ipc", **kwargs)

    return IpcKernelManager


def execute(name: str, parameters: dict[str, Any], output: str | Path) -> RunOutcome:
    """Run the runbook under papermill; a NO-GO or a failure is returned, not raised.

    Papermill marks a notebook that raised with a red banner; on a NO-GO or a stopped apply
    that banner and the one-line error are removed, since the verdict at the top says it.
    """
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
            kernel_manager_class=_ipc_kernel_manager(),
        )
        error = None
    except PapermillExecutionError as exc:
        error = f"{exc.ename}: {exc.evalue}"
    if error is None and output.exists():
        error = _error_of(output)
    if output.exists():
        clean_verdict_errors(output)
    return RunOutcome(output, read_result(output) if output.exists() else None, error)


VERDICT_ERRORS = ("RunbookNoGo", "RunbookStopped")


def clean_verdict_errors(executed: str | Path) -> None:
    """Drop papermill's error banner and turn a verdict's error output into plain text.

    Only for our verdict exceptions: any other error (a crash) stays exactly as it is.
    """
    from papermill.execute import ERROR_MARKER_TAG

    nb = nbformat.read(str(executed), as_version=4)
    verdict_error = False
    for cell in nb.cells:
        outputs = cell.get("outputs", [])
        for i, out in enumerate(outputs):
            if out.get("output_type") == "error" and out.get("ename") in VERDICT_ERRORS:
                verdict_error = True
                outputs[i] = nbformat.v4.new_output(
                    "stream", name="stdout", text=f"{out.get('evalue')}\n"
                )
            elif out.get("output_type") == "error":
                return
    if verdict_error:
        nb.cells = [c for c in nb.cells if ERROR_MARKER_TAG not in c.metadata.get("tags", [])]
        nbformat.write(nb, str(executed))


# The verdict is the most visible element; commands and outputs are monospace and copyable.
REPORT_CSS = """
.jp-RenderedMarkdown h1 { font-size: 2.6em; padding: 0.3em 0.5em; color: #fff;
  background: #D55E00; border-radius: 6px; }
.jp-RenderedMarkdown h1[id^="Verdict:-GO"] { background: #009E73; }
.jp-RenderedMarkdown h1[id^="Verdict:-HEALTHY"] { background: #009E73; }
.jp-RenderedMarkdown h1[id^="Gesamtbefund:-HEALTHY"] { background: #009E73; }
.jp-RenderedMarkdown h1[id^="Gesamtbefund:-DEGRADED"] { background: #E69F00; color: #000; }
.jp-RenderedMarkdown h1[id^="Verdict:-DEGRADED"] { background: #E69F00; color: #000; }
.jp-RenderedMarkdown code, .jp-RenderedMarkdown pre { font-family: 'DejaVu Sans Mono',
  monospace; font-size: 0.95em; }
.jp-RenderedMarkdown pre { background: #f4f4f4; padding: 0.6em; border-left: 4px solid #0072B2;
  overflow-x: auto; }
.jp-RenderedMarkdown pre code { background: none; }
"""


def write_html(executed: str | Path, report: str | Path) -> Path:
    """HTML report with the code hidden; the verdict section is the first thing shown."""
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(executed), as_version=4)
    from papermill.execute import ERROR_MARKER_TAG

    hidden = {"parameters", "injected-parameters", ERROR_MARKER_TAG}
    nb.cells = [c for c in nb.cells if not hidden & set(c.get("metadata", {}).get("tags", []))]
    for cell in nb.cells:  # the machine-readable record stays in the notebook, not the page
        if "outputs" in cell:
            cell.outputs = [o for o in cell.outputs if RESULT_MIME not in o.get("data", {})]
    exporter = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    body, _ = exporter.from_notebook_node(nb)
    # A record needs no script: none is kept (no CDN loads offline, nothing to execute).
    body = re.sub(r"<script\b.*?</script>", "", body, flags=re.DOTALL | re.IGNORECASE)
    body = body.replace("</head>", f"<style>{REPORT_CSS}</style></head>", 1)
    report = Path(report)
    report.write_text(body, encoding="utf-8")
    return report
