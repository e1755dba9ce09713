"""Every teaching notebook in JupyterLab, in Debian's Chromium: Run All, then no cell shows an
error and every figure is an image (issue 13: figures showed only as `<Figure size ...>`)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from browser_support import chromium, require_browser, run_all_cells, screenshot, serve, watch
from paths import PROJECT

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TIMEOUT_MS = 120_000
NOTEBOOKS = sorted(p.name for p in PROJECT.glob("notebooks/[0-9][0-9]-*.ipynb"))


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, object]]:
    require_browser()
    tmp = tmp_path_factory.mktemp("lab")
    # Render every cell, also those outside the viewport (JupyterLab 4 windows them away).
    settings = tmp / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    # never write the executed notebooks back into the project (they are committed empty)
    docmanager = tmp / "settings" / "@jupyterlab" / "docmanager-extension"
    docmanager.mkdir(parents=True)
    (docmanager / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": False}))
    import os

    os.environ["JUPYTERLAB_SETTINGS_DIR"] = str(tmp / "settings")
    try:
        with serve("lab", tmp) as server, chromium(tmp) as browser:
            yield server, browser
    finally:
        os.environ.pop("JUPYTERLAB_SETTINGS_DIR", None)


def _figure_calls(name: str) -> int:
    source = (PROJECT / "notebooks" / "source" / name.replace(".ipynb", ".py")).read_text()
    return source.count("_figure(")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_clean_with_every_figure_drawn(lab: tuple[object, object], name: str) -> None:
    server, browser = lab
    mtime = (PROJECT / "notebooks" / name).stat().st_mtime
    page = browser.new_page()  # type: ignore[attr-defined]
    watched = watch(page)
    try:
        # a workspace of its own: no tabs of the notebooks before it, no kernel dialogs
        workspace = name.split("-")[0]
        url = server.page_url(f"lab/workspaces/nb{workspace}/tree/notebooks/{name}")  # type: ignore[attr-defined]
        page.goto(url + "&reset")
        page.wait_for_selector(".jp-Notebook", timeout=TIMEOUT_MS)
        idle = ".jp-Notebook-ExecutionIndicator[data-status='idle']"
        page.wait_for_selector(idle, timeout=TIMEOUT_MS)
        done = (
            "() => { const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];"
            " return p.length > 0 && p.every(x => /\\[\\d+\\]/.test(x.textContent)); }"
        )
        run_all_cells(page, TIMEOUT_MS)
        page.wait_for_function(done, timeout=TIMEOUT_MS)
        page.wait_for_selector(idle, timeout=TIMEOUT_MS)
        outputs = page.locator(".jp-OutputArea-output")
        texts = [outputs.nth(i).text_content() or "" for i in range(outputs.count())]
        assert not [t for t in texts if "Traceback" in t or "Error" in t.split("\n")[0]], name
        assert not [t for t in texts if "<Figure size" in t], name
        images = page.locator(".jp-OutputArea-output img, .jp-OutputArea-output svg").count()
        assert images >= _figure_calls(name), (name, images)
        assert not watched.problems(), watched.problems()
    finally:
        screenshot(page, f"notebook-{name.removesuffix('.ipynb')}")
        page.close()
    committed = PROJECT / "notebooks" / name
    assert committed.stat().st_mtime == mtime, "JupyterLab wrote the notebook back"
