"""Distress in a person's own words, at any step and in each language: the SOS information at
once, and the question they were at asked again, so their place is kept."""

from __future__ import annotations

import pytest

from bot.config import BUNDLED_CATALOG
from lessons.loader import load_catalog
from tests.conftest import Person, pick, run_transcript

# Onboarding as an official of the test course (language, consent, role), then its first card.
TO_THE_LESSON = {
    language: [
        ("hola", "1. Español"),
        (number, "1."),
        (yes, "1."),
        ("1", "1."),  # an official: the menu
        ("1", "1."),  # courses: the test course
        # It is written in Spanish and English: French and Kreyòl speakers choose one first.
        *([] if language in ("es", "en") else [("1", "1. Lo básico")]),
        ("1", "(1/3)"),  # its first module, first card
    ]
    for language, number, yes in (
        ("es", "1", "sí"),
        ("en", "2", "yes"),
        ("fr", "3", "oui"),
        ("ht", "4", "wi"),
    )
}
EMERGENCY = {
    "es": "Si estás en peligro ahora, llama al 911.",
    "en": "If you are in danger now, call 911.",
    "fr": "Si vous êtes en danger maintenant, appelez le 911.",
    "ht": "Si ou an danje kounye a, rele 911.",
}
CRIES = {
    "es": ["¡Ayúdenme!", "me quieren secuestrar", "Me están siguiendo, qué hago", "socorro", "911"],
    "en": ["help me please", "HELP ME"],
    "fr": ["Aidez-moi !"],
    "ht": ["ede m", "Ede m souple"],
}


@pytest.mark.parametrize("language", list(TO_THE_LESSON))
def test_a_cry_in_the_middle_of_a_lesson_gets_sos_and_keeps_the_card(engine, language):
    person = Person(engine, address=f"+5215500{language.encode().hex()}")
    run_transcript(person, TO_THE_LESSON[language])
    card = person.says("1")  # the second card of the lesson
    assert "(2/3)" in card
    for cry in CRIES[language]:
        answer = person.says(cry)
        assert EMERGENCY[language] in answer, (cry, answer)
        assert "SOS" in answer and "000" in answer  # the test catalog's safety text
        assert answer.rstrip().endswith(card.rstrip()[-40:]), (cry, answer)
    assert "(3/3)" in person.says("1")  # and the lesson goes on from the same card


def test_a_cry_at_a_quiz_question_keeps_the_question(engine):
    person = Person(engine)
    run_transcript(
        person,
        [
            *TO_THE_LESSON["es"],
            ("1", "(2/3)"),
            ("1", "(3/3)"),
            ("1", "Pregunta 1 de 3"),
            ("me están siguiendo", ["Si estás en peligro ahora", "SOS", "Pregunta 1 de 3"]),
            (pick("Azul"), ["✅ Correcto.", "Pregunta 2 de 3"]),
        ],
    )


def test_words_that_only_look_alike_are_not_a_cry(engine):
    person = Person(engine)
    run_transcript(person, TO_THE_LESSON["es"])
    for text in ("sigue", "helpful", "ayuda", "ede"):
        assert "Si estás en peligro ahora" not in person.says(text), text


def test_a_phrase_that_is_also_an_option_of_the_step_is_an_answer(engine):
    # As "911" is an option of a bundled quiz question: typed there, it answers it.
    person = Person(engine)
    steps = [("1", "(2/3)"), ("1", "(3/3)"), ("1", "Pregunta 1 de 3")]
    run_transcript(person, [*TO_THE_LESSON["es"], *steps])
    answer = person.says("azul")
    assert "✅ Correcto." in answer and "Si estás en peligro" not in answer
    assert "Si estás en peligro" in person.says("azul")  # at the next question it is a cry


@pytest.mark.parametrize(
    "text",
    [
        "help me",
        "ayúdenme",
        "me quieren secuestrar",
        "me están siguiendo",
        "socorro",
        "911",
        "ede m",
        "aidez-moi",
        "me robaron mis papeles y me quieren secuestrar",
    ],
)
def test_the_bundled_phrases_hear_the_cries_people_write(text):
    assert load_catalog(BUNDLED_CATALOG).distress.heard_in(text)


@pytest.mark.parametrize("text", ["hola", "tapachula", "quiero aprender", "mi progreso", "1"])
def test_the_bundled_phrases_let_ordinary_messages_through(text):
    assert not load_catalog(BUNDLED_CATALOG).distress.heard_in(text)


NEUTRAL = {
    "es": "Senda: información",
    "en": "Senda: information",
    "fr": "Senda : information",
    "ht": "Senda: enfòmasyon",
}


@pytest.mark.parametrize("language", list(TO_THE_LESSON))
def test_on_a_locked_screen_sos_and_a_cry_show_only_a_neutral_first_line(engine, language):
    # A notification preview shows the first line: "SOS" or "danger" there can put someone at
    # risk when another person sees the phone; the line says only who wrote.
    person = Person(engine, address=f"+5215511{language.encode().hex()}")
    run_transcript(person, TO_THE_LESSON[language])
    for text in ("sos", CRIES[language][0]):
        person.says(text)
        first = person.last[0].text.split("\n")[0]
        assert first == NEUTRAL[language], (text, person.last[0].text)
        assert "SOS" not in first and "911" not in first
