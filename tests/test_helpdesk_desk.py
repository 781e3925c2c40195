"""The help desk's staff pages: the queue (pseudonyms only, urgent first, late flagged), a
conversation (decrypted, shown as text, every opening audited), answers that really reach the
person's phone through the fake Telegram and Twilio APIs, notes, taking, closing, the caseworker
role, and what the database keeps (no text in clear) and forgets (the erase word)."""

from __future__ import annotations

import html
import json
import re
import shutil
from collections.abc import Iterator
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from bot.cli import senda
from bot.delivery.jobs import sweep
from storage.models import (
    Base,
    HelpdeskConversation,
    HelpdeskMessage,
    Learner,
    OutboxMessage,
    utcnow,
)
from tests.conftest import TEST_CATALOG
from tests.dashboard_helpers import (
    PASSWORD,
    audit,
    post_form,
    sign_in,
    signed_in,
)
from tests.fakes.telegram import FakeTelegram
from tests.fakes.twilio import FakeTwilio
from tests.telegram_helpers import TOKEN, TelegramPerson, telegram_settings
from tests.twilio_helpers import ACCOUNT_SID, AUTH_TOKEN, TwilioPerson, twilio_settings
from webhooks import create_app

QUEUE = "/dashboard/helpdesk/"
CHAT_ID = 777000111
PHONE = "+5215512345678"
# What a person in English meets on the way to the desk (the Spanish words for the Spanish test).
WORDS = {
    "en": {
        "language": "2",
        "person": "person",
        "topics": "What is it about?",
        "yes": "Yes, write to a person",
    },
    "es": {
        "language": "1",
        "person": "persona",
        "topics": "¿De qué se trata?",
        "yes": "Sí, escribirle a una persona",
    },
}
TOPICS = {
    "en": {"health": "Health", "violence": "Violence, kidnapping or trafficking"},
    "es": {"health": "Salud", "violence": "Violencia, secuestro o trata"},
}
# A caseworker's answer opens with the neutral line a locked screen's preview shows.
PREFIX = {
    "en": "Senda: information\n\nHelp desk: ",
    "es": "Senda: información\n\nEquipo de atención: ",
}
CLOSED_NOTE = {
    "en": "The help desk closed this conversation.",
    "es": "El equipo de atención cerró esta conversación.",
}
ASKED = "Where can I ask for asylum in Tapachula?"
ANSWER = "Go to COMAR on 4a Norte, open 8 to 14; it is free."


# -- the app, its fakes, and people on the channels --------------------------------------------


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio(ACCOUNT_SID, AUTH_TOKEN) as fake:
        yield fake


def make_app(app_config: dict[str, str], telegram: FakeTelegram, twilio: FakeTwilio, **more: str):
    """The web app with Telegram and Twilio pointed at their fakes."""
    return create_app(
        {
            **app_config,
            **telegram_settings(telegram.base_url),
            **twilio_settings(twilio.base_url),
            "SENDA_TELEGRAM_RATE": "0",
            **more,
        }
    )


@pytest.fixture
def desk(app_config, telegram, twilio) -> Iterator:
    """The app of the help desk, its channels on the fakes."""
    app = make_app(app_config, telegram, twilio)
    app.config["TESTING"] = True
    yield app
    app.extensions["senda"].close()


def on_telegram(app, telegram: FakeTelegram, chat_id: int = CHAT_ID) -> TelegramPerson:
    return TelegramPerson(app.test_client(), telegram, chat_id=chat_id)


def on_whatsapp(app, twilio: FakeTwilio, phone: str = PHONE) -> TwilioPerson:
    return TwilioPerson(app.test_client(), twilio, sender=f"whatsapp:{phone}")


def writes_to_the_desk(
    person: TelegramPerson | TwilioPerson,
    text: str = ASKED,
    topic: str = "health",
    language: str = "en",
) -> str:
    """Onboard as a migrant, ask for a person about a topic, agree, and write; Senda's answer."""
    words = WORDS[language]
    for said in ("hola", words["language"], "1", "3"):  # 1: I agree; 3: migrant or traveller
        person.writes(said)
    assert words["topics"] in person.writes(words["person"])
    person.writes(TOPICS[language][topic])
    person.writes(words["yes"])
    return person.writes(text)


def conversation_ids(service) -> list[int]:
    with service.sessions() as session:
        return list(session.scalars(select(HelpdeskConversation.id).order_by("id")))


def only_conversation(service) -> int:
    (found,) = conversation_ids(service)
    return found


def page_of(client, path: str) -> str:
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.status_code)
    return answer.get_data(as_text=True)


def text_of(page: str) -> str:
    """A page's text with its markup and entities gone, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def queue_row(page: str, conversation_id: int) -> str:
    found = re.search(rf'<tr id="conversation-{conversation_id}">.*?</tr>', page, re.S)
    assert found, f"no row for conversation {conversation_id}"
    return text_of(found.group(0))


def queue_order(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="conversation-(\d+)">', page)]


def figure(page: str, name: str) -> int:
    found = re.search(rf'<b id="{name}">(\d+)</b>', page)
    assert found, f"no figure {name}"
    return int(found.group(1))


def conversation_url(conversation_id: int) -> str:
    return f"{QUEUE}{conversation_id}"


def caseworker(app, email: str = "caseworker@example.org"):
    return signed_in(app, "caseworker", email)


def post(client, path: str, data: dict[str, str]):
    """A form post of the desk with the session's CSRF token."""
    return post_form(client, path, data, token_from=QUEUE)


def answer(client, conversation_id: int, text: str):
    return post(client, conversation_url(conversation_id), {"text": text})


def dump(service) -> str:
    """Every row of every table, as text."""
    with service.database.connect() as connection:
        return repr([list(connection.execute(select(t))) for t in Base.metadata.sorted_tables])


def desk_rows(service, learner_id: int | None = None) -> list[OutboxMessage]:
    """The outbox rows of the desk's messages, oldest first."""
    query = select(OutboxMessage).where(OutboxMessage.kind == "desk").order_by(OutboxMessage.id)
    if learner_id is not None:
        query = query.where(OutboxMessage.learner_id == learner_id)
    with service.sessions() as session:
        return list(session.scalars(query))


def pseudonym_of(service, conversation_id: int) -> str:
    with service.sessions() as session:
        conversation = session.get(HelpdeskConversation, conversation_id)
        return session.get(Learner, conversation.learner_id).pseudonym


def set_conversation(service, conversation_id: int, **values) -> None:
    with service.sessions.begin() as session:
        session.execute(
            update(HelpdeskConversation)
            .where(HelpdeskConversation.id == conversation_id)
            .values(**values)
        )


# -- the queue -----------------------------------------------------------------------------------


def test_a_caseworker_sees_the_conversation_under_its_pseudonym_and_nothing_that_names(
    desk, telegram
):
    service = desk.extensions["senda"]
    ana = on_telegram(desk, telegram)
    assert "A person will read it" in writes_to_the_desk(ana)
    conversation_id = only_conversation(service)
    pseudonym = pseudonym_of(service, conversation_id)

    client = caseworker(desk)
    answer_ = client.get(QUEUE)
    page = answer_.get_data(as_text=True)
    assert answer_.status_code == 200
    assert queue_row(page, conversation_id) == (
        f"{pseudonym[:8]} waiting under 1 min Health – English (en) telegram"
    )
    assert figure(page, "open") == 1 and figure(page, "late") == 0
    # It reloads itself, with no script: a meta refresh the page's CSP does not stop.
    assert '<meta http-equiv="refresh" content="20">' in page
    assert "<script" not in page
    assert "script-src" not in answer_.headers["Content-Security-Policy"]
    assert ">Help desk</a>" in page and 'aria-current="page">Help desk' in page
    # Neither the chat id, nor the whole pseudonym, nor what the person wrote, in the queue.
    for secret in (str(CHAT_ID), pseudonym, ASKED, "Ana"):
        assert secret not in page

    opened = page_of(client, conversation_url(conversation_id))
    assert ASKED in text_of(opened) and f"Conversation with {pseudonym[:8]}" in opened
    for secret in (str(CHAT_ID), pseudonym, "Ana"):
        assert secret not in opened
    # No reload while someone may be typing: a link instead.
    assert "http-equiv" not in opened and 'id="reload"' in opened


def test_urgent_first_then_the_longest_waiting(desk, telegram):
    service = desk.extensions["senda"]
    people = {
        "old health": (101, "health", 50),
        "new health": (102, "health", 5),
        "violence": (103, "violence", 1),
    }
    ids = {}
    for name, (chat_id, topic, minutes_ago) in people.items():
        writes_to_the_desk(on_telegram(desk, telegram, chat_id), f"I am {name}", topic)
        ids[name] = conversation_ids(service)[-1]
        set_conversation(service, ids[name], opened_at=utcnow() - timedelta(minutes=minutes_ago))
    page = page_of(caseworker(desk), QUEUE)
    assert queue_order(page) == [ids["violence"], ids["old health"], ids["new health"]]
    urgent = queue_row(page, ids["violence"])
    assert "Violence, kidnapping or trafficking urgent" in urgent
    assert "urgent" not in queue_row(page, ids["old health"])
    assert "waiting 50 min late" in queue_row(page, ids["old health"])
    assert figure(page, "open") == 3 and figure(page, "late") == 1


@pytest.mark.parametrize(
    ("reply_minutes", "waited", "answered", "late"),
    [
        ("30", 10, False, False),
        ("30", 31, False, True),
        ("5", 10, False, True),
        ("5", 10, True, False),  # answered in time: no longer waiting for a first answer
        ("0", 1, False, True),
    ],
    ids=["within 30", "past 30", "past 5", "answered", "zero minutes"],
)
def test_late_after_the_settings_reply_minutes(
    app_config, telegram, twilio, reply_minutes, waited, answered, late
):
    app = make_app(app_config, telegram, twilio, SENDA_HELPDESK_REPLY_MINUTES=reply_minutes)
    service = app.extensions["senda"]
    try:
        writes_to_the_desk(on_telegram(app, telegram))
        conversation_id = only_conversation(service)
        opened = utcnow() - timedelta(minutes=waited, seconds=10)
        values = {"opened_at": opened, "last_message_at": opened}
        if answered:
            values["first_answer_at"] = opened + timedelta(minutes=1)
        set_conversation(service, conversation_id, **values)
        client = caseworker(app)
        page = page_of(client, QUEUE)
        conversation = page_of(client, conversation_url(conversation_id))
    finally:
        service.close()
    assert ("<mark>late</mark>" in queue_row_markup(page, conversation_id)) is late
    assert figure(page, "late") == int(late)
    assert f"no answer after {reply_minutes} min" in text_of(page)
    assert ("<mark>late</mark>" in conversation) is late
    if not answered:
        assert f"waiting {waited} min" in queue_row(page, conversation_id)


def queue_row_markup(page: str, conversation_id: int) -> str:
    found = re.search(rf'<tr id="conversation-{conversation_id}">.*?</tr>', page, re.S)
    assert found
    return found.group(0)


def test_an_empty_queue_says_so(desk):
    page = page_of(caseworker(desk), QUEUE)
    assert "No open conversations." in page
    assert figure(page, "open") == 0 and figure(page, "late") == 0


# -- who opens the desk ------------------------------------------------------------------------

DESK_PATHS = [("GET", QUEUE), ("GET", "{c}"), ("POST", "{c}"), ("POST", "{c}/take")]
DESK_PATHS += [("POST", "{c}/close")]


@pytest.mark.parametrize("role", ["viewer", "editor"])
@pytest.mark.parametrize(("method", "path"), DESK_PATHS, ids=[f"{m} {p}" for m, p in DESK_PATHS])
def test_viewers_and_editors_get_403_on_the_desk_and_change_nothing(
    desk, telegram, role, method, path
):
    service = desk.extensions["senda"]
    ana = on_telegram(desk, telegram)
    writes_to_the_desk(ana)
    conversation_id = only_conversation(service)
    before = len(ana.messages())
    client = signed_in(desk, role)
    url = path.replace("{c}", conversation_url(conversation_id))
    data = {"text": "hello", "outcome": "answered"}
    got = client.get(url) if method == "GET" else post_form(client, url, data)
    assert got.status_code == 403
    page = got.get_data(as_text=True)
    assert "does not open this page" in page and ASKED not in page
    assert ">Help desk</a>" not in page_of(client, "/dashboard/overview")  # no link to it
    assert len(ana.messages()) == before
    with service.sessions() as session:
        conversation = session.get(HelpdeskConversation, conversation_id)
        assert conversation.closed_at is None and conversation.taken_by is None
        assert session.scalar(select(func.count()).select_from(HelpdeskMessage)) == 1
    assert [a for a in audit(service) if a[1].startswith("helpdesk")] == []


@pytest.mark.parametrize("path", [QUEUE, conversation_url(1)])
def test_a_visitor_not_signed_in_is_sent_to_the_sign_in_page(desk, path):
    got = desk.test_client().get(path)
    assert got.status_code == 302
    assert got.location.startswith("/dashboard/login?next=")


@pytest.mark.parametrize("path", [conversation_url(1), conversation_url(1) + "/close"])
def test_a_post_when_signed_out_or_without_the_token_sends_nothing(desk, telegram, path):
    service = desk.extensions["senda"]
    ana = on_telegram(desk, telegram)
    writes_to_the_desk(ana)
    assert only_conversation(service) == 1
    before = len(ana.messages())
    data = {"text": "hello", "outcome": "answered"}
    assert desk.test_client().post(path, data=data).status_code in (302, 400)
    assert caseworker(desk).post(path, data=data).status_code == 400  # no CSRF token
    assert len(ana.messages()) == before
    assert page_of(caseworker(desk, "other@example.org"), QUEUE).count("conversation-1") == 1


# (role, path, status): a caseworker reads people's words, not the numbers; admins see all.
CASEWORKER_PAGES = [
    ("caseworker", QUEUE, 200),
    ("caseworker", "/dashboard/directory", 200),
    ("caseworker", "/dashboard/courses", 403),
    ("caseworker", "/dashboard/courses.csv", 403),
    ("caseworker", "/dashboard/broadcasts", 403),
    ("caseworker", "/dashboard/broadcasts/new", 403),
    ("caseworker", "/dashboard/share", 403),
    ("caseworker", "/dashboard/accounts", 403),
    ("caseworker", "/dashboard/audit", 403),
    ("caseworker", "/dashboard/directory.csv", 403),
    ("admin", QUEUE, 200),
    ("admin", "/dashboard/overview", 200),
    ("admin", "/dashboard/audit", 200),
]


@pytest.mark.parametrize(
    ("role", "path", "status"),
    CASEWORKER_PAGES,
    ids=[f"{r} {p.removeprefix('/dashboard/')}" for r, p, _ in CASEWORKER_PAGES],
)
def test_each_role_opens_what_it_may(desk, role, path, status):
    got = signed_in(desk, role).get(path)
    assert got.status_code == status
    if status == 403:
        assert "Your role (caseworker) does not open this page" in got.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/dashboard/", "/dashboard/overview"])
def test_a_caseworkers_front_door_is_the_queue(desk, path):
    got = caseworker(desk).get(path, follow_redirects=True)
    assert got.status_code == 200 and got.request.path == QUEUE


def test_create_user_makes_a_caseworker_who_signs_in_to_the_queue(desk, app_config):
    result = CliRunner().invoke(
        senda,
        ["admin", "create-user", "Cara@Example.org", "--role", "caseworker"],
        input="a long enough one\n",
        env=app_config,
    )
    assert result.exit_code == 0, result.output
    assert "Created caseworker account cara@example.org" in result.output
    client = desk.test_client()
    signed = sign_in(client, "cara@example.org", "a long enough one")
    assert signed.status_code == 302
    landed = client.get(signed.location, follow_redirects=True)
    assert landed.request.path == QUEUE
    assert ("command line", "account created", "cara@example.org as caseworker") in audit(
        desk.extensions["senda"]
    )


def test_an_admin_makes_a_caseworker_on_the_accounts_page(desk):
    admin = signed_in(desk, "admin", "boss@example.org")
    assert "<option>caseworker</option>" in page_of(admin, "/dashboard/accounts")
    made = post_form(
        admin,
        "/dashboard/accounts",
        {"email": "cara@example.org", "role": "caseworker", "password": PASSWORD},
    )
    assert made.status_code == 302
    cara = desk.test_client()
    assert sign_in(cara, "cara@example.org").status_code == 302
    assert cara.get(QUEUE).status_code == 200
    assert cara.get("/dashboard/courses").status_code == 403


# -- opening a conversation --------------------------------------------------------------------


def test_opening_a_conversation_is_audited_by_its_id_and_never_its_text(desk, telegram):
    service = desk.extensions["senda"]
    writes_to_the_desk(on_telegram(desk, telegram))
    conversation_id = only_conversation(service)
    client = caseworker(desk)
    page_of(client, QUEUE)
    assert [a for a in audit(service) if a[1].startswith("helpdesk")] == []  # the queue: no text
    page_of(client, conversation_url(conversation_id))
    assert audit(service)[-1] == ("caseworker@example.org", "helpdesk_open", str(conversation_id))
    page_of(client, conversation_url(conversation_id))
    opened = [a for a in audit(service) if a[1] == "helpdesk_open"]
    assert len(opened) == 2, "every opening, not only the first"
    assert answer(client, conversation_id, ANSWER).status_code == 303
    entries = audit(service)
    assert ("caseworker@example.org", "helpdesk_answer", str(conversation_id)) in entries
    for _, _, detail in entries:
        assert ASKED not in detail and ANSWER not in detail
    log = page_of(signed_in(desk, "admin"), "/dashboard/audit")
    assert "helpdesk_open" in log and ASKED not in log and ANSWER not in log


def test_what_a_person_wrote_shows_as_text_never_as_markup(desk, telegram):
    service = desk.extensions["senda"]
    writes_to_the_desk(on_telegram(desk, telegram), "<script>alert(1)</script> <b>bold</b>\nnext")
    page = page_of(caseworker(desk), conversation_url(only_conversation(service)))
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt;<br>next" in page
    assert "<script" not in page and "<b>bold" not in page


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_conversation_that_is_not_there_is_a_plain_404(desk, method):
    client = caseworker(desk)
    got = client.get(conversation_url(99)) if method == "GET" else answer(client, 99, "hello")
    assert got.status_code == 404
    assert "This conversation no longer exists" in got.get_data(as_text=True)


# -- answers reach the person ------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_an_answer_reaches_the_person_on_telegram_in_their_language(desk, telegram, language):
    service = desk.extensions["senda"]
    ana = on_telegram(desk, telegram)
    writes_to_the_desk(ana, language=language)
    conversation_id = only_conversation(service)
    client = caseworker(desk)
    sent = answer(client, conversation_id, ANSWER)
    assert sent.status_code == 303
    assert sent.location == conversation_url(conversation_id)
    assert ana.last().params["text"] == PREFIX[language] + ANSWER
    page = page_of(client, conversation_url(conversation_id))
    assert "Answer sent." in page
    shown = text_of(page)
    assert shown.index(ASKED) < shown.index(ANSWER), "oldest first"
    assert "caseworker@example.org" in shown
    (row,) = desk_rows(service)
    assert row.state == "sent"
    with service.sessions() as session:
        conversation = session.get(HelpdeskConversation, conversation_id)
        assert conversation.first_answer_at is not None
        assert conversation.taken_by == "caseworker@example.org"  # who answers, takes it


def test_an_answer_reaches_the_person_on_whatsapp(desk, twilio):
    service = desk.extensions["senda"]
    ana = on_whatsapp(desk, twilio)
    writes_to_the_desk(ana)
    conversation_id = only_conversation(service)
    client = caseworker(desk)
    assert answer(client, conversation_id, ANSWER).status_code == 303
    last = twilio.messages(to=f"whatsapp:{PHONE}")[-1].params
    assert last["Body"] == PREFIX["en"] + ANSWER
    assert [row.state for row in desk_rows(service)] == ["sent"]
    assert "Answer sent." in page_of(client, conversation_url(conversation_id))


def test_past_24_hours_on_whatsapp_the_answer_is_held_not_sent_as_free_text(desk, twilio):
    service = desk.extensions["senda"]
    ana = on_whatsapp(desk, twilio)
    writes_to_the_desk(ana)
    conversation_id = only_conversation(service)
    with service.sessions.begin() as session:
        session.execute(update(Learner).values(last_seen_at=utcnow() - timedelta(hours=25)))
    client = caseworker(desk)
    before = len(twilio.messages())
    warned = page_of(client, conversation_url(conversation_id))
    assert "more than 24 hours ago" in warned
    assert answer(client, conversation_id, ANSWER).status_code == 303
    assert len(twilio.messages()) == before, "no free text outside the window"
    (row,) = desk_rows(service)
    assert row.state == "held"
    page = text_of(page_of(client, conversation_url(conversation_id)))
    assert "Answer kept but held, not sent" in page
    assert ANSWER in page  # kept in the conversation all the same


def test_a_held_answer_is_not_kept_in_clear(desk, twilio):
    # Held, an answer's words stay encrypted in the desk; the outbox keeps only its state.
    service = desk.extensions["senda"]
    writes_to_the_desk(on_whatsapp(desk, twilio))
    with service.sessions.begin() as session:
        session.execute(update(Learner).values(last_seen_at=utcnow() - timedelta(hours=25)))
    assert answer(caseworker(desk), only_conversation(service), ANSWER).status_code == 303
    assert [row.state for row in desk_rows(service)] == ["held"]
    assert "COMAR" not in dump(service)


def test_past_24_hours_on_whatsapp_the_answer_goes_as_the_template(
    app_config, telegram, twilio, tmp_path
):
    catalog = tmp_path / "catalog"
    shutil.copytree(TEST_CATALOG, catalog)
    sid = "HX" + "2" * 32
    (catalog / "whatsapp.yaml").write_text(
        "templates:\n  en: {content_sid: " + sid + ", variable: '1'}\n"
    )
    app = make_app(app_config, telegram, twilio, SENDA_CATALOG=str(catalog))
    service = app.extensions["senda"]
    try:
        writes_to_the_desk(on_whatsapp(app, twilio))
        conversation_id = only_conversation(service)
        with service.sessions.begin() as session:
            session.execute(update(Learner).values(last_seen_at=utcnow() - timedelta(hours=25)))
        client = caseworker(app)
        assert answer(client, conversation_id, ANSWER).status_code == 303
        sent = twilio.messages(to=f"whatsapp:{PHONE}")[-1].params
        assert sent["ContentSid"] == sid
        assert json.loads(sent["ContentVariables"]) == {"1": PREFIX["en"] + ANSWER}
        assert "Body" not in sent
        assert [row.state for row in desk_rows(service)] == ["sent"]
    finally:
        service.close()


def test_two_caseworkers_answer_one_after_the_other_both_go_in_order_once(desk, telegram):
    service = desk.extensions["senda"]
    ana = on_telegram(desk, telegram)
    writes_to_the_desk(ana)
    conversation_id = only_conversation(service)
    first, second = caseworker(desk, "ana.cw@example.org"), caseworker(desk, "ben.cw@example.org")
    assert answer(first, conversation_id, "First answer, from Ana.").status_code == 303
    # Ben's page was open before: he sees Ana's answer when he reloads, and answers too.
    assert "First answer, from Ana." in page_of(second, conversation_url(conversation_id))
    assert answer(second, conversation_id, "Second answer, from Ben.").status_code == 303
    texts = [call.params["text"] for call in ana.messages()]
    desk_texts = [text for text in texts if text.startswith(PREFIX["en"])]
    assert desk_texts == [
        PREFIX["en"] + "First answer, from Ana.",
        PREFIX["en"] + "Second answer, from Ben.",
    ]
    sweep(service)  # a worker passing by sends nothing again
    assert [c.params["text"] for c in ana.messages()] == texts
    shown = text_of(page_of(first, conversation_url(conversation_id)))
    assert shown.index("ana.cw@example.org") < shown.index("First answer")
    assert shown.index("First answer") < shown.index("ben.cw@example.org")
    assert shown.index("ben.cw@example.org") < shown.index("Second answer")


def test_an_answer_to_a_person_who_blocked_the_bot_fails_once_and_is_not_retried(desk, telegram):
    service = desk.extensions["senda"]
    ana = on_telegram(desk, telegram)
    writes_to_the_desk(ana)
    conversation_id = only_conversation(service)
    client = caseworker(desk)
    telegram.fail_next("blocked", times=100)
    tries = len(telegram.calls_to("sendMessage"))
    assert answer(client, conversation_id, ANSWER).status_code == 303
    assert len(telegram.calls_to("sendMessage")) == tries + 1
    (row,) = desk_rows(service)
    assert row.state == "failed" and "blocked" in row.reason
    with service.sessions() as session:
        assert session.scalar(select(Learner.unreachable_at)) is not None
    page = text_of(page_of(client, conversation_url(conversation_id)))
    assert "Answer kept but not delivered" in page and "blocked by the user" in page
    assert "the person cannot be reached on telegram" in page
    # Later answers and the worker's sweeps do not knock on a closed door.
    assert answer(client, conversation_id, "Are you there?").status_code == 303
    for _ in range(3):
        with service.sessions.begin() as session:
            session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
        sweep(service)
    assert len(telegram.calls_to("sendMessage")) == tries + 1
    assert [row.state for row in desk_rows(service)] == ["failed", "failed"]


# -- notes, taking, closing --------------------------------------------------------------------


def test_a_note_stays_with_staff(desk, telegram):
    service = desk.extensions["senda"]
    ana = on_telegram(desk, telegram)
    writes_to_the_desk(ana)
    conversation_id = only_conversation(service)
    before = len(ana.messages())
    client = caseworker(desk)
    noted = post(client, conversation_url(conversation_id), {"note": "Called COMAR for her."})
    assert noted.status_code == 303
    assert len(ana.messages()) == before, "the person never sees a note"
    page = text_of(page_of(client, conversation_url(conversation_id)))
    assert "Note by caseworker@example.org, not sent to the person" in page
    assert "Called COMAR for her." in page
    with service.sessions() as session:
        authors = list(session.scalars(select(HelpdeskMessage.author).order_by("id")))
        conversation = session.get(HelpdeskConversation, conversation_id)
    assert authors == ["person", "note"]
    assert conversation.first_answer_at is None, "a note is not an answer"
    assert ("caseworker@example.org", "helpdesk_note", str(conversation_id)) in audit(service)


@pytest.mark.parametrize(
    ("field", "typed", "problem"),
    [
        ("text", "   ", "The answer is empty."),
        ("text", "x" * 1501, "The answer is longer than 1500 characters."),
        ("note", "", "The note is empty."),
        ("note", "x" * 4001, "The note is longer than 4000 characters."),
    ],
    ids=["empty answer", "long answer", "empty note", "long note"],
)
def test_a_refused_answer_or_note_says_why_and_keeps_what_was_typed(
    desk, telegram, field, typed, problem
):
    service = desk.extensions["senda"]
    ana = on_telegram(desk, telegram)
    writes_to_the_desk(ana)
    conversation_id = only_conversation(service)
    before = len(ana.messages())
    refused = post(caseworker(desk), conversation_url(conversation_id), {field: typed})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert problem in page
    assert f'name="{field}" maxlength' in page and f">{typed}</textarea>" in page
    assert len(ana.messages()) == before
    with service.sessions() as session:
        assert session.scalar(select(func.count()).select_from(HelpdeskMessage)) == 1


def test_taking_a_conversation_shows_who_answers_it(desk, telegram):
    service = desk.extensions["senda"]
    writes_to_the_desk(on_telegram(desk, telegram))
    conversation_id = only_conversation(service)
    ana, ben = caseworker(desk, "ana.cw@example.org"), caseworker(desk, "ben.cw@example.org")
    take = conversation_url(conversation_id) + "/take"
    assert "Take this conversation" in page_of(ana, conversation_url(conversation_id))
    assert post(ana, take, {}).status_code == 303
    assert queue_row(page_of(ana, QUEUE), conversation_id).endswith("you English (en) telegram")
    assert "ana.cw@example.org" in queue_row(page_of(ben, QUEUE), conversation_id)
    seen = page_of(ben, conversation_url(conversation_id))
    assert "ana.cw@example.org has taken this conversation" in seen
    assert "Take this conversation" not in seen
    refused = post(ben, take, {})
    assert refused.status_code == 400
    assert "ana.cw@example.org has taken this conversation." in refused.get_data(as_text=True)
    assert ("ana.cw@example.org", "helpdesk_take", str(conversation_id)) in audit(service)


def test_closing_tells_the_person_empties_the_queue_and_refuses_answers(desk, telegram):
    service = desk.extensions["senda"]
    ana = on_telegram(desk, telegram)
    writes_to_the_desk(ana)
    conversation_id = only_conversation(service)
    client = caseworker(desk)
    assert answer(client, conversation_id, ANSWER).status_code == 303
    close = conversation_url(conversation_id) + "/close"
    assert post(client, close, {"outcome": "solved"}).status_code == 400  # not an outcome
    closed = post(client, close, {"outcome": "referred"})
    assert closed.status_code == 303 and closed.location == QUEUE
    assert CLOSED_NOTE["en"] in ana.last().params["text"]
    queue = page_of(client, QUEUE)
    assert "Conversation 1 closed (referred to a service)." in queue
    assert queue_order(queue) == [] and figure(queue, "open") == 0
    assert audit(service)[-1] == ("caseworker@example.org", "helpdesk_close", "1: referred")
    with service.sessions() as session:
        conversation = session.get(HelpdeskConversation, conversation_id)
        assert (conversation.outcome, conversation.closed_at is not None) == ("referred", True)

    sends = len(ana.messages())
    refused = answer(client, conversation_id, "One more thing")
    assert refused.status_code == 400
    assert "This conversation is closed." in refused.get_data(as_text=True)
    noted = post(client, conversation_url(conversation_id), {"note": "late note"})
    assert noted.status_code == 400
    assert post(client, close, {"outcome": "answered"}).status_code == 400
    assert len(ana.messages()) == sends
    # Read-only: the messages, what came of it, and no form but signing out.
    page = page_of(client, conversation_url(conversation_id))
    assert ASKED in text_of(page) and ANSWER in text_of(page)
    assert "Closed" in text_of(page) and "Referred to a service" in text_of(page)
    assert "<textarea" not in page and "/take" not in page and "/close" not in page
    assert page.count("<form") == 1  # sign out


@pytest.mark.parametrize("language", ["en", "es"])
def test_closing_tells_the_person_in_their_language(desk, twilio, language):
    service = desk.extensions["senda"]
    ana = on_whatsapp(desk, twilio)
    writes_to_the_desk(ana, language=language)
    conversation_id = only_conversation(service)
    client = caseworker(desk)
    closed = post(client, conversation_url(conversation_id) + "/close", {"outcome": "no_reply"})
    assert closed.status_code == 303
    assert CLOSED_NOTE[language] in ana.last()


# -- what is kept, and what is not -------------------------------------------------------------


def test_the_database_keeps_no_text_of_the_conversation_in_clear(desk, telegram, twilio):
    service = desk.extensions["senda"]
    by_telegram = on_telegram(desk, telegram)
    by_whatsapp = on_whatsapp(desk, twilio)
    writes_to_the_desk(by_telegram, "My brother Jonás went missing near Huixtla")
    writes_to_the_desk(by_whatsapp, "Necesito un médico para mi hija Lucía")
    telegram_id, whatsapp_id = conversation_ids(service)
    client = caseworker(desk)
    answer(client, telegram_id, "We will call the Red Cross about Jonás today.")
    answer(client, whatsapp_id, "El Centro de Salud Tapachula atiende a Lucía gratis.")
    post(client, conversation_url(telegram_id), {"note": "Family of Jonás: Red Cross RFL"})
    by_telegram.writes("Thank you, his name is Jonás Pérez")
    post(client, conversation_url(whatsapp_id) + "/close", {"outcome": "answered"})
    # Everything went where it had to, and the desk reads it all back.
    assert telegram.sent_texts(CHAT_ID)[-1].endswith("about Jonás today.")
    page = text_of(page_of(client, conversation_url(telegram_id)))
    assert "his name is Jonás Pérez" in page and "Red Cross RFL" in page

    everything = dump(service)
    for secret in (
        "Jonás",
        "Huixtla",
        "Lucía",
        "Necesito un médico",
        "Red Cross",
        "Centro de Salud",
        str(CHAT_ID),
        PHONE,
        PHONE.lstrip("+"),
    ):
        assert secret not in everything, secret


def test_the_erase_word_takes_the_conversation_out_of_the_queue_and_the_database(desk, telegram):
    service = desk.extensions["senda"]
    ana = on_telegram(desk, telegram)
    writes_to_the_desk(ana)
    other = on_telegram(desk, telegram, chat_id=CHAT_ID + 1)
    writes_to_the_desk(other, "Someone else's question")
    gone, stays = conversation_ids(service)
    client = caseworker(desk)
    answer(client, gone, ANSWER)
    assert queue_order(page_of(client, QUEUE)) == [gone, stays]

    erased = ana.writes("delete")
    if ana.buttons():  # the erase dialog asks to confirm: yes
        erased = ana.presses(ana.buttons()[0][0])
    assert "erased" in erased

    assert queue_order(page_of(client, QUEUE)) == [stays]
    missing = client.get(conversation_url(gone))
    assert missing.status_code == 404
    assert ASKED not in missing.get_data(as_text=True)
    assert answer(client, gone, "Still there?").status_code == 404
    with service.sessions() as session:
        assert list(session.scalars(select(HelpdeskConversation.id))) == [stays]
        kept = session.scalars(select(HelpdeskMessage.conversation_id).distinct()).all()
        assert kept == [stays]


def test_no_other_page_or_export_shows_what_was_written(desk, telegram):
    service = desk.extensions["senda"]
    ana = on_telegram(desk, telegram)
    writes_to_the_desk(ana)
    conversation_id = only_conversation(service)
    admin = signed_in(desk, "admin")
    assert answer(admin, conversation_id, ANSWER).status_code == 303  # admins answer too
    post(admin, conversation_url(conversation_id), {"note": "A note only staff read"})
    seen = ""
    for path in (
        QUEUE,
        "/dashboard/overview",
        "/dashboard/courses",
        "/dashboard/courses.csv",
        "/dashboard/directory",
        "/dashboard/directory.csv",
        "/dashboard/broadcasts",
        "/dashboard/share",
        "/dashboard/accounts",
        "/dashboard/audit",
    ):
        seen += page_of(admin, path)
    for text in (ASKED, ANSWER, "A note only staff read", str(CHAT_ID)):
        assert text not in seen
