"""The help desk as the person meets it, on Telegram against the fake Bot API: from SOS in the
middle of a lesson, to a person's answer, and back to the lesson at the same card; what is kept
(encrypted, erased at a word, purged after the closing) and what never is."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot import helpdesk
from bot.delivery.jobs import purge
from storage.models import Base, HelpdeskConversation, HelpdeskMessage, utcnow
from tests.fakes.telegram import FakeTelegram
from tests.telegram_helpers import TelegramPerson, telegram_settings
from webhooks import create_app

# Onboarding as an official of the test course, into its first module: language, consent, role,
# menu, course, module (each language's number and yes).
START = {"es": ("1", "sí"), "ht": ("4", "wi")}
TEXTS = {
    "es": {
        "sos": "SOS",
        "person": "persona",
        "topic": "Hablar con una persona. ¿De qué se trata?",
        "violence": "Violencia, secuestro o trata",
        "yes": "Sí, escribirle a una persona",
        "when": "Una persona te va a responder aquí",
        "cry": "me están siguiendo dos hombres, tengo miedo",
        "danger": "Si estás en peligro ahora, llama al 911.",
        "received": "Recibido.",
        "more": "estoy cerca de la estación",
        "answer_prefix": "Senda: información\n\nEquipo de atención: ",
        "menu": "menú",
        "continue": "Seguir donde me quedé",
        "closed": "El equipo de atención cerró esta conversación.",
    },
    "ht": {
        "sos": "SOS",
        "person": "moun",
        "topic": "Pale ak yon moun. Se sou ki sijè?",
        "violence": "Vyolans, kidnapin oswa trafik moun",
        "yes": "Wi, ekri yon moun",
        "when": "Yon moun ap reponn ou isit la",
        "cry": "ede m, y ap swiv mwen",
        "danger": "Si ou an danje kounye a, rele 911.",
        "received": "Nou resevwa l.",
        "more": "mwen toupre estasyon an",
        "answer_prefix": "Senda: enfòmasyon\n\nEkip èd la: ",
        "menu": "meni",
        "continue": "Kontinye kote m te rete",
        "closed": "Ekip èd la fèmen konvèsasyon sa a.",
    },
}
ANSWER = "Ve a la Casa del Migrante, te esperan; llama al 911 si se acercan."


@pytest.fixture
def fake():
    with FakeTelegram() as server:
        yield server


@pytest.fixture
def desk_app(app_config, fake):
    app = create_app({**app_config, **telegram_settings(fake.base_url)})
    yield app
    app.extensions["senda"].close()


def _dump(service) -> str:
    with service.database.connect() as connection:
        return repr([list(connection.execute(select(t))) for t in Base.metadata.sorted_tables])


def _to_the_second_card(person: TelegramPerson, language: str) -> str:
    number, yes = START[language]
    # The test course is in Spanish and English: a Kreyòl speaker picks Spanish first.
    chosen = ["1"] if language not in ("es", "en") else []
    for text in ("hola", number, yes, "1", "1", *chosen, "1"):
        person.writes(text)
    card = person.writes("1")
    assert "(2/3)" in card, card
    return card


def _opened(desk_app, fake, topic: str, message: str) -> tuple[TelegramPerson, int]:
    """Someone in a lesson who asked for a person about a topic (its number) and wrote once."""
    service = desk_app.extensions["senda"]
    ana = TelegramPerson(desk_app.test_client(), fake)
    _to_the_second_card(ana, "es")
    for text in ("persona", topic, "Sí, escribirle a una persona", message):
        ana.writes(text)
    with service.sessions() as session:
        return ana, session.scalars(select(HelpdeskConversation.id)).one()


@pytest.mark.parametrize("language", list(TEXTS))
def test_from_sos_in_a_lesson_to_a_persons_answer_and_back_to_the_card(
    desk_app, fake, language, caplog
):
    caplog.set_level(logging.INFO)  # the level the service logs at (bot/logs.py)
    words = TEXTS[language]
    service = desk_app.extensions["senda"]
    ana = TelegramPerson(desk_app.test_client(), fake)
    card = _to_the_second_card(ana, language)

    assert words["sos"] in ana.writes("sos")
    assert words["topic"] in ana.writes(words["person"])
    asked = ana.writes(words["violence"])
    # Urgent: the SOS numbers first, behind a line that says nothing on a locked screen.
    assert asked.split("\n\n")[1].startswith(words["sos"]) and "000" in asked
    assert words["when"] in ana.writes(words["yes"])
    first = ana.writes(words["cry"])
    assert words["danger"] in first and words["received"] in first
    assert ana.writes(words["more"]) == ""  # the bot stays quiet while a person reads

    with service.sessions() as session:
        conversation = session.scalars(select(HelpdeskConversation)).one()
        assert conversation.urgent and conversation.topic == "violence"
        assert conversation.language == language
    assert helpdesk.answer(service, conversation.id, "caseworker@example.org", ANSWER).ok
    assert ana.last().params["text"] == words["answer_prefix"] + ANSWER

    ana.writes(words["menu"])
    # "Continue" is the menu's last item: the numbers before it never shift.
    assert [label for label, _ in ana.buttons()][-1] == f"9. {words['continue']}"
    assert ana.presses("9. ").strip().endswith(card.strip()[-30:])

    dump = _dump(service)
    # What the service logs (INFO and above, as bot/logs.py sets it), whatever another test set.
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    for text in (words["cry"], words["more"], ANSWER):
        assert text not in dump
        assert text not in logged
    # The channel's own outbox keeps only that the answer went, not its text.
    assert "Casa del Migrante" not in dump


def test_closing_tells_the_person_and_the_next_message_goes_to_the_bot(desk_app, fake):
    service = desk_app.extensions["senda"]
    ana, conversation_id = _opened(desk_app, fake, "1", "¿dónde pido refugio?")  # asylum
    assert helpdesk.close(service, conversation_id, "caseworker@example.org", "answered").ok
    assert TEXTS["es"]["closed"] in ana.last().params["text"]
    assert "PERSONA" in ana.last().params["text"]
    assert "cerró tu conversación" in ana.writes("gracias")
    refused = helpdesk.answer(service, conversation_id, "caseworker@example.org", "hola")
    assert not refused.ok and "closed" in refused.problem


def test_the_erase_word_takes_the_conversation_with_it(desk_app, fake):
    service = desk_app.extensions["senda"]
    ana, conversation_id = _opened(desk_app, fake, "2", "mi hijo está enfermo")  # health
    with service.sessions() as session:
        assert session.scalars(select(HelpdeskMessage)).all()
    ana.writes("borrar")
    with service.sessions() as session:
        assert session.scalars(select(HelpdeskConversation)).all() == []
        assert session.scalars(select(HelpdeskMessage)).all() == []
    gone = helpdesk.answer(service, conversation_id, "caseworker@example.org", "¿sigues ahí?")
    assert not gone.ok and "erased" in gone.problem


def test_the_retention_purge_deletes_the_text_of_old_closed_conversations(desk_app, fake):
    service = desk_app.extensions["senda"]
    _ana, conversation_id = _opened(desk_app, fake, "6", "una pregunta")  # something else
    helpdesk.close(service, conversation_id, "caseworker@example.org", "answered")
    purge(service)  # closed today: kept for SENDA_HELPDESK_RETENTION_DAYS (30)
    with service.sessions() as session:
        assert len(session.scalars(select(HelpdeskMessage)).all()) == 1
    with service.sessions.begin() as session:
        long_ago = utcnow() - timedelta(days=31)
        session.execute(update(HelpdeskConversation).values(closed_at=long_ago))
    purge(service)
    with service.sessions() as session:
        assert session.scalars(select(HelpdeskMessage)).all() == []
        conversation = session.get(HelpdeskConversation, conversation_id)
        assert conversation.outcome == "answered"  # the counts stay, without any text


def test_a_stop_does_not_silence_the_persons_own_conversation(desk_app, fake):
    service = desk_app.extensions["senda"]
    ana, conversation_id = _opened(desk_app, fake, "6", "hola")
    ana.writes("alto")  # no more reminders or alerts
    assert helpdesk.answer(service, conversation_id, "caseworker@example.org", "Aquí estoy").ok
    assert ana.last().params["text"] == "Senda: información\n\nEquipo de atención: Aquí estoy"


def test_a_migrant_finds_a_person_in_the_menu_and_free_text_offers_one(engine):
    from tests.conftest import Person, run_transcript

    ana = Person(engine)
    run_transcript(
        ana,
        [
            ("hola", "Elige tu idioma"),
            ("2", "Do you agree?"),
            ("yes", "Who are you?"),
            ("3", ["Services near me", "Talk to a person"]),
            ("my son is sick", ["Sorry, I did not understand.", "write PERSON"]),
            ("talk to a person", "What is it about?"),
        ],
    )


def test_a_request_nobody_answered_in_time_is_told_so_once(app_config, fake):
    app = create_app(
        {**app_config, **telegram_settings(fake.base_url), "SENDA_HELPDESK_REPLY_MINUTES": "0"}
    )
    service = app.extensions["senda"]
    try:
        ana, conversation_id = _opened(app, fake, "3", "ayúdenme")  # violence: urgent
        assert helpdesk.tell_the_late(service) == 1
        assert ana.last().params["text"].startswith("Senda: información\n\nNadie ha respondido")
        assert helpdesk.tell_the_late(service) == 0  # once
        helpdesk.answer(service, conversation_id, "caseworker@example.org", "Aquí estoy")
        assert helpdesk.tell_the_late(service) == 0
    finally:
        service.close()


def test_the_help_text_names_the_word_for_a_person(engine):
    from tests.conftest import Person, run_transcript

    ana = Person(engine)
    run_transcript(
        ana,
        [
            ("hola", "Elige tu idioma"),
            ("1", "¿Estás de acuerdo?"),
            ("sí", "¿Quién eres?"),
            ("3", "Hablar con una persona"),
            ("ayuda", ["BORRAR: borrar todo", "PERSONA: hablar con una persona"]),
        ],
    )
