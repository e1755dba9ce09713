"""A plan-mode runbook end to end vs papermill on a one-cell notebook drawing one figure.

Both measured in the same run (medians of several runs); target ratio <= 1.25.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import nbformat
import papermill

from pvequorum.examples import example_path
from pvequorum.runbooks.runner import runbook_path

RUNS = 5
BASELINE = """\
from matplotlib.figure import Figure
fig = Figure(figsize=(6, 3))
fig.add_subplot().plot([0, 1, 2], [2, 1, 2])
fig
"""


def _time(path: Path, parameters: dict, out: Path) -> float:
    start = time.monotonic()
    papermill.execute_notebook(str(path), str(out), parameters=parameters, progress_bar=False)
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
        }
        base, runbook = [], []
        for _ in range(RUNS):
            base.append(_time(baseline, {}, tmpdir / "b.out.ipynb"))
            runbook.append(_time(runbook_path("restore-quorum"), params, tmpdir / "r.out.ipynb"))
    b, r = statistics.median(base), statistics.median(runbook)
    ratio = r / b
    print(f"papermill, one-cell matplotlib notebook   {b:6.2f} s")
    print(f"papermill, restore-quorum runbook (plan)  {r:6.2f} s")
    verdict = "ok" if ratio <= 1.25 else "MISSED"
    print(f"ratio                                     {ratio:6.2f}  {verdict} (target <= 1.25)")


if __name__ == "__main__":
    main()
