"""A caseworker's whole round in the help desk, in headless Chromium on a 375-pixel phone: sign
in, the queue, a conversation whose message holds a script (shown as text, never run), an
answer, the close; and the person's phone (the fake Telegram API) gets the answer and the
closing note."""

from __future__ import annotations

import itertools

from bot.messages import Inbound
from tests.dashboard_helpers import PASSWORD, add_staff
from tests.test_dashboard_browser import PHONE, fits_the_screen, phone, served, telegram

# The browser test's fixtures, used here by name (pytest finds them in this module).
__all__ = ["phone", "served", "telegram"]

CHAT_ID = "777000222"
HOSTILE = "<script>alert(1)</script> <b>Where</b> is COMAR?"
ANSWER = "COMAR is on 4a Norte, open 8 to 14. It is free."
_message_ids = itertools.count(1)


def person_writes(service, text: str) -> None:
    """A Telegram message from the person, handled as the webhook does: the engine answers
    through the outbox, to the fake Bot API."""
    inbound = Inbound("telegram", CHAT_ID, text, message_id=f"browser-{next(_message_ids)}")
    service.engine.respond(inbound, deliver=True)


def test_a_caseworkers_round_on_a_phone(served, phone, telegram):
    base, service = served
    page, errors = phone
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    add_staff(service, "cara@example.org", "caseworker")
    # A migrant in English asks for a person about their health, and writes.
    for text in ("hola", "2", "1", "3", "person", "Health", "Yes, write to a person", HOSTILE):
        person_writes(service, text)
    assert "Received. A person will read it" in telegram.sent_texts(CHAT_ID)[-1]

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
    assert "Health" in row.inner_text() and CHAT_ID not in page.content()

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

    sent = telegram.sent_texts(CHAT_ID)
    assert sent[-2] == "Help desk: " + ANSWER
    assert sent[-1].startswith("The help desk closed this conversation.")
    assert dialogs == [], "a script in a message must never run"
    assert errors == []
    assert PHONE["width"] == 375
