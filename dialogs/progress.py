"""The learner's progress: each course begun, each module's state and score."""

from __future__ import annotations

from bot.messages import Outbound
from dialogs import certificate
from dialogs.base import Turn, say
from lessons.model import Course
from storage import repo
from storage.models import Certificate, ModuleProgress


def with_certificates(turn: Turn) -> list[Outbound] | None:
    """The summary followed by the choice of certificates, for an official who has passed a
    course in full; None for everyone else."""
    offer = certificate.choose(turn)
    return [summary(turn, certificates_follow=True), *offer] if offer else None


def summary(turn: Turn, certificates_follow: bool = False) -> Outbound:
    """Every course the learner started, module by module (and an official's certificates)."""
    t = turn.t
    rows = repo.course_progress(turn.session, turn.learner.id) if turn.learner.id else []
    by_module = {(row.course_id, row.module_id): row for row in rows}
    started = list(dict.fromkeys(row.course_id for row in rows))
    official = turn.learner.role == certificate.ELIGIBLE_ROLE
    certificates = repo.certificates_of(turn.session, turn.learner.id) if official else {}
    attempts = repo.attempts_to_pass(turn.session, turn.learner.id) if rows else {}
    blocks = []
    for course_id in started:
        course = turn.catalog.course(course_id)
        if course is None:
            continue
        language = turn.course_language(course)  # its titles as the person reads the course
        passed = sum(
            1 for m in course.modules if (r := by_module.get((course.id, m.id))) and r.passed
        )
        lines = [
            t.ngettext(
                "{title}: {passed} of {n} module passed",
                "{title}: {passed} of {n} modules passed",
                len(course.modules),
                title=course.text(course.title, language),
                passed=passed,
            )
        ]
        for module in course.modules:
            row = by_module.get((course.id, module.id))
            title = course.text(module.title, language)
            if row is None:
                lines.append("· " + t._("{title}: not started", title=title))
            elif row.passed and row.best_score is not None:
                score = t.percent(row.best_score / 100)  # the best whole attempt
                taken = attempts.get((course.id, module.id))
                if taken:
                    passed_line = t.ngettext(
                        "{title}: passed in {n} attempt ({score})",
                        "{title}: passed in {n} attempts ({score})",
                        taken,
                        title=title,
                        score=score,
                    )
                else:  # passed before attempts were counted
                    passed_line = t._("{title}: passed ({score})", title=title, score=score)
                lines.append("✓ " + passed_line)
            elif row.passed:
                lines.append("✓ " + t._("{title}: finished", title=title))
            else:
                card = min(row.card_index + 1, len(module.cards))
                lines.append(
                    "▶ "
                    + t._(
                        "{title}: card {card} of {total}",
                        title=title,
                        card=card,
                        total=len(module.cards),
                    )
                )
        if official:
            lines += _certificate_lines(
                turn, course, by_module, certificates.get(course.id), certificates_follow
            )
        blocks.append("\n".join(lines))
    if not blocks:
        return say(t._("You have not started a course yet."))
    return say("\n\n".join([t._("Your progress:"), *blocks]))


def _certificate_lines(
    turn: Turn,
    course: Course,
    by_module: dict[tuple[str, str], ModuleProgress],
    issued: Certificate | None,
    certificates_follow: bool,
) -> list[str]:
    """An official's certificate of a course passed in full: its link, or that there is one."""
    rows = {m.id: row for m in course.modules if (row := by_module.get((course.id, m.id)))}
    if certificate.course_result(course, rows) is None:
        return []
    if issued is not None:
        return ["📄 " + turn.t._("Certificate: {link}", link=certificate.link(turn, issued))]
    if certificates_follow:
        return ["📄 " + turn.t._("A certificate is available for this course.")]
    return [
        "📄 "
        + turn.t._("A certificate is available for this course: choose My progress in the menu.")
    ]
