"""Dashboard pages: the numbers they show, broadcasts from the web, the share kit, privacy, and a
bounded number of SQL statements per page."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from bot.channels.telegram import parse_update
from bot.channels.twilio import parse_form
from bot.messages import Inbound
from dashboard import numbers
from storage.models import (
    Broadcast,
    Enrolment,
    Learner,
    ModuleProgress,
    OutboxMessage,
    QuizAnswer,
    QuizAttempt,
    utcnow,
)
from tests.dashboard_helpers import audit, post_form, signed_in
from tests.fakes.telegram import FakeTelegram
from tests.learners import make_learners
from tests.telegram_helpers import TOKEN, text_update
from tests.twilio_helpers import WHATSAPP_FROM, message_form
from webhooks import create_app

MX = ZoneInfo("America/Mexico_City")


def figure(page: str, label: str) -> int:
    """A number of a page's figures (<b>N</b>label)."""
    found = re.search(rf"<b[^>]*>(\d+)</b>{re.escape(label)}", page)
    assert found, f"no figure '{label}' on the page"
    return int(found.group(1))


def learner_ids(service) -> list[int]:
    with service.sessions() as session:
        return list(session.scalars(select(Learner.id).order_by(Learner.id)))


def add_pushes(service, states: list[str], kind: str = "push") -> None:
    learner = learner_ids(service)[0]
    now = utcnow()
    with service.sessions.begin() as session:
        for state in states:
            session.add(
                OutboxMessage(
                    learner_id=learner, channel="telegram", kind=kind, text="x", state=state,
                    created_at=now, next_attempt_at=now,
                )
            )  # fmt: skip


def test_the_overview_counts_learners_activity_new_ones_and_pushes(app, service):
    now = utcnow()
    make_learners(service, 3, "telegram", "es", role="migrant")
    make_learners(service, 2, "whatsapp", "en", role="official", first=10)
    make_learners(service, 1, "sms", "fr", role="civil_society", first=20)
    make_learners(service, 2, "telegram", "ht", first=30, last_seen_at=now - timedelta(days=10))
    make_learners(
        service, 1, "telegram", "es", first=40, last_seen_at=now - timedelta(days=40),
        created_at=now - timedelta(days=200),
    )  # fmt: skip
    make_learners(service, 4, "telegram", "es", first=50, consented_at=None, role=None)
    add_pushes(service, ["sent", "sent", "delivered", "read", "failed", "pending", "sending"])
    add_pushes(service, ["sent", "sent", "sent"], kind="reply")  # replies are not pushes
    with service.sessions() as session:
        found = numbers.overview(session, now, "America/Mexico_City")
    assert found.total == 9  # the four who did not agree are not counted
    assert found.by_channel == {"telegram": 6, "whatsapp": 2, "sms": 1}
    assert found.by_language == {"es": 4, "en": 2, "fr": 1, "ht": 2}
    assert found.by_role == {"migrant": 6, "official": 2, "civil_society": 1}
    assert (found.active_7, found.active_30) == (6, 8)
    assert len(found.new_by_week) == numbers.WEEKS
    assert found.new_by_week[-1] == (
        now.astimezone(MX).date() - timedelta(days=now.astimezone(MX).weekday()),
        8,
    )
    assert sum(count for _, count in found.new_by_week) == 8  # the one from 200 days ago is out
    assert found.pushes == {
        "sent": 2, "delivered": 1, "read": 1, "failed": 1, "pending": 2, "held": 0
    }  # fmt: skip
    page = signed_in(app, "viewer").get("/dashboard/overview").get_data(as_text=True)
    assert figure(page, "learners") == 9
    assert figure(page, "active in 7 days") == 6
    assert figure(page, "active in 30 days") == 8
    assert '<svg viewBox="0 0 320 60" role="img" aria-label="Learners by channel">' in page
    assert '<text x="0" y="14">telegram</text>' in page
    assert ">Kreyòl ayisyen</text>" in page  # languages by their own name


def seed_progress(service) -> None:
    """Ten learners in demo/basics at known places, and answers to its first question."""
    make_learners(service, 10, "telegram", "es")
    ids = learner_ids(service)
    places = [(0, False, False)] * 2 + [(1, False, False)] * 3 + [(2, False, False)]
    places += [(0, True, True)] * 3 + [(2, True, False)]
    now = utcnow()
    with service.sessions.begin() as session:
        for learner_id, (card, done, passed) in zip(ids, places, strict=True):
            session.add(Enrolment(learner_id=learner_id, course_id="demo", started_at=now))
            session.add(
                ModuleProgress(
                    learner_id=learner_id, course_id="demo", module_id="basics", card_index=card,
                    cards_done=done, passed=passed, updated_at=now,
                )
            )  # fmt: skip
        session.execute(
            Enrolment.__table__.update()
            .where(Enrolment.learner_id == ids[6])
            .values(completed_at=now)
        )
        for learner_id, choice in zip(ids, "cccaab", strict=False):
            attempt = QuizAttempt(learner_id=learner_id, course_id="demo", module_id="basics")
            session.add(attempt)
            session.flush()
            session.add(
                QuizAnswer(
                    attempt_id=attempt.id, learner_id=learner_id, question_id="colour",
                    choice=choice, correct=choice == "c", answered_at=now,
                )
            )  # fmt: skip


def test_courses_show_the_funnel_card_by_card_and_each_question(app, service):
    seed_progress(service)
    with service.sessions() as session:
        found = numbers.courses(session, service.catalog)
    demo = next(c for c in found if c.id == "demo")
    assert (demo.enrolled, demo.completed) == (10, 1)
    basics = demo.modules[0]
    assert (basics.started, basics.finished, basics.passed) == (10, 4, 3)
    assert basics.reached == [10, 8, 5]
    assert basics.stopped == [2, 3, 1]
    colour = basics.questions[0]
    assert (colour.answers, colour.right, colour.share_right) == (6, 3, 0.5)
    assert (colour.top_wrong, colour.top_wrong_text, colour.top_wrong_count) == ("a", "Verde", 2)
    assert basics.questions[1].answers == 0 and basics.questions[1].share_right is None
    page = signed_in(app, "viewer").get("/dashboard/courses").get_data(as_text=True)
    assert figure(page, "enrolled") == 10
    assert figure(page, "read to the end") == 4
    assert "card 1: 2, card 2: 3, card 3: 1." in page
    assert '<td class="n">50%</td>' in page and "a) Verde (2)" in page
    assert "Download these numbers as CSV" not in page  # a viewer does not export


def test_the_csv_export_holds_the_same_numbers_and_is_audited(app, service):
    seed_progress(service)
    client = signed_in(app, "editor")
    answer = client.get("/dashboard/courses.csv")
    assert answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert rows[0] == ["course", "module", "measure", "item", "value"]
    for expected in (
        ["demo", "", "enrolled", "", "10"],
        ["demo", "basics", "passed", "", "3"],
        ["demo", "basics", "reached_card", "2", "8"],
        ["demo", "basics", "stopped_at_card", "3", "1"],
        ["demo", "basics", "share_right", "colour", "0.500"],
        ["demo", "basics", "most_chosen_wrong", "colour", "a"],
    ):
        assert expected in rows
    assert audit(service)[-1] == ("editor@example.org", "export", "courses.csv")


@pytest.fixture
def telegram():
    with FakeTelegram(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def telegram_app(app_config, telegram):
    app = create_app(
        {
            **app_config,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
            "TELEGRAM_BOT_USERNAME": "senda_test_bot",
            "TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,  # no account: links only, nothing sent
            "SENDA_TELEGRAM_RATE": "0",
            "SENDA_QUIET_HOURS": "0-0",
        }
    )
    yield app
    app.extensions["senda"].close()


def run_queued_jobs(service) -> int:
    """Run what the web app queued, as a worker would; how many jobs ran."""
    queue, ran = service.jobs.queue, 0
    while (task := queue.dequeue()) is not None:
        queue.execute(task)
        ran += 1
    return ran


def test_an_editor_previews_sends_and_follows_a_broadcast(telegram_app, telegram):
    service = telegram_app.extensions["senda"]
    migrants = make_learners(service, 3, "telegram", "es", role="migrant")
    make_learners(service, 2, "telegram", "en", role="official", first=10)
    make_learners(service, 2, "whatsapp", "es", role="migrant", first=20)  # no WhatsApp sender
    client = signed_in(telegram_app, "editor")
    form = {"text_es": "Aviso: albergue abierto.", "text_en": "Notice: shelter open."}
    everyone = post_form(client, "/dashboard/broadcasts/new", {**form, "action": "preview"})
    assert "would reach <b>5</b> people" in everyone.get_data(as_text=True)
    preview = post_form(
        client, "/dashboard/broadcasts/new", {**form, "roles": "migrant", "action": "preview"}
    )
    page = preview.get_data(as_text=True)
    assert "would reach <b>3</b> people" in page
    assert "Aviso: albergue abierto.</textarea>" in page  # the form keeps what was written
    assert 'value="migrant" checked' in page
    with service.sessions() as session:
        assert session.scalars(select(Broadcast)).all() == []  # a preview sends nothing
    sent = post_form(
        client, "/dashboard/broadcasts/new", {**form, "roles": "migrant", "action": "send"}
    )
    assert sent.status_code == 302
    with service.sessions() as session:
        broadcast = session.scalars(select(Broadcast)).one()
    assert sent.location == f"/dashboard/broadcasts/{broadcast.id}"
    assert broadcast.audience == {"roles": ["migrant"]}
    assert broadcast.texts == {"es": "Aviso: albergue abierto.", "en": "Notice: shelter open."}
    actor, action, detail = audit(service)[-1]
    assert (actor, action) == ("editor@example.org", "broadcast")
    assert detail.startswith(f"#{broadcast.id} to 3 people")
    assert run_queued_jobs(service) >= 1
    texts = {str(c.params["chat_id"]): c.params["text"] for c in telegram.calls_to("sendMessage")}
    assert texts == dict.fromkeys(migrants, "Aviso: albergue abierto.")
    status = client.get(sent.location).get_data(as_text=True)
    assert '<b data-count="sent">3</b>' in status
    assert '<b data-count="total">3</b>' in status
    assert '<b id="state">done</b>' in status
    history = client.get("/dashboard/broadcasts").get_data(as_text=True)
    assert "Aviso: albergue abierto." in history


def test_a_broadcast_for_later_waits_for_its_time(telegram_app, telegram):
    service = telegram_app.extensions["senda"]
    make_learners(service, 2, "telegram", "es")
    client = signed_in(telegram_app, "editor")
    later = (datetime.now(MX) + timedelta(days=2)).replace(second=0, microsecond=0)
    until = later + timedelta(hours=6)
    answer = post_form(
        client,
        "/dashboard/broadcasts/new",
        {"text_es": "Mañana", "send_at": later.strftime("%Y-%m-%dT%H:%M"), "urgent": "on",
         "expires_at": until.strftime("%Y-%m-%dT%H:%M"), "action": "send"},
    )  # fmt: skip
    assert answer.status_code == 302
    with service.sessions() as session:
        broadcast = session.scalars(select(Broadcast)).one()
    assert broadcast.send_at == later and broadcast.urgent is True
    assert broadcast.expires_at == until
    [task] = service.jobs.queue.pending()  # a worker keeps it until its time
    assert task.name.endswith("start_broadcast") and task.args == (broadcast.id,)
    assert not service.jobs.queue.ready_to_run(task)
    assert telegram.calls_to("sendMessage") == []


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"text_es": "  "}, "Write the message in at least one language."),
        ({"text_es": "Hola", "send_at": "mañana"}, "The send time is not a date and time."),
        ({"text_es": "Hola", "send_at": "2020-01-01T09:00"}, "The send time is in the past"),
        ({"text_es": "Hola", "roles": "pilot"}, "Unknown role &#39;pilot&#39;"),
        ({"text_es": "Hola", "channels": "fax"}, "Unknown channel &#39;fax&#39;"),
        ({"text_es": "Hola", "expires_at": "luego"}, "The end time is not a date and time."),
        ({"text_es": "Hola", "expires_at": "2020-01-01T09:00"}, "Expires_at must come after"),
    ],
    ids=[
        "no text",
        "bad time",
        "past time",
        "unknown role",
        "unknown channel",
        "bad end",
        "end before now",
    ],
)
def test_a_bad_broadcast_form_is_refused_with_the_reason(telegram_app, form, message):
    service = telegram_app.extensions["senda"]
    client = signed_in(telegram_app, "editor")
    answer = post_form(client, "/dashboard/broadcasts/new", {**form, "action": "send"})
    assert answer.status_code == 400
    assert message in answer.get_data(as_text=True)
    with service.sessions() as session:
        assert session.scalars(select(Broadcast)).all() == []
    assert service.jobs.queue.pending_count() == 0


def onboard(engine, inbound: Inbound, role_choice: str = "3") -> None:
    """A person's first message (a link), then language, consent and role."""
    engine.handle(inbound)
    for number, text in enumerate(("1", "1", role_choice)):
        engine.handle(
            Inbound(inbound.channel, inbound.address, text, message_id=f"{uuid.uuid4()}-{number}")
        )


def test_the_share_kit_links_carry_the_organisation_and_joins_are_counted(telegram_app):
    service = telegram_app.extensions["senda"]
    client = signed_in(telegram_app, "editor")
    plain = client.get("/dashboard/share").get_data(as_text=True)
    assert "https://t.me/senda_test_bot?start=demo__basics" in plain
    assert "https://wa.me/14155238886?text=Senda%20demo__basics" in plain
    added = post_form(
        client, "/dashboard/organisations", {"name": "Casa del Migrante", "code": "casa"}
    )
    assert added.location == "/dashboard/share?org=casa"
    page = client.get(added.location).get_data(as_text=True)
    telegram_link = "https://t.me/senda_test_bot?start=demo__basics__org-casa"
    whatsapp_link = "https://wa.me/14155238886?text=Senda%20demo__basics__org-casa"
    assert telegram_link in page and whatsapp_link in page
    assert audit(service)[-1] == (
        "editor@example.org",
        "organisation added",
        "Casa del Migrante (casa)",
    )
    # Two people join through those links: /start on Telegram, the prefilled text on WhatsApp.
    tg = parse_update_dict(service, text_update(555000111, "/start demo__basics__org-casa"))
    assert tg.start_parameter == "demo__basics__org-casa"
    onboard(service.engine, tg)
    wa = parse_form(message_form("whatsapp:+5215544443333", "Senda demo__basics__org-casa"))
    assert wa.start_parameter == "demo__basics__org-casa"
    onboard(service.engine, wa)
    onboard(service.engine, Inbound("console", "+5215500001111", "hola", message_id="c1"))
    with service.sessions() as session:
        referrals = Counter(session.scalars(select(Learner.referral)))
    assert referrals == {"casa": 2, None: 1}
    page = client.get("/dashboard/share").get_data(as_text=True)
    assert re.search(r"<td>casa</td><td class=\"n\">2</td>", page)
    overview = client.get("/dashboard/overview").get_data(as_text=True)
    assert re.search(
        r">Casa del Migrante</text>\s*<rect[^>]*></rect>\s*<text[^>]*>2</text>", overview
    )


def parse_update_dict(service, update: dict) -> Inbound:
    from telegram import Update

    return parse_update(Update.de_json(update, None))


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("", "casa", "give a name"),
        ("Casa", "Casa Grande", "give a name, and a code"),
        ("Casa", "casa__x", "give a name, and a code"),
        ("Casa", "-casa", "give a name, and a code"),
    ],
    ids=["no name", "spaces and capitals", "underscores", "leading hyphen"],
)
def test_a_bad_organisation_is_refused(app, name, code, message):
    client = signed_in(app, "editor")
    post_form(client, "/dashboard/organisations", {"name": name, "code": code})
    page = client.get("/dashboard/share").get_data(as_text=True)
    assert message in page and "No organisations yet." in page


def test_an_organisation_code_is_taken_once(app):
    client = signed_in(app, "editor")
    post_form(client, "/dashboard/organisations", {"name": "Casa", "code": "casa"})
    post_form(client, "/dashboard/organisations", {"name": "Otra casa", "code": "casa"})
    page = client.get("/dashboard/share").get_data(as_text=True)
    assert "Not added: the code casa is taken." in page and "Otra casa" not in page


def test_no_page_or_export_shows_an_address_or_a_pseudonym(telegram_app, telegram):
    service = telegram_app.extensions["senda"]
    people = [
        Inbound("telegram", "987654321", message_id="t1", start_parameter="demo__basics"),
        Inbound("whatsapp", "+5215598765432", message_id="w1", start_parameter="demo__basics"),
        Inbound("sms", "+5215512349876", message_id="s1", start_parameter="demo__basics"),
        Inbound("console", "+5215511112222", message_id="c1", start_parameter="demo__basics"),
    ]
    for person in people:
        onboard(service.engine, person)
        # The shared module opened after onboarding: next, next, quiz, two answers.
        for number, text in enumerate(("1", "1", "1", "2", "1")):
            message_id = f"{person.message_id}-{number}"
            service.engine.handle(
                Inbound(person.channel, person.address, text, message_id=message_id)
            )
    client = signed_in(telegram_app, "admin")
    post_form(client, "/dashboard/broadcasts/new", {"text_es": "Aviso", "action": "send"})
    run_queued_jobs(service)
    with service.sessions() as session:
        pseudonyms = list(session.scalars(select(Learner.pseudonym)))
        answered = session.scalars(select(QuizAnswer)).all()
    assert len(pseudonyms) == 4 and answered, "the people went through a module and its quiz"
    secrets = [p.address for p in people] + [p.address.lstrip("+") for p in people] + pseudonyms
    seen = ""
    for path in (
        "/dashboard/overview",
        "/dashboard/courses",
        "/dashboard/courses.csv",
        "/dashboard/broadcasts",
        "/dashboard/broadcasts/1",
        "/dashboard/share",
        "/dashboard/accounts",
        "/dashboard/audit",
    ):
        answer = client.get(path)
        assert answer.status_code == 200, path
        seen += answer.get_data(as_text=True)
    assert figure(seen, "learners") == 4
    for secret in secrets:
        assert secret not in seen


def count_statements(service, client, path: str) -> int:
    statements: list[str] = []

    def counter(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(service.database, "before_cursor_execute", counter)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(service.database, "before_cursor_execute", counter)
    return len(statements)


def grow(service, count: int, first: int) -> None:
    """More learners with progress, answers and pushes."""
    make_learners(service, count, "telegram", "es", first=first)
    with service.sessions() as session:
        ids = list(session.scalars(select(Learner.id).order_by(Learner.id.desc()).limit(count)))
    now = utcnow()
    with service.sessions.begin() as session:
        for n, learner_id in enumerate(ids):
            session.add(Enrolment(learner_id=learner_id, course_id="demo", started_at=now))
            session.add(
                ModuleProgress(
                    learner_id=learner_id, course_id="demo", module_id="basics",
                    card_index=n % 3, cards_done=n % 2 == 0, passed=n % 4 == 0, updated_at=now,
                )
            )  # fmt: skip
            attempt = QuizAttempt(learner_id=learner_id, course_id="demo", module_id="basics")
            session.add(attempt)
            session.flush()
            session.add(
                QuizAnswer(
                    attempt_id=attempt.id, learner_id=learner_id, question_id="colour",
                    choice="abc"[n % 3], correct=n % 3 == 1, answered_at=now,
                )
            )  # fmt: skip
            session.add(
                OutboxMessage(
                    learner_id=learner_id, channel="telegram", kind="push", text="x",
                    state=("sent", "read", "failed")[n % 3], created_at=now, next_attempt_at=now,
                )
            )  # fmt: skip


PAGES = [
    "/dashboard/overview",
    "/dashboard/courses",
    "/dashboard/courses.csv",
    "/dashboard/broadcasts",
    "/dashboard/share",
]


def test_each_page_takes_the_same_few_statements_for_5_or_300_learners(app, service):
    client = signed_in(app, "admin")
    post_form(client, "/dashboard/organisations", {"name": "Casa", "code": "casa"})
    grow(service, 5, first=0)
    small = {path: count_statements(service, client, path) for path in PAGES}
    grow(service, 295, first=1000)
    large = {path: count_statements(service, client, path) for path in PAGES}
    assert large == small
    # The account, the numbers' GROUP BY queries, and for the CSV the audit entry's transaction.
    assert max(large.values()) <= 8, large


def test_the_share_kit_gives_a_poster_whose_codes_open_the_organisation_links(telegram_app):
    from tests.pdf_helpers import pdf_text, qr_codes

    editor = signed_in(telegram_app, "editor")
    post_form(editor, "/dashboard/organisations", {"name": "Casa", "code": "casa"})
    viewer = signed_in(telegram_app, "viewer")
    page = viewer.get("/dashboard/share?org=casa").get_data(as_text=True)
    assert 'href="/dashboard/share/demo/basics/poster.pdf?org=casa"' in page
    answer = viewer.get("/dashboard/share/demo/basics/poster.pdf?org=casa")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert 'filename="poster-demo-basics-casa.pdf"' in answer.headers["Content-Disposition"]
    assert sorted(qr_codes(answer.data)) == [
        "https://t.me/senda_test_bot?start=demo__basics__org-casa",
        "https://wa.me/14155238886?text=Senda%20demo__basics__org-casa",
    ]
    assert "Lo básico" in pdf_text(answer.data)
    unknown_org = viewer.get("/dashboard/share/demo/basics/poster.pdf?org=nadie")
    assert qr_codes(unknown_org.data)[0] == "https://t.me/senda_test_bot?start=demo__basics"
    assert viewer.get("/dashboard/share/demo/nothing/poster.pdf").status_code == 404


def test_no_poster_without_a_channel_to_join_by(app):
    client = signed_in(app, "viewer")
    assert "poster.pdf" not in client.get("/dashboard/share").get_data(as_text=True)
    assert client.get("/dashboard/share/demo/basics/poster.pdf").status_code == 404
