"""The Telegram adapter: each recorded update and the Inbound it becomes, or that it is ignored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from telegram import Bot, Update

from bot.channels.telegram import blocked_by, keyboard, parse_update
from bot.messages import Inbound, Location, MediaKind, Option, Outbound

PAYLOADS = Path(__file__).parent / "payloads" / "telegram"
CHAT = "777000111"


def load(name: str) -> Update:
    """A recorded update, parsed by the real library."""
    return Update.de_json(json.loads((PAYLOADS / f"{name}.json").read_text()), Bot("123:ABC"))


CASES = [
    ("text_hola", Inbound("telegram", CHAT, text="hola", message_id="5000", written_id="20")),
    (
        "start_plain",
        Inbound("telegram", CHAT, message_id="5001", written_id="21", start_parameter=""),
    ),
    (
        "start_deep_link",
        Inbound(
            "telegram",
            CHAT,
            message_id="5002",
            written_id="22",
            start_parameter="migrant-protection__trafficking",
        ),
    ),
    (
        "start_referral",
        Inbound(
            "telegram",
            CHAT,
            message_id="5003",
            written_id="23",
            start_parameter="migrant-protection__trafficking__org-casa-del-migrante",
        ),
    ),
    (
        "callback_button",
        Inbound("telegram", CHAT, text="yes", choice="yes", message_id="5004", reply_to="10"),
    ),
    (
        "location",
        Inbound(
            "telegram",
            CHAT,
            message_id="5005",
            written_id="24",
            location=Location(14.9056, -92.2636),
        ),
    ),
    ("photo", Inbound("telegram", CHAT, message_id="5006", written_id="25", media=MediaKind.PHOTO)),
    ("voice", Inbound("telegram", CHAT, message_id="5007", written_id="26", media=MediaKind.VOICE)),
    (
        "sticker",
        Inbound("telegram", CHAT, message_id="5008", written_id="27", media=MediaKind.STICKER),
    ),
    (
        "document",
        Inbound("telegram", CHAT, message_id="5009", written_id="28", media=MediaKind.DOCUMENT),
    ),
    (
        "contact",
        Inbound("telegram", CHAT, message_id="5010", written_id="29", media=MediaKind.CONTACT),
    ),
    ("edited_message", None),
    ("channel_post", None),
    ("my_chat_member_blocked", None),
]


@pytest.mark.parametrize(("payload", "expected"), CASES, ids=[case[0] for case in CASES])
def test_each_update_kind(payload: str, expected: Inbound | None):
    assert parse_update(load(payload)) == expected


def test_no_name_or_shared_phone_number_reaches_the_engine():
    for payload, _ in CASES:
        inbound = parse_update(load(payload))
        if inbound is not None:
            assert "Ana" not in repr(inbound) and "Luis" not in repr(inbound)
            assert "5512345678" not in repr(inbound)


def test_a_block_is_recognised():
    assert blocked_by(load("my_chat_member_blocked")) == CHAT
    assert blocked_by(load("text_hola")) is None


def test_options_become_numbered_buttons_within_64_bytes():
    long_value = "m:" + "x" * 70
    markup = keyboard(Outbound("?", (Option("Sí", "yes"), Option("Largo", long_value))))
    buttons = [row[0] for row in markup.inline_keyboard]
    assert [(b.text, b.callback_data) for b in buttons] == [("1. Sí", "yes"), ("2. Largo", "2")]
    assert keyboard(Outbound("no options")) is None
