"""The certificate as a printable A4 PDF: who, which course, when, how well, and how to check it.

No Flask here: the web page that serves it passes everything in.
"""

from __future__ import annotations

import io
from datetime import date

from bot.i18n import Translator
from dashboard.pdfkit import (
    BOLD,
    MARGIN,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    REGULAR,
    draw_centered_lines,
    draw_qr,
    fitting_size,
    new_canvas,
    wrap,
)

TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
QR_SIZE = 130.0  # points: about 4.6 cm


def certificate_pdf(
    *,
    name: str,
    course_title: str,
    passed_on: date,
    score: int | None,
    code: str,
    verify_url: str,
    language: str,
    issuer: str,
) -> bytes:
    """The certificate as PDF bytes (one A4 page), its wording in `language`.

    `score` is a percent (None when the course had no quiz); `verify_url` is what the QR code
    holds; `issuer` names who runs the service.
    """
    t = Translator(language)
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, t._("Certificate of completion") + f" · {course_title}")
    _draw_border(canvas)

    y = PAGE_HEIGHT - MARGIN - 90
    canvas.setFont(REGULAR, 14)
    canvas.drawCentredString(PAGE_WIDTH / 2, y, "Senda")
    y = draw_centered_lines(canvas, t._("Certificate of completion"), BOLD, 28, y - 50, TEXT_WIDTH)
    y = draw_centered_lines(canvas, t._("This certifies that"), REGULAR, 14, y - 30, TEXT_WIDTH)

    size = fitting_size(name, BOLD, 30, TEXT_WIDTH, max_lines=2)
    y = draw_centered_lines(canvas, name, BOLD, size, y - size - 10, TEXT_WIDTH)
    y = draw_centered_lines(
        canvas, t._("passed every module of the course"), REGULAR, 14, y - 20, TEXT_WIDTH
    )
    size = fitting_size(course_title, BOLD, 22, TEXT_WIDTH, max_lines=3)
    y = draw_centered_lines(canvas, course_title, BOLD, size, y - size, TEXT_WIDTH)

    when = t.date(passed_on)
    if score is None:
        result = t._("on {date}.", date=when)
    else:
        result = t._(
            "on {date}, with an average score of {score}.",
            date=when,
            score=t.percent(score / 100),
        )
    y = draw_centered_lines(canvas, result, REGULAR, 14, y - 16, TEXT_WIDTH)
    if score is not None:
        note = t._("The score is the average of the best quiz score of each module.")
        draw_centered_lines(canvas, note, REGULAR, 9, y - 6, TEXT_WIDTH)

    _draw_verification(canvas, t, code, verify_url, issuer)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_border(canvas) -> None:
    inset = MARGIN / 2
    canvas.setLineWidth(2)
    canvas.rect(inset, inset, PAGE_WIDTH - 2 * inset, PAGE_HEIGHT - 2 * inset)
    canvas.setLineWidth(0.5)
    canvas.rect(inset + 5, inset + 5, PAGE_WIDTH - 2 * inset - 10, PAGE_HEIGHT - 2 * inset - 10)


def _draw_verification(canvas, t: Translator, code: str, verify_url: str, issuer: str) -> None:
    """The QR code at the bottom left, and beside it the code and where to check it."""
    left, bottom = MARGIN, MARGIN + 10
    draw_qr(canvas, verify_url, left, bottom, QR_SIZE)
    x = left + QR_SIZE + 16
    width = PAGE_WIDTH - MARGIN - x
    y = bottom + QR_SIZE - 30
    canvas.setFont(REGULAR, 10)
    canvas.drawString(x, y, t._("Verification code:"))
    canvas.setFont(BOLD, 18)
    canvas.drawString(x, y - 22, code)
    y -= 44
    canvas.setFont(REGULAR, 9)
    for line in [
        *wrap(t._("Check it by scanning the code, or at:"), REGULAR, 9, width),
        *wrap(verify_url, REGULAR, 9, width),
        *wrap(t._("Issued by Senda. Run by: {issuer}.", issuer=issuer), REGULAR, 9, width),
    ]:
        canvas.drawString(x, y, line)
        y -= 12
