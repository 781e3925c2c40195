"""Privacy: a chat that does not linger on the phone, and erasing one's data.

CLEAR (word, any moment) --Telegram--> chat deleted --tidy off--> offer --> where they were
                         --WhatsApp, SMS--> how to delete the chat on the phone
menu: My privacy --> main --> delete the chat now | tidy on/off | delete my data | menu
onboarding: a migrant on Telegram is offered tidy once --> offer --> the shared module or menu

A phone searched at a checkpoint, by an extortionist or a smuggler, shows the chat: the ICRC's
handbook on data protection in humanitarian action asks services to warn people of that and to
keep sensitive content from lingering. Only Telegram lets a bot delete a chat's messages.
"""

from __future__ import annotations

from bot.messages import Option, Outbound
from dialogs import erase, lesson, menu
from dialogs.base import Dialog, Step, Turn, say

DELETING_CHANNELS = ("telegram",)


def can_delete(turn: Turn) -> bool:
    """Whether Senda can delete messages in this person's chat."""
    return turn.learner.channel in DELETING_CHANNELS


def clear(turn: Turn) -> list[Outbound]:
    """The word CLEAR: delete the chat now where the channel allows, else say how to."""
    t = turn.t
    if not can_delete(turn):
        return [say(f"{how_to_delete(turn)}\n\n{go_on(turn)}")]
    turn.clear_chat = True
    done = t._(
        "Done: I deleted the messages of this chat that Telegram lets me delete, yours too "
        "(those of the last 48 hours). Older ones you can delete yourself: press and hold a "
        "message, then Delete."
    )
    if turn.learner.tidy_chat:
        return [say(f"{done}\n\n{tidy_note(turn)} {go_on(turn)}")]
    if turn.learner.consented_at is None or turn.learner.role is None:
        return [say(f"{done}\n\n{go_on(turn)}")]  # onboarding goes on
    turn.go("privacy", "offer")
    return [say(done), offer_prompt(turn)]


def go_on(turn: Turn) -> str:
    """How to go on after a side answer that shows no options."""
    return turn.t._("Write MENU to go on.")


def how_to_delete(turn: Turn) -> str:
    """How to delete the chat on a channel where Senda cannot (one short message)."""
    t = turn.t
    if turn.learner.channel == "whatsapp":
        return t._(
            "This chat stays on your phone: whoever takes it can read it. Senda cannot delete "
            "WhatsApp messages. To delete them: open this chat, tap the name at the top (on "
            "Android: the three dots, then More) and choose Clear chat. You can also archive "
            "the chat or lock it (Chat lock)."
        )
    return t._(
        "These messages stay on your phone: whoever takes it can read them. Senda cannot "
        "delete text messages. To delete them, delete this conversation in your messages app."
    )


def tidy_note(turn: Turn) -> str:
    """What a tidy chat does, in one sentence."""
    return turn.t._(
        "Senda deletes every message of this chat {hours} hours after it was sent.",
        hours=turn.service.tidy_hours,
    )


def offer(turn: Turn) -> list[Outbound]:
    """Offer a tidy chat once (a migrant on Telegram, after consent); then where they go."""
    turn.update(dialog="privacy", step="offer")
    return [offer_prompt(turn)]


def offer_prompt(turn: Turn) -> Outbound:
    """Should Senda delete the chat's messages by itself?"""
    t = turn.t
    text = t._(
        "Whoever looks at your phone can read this chat. Should Senda delete every message "
        "here by itself, {hours} hours after it was sent? You can change it in the menu, under "
        "My privacy.",
        hours=turn.service.tidy_hours,
    )
    return say(
        text,
        Option(t._("Yes, delete them by itself"), "tidy-on"),
        Option(t._("No, keep them"), "tidy-off"),
    )


def on_offer(turn: Turn, option: Option) -> list[Outbound]:
    """Keep the choice; then the module the person came for, or the menu."""
    t = turn.t
    turn.learner.tidy_chat = option.value == "tidy-on"
    note = tidy_note(turn) if turn.learner.tidy_chat else t._("Understood: nothing is deleted.")
    start = turn.state.get("start")
    if start:
        opened = lesson.open_start_parameter(turn, start)
        if opened:
            return [say(note), *opened]
    return menu.enter(turn, note=note)


def past_offer(turn: Turn) -> list[Outbound]:
    """Words that answer neither yes nor no: nothing is deleted, and the words are taken as
    the menu would take them (the offer must not stand between a person and what they came
    for)."""
    start = turn.state.get("start")
    opened = lesson.open_start_parameter(turn, start) if start else None
    if opened:
        return opened
    turn.go("menu", "main")
    main = menu.DIALOG.steps["main"]
    chosen = turn.match(main.prompt(turn).options).option
    return main.on_choice(turn, chosen) if chosen is not None else menu.enter(turn)


def enter(turn: Turn) -> list[Outbound]:
    """The privacy screen of the menu."""
    turn.go("privacy", "main")
    return [prompt(turn)]


def prompt(turn: Turn) -> Outbound:
    """What Senda can do for this chat on this channel, and erasing everything."""
    t = turn.t
    erase_item = Option(t._("Delete my data"), "delete")
    back = Option(t._("Menu"), "menu")
    if not can_delete(turn):
        return say(how_to_delete(turn), erase_item, back)
    if turn.learner.tidy_chat:
        state = tidy_note(turn)
        switch = Option(t._("Stop deleting by itself"), "tidy-off")
    else:
        state = t._("Messages stay in this chat until you delete them.")
        switch = Option(
            t._("Delete by itself after {hours} hours", hours=turn.service.tidy_hours), "tidy-on"
        )
    return say(state, Option(t._("Delete this chat now"), "clear"), switch, erase_item, back)


def on_choice(turn: Turn, option: Option) -> list[Outbound]:
    """Act on the choice."""
    match option.value:
        case "clear":
            return clear(turn)
        case "tidy-on" | "tidy-off":
            turn.learner.tidy_chat = option.value == "tidy-on"
            return [prompt(turn)]
        case "delete":
            return erase.confirm(turn)
        case _:
            return menu.enter(turn)


DIALOG = Dialog(
    name="privacy",
    entry=enter,
    steps={
        "main": Step(prompt=prompt, on_choice=on_choice),
        "offer": Step(prompt=offer_prompt, on_choice=on_offer, on_text=past_offer),
    },
)
