"""A caseworker's whole round in the help desk, in headless Chromium on a 375-pixel phone: sign
in, the queue, a conversation whose message holds a script (shown as text, never run), an
answer, the close; and the person's phone gets the answer and the closing note, on Telegram
(the fake Bot API) and on WhatsApp (the fake Twilio)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from functools import partial

import pytest
from werkzeug.serving import make_server

from bot.messages import Inbound
from tests.dashboard_helpers import PASSWORD, add_staff
from tests.fakes.twilio import FakeTwilio
from tests.servers import free_port
from tests.test_dashboard_browser import PHONE, fits_the_screen, phone, served, telegram
from tests.twilio_helpers import ACCOUNT_SID, AUTH_TOKEN, twilio_settings
from webhooks import create_app

# The browser test's fixtures, used here by name (pytest finds them in this module).
__all__ = ["phone", "served", "telegram"]

CHAT_ID = "777000222"
WHATSAPP = "+5215512340000"  # as the adapter gives it: without the "whatsapp:" prefix
HOSTILE = "<script>alert(1)</script> <b>Where</b> is COMAR?"
ANSWER = "COMAR is on 4a Norte, open 8 to 14. It is free."
_message_ids = itertools.count(1)


def person_writes(service, text: str, channel: str = "telegram", address: str = CHAT_ID) -> None:
    """A message from the person, handled as the webhook does: the engine answers through the
    outbox, to the fake API of the channel."""
    inbound = Inbound(channel, address, text, message_id=f"browser-{next(_message_ids)}")
    service.engine.respond(inbound, deliver=True)


@pytest.fixture
def served_whatsapp(app_config) -> Iterator[tuple[str, object, FakeTwilio]]:
    """The app on 127.0.0.1 with WhatsApp through the fake Twilio."""
    with FakeTwilio(ACCOUNT_SID, AUTH_TOKEN) as fake:
        port = free_port()
        settings = {**app_config, **twilio_settings(fake.base_url)}
        app = create_app({**settings, "PUBLIC_URL": f"http://127.0.0.1:{port}"})
        server = make_server("127.0.0.1", port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{port}", app.extensions["senda"], fake
        finally:
            server.shutdown()
            thread.join(timeout=10)
            app.extensions["senda"].close()


def test_a_caseworkers_round_on_a_phone(served, phone, telegram):
    base, service = served
    writes = partial(person_writes, service)
    caseworkers_round(base, service, phone, writes, lambda: telegram.sent_texts(CHAT_ID))


def test_a_caseworkers_round_on_whatsapp(served_whatsapp, phone):
    base, service, fake = served_whatsapp
    writes = partial(person_writes, service, channel="whatsapp", address=WHATSAPP)
    caseworkers_round(base, service, phone, writes, lambda: fake.bodies(to=f"whatsapp:{WHATSAPP}"))


def caseworkers_round(
    base: str,
    service,
    phone,
    person_writes_: Callable[[str], None],
    sent_texts: Callable[[], list[str]],
) -> None:
    """Sign in as a caseworker, answer a migrant's request and close it, on a phone."""
    page, errors = phone
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    add_staff(service, "cara@example.org", "caseworker")
    # A migrant in English asks for a person about their health, and writes.
    for text in ("hola", "2", "1", "3", "person", "Health", "Yes, write to a person", HOSTILE):
        person_writes_(text)
    assert "Received. A person will read it" in sent_texts()[-1]

    page.goto(base + "/dashboard/login")
    page.fill("#email", "cara@example.org")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(base + "/dashboard/helpdesk/")  # a caseworker's front door
    assert page.inner_text("h1") == "Help desk"
    assert page.inner_text("#open") == "1" and page.inner_text("#late") == "0"
    assert page.locator("meta[http-equiv=refresh]").get_attribute("content") == "20"
    assert fits_the_screen(page)
    row = page.locator("#queue tbody tr").first
    assert "Health" in row.inner_text()
    assert CHAT_ID not in page.content() and "5512340000" not in page.content()

    row.locator("a").click()
    page.wait_for_url(f"{base}/dashboard/helpdesk/*")
    assert page.inner_text("h1").startswith("Conversation with ")
    said = page.locator("[data-author=person] p").nth(1)
    assert said.inner_text() == HOSTILE  # the markup as text, literally
    assert (
        page.locator("script").count() == 0
        and page.locator("main b", has_text="Where").count() == 0
    )
    assert page.locator("meta[http-equiv=refresh]").count() == 0  # never while typing
    assert fits_the_screen(page)
    conversation = page.url

    page.fill("#text", ANSWER)
    page.click("button:has-text('Send answer')")
    page.wait_for_url(conversation)
    assert page.inner_text(".flash") == "Answer sent."
    answered = page.locator("[data-author=staff]")
    assert "cara@example.org" in answered.inner_text() and ANSWER in answered.inner_text()
    assert fits_the_screen(page)

    page.check("input[name=outcome][value=answered]")
    page.click("button:has-text('Close and tell the person')")
    page.wait_for_url(base + "/dashboard/helpdesk/")
    assert "closed (answered)" in page.inner_text(".flash")
    assert page.inner_text("#open") == "0"
    assert "No open conversations." in page.inner_text("#queue")
    assert fits_the_screen(page)

    sent = sent_texts()
    assert sent[-2] == "Senda: information\n\nHelp desk: " + ANSWER
    assert sent[-1].startswith("The help desk closed this conversation.")
    assert dialogs == [], "a script in a message must never run"
    assert errors == []
    assert PHONE["width"] == 375
