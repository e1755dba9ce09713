"""The kit's own quorum reference (`docs/reference/`): anchors, section table, citations, links.

Every "(reference 1.13, 4.4)" in the code, the labs and the notebooks must name a section
that the pages document, and `pvequorum.reference.SECTIONS` must list exactly the anchors the
pages carry.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from itertools import product
from pathlib import Path

import pytest
from paths import PROJECT

from pvequorum import reference
from pvequorum.reference import SECTIONS, UPSTREAM, citation_ids, citation_spans, link, resolve

DOCS = PROJECT / "docs" / "reference"
PAGES = sorted(DOCS.glob("*.md"))
ANCHOR = re.compile(r'^<a id="(?P<id>[^"]+)"></a>$')
HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.+?)\s*$")
ID = re.compile(r"\d+(?:\.\d+)?")
URL = re.compile(r"https?://[^\s)>\]`\"']+")


def _lines_outside_fences(text: str) -> Iterator[tuple[int, str]]:
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            yield number, line


def _anchors(page: Path) -> list[str]:
    return [
        m.group("id")
        for _n, line in _lines_outside_fences(page.read_text())
        if (m := ANCHOR.match(line))
    ]


def _section_anchors() -> dict[str, list[str]]:
    """section id -> the pages whose `ref-<id>` anchor it is."""
    found: dict[str, list[str]] = {}
    for page in PAGES:
        for anchor in _anchors(page):
            if anchor.startswith("ref-"):
                found.setdefault(anchor.removeprefix("ref-"), []).append(page.name)
    return found


# --- the pages and SECTIONS -------------------------------------------------------------


def test_pages_exist() -> None:
    names = {p.name for p in PAGES}
    assert {page for page, _title in SECTIONS.values()} <= names
    assert "index.md" in names


def test_every_anchor_is_a_section_and_every_section_has_its_anchor() -> None:
    found = _section_anchors()
    assert sorted(set(found) - set(SECTIONS), key=_key) == [], "anchors missing in SECTIONS"
    assert sorted(set(SECTIONS) - set(found), key=_key) == [], "sections without an anchor"
    for section_id, (page, _title) in SECTIONS.items():
        assert found[section_id] == [page], f"ref-{section_id}: {found[section_id]}, not {page}"


def test_anchor_ids_are_unique_across_pages() -> None:
    all_ids = [(page.name, anchor) for page in PAGES for anchor in _anchors(page)]
    seen: dict[str, str] = {}
    for page, anchor in all_ids:
        assert anchor not in seen, f"{anchor} on {seen[anchor]} and {page}"
        seen[anchor] = page


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_heading_has_an_anchor(page: Path) -> None:
    """One `#` title per page; every deeper heading sits right under its own anchor, and a
    section heading reads "<id> <title>" exactly as in SECTIONS."""
    lines = list(_lines_outside_fences(page.read_text()))
    titles = [line for _n, line in lines if line.startswith("# ")]
    assert len(titles) == 1, f"{page.name}: one page title, found {titles}"
    assert lines[0][1].startswith("# "), f"{page.name} must start with its title"
    problems = []
    for i, (number, line) in enumerate(lines):
        m = HEADING.match(line)
        if not m or len(m.group("hashes")) == 1:
            continue
        above = ANCHOR.match(lines[i - 1][1]) if i else None
        if above is None:
            problems.append(f"{page.name}:{number}: no anchor above {line!r}")
            continue
        anchor = above.group("id")
        if anchor.startswith("ref-"):
            section_id = anchor.removeprefix("ref-")
            want = f"{section_id} {SECTIONS[section_id][1]}" if section_id in SECTIONS else None
            if m.group("text") != want:
                problems.append(f"{page.name}:{number}: {m.group('text')!r} != {want!r}")
        elif page.name != "index.md":
            problems.append(f"{page.name}:{number}: section pages use ref- anchors: {anchor}")
    assert problems == []


def test_subsections_follow_their_area_in_order() -> None:
    for page in PAGES:
        ids = [a.removeprefix("ref-") for a in _anchors(page) if a.startswith("ref-")]
        assert ids == sorted(ids, key=_key), f"{page.name}: sections out of order: {ids}"
        for section_id in ids:
            area = section_id.partition(".")[0]
            assert area in ids, f"{page.name}: {section_id} without its area {area}"


def test_index_lists_every_section() -> None:
    index = (DOCS / "index.md").read_text()
    row = re.compile(r"^\| \[([\d.]+)\]\(([^)]+)\) \| \[([^]]+)\]\(([^)]+)\) \| (.+?) \|$", re.M)
    rows = row.findall(index)
    assert [r[0] for r in rows] == sorted(SECTIONS, key=_key)
    for section_id, target, page_name, page_target, title in rows:
        page, want = SECTIONS[section_id]
        assert (target, page_name, page_target) == (f"{page}#ref-{section_id}", page, page)
        assert title == want


def test_index_links_and_page_links_resolve() -> None:
    """Relative links between the pages point at a page and an anchor that exist."""
    anchors = {page.name: set(_anchors(page)) for page in PAGES}
    problems = []
    for page in PAGES:
        for number, line in _lines_outside_fences(page.read_text()):
            prose = re.sub(r"`[^`]*`", "", line)  # an example inside backticks is no link
            for target in re.findall(r"\]\(([^)\s]+)\)", prose):
                if target.startswith("http"):
                    continue
                name, _, anchor = target.partition("#")
                name = name or page.name
                if name not in anchors or (anchor and anchor not in anchors[name]):
                    problems.append(f"{page.name}:{number}: {target}")
    assert problems == []


# --- the module -----------------------------------------------------------------------------


def test_resolve_and_link() -> None:
    assert resolve("1.13") == ("votequorum.md", "What a reload changes")
    assert link("1.13") == "[1.13](docs/reference/votequorum.md#ref-1.13)"
    assert link("7", base="") == "[7](ha.md#ref-7)"
    with pytest.raises(KeyError):
        resolve("1.99")
    with pytest.raises(KeyError):
        link("99")


def test_upstream_areas_and_urls() -> None:
    for area, url in UPSTREAM.items():
        assert area in SECTIONS and "." not in area
        assert url in reference.ALLOWED_URLS


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("(reference 1.13, 4.4)", ["1.13", "4.4"]),
        ("see reference 8.4.", ["8.4"]),
        ("(reference 2.3, 8.4)", ["2.3", "8.4"]),
        ("reference 7, 10.19", ["7", "10.19"]),
        ("references 2.2 and 2.3", ["2.2", "2.3"]),
        ("(reference 1.2 step 5, 3.3)", ["1.2", "3.3"]),
        ("(reference 2.2, 2.4 B/C, 10.2)", ["2.2", "2.4", "10.2"]),
        ("Reference 1.3 and trap 10.1.", ["1.3", "10.1"]),
        ("(reference 5.1, 5.2; cman 5.3)", ["5.1", "5.2", "5.3"]),
        ("**Reference sections.** 1.4, 2.2-2.4, 10.2 of", ["1.4", "2.2", "2.3", "2.4", "10.2"]),
        ("(reference section 8)", ["8"]),
        ("the pure reference-1.12 table", ["1.12"]),
        ("(reference 4.4 caveats, 1.13)", ["4.4", "1.13"]),
        ("(reference\n    1.3)", ["1.3"]),
        ('references=("2.2", "2.3")', []),
        ("a reference. 3 nodes", []),
        ("(reference 1.3, 1.3)", ["1.3"]),
        ("(unlike votequorum, trap 10.20)", ["10.20"]),
        ("a trap. 3 nodes", []),
        ("the trap 2 nodes fall into", []),
    ],
)
def test_citation_ids(text: str, ids: list[str]) -> None:
    assert citation_ids(text) == ids


# --- every citation in the code resolves ---------------------------------------------------


def _key(section_id: str) -> tuple[int, ...]:
    return tuple(int(part) for part in section_id.split("."))


def _string_alternatives(node: ast.expr) -> list[str] | None:
    """Every string an expression of literals can evaluate to (`"a" + ("b" if c else "d")`
    gives ["ab", "ad"]); other parts become "{}"; None when the expression has no string."""
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) else None
    if isinstance(node, ast.JoinedStr):
        parts = [v.value if isinstance(v, ast.Constant) else "{}" for v in node.values]
        return ["".join(str(p) for p in parts)]
    if isinstance(node, ast.IfExp):
        a, b = _string_alternatives(node.body), _string_alternatives(node.orelse)
        if a is None and b is None:
            return None
        return (a or []) + (b or [])
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _string_alternatives(node.left), _string_alternatives(node.right)
        if left is None and right is None:
            return None
        combos = product(left or ["{}"], right or ["{}"])
        return ["".join(pair) for pair in list(combos)[:64]]
    return None


def _literal_ids(node: ast.expr) -> list[str]:
    """The strings of a `Danger` reference or a `references=` tuple, IfExp branches included."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _literal_ids(node.body) + _literal_ids(node.orelse)
    if isinstance(node, ast.Tuple | ast.List):
        return [s for elt in node.elts for s in _literal_ids(elt)]
    return []


def _python_citations(path: Path) -> Iterator[tuple[int, str]]:
    structured = path.is_relative_to(PROJECT / "src" / "pvequorum")
    return _python_source_citations(path.read_text(), structured)


def _python_source_citations(text: str, structured: bool) -> Iterator[tuple[int, str]]:
    """(line, id) for text citations in Python source: raw text (comments, docstrings) and
    string expressions built from several literals; with `structured` (the package) also the
    literal fields: `Danger(severity, text, "1.5, 1.13")`, `reference=`, `references=(...)`."""
    yield from _text_citations(text)
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant | ast.BinOp | ast.JoinedStr):
            for alternative in _string_alternatives(node) or []:
                for _offset, ids in citation_spans(alternative):
                    for section_id in ids:
                        yield node.lineno, section_id
        if not structured or not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        fields = [kw.value for kw in node.keywords if kw.arg in ("reference", "references")]
        if name == "Danger" and len(node.args) >= 3:
            fields.append(node.args[2])
        for field in fields:
            for literal in _literal_ids(field):
                for part in re.split(r"\s*,\s*", literal.strip()):
                    if part:
                        yield field.lineno, part if ID.fullmatch(part) else f"malformed:{part}"


def _text_citations(text: str) -> Iterator[tuple[int, str]]:
    for offset, ids in citation_spans(text):
        line = text.count("\n", 0, offset) + 1
        for section_id in ids:
            yield line, section_id


def _notebook_citations(path: Path) -> Iterator[tuple[int, str]]:
    """(cell number, id) from the cell sources and the text outputs of a notebook."""
    nb = json.loads(path.read_text())
    for number, cell in enumerate(nb.get("cells", []), 1):
        texts = ["".join(cell.get("source", ""))]
        for output in cell.get("outputs", []):
            texts.append("".join(output.get("text", "")))
            data = output.get("data", {})
            for kind in ("text/plain", "text/markdown", "text/html"):
                texts.append("".join(data.get(kind, "")))
        for text in texts:
            for section_id in citation_ids(text):
                yield number, section_id


def _sources() -> list[Path]:
    paths = sorted((PROJECT / "src" / "pvequorum").rglob("*.py"))
    if (PROJECT / "notebooks" / "source").is_dir():
        paths += sorted((PROJECT / "notebooks" / "source").glob("*.py"))
    paths += sorted(PROJECT.glob("labs/*/lab.py"))
    paths += sorted(PROJECT.glob("labs/*/README.md"))
    paths += sorted(PROJECT.glob("notebooks/*.ipynb"))
    paths += sorted(PROJECT.glob("notebooks/runbooks/*.ipynb"))
    paths += sorted(PROJECT.glob("labs/*/*.ipynb"))
    return paths


def _citations(path: Path) -> Iterator[tuple[int, str]]:
    if path.suffix == ".py":
        return _python_citations(path)
    if path.suffix == ".ipynb":
        return _notebook_citations(path)
    return _text_citations(path.read_text())


def test_the_python_scan_reads_every_form() -> None:
    source = """
# a comment (reference 1.99)
why = "prepared in a copy (reference " + ("4.98)." if corosync else "8.97).")
msg = f"ignores a lower version than {v}, reference " "4.96) and"
Danger("blocking", "text", "1.95, 1.94")
Danger("blocking", "text", "1.93" if corosync else "8.92")
Step(title="t", references=("3.91",) if corosync else ("8.90", "8.89"))
TimelineEvent(0, 0, "both", "event", "reference 9.88")
Danger("warning", "text", reference="oops")
"""
    found = sorted({i for _line, i in _python_source_citations(source, structured=True)})
    wanted = "1.99 4.98 8.97 4.96 1.95 1.94 1.93 8.92 3.91 8.90 8.89 9.88 malformed:oops"
    assert found == sorted(wanted.split())
    assert "1.95" not in {i for _line, i in _python_source_citations(source, structured=False)}


def test_the_scan_finds_the_citations() -> None:
    """Guard against a scan that silently finds nothing."""
    found = {(path.name, i) for path in _sources() for _n, i in _citations(path)}
    assert ("common.py", "1.13") in found  # Danger(..., "1.5, 1.13")
    assert ("config_steps.py", "8.5") in found  # references=(...) if ... else ("8.5",)
    assert ("model.py", "10.15") in found  # a docstring
    assert len({i for _name, i in found}) > 40


def test_citation_ids_agree_with_citation_spans() -> None:
    for path in _sources():
        if path.suffix != ".ipynb":
            text = path.read_text()
            spans = [i for _offset, ids in citation_spans(text) for i in ids]
            assert citation_ids(text) == list(dict.fromkeys(spans)), path


def test_every_citation_resolves() -> None:
    problems = []
    for path in _sources():
        for where, section_id in _citations(path):
            if section_id not in SECTIONS:
                problems.append(f"{path.relative_to(PROJECT)}:{where}: {section_id}")
    assert sorted(set(problems)) == []


# --- links --------------------------------------------------------------------------------


def test_upstream_links_are_the_allowed_ones() -> None:
    """No invented links: every URL in the pages is one of the documents listed in
    `reference.ALLOWED_URLS` (the admin guide chapters and the Debian bookworm man pages)."""
    problems = []
    for page in PAGES:
        for number, line in enumerate(page.read_text().splitlines(), 1):
            for url in URL.findall(line):
                if url not in reference.ALLOWED_URLS:
                    problems.append(f"{page.name}:{number}: {url}")
    assert problems == []


@pytest.mark.parametrize("page", [p for p in PAGES if p.name != "index.md"], ids=lambda p: p.name)
def test_each_page_links_upstream_in_its_opening(page: Path) -> None:
    """The opening paragraph (before the first section) names the upstream documentation."""
    text = page.read_text()
    opening = text.split('<a id="ref-', 1)[0]
    areas = {a.removeprefix("ref-") for a in _anchors(page) if "." not in a}
    wanted = {UPSTREAM[a] for a in areas if a in UPSTREAM}
    for url in wanted:
        assert url in opening, f"{page.name}: the opening does not link {url}"
