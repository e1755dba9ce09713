"""English and German from one source: gettext catalogues, made with Babel (docs/i18n.md).

Every text a reader sees is written once, in English, as `_("...")` (or `ngettext`) with
named `{placeholders}` filled after the look-up, so a translation may reorder them.  The
German catalogue lives in `locale/de/LC_MESSAGES/pvequorum.po` (compiled to `.mo` by
`python -m pvequorum.i18nbuild`, which also extracts the template `.pot`); the standard
library's gettext reads the `.mo`, so the core still needs nothing beyond Python.

The language is chosen, in this order: an explicit `lang` (a runbook parameter,
`OutageApp(lang=...)`, `--lang`), the environment variable `PVEQUORUM_LANG`, the locale
(`LC_ALL`, `LC_MESSAGES`, `LANG`), else English.  An explicit value that is not one of
`LANGUAGES` is bad input (fail closed); a locale of another language is simply not ours,
so it means English.  Commands, file contents and program output are never translated.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from pvequorum.errors import InputError

LANGUAGES = ("en", "de")
DOMAIN = "pvequorum"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_chosen: ContextVar[str] = ContextVar("pvequorum_language", default="")


def check_language(lang: str, where: str = "parameter lang") -> str:
    if lang not in LANGUAGES:
        raise InputError(f"must be one of {', '.join(LANGUAGES)}, got {lang!r}", where)
    return lang


def language_from(lang: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The language to use: explicit, then PVEQUORUM_LANG, then the locale, then English."""
    if lang:
        return check_language(lang)
    env = os.environ if environ is None else environ
    if env.get("PVEQUORUM_LANG"):
        return check_language(env["PVEQUORUM_LANG"], "PVEQUORUM_LANG")
    for key in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(key)
        if value:
            code = value.split(".")[0].split("_")[0].lower()
            return code if code in LANGUAGES else "en"
    return "en"


def current() -> str:
    return _chosen.get() or language_from()


@contextmanager
def using(lang: str | None) -> Iterator[str]:
    """Texts made inside the block are in `lang` (chosen as `language_from` does)."""
    token = _chosen.set(language_from(lang))
    try:
        yield _chosen.get()
    finally:
        _chosen.reset(token)


def activate(lang: str | None) -> str:
    """Choose the language for the rest of this context (a notebook's kernel)."""
    _chosen.set(language_from(lang))
    return _chosen.get()


@cache
def translations(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, str(LOCALE_DIR), [check_language(lang)])


def _(message: str) -> str:
    """`message` in the current language (itself in English or when not translated)."""
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return translations(current()).ngettext(singular, plural, count)
