"""Citations render as links: to the section's page in docs/reference and to the upstream
document of its area, in plans, runbook reports, notebooks and the dashboard's plan."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlparse

from paths import PROJECT

from pvequorum import outage
from pvequorum.examples import example_path
from pvequorum.procedures.render import to_markdown
from pvequorum.procedures.request import PlanRequest, make_plan
from pvequorum.reference import UPSTREAM, linkify

LINK = re.compile(r"\[(?P<id>\d+(?:\.\d+)?)\]\((?P<target>[^)]+)\)")


def _anchors(page: Path) -> set[str]:
    return set(re.findall(r'<a id="([^"]+)"></a>', page.read_text()))


def _assert_links_resolve(markdown: str, base: Path) -> int:
    count = 0
    for match in LINK.finditer(markdown):
        path, _, anchor = match.group("target").partition("#")
        page = (base / path).resolve() if "://" not in path else Path(unquote(urlparse(path).path))
        assert page.is_file(), match.group(0)
        assert anchor == f"ref-{match.group('id')}" and anchor in _anchors(page), match.group(0)
        count += 1
    return count


def _plan():
    return make_plan(
        PlanRequest(
            "restore-quorum",
            example_path("two-node-corosync.conf").read_text(),
            "c",
            statuses=(("s", example_path("two-node-one-down.pvecm-status.txt").read_text()),),
            confirmed_down=("pve2",),
        )
    ).plan


def test_plan_markdown_links_every_citation() -> None:
    markdown = to_markdown(_plan())
    outside_code = re.sub(r"```.*?```|`[^`\n]*`", "", markdown, flags=re.DOTALL)
    assert not re.search(r"reference \d", outside_code), "an unlinked citation"
    assert _assert_links_resolve(markdown, PROJECT) >= 5
    assert UPSTREAM["2"] in markdown  # the upstream document of the expected-votes area


def test_linkify_leaves_code_alone_and_is_idempotent() -> None:
    text = "see (reference 1.13) and `pvecm expected 1 (reference 2.2)`"
    once = linkify(text, "docs/reference/")
    assert "`pvecm expected 1 (reference 2.2)`" in once and "[1.13](" in once
    assert linkify(once, "docs/reference/") == once


def test_notebooks_link_their_citations() -> None:
    import nbformat

    total = 0
    for path in sorted(PROJECT.glob("notebooks/*.ipynb")) + sorted(PROJECT.glob("labs/*/*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                total += _assert_links_resolve(cell.source, path.parent)
    assert total >= 20


def test_dashboard_plan_links_upstream_documents() -> None:
    from pvequorum.scenario import Step

    state = outage.replay(outage.PRESETS["two-node"].cluster, [Step("crash", ("pve2",))])
    snap = outage.snapshot(state)
    markdown = outage.situation_markdown(snap)
    assert "https://" in markdown and "](docs/reference" not in markdown


def test_runbook_report_links_to_the_reference(tmp_path: Path) -> None:
    from pvequorum.runbooks.runner import execute, write_html

    params = {
        "config_path": str(example_path("two-node-corosync.conf")),
        "status_path": str(example_path("two-node-one-down.pvecm-status.txt")),
    }
    out = tmp_path / "r.ipynb"
    execute("restore-quorum", params, out)
    html = write_html(out, tmp_path / "r.html").read_text()
    hrefs = re.findall(r'href="(file://[^"]+#ref-[\d.]+)"', html)
    assert hrefs and all(Path(unquote(urlparse(h).path)).is_file() for h in hrefs)
