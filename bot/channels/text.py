"""Splitting long text at a channel's limit: on a paragraph, a line or a word, never in a word."""

from __future__ import annotations

from bot.messages import Outbound


def split_text(text: str, limit: int) -> list[str]:
    """Parts of at most `limit` characters, cut at the widest boundary that fits."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = -1
        for boundary in ("\n\n", "\n", " "):
            cut = window.rfind(boundary, 0, limit + 1)
            if cut > 0:
                break
        if cut <= 0:  # one "word" longer than the limit (a very long link): no choice but to cut
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    parts.append(rest.rstrip())
    return [part for part in parts if part]


def split_message(message: Outbound, limit: int) -> list[Outbound]:
    """A message as parts that fit the channel; the options go with the last part."""
    texts = split_text(message.text, limit)
    return [Outbound(text) for text in texts[:-1]] + [Outbound(texts[-1], message.options)]
