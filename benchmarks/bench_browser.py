"""How fast the dashboard shows a click, in Debian's Chromium (issue 13).

    .venv/bin/python benchmarks/bench_browser.py

Starts the Voilà dashboard as `pvequorum dashboard` does, switches to the sandbox and crashes
and restarts pve2 over and over.  Each time it measures, in the page, the time from the
click to the animation frame that shows the change's first frame on the stage (a new
scene): the round trip to the kernel, the Python handler, the widget messages and the
drawing.  Target: median <= 200 ms.  Skips (exit 0) without Chromium.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import chromium, have_chromium, serve  # noqa: E402
from test_browser_dashboard import _click_and_time  # noqa: E402

RUNS = 21
TARGET_MS = 200


def main() -> None:
    if not have_chromium():
        print("skipped: no Chromium (apt-get install chromium)")
        return
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve("voila", Path(tmp)) as server,
        chromium(Path(tmp)) as context,
    ):
        page = context.new_page()  # type: ignore[attr-defined]
        page.set_viewport_size({"width": 1920, "height": 1080})
        page.goto(server.page_url())
        page.wait_for_selector(".pvq-stage[data-scene]", timeout=90_000)
        page.locator(".pvq-mode button[data-value='Sandbox']").click()
        page.wait_for_selector(".pvq-crash-pve2", timeout=90_000)
        times = []
        for i in range(RUNS + 1):
            button = ".pvq-start-pve2" if i % 2 else ".pvq-crash-pve2"
            page.wait_for_selector(f"{button}:not([disabled])", timeout=90_000)
            ms = _click_and_time(page, button)
            if i:  # the first click warms the kernel's imports up
                times.append(ms)
    median = statistics.median(times)
    verdict = "ok" if median <= TARGET_MS else f"MISSED (>{TARGET_MS} ms)"
    what = "click to the change on the stage (Voilà + Chromium)"
    print(f"{what:<58} {median:9.2f} ms  {verdict}")
    print(f"  min {min(times):.1f} ms, max {max(times):.1f} ms over {len(times)} clicks")


if __name__ == "__main__":
    main()
