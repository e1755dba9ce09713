"""cluster.conf (cman): lossless tokenizer, typed view, PVE 3's canonical writer."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import CORPUS

from pvequorum.conf import ConfigParseError, clusterconf, load_config, read_text, xmltok

PROJECT = Path(__file__).resolve().parents[1]
CORPUS_FILES = sorted((CORPUS / "cluster-conf").glob("*.xml"))
NASTY = sorted((PROJECT / "tests" / "data" / "conf").glob("*.xml"))

# Reference 8.1: what `pvecm create NAME` writes on PVE 3.
PVECM_CREATE = """<?xml version="1.0"?>
<cluster name="NAME" config_version="1">

  <cman keyfile="/var/lib/pve-cluster/corosync.authkey">
  </cman>

  <clusternodes>
  <clusternode name="NODENAME" votes="1" nodeid="1"/>
  </clusternodes>

</cluster>
"""
PVECM_CREATE_CANONICAL = """<?xml version="1.0"?>
<cluster config_version="1" name="NAME">
  <cman keyfile="/var/lib/pve-cluster/corosync.authkey"/>
  <clusternodes>
    <clusternode name="NODENAME" nodeid="1" votes="1"/>
  </clusternodes>
</cluster>
"""


def test_corpus_is_there() -> None:
    assert len(CORPUS_FILES) >= 11 and len(NASTY) >= 2


@pytest.mark.parametrize("path", CORPUS_FILES + NASTY, ids=lambda p: p.name)
def test_round_trip_is_byte_identical(path: Path) -> None:
    text = read_text(path)
    doc = clusterconf.parse(text, str(path))
    assert clusterconf.dump(doc) == text
    covered = "".join(text[t.start : t.end] for t in doc.tokens)
    assert covered == text  # every byte belongs to exactly one token


@pytest.mark.parametrize("path", CORPUS_FILES + NASTY, ids=lambda p: p.name)
def test_same_elements_and_attributes_as_the_stdlib_parser(path: Path) -> None:
    text = read_text(path)
    ours = clusterconf.parse(text).root
    theirs = ET.fromstring(text.encode())

    def shape(e: xmltok.Element | ET.Element) -> tuple:
        if isinstance(e, ET.Element):
            return (e.tag, dict(e.attrib), [shape(c) for c in e])
        return (e.name, e.attrib, [shape(c) for c in e.children])

    assert shape(ours) == shape(theirs)


@pytest.mark.parametrize(
    ("text", "line", "column", "problem"),
    [
        ("", 1, 1, "empty file"),
        ('<cluster name="a">\n  <cman>\n</cluster>\n', 3, 1, "mismatched tag"),
        ('<cluster name="a">\n  <cman/>\n', 1, 1, "no end tag for <cluster>"),
        ("<cluster name=a/>\n", 1, 15, "not quoted"),
        ('<cluster a="1" a="2"/>\n', 1, 16, "duplicate attribute"),
        ('<cluster a="x<y"/>\n', 1, 14, "'<' in an attribute value"),
        ('<cluster a="&nbsp;"/>\n', 1, 13, "entity reference"),
        ("<cluster/>\n<cluster/>\n", 2, 1, "junk after the root element"),
        ("<cluster>\n<!-- a -- b -->\n</cluster>\n", 2, 1, "'--' inside a comment"),
        ("<cluster>text & more</cluster>", 1, 15, "entity reference"),
        ("  <?xml version='1.0'?><cluster/>", 1, 3, "XML declaration not at the start"),
        ("<cman/>\n", 1, 1, "root element is <cman>"),
        ("<cluster>\x01</cluster>", 1, 10, "invalid character"),
        ("<cluster name='x'", 1, 1, "unclosed tag"),
    ],
)
def test_malformed_xml_has_line_and_column(text: str, line: int, column: int, problem: str) -> None:
    with pytest.raises(ConfigParseError, match=problem) as info:
        clusterconf.parse(text, "cluster.conf")
    assert (info.value.line, info.value.column) == (line, column)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' ab!-?&;#x\n")), max_size=60))
def test_random_text_raises_only_the_parse_error(text: str) -> None:
    text = "<cluster>" + text + "</cluster>"
    try:
        doc = clusterconf.parse(text)
    except ConfigParseError:
        return
    assert doc.dump() == text
    ET.fromstring(text)  # whatever we accept, a conforming parser accepts too


_name = st.sampled_from(["clusternode", "cman", "fence", "rm", "a-b", "x.y"])
_attr_value = st.text(alphabet=st.sampled_from(list("ab1 <&>\"'\t\n")), max_size=6)
_ws = st.sampled_from(["", " ", "\n  ", "\t", "\r\n"])


def _quote(value: str, quote: str) -> str:
    value = value.replace("&", "&amp;").replace("<", "&lt;")
    return value.replace(quote, "&quot;" if quote == '"' else "&apos;")


@st.composite
def elements(draw: st.DrawFn, depth: int = 0) -> str:
    name = "cluster" if depth == 0 else draw(_name)
    attrs = ""
    for i, value in enumerate(draw(st.lists(_attr_value, max_size=3))):
        quote = draw(st.sampled_from(['"', "'"]))
        attrs += (
            f"{draw(_ws) or ' '}a{i}{draw(_ws)}={draw(_ws)}{quote}{_quote(value, quote)}{quote}"
        )
    children = []
    if depth < 3:
        for _ in range(draw(st.integers(0, 3))):
            kind = draw(st.sampled_from(["element", "comment", "text"]))
            if kind == "element":
                children.append(draw(elements(depth + 1)))
            elif kind == "comment":
                children.append("<!-- c <x> & -->")
            else:
                children.append(draw(_ws) + "t &amp; &#65;" + draw(_ws))
    if not children and draw(st.booleans()):
        return f"<{name}{attrs}{draw(_ws)}/>"
    return f"<{name}{attrs}{draw(_ws)}>{''.join(children)}</{name}{draw(_ws)}>"


@settings(max_examples=200, deadline=None)
@given(elements(), st.sampled_from(["", '<?xml version="1.0"?>\n', "<?xml version='1.0'?>\r\n"]))
def test_generated_documents_round_trip_and_agree_with_stdlib(body: str, head: str) -> None:
    text = head + body
    doc = clusterconf.parse(text)
    assert doc.dump() == text
    theirs = ET.fromstring(text)
    assert [e.attrib for e in doc.root.iter()] == [dict(e.attrib) for e in theirs.iter()]


# --- typed view --------------------------------------------------------------------------
def test_typed_view_of_pve3_example() -> None:
    kind, _, cluster = load_config(CORPUS / "cluster-conf/pve3-cluster.conf.ex.xml")
    assert kind == "cman" and cluster.stack == "cman"
    assert cluster.names == ("node1", "node2", "node3")
    assert cluster.config_version == 15


def test_typed_view_cman_quorumd_fencing() -> None:
    loaded = load_config(PROJECT / "tests/data/conf/cluster-conf-quorumd.xml")
    view = loaded.view
    c = view.cluster
    assert c.quorum.expected_votes == 3 and c.quorum.two_node is None
    assert c.quorum.device is not None and c.quorum.device.model == "disk"
    assert c.quorum.device.votes == 1 and c.totem.token == 54000
    nasty = load_config(PROJECT / "tests/data/conf/cluster-conf-nasty.xml").view
    assert nasty.cluster.name == "n&sty" and nasty.cluster.config_version == 7
    assert nasty.cluster.quorum.two_node == 1 and nasty.cluster.quorum.expected_votes == 1
    assert dict(nasty.fence_devices[0])["passwd"] == 'p"w\nx'  # &#10; stays a newline
    assert nasty.to_dict()["cman"]["keyfile"] == "/var/lib/pve-cluster/corosync.authkey"


def test_attribute_whitespace_is_normalised_like_expat() -> None:
    doc = clusterconf.parse('<cluster name="a\tb\r\nc"/>')
    assert doc.root.get("name") == "a b c"


def test_typed_view_refuses_bad_numbers_with_position() -> None:
    text = (
        '<cluster name="x" config_version="1">\n<clusternodes>\n'
        '<clusternode name="a" nodeid="one"/>\n</clusternodes>\n</cluster>\n'
    )
    with pytest.raises(ConfigParseError, match="must be an integer") as info:
        clusterconf.view(clusterconf.parse(text))
    assert (info.value.line, info.value.column) == (3, 30)


# --- lossless attribute edits ------------------------------------------------------------
def test_set_attribute_keeps_quotes_and_order() -> None:
    text = "<cluster a='1'  b=\"2\"><cman x='y'/></cluster>"
    doc = clusterconf.parse(text)
    doc.set(doc.root, "a", "it's")
    assert doc.dump() == "<cluster a='it&apos;s'  b=\"2\"><cman x='y'/></cluster>"
    doc = clusterconf.parse(text)
    cman = doc.root.find("cman")
    assert cman is not None
    doc.set(cman, "two_node", "1", first=True)
    assert doc.dump() == "<cluster a='1'  b=\"2\"><cman two_node=\"1\" x='y'/></cluster>"
    doc = clusterconf.parse(text)
    assert doc.remove(doc.root, "b") and not doc.remove(doc.root, "b")
    assert doc.dump() == "<cluster a='1'><cman x='y'/></cluster>"


# --- PVE 3's canonical writer (reference 8.1) ---------------------------------------------
def test_canonical_of_pvecm_create() -> None:
    assert clusterconf.canonical(clusterconf.parse(PVECM_CREATE)) == PVECM_CREATE_CANONICAL


def test_canonical_two_node_cman_line_of_reference_81() -> None:
    text = PVECM_CREATE.replace("<cman ", '<cman two_node="1" expected_votes="1" ')
    out = clusterconf.canonical(clusterconf.parse(text))
    line = (
        '  <cman expected_votes="1" keyfile="/var/lib/pve-cluster/corosync.authkey" two_node="1"/>'
    )
    assert line in out.splitlines()


def test_canonical_drops_comments_text_and_escapes_only_quotes() -> None:
    text = (
        '<cluster config_version="2" name="a&amp;b"><!-- c -->'
        '<rm>t<pvevm vmid="1" q="&quot;"/></rm></cluster>'
    )
    assert clusterconf.canonical(clusterconf.parse(text)) == (
        '<?xml version="1.0"?>\n<cluster config_version="2" name="a&b">\n  <rm>\n'
        '    <pvevm q="&quot;" vmid="1"/>\n  </rm>\n</cluster>\n'
    )


def test_canonical_needs_a_version() -> None:
    with pytest.raises(Exception, match="unable to read version"):
        clusterconf.canonical(clusterconf.parse('<cluster name="a"/>'))
