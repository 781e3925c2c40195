"""Languages: catalogs in step with the code, plurals, the language table, and word matching."""

from __future__ import annotations

import pytest
from babel.messages.mofile import read_mo

from bot import catalogs
from bot.i18n import (
    INTERFACE_LANGUAGES,
    LANGUAGES,
    Translator,
    global_word,
    match_option,
    normalize,
)
from bot.messages import Option


def test_the_template_has_every_string_in_the_code():
    with (catalogs.LOCALE_DIR / "messages.pot").open("rb") as handle:
        from babel.messages.pofile import read_po

        template = {
            (m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(handle) if m.id
        }
    in_code = {
        (m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalogs.extract() if m.id
    }
    assert in_code - template == set(), "run `senda i18n update` and translate the new strings"
    assert template - in_code == set(), "run `senda i18n update` to drop unused strings"


@pytest.mark.parametrize("language", INTERFACE_LANGUAGES)
def test_every_language_is_translated_and_compiled(language):
    assert catalogs.untranslated(language) == []
    mo_path = catalogs.po_path(language).with_suffix(".mo")
    with mo_path.open("rb") as handle:
        shipped = {(m.context, str(m.id)): m.string for m in read_mo(handle)}
    import io

    fresh = {
        (m.context, str(m.id)): m.string for m in read_mo(io.BytesIO(catalogs.compiled(language)))
    }
    assert shipped == fresh, "run `senda i18n compile`"


@pytest.mark.parametrize(
    ("language", "one", "three"),
    [
        ("en", "Quiz (1 question)", "Quiz (3 questions)"),
        ("es", "Cuestionario (1 pregunta)", "Cuestionario (3 preguntas)"),
    ],
)
def test_plurals_follow_the_language(language, one, three):
    t = Translator(language)
    assert t.ngettext("Quiz ({n} question)", "Quiz ({n} questions)", 1) == one
    assert t.ngettext("Quiz ({n} question)", "Quiz ({n} questions)", 3) == three


@pytest.mark.parametrize("language", ["ht", "mam", "quc", "kek"])
def test_plurals_are_safe_where_babel_has_no_rules(language):
    t = Translator(language)
    for n in (0, 1, 2, 5, 1_000_000):
        text = t.ngettext("Quiz ({n} question)", "Quiz ({n} questions)", n)
        assert str(n) in text and "{" not in text


def test_the_language_table_names_languages_babel_lacks():
    assert LANGUAGES["mam"].name == "Mam"
    assert LANGUAGES["quc"].name == "K'iche'"
    assert LANGUAGES["kek"].name == "Q'eqchi'"
    # Formats fall back to Spanish where Babel has no locale.
    assert Translator("mam").percent(0.7) == Translator("es").percent(0.7)
    assert Translator("mam")._("Menu") == Translator("es")._("Menu")


@pytest.mark.parametrize(
    ("typed", "word"),
    [
        ("menú", "menu"),
        ("MENU", "menu"),
        ("  Menú!! ", "menu"),
        ("ayuda", "help"),
        ("help", "help"),
        ("SOS", "sos"),
        ("sos!", "sos"),
        ("progreso", "progress"),
        ("Progress", "progress"),
        ("idioma", "language"),
        ("language", "language"),
        ("stop", "stop"),
        ("ALTO", "stop"),
        ("borrar", "delete"),
        ("BORRAR", "delete"),
        ("delete", "delete"),
        ("EFASE", "delete"),
        ("effacer", "delete"),
        ("hola", None),
        ("1", None),
        ("menu please", None),
    ],
)
def test_global_words_in_every_language(typed, word):
    assert global_word(typed) == word


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1", "red"),
        ("3", "light blue"),
        ("b", "green"),
        ("B)", "green"),
        ("Verde", "green"),
        ("VERDE.", "green"),
        ("verde", "green"),
        ("rojo", "red"),
        ("azul claro", "light blue"),
        ("  2  ", "green"),
        ("claro", "light blue"),
        ("4", None),
        ("0", None),
        ("k", None),
        ("amarillo", None),
        ("", None),
    ],
)
def test_reading_a_reply_as_an_option(typed, expected):
    options = [Option("Rojo", "red"), Option("Verde", "green"), Option("Azul claro", "light blue")]
    match = match_option(typed, options, Translator("es"))
    assert (match.option.value if match.option else None) == expected


@pytest.mark.parametrize(
    ("language", "typed", "expected"),
    [
        ("es", "Sí", "yes"),
        ("es", "si", "yes"),
        ("es", "NO", "no"),
        ("en", "yes", "yes"),
        ("en", "Yeah", "yes"),
        ("fr", "oui", "yes"),
        ("ht", "wi", "yes"),
        ("es", "👍", "yes"),
        ("es", "quizá", None),
    ],
)
def test_yes_and_no_in_the_language(language, typed, expected):
    options = [Option("Acepto", "yes"), Option("Rechazo", "no")]
    match = match_option(typed, options, Translator(language))
    assert (match.option.value if match.option else None) == expected


def test_out_of_range_numbers_are_told_apart():
    options = [Option("Uno", "a"), Option("Dos", "b")]
    assert match_option("7", options, Translator("es")).out_of_range
    assert not match_option("hmm", options, Translator("es")).out_of_range


def test_normalize_folds_case_accents_and_punctuation():
    assert normalize("  ¡¡MENÚ!!  ") == "menu"
    assert normalize("Kreyòl\u200b ayisyen") == "kreyol ayisyen"
    assert normalize("\x1b\x00") == ""
