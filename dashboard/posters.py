"""A printable A4 poster for one module: a QR code per channel that opens it, and how to start.

Called by the share-kit page; no Flask here, so it can also be used from the command line.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

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

QR_SIZE = 220.0  # points: nearly 8 cm, scannable from arm's length
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN


def erase_word(translator: Translator) -> str:
    """The word that erases a person's data in a language (BORRAR, DELETE, EFASE...)."""
    words = translator.pgettext("global word", "delete").split(",")
    return words[0].strip().upper()


def poster_instructions(language: str, channels: Sequence[str]) -> list[str]:
    """The lines a poster prints for one language: how to join on each of the poster's channels
    ("Telegram", "WhatsApp"), and how to erase."""
    t = Translator(language)
    steps = {
        "Telegram": t._("On Telegram, press Start."),
        "WhatsApp": t._("On WhatsApp, send the message that appears."),
    }
    return [
        t._("Scan a code with your phone's camera and open the link."),
        *(steps[channel] for channel in channels),
        t._("You can erase your data at any time by writing {word}.", word=erase_word(t)),
    ]


def module_poster_pdf(
    *,
    course_title: str,
    module_title: str,
    telegram_link: str | None,
    whatsapp_link: str | None,
    languages: Sequence[str] = ("es", "en"),
) -> bytes:
    """The poster as PDF bytes (one A4 page).

    `course_title` and `module_title` are printed as given (the caller picks their language);
    each link that is not None gets a QR code captioned with its channel; the instructions and
    the privacy line are printed in each of `languages` (Senda's interface languages), in order.
    """
    codes = [
        (name, link)
        for name, link in (("Telegram", telegram_link), ("WhatsApp", whatsapp_link))
        if link
    ]
    if not codes:
        raise ValueError("a poster needs at least one channel link")
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, f"{module_title} · {course_title}")

    y = PAGE_HEIGHT - MARGIN - 14
    y = draw_centered_lines(canvas, course_title, REGULAR, 16, y, TEXT_WIDTH) - 14
    size = fitting_size(module_title, BOLD, 34, TEXT_WIDTH, max_lines=3)
    y = draw_centered_lines(canvas, module_title, BOLD, size, y - size + 14, TEXT_WIDTH)

    y = _draw_codes(canvas, codes, top=y - 10)

    blocks = [poster_instructions(language, [name for name, _ in codes]) for language in languages]
    scale = _instructions_scale(blocks, room=y - MARGIN)
    for lines in blocks:
        y -= 14 * scale  # a gap between languages
        for index, line in enumerate(lines):
            font, font_size = (BOLD, 12) if index < len(lines) - 1 else (REGULAR, 10.5)
            y = draw_centered_lines(canvas, line, font, font_size * scale, y, TEXT_WIDTH)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _instructions_scale(blocks: list[list[str]], room: float) -> float:
    """How much to shrink the instructions (down to 60%) so that every language fits the page."""
    scale = 1.0
    while scale > 0.6:
        height = 0.0
        for lines in blocks:
            height += 14 * scale
            for index, line in enumerate(lines):
                font, size = (BOLD, 12) if index < len(lines) - 1 else (REGULAR, 10.5)
                height += len(wrap(line, font, size * scale, TEXT_WIDTH)) * size * scale * 1.25
        if height <= room:
            break
        scale -= 0.05
    return scale


def _draw_codes(canvas, codes: list[tuple[str, str]], top: float) -> float:
    """The QR codes side by side, each with its channel's name above and its link below;
    returns the y below them."""
    column = PAGE_WIDTH / len(codes)
    bottom = top
    for index, (name, link) in enumerate(codes):
        centre = column * index + column / 2
        canvas.setFont(BOLD, 18)
        canvas.drawCentredString(centre, top - 18, name)
        draw_qr(canvas, link, centre - QR_SIZE / 2, top - 26 - QR_SIZE, QR_SIZE)
        canvas.setFont(REGULAR, 8)
        y = top - 36 - QR_SIZE
        for line in wrap(link, REGULAR, 8, column - 24):
            canvas.drawCentredString(centre, y, line)
            y -= 10
        bottom = min(bottom, y)
    return bottom - 14
