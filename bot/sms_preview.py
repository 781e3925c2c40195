"""A quiz question and a safety entry as an SMS carries them, written by the dialogs
themselves, for the content check (`senda lessons validate --sms`, lessons.sms_check)."""

from __future__ import annotations

from typing import cast

from sqlalchemy.orm import Session

from bot.channels.twilio import SMS, with_numbered_options
from bot.i18n import Translator
from bot.messages import Inbound
from dialogs import quiz, safety
from dialogs.base import Turn
from lessons.model import Catalog, Course, Module, Question
from storage.models import Learner


def render_question(course: Course, module: Module, question: Question, language: str) -> list[str]:
    """The messages that ask a question in a language: header, prompt and numbered options
    (a matching question asks its items one at a time: one message each)."""
    queue = [q.id for q in module.quiz]
    learner = Learner(language=language, state={})
    # Asking a question reads no row: no database session is needed.
    turn = Turn(Inbound(SMS, ""), learner, cast(Session, None), Catalog((course,)))
    texts = []
    for picked in range(len(question.items) if question.type == "matching" else 1):
        turn.go(
            "quiz",
            "question",
            course=course.id,
            module=module.id,
            attempt=0,
            queue=queue,
            at=queue.index(question.id),
            picks="a" * picked,
        )
        texts.append(with_numbered_options(quiz.question_prompt(turn)).text)
    return texts


def render_entry(text: str, language: str) -> str:
    """A safety entry alone in a part of an SOS sent by SMS: neutral line, entry, MORE line."""
    return safety.part_with_one(Translator(language), text)
