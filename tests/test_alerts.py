"""Alerts: a migrant picks regions, and a broadcast to a region reaches exactly those people."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.delivery import broadcasts
from storage.models import AlertSubscription, Learner, OutboxMessage
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


def test_many_regions_come_in_pages_of_six(app_config, tmp_path):
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
            ana, [*MIGRANT, ("alertas de mi región", ["6. Región 6", "7. Más regiones", "8. Menú"])]
        )
        assert len(ana.options) == 8
        run_transcript(
            ana,
            [
                ("más regiones", ["1. Región 7", "3. Región 9", "4. Más regiones"]),
                ("2", ["Recibirás alertas de Región 8", "5. Temas", "6. Ya no quiero alertas"]),
                ("más regiones", "1. Región 1"),
            ],
        )
        assert len(ana.options) == 10  # six regions, more, topics, none, menu: WhatsApp's list
    finally:
        app.extensions["senda"].close()


def test_narrowing_alerts_to_topics(engine, service):
    ana = Person(engine)
    run_transcript(
        ana,
        [
            *MIGRANT,
            ("alertas de mi región", "Chiapas"),
            ("chiapas", ["Recibirás alertas de Chiapas.", "Temas"]),
            ("temas", ["Recibes alertas de todos los temas.", "1. Seguridad en la ruta"]),
            (
                "2",
                ["Recibirás alertas sobre Trámites y asilo.", "sobre: Trámites y asilo"],
            ),
            (
                "1",
                ["sobre: Seguridad en la ruta, Trámites y asilo", "Todos los temas"],
            ),
            ("2", ["Ya no recibirás alertas sobre Trámites y asilo.", "1. ✓ Seguridad en la ruta"]),
            ("volver a las regiones", "1. ✓ Chiapas"),
        ],
    )


AUDIENCES = [
    # (label, the broadcast's audience, who of ana/ben/cy it reaches)
    (
        "a topic reaches those who kept every topic and those who chose it",
        {"topics": ["route-safety"]},
        {"ana", "ben"},
    ),
    (
        "a topic nobody narrowed to reaches only those who kept every topic",
        {"topics": ["health"]},
        {"ana"},
    ),
    ("a region and a topic", {"regions": ["tabasco"], "topics": ["procedures"]}, {"cy"}),
    ("no topic: every subscriber of the region", {"regions": ["chiapas"]}, {"ana", "ben"}),
]


@pytest.mark.parametrize(
    "audience, reached", [case[1:] for case in AUDIENCES], ids=[case[0] for case in AUDIENCES]
)
def test_broadcast_topics(engine, service, audience, reached):
    people = {
        # name: (region chosen, topics chosen: none means every topic)
        "ana": ("chiapas", []),
        "ben": ("chiapas", ["seguridad en la ruta"]),
        "cy": ("tabasco", ["trámites y asilo"]),
        "dee": (None, []),  # no alerts at all
    }
    ids = {}
    for number, (name, (region, topics)) in enumerate(people.items()):
        person = Person(engine, address=f"+52155000001{number}")
        steps = [*MIGRANT]
        if region:
            steps += [("alertas de mi región", "Chiapas"), (region, "✓"), ("temas", "Salud")]
            steps += [(topic, "✓") for topic in topics]
        run_transcript(person, steps)
        ids[name] = person.learner_id(service)
    spec = broadcasts.BroadcastSpec(texts={"es": "Alerta"}, audience=audience)
    with service.sessions() as session:
        chosen = {row.id for row in session.execute(broadcasts.audience_query(spec.audience))}
    assert chosen == {ids[name] for name in reached}


def test_unknown_region_or_topic_is_refused(service):
    spec = broadcasts.BroadcastSpec(texts={"es": "Alerta"}, audience={"topics": ["wether"]})
    with pytest.raises(broadcasts.BroadcastFileError, match="unknown topics: wether"):
        broadcasts.check_names(spec, service.catalog)


def test_quiet_hours_follow_the_region_chosen(engine, service):
    """21:30 in Mexico City is 19:30 in Tijuana (in winter): the Tijuana subscriber gets an
    alert at once, the Chiapas one the next morning at 08:00 Mexico City time."""
    for number, region in enumerate(["chiapas", "baja california"]):
        person = Person(engine, address=f"+52155000002{number}")
        run_transcript(person, [*MIGRANT, ("alertas de mi región", "Chiapas"), (region, "✓")])
    evening = datetime(2026, 12, 2, 3, 30, tzinfo=UTC)  # 21:30 in Mexico City
    spec = broadcasts.BroadcastSpec(texts={"es": "Alerta"}, send_at=evening)
    broadcast_id = broadcasts.create(service, spec)
    broadcasts.fan_out(service, broadcast_id)
    with service.sessions() as session:
        due = session.execute(
            select(Learner.timezone, OutboxMessage.next_attempt_at).join(
                Learner, Learner.id == OutboxMessage.learner_id
            )
        ).all()
    assert {zone: when.astimezone(UTC) for zone, when in due} == {
        "America/Mexico_City": datetime(2026, 12, 2, 14, 0, tzinfo=UTC),
        "America/Tijuana": evening,
    }
