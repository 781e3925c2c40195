"""`senda lessons validate --sms`: every card, quiz question and safety entry that costs more
than three segments on SMS, at its file and line.

Each counts as the SMS channel sends it, in GSM-7 where a character has a form there: a card with
its title and place ("(2/5)") and the most options a card can show (Next, Quiz, Back, Menu); a
question as the quiz asks it: its header, the prompt and the numbered options; a safety entry as
the part of an SOS that holds it alone (the neutral line, the entry, "Write MORE for the rest.").
The chat writes those, so the caller passes `render_card`, `render_question` and `render_entry`,
which use the dialogs' own functions (this package imports nothing of the chat).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from lessons.loader import COURSE_FILE, SAFETY_FILE, Problem
from lessons.model import Catalog, Course, Module, Question
from lessons.sms import SEGMENT_LIMIT, sms_segments, to_gsm
from lessons.source import LineMap, SourceError, read_yaml

# (course, module, question, language) -> the messages that ask it (one per item of a matching
# question), as the chat writes them before the channel.
RenderQuestion = Callable[[Course, Module, Question, str], list[str]]
# (an entry's text, language) -> the SMS part that holds it alone.
RenderEntry = Callable[[str, str], str]
# (course, module, card index, language) -> the card's message: title and place, text, options.
RenderCard = Callable[[Course, Module, int, str], str]


@dataclass(frozen=True)
class SmsText:
    """One text of the content as an SMS carries it, and where it is written."""

    path: Path
    line: int
    language: str
    what: str  # "card 'rights-1'", "question 'q2'"
    text: str  # as the SMS channel sends it


def _line(item: LineMap | None, key: str, language: str) -> int:
    """The line of an item's text in a language (or of its key, or of the item)."""
    if item is None:
        return 0
    value = item.get(key)
    if isinstance(value, LineMap) and language in value:
        return value.line_of(language)
    return item.line_of(key) if key in item else item.line


def _items(path: Path, key: str) -> dict[str, LineMap]:
    """The items of a module file's list (cards, questions) by id, for their lines."""
    try:
        data = read_yaml(path)
    except SourceError:
        return {}
    items = data.get(key) if isinstance(data, LineMap) else None
    return {
        str(item.get("id")): item
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, LineMap)
    }


def sms_texts(
    folder: Path,
    catalog: Catalog,
    render_question: RenderQuestion,
    render_entry: RenderEntry,
    render_card: RenderCard,
) -> Iterator[SmsText]:
    """Every card and askable question of every course, in each of the course's languages, and
    every safety entry in each of its languages."""
    path = folder / SAFETY_FILE
    entries = _items(path, "entries")
    for entry in catalog.safety:
        for language, text in entry.text.items():
            yield SmsText(
                path,
                _line(entries.get(entry.id), "text", language),
                language,
                f"safety entry '{entry.id}'",
                to_gsm(render_entry(text, language)),
            )
    for course in catalog.courses:
        course_folder = folder / course.id
        if not (course_folder / COURSE_FILE).is_file():
            continue
        for module in course.modules:
            path = course_folder / f"{module.id}.yaml"
            cards, questions = _items(path, "cards"), _items(path, "questions")
            for language in course.languages:
                for index, card in enumerate(module.cards):
                    if language not in card.text:
                        continue  # the default language's text, counted there
                    yield SmsText(
                        path,
                        _line(cards.get(card.id), "text", language),
                        language,
                        f"card '{card.id}'",
                        to_gsm(render_card(course, module, index, language)),
                    )
                for question in module.quiz:
                    if language not in question.prompt:
                        continue
                    line = _line(questions.get(question.id), "prompt", language)
                    for text in render_question(course, module, question, language):
                        what = f"question '{question.id}'"
                        yield SmsText(path, line, language, what, to_gsm(text))


def sms_problems(texts: Iterator[SmsText], limit: int = SEGMENT_LIMIT) -> list[Problem]:
    """A problem for each text over `limit` segments (a matching question's items: the worst)."""
    worst: dict[tuple[Path, int, str, str], int] = {}
    for found in texts:
        key = (found.path, found.line, found.language, found.what)
        worst[key] = max(worst.get(key, 0), sms_segments(found.text)[1])
    return [
        Problem(path, line, f"{what} in '{language}' is {count} SMS segments (at most {limit})")
        for (path, line, language, what), count in worst.items()
        if count > limit
    ]
