"""The console channel: the same engine in a terminal (`senda chat`)."""

from __future__ import annotations

import json

from bot.messages import Inbound, Outbound

CHANNEL = "console"


def parse(line: str, user: str) -> Inbound:
    """One line typed in the terminal, as an inbound message."""
    return Inbound(channel=CHANNEL, address=user, text=line.rstrip("\r\n"))


def render_text(message: Outbound) -> str:
    """A message as plain text with its options as a numbered list."""
    lines = [message.text]
    if message.options:
        lines.append("")
        lines += [f"{number}. {option.label}" for number, option in enumerate(message.options, 1)]
    return "\n".join(lines)


def render_json(message: Outbound) -> str:
    """A message as one JSON line: {"text": ..., "options": [...]}."""
    payload = {"text": message.text, "options": [option.label for option in message.options]}
    return json.dumps(payload, ensure_ascii=False)
