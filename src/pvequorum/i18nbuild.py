"""Extract, merge and compile the gettext catalogues with Babel (an edge; docs/i18n.md).

    python -m pvequorum.i18nbuild          # rewrite locale/pvequorum.pot, merge it into
                                           # every language's .po, compile the .mo files

The template holds every `_("...")` and `ngettext("...", "...", n)` of the package; a
message that leaves the code leaves the catalogues, a new one arrives untranslated (and a
test fails until it is translated).  File locations are left out, so moving code changes
no catalogue.  Babel is a development tool here: at run time the standard library reads
the compiled `.mo`.
"""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from pvequorum.i18n import DOMAIN, LANGUAGES, LOCALE_DIR

PACKAGE = Path(__file__).resolve().parent
KEYWORDS = {"_": None, "ngettext": (1, 2)}
HEADER = "# The kit's texts, English source; see docs/i18n.md.\n"
# Fixed dates and names: a rebuild of unchanged messages changes no byte of any catalogue.
FIXED = {
    "project": "pvequorum",
    "version": "1",
    "copyright_holder": "pvequorum",
    "msgid_bugs_address": "pvequorum issues",
    "creation_date": datetime(2026, 1, 1, tzinfo=UTC),
    "revision_date": datetime(2026, 1, 1, tzinfo=UTC),
    "last_translator": "pvequorum team",
}


def template() -> Catalog:
    catalog = Catalog(domain=DOMAIN, fuzzy=False, header_comment=HEADER, **FIXED)  # type: ignore[arg-type]
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(PACKAGE),
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
    ):
        catalog.add(message)
    return catalog


def _po_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=0, omit_header=False, no_location=True, sort_output=True)
    return out.getvalue()


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def merged(lang: str, pot: Catalog) -> Catalog:
    """The language's catalogue with the template's messages: kept, added or dropped."""
    path = po_path(lang)
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang, domain=DOMAIN)
    else:
        catalog = Catalog(locale=lang, domain=DOMAIN, fuzzy=False, header_comment=HEADER)
    catalog.update(pot, no_fuzzy_matching=True)
    for key, value in FIXED.items():
        setattr(catalog, key, value)
    catalog.language_team = {"de": "Deutsch"}.get(lang, lang)
    catalog.obsolete.clear()
    return catalog


def mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def main() -> int:
    pot = template()
    (LOCALE_DIR / f"{DOMAIN}.pot").write_bytes(_po_bytes(pot))
    for lang in LANGUAGES:
        if lang == "en":
            continue
        catalog = merged(lang, pot)
        po_path(lang).parent.mkdir(parents=True, exist_ok=True)
        po_path(lang).write_bytes(_po_bytes(catalog))
        po_path(lang).with_suffix(".mo").write_bytes(mo_bytes(catalog))
    return 0


if __name__ == "__main__":
    sys.exit(main())
