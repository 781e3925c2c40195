"""Keeping the gettext catalogs in step with the code: extract, update and compile, with Babel."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.i18n import INTERFACE_LANGUAGES, LOCALE_DIR

PROJECT_ROOT = LOCALE_DIR.parent.parent
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
# What marks a translatable string in the code; pybabel needs the same: -k _ -k ngettext:1,2 ...
KEYWORDS = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "NP_": ((1, "c"), 2),
}
METHOD_MAP = [
    ("bot/**.py", "python"),
    ("dialogs/**.py", "python"),
    ("dashboard/**.py", "python"),
]


def extract() -> Catalog:
    """Every translatable string in the code, as a template catalog."""
    template = Catalog(project="senda", domain=DOMAIN, fuzzy=False)
    for filename, line, message, comments, context in extract_from_dir(
        str(PROJECT_ROOT), method_map=METHOD_MAP, keywords=KEYWORDS
    ):
        template.add(message, locations=[(filename, line)], auto_comments=comments, context=context)
    return template


def po_path(language: str) -> Path:
    """Where a language's PO file lives."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(language: str) -> Catalog:
    """A language's PO file."""
    with po_path(language).open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def update() -> None:
    """Write the template and merge it into every language's PO file (new strings empty)."""
    template = extract()
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("wb") as handle:
        write_po(handle, template, width=100, omit_header=False)
    for language in INTERFACE_LANGUAGES:
        path = po_path(language)
        if path.exists():
            catalog = read_catalog(language)
        else:
            catalog = Catalog(locale=language, domain=DOMAIN, project="senda")
            path.parent.mkdir(parents=True, exist_ok=True)
        catalog.update(template, no_fuzzy_matching=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, ignore_obsolete=True)


def compiled(language: str) -> bytes:
    """A language's PO file compiled to MO bytes (fuzzy entries left out)."""
    buffer = io.BytesIO()
    write_mo(buffer, read_catalog(language), use_fuzzy=False)
    return buffer.getvalue()


def compile_all() -> list[Path]:
    """Compile every PO file into the MO file the service loads."""
    written = []
    for language in INTERFACE_LANGUAGES:
        target = po_path(language).with_suffix(".mo")
        target.write_bytes(compiled(language))
        written.append(target)
    return written


def untranslated(language: str) -> list[str]:
    """Messages a language's PO file has not translated (or marks fuzzy)."""
    missing = []
    for message in read_catalog(language):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing
