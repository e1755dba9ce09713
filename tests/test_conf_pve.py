"""`conf.pve` rule by rule, and the CQ230/CQ231 findings built on it (reference 4.1, 4.2).

The rules were learned by running the real Perl subs (as `tools/record_pve_perl.py` does;
`test_conf_pve_perl.py` holds the module to that recording over thousands of files): each
test here names one rule, with an input whose Perl result was checked by hand.
"""

from __future__ import annotations

import time

import pytest

from pvequorum.conf import corosync, pve, validate

BASE = (
    "nodelist {\n  node {\n    name: pve1\n    nodeid: 1\n    quorum_votes: 1\n"
    "    ring0_addr: 10.0.0.1\n  }\n}\n\nquorum {\n  provider: corosync_votequorum\n"
    "{extra}}\n\ntotem {\n  cluster_name: c\n  config_version: 3\n  version: 2\n}\n"
)
LINE = 12  # the line `{extra}` starts on


def hazards(extra: str) -> dict[str, list[validate.Finding]]:
    doc = corosync.parse(BASE.replace("{extra}", extra))
    out: dict[str, list[validate.Finding]] = {}
    for f in validate.validate_corosync(doc):
        out.setdefault(f.code, []).append(f)
    return out


# --- parse_conf and write_conf ------------------------------------------------------------
@pytest.mark.parametrize("raw", ["", "0"])
def test_an_empty_file_parses_and_then_the_write_dies(raw: str) -> None:
    """`return {} if !$raw`: parse_conf returns no main section, write_conf dies on that."""
    assert pve.parse_conf(raw) is None
    assert not pve.read(raw).deaths
    with pytest.raises(pve.PveParseError, match=r"^no main section$"):
        pve.write_conf(pve.parse_conf(raw))


def test_white_space_only_writes_the_two_autovivified_sections() -> None:
    assert pve.write_conf(pve.parse_conf(" \n")) == "nodelist {\n}\n\ntotem {\n}\n\n"


@pytest.mark.parametrize(
    ("raw", "message", "line"),
    [
        ("totem: x\n", 'Can\'t use string ("x") as a HASH ref while "strict refs" in use', 1),
        ("a: 1\nnodelist: y\ntotem: x\n", 'string ("y") as a HASH ref', 2),
        ("nodelist {\n  node: x\n}\n", 'string ("x") as an ARRAY ref', 2),
        ("totem {\n  interface: 0\n}\n", 'string ("0") as an ARRAY ref', 2),
        ("node: x\nnode {\n}\n", 'string ("x") as an ARRAY ref', 2),
        ("nodelist: " + "a" * 40, 'string ("' + "a" * 32 + '"...) as a HASH ref', 1),
        ("nodelist: " + "a" * 31 + "\u00e9", 'string ("' + "a" * 31 + '\\xc3"...) as', 1),
    ],
)
def test_a_value_where_a_section_is_needed_dies_in_parse_conf(
    raw: str, message: str, line: int
) -> None:
    """Perl's strict refs: the string is cut after 32 bytes (here mid-character)."""
    with pytest.raises(pve.PveParseError) as caught:
        pve.parse_conf(raw)
    assert message in caught.value.problem and caught.value.line == line
    assert f"line {line}:" in str(caught.value)


def test_sections_as_names_are_all_kept_in_file_order() -> None:
    raw = (
        "nodelist {\n  node {\n    name {\n    }\n    nodeid: 1\n  }\n"
        "  node {\n    name {\n      x: y\n    }\n    nodeid: 2\n  }\n"
        "  node {\n    ring0_addr {\n    }\n    nodeid: 3\n  }\n"
        "  node {\n    name: b\n  }\n  node {\n  }\n}\n"
    )
    conf = pve.parse_conf(raw)
    assert conf is not None
    keys = list(conf["nodelist"]["node"])
    assert keys == [pve.SectionKey(3), pve.SectionKey(5), pve.SectionKey(7), "b", ""]
    assert str(keys[0]) == "HASH(0x000000000003)"
    out = pve.write_conf(conf)
    assert [out.index(f"nodeid: {n}") for n in (1, 2, 3)] == sorted(
        out.index(f"nodeid: {n}") for n in (1, 2, 3)
    )
    assert out.index("name: b") > out.index("nodeid: 3")  # "H" < "b"; "" first


def test_same_name_later_node_replaces_earlier() -> None:
    raw = (
        "nodelist {\n node {\n name: a\n nodeid: 1\n }\n"
        " node {\n ring0_addr: a\n nodeid: 2\n }\n}\n"
    )
    out = pve.write_conf(pve.parse_conf(raw))
    assert "nodeid: 2" in out and "nodeid: 1" not in out


def test_keys_sort_in_byte_order() -> None:
    """A lone byte 0xF5 sorts after U+E000 (EE 80 80) in bytes, before it in code points."""
    raw = "k {\n  \udcf5x: 1\n  \ue000: 2\n  Z: 3\n  a: 4\n}\n"
    out = pve.write_conf(pve.parse_conf(raw))
    assert out.index("Z:") < out.index("a:") < out.index("\ue000:") < out.index("\udcf5x:")


def test_messages_quote_words_printably_and_cut() -> None:
    with pytest.raises(pve.PveParseError) as caught:
        pve.parse_conf("\udcff\x0bk" * 60 + "\n")
    assert caught.value.problem == "missing ':' after key '\\xff'"
    with pytest.raises(pve.PveParseError) as caught:
        pve.parse_conf("k" * 150)
    assert caught.value.problem == pve.shown(f"missing ':' after key '{'k' * 150}'")
    assert caught.value.problem.endswith("... (150 characters)'")


def test_a_lone_surrogate_that_is_no_escape_does_not_crash() -> None:
    assert pve.write_conf(pve.parse_conf("\ud800: 1\n\udcff: 2\n")).startswith("nodelist")


def test_inline_comment_is_cut() -> None:
    assert pve.parse_conf("logging {\n  logfile: /x # y\n}\n") == {"logging": {"logfile": "/x"}}


def test_hostile_sizes_take_bounded_time_and_no_stack() -> None:
    start = time.monotonic()
    deep = "a {\n" * 200_000 + "k: v\n" + "}\n" * 200_000
    with pytest.raises(pve.PveParseError, match="larger than"):
        pve.write_conf(pve.parse_conf(deep))
    assert not pve.read(deep).deaths
    repeated = pve.read("a {\n}\n" * 100_000)
    assert len(repeated.deaths) == pve.MAX_DEATHS
    with pytest.raises(pve.PveParseError, match="no value for 'kkk"):
        pve.parse_conf("k" * 1_000_000 + ":")
    assert time.monotonic() - start < 20


# --- CQ230 and CQ231 ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ("  abc/d:e: v\n", "corosync reads key 'abc/d', pvecm reads 'abc/d:e' = 'v'"),
        ("  a:: x\n", "corosync reads key 'a', pvecm reads 'a:' = 'x'"),
        ("  a: b\rc: d\n", "pvecm reads 'b', then 'c' as another key"),
        ("  s: {\n  }\n", "corosync opens section 's', pvecm one named 's:'"),
        ("  wait_for_all:\n", "has no value: pvecm takes the next word"),
    ],
)
def test_lines_pvecm_reads_differently_are_cq231_not_cq230(extra: str, says: str) -> None:
    """Perl does not die on these (a past validator said CQ230)."""
    found = hazards(extra)
    assert "CQ230" not in found
    (f,) = found["CQ231"]
    assert f.line == LINE and says in f.message


@pytest.mark.parametrize(
    ("extra", "message", "why"),
    [
        ("  a: b c\n", "missing ':' after key 'c'", "a value with white space"),
        ("  a :b\n", "missing ':' after key 'a'", "a blank before the colon"),
        ("  t:x\n", "missing ':' after key 't:x'", "no blank after the colon"),
        ("  a#b: c\n", "missing ':' after key 'a'", "'#'"),
        ("  s{\n  }\n", "missing ':' after key 's{'", "no blank before '{'"),
        ("  s {\n  }\n  s {\n  }\n", "section 's' already exists", "first opens at line 12"),
    ],
)
def test_cq230_quotes_perl_and_says_why(extra: str, message: str, why: str) -> None:
    found = hazards(extra)
    (f,) = found["CQ230"]
    assert f.message.startswith(f'pvecm dies: "{message}') and why in f.message
    assert f.line == LINE + (2 if "s {" in extra else 0)


def test_later_deaths_are_marked_as_after_the_first_fix() -> None:
    found = hazards("  a :b\n  t:x\n")["CQ230"]
    assert [f.line for f in found] == [LINE, LINE + 1]
    assert found[1].message.startswith("pvecm dies next, once the earlier death is fixed")


def test_an_empty_file_is_no_cq230() -> None:
    """parse_conf does not die on it (the write would: not CQ230)."""
    assert not [f for f in validate.validate_corosync(corosync.parse("")) if f.code == "CQ230"]
