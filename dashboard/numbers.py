"""The dashboard's numbers: aggregate queries (GROUP BY, a fixed number per page), no identities.

Every function here runs a bounded number of SQL statements whatever the number of learners, and
returns counts only: no address, pseudonym or learner id leaves this module.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from lessons.model import Catalog
from storage.models import (
    Enrolment,
    Learner,
    ModuleProgress,
    Organisation,
    OutboxMessage,
    QuizAnswer,
    QuizAttempt,
)

WEEKS = 12
PUSH_STATES = ("sent", "delivered", "read", "failed", "pending", "held")


@dataclass
class Overview:
    """Who the learners are and how pushes fare."""

    total: int = 0
    by_channel: Counter[str] = field(default_factory=Counter)
    by_language: Counter[str] = field(default_factory=Counter)
    by_role: Counter[str] = field(default_factory=Counter)
    active_7: int = 0
    active_30: int = 0
    new_by_week: list[tuple[date, int]] = field(default_factory=list)
    pushes: dict[str, int] = field(default_factory=dict)


def _sum_if(condition) -> object:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def week_starts(now: datetime, zone: str, weeks: int = WEEKS) -> list[datetime]:
    """The Mondays 00:00 (local time) of the last `weeks` weeks, oldest first, and the next one."""
    local = now.astimezone(ZoneInfo(zone))
    monday = datetime.combine(local.date() - timedelta(days=local.weekday()), datetime.min.time())
    monday = monday.replace(tzinfo=local.tzinfo)
    return [monday - timedelta(weeks=n) for n in range(weeks - 1, -2, -1)]


def overview(session: Session, now: datetime, zone: str) -> Overview:
    """Learners who agreed to the terms, by channel, language and role; activity; new by week;
    pushes by state. Three statements."""
    result = Overview()
    agreed = Learner.consented_at.is_not(None)
    rows = session.execute(
        select(
            Learner.channel,
            Learner.language,
            Learner.role,
            func.count(),
            _sum_if(Learner.last_seen_at >= now - timedelta(days=7)),
            _sum_if(Learner.last_seen_at >= now - timedelta(days=30)),
        )
        .where(agreed)
        .group_by(Learner.channel, Learner.language, Learner.role)
    )
    for channel, language, role, count, active_7, active_30 in rows:
        result.total += count
        result.by_channel[channel] += count
        result.by_language[language] += count
        result.by_role[role or "not chosen"] += count
        result.active_7 += active_7
        result.active_30 += active_30
    starts = week_starts(now, zone)
    weekly = session.execute(
        select(
            *(
                _sum_if(and_(Learner.created_at >= start, Learner.created_at < end))
                for start, end in pairwise(starts)
            )
        ).where(agreed)
    ).one()
    result.new_by_week = [
        (start.date(), count) for start, count in zip(starts, weekly, strict=False)
    ]
    pushes = dict(
        session.execute(
            select(OutboxMessage.state, func.count())
            .where(OutboxMessage.kind == "push")
            .group_by(OutboxMessage.state)
        ).all()
    )
    pushes["pending"] = pushes.get("pending", 0) + pushes.pop("sending", 0)
    result.pushes = {state: pushes.get(state, 0) for state in PUSH_STATES}
    return result


@dataclass
class QuestionStats:
    """How a quiz question went: answers, share right, the wrong option most chosen."""

    id: str
    prompt: str
    answers: int = 0
    right: int = 0
    top_wrong: str | None = None  # the option's key
    top_wrong_text: str = ""
    top_wrong_count: int = 0

    @property
    def share_right(self) -> float | None:
        """The share of answers that were right (None without answers)."""
        return self.right / self.answers if self.answers else None


@dataclass
class ModuleStats:
    """A module's progress: started, read to the end, passed; and how far people read."""

    id: str
    title: str
    cards: int
    started: int = 0
    finished: int = 0
    passed: int = 0
    reached: list[int] = field(default_factory=list)  # people who reached card 1, 2, ...
    stopped: list[int] = field(default_factory=list)  # people whose furthest card is 1, 2, ...
    questions: list[QuestionStats] = field(default_factory=list)

    @property
    def reached_by_card(self) -> list[tuple[str, int]]:
        """(card label, people who reached it), for a chart."""
        return [(f"Card {number}", count) for number, count in enumerate(self.reached, 1)]


@dataclass
class CourseStats:
    """A course's enrolments and its modules."""

    id: str
    title: str
    enrolled: int = 0
    completed: int = 0
    modules: list[ModuleStats] = field(default_factory=list)


def courses(session: Session, catalog: Catalog) -> list[CourseStats]:
    """Every course of the catalog with its numbers. Three statements."""
    enrolments = {
        course_id: (count, completed)
        for course_id, count, completed in session.execute(
            select(Enrolment.course_id, func.count(), func.count(Enrolment.completed_at)).group_by(
                Enrolment.course_id
            )
        )
    }
    # card_index is the card a learner is on; cards_done says they read to the end once (the
    # index goes back to 0 when they open the module again, so cards_done wins).
    progress: dict[tuple[str, str], list[tuple[int, bool, bool, int]]] = defaultdict(list)
    for course_id, module_id, card_index, cards_done, passed, count in session.execute(
        select(
            ModuleProgress.course_id,
            ModuleProgress.module_id,
            ModuleProgress.card_index,
            ModuleProgress.cards_done,
            ModuleProgress.passed,
            func.count(),
        ).group_by(
            ModuleProgress.course_id,
            ModuleProgress.module_id,
            ModuleProgress.card_index,
            ModuleProgress.cards_done,
            ModuleProgress.passed,
        )
    ):
        progress[(course_id, module_id)].append((card_index, cards_done, passed, count))
    answers: dict[tuple[str, str], dict[str, Counter[tuple[str, bool]]]] = defaultdict(
        lambda: defaultdict(Counter)
    )
    for course_id, module_id, question_id, choice, correct, count in session.execute(
        select(
            QuizAttempt.course_id,
            QuizAttempt.module_id,
            QuizAnswer.question_id,
            QuizAnswer.choice,
            QuizAnswer.correct,
            func.count(),
        )
        .join(QuizAttempt, QuizAttempt.id == QuizAnswer.attempt_id)
        .group_by(
            QuizAttempt.course_id,
            QuizAttempt.module_id,
            QuizAnswer.question_id,
            QuizAnswer.choice,
            QuizAnswer.correct,
        )
    ):
        answers[(course_id, module_id)][question_id][(choice, bool(correct))] += count
    found = []
    for course in catalog.courses:
        language = course.default_language
        enrolled, completed = enrolments.get(course.id, (0, 0))
        stats = CourseStats(course.id, course.text(course.title, language), enrolled, completed)
        for module in course.modules:
            entry = ModuleStats(module.id, course.text(module.title, language), len(module.cards))
            _fill_progress(entry, progress.get((course.id, module.id), []))
            by_question = answers.get((course.id, module.id), {})
            for question in module.questions:
                counts = by_question.get(question.id, Counter())
                item = QuestionStats(question.id, course.text(question.prompt, language))
                item.answers = sum(counts.values())
                item.right = sum(n for (_, correct), n in counts.items() if correct)
                wrong = Counter(
                    {choice: n for (choice, correct), n in counts.items() if not correct}
                )
                if wrong:
                    item.top_wrong, item.top_wrong_count = wrong.most_common(1)[0]
                    option = question.option(item.top_wrong)
                    item.top_wrong_text = course.text(option.text, language) if option else ""
                entry.questions.append(item)
            stats.modules.append(entry)
        found.append(stats)
    return found


def _fill_progress(entry: ModuleStats, rows: list[tuple[int, bool, bool, int]]) -> None:
    """Started, finished and passed counts, and the card-by-card funnel, from grouped rows."""
    cards = max(entry.cards, 1)
    furthest = [0] * cards  # people by the furthest card they are known to have reached
    for card_index, cards_done, passed, count in rows:
        entry.started += count
        entry.finished += count if cards_done else 0
        entry.passed += count if passed else 0
        position = cards - 1 if cards_done else min(max(card_index, 0), cards - 1)
        furthest[position] += count
    # At the last card, those who read to the end did not stop there.
    entry.stopped = [*furthest[:-1], furthest[-1] - entry.finished]
    entry.reached = [sum(furthest[k:]) for k in range(cards)]


def organisation_joins(session: Session) -> list[tuple[Organisation, int]]:
    """Each organisation with the learners who joined through its links. One statement."""
    rows = session.execute(
        select(Organisation, func.count(Learner.id))
        .outerjoin(Learner, Learner.referral == Organisation.code)
        .group_by(Organisation.id)
        .order_by(Organisation.name)
    ).all()
    return [(organisation, count) for organisation, count in rows]
