"""A daily reminder at the hour the person chooses: the next card of what they are learning.

hour --(an hour)--> menu
     --none-------> menu, no more reminders
"""

from __future__ import annotations

from bot.messages import Option, Outbound
from dialogs import alerts, lesson, menu
from dialogs.base import Dialog, Step, Turn, say

HOURS = (7, 9, 12, 15, 18, 20)


def enter(turn: Turn) -> list[Outbound]:
    """Offer the hours."""
    turn.go("reminders", "hour")
    return [prompt(turn)]


def prompt(turn: Turn) -> Outbound:
    """The hours a reminder can come at, in the person's time zone."""
    t = turn.t
    current = turn.learner.nudge_hour
    text = t._("At what time should your daily card come?")
    if current is not None:
        shown = f"{current:02d}"
        text += "\n" + t._("Now: {hour}:00.", hour=shown)
    if turn.learner.pushes_stopped:
        text += "\n" + alerts.stopped_line(turn)
    options = [Option(f"{hour:02d}:00", f"h:{hour}") for hour in HOURS]
    options.append(Option(t._("No reminders"), "none"))
    options.append(Option(t._("Menu"), "menu"))
    return say(text, *options)


def on_choice(turn: Turn, option: Option) -> list[Outbound]:
    """Keep the hour (or none) and go back to the menu."""
    t = turn.t
    if option.value == "menu":
        return menu.enter(turn)
    if option.value == "none":
        turn.learner.nudge_hour = None
        return menu.enter(turn, note=t._("No more daily reminders."))
    hour = int(option.value.removeprefix("h:"))
    turn.learner.nudge_hour = hour
    shown = f"{hour:02d}"
    note = t._("Every day at {hour}:00 you will get your next card.", hour=shown)
    return menu.enter(turn, note=note)


def next_card(turn: Turn) -> list[Outbound]:
    """The reminder itself: the card the person is on, ready to answer."""
    if lesson.latest_unfinished(turn) is None:
        return []
    return [say(turn.t._("Your daily card:")), *lesson.resume_latest(turn)]


DIALOG = Dialog(name="reminders", entry=enter, steps={"hour": Step(prompt, on_choice)})
