"""SENDA_TWILIO_REDACT=1: the words of a finished message leave Twilio's logs. What the person
wrote goes once it is answered; what Senda sent goes once its journey ends (delivered, read,
undelivered, failed), since Twilio redacts only such a message. A refusal never costs an answer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.models import OutboxMessage
from tests.fakes.twilio import FakeTwilio
from tests.twilio_helpers import TwilioPerson, message_form, payload, twilio_settings
from webhooks import create_app

INBOUND_SID = "SM" + "ab" * 16
SMS_PERSON = "+5215587654321"


@pytest.fixture
def fake():
    with FakeTwilio() as server:
        yield server


def make_app(app_config, fake, redact: str):
    return create_app(
        {**app_config, **twilio_settings(fake.base_url), "SENDA_TWILIO_REDACT": redact}
    )


@pytest.fixture
def app(app_config, fake):
    app = make_app(app_config, fake, "1")
    yield app
    app.extensions["senda"].close()


def redactions(fake: FakeTwilio) -> list[tuple[str, str | None]]:
    """(message sid, failure) of every redaction asked of Twilio."""
    return [
        (request.path.rsplit("/", 1)[-1].removesuffix(".json"), request.failed)
        for request in fake.requests
        if request.method == "POST" and "/Messages/" in request.path
    ]


def write(person: TwilioPerson, text: str, sid: str = "SM" + "cd" * 16) -> None:
    """The person writes (with a sid of Twilio's inbound kind, unlike the fake's own)."""
    assert person.post(message_form(person.sender, text, MessageSid=sid)).status_code == 200


def senda_sent(app) -> str:
    with app.extensions["senda"].sessions() as session:
        return session.scalars(select(OutboxMessage.provider_id)).first()


def status(person: TwilioPerson, sid: str, state: str):
    form = payload("status_delivered") | {"MessageSid": sid, "MessageStatus": state}
    return person.post(form, path="/webhooks/twilio/status")


def test_what_the_person_wrote_is_redacted_once_answered(app, fake):
    person = TwilioPerson(app.test_client(), fake, sender=SMS_PERSON)
    fake.add_received(INBOUND_SID, "me secuestraron en Tapachula")
    response = person.post(message_form(person.sender, "hola", MessageSid=INBOUND_SID))
    assert response.status_code == 200
    assert "Choose your language" in person.last()
    assert fake.body_kept(INBOUND_SID) == ""
    assert redactions(fake) == [(INBOUND_SID, None)]


@pytest.mark.parametrize("state", ["delivered", "read", "undelivered", "failed"])
def test_what_senda_sent_is_redacted_when_its_journey_ends(app, fake, state):
    person = TwilioPerson(app.test_client(), fake, sender=SMS_PERSON)
    write(person, "hola")
    sid = senda_sent(app)
    assert "Choose your language" in fake.body_kept(sid)
    assert status(person, sid, state).status_code == 200
    assert fake.body_kept(sid) == ""
    assert (sid, None) in redactions(fake)


@pytest.mark.parametrize("state", ["queued", "sent"])
def test_a_message_still_on_its_way_is_left_alone(app, fake, state):
    person = TwilioPerson(app.test_client(), fake, sender=SMS_PERSON)
    write(person, "hola")
    sid = senda_sent(app)
    assert status(person, sid, state).status_code == 200
    assert sid not in [redacted for redacted, _ in redactions(fake)]
    assert "Choose your language" in fake.body_kept(sid)


def test_a_redaction_twilio_refuses_costs_nothing(app, fake):
    person = TwilioPerson(app.test_client(), fake, sender=SMS_PERSON)
    # Twilio knows no such message (404): logged, and the person is answered all the same.
    write(person, "hola", "SM" + "ef" * 16)
    assert "Choose your language" in person.last()
    assert [failed for _, failed in redactions(fake)] == ["not_found"]


def test_without_the_setting_nothing_is_redacted(app_config, fake):
    app = make_app(app_config, fake, "0")
    try:
        person = TwilioPerson(app.test_client(), fake, sender=SMS_PERSON)
        fake.add_received(INBOUND_SID, "hola")
        write(person, "hola", INBOUND_SID)
        status(person, senda_sent(app), "delivered")
        assert redactions(fake) == []
        assert fake.body_kept(INBOUND_SID) == "hola"
    finally:
        app.extensions["senda"].close()
