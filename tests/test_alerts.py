"""Alerts: a migrant picks regions, and a broadcast to a region reaches exactly those people."""

from __future__ import annotations

from sqlalchemy import select

from bot.delivery import broadcasts
from storage.models import AlertSubscription
from tests.conftest import Person, run_transcript

MIGRANT = [
    ("hola", "Elige tu idioma"),
    ("1", "¿Estás de acuerdo?"),
    ("sí", "¿Quién eres?"),
    ("3", ["Números de emergencia", "Alertas de mi región"]),
]


def test_choosing_and_leaving_regions(engine, service):
    ana = Person(engine)
    run_transcript(
        ana,
        [
            *MIGRANT,
            ("alertas de mi región", ["Elige una región", "1. Chiapas", "2. Tabasco", "Menú"]),
            (
                "chiapas",
                [
                    "Recibirás alertas de Chiapas.",
                    "1. ✓ Chiapas",
                    "Recibes alertas de: Chiapas",
                    "Ya no quiero alertas",
                ],
            ),
            ("2", ["Recibirás alertas de Tabasco.", "Recibes alertas de: Chiapas, Tabasco"]),
            ("1", ["Ya no recibirás alertas de Chiapas.", "1. Chiapas\n"]),
            ("ya no quiero alertas", ["Ya no recibirás alertas.", "1. Chiapas", "2. Tabasco"]),
            ("menú", "¿Qué quieres hacer?"),
        ],
    )
    with service.sessions() as session:
        assert session.scalars(select(AlertSubscription)).all() == []


def test_a_broadcast_to_a_region_counts_only_its_subscribers(engine, service):
    for number, region in enumerate(["1", "2", "1"]):
        person = Person(engine, address=f"+52155000000{number}")
        run_transcript(person, [*MIGRANT, ("alertas de mi región", "Chiapas"), (region, "✓")])
    spec = broadcasts.BroadcastSpec(texts={"es": "Alerta"}, audience={"regions": ["chiapas"]})
    with service.sessions() as session:
        chosen = session.execute(broadcasts.audience_query(spec.audience)).all()
    assert len(chosen) == 2


def test_erasing_forgets_the_regions(engine, service):
    ana = Person(engine)
    run_transcript(
        ana,
        [*MIGRANT, ("alertas de mi región", "Chiapas"), ("1", "✓"), ("borrar", "borramos todo")],
    )
    with service.sessions() as session:
        assert session.scalars(select(AlertSubscription)).all() == []


def test_many_regions_come_in_pages_of_seven(app_config, tmp_path):
    import shutil

    from tests.conftest import TEST_CATALOG
    from webhooks import create_app

    catalog = tmp_path / "catalog"
    shutil.copytree(TEST_CATALOG, catalog)
    names = [f"Región {n}" for n in range(1, 10)]
    (catalog / "regions.yaml").write_text(
        "default_language: es\nregions:\n"
        + "".join(f"  - id: r{n}\n    name: {{es: {name}}}\n" for n, name in enumerate(names, 1))
    )
    app = create_app({**app_config, "SENDA_CATALOG": str(catalog)})
    try:
        ana = Person(app.extensions["senda"].engine)
        run_transcript(
            ana, [*MIGRANT, ("alertas de mi región", ["7. Región 7", "8. Más regiones", "9. Menú"])]
        )
        assert len(ana.options) == 9
        run_transcript(
            ana,
            [
                ("más regiones", ["1. Región 8", "2. Región 9", "3. Más regiones"]),
                ("más regiones", "1. Región 1"),
            ],
        )
    finally:
        app.extensions["senda"].close()
