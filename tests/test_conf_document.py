"""The document edit API: `CorosyncConf` and `ClusterConf` edited in place, losslessly.

Random valid documents and random edit sequences: after every edit the document's index is
exactly what parsing its `dump()` builds, every line (or character) the edit did not touch
is byte-identical, and an edit that is refused changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import CORPUS, DATA

from pvequorum.conf import clusterconf, corosync, edits, load_config, read_text
from pvequorum.conf.corosync import CorosyncConf, Line, Section
from pvequorum.conf.xmltok import Element
from pvequorum.errors import InputError

# --- corosync.conf ---------------------------------------------------------------------------
_key = st.sampled_from(["version", "token", "two_node", "name", "ring0_addr", "k-1", "a.b"])
_ok_value = st.from_regex(r"[a-z0-9._/:-]([a-z0-9._/: -]{0,8}[a-z0-9])?", fullmatch=True)
_bad_value = st.sampled_from(["a{b", "}", "x#y", "a\nb", "a\tb", " lead", "trail ", "\r"])
_value = st.one_of(_ok_value, _ok_value, _ok_value, _bad_value, st.just(""))
_ws = st.sampled_from(["", " ", "  ", "\t", " \t"])
_indent = st.sampled_from(["", "  ", "    ", "\t"])
_eol = st.sampled_from(["\n", "\r\n"])
_section_name = st.sampled_from(["totem", "quorum", "node", "device", "interface"])


@st.composite
def documents(draw: st.DrawFn, depth: int = 0) -> str:
    out = []
    for _ in range(draw(st.integers(0, 4))):
        kinds = ["item", "blank", "comment", "section"] if depth < 3 else ["item", "comment"]
        kind = draw(st.sampled_from(kinds))
        indent, eol = draw(_indent), draw(_eol)
        if kind == "item":
            out.append(f"{indent}{draw(_key)}{draw(_ws)}:{draw(_ws)}{draw(_ok_value)}{eol}")
        elif kind == "blank":
            out.append(f"{draw(_ws)}{eol}")
        elif kind == "comment":
            out.append(f"{indent}# {draw(_ok_value)}{eol}")
        else:
            body = draw(documents(depth + 1))
            out.append(f"{indent}{draw(_section_name)} {{{eol}{body}{indent}}}{eol}")
    return "".join(out)


@st.composite
def items(draw: st.DrawFn, depth: int = 0) -> dict[str, object]:
    out: dict[str, object] = {}
    for _ in range(draw(st.integers(0, 3))):
        if depth < 2 and draw(st.integers(0, 4)) == 0:
            out[draw(_section_name)] = draw(items(depth + 1))
        else:
            out[draw(_key)] = draw(_value)
    return out


def _state(doc: CorosyncConf) -> tuple[list[tuple[str, str, str, str, str]], Section]:
    return [(x.text, x.eol, x.kind, x.name, x.value) for x in doc.lines], doc.root


def assert_index_is_right(doc: CorosyncConf) -> None:
    """The document is what parsing its text builds: lines, kinds, and the section index."""
    text = doc.dump()
    again = corosync.parse(text, doc.source)
    assert again.lines == doc.lines
    assert again.root == doc.root
    assert again.dump() == text


def _same(old: Line, new: Line, last: bool) -> bool:
    """An untouched line: byte-identical, but for the LF an insertion at the end of the file
    gives a last line that had none."""
    if old.text != new.text:
        return False
    if old.eol == new.eol:
        return True
    return last and (old.eol, new.eol) in (("", "\n"), ("", "\r\n"), ("\r", "\r\n"))


def assert_inserted(before: list[Line], after: list[Line]) -> None:
    """`after` is `before` with one contiguous block of new lines."""
    added = len(after) - len(before)
    assert added > 0
    last = len(before) - 1
    start = 0
    while start < len(before) and _same(before[start], after[start], start == last):
        start += 1
    for i in range(start, len(before)):
        assert _same(before[i], after[i + added], i == last), (i, before[i], after[i + added])


def _targets(doc: CorosyncConf) -> list[str | Section]:
    paths: list[str | Section] = ["", "totem", "quorum.device", "nodelist", "x.y.z"]
    return [*paths, doc.root, *doc.walk()]


def _edit(doc: CorosyncConf, data: st.DataObject) -> None:
    op = data.draw(st.sampled_from(["set", "set", "remove", "add", "add", "drop"]))
    before = [Line(x.text, x.eol, x.kind, x.name, x.value) for x in doc.lines]
    where = data.draw(st.sampled_from(_targets(doc)))
    if op == "drop":
        sections = list(doc.walk())
        if not sections:
            return
        section = data.draw(st.sampled_from(sections))
        assert section.open is not None and section.close is not None
        gone = set(range(section.open, section.close + 1))
        doc.remove_section(section)
        assert doc.lines == [x for i, x in enumerate(before) if i not in gone]
        return
    if op == "remove":
        key = data.draw(_key)
        candidates = [where] if isinstance(where, Section) else doc._at(where)
        gone = {i for s in candidates for i in s.items if doc.lines[i].name == key}
        assert doc.remove(where, key) == len(gone)
        assert doc.lines == [x for i, x in enumerate(before) if i not in gone]
        return
    if op == "set":
        key, value = data.draw(_key), data.draw(_value)
        index = doc.set(where, key, value)
        assert (doc.lines[index].name, doc.lines[index].value) == (key, value)
        if len(doc.lines) == len(before):  # an existing key: that one line rewritten
            assert [x for i, x in enumerate(doc.lines) if i != index] == [
                x for i, x in enumerate(before) if i != index
            ]
            return
    else:
        name = data.draw(_section_name)
        section = doc.add_section(where, name, data.draw(items()))
        assert section.name == name
    assert_inserted(before, doc.lines)


@settings(max_examples=300, deadline=None)
@given(documents(), st.booleans(), st.data())
def test_random_edits_keep_the_index_and_every_untouched_line(
    text: str, chop: bool, data: st.DataObject
) -> None:
    if chop:
        text = text.rstrip("\r\n")
    doc = corosync.parse(text)
    for _ in range(data.draw(st.integers(1, 6))):
        state = _state(doc)
        try:
            _edit(doc, data)
        except InputError as exc:
            assert "\n" not in str(exc)
            assert _state(doc) == state  # a refused edit changes nothing
        assert_index_is_right(doc)


@pytest.mark.parametrize(
    ("call", "problem"),
    [
        (lambda d: d.set("totem", "token", "1{"), "opens a section"),
        (lambda d: d.set("totem", "token", "1\n2"), "line break"),
        (lambda d: d.set("totem", "token", "1}"), "closes a section"),
        (lambda d: d.set("totem", "token", "1 # 2"), "comment"),
        (lambda d: d.set("totem", "#token", "1"), "comment"),
        (lambda d: d.set("totem", "a:b", "1"), "would read key 'a' with value 'b: 1'"),
        (lambda d: d.set("totem", "token", " 1"), "with value '1'"),
        (lambda d: d.set("totem", "", "1"), "empty key"),
        (lambda d: d.set("totem", "token", "9" * 600), "Line too long"),
        (lambda d: d.add_section("quorum", "dev{ice"), "opens a section"),
        (lambda d: d.add_section("new.path", "x", {"k": "v\n"}), "line break"),
        (lambda d: d.remove_section(d.root), "not a section"),
    ],
)
def test_values_that_would_change_the_structure_are_refused(call, problem: str) -> None:
    doc = corosync.parse("totem {\n  token: 3000\n}\nquorum {\n}\n")
    state = _state(doc)
    with pytest.raises(InputError, match=problem):
        call(doc)
    assert _state(doc) == state


def test_new_lines_copy_a_sibling_and_the_files_line_ending() -> None:
    doc = corosync.parse("nodelist {\r\n\tnode {\r\n\t\tname: a\r\n\t}\r\n}\r\n")
    doc.add_section("nodelist", "node", {"name": "b", "ring": {"addr": "10.0.0.2"}})
    doc.set(doc.sections("nodelist.node")[0], "nodeid", "1")
    assert doc.dump() == (
        "nodelist {\r\n\tnode {\r\n\t\tname: a\r\n\t\tnodeid: 1\r\n\t}\r\n"
        "\tnode {\r\n\t\tname: b\r\n\t\tring {\r\n\t\t\taddr: 10.0.0.2\r\n\t\t}\r\n\t}\r\n}\r\n"
    )
    assert_index_is_right(doc)


def test_edits_are_in_place_and_copy_keeps_the_original() -> None:
    doc = corosync.parse("totem {\n  token: 1\n}")
    original = doc.copy()
    doc.set("totem", "token", "2")
    doc.set("quorum", "two_node", "1")
    assert original.dump() == "totem {\n  token: 1\n}"
    assert doc.dump() == "totem {\n  token: 2\n}\n\nquorum {\n  two_node: 1\n}"
    assert_index_is_right(doc)


# --- cluster.conf --------------------------------------------------------------------------
_tag = st.sampled_from(["clusternode", "cman", "fence", "rm", "a-b", "x.y"])
_attr = st.sampled_from(["a0", "a1", "a2", "name", "two_node"])
_attr_ok = st.text(alphabet=st.sampled_from(list("ab1 <&>\"'")), max_size=6)
_attr_value = st.one_of(_attr_ok, _attr_ok, st.sampled_from(["a\nb", "\t", "x\x01"]))
_xml_ws = st.sampled_from(["", " ", "\n  ", "\t", "\r\n", "\n    "])


def _quoted(value: str, quote: str) -> str:
    value = value.replace("&", "&amp;").replace("<", "&lt;")
    return value.replace(quote, "&quot;" if quote == '"' else "&apos;")


@st.composite
def elements(draw: st.DrawFn, depth: int = 0) -> str:
    name = "cluster" if depth == 0 else draw(_tag)
    attrs = ""
    for i, value in enumerate(draw(st.lists(_attr_ok, max_size=3))):
        quote = draw(st.sampled_from(['"', "'"]))
        attrs += f"{draw(_xml_ws) or ' '}a{i}={quote}{_quoted(value, quote)}{quote}"
    children = []
    if depth < 3:
        for _ in range(draw(st.integers(0, 3))):
            kind = draw(st.sampled_from(["element", "element", "comment", "text"]))
            if kind == "element":
                children.append(draw(_xml_ws) + draw(elements(depth + 1)))
            elif kind == "comment":
                children.append("<!-- c <x> & -->")
            else:
                children.append(draw(_xml_ws) + "t &amp; &#65;" + draw(_xml_ws))
    if not children and draw(st.booleans()):
        return f"<{name}{attrs}{draw(_xml_ws)}/>"
    return f"<{name}{attrs}>{''.join(children)}{draw(_xml_ws)}</{name}>"


def _tree(element: Element) -> tuple[object, ...]:
    parents = [child.parent is element for child in element.children]
    return (element.tag, element.end, parents, [_tree(c) for c in element.children])


def assert_tokens_are_right(doc: clusterconf.ClusterConf) -> None:
    again = clusterconf.parse(doc.dump(), doc.source)
    assert again.tokens == doc.tokens
    assert _tree(again.root) == _tree(doc.root)
    assert [doc.line_of(e) for e in doc.root.iter()] == [
        again.line_of(e) for e in again.root.iter()
    ]


_BLANKS = " \t\r\n"


def _blank_run(text: str, start: int, end: int) -> tuple[list[int], list[int]]:
    """Where a span of `text` may begin and end when the blanks around it go with it."""
    starts, ends = [start], [end]
    while starts[-1] > 0 and text[starts[-1] - 1] in _BLANKS:
        starts.append(starts[-1] - 1)
    while ends[-1] < len(text) and text[ends[-1]] in _BLANKS:
        ends.append(ends[-1] + 1)
    return starts, ends


def _spliced_in(short: str, long: str, start: int, end: int) -> bool:
    """`long` is `short` with `long[start:end]` put in, only blanks changing around it."""
    starts, ends = _blank_run(long, start, end)
    for i in starts:
        for k in ends:
            tail = len(long) - k
            middle = short[i : len(short) - tail]
            if (
                len(short) - tail >= i
                and short[:i] == long[:i]
                and short[len(short) - tail :] == long[k:]
                and not middle.strip(_BLANKS)
            ):
                return True
    return False


def _xml_edit(doc: clusterconf.ClusterConf, data: st.DataObject) -> None:
    old = doc.dump()
    element = data.draw(st.sampled_from(doc.root.iter()))
    op = data.draw(st.sampled_from(["set", "set", "remove", "add", "drop"]))
    if op in ("set", "remove"):
        start, end = element.tag.start, element.tag.end
        if op == "set":
            name, value = data.draw(_attr), data.draw(_attr_value)
            doc.set(element, name, value, first=data.draw(st.booleans()))
            assert element.get(name) == value
        else:
            name = data.draw(_attr)
            had = element.get(name) is not None
            assert doc.remove(element, name) == had and element.get(name) is None
        new = doc.dump()
        assert new[:start] == old[:start]  # only the tag changed
        assert new[len(new) - (len(old) - end) :] == old[end:]
    elif op == "add":
        attrs = data.draw(st.dictionaries(_attr, _attr_value, max_size=3))
        empty, (start, end) = element.end is None, element.span
        child = doc.add_element(element, data.draw(_tag), attrs)
        assert child.parent is element and element.children[-1] is child
        new = doc.dump()
        if empty:  # <x .../> became <x ...>...</x>: nothing else changed
            after = element.span[1]
            assert new[:start] == old[:start] and new[after:] == old[end:]
        else:
            assert _spliced_in(old, new, child.tag.start, child.tag.end)
    elif element.parent is not None:
        start, end = element.span
        doc.remove_element(element)
        assert _spliced_in(doc.dump(), old, start, end)


@settings(max_examples=300, deadline=None)
@given(elements(), st.sampled_from(["", '<?xml version="1.0"?>\n']), st.data())
def test_random_cluster_conf_edits_keep_tokens_and_untouched_text(
    body: str, head: str, data: st.DataObject
) -> None:
    doc = clusterconf.parse(head + body)
    for _ in range(data.draw(st.integers(1, 6))):
        text, tokens = doc.dump(), list(doc.tokens)
        try:
            _xml_edit(doc, data)
        except InputError as exc:
            assert "\n" not in str(exc)
            assert doc.dump() == text and doc.tokens == tokens  # refused: nothing changed
        assert_tokens_are_right(doc)


def test_cluster_conf_values_that_would_not_read_back_are_refused() -> None:
    doc = clusterconf.parse('<cluster name="a"><cman/></cluster>')
    for call in (
        lambda: doc.set(doc.root, "name", "a\nb"),
        lambda: doc.set(doc.root, "x y", "1"),
        lambda: doc.add_element(doc.root, "b<c", {}),
        lambda: doc.remove_element(doc.root),
    ):
        with pytest.raises(InputError):
            call()
    doc.set(doc.root, "name", 'a<&"b')
    assert doc.dump() == '<cluster name="a&lt;&amp;&quot;b"><cman/></cluster>'
    assert clusterconf.parse(doc.dump()).root.get("name") == 'a<&"b'


# --- the transforms leave an index as right as a fresh parse -------------------------------
def _corpus() -> list[Path]:
    conf = sorted((DATA / "conf").iterdir())
    return [
        *sorted((CORPUS / "corosync").iterdir()),
        *sorted((CORPUS / "cluster-conf").iterdir()),
        *conf,
    ]


_TRANSFORMS = [
    lambda t, names: edits.set_two_node(t, True, force=True),
    lambda t, names: edits.set_votes(t, names[-1], 2, force=True),
    lambda t, names: edits.set_expected_votes(t, 3, force=True),
    lambda t, names: edits.add_qdevice(t, "10.0.0.50", force=True),
    lambda t, names: edits.add_node(t, "newnode", "10.9.9.9", force=True),
    lambda t, names: edits.remove_node(t, names[0], force=True),
]


@pytest.mark.parametrize("path", _corpus(), ids=lambda p: p.name)
def test_transforms_on_the_corpus_leave_the_document_of_their_text(path: Path) -> None:
    text = read_text(path)
    try:
        names = load_config(text).cluster.names or ("none",)
    except InputError:
        return
    for transform in _TRANSFORMS:
        try:
            result = transform(text, names)
        except InputError:
            continue
        doc = result.document
        assert doc is not None and doc.dump() == result.new_text
        if isinstance(doc, CorosyncConf):
            assert_index_is_right(doc)
        else:
            assert_tokens_are_right(doc)
