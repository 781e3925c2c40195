"""WhatsApp against `senda serve` behind a pretend TLS proxy: signed over the public https URL."""

from __future__ import annotations

import os
import urllib.error
import urllib.parse
import urllib.request

from tests.fakes.twilio import FakeTwilio
from tests.servers import BIN, free_port, start, stop
from tests.twilio_helpers import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_URL,
    WHATSAPP_FROM,
    message_form,
    signature,
)

SENDER = "whatsapp:+5215500011122"


def post(port: int, form: dict[str, str], signed: bool = True) -> int:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signed:
        headers["X-Twilio-Signature"] = signature(PUBLIC_URL + "/webhooks/whatsapp", form)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/webhooks/whatsapp",
        data=urllib.parse.urlencode(form).encode(),
        headers=headers,
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def shown_at(label: str, marks: str):
    """What to write for the option with this label in a message: its mark (a number or a
    letter) at the place the message shows it."""

    def mark(body: str) -> str:
        numbers = [line.split(". ", 1) for line in body.splitlines() if ". " in line]
        return next(marks[int(n) - 1] for n, text in numbers if n.isdigit() and text == label)

    return mark


def test_a_whatsapp_conversation_through_senda_serve(app_config):
    with FakeTwilio(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN) as fake:
        env = {
            **os.environ,
            **app_config,
            "PUBLIC_URL": PUBLIC_URL,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
            "TWILIO_API_BASE_URL": fake.base_url,
        }
        port = free_port()
        process = start([str(BIN / "senda"), "serve", "--port", str(port)], env, port)
        try:
            assert post(port, message_form(SENDER, "hola"), signed=False) == 403
            assert fake.messages() == []
            steps = [
                ("hola", {}, "1. Español"),
                ("1", {}, "¿Estás de acuerdo?"),
                ("Sí, acepto", {"ButtonPayload": "yes", "ButtonText": "Sí, acepto"}, "¿Quién"),
                ("1", {}, "Menú"),
                ("1", {}, "Curso de prueba"),
                ("1", {}, "(1/3)"),
                ("siguiente", {}, "(2/3)"),
                ("1", {}, "(3/3)"),
                ("1", {}, "Pregunta 1 de 3"),
                # The options come in an order of the attempt's own: the number (or letter)
                # typed is where the last message showed Azul (or Cuatro); a button carries
                # its option.
                (shown_at("Azul", "123"), {}, "Pregunta 2 de 3"),
                (shown_at("Cuatro", "ab"), {}, "Pregunta 3 de 3"),
                ("Sí", {"ButtonPayload": "a", "ButtonText": "Sí"}, "Acertaste 3 de 3"),
            ]
            for body, extra, expected in steps:
                if callable(body):
                    body = body(fake.bodies(SENDER)[-1])
                assert post(port, message_form(SENDER, body, **extra)) == 200
                assert expected in fake.bodies(SENDER)[-1], (body, fake.bodies(SENDER)[-1])
        finally:
            output = stop(process)
    assert "5500011122" not in output, "a phone number reached the log"
