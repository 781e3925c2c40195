"""A card, a quiz question and a safety entry as an SMS carries them, written by the dialogs
themselves, for the content check (`senda lessons validate --sms`, lessons.sms_check)."""

from __future__ import annotations

from typing import cast

from sqlalchemy.orm import Session

from bot.channels.twilio import SMS, with_numbered_options
from bot.i18n import Translator
from bot.messages import Inbound
from dialogs import lesson, quiz, safety
from dialogs.base import ServiceInfo, Turn
from lessons.model import Catalog, Course, Module, Question
from storage.models import Learner


def _turn(course: Course, language: str) -> Turn:
    """A turn of someone on SMS reading a course in a language, on a deployment with share
    links (the last card then offers them). Showing a card or asking a question reads no row:
    no database session is needed."""
    learner = Learner(language=language, state={})
    service = ServiceInfo(share_links=lambda _parameter: ["https://t.me/senda?start=x"])
    return Turn(Inbound(SMS, ""), learner, cast(Session, None), Catalog((course,)), service)


def render_card(course: Course, module: Module, index: int, language: str) -> str:
    """A card as an SMS carries it: title and place, text, and the most ways on a card can
    show (Next, Quiz, Back, Menu; Share on the last)."""
    turn = _turn(course, language)
    message = lesson.card_message(turn, course, module, index, cards_done=True)
    return with_numbered_options(message).text


def render_question(course: Course, module: Module, question: Question, language: str) -> list[str]:
    """The messages that ask a question in a language: header, prompt and numbered options
    (a matching question asks its items one at a time: one message each)."""
    queue = [q.id for q in module.quiz]
    turn = _turn(course, language)
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
