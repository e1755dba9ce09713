"""A plan-mode runbook end to end vs papermill on a one-cell notebook drawing one figure.

Both measured in the same run, interleaved (medians of several runs); target ratio <= 1.10.
The runbook draws its cluster as plain SVG, so it imports no matplotlib at all.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import nbformat
import papermill

from pvequorum.examples import example_path
from pvequorum.runbooks.runner import _ipc_kernel_manager, execute, runbook_path

RUNS = 7
TARGET = 1.10
BASELINE = """\
from matplotlib.figure import Figure
fig = Figure(figsize=(6, 3))
fig.add_subplot().plot([0, 1, 2], [2, 1, 2])
fig
"""


def _time(path: Path, parameters: dict, out: Path) -> float:
    start = time.monotonic()
    papermill.execute_notebook(
        str(path),
        str(out),
        parameters=parameters,
        progress_bar=False,
        kernel_manager_class=_ipc_kernel_manager(),  # as the kit runs it; no TCP warning
    )
    return time.monotonic() - start


def _time_kit(parameters: dict, out: Path) -> float:
    """The runbook exactly as `pvequorum runbook` runs it (papermill plus the clean-up)."""
    start = time.monotonic()
    execute("restore-quorum", parameters, out)
    return time.monotonic() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        baseline = tmpdir / "baseline.ipynb"
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(BASELINE)]
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nbformat.write(nb, str(baseline))
        params = {
            "config_path": str(example_path("two-node-corosync.conf")),
            "status_path": str(example_path("two-node-one-down.pvecm-status.txt")),
            "confirmed_down": "pve2",
            "confirmed_down_by": "benchmark",
        }
        base, runbook, kit = [], [], []
        for _ in range(RUNS):
            base.append(_time(baseline, {}, tmpdir / "b.out.ipynb"))
            runbook.append(_time(runbook_path("restore-quorum"), params, tmpdir / "r.out.ipynb"))
            kit.append(_time_kit(params, tmpdir / "k.out.ipynb"))
    b, r, k = statistics.median(base), statistics.median(runbook), statistics.median(kit)
    ratio = max(r, k) / b
    print(f"papermill, one-cell matplotlib notebook   {b:6.2f} s")
    print(f"papermill, restore-quorum runbook (plan)  {r:6.2f} s")
    print(f"the kit's execute (papermill + clean-up)  {k:6.2f} s")
    verdict = "ok" if ratio <= TARGET else "MISSED"
    print(f"ratio                                     {ratio:6.2f}  {verdict} (target <= {TARGET})")


if __name__ == "__main__":
    main()
