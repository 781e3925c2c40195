"""The printable poster of a module: QR codes that open it, and how to start, in two languages."""

from __future__ import annotations

import pypdfium2
import pytest

from dashboard.posters import module_poster_pdf
from tests.pdf_helpers import is_a4, page_sizes, pdf_text, qr_codes

TELEGRAM = "https://t.me/SendaBot?start=demo__basics__org-casa-del-migrante"
WHATSAPP = "https://wa.me/5215500000000?text=demo__basics__org-casa-del-migrante"


def poster(**changes) -> bytes:
    arguments = {
        "course_title": "Curso de prueba",
        "module_title": "Lo básico",
        "telegram_link": TELEGRAM,
        "whatsapp_link": WHATSAPP,
        "languages": ("es", "en"),
        **changes,
    }
    return module_poster_pdf(**arguments)


def test_a_poster_is_one_a4_page_with_titles_and_instructions_in_both_languages():
    data = poster()
    assert data.startswith(b"%PDF-")
    assert [is_a4(size) for size in page_sizes(data)] == [True]
    text = pdf_text(data)
    for fragment in (
        "Curso de prueba",
        "Lo básico",
        "Telegram",
        "WhatsApp",
        "Escanea un código con la cámara de tu teléfono",
        "Scan a code with your phone's camera",
        "En Telegram, pulsa Iniciar.",
        "On Telegram, press Start.",
        "En WhatsApp, envía el mensaje que aparece.",
        "On WhatsApp, send the message that appears.",
        "Puedes borrar tus datos en cualquier momento escribiendo BORRAR.",
        "You can erase your data at any time by writing DELETE.",
    ):
        assert fragment in text


def test_both_qr_codes_open_the_given_links():
    assert sorted(qr_codes(poster())) == sorted([TELEGRAM, WHATSAPP])


@pytest.mark.parametrize(
    ("label", "telegram", "whatsapp"),
    [("telegram only", TELEGRAM, None), ("whatsapp only", None, WHATSAPP)],
)
def test_one_channel_gives_one_code(label, telegram, whatsapp):
    data = poster(telegram_link=telegram, whatsapp_link=whatsapp)
    assert qr_codes(data) == [telegram or whatsapp]
    text = pdf_text(data)
    assert ("Telegram" in text) == (telegram is not None)
    assert ("WhatsApp" in text) == (whatsapp is not None)


def test_languages_are_printed_in_the_order_asked_and_others_left_out():
    text = pdf_text(poster(languages=("ht", "fr")))
    assert "EFASE" in text and "EFFACER" in text
    assert text.index("EFASE") < text.index("EFFACER")
    assert "BORRAR" not in text and "DELETE" not in text


def test_a_long_module_title_still_fits_and_the_codes_still_scan():
    title = "Trato digno y derechos de las personas migrantes en las estaciones migratorias " * 2
    data = poster(module_title=title.strip())
    assert [is_a4(size) for size in page_sizes(data)] == [True]
    assert "estaciones migratorias" in pdf_text(data)
    assert sorted(qr_codes(data)) == sorted([TELEGRAM, WHATSAPP])


def test_a_poster_without_any_link_is_refused():
    with pytest.raises(ValueError, match="at least one channel link"):
        poster(telegram_link=None, whatsapp_link=None)


def test_all_four_interface_languages_fit_on_the_page_under_a_long_title():
    title = "Trato digno y derechos de las personas migrantes en las estaciones migratorias"
    data = poster(module_title=title, languages=("es", "en", "fr", "ht"))
    document = pypdfium2.PdfDocument(data)
    try:
        page = document[0]
        text = page.get_textpage()
        # Every character's box lies inside the page, above the bottom margin's half.
        boxes = [text.get_charbox(i) for i in range(text.count_chars())]
        assert boxes and min(bottom for _, bottom, _, _ in boxes) > 28
        assert max(top for _, _, _, top in boxes) < page.get_height()
    finally:
        document.close()
    text = pdf_text(data)
    for word in ("BORRAR.", "DELETE.", "EFFACER.", "EFASE."):
        assert word in text
    assert sorted(qr_codes(data)) == sorted([TELEGRAM, WHATSAPP])
