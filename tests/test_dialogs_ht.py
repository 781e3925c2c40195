"""Transcripts in Haitian Creole, on the bundled courses: (what the person writes, what Senda's
answer contains)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.config import BUNDLED_CATALOG
from tests.conftest import Person, pick, run_transcript
from webhooks import create_app

KOMANSE = [
    ("bonjou", ["Chwazi lang ou", "4. Kreyòl ayisyen"]),
    ("4", ["Èske ou dakò?", "1. Wi, mwen dakò"]),
    ("wi", ["Ki moun ou ye?", "3. Migran oswa vwayajè"]),
    ("3", ["Tout bagay pare.", "Kou"]),
]


@pytest.fixture
def migran(app_config) -> Iterator[Person]:
    app = create_app({**app_config, "SENDA_CATALOG": str(BUNDLED_CATALOG)})
    yield Person(app.extensions["senda"].engine)
    app.extensions["senda"].close()


def test_yon_migran_li_modil_sou_arestasyon_an_e_li_reyisi_tes_la(migran: Person) -> None:
    run_transcript(
        migran,
        [
            *KOMANSE,
            ("kou", ["Dwa ou ak sekirite ou", "3 ti kesyon", "Sa pa konte", "2. Sote"]),
            ("sote", ["Nèf ti modil", "4. Si INM arete w"]),
            (
                "4",
                [
                    "Si INM arete w (1/6)",
                    "Lè ou nan Meksik san papye, se pa yon krim.",
                    "1. Swivan",
                ],
            ),
            ("swivan", ["(2/6)", "Nan yon estasyon migrasyon, ou gen dwa", "twa fwa pa jou"]),
            ("swivan", ["(3/6)", "ou gen dwa pou gen yon entèprèt"]),
            ("swivan", ["(4/6)", "plis pase 36 èdtan", "yon avoka piblik"]),
            ("swivan", ["(5/6)", "ou ka mande azil si ou pè retounen nan peyi w"]),
            ("swivan", ["(6/6)", "Pa siyen anyen ou pa konprann.", "1. Tès (3 kesyon)"]),
            (
                "tès",
                [
                    "Kesyon 1 sou 3",
                    "Ou nan Meksik san papye. Kisa ki vre?",
                    "Se pa yon krim, e ou gen dwa nan estasyon an",
                ],
            ),
            (
                pick("Se pa yon krim, e ou gen dwa nan estasyon an"),
                [
                    "✅ Bon repons.",
                    "Lè ou san papye, se pa yon krim.",
                    "Kesyon 2 sou 3",
                    "Yon ajan ba w yon papye an panyòl ou pa konprann.",
                ],
            ),
            (
                "M mande yon entèprèt e m pale ak avoka m anvan",
                [
                    "✅ Bon repons.",
                    "Pa siyen sa ou pa konprann.",
                    "Kesyon 3 sou 3",
                    "Yo arete w e ou pè retounen nan peyi w.",
                ],
            ),
            (
                pick("Mande azil, menm ak bouch ou"),
                [
                    "✅ Bon repons.",
                    "Ou jwenn 3 bon repons sou 3 kesyon (100%).",
                    "Ou reyisi modil sa a.",
                    "èske modil sa a te klè?",
                ],
            ),
            ("sote", "Swivan: Papye ou si ou mande azil"),
            ("pwogrè", ["1 sou 9 modil reyisi", "✓ Si INM arete w: reyisi nan 1 esè (100%)"]),
        ],
    )


def test_a_course_longer_than_a_screen_pages_its_modules(app_config) -> None:
    """A civil-society worker sees both courses, so the nine modules of the migrants' course do
    not fit one screen beside "Other courses" and "Menu": "More modules" shows the rest."""
    app = create_app({**app_config, "SENDA_CATALOG": str(BUNDLED_CATALOG)})
    try:
        worker = Person(app.extensions["senda"].engine)
        run_transcript(
            worker,
            [
                ("hola", "Elige tu idioma"),
                ("1", "¿Estás de acuerdo?"),
                ("sí", "¿Quién eres?"),
                ("2", "Menú"),
                ("cursos", "Tus derechos y tu seguridad"),
                ("tus derechos y tu seguridad", "2. Omitir"),  # the pre-test: skipped
                ("omitir", ["7. ", "8. Más módulos", "9. Otros cursos"]),
                ("8", ["1. Tu salud", "2. Volver a tu país", "3. Más módulos"]),
                ("2", "Volver a tu país (1/"),
            ],
        )
    finally:
        app.extensions["senda"].close()
