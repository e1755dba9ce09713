"""Every figure in the teaching notebooks and the lab solutions is drawn as an image, in a
plain headless kernel (as nbconvert, papermill and nbval run them), never shown as the text
`<Figure size 900x520 with 1 Axes>` (issue 13)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from paths import PROJECT

NOTEBOOKS = sorted(PROJECT.glob("notebooks/[0-9][0-9]-*.ipynb")) + sorted(
    PROJECT.glob("labs/*/solution.ipynb")
)
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_figure_is_an_image(path: Path) -> None:
    from nbclient import NotebookClient

    nb = nbformat.read(str(path), as_version=4)
    NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    text_only = [
        output["data"]["text/plain"]
        for cell in nb.cells
        for output in cell.get("outputs", [])
        if "data" in output
        and "Figure size" in output["data"].get("text/plain", "")
        and not any(k.startswith("image/") for k in output["data"])
    ]
    assert not text_only, text_only
