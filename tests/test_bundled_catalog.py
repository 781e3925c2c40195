"""The bundled courses keep the promises of the programme: short cards, sourced facts, languages."""

from __future__ import annotations

import pytest

from bot.config import BUNDLED_CATALOG
from bot.sms_preview import render_card, render_entry, render_question
from lessons.loader import read_catalog
from lessons.sms import sms_segments
from lessons.sms_check import sms_texts

CATALOG, PROBLEMS = read_catalog(BUNDLED_CATALOG)
OFFICIALS = CATALOG.course("migrant-protection")
MIGRANTS = CATALOG.course("rights-and-safety")


def test_it_validates():
    assert PROBLEMS == []


def test_five_modules_for_officials_and_civil_society_on_the_programme_themes():
    assert OFFICIALS is not None
    assert set(OFFICIALS.audience) == {"official", "civil_society"}
    assert [m.id for m in OFFICIALS.modules] == [
        "human-security",
        "trafficking",
        "children",
        "human-rights",
        "crime-prevention",
    ]
    assert OFFICIALS.pass_mark == 70


@pytest.mark.parametrize("module", OFFICIALS.modules, ids=lambda m: m.id)
def test_each_officials_module_is_short_and_explains_its_answers(module):
    # Twelve at most: long cards became two to fit three SMS segments as sent (the chat shows
    # "(n/total)", so a module of many short cards reads as well as one of few long ones).
    assert 3 <= len(module.cards) <= 12
    assert 3 <= len(module.questions) <= 5
    for card in module.cards:
        assert set(card.text) == {"es", "en"}
        # 360 leaves room for the header and the numbered options of the SMS (see below).
        assert all(len(text.strip()) <= 360 for text in card.text.values()), card.id
        assert card.source
    for question in module.questions:
        assert set(question.feedback) == {"es", "en"}, question.id
        assert question.source


def test_the_migrants_course_is_complete_in_four_languages():
    # Civil-society workers forward it: it is theirs too.
    assert MIGRANTS is not None and MIGRANTS.audience == ("migrant", "civil_society")
    languages = {"es", "en", "fr", "ht"}
    for module in MIGRANTS.modules:
        texts = [module.title, *(c.text for c in module.cards)]
        for question in module.questions:
            texts += [question.prompt, question.feedback, *(o.text for o in question.options)]
        for text in texts:
            assert set(text) == languages, text


def test_the_sos_answer_exists_in_every_interface_language_with_sources():
    assert CATALOG.safety
    for entry in CATALOG.safety:
        assert {"es", "en", "fr", "ht"} <= set(entry.text)
        assert entry.source


NEW_MIGRANT_MODULES = [
    "detained",
    "documents",
    "women-safety",
    "children-families",
    "health",
    "going-home",
]


def test_the_migrants_course_has_its_nine_modules_in_order():
    assert [m.id for m in MIGRANTS.modules] == [
        "your-rights",
        "asylum",
        "staying-safe",
        *NEW_MIGRANT_MODULES,
    ]


@pytest.mark.parametrize("module_id", NEW_MIGRANT_MODULES)
def test_each_new_migrants_module_fits_three_sms_and_varies_its_right_answers(module_id):
    module = MIGRANTS.module(module_id)
    assert 3 <= len(module.cards) <= 6
    assert 2 <= len(module.questions) <= 4
    for card in module.cards:
        assert all(len(text.strip()) <= 380 for text in card.text.values()), card.id
        assert card.source.strip() and "FACTS" not in card.source, card.id
    right = []
    for question in module.questions:
        assert len(question.options) >= 3, question.id
        for language, prompt in question.prompt.items():
            options = sum(len(o.text[language].strip()) for o in question.options)
            size = len(prompt.strip()) + options
            assert size <= 300, (question.id, language, size)
        assert question.source.strip() and "FACTS" not in question.source, question.id
        right.append([n for n, option in enumerate(question.options) if option.correct])
    # The right answer stands at different positions, never always first.
    assert len({tuple(r) for r in right}) == len(right), right


def test_every_card_question_and_safety_entry_fits_three_sms_segments_in_gsm_7():
    renderers = (render_question, render_entry, render_card)
    texts = list(sms_texts(BUNDLED_CATALOG, CATALOG, *renderers))
    assert len(texts) > 200  # every card and question, in each language of its course
    counts = {(t.path.name, t.line, t.language): sms_segments(t.text) for t in texts}
    assert all(encoding == "GSM-7" for encoding, _ in counts.values())
    assert max(count for _, count in counts.values()) <= 3
