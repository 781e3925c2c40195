"""Did people learn, and was it useful to them: the pre-test before and after each course, the
ratings and comments of its modules, and an organisation's own figures.

Aggregate queries only (a fixed number a page, whatever the number of learners): no address,
pseudonym or learner id leaves this module. What the pages show of a group smaller than
SENDA_MIN_GROUP is decided by `shown`: "fewer than N", never the count.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from lessons.model import Catalog, Course
from storage.models import (
    Certificate,
    Enrolment,
    Learner,
    LearnerComment,
    ModuleRating,
    PretestAnswer,
)

SCALES = {
    # scale -> (what was asked, the values from low to high with their labels)
    "useful5": ("Useful for their work (1 not at all, 5 very)", ("1", "2", "3", "4", "5")),
    "clear3": ("Clear (migrants)", ("no", "a little", "yes")),
}
COMMENTS_SHOWN = 100


def shown(count: int, least: int) -> str:
    """A count as a page may show it: a group of 1 to least-1 people reads "fewer than least"."""
    return f"fewer than {least}" if 0 < count < least else str(count)


@dataclass
class BeforeAfter:
    """One pre-test question: of the people who answered it before and after the course, how
    many were right each time."""

    id: str
    prompt: str
    both: int = 0
    right_before: int = 0
    right_after: int = 0

    @property
    def share_before(self) -> float | None:
        return self.right_before / self.both if self.both else None

    @property
    def share_after(self) -> float | None:
        return self.right_after / self.both if self.both else None

    @property
    def gain(self) -> float | None:
        """The share right after minus the share right before (points of a share)."""
        return self.right_after / self.both - self.right_before / self.both if self.both else None


@dataclass
class Ratings:
    """How a module was rated on one scale: people by value, lowest first."""

    module_id: str
    title: str
    scale: str
    counts: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def asked(self) -> str:
        return SCALES[self.scale][0]

    @property
    def labels(self) -> tuple[str, ...]:
        return SCALES[self.scale][1]


@dataclass
class CourseEvidence:
    """A course's pre-test before and after, and its modules' ratings."""

    id: str
    title: str
    pretest: int
    people_both: int = 0  # people who answered the pre-test before and after
    questions: list[BeforeAfter] = field(default_factory=list)
    ratings: list[Ratings] = field(default_factory=list)
    enrolled: int = 0
    completed: int = 0
    certificates: int = 0

    @property
    def overall(self) -> BeforeAfter:
        """Every question of the pre-test together (answers, not people)."""
        total = BeforeAfter("", "")
        for question in self.questions:
            total.both += question.both
            total.right_before += question.right_before
            total.right_after += question.right_after
        return total


@dataclass(frozen=True)
class Comment:
    """A comment as the page shows it: the day, where, the role and the text; nobody."""

    written_on: date
    course_id: str
    course: str
    module_id: str
    module: str
    role: str
    text: str


def _pairs(organisation: str | None):
    """Pre-test answers before joined to the same person's answer after (same question)."""
    before, after = aliased(PretestAnswer), aliased(PretestAnswer)
    joined = and_(
        after.learner_id == before.learner_id,
        after.course_id == before.course_id,
        after.question_id == before.question_id,
        after.phase == "after",
    )
    conditions = [before.phase == "before"]
    if organisation is not None:
        conditions.append(
            before.learner_id.in_(select(Learner.id).where(Learner.referral == organisation))
        )
    return before, after, joined, conditions


def _count_if(condition) -> object:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def evidence(
    session: Session, catalog: Catalog, organisation: str | None = None
) -> list[CourseEvidence]:
    """Every course's before and after and its ratings; only the people an organisation's
    links brought when a code is given. Two statements (four with an organisation)."""
    before, after, joined, conditions = _pairs(organisation)
    per_question = (
        select(
            before.course_id,
            before.question_id,
            func.count(),
            _count_if(before.correct.is_(True)),
            _count_if(after.correct.is_(True)),
        )
        .join(after, joined)
        .where(*conditions)
        .group_by(before.course_id, before.question_id)
    )
    # The people who took both, a course: in the same statement, on a row of no question.
    per_course = (
        select(
            before.course_id,
            literal(""),
            func.count(func.distinct(before.learner_id)),
            literal(0),
            literal(0),
        )
        .join(after, joined)
        .where(*conditions)
        .group_by(before.course_id)
    )
    by_question, people = {}, {}
    for course_id, question_id, both, right_before, right_after in session.execute(
        union_all(per_question, per_course)
    ):
        if question_id:
            by_question[(course_id, question_id)] = (both, right_before, right_after)
        else:
            people[course_id] = both
    rating_query = select(
        ModuleRating.course_id,
        ModuleRating.module_id,
        ModuleRating.scale,
        ModuleRating.value,
        func.sum(ModuleRating.count),
    ).group_by(
        ModuleRating.course_id, ModuleRating.module_id, ModuleRating.scale, ModuleRating.value
    )
    if organisation is not None:
        rating_query = rating_query.where(ModuleRating.organisation == organisation)
    ratings: dict[tuple[str, str, str], Counter[int]] = defaultdict(Counter)
    for course_id, module_id, scale, value, count in session.execute(rating_query):
        ratings[(course_id, module_id, scale)][value] += count
    figures = _organisation_figures(session, organisation) if organisation is not None else {}
    found = []
    for course in catalog.courses:
        entry = CourseEvidence(
            course.id, course.text(course.title, course.default_language), course.pretest
        )
        entry.people_both = people.get(course.id, 0)
        entry.enrolled, entry.completed, entry.certificates = figures.get(course.id, (0, 0, 0))
        for _, question in course.pretest_questions:
            item = BeforeAfter(question.id, course.text(question.prompt, course.default_language))
            item.both, item.right_before, item.right_after = by_question.get(
                (course.id, question.id), (0, 0, 0)
            )
            entry.questions.append(item)
        entry.ratings = _ratings_of(course, ratings)
        found.append(entry)
    return found


def _ratings_of(course: Course, ratings: dict[tuple[str, str, str], Counter[int]]) -> list[Ratings]:
    found = []
    for module in course.modules:
        for scale, (_, labels) in SCALES.items():
            counts = ratings.get((course.id, module.id, scale))
            if counts:
                title = course.text(module.title, course.default_language)
                values = [counts.get(value, 0) for value in range(1, len(labels) + 1)]
                found.append(Ratings(module.id, title, scale, values))
    return found


def _organisation_figures(session: Session, organisation: str) -> dict[str, tuple[int, int, int]]:
    """Per course: enrolments, completions and certificates of the organisation's people."""
    theirs = select(Learner.id).where(Learner.referral == organisation)
    enrolments = {
        course_id: (count, completed)
        for course_id, count, completed in session.execute(
            select(Enrolment.course_id, func.count(), func.count(Enrolment.completed_at))
            .where(Enrolment.learner_id.in_(theirs))
            .group_by(Enrolment.course_id)
        )
    }
    certificates = dict(
        session.execute(
            select(Certificate.course_id, func.count())
            .where(Certificate.learner_id.in_(theirs))
            .group_by(Certificate.course_id)
        ).all()
    )
    return {
        course_id: (*enrolments.get(course_id, (0, 0)), certificates.get(course_id, 0))
        for course_id in set(enrolments) | set(certificates)
    }


def comments(
    session: Session, catalog: Catalog, limit: int | None = COMMENTS_SHOWN
) -> list[Comment]:
    """The comments, newest day first (the order they came in is not kept)."""
    query = select(LearnerComment).order_by(LearnerComment.written_on.desc(), LearnerComment.id)
    if limit is not None:
        query = query.limit(limit)
    found = []
    for row in session.scalars(query):
        course = catalog.course(row.course_id)
        module = course.module(row.module_id) if course else None
        found.append(
            Comment(
                row.written_on,
                row.course_id,
                course.text(course.title, course.default_language) if course else row.course_id,
                row.module_id,
                course.text(module.title, course.default_language)
                if course and module
                else row.module_id,
                row.role,
                row.text,
            )
        )
    return found
