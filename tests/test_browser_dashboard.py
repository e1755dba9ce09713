"""The dashboard on a projector, and the stage in motion, in Debian's Chromium (issue 13).

Layout: at 1920x1080, 1280x720 and 1024x768, each at browser zoom 100 % and 150 %
(a zoomed page is a smaller CSS viewport at a higher device pixel ratio), every story step
shows the drawing, the narration and the Next button inside the viewport without
scrolling, and the narration is the largest running text.

Motion: a click shows its first frame within a measured time (written to
`artifacts/stage-timing.json`; the target is checked in `benchmarks/bench_browser.py`, not
here), the timeline plays to its end, and the end is the simulator's state.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from browser_support import ARTIFACTS, Watched, chromium, require_browser, screenshot, serve, watch

from pvequorum import motion, outage
from pvequorum.scenario import Step
from pvequorum.story import STORY

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TIMEOUT_MS = 90_000
SIZES = [(1920, 1080), (1280, 720), (1024, 768)]
ZOOMS = [1.0, 1.5]

# The boxes that must be on screen, and the running texts the narration must outsize.
MUST_SEE = (".pvq-stage-svg", ".pvq-story-title", ".pvq-story", ".pvq-next")
RUNNING_TEXT = (
    ".pvq-stage-text",
    ".pvq-stage-caption",
    ".pvq-summary .widget-html-content",
    ".pvq-messages .widget-html-content",
    ".jp-RenderedMarkdown p",
)
LAYOUT = """(selectors) => {
  window.scrollTo(0, 0);
  const boxes = {};
  for (const s of selectors.see) {
    const r = document.querySelector(s).getBoundingClientRect();
    boxes[s] = [r.left, r.top, r.right, r.bottom];
  }
  const size = (s) => parseFloat(getComputedStyle(s).fontSize);
  const fonts = {};
  for (const s of selectors.text) {
    const found = [...document.querySelectorAll(s)].filter((e) => e.textContent.trim());
    if (found.length) fonts[s] = Math.max(...found.map(size));
  }
  const story = document.querySelector('.pvq-story .widget-html-content p') ||
    document.querySelector('.pvq-story .widget-html-content');
  return {boxes, fonts, story: size(story), width: innerWidth, height: innerHeight,
          scrolled: document.scrollingElement.scrollTop};
}"""


@pytest.fixture(autouse=True)
def _browser_prerequisites() -> None:
    require_browser()


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, object]]:
    tmp = tmp_path_factory.mktemp("dashboard")
    with serve("voila", tmp) as server, chromium(tmp) as context:
        yield server, context


def _open(dashboard: tuple[object, object], width: int, height: int, zoom: float) -> object:
    server, context = dashboard
    page = context.new_page()  # type: ignore[attr-defined]
    css_w, css_h = round(width / zoom), round(height / zoom)
    page.set_viewport_size({"width": css_w, "height": css_h})
    cdp = context.new_cdp_session(page)  # type: ignore[attr-defined]
    cdp.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": css_w, "height": css_h, "deviceScaleFactor": zoom, "mobile": False},
    )
    page.goto(server.page_url())  # type: ignore[attr-defined]
    page.wait_for_selector(".pvq-stage[data-scene]", timeout=TIMEOUT_MS)
    return page


def _assert_clean(watched: Watched) -> None:
    problems = watched.problems()
    assert not problems, "\n".join(problems)


def _wait_step(page: object, index: int) -> None:
    page.wait_for_function(  # type: ignore[attr-defined]
        "text => document.querySelector('.pvq-story-position').textContent === text",
        arg=f"step {index + 1} of {len(STORY)}",
        timeout=TIMEOUT_MS,
    )


@pytest.mark.parametrize("zoom", ZOOMS, ids=lambda z: f"zoom{round(z * 100)}")
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_story_step_fits_the_projector(
    dashboard: tuple[object, object], size: tuple[int, int], zoom: float
) -> None:
    width, height = size
    page = _open(dashboard, width, height, zoom)
    watched = watch(page)
    name = f"dashboard-{width}x{height}-zoom{round(zoom * 100)}"
    try:
        for index in range(len(STORY)):
            if index:
                page.locator(".pvq-next").click()  # type: ignore[attr-defined]
            _wait_step(page, index)
            got = page.evaluate(LAYOUT, {"see": MUST_SEE, "text": RUNNING_TEXT})  # type: ignore[attr-defined]
            assert got["scrolled"] == 0
            for selector, (left, top, right, bottom) in got["boxes"].items():
                inside = left >= 0 and top >= 0 and right <= got["width"] + 0.5
                inside = inside and bottom <= got["height"] + 0.5
                assert inside, (
                    name,
                    index,
                    selector,
                    got["boxes"][selector],
                    got["width"],
                    got["height"],
                )
            others = max(got["fonts"].values())
            assert got["story"] > others, (name, index, got["story"], got["fonts"])
            if index == 1:
                screenshot(page, name)
        _assert_clean(watched)
    finally:
        page.close()  # type: ignore[attr-defined]


def _click_and_time(page: object, selector: str) -> float:
    """ms from a click to the stage showing the new change's first frame (a new scene)."""
    return float(
        page.evaluate(  # type: ignore[attr-defined]
            """(selector) => new Promise((resolve) => {
                const stage = document.querySelector('.pvq-stage');
                const before = stage.dataset.scene;
                const start = performance.now();
                const seen = new MutationObserver(() => {
                    if (stage.dataset.scene !== before) {
                        seen.disconnect();
                        requestAnimationFrame(() => resolve(performance.now() - start));
                    }
                });
                seen.observe(stage, {attributes: true});
                document.querySelector(selector).click();
            })""",
            selector,
        )
    )


def _shown_states(page: object) -> dict[str, str]:
    return dict(
        page.evaluate(  # type: ignore[attr-defined]
            "() => [...document.querySelectorAll('.pvq-stage .pvq-node')]"
            ".map(g => [g.dataset.name, g.dataset.state])"
        )
    )


def _wait_end(page: object) -> None:
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => { const s = document.querySelector('.pvq-stage');"
        " return s.dataset.frame === String(Number(s.dataset.frames) - 1); }",
        timeout=TIMEOUT_MS,
    )


def _expected_states(steps: list[Step]) -> dict[str, str]:
    state = outage.new_outage(outage.PRESETS["four-node-qdevice"].cluster)
    for step in steps:
        state = outage.act(state, step)
    return {n.name: n.state for n in motion.node_frames(outage.snapshot(state))}


def test_the_stage_plays_each_change_to_the_simulators_state(
    dashboard: tuple[object, object],
) -> None:
    page = _open(dashboard, 1920, 1080, 1.0)
    watched = watch(page)
    timings = []
    try:
        page.locator(".pvq-mode button[data-value='Sandbox']").click()  # type: ignore[attr-defined]
        preset = outage.PRESETS["four-node-qdevice"].label
        page.locator(".pvq-preset select").select_option(label=preset)  # type: ignore[attr-defined]
        page.wait_for_selector(".pvq-crash-pve4", timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
        # the buttons can arrive before the stage's scene of the preset: wait for that scene
        # too, or the first scene change seen after the click would be the preset's
        page.wait_for_function(  # type: ignore[attr-defined]
            "() => document.querySelectorAll('.pvq-stage .pvq-node').length === 4"
            " && document.querySelector('.pvq-stage .pvq-qbox') !== null",
            timeout=TIMEOUT_MS,
        )
        _wait_end(page)
        page.locator(".pvq-partition-groups input").fill("pve1, pve2 | pve3, pve4")  # type: ignore[attr-defined]
        timings.append(_click_and_time(page, ".pvq-partition"))
        assert page.locator(".pvq-stage .pvq-cut").count() == 1  # type: ignore[attr-defined]
        _wait_end(page)
        partition = Step("partition", groups=(("pve1", "pve2"), ("pve3", "pve4")))
        assert _shown_states(page) == _expected_states([partition])
        links = page.evaluate(  # type: ignore[attr-defined]
            "() => [...document.querySelectorAll('.pvq-qlink')].map(l => l.dataset.link).sort()"
        )
        assert links == ["no vote", "no vote", "vote", "vote"]  # ffsplit: one side's vote
        screenshot(page, "stage-partition-with-qdevice")

        timings.append(_click_and_time(page, ".pvq-heal"))
        assert page.locator(".pvq-stage .pvq-cut").count() == 0  # type: ignore[attr-defined]
        _wait_end(page)
        timings.append(_click_and_time(page, ".pvq-crash-pve4"))
        titles = page.locator(".pvq-stage-title")  # type: ignore[attr-defined]
        assert titles.text_content() == "pve4 crashes"
        assert _shown_states(page)["pve4"] == "down"  # its peers do not know yet
        _wait_end(page)
        steps = [partition, Step("heal"), Step("crash", ("pve4",))]
        assert _shown_states(page) == _expected_states(steps)
        assert "t = " in page.locator(".pvq-stage-when").text_content()  # type: ignore[attr-defined]

        # step back through the time axis, jump to an event, replay to the end
        frames = int(page.locator(".pvq-stage").get_attribute("data-frames"))  # type: ignore[attr-defined]
        page.locator(".pvq-stage-back").click()  # type: ignore[attr-defined]
        page.wait_for_selector(f".pvq-stage[data-frame='{frames - 2}']", timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
        page.locator(".pvq-event[data-index='1']").click()  # type: ignore[attr-defined]
        page.wait_for_selector(".pvq-stage[data-frame='1']", timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
        assert page.locator(".pvq-stage-title").text_content() == "token lost"  # type: ignore[attr-defined]
        page.locator(".pvq-stage-replay").click()  # type: ignore[attr-defined]
        _wait_end(page)
        assert _shown_states(page) == _expected_states(steps)
        screenshot(page, "stage-after-crash")
        _assert_clean(watched)
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "stage-timing.json").write_text(json.dumps({"click_to_frame_ms": timings}))
        page.close()  # type: ignore[attr-defined]
    assert len(timings) == 3 and all(t > 0 for t in timings), timings


def _links_down(page: object) -> list[tuple[str, str, str]]:
    return sorted(
        tuple(x)
        for x in page.evaluate(  # type: ignore[attr-defined]
            "() => [...document.querySelectorAll('.pvq-stage .pvq-link[data-state=\"down\"]')]"
            ".map(g => [g.dataset.a, g.dataset.b, g.dataset.link])"
        )
    )


def test_the_links_preset_draws_each_link_and_a_cut_one(dashboard: tuple[object, object]) -> None:
    page = _open(dashboard, 1920, 1080, 1.0)
    watched = watch(page)
    try:
        page.locator(".pvq-mode button[data-value='Sandbox']").click()  # type: ignore[attr-defined]
        preset = outage.PRESETS["three-node-two-links"].label
        page.locator(".pvq-preset select").select_option(label=preset)  # type: ignore[attr-defined]
        # one curve per pair of nodes and per link: 3 pairs x 2 links
        page.wait_for_function(  # type: ignore[attr-defined]
            "() => document.querySelectorAll('.pvq-stage .pvq-link').length === 6",
            timeout=TIMEOUT_MS,
        )
        _wait_end(page)
        assert _links_down(page) == []
        carrying = page.locator(".pvq-stage .pvq-link[data-carries='true']")  # type: ignore[attr-defined]
        assert carrying.count() == 3  # link 0 for every pair, the lowest number wins
        _click_and_time(page, ".pvq-link-down")  # pve1, link 0: waits for the new scene
        _wait_end(page)
        assert _links_down(page) == [("pve1", "pve2", "0"), ("pve1", "pve3", "0")]
        assert set(_shown_states(page).values()) == {"quorate"}
        assert "disconnected" in page.locator(".pvq-links-lines").text_content()  # type: ignore[attr-defined]
        screenshot(page, "stage-links-one-down")
        page.locator(".pvq-link-number select").select_option(label="1")  # type: ignore[attr-defined]
        _click_and_time(page, ".pvq-link-down")
        _wait_end(page)
        assert len(_links_down(page)) == 4
        assert _shown_states(page) == {"pve1": "blocked", "pve2": "quorate", "pve3": "quorate"}
        screenshot(page, "stage-links-both-down")
        _assert_clean(watched)
    finally:
        page.close()  # type: ignore[attr-defined]
