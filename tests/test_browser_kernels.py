"""Issue 13 point 6: the dashboard's kernels are bounded, in a real Chromium.

Each page of the dashboard gets a kernel (~108 MB); every reload used to leave one behind.
The server is started as `pvequorum dashboard` starts it (`voila_argv`, with the options the
CLI exposes), the page is loaded and closed ten times, and the server's REST API
(`/api/kernels`, with the token) says what is left: a closed page's kernel is shut down at
once (Voilà's unload beacon), a vanished page's is culled, an open page keeps its own
however idle, and no more than `--max-kernels` run.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    Server,
    Watched,
    chromium,
    kernels,
    page_kernel_id,
    require_browser,
    serve,
    watch,
)

from pvequorum.cli.dashboard import MIN_CULL_IDLE_TIMEOUT, cull_interval

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT_MS = 90_000  # a cold CI machine starts kernels slowly
CYCLES = 10
BEACON_WAIT = 15.0  # s: a closed page's shutdown request is asynchronous (sendBeacon)


@pytest.fixture(autouse=True)
def _browser_prerequisites() -> None:
    require_browser()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    with chromium(tmp_path) as context:
        yield context


def _open(browser: object, server: Server, watched: list[Watched]) -> Any:
    """A new page on the dashboard, once the app has rendered (its widgets are live, so its
    kernel is connected)."""
    page = browser.new_page()  # type: ignore[attr-defined]
    watched.append(watch(page))
    page.goto(server.page_url())
    page.wait_for_selector(".pvq-next", timeout=TIMEOUT_MS)
    return page


def _wait_kernels(
    server: Server, done: Callable[[list[dict[str, Any]]], bool], timeout: float
) -> list[dict[str, Any]]:
    """The server's kernels once `done` holds of them, or after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    found = kernels(server)
    while not done(found) and time.monotonic() < deadline:
        time.sleep(0.5)
        found = kernels(server)
    return found


def _assert_clean(watched: list[Watched]) -> None:
    """No console error or uncaught exception on any page (with the failed requests to tell
    why, if there are; alone they are no error: DevTools reports a reloading page's unload
    beacon as aborted although it is delivered, as the server's log shows)."""
    errors = [e for w in watched for e in w.errors]
    assert not errors, "\n".join(errors + [r for w in watched for r in w.failed_requests])


def test_closed_pages_shut_their_kernels_down(tmp_path: Path, browser: object) -> None:
    """As a user closes the tab: the page's unload shuts its kernel down, not the culler."""
    watched: list[Watched] = []
    with serve("voila", tmp_path) as server:  # the CLI's defaults
        ids = []
        for _ in range(CYCLES):
            page = _open(browser, server, watched)
            ids.append(page_kernel_id(page))
            assert len(kernels(server)) <= 2  # this page's, and the last one's going
            page.close(run_before_unload=True)
        remaining = _wait_kernels(server, lambda found: not found, BEACON_WAIT)
        log = server.log.read_text()
    assert len(set(ids)) == CYCLES  # a kernel per page
    assert len(remaining) <= 1, remaining
    assert "Culling 'idle' kernel" not in log and "_xsrf" not in log, log[-3000:]
    assert all(f"Kernel shutdown: {kernel_id}" in log for kernel_id in ids)
    _assert_clean(watched)


def test_vanished_pages_are_culled_and_an_open_page_keeps_its_kernel(
    tmp_path: Path, browser: object
) -> None:
    """As a tab crashes (no unload): its kernel is culled, the shortest timeout the CLI takes;
    a page left open, idle longer than that, keeps its kernel and still works.  The cap is
    raised out of the way: here the culler alone must do it."""
    timeout = MIN_CULL_IDLE_TIMEOUT
    watched: list[Watched] = []
    options = {"cull_idle_timeout": timeout, "max_kernels": CYCLES + 1}
    with serve("voila", tmp_path, **options) as server:
        kept = _open(browser, server, watched)
        kept_id = page_kernel_id(kept)
        for _ in range(CYCLES):
            _open(browser, server, watched).close(run_before_unload=False)
        # the last vanished page is culled `timeout` after its last activity, at a tick
        bound = timeout + 2 * cull_interval(timeout) + 5
        remaining = _wait_kernels(server, lambda found: len(found) <= 1, bound)
        assert [k["id"] for k in remaining] == [kept_id], remaining
        log = server.log.read_text()
        # each shut down by the culler: without an unload nothing else does
        assert log.count("Culling 'idle' kernel") == log.count("Kernel shutdown:") == CYCLES
        kept.locator(".pvq-mode button[data-value='Sandbox']").click()
        kept.locator(".pvq-crash-pve2").click()
        kept.wait_for_function(
            "() => document.querySelector('.pvq-summary').textContent"
            ".includes('pve1: NOT quorate')",
            timeout=TIMEOUT_MS,
        )
    _assert_clean(watched)


def test_at_the_cap_a_gone_page_makes_room_else_a_page_is_refused(
    tmp_path: Path, browser: object
) -> None:
    """`--max-kernels`: a page beyond it is refused while every kernel has its page; a page
    gone without a word (not culled yet) makes room."""
    watched: list[Watched] = []
    with serve("voila", tmp_path, max_kernels=2) as server:
        first = _open(browser, server, watched)
        second = _open(browser, server, watched)
        first_id, second_id = page_kernel_id(first), page_kernel_id(second)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(server.page_url(), timeout=60)
        assert refused.value.code == 503
        assert "open in 2 pages, its most at once: close one" in refused.value.read().decode()
        with pytest.raises(urllib.error.HTTPError) as start:  # the list is read-only
            urllib.request.urlopen(
                urllib.request.Request(server.page_url("api/kernels"), data=b"{}"), timeout=10
            )
        assert start.value.code == 405
        assert {k["id"] for k in kernels(server)} == {first_id, second_id}
        second.close(run_before_unload=False)  # gone without a word: not culled yet
        gone = _wait_kernels(
            server,
            lambda found: any(k["id"] == second_id and not k["connections"] for k in found),
            BEACON_WAIT,
        )
        assert {k["id"] for k in gone} == {first_id, second_id}
        third = _open(browser, server, watched)
        assert {k["id"] for k in kernels(server)} == {first_id, page_kernel_id(third)}
        third.reload()  # at the cap: the old page's goodbye makes room for the new one
        third.wait_for_selector(".pvq-next", timeout=TIMEOUT_MS)
        assert {k["id"] for k in kernels(server)} == {first_id, page_kernel_id(third)}
    _assert_clean(watched)
