"""The bundled courses keep the promises of the programme: short cards, sourced facts, languages."""

from __future__ import annotations

from typing import cast

import pytest
from sqlalchemy.orm import Session

from bot.channels.twilio import SMS, with_numbered_options
from bot.config import BUNDLED_CATALOG
from bot.messages import Inbound
from bot.sms_preview import render_entry, render_question
from dialogs import lesson
from dialogs.base import ServiceInfo, Turn
from lessons.loader import read_catalog
from lessons.model import Catalog
from lessons.sms import sms_segments, to_gsm
from lessons.sms_check import sms_texts
from storage.models import Learner, ModuleProgress

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
    texts = list(sms_texts(BUNDLED_CATALOG, CATALOG, render_question, render_entry))
    assert len(texts) > 200  # every card and question, in each language of its course
    counts = {(t.path.name, t.line, t.language): sms_segments(t.text) for t in texts}
    assert all(encoding == "GSM-7" for encoding, _ in counts.values())
    assert max(count for _, count in counts.values()) <= 3


def _card_as_sent(course, module, index: int, language: str) -> str:
    """A card as the SMS channel sends it, in its longest form: header, text and numbered
    options when the learner has read the module before (Next and Quiz both offered) and share
    links are configured (the last card offers them)."""
    learner = Learner(language=language, state={})
    service = ServiceInfo(share_links=lambda _parameter: ["https://t.me/senda?start=x"])
    # The card reads its progress row through the turn's memo: no database session is needed.
    turn = Turn(Inbound(SMS, ""), learner, cast(Session, None), Catalog((course,)), service=service)
    turn.go("lesson", "card", course=course.id, module=module.id)
    row = ModuleProgress(card_index=index, cards_done=True)
    turn.memo(("progress", course.id, module.id), lambda: row)
    return to_gsm(with_numbered_options(lesson.card_prompt(turn)).text)


@pytest.mark.parametrize("course", CATALOG.courses, ids=lambda c: c.id)
def test_every_card_fits_three_sms_segments_as_sent(course):
    # The card alone is counted above; here with its header and options, as the learner gets it.
    over = []
    for module in course.modules:
        for language in course.languages:
            for index, card in enumerate(module.cards):
                if language not in card.text:
                    continue
                text = _card_as_sent(course, module, index, language)
                assert text.startswith(
                    to_gsm(f"{course.text(module.title, language)} ({index + 1}/")
                )
                encoding, count = sms_segments(text)
                if encoding != "GSM-7" or count > 3:
                    over.append((module.id, card.id, language, len(text), count))
    assert over == []
