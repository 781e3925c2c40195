"""Talk to a person: a request to the help desk, where caseworkers read and answer.

    (menu "Talk to a person", the word PERSON, an offer after SOS)
        --> topic --(a topic)--> consent --(yes)--> open --(text)--> kept for the desk
                                         --(back)--> menu
    open: every text goes to the desk (encrypted); Senda answers only the first one, then stays
          quiet. The global words work as always; MENU hands the person back to the bot.

The text of these messages is the one thing Senda keeps of what a person wrote: encrypted with
its own key, read only in the desk, deleted days after the conversation closes and at once by
the erase word. The person is told so before anything is kept.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import N_
from bot.messages import Option, Outbound
from dialogs import distress, menu
from dialogs.base import DeskInfo, Dialog, Step, Turn, say
from dialogs.safety import sos
from storage import helpdesk as desk_rows
from storage.models import HELPDESK_TOPICS, URGENT_TOPICS

TOPIC_LABELS = {
    "asylum": N_("Asylum and papers"),
    "health": N_("Health"),
    "violence": N_("Violence, kidnapping or trafficking"),
    "family": N_("Missing family"),
    "course": N_("A question about a course"),
    "other": N_("Something else"),
}
assert tuple(TOPIC_LABELS) == HELPDESK_TOPICS


def available(turn: Turn) -> bool:
    """Whether a person can be offered the desk: there is one, and they agreed to the terms."""
    return turn.service.desk is not None and turn.learner.consented_at is not None


def enter(turn: Turn) -> list[Outbound]:
    """Ask what it is about, or go on with the conversation already open."""
    if not available(turn):
        return menu.enter(turn) if turn.learner.consented_at else []
    if desk_rows.open_conversation_of(turn.session, turn.learner.id) is not None:
        turn.go("helpdesk", "open", acknowledged=True)
        note = turn.t._("Your conversation with the help desk is still open.")
        return [say(note), open_prompt(turn)]
    turn.go("helpdesk", "topic")
    return [topic_prompt(turn)]


def topic_prompt(turn: Turn) -> Outbound:
    """The topics a request can be about."""
    t = turn.t
    options = [Option(t._(label), f"topic:{key}") for key, label in TOPIC_LABELS.items()]
    return say(t._("Talk to a person. What is it about?"), *options, Option(t._("Back"), "menu"))


def on_topic(turn: Turn, option: Option) -> list[Outbound]:
    """A topic picked: what will be kept, and the person's yes or no."""
    topic = option.value.removeprefix("topic:")
    if topic not in TOPIC_LABELS:
        return menu.enter(turn)
    turn.go("helpdesk", "consent", topic=topic)
    answer = [consent_prompt(turn)]
    if topic in URGENT_TOPICS:
        # Someone who may be in danger gets the numbers before anything else.
        return [sos(turn), *answer]
    return answer


def consent_prompt(turn: Turn) -> Outbound:
    """What is kept, for how long, and who reads it; agree or go back."""
    t = turn.t
    desk = turn.service.desk
    days = desk.retention_days if desk else 30
    text = t._(
        "A person of {operator} will read what you write here. Senda keeps these messages "
        "encrypted; only the help desk can read them. They are deleted {days} days after the "
        "conversation ends, or at once if you write DELETE. Do you want to write to a person?",
        operator=t.operator(turn.service.operator_name),
        days=days,
    )
    return say(text, Option(t._("Yes, write to a person"), "yes"), Option(t._("Back"), "menu"))


def on_consent(turn: Turn, option: Option) -> list[Outbound]:
    """Open the conversation, or back to the menu."""
    if option.value != "yes":
        return menu.enter(turn)
    topic = str(turn.state.get("topic") or "other")
    desk_rows.open_conversation(turn.session, turn.learner, topic)
    turn.go("helpdesk", "open", acknowledged=False)
    return [say(_when(turn)), open_prompt(turn)]


def _when(turn: Turn) -> str:
    """When to expect an answer: within the desk's time, or when it opens."""
    t = turn.t
    desk = turn.service.desk
    assert desk is not None
    if _desk_open(desk):
        return t._(
            "A person will answer here, usually within {minutes} minutes.",
            minutes=desk.reply_minutes,
        )
    start, end = desk.hours or (0, 24)
    return t._(
        "The help desk answers from {start}:00 to {end}:00. A person will answer here when it "
        "opens. If you are in danger now, call 911.",
        start=start,
        end=end,
    )


def _desk_open(desk: DeskInfo, now: datetime | None = None) -> bool:
    if desk.hours is None:
        return True
    local = (now or datetime.now(ZoneInfo(desk.timezone))).astimezone(ZoneInfo(desk.timezone))
    start, end = desk.hours
    hour = local.hour
    return start <= hour < end if start <= end else hour >= start or hour < end


def open_prompt(turn: Turn) -> Outbound:
    """What the person may do while their conversation is open."""
    return say(
        turn.t._("Write your message. To go back to Senda's menu, write MENU."),
    )


def on_message(turn: Turn) -> list[Outbound]:
    """A message for the desk: kept encrypted; answered only the first time."""
    desk = turn.service.desk
    conversation = desk_rows.open_conversation_of(turn.session, turn.learner.id)
    if conversation is None or desk is None:
        note = turn.t._("The help desk closed your conversation. To open a new one, write PERSON.")
        return menu.enter(turn, note)
    desk_rows.add_message(turn.session, desk.cipher, conversation, "person", turn.inbound.text)
    # A cry for help is kept for the desk, and answered with the SOS numbers at once too.
    heard = distress.answer(turn) if distress.heard(turn) else []
    if turn.state.get("acknowledged"):
        return heard
    turn.update(acknowledged=True)
    received = turn.t._("Received. A person will read it and answer here.")
    return [*heard, say(received)]


def on_open_choice(turn: Turn, option: Option) -> list[Outbound]:
    """The open step offers no options: anything is a message (never reached)."""
    return on_message(turn)


def offer(turn: Turn) -> str:
    """One line offering a person, for answers that may leave someone without help."""
    if not available(turn):
        return ""
    word = turn.t.main_word("person")
    return turn.t._("To talk to a person, write {word}.", word=word)


DIALOG = Dialog(
    name="helpdesk",
    entry=enter,
    steps={
        "topic": Step(topic_prompt, on_topic),
        "consent": Step(consent_prompt, on_consent),
        "open": Step(open_prompt, on_open_choice, on_text=on_message, hears_distress=True),
    },
)
