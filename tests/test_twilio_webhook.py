"""WhatsApp and SMS end to end: signed webhooks, the real twilio client against the fake API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from bot.delivery.jobs import sweep
from bot.messages import Outbound
from lessons.sms import sms_segments
from storage.models import Base, Learner, OutboxMessage, utcnow
from tests.fakes.twilio import FakeTwilio
from tests.twilio_helpers import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_URL,
    SMS_FROM,
    WHATSAPP_FROM,
    TwilioPerson,
    message_form,
    payload,
    signature,
    twilio_settings,
)
from webhooks import create_app


@pytest.fixture
def fake():
    with FakeTwilio(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN) as server:
        yield server


@pytest.fixture
def twilio_config(app_config, fake) -> dict[str, str]:
    return {
        **app_config,
        "PUBLIC_URL": PUBLIC_URL,
        **twilio_settings(fake.base_url),
    }


@pytest.fixture
def app(twilio_config):
    app = create_app(twilio_config)
    yield app
    app.extensions["senda"].close()


@pytest.fixture
def ana(app, fake) -> TwilioPerson:
    return TwilioPerson(app.test_client(), fake)


def row_counts(service) -> dict[str, int]:
    with service.database.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar()
            for table in Base.metadata.sorted_tables
        }


def test_hola_on_whatsapp_through_a_lesson_and_a_quiz_by_numbers_and_buttons(ana, fake):
    first = ana.writes("hola")
    assert "Choose your language" in first and "1. Español" in first
    request = fake.messages()[-1].params
    assert request["To"] == "whatsapp:+5215512345678" and request["From"] == WHATSAPP_FROM
    assert request["StatusCallback"] == PUBLIC_URL + "/webhooks/twilio/status"
    assert "¿Estás de acuerdo?" in ana.writes("1")
    # A quick-reply press: the payload is the option's value.
    assert "¿Quién eres?" in ana.writes("Sí, acepto", ButtonText="Sí, acepto", ButtonPayload="yes")
    assert "Menú" in ana.writes("1")
    assert "Curso de prueba" in ana.writes("1")
    assert "(1/3)" in ana.writes("1")
    ana.writes("1")
    assert "(3/3)" in ana.writes("1")
    question = ana.writes("1")
    assert "Pregunta 1 de 3" in question
    # The options come in an order of the attempt's own: the number typed is the one shown.
    azul = next(line.split(".")[0] for line in question.splitlines() if line.endswith(". Azul"))
    assert "Correcto" in ana.writes(azul)
    assert "Correcto" in ana.writes("cuatro")
    assert "Acertaste 3 de 3 preguntas (100%)" in ana.writes("sí")


def test_sms_is_answered_through_the_same_engine(app, fake):
    luis = TwilioPerson(app.test_client(), fake, sender="+5215587654321")
    answer = luis.writes("HOLA")
    assert "1. Español" in answer
    assert fake.messages()[-1].params["From"] == SMS_FROM
    assert fake.messages()[-1].params["To"] == "+5215587654321"


LANGUAGES = "Elige tu idioma:\nChoose your language:\nChoisissez votre langue :\nChwazi lang ou:"


@pytest.mark.parametrize(
    ("sender", "to", "from_", "options", "consent"),
    [
        # SMS: in GSM-7 where a character has a form there (ç, í, á go; ñ and ò are GSM-7).
        (
            "+5215587654321",
            "+5215587654321",
            SMS_FROM,
            "1. Español\n2. English\n3. Francais\n4. Kreyòl ayisyen",
            "¿Estas de acuerdo?\n\n1. Si, acepto\n2. No",
        ),
        # WhatsApp: the text as written.
        (
            "whatsapp:+5215512345678",
            "whatsapp:+5215512345678",
            WHATSAPP_FROM,
            "1. Español\n2. English\n3. Français\n4. Kreyòl ayisyen",
            "¿Estás de acuerdo?\n\n1. Sí, acepto\n2. No",
        ),
    ],
    ids=["sms", "whatsapp"],
)
def test_sms_goes_in_gsm_7_and_whatsapp_keeps_its_accents(
    app, fake, sender, to, from_, options, consent
):
    person = TwilioPerson(app.test_client(), fake, sender=sender)
    person.writes("hola")
    assert fake.messages()[-1].params == {
        "To": to,
        "From": from_,
        "StatusCallback": PUBLIC_URL + "/webhooks/twilio/status",
        "Body": f"{LANGUAGES}\n\n{options}",
    }
    person.writes("1")
    body = fake.messages()[-1].params["Body"]
    assert body.endswith(consent)
    encoding, _ = sms_segments(body)
    assert encoding == ("UCS-2" if sender.startswith("whatsapp:") else "GSM-7")


def test_behind_a_tls_proxy_the_public_url_is_what_is_signed(ana, service):
    form = message_form(ana.sender, "hola")
    # The app itself is reached over plain http; Twilio signed the https public URL.
    assert ana.post(form).status_code == 200
    before = row_counts(service)
    wrong = message_form(ana.sender, "hola")
    assert ana.post(wrong, url="http://localhost/webhooks/whatsapp").status_code == 403
    assert row_counts(service) == before


@pytest.mark.parametrize("how", ["missing", "wrong token", "tampered"])
def test_an_unsigned_or_forged_request_gets_403_and_stores_nothing(ana, service, fake, how):
    before = row_counts(service)
    form = message_form(ana.sender, "hola")
    headers = {}
    if how == "wrong token":
        headers["X-Twilio-Signature"] = signature(PUBLIC_URL + "/webhooks/whatsapp", form, "x")
    elif how == "tampered":
        headers["X-Twilio-Signature"] = signature(PUBLIC_URL + "/webhooks/whatsapp", form)
        form = {**form, "Body": "borrar"}
    response = ana.client.post("/webhooks/whatsapp", data=form, headers=headers)
    assert response.status_code == 403
    assert row_counts(service) == before
    assert fake.messages() == []


def test_missing_fields_get_400(ana, service):
    form = message_form(ana.sender, "hola")
    del form["MessageSid"]
    assert ana.post(form).status_code == 400
    assert row_counts(service)["learners"] == 0


@pytest.mark.parametrize("sid", ["\x00", "SM" + "0" * 31 + "\x00", "SM-1", "SM" + "a" * 70])
def test_a_message_or_status_with_an_id_twilio_never_sends_gets_400(ana, service, fake, sid):
    form = message_form(ana.sender, "hola") | {"MessageSid": sid}
    assert ana.post(form).status_code == 400
    status = payload("status_delivered") | {"MessageSid": sid}
    assert status_post(ana, status).status_code == 400
    assert row_counts(service)["learners"] == 0 and fake.messages() == []


def test_a_status_with_an_error_code_twilio_never_sends_is_kept_as_a_plain_failure(ana, service):
    ana.writes("hola")
    with service.sessions() as session:
        row = session.scalars(select(OutboxMessage)).one()
    failed = payload("status_undelivered_21610") | {"MessageSid": row.provider_id}
    assert status_post(ana, failed | {"ErrorCode": "21\x0010"}).status_code == 200
    with service.sessions() as session:
        assert session.get(OutboxMessage, row.id).reason == "twilio failure"
        assert session.scalars(select(Learner.unreachable_at)).one() is None


def test_a_replayed_message_sid_changes_nothing(ana, fake, service):
    form = message_form(ana.sender, "hola")
    assert ana.post(form).status_code == 200
    counts = row_counts(service)
    assert ana.post(form).status_code == 200
    assert len(fake.messages()) == 1
    assert row_counts(service) == counts


def test_media_gets_a_polite_answer_and_is_never_downloaded(ana, fake):
    ana.writes("hola")
    response = ana.post(payload("whatsapp_image") | {"MessageSid": "SM" + "e" * 32})
    assert response.status_code == 200
    assert "Senda solo lee texto" in ana.last()
    assert all("Media" not in r.path for r in fake.requests)


def test_a_location_is_used_and_not_stored(ana, service):
    ana.writes("hola")
    ana.post(payload("whatsapp_location") | {"MessageSid": "SM" + "f" * 32})
    assert (
        "Los servicios más cercanos:\n\nEn Tapachula, a unos 1 km de ti:\n"
        "• Albergue de prueba A (albergue)" in ana.last()
    )
    with service.database.connect() as connection:
        dump = repr([list(connection.execute(select(t))) for t in Base.metadata.sorted_tables])
    assert "14.9056" not in dump and "Tapachula" not in dump


def test_the_profile_name_and_the_number_are_never_stored_in_clear(ana, service):
    ana.writes("hola")
    with service.database.connect() as connection:
        dump = repr([list(connection.execute(select(t))) for t in Base.metadata.sorted_tables])
    assert "Ana" not in dump and "5512345678" not in dump


def onboard(ana: TwilioPerson) -> None:
    for text in ("hola", "2", "1", "1"):
        ana.writes(text)


def push(service, text: str) -> int:
    with service.sessions.begin() as session:
        learner = session.scalars(select(Learner)).one()
        service.outbox.enqueue(session, learner, [Outbound(text)], kind="push")
        return learner.id


def test_a_push_after_25_hours_of_silence_is_held_without_a_template(ana, fake, service):
    onboard(ana)
    with service.sessions.begin() as session:
        session.execute(update(Learner).values(last_seen_at=utcnow() - timedelta(hours=25)))
    sends = len(fake.messages())
    learner_id = push(service, "Aviso: nuevo módulo")
    service.outbox.flush(learner_id)
    assert len(fake.messages()) == sends, "free text outside the window must never be sent"
    with service.sessions() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "push")).one()
        assert (row.state, row.reason) == ("held", "needs template: outside the 24-hour window")


def test_a_push_after_25_hours_uses_the_template_when_there_is_one(twilio_config, fake, tmp_path):
    import shutil

    from tests.conftest import TEST_CATALOG

    catalog = tmp_path / "catalog"
    shutil.copytree(TEST_CATALOG, catalog)
    (catalog / "whatsapp.yaml").write_text(
        "templates:\n  en: {content_sid: HX" + "1" * 32 + ", variable: '1'}\n"
    )
    app = create_app({**twilio_config, "SENDA_CATALOG": str(catalog)})
    service = app.extensions["senda"]
    try:
        ana = TwilioPerson(app.test_client(), fake)
        onboard(ana)
        with service.sessions.begin() as session:
            session.execute(update(Learner).values(last_seen_at=utcnow() - timedelta(hours=25)))
        service.outbox.flush(push(service, "Notice: a new module"))
        sent = fake.messages()[-1].params
        assert sent["ContentSid"] == "HX" + "1" * 32
        assert sent["ContentVariables"] == '{"1": "Notice: a new module"}'
        assert "Body" not in sent
    finally:
        service.close()


def test_a_push_inside_the_window_goes_as_text(ana, fake, service):
    onboard(ana)
    service.outbox.flush(push(service, "Aviso"))
    assert fake.messages()[-1].params["Body"] == "Aviso"


def test_63016_from_twilio_holds_the_message(ana, fake, service):
    onboard(ana)
    fake.fail_next("template_required")
    service.outbox.flush(push(service, "Aviso"))
    with service.sessions() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "push")).one()
        assert row.state == "held" and "63016" in row.reason


def test_21610_stops_sending_to_that_person(ana, fake, service):
    onboard(ana)
    fake.fail_next("opted_out")
    service.outbox.flush(push(service, "Aviso"))
    with service.sessions() as session:
        assert session.scalars(select(Learner.unreachable_at)).one() is not None


def test_server_errors_are_retried_later(ana, fake, service):
    onboard(ana)
    fake.fail_next("server")
    learner_id = push(service, "Aviso")
    service.outbox.flush(learner_id)
    with service.sessions.begin() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "push")).one()
        assert row.state == "pending" and "20500" in row.reason
        session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    assert sweep(service) == 1
    assert fake.messages()[-1].params["Body"] == "Aviso"


def test_long_text_is_split_below_1600_on_words(ana, fake, service):
    onboard(ana)
    service.outbox.flush(push(service, "palabra " * 500))
    bodies = [r.params["Body"] for r in fake.messages()[-3:]]
    assert all(len(body) <= 1600 for body in bodies)
    assert all(set(body.split()) == {"palabra"} for body in bodies)


def status_post(ana, form):
    return ana.post(form, path="/webhooks/twilio/status")


def test_status_callbacks_move_the_outbox_forward_never_back(ana, fake, service):
    ana.writes("hola")
    sid = fake.messages()[-1].params  # the request; the sid is in the outbox
    with service.sessions() as session:
        row = session.scalars(select(OutboxMessage)).one()
    form = payload("status_delivered") | {"MessageSid": row.provider_id}
    assert status_post(ana, form).status_code == 200
    assert status_post(ana, form | {"MessageStatus": "read"}).status_code == 200
    assert status_post(ana, form | {"MessageStatus": "sent"}).status_code == 200
    with service.sessions() as session:
        assert session.get(OutboxMessage, row.id).state == "read"
    assert sid


def test_status_failures_and_opt_outs(ana, service):
    onboard(ana)
    with service.sessions() as session:
        row = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    failed = payload("status_undelivered_21610") | {"MessageSid": row.provider_id}
    assert status_post(ana, failed).status_code == 200
    with service.sessions() as session:
        assert session.get(OutboxMessage, row.id).state == "failed"
        assert session.scalars(select(Learner.unreachable_at)).one() is not None


def test_a_status_for_an_unknown_message_or_status_answers_200(ana, service):
    before = row_counts(service)
    assert status_post(ana, payload("status_delivered")).status_code == 200
    assert status_post(ana, payload("status_unknown")).status_code == 200
    assert row_counts(service) == before


def test_an_unsigned_status_callback_gets_403(ana):
    response = ana.client.post("/webhooks/twilio/status", data=payload("status_delivered"))
    assert response.status_code == 403


@pytest.mark.parametrize("word", ["STOP", "stopall", "Unsubscribe", "CANCEL", "end", "QUIT"])
def test_opt_out_words_stop_pushes_on_whatsapp_and_sms(app, fake, service, word):
    luis = TwilioPerson(app.test_client(), fake, sender="+5215587654321")
    for text in ("hola", "1", "1", "1"):
        luis.writes(text)
    luis.writes(word)
    with service.sessions() as session:
        assert session.scalars(select(Learner.pushes_stopped)).one() is True
    luis.writes("START")
    with service.sessions() as session:
        assert session.scalars(select(Learner.pushes_stopped)).one() is False


def test_no_push_reaches_someone_who_wrote_stop(ana, fake, service):
    onboard(ana)
    ana.writes("STOP")
    sends = len(fake.messages())
    service.outbox.flush(push(service, "Aviso"))
    assert len(fake.messages()) == sends


def test_quick_reply_buttons_when_a_template_fits(twilio_config, fake, tmp_path):
    import json
    import shutil

    from tests.conftest import TEST_CATALOG

    catalog = tmp_path / "catalog"
    shutil.copytree(TEST_CATALOG, catalog)
    two, three = "HX" + "2" * 32, "HX" + "3" * 32
    (catalog / "whatsapp.yaml").write_text(f"quick_reply:\n  2: {two}\n  3: {three}\n")
    app = create_app({**twilio_config, "SENDA_CATALOG": str(catalog)})
    service = app.extensions["senda"]
    try:
        ana = TwilioPerson(app.test_client(), fake)
        ana.writes("hola")  # four languages: too many for quick replies, a numbered list
        assert "1. Español" in fake.messages()[-1].params["Body"]
        ana.writes("1")  # consent: two short options, as buttons
        sent = fake.messages()[-1].params
        assert sent["ContentSid"] == two and "Body" not in sent
        variables = json.loads(sent["ContentVariables"])
        assert variables["2"] == "Sí, acepto" and variables["4"] == "yes"
        assert variables["3"] == "No" and variables["5"] == "no"
        assert "¿Estás de acuerdo?" in variables["1"]
        # Pressing the button posts its id as ButtonPayload.
        assert (
            ana.post(
                message_form(ana.sender, "Sí, acepto", ButtonPayload="yes", ButtonText="Sí, acepto")
            ).status_code
            == 200
        )
        sent = fake.messages()[-1].params
        # The three roles have labels over 20 characters: a numbered list instead of buttons.
        assert "ContentSid" not in sent and "2. Integrante de sociedad civil" in sent["Body"]
        ana.writes("1")  # the menu: six options, a numbered list
        ana.writes("1")  # the modules: two and a Menu button, all short: three buttons
        sent = fake.messages()[-1].params
        assert sent["ContentSid"] == three
        variables = json.loads(sent["ContentVariables"])
        assert [variables[k] for k in "234"] == ["Lo básico", "Segundo módulo", "Menú"]
        assert [variables[k] for k in "567"] == ["m:basics", "m:second", "menu"]
    finally:
        service.close()
