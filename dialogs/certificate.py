"""Certificates for officials who passed every module of a course: the name to print, then a link.

    (course passed, or "Certificate: ..." in My progress)
        --> name --(a valid name)--> issued --another name--> name
                 --(no / skip)-----> menu          --menu----------> menu
            choose (My progress) --a course--> name, or issued when there is one already

The name is kept on the certificate row only; it is never echoed in a message (messages are
kept in the outbox). It goes with the rest of the person's data at BORRAR; a purge for silence
leaves the certificate (detached from the learner) until SENDA_CERTIFICATE_YEARS after issue.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from bot.i18n import NO, NP_, Translator, normalize, normalize_offered, yes_or_no
from bot.messages import Option, Outbound
from dialogs.base import Dialog, Step, Turn, say
from lessons.model import Course
from storage import repo
from storage.models import Certificate, ModuleProgress

ELIGIBLE_ROLE = "official"
NAME_LENGTH = (2, 80)
# Besides letters, marks and spaces: what names are written with (O'Neill, Ana-María, Jr.).
_NAME_PUNCTUATION = frozenset(".,'-’‘")
_NOT_WORD = re.compile(r"[^\w ]")
# What people type to pass on the certificate, besides the no-words (comma-separated per language).
SKIP = NP_("answer word", "skip")


@dataclass(frozen=True)
class CourseResult:
    """A course passed in full: when the last module was passed and the overall score."""

    course: Course
    passed_at: datetime
    # The average of the best quiz score of each module that has a quiz, in percent;
    # None when no module of the course has a quiz.
    score: int | None


def course_result(course: Course, rows: dict[str, ModuleProgress]) -> CourseResult | None:
    """The result of a course from the learner's rows of it (by module id); None unless every
    module of the course, as it is now, is passed."""
    if not course.modules:
        return None
    passed = [rows.get(module.id) for module in course.modules]
    if any(row is None or not row.passed or row.passed_at is None for row in passed):
        return None
    scores = [row.best_score for row in passed if row.best_score is not None]
    score = round(sum(scores) / len(scores)) if scores else None
    return CourseResult(course, max(row.passed_at for row in passed), score)


def completed_courses(turn: Turn) -> list[CourseResult]:
    """The courses an official has passed in full (none for other roles), in catalog order."""
    if turn.learner.role != ELIGIBLE_ROLE or not turn.learner.id:
        return []
    by_course: dict[str, dict[str, ModuleProgress]] = defaultdict(dict)
    for row in repo.course_progress(turn.session, turn.learner.id):
        by_course[row.course_id][row.module_id] = row
    results = []
    for course in turn.catalog.courses:
        if course.id in by_course and (result := course_result(course, by_course[course.id])):
            results.append(result)
    return results


def link(turn: Turn, certificate: Certificate) -> str:
    """Where the certificate's PDF is served (public, found by its unguessable code)."""
    return f"{turn.service.public_url}/certificates/{certificate.code}.pdf"


def verify_link(turn: Turn, certificate: Certificate) -> str:
    """The page that confirms the certificate (what its QR code opens)."""
    return f"{turn.service.public_url}/verify/{certificate.code}"


def erase_word(t: Translator) -> str:
    """The word that erases a person's data, in the person's language (BORRAR, DELETE...)."""
    return t.main_word("delete")


def valid_name(text: str) -> str | None:
    """The name as it will be printed (spaces folded), or None when it is not a name: 2 to 80
    characters, letters with spaces, hyphens, apostrophes and periods."""
    name = " ".join(unicodedata.normalize("NFC", text).split())
    low, high = NAME_LENGTH
    if not low <= len(name) <= high or not any(c.isalpha() for c in name):
        return None
    for character in name:
        kind = unicodedata.category(character)[0]
        if kind not in "LM" and character != " " and character not in _NAME_PUNCTUATION:
            return None
    return name


def offer_on_completion(turn: Turn, course: Course) -> list[Outbound]:
    """Ask an official who has just passed the last module of a course for the name to print
    (nothing when they are not an official, the course is not complete, or they have one)."""
    if turn.learner.role != ELIGIBLE_ROLE:
        return []
    if repo.certificates_of(turn.session, turn.learner.id).get(course.id) is not None:
        return []
    rows = {row.module_id: row for row in repo.course_progress(turn.session, turn.learner.id)}
    if course_result(course, rows) is None:
        return []
    title = course.text(course.title, turn.learner.language)
    note = turn.t._("Congratulations! You passed every module of “{course}”.", course=title)
    return [say(note), *ask_name(turn, course.id)]


def ask_name(turn: Turn, course_id: str) -> list[Outbound]:
    """Go to the question of the name."""
    turn.go("certificate", "name", course=course_id)
    return [name_prompt(turn)]


def _course(turn: Turn) -> Course | None:
    return turn.catalog.course(turn.state.get("course", ""))


def name_prompt(turn: Turn) -> Outbound:
    """What name should the certificate show?"""
    t = turn.t
    course = _course(turn)
    title = course.text(course.title, turn.learner.language) if course else ""
    lines = [
        t._("As a public official you can get a certificate for “{course}”.", course=title),
        t._(
            "Write your name as it should be printed on it, or choose “No, thanks”. "
            "Senda keeps the name only on the certificate, which stays checkable for {years} "
            "years, even after the rest of your data is deleted for silence; writing {word} "
            "erases it at once.",
            years=turn.service.certificate_years,
            word=erase_word(t),
        ),
    ]
    return say("\n\n".join(lines), Option(t._("No, thanks"), "no"))


def _declines(turn: Turn) -> bool:
    """Whether the person turned the certificate down: the button, its number or label (however
    punctuated), a no-word, or "skip"; a name that happens to look like an option's letter
    ("A") is not a decline."""
    if turn.inbound.choice is not None:
        return True
    t = turn.t
    typed = _NOT_WORD.sub("", normalize(turn.inbound.text))
    label = _NOT_WORD.sub("", normalize_offered(t._("No, thanks")))
    skips = t.words("answer word", SKIP) | Translator("en").words("answer word", SKIP)
    return typed in {"1", label, *skips} or yes_or_no(turn.inbound.text, t) == NO


def decline(turn: Turn) -> list[Outbound]:
    """No certificate for now; or, when changing the name, keep the one there is."""
    from dialogs import menu  # the menu leads here through My progress

    course_id = turn.state.get("course", "")
    if repo.certificates_of(turn.session, turn.learner.id).get(course_id) is not None:
        turn.go("certificate", "issued", course=course_id)
        return [issued_prompt(turn)]
    note = turn.t._("No certificate for now. You can get it later from My progress in the menu.")
    return menu.enter(turn, note=note)


def on_name_choice(turn: Turn, option: Option) -> list[Outbound]:
    """The option is "No, thanks"; but a typed name can match it by its first letter."""
    return decline(turn) if _declines(turn) else on_name(turn)


def on_name(turn: Turn) -> list[Outbound]:
    """Issue the certificate with the name written, or explain what a name needs."""
    t = turn.t
    if _declines(turn):
        return decline(turn)
    name = valid_name(turn.inbound.text)
    course = _course(turn)
    if course is None:
        from dialogs import menu

        return menu.enter(turn, note=t._("That course is no longer available."))
    if name is None:
        low, high = NAME_LENGTH
        note = t._(
            "A name on a certificate needs {low} to {high} characters: letters, spaces, "
            "hyphens, apostrophes or periods.",
            low=low,
            high=high,
        )
        return [say(note), name_prompt(turn)]
    result = next((r for r in completed_courses(turn) if r.course.id == course.id), None)
    if result is None:  # the course changed, or the learner's role did, since the question
        from dialogs import menu

        return menu.enter(turn)
    repo.issue_certificate(
        turn.session,
        learner_id=turn.learner.id,
        course_id=course.id,
        name=name,
        language=turn.learner.language,
        score=result.score,
        passed_at=result.passed_at,
    )
    turn.go("certificate", "issued", course=course.id)
    return [issued_prompt(turn)]


def issued_prompt(turn: Turn) -> Outbound:
    """The link to the certificate, how others check it, and how long it lasts."""
    t = turn.t
    course = _course(turn)
    certificate = repo.certificates_of(turn.session, turn.learner.id).get(
        course.id if course else ""
    )
    if course is None or certificate is None:
        return say(t._("That course is no longer available."), Option(t._("Menu"), "menu"))
    title = course.text(course.title, turn.learner.language)
    text = "\n\n".join(
        [
            t._("Your certificate for “{course}”:", course=title) + "\n" + link(turn, certificate),
            t._(
                "Anyone can check it with its QR code, or at {url} (code {code}).",
                url=verify_link(turn, certificate),
                code=certificate.code,
            ),
            t._(
                "It stays valid for {years} years, even if the rest of your data is deleted "
                "after {days} days without a message. Writing {word} erases it at once.",
                years=turn.service.certificate_years,
                word=erase_word(t),
                days=turn.service.retention_days,
            ),
        ]
    )
    return say(text, Option(t._("Change the name"), "rename"), Option(t._("Menu"), "menu"))


def on_issued(turn: Turn, option: Option) -> list[Outbound]:
    """Correct the name (a new certificate replaces the old), or leave."""
    course_id = turn.state.get("course", "")
    if option.value == "rename" and turn.catalog.course(course_id) is not None:
        return ask_name(turn, course_id)
    from dialogs import menu

    return menu.enter(turn)


def choose(turn: Turn) -> list[Outbound]:
    """From My progress: one option a course passed in full; nothing when there is none."""
    if not completed_courses(turn):
        return []
    turn.go("certificate", "choose")
    return [choose_prompt(turn)]


def choose_prompt(turn: Turn) -> Outbound:
    """The courses a certificate can be had for."""
    t = turn.t
    language = turn.learner.language
    options = [
        Option(
            t._("Certificate: {course}", course=r.course.text(r.course.title, language)),
            r.course.id,
        )
        for r in completed_courses(turn)
    ]
    return say(t._("Certificates:"), *options, Option(t._("Menu"), "menu"))


def on_choose(turn: Turn, option: Option) -> list[Outbound]:
    """The certificate of the chosen course, or the question of the name when there is none."""
    from dialogs import menu

    if option.value == "menu" or turn.catalog.course(option.value) is None:
        return menu.enter(turn)
    if repo.certificates_of(turn.session, turn.learner.id).get(option.value) is None:
        return ask_name(turn, option.value)
    turn.go("certificate", "issued", course=option.value)
    return [issued_prompt(turn)]


DIALOG = Dialog(
    name="certificate",
    entry=choose,
    steps={
        "name": Step(prompt=name_prompt, on_choice=on_name_choice, on_text=on_name),
        "issued": Step(prompt=issued_prompt, on_choice=on_issued),
        "choose": Step(prompt=choose_prompt, on_choice=on_choose),
    },
)
