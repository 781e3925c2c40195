"""Building Telegram updates and playing a person who taps buttons, against the fake Bot API."""

from __future__ import annotations

import itertools
from typing import Any

from tests.fakes.telegram import Call, FakeTelegram

SECRET = "test-webhook-secret_1"
TOKEN = "123:ABC"
_update_ids = itertools.count(100_000)


def text_update(chat_id: int, text: str, update_id: int | None = None) -> dict[str, Any]:
    """A private text message, as Telegram posts it."""
    user = {"id": chat_id, "is_bot": False, "first_name": "Ana"}
    return {
        "update_id": update_id if update_id is not None else next(_update_ids),
        "message": {
            "message_id": next(_update_ids),
            "date": 1767261600,
            "chat": {"id": chat_id, "type": "private", "first_name": "Ana"},
            "from": user,
            "text": text,
            **(
                {"entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]}
                if text.startswith("/")
                else {}
            ),
        },
    }


def callback_update(chat_id: int, data: str, message_id: int) -> dict[str, Any]:
    """A button press on one of the bot's messages."""
    user = {"id": chat_id, "is_bot": False, "first_name": "Ana"}
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": f"cbq-{next(_update_ids)}",
            "from": user,
            "chat_instance": "42",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": 1767261600,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": 123, "is_bot": True, "first_name": "Senda"},
                "text": "…",
            },
        },
    }


class TelegramPerson:
    """Someone in a private chat with the bot, through the webhook of a test app."""

    def __init__(self, client, fake: FakeTelegram, chat_id: int = 777000111) -> None:
        self.client = client
        self.fake = fake
        self.chat_id = chat_id

    def post(self, update: dict[str, Any], secret: str | None = SECRET):
        """Post an update to the webhook; the response."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        return self.client.post("/webhooks/telegram", json=update, headers=headers)

    def messages(self) -> list[Call]:
        """Every sendMessage to this person that succeeded."""
        return [
            call
            for call in self.fake.calls_to("sendMessage")
            if str(call.params.get("chat_id")) == str(self.chat_id) and call.failed is None
        ]

    def last(self) -> Call:
        """The last message the bot sent this person."""
        return self.messages()[-1]

    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback data) of the buttons under the last message."""
        markup = self.last().params.get("reply_markup") or {}
        return [
            (b["text"], b["callback_data"])
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]

    def writes(self, text: str) -> str:
        """Send a text message; the texts the bot answered with, joined."""
        before = len(self.messages())
        assert self.post(text_update(self.chat_id, text)).status_code == 200
        return "\n\n".join(c.params["text"] for c in self.messages()[before:])

    def presses(self, label_start: str) -> str:
        """Tap the button of the last message whose label starts with this text."""
        message_index = self._message_id_of_last()
        data = next(d for label, d in self.buttons() if label.startswith(label_start))
        before = len(self.messages())
        response = self.post(callback_update(self.chat_id, data, message_index))
        assert response.status_code == 200
        return "\n\n".join(c.params["text"] for c in self.messages()[before:])

    def presses_answer(self, text: str) -> str:
        """Tap the button of the last message that offers this option, at whatever number it
        is shown (a quiz's options come in an order of each attempt's own)."""
        label = next(label for label, _ in self.buttons() if label.split(". ", 1)[-1] == text)
        return self.presses(label)

    def _message_id_of_last(self) -> int:
        # The fake numbers messages in the order it answers sendMessage, from 1.
        sends = [c for c in self.fake.calls_to("sendMessage") if c.failed is None]
        return sends.index(self.last()) + 1


def telegram_settings(base_url: str) -> dict[str, str]:
    """The settings of a deployment whose Telegram bot talks to a fake Bot API at base_url."""
    return {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE_URL": base_url,
    }
