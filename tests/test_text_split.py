"""Long text is split at the channel's limit on paragraph or word boundaries, never in a word."""

from __future__ import annotations

import pytest

from bot.channels.text import split_message, split_text
from bot.messages import Option, Outbound

LINK = "https://example.org/a/very/long/path?with=query&and=more"


@pytest.mark.parametrize("limit", [60, 80, 200, 1600, 4096])
def test_parts_fit_and_no_word_or_link_is_cut(limit):
    paragraph = f"Palabras largas como interinstitucional y {LINK} van enteras. " * 30
    text = "\n\n".join([paragraph] * 5)
    parts = split_text(text, limit)
    assert all(len(part) <= limit for part in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())
    words = set(text.split())
    for part in parts:
        assert set(part.split()) <= words, "a word was cut"


def test_paragraphs_are_preferred_to_words():
    text = "a" * 30 + "\n\n" + "b " * 20
    assert split_text(text, 45) == ["a" * 30, ("b " * 20).strip()]


def test_a_short_text_is_one_part():
    assert split_text("hola", 4096) == ["hola"]


def test_only_a_word_longer_than_the_limit_is_cut():
    assert split_text("x" * 10, 4) == ["xxxx", "xxxx", "xx"]


def test_options_go_with_the_last_part():
    message = Outbound("uno dos tres cuatro", (Option("Sí", "yes"),))
    parts = split_message(message, 8)
    assert [p.text for p in parts] == ["uno dos", "tres", "cuatro"]
    assert [p.options for p in parts] == [(), (), (Option("Sí", "yes"),)]
