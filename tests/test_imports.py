"""The pure core stays light: importing it pulls in none of the heavy edge libraries."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("matplotlib", "ipywidgets", "anywidget", "lxml", "papermill")
CORE = (
    "pvequorum",
    "pvequorum.simulator",
    "pvequorum.analysis",
    "pvequorum.timing",
    "pvequorum.motion",
    "pvequorum.linkview",
)


def test_core_imports_no_heavy_library() -> None:
    code = (
        "import importlib, sys\n"
        f"for m in {CORE!r}: importlib.import_module(m)\n"
        f"print(' '.join(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""
