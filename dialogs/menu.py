"""The main menu, one for each role.

menu --> courses | continue | progress | sos | language | help | delete
"""

from __future__ import annotations

from bot.messages import Option, Outbound
from dialogs import courses, erase, helpdesk, lesson, progress, safety, settings
from dialogs.base import Dialog, Step, Turn, say


def menu_options(turn: Turn) -> tuple[Option, ...]:
    """The menu of the learner's role; migrants see safety information first."""
    t = turn.t
    learning = [Option(t._("Courses"), "courses")]
    if lesson.latest_unfinished(turn) is not None:
        learning.insert(0, Option(t._("Continue where I left off"), "continue"))
    if turn.learner.role != "migrant":
        learning.append(Option(t._("My progress"), "progress"))
    items = [*learning, Option(t._("Emergency numbers and help (SOS)"), "sos")]
    if turn.learner.role == "migrant":
        items = [items[-1], *items[:-1], Option(t._("My progress"), "progress")]
    items += [
        Option(t._("Language"), "language"),
        Option(t._("Help"), "help"),
        Option(t._("Delete my data"), "delete"),
    ]
    return tuple(items)


def prompt(turn: Turn) -> Outbound:
    """The menu."""
    return say(turn.t._("Menu: what would you like to do?"), *menu_options(turn))


def enter(turn: Turn, note: str | None = None) -> list[Outbound]:
    """Show the menu, after a short note when there is one."""
    turn.go("menu", "main")
    return [*([say(note)] if note else []), prompt(turn)]


def on_choice(turn: Turn, option: Option) -> list[Outbound]:
    """Go where the person chose."""
    match option.value:
        case "courses":
            return courses.enter(turn)
        case "continue":
            return lesson.resume_latest(turn)
        case "progress":
            return [progress.summary(turn), prompt(turn)]
        case "sos":
            return [safety.sos(turn), prompt(turn)]
        case "language":
            return settings.enter(turn)
        case "help":
            return [helpdesk.help_text(turn), prompt(turn)]
        case _:
            return erase.erase(turn)


DIALOG = Dialog(name="menu", entry=enter, steps={"main": Step(prompt=prompt, on_choice=on_choice)})
