"""The main menu, one for each role.

menu --> courses | progress | sos | language | help | privacy (delete) | continue

Its numbers never shift: "Continue where I left off", which comes and goes, is the last item,
and the place it may take is kept free (a menu too full for it leaves out Help, whose word
still works), so a number a person learned keeps its meaning.
"""

from __future__ import annotations

from bot.messages import Option, Outbound
from dialogs import (
    alerts,
    courses,
    erase,
    help_text,
    helpdesk,
    lesson,
    privacy,
    progress,
    reminders,
    safety,
    services,
    settings,
)
from dialogs.base import Dialog, Step, Turn, say


def menu_options(turn: Turn) -> tuple[Option, ...]:
    """The menu of the learner's role; migrants see the safety information first."""
    t = turn.t
    resume = (
        [Option(t._("Continue where I left off"), "continue")]
        if lesson.latest_unfinished(turn) is not None
        else []
    )
    courses_item = Option(t._("Courses"), "courses")
    progress_item = Option(t._("My progress"), "progress")
    sos_item = Option(t._("Emergency numbers and help (SOS)"), "sos")
    services_item = [Option(t._("Services near me"), "services")] if turn.catalog.services else []
    person_item = [Option(t._("Talk to a person"), "person")] if turn.service.desk else []
    if turn.learner.role == "migrant":
        alerts_item = (
            [Option(t._("Alerts for my region"), "alerts")] if turn.catalog.regions else []
        )
        first = [
            sos_item,
            *services_item,
            *person_item,
            courses_item,
            *alerts_item,
            progress_item,
        ]
    elif turn.learner.role == "civil_society":
        # Pointing a migrant to a door is their daily work: the directory is theirs too.
        first = [courses_item, progress_item, sos_item, *person_item, *services_item]
    else:
        first = [courses_item, progress_item, sos_item, *person_item]
    help_item = [Option(t._("Help"), "help")]
    # Reminders, language, help, delete, and the place of "continue" whether shown or not.
    if len(first) + 5 > Outbound.MAX_OPTIONS:
        help_item = []  # the word HELP still works; a person to talk to matters more
    return (
        *first,
        Option(t._("Daily reminder"), "reminders"),
        Option(t._("Language"), "language"),
        *help_item,
        Option(t._("My privacy"), "privacy"),
        *resume,
    )


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
            return progress.with_certificates(turn) or [progress.summary(turn), prompt(turn)]
        case "sos":
            return [safety.sos(turn), prompt(turn)]
        case "language":
            return settings.enter(turn)
        case "help":
            return [help_text.help_text(turn), prompt(turn)]
        case "alerts":
            return alerts.enter(turn)
        case "services":
            return services.enter(turn)
        case "person":
            return helpdesk.enter(turn)
        case "reminders":
            return reminders.enter(turn)
        case "privacy":
            return privacy.enter(turn)
        case _:
            return erase.confirm(turn)


DIALOG = Dialog(name="menu", entry=enter, steps={"main": Step(prompt=prompt, on_choice=on_choice)})
