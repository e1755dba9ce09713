"""`conf.pve` and CQ230 against what the real Perl `parse_conf`/`write_conf` did.

`tests/data/pve_perl/cases.json` was recorded by `tools/record_pve_perl.py`, which runs the
two subs cut verbatim from PVE-CLUSTER `src/PVE/Corosync.pm` (the commit is in the file) on
a seeded corpus: the project's corosync.conf files, synthetic ones, edge cases and random
mutations of them all.  These tests read only the fixture: no Perl needed.
"""

from __future__ import annotations

import importlib.util
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from pvequorum.conf import corosync, pve, validate

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests/data/pve_perl/cases.json"
RECORDER = ROOT / "tools/record_pve_perl.py"


@cache
def fixture() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return data


def text(latin: str) -> str:
    """A fixture string (one character per byte) as the project reads a file (`textio`)."""
    return latin.encode("latin-1").decode("utf-8", "surrogateescape")


def perl(case: dict[str, Any]) -> tuple[str, str]:
    """What Perl did, as `conf.pve` says it: ("parse"|"write", message) or ("output", text)."""
    for stage in ("parse", "write"):
        if f"{stage}_dies" in case:
            return stage, pve.shown(text(case[f"{stage}_dies"]))
    return "output", text(case["output"])


def ours(raw: str) -> tuple[str, str]:
    try:
        conf = pve.parse_conf(raw)
    except pve.PveParseError as exc:
        return "parse", exc.problem
    try:
        return "output", pve.write_conf(conf)
    except pve.PveParseError as exc:
        return "write", exc.problem


def test_fixture_names_the_perl_source_and_covers_every_outcome() -> None:
    data = fixture()
    source = data["source"]
    assert re.fullmatch(r"[0-9a-f]{40}", source["commit"]) and source["path"].endswith(
        "Corosync.pm"
    )
    cases = data["cases"]
    assert len(cases) == data["corpus"]["cases"] > 2000
    quoted = r"(key |for |section )'.*'|\(\".*\"\S*\)"
    messages = {re.sub(quoted, r"\1Q", c.get("parse_dies", "")) for c in cases}
    assert {
        "missing ':' after key Q",
        "parse error - uncexpected '}'",
        "parse error - no value for Q",
        "section Q already exists and not marked as array!",
        'Can\'t use string Q as a HASH ref while "strict refs" in use',
        'Can\'t use string Q as an ARRAY ref while "strict refs" in use',
    } <= messages
    assert sum("output" in c for c in cases) > 1000
    assert {c["write_dies"] for c in cases if "write_dies" in c} == {"no main section"}
    assert sum(c.get("section_keys", 0) > 1 for c in cases) >= 10
    assert any(re.search("[\x80-\xff]", c["input"]) for c in cases if "output" in c)


def test_every_recorded_case_dies_and_writes_as_perl_does() -> None:
    """parse_conf dies iff Perl's does, with the same message; else write_conf returns
    Perl's bytes, or dies iff Perl's does."""
    wrong = []
    for case in fixture()["cases"]:
        raw = text(case["input"])
        if ours(raw) != perl(case):
            wrong.append((case["name"], ours(raw), perl(case)))
    assert not wrong, f"{len(wrong)} cases differ, the first: {wrong[:3]}"


def test_read_dies_first_where_parse_conf_dies() -> None:
    """`read` (what the validator uses) never raises, and its first death is Perl's."""
    for case in fixture()["cases"]:
        reading = pve.read(text(case["input"]))
        stage, message = perl(case)
        first = reading.deaths[0].problem if reading.deaths else None
        assert first == (message if stage == "parse" else None), case["name"]


def test_cq230_fires_exactly_when_perl_parse_conf_dies() -> None:
    """CQ230 is "Perl's parse_conf dies on this file" (its first finding quoting Perl's
    message, at the line of the word Perl dies at), on every recorded file corosync accepts;
    validating never raises."""
    checked = 0
    for case in fixture()["cases"]:
        try:
            doc = corosync.parse(text(case["input"]))
        except corosync.ConfigParseError:
            continue  # the validator never sees these
        checked += 1
        found = [f for f in validate.validate_corosync(doc) if f.code == "CQ230"]
        stage, message = perl(case)
        assert bool(found) == (stage == "parse"), case["name"]
        if found:
            first = next(f for f in found if f.message.startswith("pvecm dies:"))
            assert f'"{message}"' in first.message, case["name"]
            assert first.line == pve.read(doc.dump()).deaths[0].line
    assert checked > 1000


def test_the_recorder_still_generates_the_recorded_corpus() -> None:
    """The corpus generator is deterministic: the fixture's inputs are what it makes."""
    spec = importlib.util.spec_from_file_location("record_pve_perl", RECORDER)
    assert spec and spec.loader
    recorder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(recorder)
    made = [(name, data.decode("latin-1")) for name, data in recorder.corpus()]
    assert made == [(c["name"], c["input"]) for c in fixture()["cases"]]
