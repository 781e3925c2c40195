"""What Senda's printed pages share: A4, an embedded Unicode font, wrapped text and QR codes."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import reportlab
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 56.0  # points (about 2 cm)
REGULAR, BOLD = "SendaSans", "SendaSans-Bold"

# DejaVu Sans draws far more scripts than Vera; Vera ships inside reportlab, so there is always a
# font to embed (embedded TrueType keeps accents and lets the text be copied out of the PDF).
_SYSTEM_FONTS = Path("/usr/share/fonts/truetype/dejavu")
_BUNDLED_FONTS = Path(reportlab.__file__).resolve().parent / "fonts"


@cache
def register_fonts() -> None:
    """Register the regular and bold fonts once per process."""
    regular, bold = _SYSTEM_FONTS / "DejaVuSans.ttf", _SYSTEM_FONTS / "DejaVuSans-Bold.ttf"
    if not (regular.is_file() and bold.is_file()):
        regular, bold = _BUNDLED_FONTS / "Vera.ttf", _BUNDLED_FONTS / "VeraBd.ttf"
    pdfmetrics.registerFont(TTFont(REGULAR, str(regular)))
    pdfmetrics.registerFont(TTFont(BOLD, str(bold)))


def new_canvas(buffer, title: str) -> Canvas:
    """An A4 canvas writing into `buffer`, with the document title set and the fonts ready."""
    register_fonts()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(title)
    canvas.setCreator("Senda")
    return canvas


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """The lines a text breaks into at a width (on spaces; a word too long stays whole)."""
    return simpleSplit(text, font, size, width) or [""]


def draw_centered_lines(
    canvas: Canvas, text: str, font: str, size: float, top: float, width: float, leading=1.25
) -> float:
    """Draw a text centred on the page, wrapped to `width`, its first baseline at `top`;
    returns the y just below the last line."""
    canvas.setFont(font, size)
    y = top
    for line in wrap(text, font, size, width):
        canvas.drawCentredString(PAGE_WIDTH / 2, y, line)
        y -= size * leading
    return y


def fitting_size(text: str, font: str, largest: float, width: float, max_lines: int) -> float:
    """The largest font size (down to a third of `largest`) at which a text fits in
    `max_lines` lines of `width`."""
    size = largest
    while size > largest / 3 and len(wrap(text, font, size, width)) > max_lines:
        size -= 1
    return size


def draw_qr(canvas: Canvas, value: str, x: float, y: float, size: float) -> None:
    """A QR code (error correction M, with its quiet zone) of `size` points, lower-left at x, y."""
    widget = QrCodeWidget(value, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0]
    )
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)
