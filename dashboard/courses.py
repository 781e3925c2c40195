"""Courses: enrolments, module progress card by card, quiz questions; a CSV of the same."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Response, g, render_template

from dashboard import bp, learning, numbers
from dashboard.audit import record
from dashboard.roles import requires
from webhooks import service

CSV_COLUMNS = ("course", "module", "measure", "item", "value")


@bp.route("/courses")
def courses() -> Any:
    """Every course with its modules' funnels and its questions."""
    senda = service()
    with senda.sessions() as db:
        found = numbers.courses(db, senda.catalog)
        evidence = {entry.id: entry for entry in learning.evidence(db, senda.catalog)}
    least = senda.settings.min_group
    return render_template(
        "dashboard/courses.html",
        courses=found,
        evidence=evidence,
        least=least,
        shown=lambda count: learning.shown(count, least),
    )


def csv_rows(found: list[numbers.CourseStats]) -> Iterator[tuple[object, ...]]:
    """The course numbers as long-format rows: course, module, measure, item, value."""
    for course in found:
        yield course.id, "", "enrolled", "", course.enrolled
        yield course.id, "", "completed", "", course.completed
        for module in course.modules:
            yield course.id, module.id, "started", "", module.started
            yield course.id, module.id, "read_to_the_end", "", module.finished
            yield course.id, module.id, "passed", "", module.passed
            for number, count in enumerate(module.reached, 1):
                yield course.id, module.id, "reached_card", number, count
            for number, count in enumerate(module.stopped, 1):
                yield course.id, module.id, "stopped_at_card", number, count
            for question in module.questions:
                yield course.id, module.id, "answers", question.id, question.answers
                share = question.share_right
                yield (
                    course.id,
                    module.id,
                    "share_right",
                    question.id,
                    "" if share is None else f"{share:.3f}",
                )
                yield (
                    course.id,
                    module.id,
                    "most_chosen_wrong",
                    question.id,
                    question.top_wrong or "",
                )


def _csv_download(
    columns: tuple[str, ...], rows: Iterable[Iterable[object]], name: str
) -> Response:
    """A CSV file to download, its export written to the audit log."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows(rows)
    with service().sessions.begin() as db:
        record(db, g.staff.email, "export", f"{name}.csv")
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=senda-{name}.csv"},
    )


@bp.route("/courses.csv")
@requires("editor")
def courses_csv() -> Response:
    """The course numbers as CSV (aggregates only); audited."""
    senda = service()
    with senda.sessions() as db:
        found = numbers.courses(db, senda.catalog)
    return _csv_download(CSV_COLUMNS, csv_rows(found), "courses")


COMMENT_COLUMNS = ("day", "course", "module", "role", "comment")


@bp.route("/comments")
def comments() -> Any:
    """What officials wrote after a module, newest first; nothing says who."""
    senda = service()
    with senda.sessions() as db:
        found = learning.comments(db, senda.catalog, limit=learning.COMMENTS_SHOWN + 1)
    more = len(found) > learning.COMMENTS_SHOWN
    return render_template(
        "dashboard/comments.html", comments=found[: learning.COMMENTS_SHOWN], more=more
    )


@bp.route("/comments.csv")
@requires("editor")
def comments_csv() -> Response:
    """Every learner comment, newest first, with nothing that says who wrote it; audited."""
    senda = service()
    with senda.sessions() as db:
        found = learning.comments(db, senda.catalog, limit=None)
    rows = (
        (c.written_on.isoformat(), c.course_id, c.module_id, c.role, _no_formula(c.text))
        for c in found
    )
    return _csv_download(COMMENT_COLUMNS, rows, "comments")


def _no_formula(text: str) -> str:
    """A comment as a spreadsheet cell: never read as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
