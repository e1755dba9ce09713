"""The kit in a real browser: JupyterLab and the Voilà dashboard, driven in Debian's Chromium.

Each test starts its own server on a free localhost port with a token, saves a screenshot of
its final state (also on failure) to `artifacts/`, and fails on any browser console error or
any widget that did not render.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from browser_support import (
    WIDGET_FAILURES,
    Watched,
    chromium,
    require_browser,
    run_all_cells,
    screenshot,
    serve,
    watch,
)

from pvequorum.story import STORY, story_snapshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT_MS = 90_000  # a cold CI machine starts kernels slowly


@pytest.fixture(autouse=True)
def _browser_prerequisites() -> None:
    require_browser()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    with chromium(tmp_path) as context:
        yield context


def _summary(app: object) -> str:
    return app.locator(".pvq-summary").text_content()  # type: ignore[attr-defined]


def _wait_summary(page: object, app_selector: str, text: str) -> None:
    """Wait until the app's summary contains `text` (widgets update asynchronously).

    textContent, not innerText: JupyterLab 4 skips rendering cells outside the viewport
    (content-visibility), and innerText of those is empty.
    """
    page.wait_for_function(  # type: ignore[attr-defined]
        """([app, text]) => {
            const el = document.querySelector(app + ' .pvq-summary');
            return el !== null && el.textContent.includes(text);
        }""",
        arg=[app_selector, text],
        timeout=TIMEOUT_MS,
    )


def _two_node_outage(page: object, app: str) -> None:
    """Crash pve2, check pve1 is blocked; `pvecm expected 1`, quorate; undo, blocked again."""
    page.locator(f"{app} .pvq-crash-pve2").click()  # type: ignore[attr-defined]
    _wait_summary(page, app, "pve1: NOT quorate")
    summary = page.locator(f"{app} .pvq-summary").text_content()  # type: ignore[attr-defined]
    assert "pve1: NOT quorate, 1 of 2 expected votes, quorum 2; /etc/pve read-only" in summary
    assert "pve2: stopped" in summary
    page.locator(f"{app} .pvq-expected").click()  # type: ignore[attr-defined]
    _wait_summary(page, app, "pve1: quorate, 1 of 1 expected votes, quorum 1; /etc/pve writable")
    messages = page.locator(f"{app} .pvq-messages").text_content()  # type: ignore[attr-defined]
    assert "pvecm expected 1 on pve1: accepted, quorum 1" in messages
    page.locator(f"{app} .pvq-undo").click()  # type: ignore[attr-defined]
    _wait_summary(page, app, "pve1: NOT quorate, 1 of 2 expected votes, quorum 2")
    assert "(undone)" in page.locator(f"{app} .pvq-history").text_content()  # type: ignore[attr-defined]


def _assert_clean(watched: Watched) -> None:
    problems = watched.problems()
    assert not problems, "\n".join(problems)


def _finish(page: object, name: str) -> None:
    path = screenshot(page, name)
    assert path.stat().st_size > 10_000  # a real picture, not an empty page


def test_jupyterlab_outage_simulator_notebook(tmp_path: Path, browser: object) -> None:
    with serve("lab", tmp_path) as server:
        page = browser.new_page()  # type: ignore[attr-defined]
        watched = watch(page)
        try:
            page.goto(server.page_url("lab/tree/notebooks/02-outage-simulator.ipynb"))
            page.wait_for_selector(".jp-Notebook", timeout=TIMEOUT_MS)
            page.wait_for_selector(
                ".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=TIMEOUT_MS
            )
            run_all_cells(page, TIMEOUT_MS)
            sandbox = ".pvq-app:has(.pvq-crash-pve2)"
            page.wait_for_selector(f"{sandbox} .pvq-summary", timeout=TIMEOUT_MS)
            _wait_summary(page, sandbox, "pve1: quorate, 2 of 2 expected votes")
            _two_node_outage(page, sandbox)
            _assert_clean(watched)
        finally:
            _finish(page, "jupyterlab-outage-simulator")


def test_voila_dashboard_story_and_sandbox(tmp_path: Path, browser: object) -> None:
    with serve("voila", tmp_path) as server:
        page = browser.new_page()  # type: ignore[attr-defined]
        watched = watch(page)
        try:
            page.goto(server.page_url())
            page.wait_for_selector(".pvq-next", timeout=TIMEOUT_MS)
            assert "OutageApp" not in page.content()  # code hidden
            position = page.locator(".pvq-story-position")
            assert position.text_content() == f"step 1 of {len(STORY)}"
            for index in range(len(STORY)):
                if index:
                    page.locator(".pvq-next").click()
                page.wait_for_function(
                    "text => document.querySelector('.pvq-story-position').textContent === text",
                    arg=f"step {index + 1} of {len(STORY)}",
                    timeout=TIMEOUT_MS,
                )
                # every number on screen is the simulator's
                shown = page.locator(".pvq-summary").text_content()
                for line in story_snapshot(index).summary_lines():
                    assert line in shown, (index, line, shown)
            assert page.locator(".pvq-next").is_disabled()
            assert "quorum 2" in page.locator(".pvq-story").inner_text()
            _finish(page, "voila-guided-end")
            page.locator(".pvq-mode button[data-value='Sandbox']").click()
            _wait_summary(page, ".pvq-app", "pve1: quorate, 2 of 2 expected votes")
            _two_node_outage(page, ".pvq-app")
            _assert_clean(watched)
        finally:
            _finish(page, "voila-dashboard")


BROKEN_WIDGET = '''\
import ipywidgets
from traitlets import Unicode


class Broken(ipywidgets.DOMWidget):
    """A widget whose JavaScript side does not exist: the browser cannot render it."""

    _model_name = Unicode("BrokenModel").tag(sync=True)
    _model_module = Unicode("pvequorum-no-such-module").tag(sync=True)
    _model_module_version = Unicode("0.0.1").tag(sync=True)
    _view_name = Unicode("BrokenView").tag(sync=True)
    _view_module = Unicode("pvequorum-no-such-module").tag(sync=True)
    _view_module_version = Unicode("0.0.1").tag(sync=True)


Broken()
'''


def test_a_widget_that_does_not_render_is_detected(tmp_path: Path, browser: object) -> None:
    """The checks above would catch a widget failing in the browser: prove it."""
    notebook = tmp_path / "broken.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(BROKEN_WIDGET)]
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    nbformat.write(nb, notebook)
    with serve("voila", tmp_path, notebook=notebook) as server:
        page = browser.new_page()  # type: ignore[attr-defined]
        watched = watch(page)
        try:
            page.goto(server.page_url())
            page.wait_for_function(
                "texts => texts.some(t => document.body.textContent.includes(t))",
                arg=list(WIDGET_FAILURES),
                timeout=TIMEOUT_MS,
            )
            assert watched.widget_failures()
            assert any("pvequorum-no-such-module" in e for e in watched.errors), watched.errors
        finally:
            _finish(page, "broken-widget-detected")


def test_no_go_report_shows_the_verdict_without_scrolling(tmp_path: Path, browser: object) -> None:
    """Issue 12: a correct NO-GO is a verdict, not a crash, and it is the first thing seen."""
    from pvequorum.examples import example_path
    from pvequorum.runbooks.runner import execute, write_html

    out = tmp_path / "nogo.ipynb"
    params = {
        "config_path": str(example_path("two-node-corosync.conf")),
        "status_path": str(example_path("two-node-one-down.pvecm-status.txt")),
    }
    assert execute("restore-quorum", params, out).result["verdict"] == "NO-GO"
    report = write_html(out, tmp_path / "nogo.html")
    page = browser.new_page()  # type: ignore[attr-defined]
    page.set_viewport_size({"width": 1280, "height": 720})
    watched = watch(page)
    page.goto(report.as_uri())
    verdict = page.locator("h1", has_text="Verdict: NO-GO")
    box = verdict.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 720, box
    # the most visible element: larger type than any other heading on the page
    sizes = page.evaluate(
        "() => [...document.querySelectorAll('h1,h2,h3')].map(h => "
        "[h.textContent, parseFloat(getComputedStyle(h).fontSize)])"
    )
    verdict_size = next(size for text, size in sizes if "Verdict: NO-GO" in text)
    assert all(size < verdict_size for text, size in sizes if "Verdict: NO-GO" not in text)
    text = page.locator("body").inner_text()
    for absent in ("An Exception was encountered", "Traceback", "RunbookNoGo"):
        assert absent not in text
    for section in ("Inputs as understood", "Pre-checks", "The plan", "BLOCKING"):
        assert section in text
    assert page.locator("svg text", has_text="NOT quorate").count() == 1
    # commands are monospace
    family = page.evaluate(
        "() => getComputedStyle(document.querySelector('.jp-RenderedMarkdown pre')).fontFamily"
    )
    assert "mono" in family.lower()
    screenshot(page, "runbook-no-go-report")
    _assert_clean(watched)


def test_diagnosis_report_shows_the_verdict_the_cluster_and_the_handover(
    tmp_path: Path, browser: object
) -> None:
    """Issue 18: the diagnose runbook's report on a bundle from the real lab (pve2 of two
    crashed): the verdict first, the reconstructed cluster drawn, the evidence, and the
    restore-quorum runbook to run next with its parameters."""
    from paths import PROJECT

    from pvequorum.runbooks.runner import execute, write_html

    bundle = PROJECT / "tests" / "data" / "bundles" / "lab" / "blocked"
    out = tmp_path / "diagnose.ipynb"
    outcome = execute("diagnose", {"bundle_path": str(bundle)}, out)
    assert outcome.error is None and outcome.result is not None
    assert outcome.result["verdict"] == "BROKEN"
    report = write_html(out, tmp_path / "diagnose.html")
    page = browser.new_page()  # type: ignore[attr-defined]
    page.set_viewport_size({"width": 1280, "height": 720})
    watched = watch(page)
    page.goto(report.as_uri())
    verdict = page.locator("h1", has_text="Verdict: BROKEN")
    box = verdict.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 720, box
    texts = page.evaluate(
        "() => [...document.querySelectorAll('svg text')].map(t => t.textContent)"
    )
    assert texts.count("NOT quorate") == 1 and texts.count("corosync down") == 1, texts
    assert "partition 1: not quorate" in texts and "not in any membership" in texts
    text = page.locator("body").inner_text()
    assert "pvequorum runbook restore-quorum" in text and "-p confirmed_down pve2" in text
    assert "pve1/pvecm-status.txt:15" in text and "Timeline" in text
    for absent in ("&#x27;", "&amp;", "Traceback", "None"):
        assert absent not in text
    screenshot(page, "diagnosis-report")
    _assert_clean(watched)
