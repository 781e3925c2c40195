"""Reading Senda's PDFs as a person would: the text on the page, its size, the QR codes on it."""

from __future__ import annotations

import io

import pypdfium2
import zxingcpp
from pypdf import PdfReader

A4_POINTS = (595.28, 841.89)


def pdf_text(data: bytes) -> str:
    """All the text of a PDF, pages joined, with runs of whitespace folded to one space."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def page_sizes(data: bytes) -> list[tuple[float, float]]:
    """Each page's width and height in points."""
    reader = PdfReader(io.BytesIO(data))
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]


def is_a4(size: tuple[float, float]) -> bool:
    """Whether a page size is A4 portrait (to a hundredth of a point)."""
    return all(abs(a - b) < 0.01 for a, b in zip(size, A4_POINTS, strict=True))


def qr_codes(data: bytes, scale: float = 2.0) -> list[str]:
    """The contents of every QR code on the first page, rendered at 144 dpi as a printer would."""
    document = pypdfium2.PdfDocument(data)
    try:
        image = document[0].render(scale=scale).to_pil()
    finally:
        document.close()
    return [
        result.text
        for result in zxingcpp.read_barcodes(image)
        if result.format == zxingcpp.BarcodeFormat.QRCode
    ]
