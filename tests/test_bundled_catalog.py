"""The bundled courses keep the promises of the programme: short cards, sourced facts, languages."""

from __future__ import annotations

import pytest

from bot.config import BUNDLED_CATALOG
from bot.sms_preview import render_entry, render_question
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
    # Seven at most: human-security's card on languages became two to fit three SMS segments.
    assert 3 <= len(module.cards) <= 7
    assert 3 <= len(module.questions) <= 5
    for card in module.cards:
        assert set(card.text) == {"es", "en"}
        assert all(len(text) <= 600 for text in card.text.values()), card.id
        assert card.source
    for question in module.questions:
        assert set(question.feedback) == {"es", "en"}, question.id
        assert question.source


def test_the_migrants_course_is_complete_in_four_languages():
    assert MIGRANTS is not None and MIGRANTS.audience == ("migrant",)
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


def test_every_card_question_and_safety_entry_fits_three_sms_segments_in_gsm_7():
    texts = list(sms_texts(BUNDLED_CATALOG, CATALOG, render_question, render_entry))
    assert len(texts) > 200  # every card and question, in each language of its course
    counts = {(t.path.name, t.line, t.language): sms_segments(t.text) for t in texts}
    assert all(encoding == "GSM-7" for encoding, _ in counts.values())
    assert max(count for _, count in counts.values()) <= 3
