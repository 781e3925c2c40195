"""Services nearby, on the test catalog's invented services in real cities: by a shared location
(used once, never stored), by what people type, narrowed by need, page by page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.messages import Location
from lessons.directory.entries import Service
from lessons.directory.places import gazetteer
from lessons.directory.search import Directory, distance_km
from lessons.loader import load_catalog
from storage import directory as counts
from storage.models import Base
from tests.conftest import TEST_CATALOG, Person, run_transcript
from tests.fakes.telegram import FakeTelegram
from tests.telegram_helpers import SECRET, TOKEN, TelegramPerson
from webhooks import create_app

PAYLOADS = Path(__file__).parent / "payloads" / "telegram"
TAPACHULA = Location(14.9056, -92.2636)
TENOSIQUE_STATION = Location(17.47, -91.43)

MIGRANT = [
    ("hola", "Elige tu idioma"),
    ("2", "Do you agree?"),
    ("yes", "Who are you?"),
    ("3", ["Emergency numbers", "Services near me"]),
]
ASKED = [*MIGRANT, ("services near me", ["Share your location", "city or state"])]


def _dump(service) -> str:
    with service.database.connect() as connection:
        return repr([list(connection.execute(select(t))) for t in Base.metadata.sorted_tables])


def test_distance_on_a_meridian_and_on_the_equator():
    one_degree = 2 * 3.141592653589793 * 6371.0 / 360  # 111.19 km
    assert distance_km(14.0, -92.0, 15.0, -92.0) == pytest.approx(one_degree)
    assert distance_km(0.0, 10.0, 0.0, 11.0) == pytest.approx(one_degree)
    assert distance_km(14.9, -92.26, 14.9, -92.26) == 0


def test_a_service_without_coordinates_is_placed_at_its_city_and_says_so():
    directory = Directory(load_catalog(TEST_CATALOG).services, gazetteer())
    found = directory.near(TENOSIQUE_STATION.latitude, TENOSIQUE_STATION.longitude)
    assert [f.service.id for f in found] == ["door-d"]
    assert not found[0].placed.at_city and found[0].km < 2
    tapachula = directory.near(TAPACHULA.latitude, TAPACHULA.longitude)
    assert [f.service.id for f in tapachula] == ["shelter-a"]
    assert tapachula[0].placed.at_city and tapachula[0].placed.city.name == "Tapachula"
    assert [s.id for s in directory.lines] == ["line-911"]


def test_the_grid_finds_what_a_scan_of_every_service_finds():
    # A service in each of Mexico's 1,827 cities: within 150 km, the grid finds what a scan does.
    cities = gazetteer().cities
    services = [
        Service(
            id=f"s{n}",
            kinds=("shelter",),
            name=f"S {n}",
            city=city.name,
            state=city.state,
            latitude=city.latitude + (n % 7) * 0.01,
            longitude=city.longitude - (n % 5) * 0.01,
            source="generated",
        )
        for n, city in enumerate(cities)
    ]
    directory = Directory(services, gazetteer())
    for latitude, longitude in [(14.9, -92.26), (19.43, -99.13), (32.5, -117.0), (25.7, -100.3)]:
        by_grid = {f.service.id for f in directory.near(latitude, longitude)}
        by_scan = {
            s.id
            for s in services
            if distance_km(latitude, longitude, s.latitude, s.longitude) <= 150
        }
        assert by_grid == by_scan and by_grid


def test_a_shared_location_gets_the_nearest_with_the_distance_to_their_city(engine, service):
    ana = Person(engine)
    run_transcript(ana, ASKED)
    answer = ana.says("", location=TAPACHULA)
    assert "The nearest services:\n\nIn Tapachula, about 1 km from you:\n" in answer
    assert "• Albergue de prueba A (shelter)\nBed and food for families.\n" in answer
    assert "Calle Falsa 123, Centro\nPhone: +52 55 1234 5678\n8:00 to 20:00\n" in answer
    assert "Checked October 2026." in answer
    assert answer.count("Call before you go: details change.") == 1
    assert "14.90" not in _dump(service) and "92.26" not in _dump(service)


def test_a_door_with_its_own_coordinates_gets_its_own_distance(engine):
    ana = Person(engine)
    run_transcript(ana, ASKED)
    answer = ana.says("", location=TENOSIQUE_STATION)
    assert "• Refugio con puerta D (shelter) 1 km from you" in answer
    assert "In Tenosique" not in answer  # not a distance to a city: to the door itself


@pytest.mark.parametrize(
    ("typed", "expected", "absent"),
    [
        ("tapachul", "Services in Tapachula:", "Asesoría de prueba B"),
        ("TAPACHULA!", "Albergue de prueba A", "Asesoría de prueba B"),
        ("villahermosa", "Asesoría de prueba B", "Albergue de prueba A"),
        ("Tabasco", "Refugio con puerta D", "Albergue de prueba A"),
        ("tijuana", "Clínica de prueba C", "Albergue de prueba A"),
    ],
)
def test_a_city_or_state_as_people_type_it(engine, typed, expected, absent):
    ana = Person(engine)
    run_transcript(ana, ASKED)
    answer = ana.says(typed)
    assert expected in answer and absent not in answer
    assert "Call before you go" in answer


def test_a_need_and_a_place_in_one_message(engine):
    ana = Person(engine)
    run_transcript(
        ana,
        [
            *ASKED,
            ("food in tapachula", ["Services in Tapachula:", "Albergue de prueba A"]),
            ("legal help or asylum", ["no service for legal help or asylum in that place"]),
        ],
    )


def test_a_need_picked_then_a_place_with_nothing_for_it_gets_the_nearest_and_the_lines(engine):
    ana = Person(engine)
    run_transcript(
        ana,
        [
            *ASKED,
            ("a doctor", ["Looking for: a doctor."]),
            (
                "tapachula",
                [
                    "Senda knows of no service for a doctor in Tapachula.",
                    "National lines",
                    "911: Emergencies, free, 24 hours.",
                    "In Tijuana, about",
                    "km from Tapachula:",
                    "Clínica de prueba C",
                    "Date not known: call to check.",
                ],
            ),
        ],
    )


def test_a_stale_entry_is_marked(engine):
    ana = Person(engine)
    run_transcript(ana, [*ASKED, ("villahermosa", "Checked January 2019: may be out of date.")])


def test_a_name_of_several_places_asks_which(engine):
    ana = Person(engine)
    run_transcript(
        ana,
        [
            *ASKED,
            ("ciudad hidalgo", ["Several places have that name", "Ciudad Hidalgo, Chiapas"]),
        ],
    )
    chiapas = ana.options.index("Ciudad Hidalgo, Chiapas") + 1
    answer = ana.says(str(chiapas))
    assert "Senda knows of no service in Ciudad Hidalgo." in answer
    assert "In Tapachula, about" in answer and "km from Ciudad Hidalgo:" in answer


@pytest.mark.parametrize(
    ("label", "text", "location"),
    [
        ("an empty message", "", None),
        ("emoji", "🙏🙏", None),
        ("5,000 characters", "a" * 5000, None),
        ("a city that does not exist", "Villa Escondida 7", None),
        ("coordinates off the globe", "", Location(123.0, 500.0)),
        ("0,0 in the ocean", "", Location(0.0, 0.0)),
    ],
)
def test_bad_input_gets_a_clear_answer_and_stores_nothing(engine, service, label, text, location):
    ana = Person(engine)
    run_transcript(ana, ASKED)
    before = _dump(service)
    answer = ana.says(text, location=location) if location else ana.says(text)
    assert answer.strip(), label
    assert "Traceback" not in answer
    assert "Share your location" in answer or "National lines" in answer, answer
    assert "Villa Escondida" not in _dump(service) and "500.0" not in _dump(service)
    assert len(_dump(service)) >= len(before) - 200  # nothing lost either


def test_the_services_found_are_kept_sealed_not_in_clear(engine, service, tmp_path):
    # What "more" will show says where the person is: the step keeps it encrypted.
    ana = Person(engine)
    run_transcript(ana, ASKED)
    first = ana.says("tabasco")
    assert "Refugio con puerta D" in first and "Asesoría de prueba B" in first
    with service.database.connect() as connection:
        assert "door-d" not in _dump(service) and "tabasco" not in repr(
            list(connection.execute(select(Base.metadata.tables["learners"])))
        )


def _app_with_shelters_in_tapachula(app_config, tmp_path, how_many: int):
    folder = tmp_path / "catalog"
    folder.mkdir()
    for name in ("regions.yaml", "safety.yaml", "topics.yaml"):
        (folder / name).write_text((TEST_CATALOG / name).read_text())
    entries = "\n".join(
        f"  - {{id: s{n}, kinds: [shelter], name: Albergue {n:02d}, city: Tapachula, "
        f"state: chiapas, source: test}}"
        for n in range(1, how_many + 1)
    )
    (folder / "services.yaml").write_text(f"services:\n{entries}\n")
    return create_app({**app_config, "SENDA_CATALOG": str(folder)})


def _shown(answer: str, how_many: int) -> list[int]:
    return [n for n in range(1, how_many + 1) if f"Albergue {n:02d} " in answer]


def test_more_pages_three_at_a_time(app_config, tmp_path):
    app = _app_with_shelters_in_tapachula(app_config, tmp_path, 7)
    try:
        ana = Person(app.extensions["senda"].engine)
        run_transcript(ana, [("hola", "Elige"), ("2", "agree"), ("yes", "Who"), ("3", "Menu")])
        ana.says("services near me")
        assert _shown(ana.says("tapachula"), 7) == [1, 2, 3]
        assert "4 more" in ana.options
        # "more" alone is also the global word MORE: with no SOS waiting, it is the directory's.
        assert _shown(ana.says("more"), 7) == [4, 5, 6]
        assert _shown(ana.says("one more"), 7) == [7]
        assert not any("more" in option for option in ana.options)
    finally:
        app.extensions["senda"].close()


def test_an_answer_keeps_at_most_thirty_for_more(app_config, tmp_path):
    # Where hundreds are near, the person's state keeps the nearest 30, not every one.
    app = _app_with_shelters_in_tapachula(app_config, tmp_path, 45)
    try:
        ana = Person(app.extensions["senda"].engine)
        run_transcript(ana, [("hola", "Elige"), ("2", "agree"), ("yes", "Who"), ("3", "Menu")])
        ana.says("services near me")
        assert _shown(ana.says("", location=TAPACHULA), 45) == [1, 2, 3]
        assert "27 more" in ana.options
        assert _shown(ana.says("tapachula"), 45) == [1, 2, 3]
        assert "27 more" in ana.options
    finally:
        app.extensions["senda"].close()


def test_a_report_is_counted_for_the_service_and_nothing_about_the_person(engine, service):
    ana = Person(engine)
    run_transcript(
        ana,
        [
            *ASKED,
            ("villahermosa", "Asesoría de prueba B"),
            ("report a problem", ["What was wrong?", "It was closed"]),
            ("it was closed", "Thank you"),
        ],
    )
    with service.sessions() as session:
        assert counts.reports(session) == [("legal-b", "closed", 1)]
        assert ("tabasco", "any", 1) in counts.asks(session)


def test_a_location_shared_anywhere_answers_with_services(engine):
    ana = Person(engine)
    run_transcript(ana, MIGRANT)
    answer = ana.says("", location=Location(17.99, -92.93))
    assert "Asesoría de prueba B" in answer and "What next?" in answer


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
            assert "In Tapachula, about 1 km from you:" in ana.last().params["text"]
            dump = _dump(service)
            assert "Tapachula" not in dump and " km" not in dump and "shelter-a" not in dump
        finally:
            service.close()


def test_a_need_in_a_sentence_is_heard_and_the_place_asked(engine):
    ana = Person(engine)
    run_transcript(
        ana,
        [
            *ASKED,
            ("I need a doctor please", "Looking for: a doctor."),
            ("tijuana", ["Services in Tijuana:", "Clínica de prueba C"]),
        ],
    )
    assert "I do not know that place" not in ana.says("i am hungry")


def test_a_civil_society_worker_finds_services_to_refer_people_to(engine):
    worker = Person(engine)
    run_transcript(
        worker,
        [
            ("hola", "Elige tu idioma"),
            ("2", "Do you agree?"),
            ("yes", "Who are you?"),
            ("2", ["Menu", "Services near me"]),
            ("services near me", "Share your location"),
            ("villahermosa", "Asesoría de prueba B"),
        ],
    )
