"""SOS by SMS over the fake Twilio, with the bundled content: parts of at most 3 segments, the
most urgent first, MORE for the rest, nothing lost; WhatsApp gets the answer whole."""

from __future__ import annotations

import pytest

from bot.config import BUNDLED_CATALOG
from bot.i18n import Translator
from lessons.loader import read_catalog
from lessons.model import localized
from lessons.sms import sms_segments, to_gsm
from tests.fakes.twilio import FakeTwilio
from tests.twilio_helpers import ACCOUNT_SID, AUTH_TOKEN, TwilioPerson, twilio_settings
from webhooks import create_app

CATALOG, _ = read_catalog(BUNDLED_CATALOG)
SMS_SENDER = "+5215587654321"
WHATSAPP_SENDER = "whatsapp:+5215512345678"
# The choice of each language on the first question, and the word for MORE as people type it.
LANGUAGES = [("es", "1", "mas"), ("ht", "4", "PLIS"), ("en", "2", "More"), ("fr", "3", "plus")]


@pytest.fixture
def fake():
    with FakeTwilio(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN) as server:
        yield server


@pytest.fixture
def app(app_config, fake):
    config = {**app_config, **twilio_settings(fake.base_url), "SENDA_CATALOG": ""}
    app = create_app(config)
    yield app
    app.extensions["senda"].close()


def sent(person: TwilioPerson, fake, text: str) -> list[str]:
    """The bodies Senda sent back to one message, each as the fake received it."""
    before = len(fake.messages(to=person.to))
    person.writes(text)
    return [r.params["Body"] for r in fake.messages(to=person.to)[before:]]


def entries(language: str) -> list[str]:
    """Every safety entry, and the way to nearby services, as SMS writes them."""
    texts = [localized(e.text, language, CATALOG.safety_language) for e in CATALOG.safety]
    texts.append(Translator(language)._("To find services near you, share your location."))
    return [to_gsm(text) for text in texts]


@pytest.mark.parametrize(("language", "choice", "more"), LANGUAGES, ids=[x[0] for x in LANGUAGES])
def test_sos_by_sms_in_parts_of_three_segments_then_more(app, fake, language, choice, more):
    t = Translator(language)
    person = TwilioPerson(app.test_client(), fake, sender=SMS_SENDER)
    person.writes("hola")
    person.writes(choice)
    neutral = to_gsm(t._("Senda: information"))
    more_line = to_gsm(t._("Write {word} for the rest.", word=t.main_word("more")))

    first, *prompt = sent(person, fake, "sos")
    assert first.startswith(neutral + "\n\n")  # all a locked screen shows
    assert sms_segments(first) in (("GSM-7", 2), ("GSM-7", 3))
    assert first.index("911") < first.index("089")  # the most urgent first
    assert first.endswith(more_line)
    assert prompt, "the question the person was at comes again, apart"
    parts = [first]
    while parts[-1].endswith(more_line):
        part, *after = sent(person, fake, more)
        assert part.startswith(neutral + "\n\n")
        assert sms_segments(part)[0] == "GSM-7" and sms_segments(part)[1] <= 3
        assert bool(after) == (not part.endswith(more_line)), "the question after the last part"
        parts.append(part)
    assert 2 <= len(parts) <= 4
    everything = "\n\n".join(parts)
    for text in entries(language):
        assert everything.count(text) == 1, text  # each entry once, none lost
    # The rest is sent: MORE is an unknown word again, and the question comes back.
    again = sent(person, fake, more)
    assert not any(neutral in body for body in again)
    assert again[-1] == prompt[-1]


def test_more_is_only_for_the_message_right_after_an_sos(app, fake):
    person = TwilioPerson(app.test_client(), fake, sender=SMS_SENDER)
    person.writes("hola")
    person.writes("1")
    assert sent(person, fake, "sos")[0].endswith("Escribe MAS para ver el resto.")
    sent(person, fake, "hola")  # anything else: the rest of the SOS is dropped
    assert not any("800 5533 000" in body for body in sent(person, fake, "más"))


def test_sos_on_whatsapp_is_one_message_with_every_entry(app, fake):
    person = TwilioPerson(app.test_client(), fake, sender=WHATSAPP_SENDER)
    person.writes("hola")
    person.writes("4")
    answer = sent(person, fake, "sos")[0]
    assert answer.startswith("Senda: enfòmasyon\n\n")
    assert "PLIS" not in answer
    for entry in CATALOG.safety:
        assert entry.text["ht"] in answer  # as written: accents and all


def test_a_cry_for_help_by_sms_opens_every_message_with_the_neutral_line(app, fake):
    person = TwilioPerson(app.test_client(), fake, sender=SMS_SENDER)
    person.writes("hola")
    person.writes("1")
    answer = sent(person, fake, "me quieren secuestrar")
    assert any("911" in body for body in answer)
    for body in answer:
        if "911" in body or "089" in body:
            assert body.startswith("Senda: informacion\n\n")  # a locked screen shows only this
            assert sms_segments(body)[1] <= 3
