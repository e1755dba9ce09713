"""Runbooks: papermill notebooks in `notebooks/runbooks/` backed by this package.

`core` is pure (parameters, plan, verdict, record); `notebook` is what the cells call;
`executors` and `apply` run commands; `runner` executes a runbook with papermill and writes
the HTML report.
"""

from pvequorum.runbooks.core import RESULT_MIME, RUNBOOKS, RunbookNoGo
from pvequorum.runbooks.params import RunbookParameterError

__all__ = ["RESULT_MIME", "RUNBOOKS", "RunbookNoGo", "RunbookParameterError"]
