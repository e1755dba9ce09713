"""English and German from one source (issue 19, first part: the diagnosis and its report).

The catalogues are what the code says: the committed template is a fresh extraction, every
message has a German translation with the same placeholders, the compiled `.mo` holds the
`.po`, and German texts use the glossary's terms (docs/glossary.de.md)."""

from __future__ import annotations

import re
import string
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po
from paths import PROJECT

from pvequorum import i18n, i18nbuild
from pvequorum.bundleio import read_bundle
from pvequorum.diagnosis import diagnose
from pvequorum.diagnosis.text import render_text
from pvequorum.errors import InputError

LAB = PROJECT / "tests" / "data" / "bundles" / "lab"


def _german():
    with i18nbuild.po_path("de").open("rb") as handle:
        return read_po(handle, locale="de", domain=i18n.DOMAIN)


def test_the_committed_template_is_what_the_code_says() -> None:
    committed = (i18n.LOCALE_DIR / f"{i18n.DOMAIN}.pot").read_bytes()
    assert committed == i18nbuild._po_bytes(i18nbuild.template()), (
        "run python -m pvequorum.i18nbuild"
    )


def test_every_message_is_translated_with_the_same_placeholders() -> None:
    pot = {m.id for m in i18nbuild.template() if m.id}
    german = _german()
    assert {m.id for m in german if m.id} == pot
    names = lambda text: sorted(f for _, f, _, _ in string.Formatter().parse(text) if f)  # noqa: E731
    for message in german:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"untranslated: {ids[0]!r}"
        for text in strings:
            assert names(text) == names(ids[-1]), (ids[0], text)


def test_the_compiled_catalogue_holds_the_po() -> None:
    assert i18nbuild.po_path("de").with_suffix(".mo").read_bytes() == i18nbuild.mo_bytes(_german())


FORBIDDEN = {
    row.split("|")[1].strip(): [v.strip() for v in row.split("|")[3].split(",") if v.strip()]
    for row in (PROJECT / "docs" / "glossary.de.md").read_text().splitlines()
    if row.startswith("| ") and not row.startswith("| English")
}


def test_german_texts_follow_the_glossary() -> None:
    assert len(FORBIDDEN) >= 15
    words = [w for variants in FORBIDDEN.values() for w in variants]
    for message in _german():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            prose = re.sub(r"`[^`]*`", "", text)  # commands stay as the programs spell them
            for word in words:
                assert not re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", prose), (word, text)


def test_the_language_is_chosen_explicitly_then_by_environment_then_by_locale() -> None:
    assert i18n.language_from("de", {}) == "de"
    assert i18n.language_from(None, {"PVEQUORUM_LANG": "de", "LANG": "en_US.UTF-8"}) == "de"
    assert i18n.language_from(None, {"LANG": "de_DE.UTF-8"}) == "de"
    assert i18n.language_from(None, {"LC_ALL": "de_AT.UTF-8", "LANG": "en_GB"}) == "de"
    assert i18n.language_from(None, {"LANG": "fr_FR.UTF-8"}) == "en"  # not ours: English
    assert i18n.language_from(None, {"LANG": "C.UTF-8"}) == "en"
    assert i18n.language_from(None, {}) == "en"
    for bad in ("fr", "DE", "de_DE", "de; rm -rf /"):
        with pytest.raises(InputError):
            i18n.language_from(bad, {})
        with pytest.raises(InputError):
            i18n.language_from(None, {"PVEQUORUM_LANG": bad})


@pytest.mark.parametrize("name", sorted(p.name for p in LAB.iterdir()))
def test_every_recorded_diagnosis_reads_in_german(name: str) -> None:
    """Same findings, German words: no English sentence of the catalogue is left in the
    text outside what the programs printed (evidence lines, commands)."""
    english = diagnose(read_bundle(LAB / name))
    with i18n.using("de"):
        german = diagnose(read_bundle(LAB / name))
        text = render_text(german)
    assert german.kinds() == english.kinds() and german.verdict == english.verdict
    for ours, theirs in zip(german.findings, english.findings, strict=True):
        assert ours.summary != theirs.summary and ours.evidence == theirs.evidence
    said = "\n".join(
        line for line in text.splitlines() if not re.match(r"\s+\S+/[\w.-]+:\d+: ", line)
    )
    for message in i18nbuild.template():
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for english_text in ids:
            fixed = [p for p in re.split(r"\{[^}]*\}", english_text) if len(p.split()) >= 4]
            for part in fixed:
                assert part.strip() not in said, (name, part)


def test_the_cli_speaks_german_when_asked() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pvequorum", "diagnose", str(LAB / "blocked"), "--lang", "de"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "pve1 hat kein Quorum: 1 Stimme bei Quorum 2" in done.stdout
    assert "Cannot initialize CMAP service" in done.stdout  # program output stays as printed
    bad = subprocess.run(
        [sys.executable, "-m", "pvequorum", "diagnose", str(LAB / "blocked"), "--lang", "fr"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "must be one of en, de" in bad.stderr
