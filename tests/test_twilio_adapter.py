"""The Twilio adapter: each recorded form and the Inbound it becomes; rendering and segments."""

from __future__ import annotations

import pytest

from bot.channels.twilio import MissingFields, parse_form, with_numbered_options
from bot.messages import Inbound, Location, MediaKind, Option, Outbound
from lessons.sms import sms_segments, to_gsm
from tests.twilio_helpers import payload

WA = "+5215512345678"
SMS = "+5215587654321"


def sid(name: str) -> str:
    return payload(name)["MessageSid"]


CASES = [
    ("whatsapp_text_hola", lambda: Inbound("whatsapp", WA, "hola", sid("whatsapp_text_hola"))),
    (
        "whatsapp_button",
        lambda: Inbound(
            "whatsapp",
            WA,
            "Sí",
            sid("whatsapp_button"),
            choice="yes",
            reply_to=payload("whatsapp_button")["OriginalRepliedMessageSid"],
        ),
    ),
    (
        "whatsapp_location",
        lambda: Inbound(
            "whatsapp",
            WA,
            message_id=sid("whatsapp_location"),
            location=Location(14.9056, -92.2636),
        ),
    ),
    (
        "whatsapp_image",
        lambda: Inbound("whatsapp", WA, message_id=sid("whatsapp_image"), media=MediaKind.PHOTO),
    ),
    (
        "whatsapp_voice",
        lambda: Inbound("whatsapp", WA, message_id=sid("whatsapp_voice"), media=MediaKind.VOICE),
    ),
    ("sms_text", lambda: Inbound("sms", SMS, "HOLA", sid("sms_text"))),
    ("sms_stop", lambda: Inbound("sms", SMS, "STOP", sid("sms_stop"))),
]


@pytest.mark.parametrize(("name", "expected"), CASES, ids=[case[0] for case in CASES])
def test_each_recorded_message(name, expected):
    assert parse_form(payload(name)) == expected()


def test_the_profile_name_never_reaches_the_engine():
    for name, _ in CASES:
        assert "Ana" not in repr(parse_form(payload(name)))


@pytest.mark.parametrize("missing", ["MessageSid", "From"])
def test_missing_required_fields(missing):
    form = payload("whatsapp_text_hola")
    del form[missing]
    with pytest.raises(MissingFields):
        parse_form(form)


def test_options_are_a_numbered_list_in_the_text():
    message = Outbound("¿Aceptas?", (Option("Sí, acepto", "yes"), Option("No", "no")))
    assert with_numbered_options(message).text == "¿Aceptas?\n\n1. Sí, acepto\n2. No"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hola", ("GSM-7", 1)),
        ("a" * 160, ("GSM-7", 1)),
        ("a" * 161, ("GSM-7", 2)),
        ("€" * 80, ("GSM-7", 1)),  # two septets each
        ("€" * 81, ("GSM-7", 2)),
        ("¿Cómo estás?", ("UCS-2", 1)),  # ó is not in GSM-7
        ("ó" * 71, ("UCS-2", 2)),
        ("🙂" * 35, ("UCS-2", 1)),  # two UTF-16 units each
    ],
)
def test_sms_segments(text, expected):
    assert sms_segments(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("¿Cómo estás? Línea, según", "¿Como estas? Linea, segun"),  # ¿ is GSM-7, ó í ú are not
        ("Kreyòl: ou gen dwa, è, à, ù", "Kreyòl: ou gen dwa, è, à, ù"),  # all GSM-7 already
        ("Français : â ê î ô û ë ï ç œ", "Francais : a e i o u e i c oe"),
        ("«\u00a0Oui\u00a0» “yes” ’ – — …", '" Oui " "yes" \' - - ...'),
        ("Niño, PEÑA, Ça", "Niño, PEÑA, Ça"),  # ñ Ñ Ç are GSM-7
        ("Ayuda 🙂", "Ayuda 🙂"),  # no GSM-7 form: the SMS stays UCS-2
        ("Привет", "Привет"),
    ],
)
def test_to_gsm_writes_each_character_in_its_closest_gsm_7_form(text, expected):
    assert to_gsm(text) == expected


def test_an_accented_text_costs_fewer_segments_once_in_gsm_7():
    text = "Asilo: pídelo en la COMAR dentro de los 30 días hábiles después de entrar a México."
    assert sms_segments(text) == ("UCS-2", 2)
    assert sms_segments(to_gsm(text)) == ("GSM-7", 1)


@pytest.mark.parametrize(
    ("body", "start"),
    [
        ("Senda demo__basics", "demo__basics"),
        ("senda  demo__basics__org-casa ", "demo__basics__org-casa"),
        ("SENDA rights-and-safety__my-rights", "rights-and-safety__my-rights"),
        ("Senda", None),
        ("hola", None),
        ("Senda demo", None),
        ("demo__basics", None),
        ("Senda demo__basics y algo más", None),
    ],
)
def test_a_prefilled_whatsapp_text_carries_a_start_parameter(body, start):
    form = payload("whatsapp_text_hola") | {"Body": body}
    inbound = parse_form(form)
    assert inbound.start_parameter == start
    assert inbound.text == body  # the text is kept for the dialogs as it came


def test_the_prefilled_text_of_a_link_is_read_back_as_its_start_parameter():
    from bot.channels.twilio import prefilled_text, start_parameter_of

    assert start_parameter_of(prefilled_text("demo__basics__org-casa")) == "demo__basics__org-casa"
