"""Asking a quiz question of any type and reading the answer, in a quiz or in a review.

A question is asked with its options (choice, true/false, one item of a matching question at a
time) or with a line that says what to type (a word, a number, several option numbers). An
answer is stored as text the question can score (`Question.credit_for`): option keys, a
matching question's answer letters, or the key of the accepted answer a typed one matched.
"""

from __future__ import annotations

import re

from bot.i18n import normalize, normalize_offered, parse_number
from bot.messages import Option, Outbound
from dialogs.base import Turn, say
from lessons.model import FALSE_KEY, TRUE_KEY, Choice, Course, Question

LETTERS = "abcdefghij"
_PICK = re.compile(r"\d+|\b[a-j]\b")
_JOINING_WORDS = {"y", "and", "et", "e", "ak", "epi"}


def option_label(turn: Turn, course: Course, choice: Choice) -> str:
    """What an option says: true and false in the interface's words, else the content's text."""
    t = turn.course_t(course)
    if choice.key == TRUE_KEY and not choice.text:
        return t._("True")
    if choice.key == FALSE_KEY and not choice.text:
        return t._("False")
    return course.text(choice.text, turn.course_language(course))


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else f"{value:g}"


def _accepted_number(turn: Turn, course: Course, choice: Choice) -> str:
    if choice.is_range:
        return turn.course_t(course)._(
            "{low} to {high}", low=_number(choice.minimum), high=_number(choice.maximum)
        )
    if choice.number is None:
        return ""
    if choice.tolerance:
        return f"{_number(choice.number)} ± {_number(choice.tolerance)}"
    return _number(choice.number)


def ask(
    turn: Turn, course: Course, question: Question, picks: str = "", seed: str = ""
) -> tuple[str, list[Option]]:
    """The question's text, with what to do where it is not picking one option, and its
    options (for a matching question, the answers for the item it is at), in the order of the
    attempt `seed` names (`Question.shown_options`). A button carries the option's key, and a
    number typed is the option at that place of what was shown."""
    t = turn.course_t(course)
    language = turn.course_language(course)
    text = course.text(question.prompt, language)
    if question.type == "matching":
        items = question.items
        item = items[min(len(picks), len(items) - 1)]
        line = t._(
            "Match {number} of {total}: {item}",
            number=len(picks) + 1,
            total=len(items),
            item=course.text(item.item, language),
        )
        answers = question.answer_list()
        return f"{text}\n\n{line}", [
            Option(course.text(answer, language), letter)
            for letter, answer in zip(LETTERS, answers, strict=False)
        ]
    if question.type == "shortanswer":
        hint = t._("Write your answer.")
        return f"{text}\n\n{hint}", []
    if question.type == "numerical":
        hint = t._("Write a number.")
        return f"{text}\n\n{hint}", []
    options = [Option(option_label(turn, course, c), c.key) for c in question.shown_options(seed)]
    if question.multiple:
        hint = t._("More than one answer can be right: write all their numbers, like 1 3.")
        text = f"{text}\n\n{hint}"
    return text, options


def from_option(question: Question, value: str, picks: str = "") -> tuple[str | None, str]:
    """A picked option: (the whole answer when complete, the matching picks so far)."""
    if question.type == "matching":
        if value not in LETTERS[: len(question.answer_list())]:
            return None, picks
        picks += value
        return (picks, "") if len(picks) >= len(question.items) else (None, picks)
    return (value, "") if question.option(value) is not None else (None, picks)


def _short_answer_key(question: Question, text: str) -> str:
    """The first accepted answer the text matches (case, accents and spaces aside; `*` stands
    for any characters, as in Moodle), or "" when none does."""
    typed = normalize(text)
    for choice in question.options:
        for accepted in choice.text.values():
            pieces = [re.escape(normalize_offered(piece)) for piece in accepted.split("*")]
            if re.fullmatch(".*".join(pieces), typed):
                return choice.key
    return ""


def _picks(question: Question, text: str, seed: str) -> str | None:
    """Several options by number or letter (`1 3`, `a, c`) as they were shown, or None when the
    text is not that."""
    words = normalize(text.replace(",", " ").replace(";", " "))
    tokens = _PICK.findall(words)
    rest = set(_PICK.sub(" ", words).split()) - _JOINING_WORDS
    if not tokens or rest:
        return None
    keys = []
    shown = question.shown_options(seed)
    for token in tokens:
        index = int(token) - 1 if token.isdigit() else LETTERS.index(token)
        if not 0 <= index < len(shown):
            return None
        keys.append(shown[index].key)
    return "".join(dict.fromkeys(keys))


def from_text(turn: Turn, question: Question, text: str, seed: str = "") -> str | None:
    """A typed answer as the stored answer ("" for one that matches no accepted answer), or
    None when the text is not an answer to this question (not a number, for example)."""
    if question.type == "shortanswer":
        return _short_answer_key(question, text)
    if question.type == "numerical":
        value = parse_number(text, turn.learner.language)  # as the person writes numbers
        if value is None:
            return None
        return next((c.key for c in question.options if c.accepts_number(value)), "")
    if question.multiple:
        return _picks(question, text, seed)
    return None


def not_an_answer(turn: Turn, course: Course, question: Question) -> str:
    """What to say to a reply that is no answer to the question."""
    t = turn.course_t(course)
    if question.type == "numerical":
        return t._("Please write a number, like 12 or 3.5.")
    if question.multiple:
        return t._("Please write the numbers of the answers you choose, like 1 3.")
    return t._("Sorry, I did not understand.")


def _right_answers(turn: Turn, course: Course, question: Question) -> str:
    language = turn.course_language(course)
    if question.type == "matching":
        return "; ".join(
            f"{course.text(pair.item, language)} → {course.text(pair.answer, language)}"
            for pair in question.items
        )
    best = max((c.credit for c in question.options), default=0)
    if question.multiple:
        right = [c for c in question.options if c.credit > 0]
    else:
        right = [c for c in question.options if c.credit == best and best > 0]
    if question.type == "numerical":
        return " / ".join(text for c in right if (text := _accepted_number(turn, course, c)))
    return " / ".join(option_label(turn, course, c) for c in right)


def answer_feedback(turn: Turn, course: Course, question: Question, answer: str) -> Outbound:
    """Right, partly right, or the right answer; then what the content says about it."""
    t = turn.course_t(course)
    language = turn.course_language(course)
    credit = question.credit_for(answer)
    if credit >= 1:
        verdict = t._("✅ Right.")
    elif credit > 0:
        verdict = t._("Partly right.")
    else:
        verdict = t._(
            "❌ Not quite. The right answer: {answer}",
            answer=_right_answers(turn, course, question),
        )
    parts = [verdict]
    if question.type == "matching" and 0 < credit < 1:
        parts.append(
            t._("The right matches: {pairs}", pairs=_right_answers(turn, course, question))
        )
    picked = [] if question.type == "matching" else [question.option(answer)]
    if question.multiple and question.option(answer) is None:
        picked = [question.option(key) for key in answer]
    for choice in picked:
        if choice is not None and choice.feedback:
            parts.append(course.text(choice.feedback, language))
    if question.feedback:
        parts.append(course.text(question.feedback, language))
    return say("\n".join(parts))
