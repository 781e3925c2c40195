"""Telegram end to end through the webhook, with the real library against the fake Bot API."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, update

from bot.channels.text import split_text
from bot.delivery.jobs import sweep
from bot.messages import Outbound
from storage.models import Base, Learner, OutboxMessage, utcnow
from tests.fakes.telegram import FakeTelegram
from tests.telegram_helpers import SECRET, TOKEN, TelegramPerson, text_update
from webhooks import create_app

PAYLOADS = Path(__file__).parent / "payloads" / "telegram"


@pytest.fixture
def fake():
    with FakeTelegram(token=TOKEN) as server:
        yield server


@pytest.fixture
def app(app_config, fake):
    app = create_app(
        {
            **app_config,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_API_BASE_URL": fake.base_url,
        }
    )
    yield app
    app.extensions["senda"].close()


@pytest.fixture
def ana(app, fake) -> TelegramPerson:
    return TelegramPerson(app.test_client(), fake)


def row_counts(service) -> dict[str, int]:
    with service.database.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar()
            for table in Base.metadata.sorted_tables
        }


def onboard(ana: TelegramPerson) -> None:
    ana.writes("/start")
    ana.presses("2. English")
    ana.presses("1. Yes")
    ana.presses("1. Public official")


def test_start_then_buttons_through_onboarding_a_lesson_and_a_quiz(ana, fake):
    answer = ana.writes("/start")
    assert "Choose your language" in answer
    assert [label for label, _ in ana.buttons()] == [
        "1. Español",
        "2. English",
        "3. Français",
        "4. Kreyòl ayisyen",
    ]
    assert "Do you agree?" in ana.presses("2. English")
    assert fake.calls_to("answerCallbackQuery"), "the spinner must stop"
    removed = fake.calls_to("editMessageReplyMarkup")
    assert (removed and "reply_markup" not in removed[-1].params) or not removed[-1].params.get(
        "reply_markup", {}
    ).get("inline_keyboard")
    assert "Who are you?" in ana.presses("1. Yes")
    assert "Menu" in ana.presses("1. Public official")
    assert "Test course" in ana.presses("1. Courses")
    assert "(1/3)" in ana.presses("1. The basics")
    ana.presses("1. Next")
    assert "(3/3)" in ana.presses("1. Next")
    assert "Question 1 of 3" in ana.presses("1. Quiz")
    assert "Right" in ana.presses_answer("Blue")
    assert "Right" in ana.presses_answer("Four")
    result = ana.presses_answer("Yes")
    assert "You got 3 of 3 questions right (100%)" in result
    assert "You passed" in result


def test_plain_text_and_typed_numbers_work_beside_buttons(ana):
    ana.writes("/start")
    assert "Do you agree?" in ana.writes("2")
    assert "Who are you?" in ana.writes("yes")


@pytest.mark.parametrize("secret", [None, "wrong", SECRET + "x", ""])
def test_a_wrong_secret_gets_403_and_stores_nothing(ana, service, fake, secret):
    before = row_counts(service)
    response = ana.post(text_update(ana.chat_id, "hola"), secret=secret)
    assert response.status_code == 403
    assert row_counts(service) == before
    assert fake.calls_to("sendMessage") == []


def test_malformed_json_gets_400(ana, service):
    before = row_counts(service)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    for body in ("{not json", "[]", '{"message": {}}', '{"update_id": "x"}'):
        response = ana.client.post("/webhooks/telegram", data=body, headers=headers)
        assert response.status_code == 400, body
    assert row_counts(service) == before


@pytest.mark.parametrize("payload", ["edited_message", "channel_post"])
def test_update_kinds_not_handled_get_200_and_are_ignored(ana, fake, service, payload):
    before = row_counts(service)
    response = ana.post(json.loads((PAYLOADS / f"{payload}.json").read_text()))
    assert response.status_code == 200
    assert fake.calls_to("sendMessage") == []
    assert row_counts(service) == before


@pytest.mark.parametrize("payload", ["photo", "voice", "sticker", "document", "contact"])
def test_media_gets_a_polite_answer(ana, payload):
    ana.post(json.loads((PAYLOADS / "text_hola.json").read_text()))
    response = ana.post(json.loads((PAYLOADS / f"{payload}.json").read_text()))
    assert response.status_code == 200
    assert "Senda solo lee texto" in ana.last().params["text"]


def test_a_shared_location_is_answered_and_not_stored(ana, service):
    onboard(ana)
    ana.post(json.loads((PAYLOADS / "location.json").read_text()))
    assert (
        "The nearest services:\n\nIn Tapachula, about 1 km from you:\n"
        "• Albergue de prueba A (shelter)" in ana.last().params["text"]
    )
    with service.database.connect() as connection:
        dump = repr([list(connection.execute(select(t))) for t in Base.metadata.sorted_tables])
    assert "14.9056" not in dump and "92.2636" not in dump


def test_a_replayed_update_gets_exactly_one_reply(ana, fake):
    update = text_update(ana.chat_id, "hola", update_id=424242)
    assert ana.post(update).status_code == 200
    assert ana.post(update).status_code == 200
    assert ana.post(update).status_code == 200
    assert len(ana.messages()) == 1


def test_a_deep_link_opens_its_module_after_onboarding(ana, service):
    ana.writes("/start demo__second__org-casa-del-migrante")
    ana.presses("2. English")
    ana.presses("1. Yes")
    assert "Second module (1/1)" in ana.presses("2. Civil-society worker")
    with service.sessions() as session:
        assert session.scalars(select(Learner.referral)).one() == "casa-del-migrante"


def test_a_deep_link_for_someone_onboarded_opens_the_module_at_once(ana):
    onboard(ana)
    assert "Second module (1/1)" in ana.writes("/start demo__second")
    assert "Menu" in ana.writes("/start nothing__here")


def test_the_last_card_offers_a_share_link(ana):
    onboard(ana)
    ana.writes("/start demo__second")
    assert "2. Share this module" in [label for label, _ in ana.buttons()]
    shared = ana.presses("2. Share")
    assert "https://t.me/senda_test_bot?start=demo__second" in shared


def test_a_pressed_button_is_answered_without_waiting_for_its_acknowledgement(ana, fake):
    """The acknowledgement that stops the button's spinner is one round trip to Telegram: the
    answer to the press goes out while it is still on its way."""
    onboard(ana)
    fake.hold_next("answerCallbackQuery", 3.0)
    ana.presses("1. Courses")
    acknowledgement = fake.calls_to("answerCallbackQuery")[-1]
    reply = ana.messages()[-1]
    assert "Test course" in reply.params["text"]
    (acknowledged,) = fake.answered_at("answerCallbackQuery")
    assert acknowledgement.at < reply.at < acknowledged


def test_a_button_pressed_first_after_a_start_asks_telegram_for_the_bot_once(ana, fake):
    """The acknowledgement and the answer start together on a new process's first update:
    one of them asks for the bot (getMe), the other waits for it."""
    from tests.telegram_helpers import callback_update

    fake.hold_next("getMe", 1.0)  # still on its way when the answer is ready to go
    ana.post(callback_update(ana.chat_id, "menu", 1))
    assert len(fake.calls_to("answerCallbackQuery")) == 1
    assert len(ana.messages()) == 1
    assert len(fake.calls_to("getMe")) == 1


def test_an_old_button_does_not_answer_the_current_question(ana, fake):
    onboard(ana)
    ana.presses("1. Courses")
    ana.presses("1. The basics")
    first_card_id = len([c for c in fake.calls_to("sendMessage") if c.failed is None])
    ana.presses("1. Next")
    from tests.telegram_helpers import callback_update

    ana.post(callback_update(ana.chat_id, "next", first_card_id))
    answer = ana.last().params["text"]
    assert "earlier message" in answer and "(2/3)" in answer


def test_a_long_message_is_split_below_4096(ana, fake, service):
    onboard(ana)
    text = ("palabra " * 600 + "\n\n") * 2
    before = len(ana.messages())
    with service.sessions.begin() as session:
        learner = session.scalars(select(Learner)).one()
        service.outbox.enqueue(session, learner, [Outbound(text)], kind="push")
        learner_id = learner.id
    assert service.outbox.flush(learner_id).sent == 4
    sent = [c.params["text"] for c in ana.messages()[before:]]
    assert sent == split_text(text, 4096)
    assert all(len(part) <= 4096 for part in sent)
    assert all(part.split() and set(part.split()) == {"palabra"} for part in sent)


def test_a_short_flood_wait_is_waited_out(ana, fake):
    fake.fail_next("flood", retry_after=1)
    assert "Choose your language" in ana.writes("/start")
    assert [c.failed for c in fake.calls_to("sendMessage")] == ["flood", None]


def test_a_push_refused_for_flood_waits_for_a_new_turn_of_the_pace(ana, fake, service):
    """A reply waits out a short flood wait at once; a push does not: sent again a second
    later outside the channel's pace, it would arrive among paced sends and be refused again."""
    onboard(ana)
    with service.sessions.begin() as session:
        learner = session.scalars(select(Learner)).one()
        service.outbox.enqueue(session, learner, [Outbound("Aviso de seguridad")], kind="push")
        learner_id = learner.id
    before = len(fake.calls_to("sendMessage"))
    fake.fail_next("flood", retry_after=1)
    assert service.outbox.flush(learner_id).pending == 1
    assert [c.failed for c in fake.calls_to("sendMessage")[before:]] == ["flood"]
    with service.sessions() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "push")).one()
        assert row.state == "pending" and "flood control" in row.reason
        assert row.next_attempt_at > row.created_at  # later, with a new turn


def test_a_long_flood_wait_leaves_the_reply_to_the_worker(ana, fake, service):
    fake.fail_next("flood", retry_after=30)
    assert ana.writes("/start") == ""
    with service.sessions() as session:
        row = session.scalars(select(OutboxMessage)).one()
        assert row.state == "pending" and "retry after 30" in row.reason
        wait = (row.next_attempt_at - row.created_at).total_seconds()
        assert 29 <= wait <= 40
    assert sweep(service) == 0  # not yet due
    with service.sessions.begin() as session:
        session.execute(update(OutboxMessage).values(next_attempt_at=row.created_at))
    assert sweep(service) == 1
    assert "Choose your language" in ana.last().params["text"]


def test_server_errors_and_dropped_connections_are_retried(ana, fake, service):
    fake.fail_next("server")
    assert "Choose your language" in ana.writes("/start")  # retried at once
    fake.fail_next("drop", times=2)
    ana.writes("2")
    with service.sessions() as session:
        pending = session.scalars(select(OutboxMessage).where(OutboxMessage.state == "pending"))
        row = pending.one()
    with service.sessions.begin() as session:
        session.execute(update(OutboxMessage).values(next_attempt_at=row.created_at))
    assert sweep(service) == 1
    assert "Do you agree?" in ana.last().params["text"]
    assert [t for t in ana.fake.sent_texts() if "Do you agree?" in t].__len__() == 1


def test_a_reply_waits_behind_an_earlier_one_still_to_send(ana, fake, service):
    ana.writes("/start")
    fake.fail_next("drop", times=2)
    assert ana.writes("2") == ""  # the consent question waits for its retry
    assert ana.writes("hola") == "", "nothing may overtake the consent question"
    with service.sessions.begin() as session:
        session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    assert sweep(service) == 2  # both, in the order they were written
    after_language = [c.params["text"] for c in ana.messages()[1:]]
    assert len(after_language) == 2 and all("Do you agree?" in t for t in after_language)
    with service.sessions() as session:
        states = session.scalars(select(OutboxMessage.state).order_by(OutboxMessage.id)).all()
    assert states == ["sent", "sent", "sent"]


def test_a_reply_waits_behind_one_left_pending_while_it_waited_for_the_person(ana, fake, service):
    """Another transaction holds the person's row and leaves a message of theirs to send (its
    send failed) as this message arrives. The answer must see that message once the row is free
    and wait behind it: on PostgreSQL a check made in the statement that waited for the row
    reads what was committed before the wait, and would send the answer first."""
    onboard(ana)
    locked, sent_before = threading.Event(), len(fake.calls_to("sendMessage"))

    def earlier_message_left_pending() -> None:
        with service.sessions.begin() as session:
            learner = session.scalars(select(Learner).with_for_update()).one()
            locked.set()
            time.sleep(0.5)  # the webhook's message arrives and waits for the row
            session.add(
                OutboxMessage(
                    learner_id=learner.id,
                    channel="telegram",
                    text="earlier",
                    next_attempt_at=utcnow() + timedelta(minutes=1),
                    created_at=utcnow(),
                )
            )
            learner.last_seen_at = utcnow()

    holder = threading.Thread(target=earlier_message_left_pending)
    holder.start()
    assert locked.wait(5)
    assert ana.writes("menu") == "", "the answer may not overtake the earlier message"
    holder.join(5)
    assert len(fake.calls_to("sendMessage")) == sent_before
    with service.sessions() as session:
        waiting = session.scalars(
            select(OutboxMessage.text)
            .where(OutboxMessage.state == "pending")
            .order_by(OutboxMessage.id)
        ).all()
    assert len(waiting) == 2 and waiting[0] == "earlier" and "Menu" in waiting[1]


@contextmanager
def statements_seen(service, fake) -> Iterator[list[tuple[str, str, int]]]:
    """The statements sent meanwhile: (verb, table, sendMessage calls the fake had by then)."""
    seen: list[tuple[str, str, int]] = []

    def record(_connection, _cursor, statement, *_args) -> None:
        words = statement.replace("(", " ").split()
        before_table = {"INSERT": "INTO", "SELECT": "FROM", "UPDATE": "UPDATE", "DELETE": "FROM"}
        if words[0] in before_table:
            # The last FROM: a subquery in what a SELECT reads comes before the table it reads.
            at = len(words) - 1 - words[::-1].index(before_table[words[0]])
            seen.append((words[0], words[at + 1], len(fake.calls_to("sendMessage"))))

    event.listen(service.database, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(service.database, "before_cursor_execute", record)


def test_choosing_courses_holds_the_person_and_answers_before_anything_is_written(
    ana, fake, service
):
    onboard(ana)
    before, after = len(fake.calls_to("sendMessage")), len(fake.calls_to("sendMessage")) + 1
    with statements_seen(service, fake) as seen:
        assert "Test course" in ana.writes("courses")
    assert seen == [
        ("INSERT", "processed_messages", before),  # the message id (a redelivery stops here)
        ("SELECT", "learners", before),  # the person's row, held to the commit
        ("SELECT", "module_progress", before),  # for the menu, to read what they typed
        ("SELECT", "module_progress", before),  # for the courses, each with how far they got
        ("SELECT", "outbox", before),  # whether an earlier message of theirs still waits
        ("INSERT", "outbox", after),  # the answer, sent, without its words
        ("UPDATE", "learners", after),  # last seen, and the new step: one write, at the commit
        ("INSERT", "chat_message_ids", after),  # what they wrote, for CLEAR and a tidy chat
    ]


def test_a_module_opened_again_from_the_list_resumes_at_the_card_left(ana, fake, service):
    onboard(ana)
    ana.writes("courses")
    for visit, card in ((1, "First test card."), (2, "Second test card.")):
        assert card in ana.writes("1"), f"visit {visit}"  # the module, where they left it
        if visit == 1:
            ana.writes("next")
            ana.writes("menu")
            ana.writes("courses")


def test_a_blocked_bot_stops_sending_until_the_person_writes_again(ana, fake, service):
    onboard(ana)
    fake.fail_next("blocked")
    ana.writes("menu")
    with service.sessions() as session:
        assert session.scalars(select(Learner.unreachable_at)).one() is not None
    with service.sessions.begin() as session:
        learner = session.scalars(select(Learner)).one()
        service.outbox.enqueue(session, learner, [Outbound("a push")])
        learner_id = learner.id
    sends = len(fake.calls_to("sendMessage"))
    service.outbox.flush(learner_id)
    assert len(fake.calls_to("sendMessage")) == sends, "nothing is sent to someone who blocked"
    assert "Menu" in ana.writes("menu")
    with service.sessions() as session:
        assert session.scalars(select(Learner.unreachable_at)).one() is None


def test_blocking_the_bot_marks_the_learner(ana, service):
    onboard(ana)
    ana.post(json.loads((PAYLOADS / "my_chat_member_blocked.json").read_text()))
    with service.sessions() as session:
        assert session.scalars(select(Learner.unreachable_at)).one() is not None


def test_erasing_leaves_nothing_and_the_confirmation_still_arrives(ana, service):
    onboard(ana)
    assert "has been erased" in ana.writes("delete")
    counts = row_counts(service)
    assert counts["learners"] == counts["outbox"] == counts["module_progress"] == 0


def test_the_channel_is_off_without_a_token(app_config):
    app = create_app(app_config)
    response = app.test_client().post("/webhooks/telegram", json={"update_id": 1})
    assert response.status_code == 404
    app.extensions["senda"].close()


def test_retry_timing_uses_backoff(service):
    from bot.delivery.outbox import backoff

    assert [backoff(n) for n in (1, 2, 3, 10, 20)] == [2, 4, 8, 600, 600]
    assert timedelta(seconds=backoff(1)).total_seconds() == 2
