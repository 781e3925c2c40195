"""Erasing a person's data at a word (`borrar`, `delete`, `efase`...): at once, no questions."""

from __future__ import annotations

from bot.messages import Outbound
from dialogs.base import Turn, say
from storage import repo


def erase_quietly(turn: Turn) -> None:
    """Delete the learner and everything linked to them."""
    repo.erase_learner(turn.session, turn.learner)
    turn.erased = True


def erase(turn: Turn) -> list[Outbound]:
    """Delete everything and say so, in the person's language."""
    text = turn.t._(
        "Done: everything Senda kept about you has been erased. "
        "If you write again, Senda will start from the beginning."
    )
    erase_quietly(turn)
    return [say(text)]
