"""Languages, Babel gettext catalogs, and matching what people type against words and options."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import NumberFormatError, format_percent, parse_decimal
from babel.support import NullTranslations, Translations

from bot.messages import Option

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LANGUAGE = "es"


@dataclass(frozen=True)
class Language:
    """A language as Senda knows it: its name in itself and where its formats come from."""

    code: str
    name: str  # the language's name in the language itself
    formats: str  # the Babel locale for numbers and dates (Spanish where Babel has none)
    interface: bool  # whether the interface is translated into it


LANGUAGES: dict[str, Language] = {
    language.code: language
    for language in (
        Language("es", "Español", "es_MX", True),
        Language("en", "English", "en", True),
        Language("fr", "Français", "fr", True),
        Language("ht", "Kreyòl ayisyen", "ht", True),
        # Mayan and other languages of the route: named here so content can be written in
        # them; Babel has no locale for Mam, Q'anjob'al or Garifuna, so formats are Spanish.
        Language("mam", "Mam", "es_MX", False),
        Language("quc", "K'iche'", "quc", False),
        Language("kek", "Q'eqchi'", "kek", False),
        Language("kjb", "Q'anjob'al", "es_MX", False),
        Language("cab", "Garifuna", "es_MX", False),
    )
}
INTERFACE_LANGUAGES: tuple[str, ...] = tuple(c for c, lang in LANGUAGES.items() if lang.interface)


def N_(message: str) -> str:  # the gettext convention: mark now, translate later
    """Mark a string for extraction without translating it here."""
    return message


def NP_(context: str, message: str) -> str:  # like N_, with a context
    """Mark a string with a context for extraction without translating it here."""
    return message


# The global words (DESIGN.md). Each catalog translates the English word into a comma-separated
# list of the words people of that language type; every language's words work for everyone.
GLOBAL_WORDS = (
    NP_("global word", "menu"),
    NP_("global word", "help"),
    NP_("global word", "sos"),
    NP_("global word", "progress"),
    NP_("global word", "language"),
    NP_("global word", "stop"),
    NP_("global word", "start"),
    NP_("global word", "delete"),
    NP_("global word", "person"),
    NP_("global word", "clear"),
    NP_("global word", "more"),  # the rest of an answer SMS sent in parts (SOS); else nothing
)


@cache
def _catalog(language: str) -> NullTranslations:
    if language not in INTERFACE_LANGUAGES:
        language = DEFAULT_LANGUAGE
    translations = Translations.load(str(LOCALE_DIR), [language], domain="messages")
    return translations


def interface_language(code: str | None) -> str:
    """The interface language for a learner's language: itself if translated, else Spanish."""
    return code if code in INTERFACE_LANGUAGES else DEFAULT_LANGUAGE


class Translator:
    """Interface strings, numbers and answer words of one language."""

    def __init__(self, language: str | None) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self._translations = _catalog(interface_language(self.language))

    def _(self, message: str, **values: object) -> str:
        """Translate a message and fill in its `{placeholders}`."""
        text = self._translations.gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        """Translate with the plural form of the language for `n` (which fills `{n}`)."""
        return self._translations.ngettext(singular, plural, n).format(n=n, **values)

    def pgettext(self, context: str, message: str) -> str:
        """Translate a message that has a context (global and answer words)."""
        return self._translations.pgettext(context, message)

    def operator(self, configured: str) -> str:
        """Who runs the service: the configured name, else the default in this language."""
        return configured or self._("the Senda programme team")

    def percent(self, value: float) -> str:
        """A share (0.0 to 1.0) as a percent, written the way the language writes it."""
        return format_percent(value, locale=_formats_locale(self.language))

    def date(self, value: date) -> str:
        """A date written out the way the language writes it ("28 de noviembre de 2026")."""
        return format_date(value, format="long", locale=_formats_locale(self.language))

    def month(self, value: date) -> str:
        """A month and year the way the language writes them ("septiembre de 2025")."""
        written = format_date(value, format="LLLL y", locale=_formats_locale(self.language))
        # Babel has no month names for some languages (Kreyòl gives "M09 2025"): digits then.
        return (
            f"{value.month:02d}/{value.year}"
            if written.startswith("M0") or written.startswith("M1")
            else written
        )

    def language_name(self, code: str) -> str:
        """A language's name in this language ("espagnol" in French); its own name where
        neither Babel nor Senda has one."""
        names = (
            _HAITIAN_NAMES if self.language == "ht" else _formats_locale(self.language).languages
        )
        return names.get(code) or (LANGUAGES[code].name if code in LANGUAGES else code)

    def language_list(self, codes: Sequence[str]) -> str:
        """Languages named and joined the way this language lists things ("Spanish and
        English")."""
        names = [self.language_name(code) for code in codes]
        if self.language == "ht":
            return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " ak " + names[-1]
        listed = format_list(names, locale=_formats_locale(self.language))
        # Spanish writes "e" before a word that sounds /i/: "español e inglés".
        return (
            re.sub(r" y (?=h?[iíIÍ](?![aeoáéó]))", " e ", listed)
            if self.language == "es"
            else listed
        )

    def main_word(self, word: str) -> str:
        """The first (main) word a catalog lists for a global word, in capitals ("BORRAR")."""
        return self.pgettext("global word", word).split(",")[0].strip().upper()

    def words(self, context: str, message: str) -> frozenset[str]:
        """The normalized words a catalog lists for a word (comma-separated)."""
        return _catalog_words(interface_language(self.language), context, message)


def parse_number(text: str, language: str) -> float | None:
    """A number as people of the language write it (1822, 3.14, 3,14 in French, 1 822), or
    None when the text is not a number."""
    cleaned = re.sub(r"\s+", "", clean_text(text, 60)).rstrip(".")
    if not cleaned:
        return None
    try:
        value: float | None = float(
            parse_decimal(cleaned, locale=_formats_locale(language), strict=True)
        )
    except (NumberFormatError, ValueError, ArithmeticError):
        try:  # a decimal comma where the language writes a point: 3,1415
            value = float(cleaned.replace(",", ".")) if cleaned.count(",") == 1 else None
        except ValueError:
            value = None
    return value if value is not None and math.isfinite(value) else None


@cache
def _formats_locale(language: str) -> Locale:
    try:
        return Locale.parse(LANGUAGES[language].formats)
    except (KeyError, UnknownLocaleError, ValueError):
        return Locale.parse("es_MX")


# Babel has no Kreyòl locale: the names of the languages Senda's content is written in.
_HAITIAN_NAMES = {
    "es": "panyòl",
    "en": "anglè",
    "fr": "fransè",
    "ht": "kreyòl ayisyen",
}

_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\ufeff]")
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")
_SPACES = re.compile(r"\s+")


def clean_text(text: str, limit: int = 2000) -> str:
    """What a person wrote, without control characters, trimmed, and cut to a sane length."""
    return _CONTROL.sub("", text or "").strip()[:limit]


def normalize(text: str) -> str:
    """Fold case, accents, surrounding punctuation and runs of spaces, for matching words."""
    decomposed = unicodedata.normalize("NFKD", clean_text(text, 200).casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", _EDGE_PUNCTUATION.sub("", plain)).strip()


@lru_cache(maxsize=4096)
def normalize_offered(text: str) -> str:
    """`normalize` for what Senda itself offers (option labels and values), kept for the next
    message, which offers the same. Never for what a person wrote: that is not kept."""
    return normalize(text)


@cache
def _catalog_words(language: str, context: str, message: str) -> frozenset[str]:
    words = Translator(language).pgettext(context, message).split(",")
    return frozenset(normalize(w) for w in words if w.strip())


@cache
def _global_word_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for code in INTERFACE_LANGUAGES:
        translator = Translator(code)
        for word in GLOBAL_WORDS:
            for variant in translator.words("global word", word) | {word}:
                table.setdefault(variant, word)
    return table


def global_word(text: str) -> str | None:
    """The global word a message is, in any supported language (`borrar` -> `delete`)."""
    return _global_word_table().get(normalize(text))


YES, NO = NP_("answer word", "yes"), NP_("answer word", "no")
_YES_EMOJI = {"👍", "✅", "👌", "✔", "✔️"}
_NO_EMOJI = {"👎", "❌", "✖", "✖️"}


def yes_or_no(text: str, translator: Translator) -> str | None:
    """`yes` or `no` for a yes/no word of the language (or English, or a thumbs emoji)."""
    stripped = clean_text(text, 20)
    if stripped in _YES_EMOJI:
        return YES
    if stripped in _NO_EMOJI:
        return NO
    word = normalize(text)
    english = Translator("en")
    if word in translator.words("answer word", YES) | english.words("answer word", YES):
        return YES
    if word in translator.words("answer word", NO) | english.words("answer word", NO):
        return NO
    return None


@dataclass(frozen=True)
class Match:
    """The result of reading a reply against the options offered."""

    option: Option | None = None
    out_of_range: bool = False  # a number, but not one of the options


def match_option(text: str, options: Sequence[Option], translator: Translator) -> Match:
    """Read a reply as one of the options: its number, letter, text, value, or yes/no word."""
    word = normalize(text)
    if not options:
        return Match()
    if not word:  # nothing but symbols: perhaps a thumbs-up for yes
        return _yes_no_option(text, options, translator)
    if word.isdigit():
        number = int(word)
        if 1 <= number <= len(options):
            return Match(options[number - 1])
        return Match(out_of_range=True)
    by_label = {normalize_offered(option.label): option for option in options}
    if word in by_label:
        return Match(by_label[word])
    # A value typed out ("menu"); a single letter is a place in what was shown, as a number is
    # (a quiz's options carry their letters in the file as values, shown in another order).
    for option in options:
        if len(word) > 1 and word == normalize_offered(option.value):
            return Match(option)
    if len(word) == 1 and "a" <= word <= "j":
        index = ord(word) - ord("a")
        if index < len(options):
            return Match(options[index])
        return Match(out_of_range=True)
    match = _yes_no_option(text, options, translator)
    if match.option is not None:
        return match
    # The first or last word of a label ("quiz" for "Start the quiz"), when only one fits.
    if len(word) > 2:
        fits = [
            option
            for option in options
            if normalize_offered(option.label).startswith(word + " ")
            or normalize_offered(option.label).endswith(" " + word)
        ]
        if len(fits) == 1:
            return Match(fits[0])
    return Match()


def _yes_no_option(text: str, options: Sequence[Option], translator: Translator) -> Match:
    answer = yes_or_no(text, translator)
    return Match(next((o for o in options if answer is not None and o.value == answer), None))
