"""Services nearby: by a shared location (used once, never stored) or by a city or state name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.i18n import normalize_offered
from bot.messages import Location
from lessons.directory import distance_km, nearest
from lessons.loader import load_catalog
from storage.models import Base
from tests.conftest import TEST_CATALOG, Person, run_transcript
from tests.fakes.telegram import FakeTelegram
from tests.telegram_helpers import SECRET, TOKEN, TelegramPerson
from webhooks import create_app

PAYLOADS = Path(__file__).parent / "payloads" / "telegram"

MIGRANT = [
    ("hola", "Elige tu idioma"),
    ("2", "Do you agree?"),
    ("yes", "Who are you?"),
    ("3", ["Emergency numbers", "Services near me"]),
]


def test_distance_on_a_meridian_and_on_the_equator():
    one_degree = 2 * 3.141592653589793 * 6371.0 / 360  # 111.19 km
    assert distance_km(14.0, -92.0, 15.0, -92.0) == pytest.approx(one_degree)
    assert distance_km(0.0, 10.0, 0.0, 11.0) == pytest.approx(one_degree)
    assert distance_km(14.9, -92.26, 14.9, -92.26) == 0


def test_the_nearest_come_first_and_places_without_coordinates_are_left_out():
    points = load_catalog(TEST_CATALOG).services
    found = nearest(points, 14.95, -92.30, count=2)
    assert [p.id for p, _ in found] == ["shelter-a", "legal-b"]
    assert found[0][1] < found[1][1]


def test_a_shared_location_in_the_services_step(engine, service):
    ana = Person(engine)
    run_transcript(ana, [*MIGRANT, ("services near me", ["Share your location", "city or state"])])
    answer = ana.says("", location=Location(14.91, -92.27))
    assert "The nearest services:" in answer
    lines = answer.splitlines()
    first = lines.index("The nearest services:")
    assert lines[first + 1].startswith("• Test shelter A (shelter), Ciudad Prueba, 2 km")
    assert "phone 000 000 0000; 8:00 to 20:00" in lines[first + 2]
    assert "Asesoría de prueba B (legal aid), Otra Ciudad, 350 km" in answer
    assert "check the details before you go" in answer  # B is not verified
    with service.database.connect() as connection:
        dump = repr([list(connection.execute(select(t))) for t in Base.metadata.sorted_tables])
    assert "14.91" not in dump and "92.27" not in dump


@pytest.mark.parametrize(
    ("place", "expected", "absent"),
    [
        ("Ciudad Prueba", "Test shelter A", "Otra Ciudad"),
        ("ciudad prueba!", "Test shelter A", "Otra Ciudad"),
        ("Tabasco", "Asesoría de prueba B", "Test shelter A"),
        ("chiapas", "Clínica lejana C", "Otra Ciudad"),
    ],
)
def test_a_city_or_state_name(engine, place, expected, absent):
    ana = Person(engine)
    run_transcript(ana, [*MIGRANT, ("services near me", "Share your location")])
    answer = ana.says(place)
    assert "Services there:" in answer and expected in answer and absent not in answer


def test_an_unknown_place_gets_a_way_on(engine):
    ana = Person(engine)
    run_transcript(
        ana,
        [
            *MIGRANT,
            ("services near me", "Share your location"),
            ("Atlantis", ["found no service for that place", "SOS", "Share your location"]),
            ("menu", "Menu"),
        ],
    )


def test_a_place_a_person_names_is_not_kept_by_the_cache_of_folded_names(engine):
    # The directory's names, once folded, are kept for the next message; what a person writes
    # (here, the place where they are) must not be.
    ana = Person(engine)
    run_transcript(ana, [*MIGRANT, ("services near me", "Share your location")])
    assert "Test shelter A" in ana.says("¡ciudad   PRUEBA!")
    assert "found no service" in ana.says("Villa Escondida 7")
    for written in ("¡ciudad   PRUEBA!", "Villa Escondida 7"):
        misses = normalize_offered.cache_info().misses
        normalize_offered(written)
        assert normalize_offered.cache_info().misses == misses + 1, written


def test_a_location_shared_anywhere_answers_with_services_and_keeps_the_place(engine):
    ana = Person(engine)
    run_transcript(ana, MIGRANT)
    answer = ana.says("", location=Location(17.99, -92.93))
    assert "Asesoría de prueba B" in answer and "Menu: what would you like to do?" in answer


def test_bundled_services_are_sourced_and_marked_for_verification():
    from bot.config import BUNDLED_CATALOG

    points = load_catalog(BUNDLED_CATALOG).services
    assert len(points) == 16
    assert all(p.source and not p.verified and p.latitude is None for p in points)


def test_the_answer_to_a_location_is_not_kept_once_sent(app_config):
    """The nearest services and their distances say where the person was: once Telegram has
    the reply, the outbox keeps only that it was sent."""
    with FakeTelegram(token=TOKEN) as fake:
        app = create_app(
            {
                **app_config,
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_WEBHOOK_SECRET": SECRET,
                "TELEGRAM_API_BASE_URL": fake.base_url,
            }
        )
        service = app.extensions["senda"]
        try:
            ana = TelegramPerson(app.test_client(), fake)
            for text in ("hola", "2", "yes", "3"):
                ana.writes(text)
            update = json.loads((PAYLOADS / "location.json").read_text())
            update["message"]["chat"]["id"] = update["message"]["from"]["id"] = ana.chat_id
            assert ana.post(update).status_code == 200
            assert "Test shelter A (shelter), Ciudad Prueba, 1 km" in ana.last().params["text"]
            with service.database.connect() as connection:
                dump = repr(
                    [list(connection.execute(select(t))) for t in Base.metadata.sorted_tables]
                )
            assert "Ciudad Prueba" not in dump and " km" not in dump
        finally:
            service.close()
