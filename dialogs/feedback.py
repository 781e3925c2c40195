"""What a person thought of a module, asked once when they first pass it: one optional question
(officials and civil society: was it useful for their work, 1 to 5; migrants: was it clear, yes
/ a little / no), then for officials an optional free comment. Neither is linked to the person:
the rating keeps the role and the organisation code, the comment the role; both the day only.

rating --(a value)--> comment (officials) --(text)--> what came next: the end-of-course questions,
   +--skip--------------> what came next      +--skip--> the certificate offer, or the result
"""

from __future__ import annotations

from typing import Any

from bot.messages import Option, Outbound
from dialogs import certificate, menu, pretest
from dialogs.base import Dialog, Step, Turn, say
from lessons.model import Course, Module
from storage import repo

COMMENTING_ROLE = "official"
CLEAR_SCALE_ROLE = "migrant"


def after_pass(
    turn: Turn, course: Course, module: Module, back: dict[str, Any] | None = None
) -> list[Outbound]:
    """What follows a passed module in place of the result's options: the rating the first time,
    else the end-of-course questions or the certificate offer when due; nothing otherwise.
    `back` is the step to return to at the end (None: the menu)."""
    row = repo.module_progress(turn.session, turn.learner.id, course.id, module.id)
    if not row.rating_asked:
        row.rating_asked = True
        turn.go("feedback", "rating", course=course.id, module=module.id, back=back)
        return [rating_prompt(turn)]
    return pretest.offer_after(turn, course) or certificate.offer_on_completion(turn, course)


def _scale(turn: Turn) -> str:
    return "clear3" if turn.learner.role == CLEAR_SCALE_ROLE else "useful5"


def rating_prompt(turn: Turn) -> Outbound:
    """The one question, with its scale and a way to skip it."""
    content = turn.current_module()
    if content is None:
        return pretest.gone(turn)
    course, _ = content
    t = turn.course_t(course)
    skip = Option(t._("Skip"), "skip")
    if _scale(turn) == "clear3":
        return say(
            t._("One question, if you want: was this module clear?"),
            Option(t._("Yes"), "v:3"),
            Option(t._("A little"), "v:2"),
            Option(t._("No"), "v:1"),
            skip,
        )
    text = t._(
        "One question, if you want: was this module useful for your work? From 1 (not at all) "
        "to 5 (very useful)."
    )
    return say(text, *(Option(str(n), f"v:{n}") for n in range(1, 6)), skip)


def on_rating(turn: Turn, option: Option) -> list[Outbound]:
    """Keep the rating with no link to the person; officials may then write a comment."""
    content = turn.current_module()
    if content is None or option.value == "menu":
        return menu.enter(turn)
    course, module = content
    if not option.value.startswith("v:"):
        return _go_on(turn, course, [])
    repo.add_rating(
        turn.session,
        course_id=course.id,
        module_id=module.id,
        role=turn.learner.role or "",
        organisation=turn.learner.referral,
        scale=_scale(turn),
        value=int(option.value.removeprefix("v:")),
    )
    thanks = say(turn.course_t(course)._("Thank you."))
    if turn.learner.role == COMMENTING_ROLE:
        turn.update(step="comment")
        return [thanks, comment_prompt(turn)]
    return _go_on(turn, course, [thanks])


def comment_prompt(turn: Turn) -> Outbound:
    """The free comment, after the note that it is kept with no link to the person."""
    content = turn.current_module()
    if content is None:
        return pretest.gone(turn)
    t = turn.course_t(content[0])
    text = t._(
        "Anything to tell us about this module? Write it in one message, or skip. It is kept "
        "with no link to you: nobody can tell who wrote it, and so it cannot be deleted later, "
        "not even with DELETE. Please write no names or phone numbers."
    )
    return say(text, Option(t._("Skip"), "skip"))


def on_comment_choice(turn: Turn, option: Option) -> list[Outbound]:
    """Skip the comment (the only option)."""
    content = turn.current_module()
    if content is None or option.value == "menu":
        return menu.enter(turn)
    return _go_on(turn, content[0], [])


def on_comment_text(turn: Turn) -> list[Outbound]:
    """Keep the comment, linked to nobody, and go on."""
    content = turn.current_module()
    if content is None:
        return menu.enter(turn)
    course, module = content
    text = " ".join(turn.inbound.text.split())
    repo.add_comment(
        turn.session,
        course_id=course.id,
        module_id=module.id,
        role=turn.learner.role or "",
        text=text,
    )
    thanks = say(turn.course_t(course)._("Thank you: your comment is kept, with no link to you."))
    return _go_on(turn, course, [thanks])


def _go_on(turn: Turn, course: Course, notes: list[Outbound]) -> list[Outbound]:
    """The end-of-course questions or the certificate offer when due, else back where the
    person was (the module's result), else the menu."""
    follow = pretest.offer_after(turn, course) or certificate.offer_on_completion(turn, course)
    if follow:
        return [*notes, *follow]
    back = turn.state.get("back")
    if back:
        from dialogs import router  # the router imports every dialog, this one included

        turn.restore(dict(back))
        return [*notes, *router.current_prompt(turn)]
    return menu.enter(turn, note=notes[0].text if notes else None)


DIALOG = Dialog(
    name="feedback",
    entry=after_pass,
    steps={
        "rating": Step(prompt=rating_prompt, on_choice=on_rating),
        "comment": Step(
            prompt=comment_prompt, on_choice=on_comment_choice, on_text=on_comment_text
        ),
    },
)
