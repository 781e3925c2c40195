"""Erasing a person's data: at once at the word (`borrar`, `delete`, `efase`...); from the menu,
where a mistyped number could pick it, after one confirmation.

    confirm --yes--> erased
            --no---> menu
"""

from __future__ import annotations

from bot.messages import Option, Outbound
from dialogs.base import Dialog, Step, Turn, say
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


def confirm(turn: Turn) -> list[Outbound]:
    """Ask once before erasing from the menu."""
    turn.go("erase", "confirm")
    return [confirm_prompt(turn)]


def confirm_prompt(turn: Turn) -> Outbound:
    """Are you sure?"""
    t = turn.t
    text = t._(
        "This erases everything Senda keeps about you: your progress and your answers. Erase it?"
    )
    if repo.certificates_of(turn.session, turn.learner.id):
        text += "\n\n" + t._("Your certificates will be erased too, and stop being valid.")
    return say(
        text,
        Option(t._("Yes, erase everything"), "erase"),
        Option(t._("No, go back"), "menu"),
    )


def on_confirm(turn: Turn, option: Option) -> list[Outbound]:
    """Erase, or go back to the menu."""
    if option.value == "erase":
        return erase(turn)
    from dialogs import menu  # the menu offers this dialog

    return menu.enter(turn)


DIALOG = Dialog(name="erase", entry=confirm, steps={"confirm": Step(confirm_prompt, on_confirm)})
