"""Courses: enrolments, module progress card by card, quiz questions; a CSV of the same."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from flask import Response, g, render_template

from dashboard import bp, numbers
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
    return render_template("dashboard/courses.html", courses=found)


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


@bp.route("/courses.csv")
@requires("editor")
def courses_csv() -> Response:
    """The course numbers as CSV (aggregates only); audited."""
    senda = service()
    with senda.sessions() as db:
        found = numbers.courses(db, senda.catalog)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(found))
    with senda.sessions.begin() as db:
        record(db, g.staff.email, "export", "courses.csv")
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=senda-courses.csv"},
    )
