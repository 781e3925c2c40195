"""Transcripts: each course says which languages it has and is read in one of them, never a mix;
the menu's numbers stay put; STOP, LANGUAGE and HELP leave nothing that says otherwise.

The test catalog's "Test course" is in Spanish and English, for officials and civil society;
"Safety on the road" is in Spanish, English and French, for migrants and civil society.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import BUNDLED_CATALOG
from lessons.loader import load_catalog
from tests.conftest import Person, pick, run_transcript

FRENCH_CIVIL_SOCIETY = [
    ("salut", "Choisissez votre langue"),
    ("3", "Êtes-vous d'accord ?"),
    ("oui", "Qui êtes-vous ?"),
    ("2", "Cours"),
]
ENGLISH_OFFICIAL = [
    ("hi", "Choose your language"),
    ("2", "Do you agree?"),
    ("yes", "Who are you?"),
    ("1", ["All set.", "Courses"]),
]


@pytest.fixture
def person(engine) -> Person:
    return Person(engine)


def test_a_french_civil_society_worker_sees_both_courses_and_is_offered_their_languages(
    person: Person,
) -> None:
    run_transcript(
        person,
        [
            *FRENCH_CIVIL_SOCIETY,
            (
                "cours",
                [
                    "Cours :",
                    # Each course with its languages, named in French.
                    "1. Curso de prueba — espagnol, anglais (0/2)",
                    "2. Sécurité sur la route — espagnol, anglais, français (0/1)",
                ],
            ),
            # Not written in French: which languages it has, and a choice (or back).
            (
                "1",
                [
                    "Curso de prueba",
                    "Ce cours existe en espagnol et anglais.",
                    "Dans quelle langue voulez-vous le lire ?",
                    "1. Español",
                    "2. English",
                    "3. Retour",
                ],
            ),
            ("retour", ["Cours :", "1. Curso de prueba"]),
            ("1", "Ce cours existe en espagnol et anglais."),
            # English it is: the course's titles, cards and buttons are all in English.
            ("english", ["Test course", "1. The basics", "2. Second module", "Other courses"]),
            ("1", ["The basics (1/3)", "First test card.", "1. Next", "2. Menu"]),
            ("1", ["(2/3)", "Second test card.", "1. Next", "2. Back"]),
            ("1", ["(3/3)", "1. Quiz (3 questions)"]),
            ("1", ["Question 1 of 3", "What colour is a clear sky?", "Green", "Blue"]),
            (pick("Blue"), ["✅ Right.", "Question 2 of 3"]),
            # The rest of Senda stays in French.
            ("menu", ["Menu : que voulez-vous faire ?", "Continuer là où j'en étais"]),
            # The choice is remembered for that course: straight in, in English.
            ("cours", "1. Test course — espagnol, anglais (0/2)"),
            ("1", ["Test course", "▶ The basics"]),
            ("menu", "Menu"),
            # A course written in French opens in French, with no question.
            ("cours", "Cours :"),
            ("2", ["Sécurité sur la route", "1. Votre téléphone", "Autres cours"]),
            ("1", ["Votre téléphone (1/1)", "Gardez les numéros de votre famille sur papier."]),
        ],
    )
    progress = person.says("progress")
    # The course's titles as it is read (English), the rest in French.
    assert "Vos progrès" in progress and "Test course" in progress
    assert "The basics" in progress and "Lo básico" not in progress


def test_a_link_to_a_module_not_in_the_persons_language_offers_the_languages_first(
    person: Person,
) -> None:
    run_transcript(person, FRENCH_CIVIL_SOCIETY)
    answer = person.says("/start", start_parameter="demo__second")
    assert "Ce cours existe en espagnol et anglais." in answer
    assert "Segundo módulo (1/1)" in person.says("español")


def test_the_menu_numbers_stay_put_when_there_is_a_lesson_to_continue(person: Person) -> None:
    run_transcript(person, ENGLISH_OFFICIAL)
    before = list(person.options)
    run_transcript(person, [("1", "Test course"), ("1", "The basics (1/3)"), ("menu", "Menu")])
    # The same items at the same numbers, and "continue" after them all.
    assert person.options == [*before, "Continue where I left off"]
    run_transcript(
        person,
        [
            ("2", ["Your progress", "The basics: card 1 of 3"]),
            ("menu", f"{len(before) + 1}. Continue where I left off"),
            (str(len(before) + 1), "The basics (1/3)"),
        ],
    )


def test_a_migrants_full_menu_keeps_its_numbers_too(engine) -> None:
    person = Person(engine)
    run_transcript(
        person,
        [
            ("hi", "Choose your language"),
            ("2", "Do you agree?"),
            ("yes", "Who are you?"),
            ("3", "Emergency numbers and help (SOS)"),
        ],
    )
    before = list(person.options)
    run_transcript(person, [("courses", "Safety on the road"), ("1", "Your phone (1/1)")])
    person.says("menu")
    assert person.options == [*before, "Continue where I left off"]


def test_stop_at_the_alerts_screen_does_not_say_alerts_still_come(engine) -> None:
    person = Person(engine)
    run_transcript(
        person,
        [
            ("hi", "Choose your language"),
            ("2", "Do you agree?"),
            ("yes", "Who are you?"),
            ("3", "Alerts for my region"),
            ("alerts for my region", "1. Chiapas"),
            ("1", ["You will get alerts for Chiapas.", "You get alerts for: Chiapas"]),
        ],
    )
    answer = person.says("stop")
    assert "You will get no more reminders or alerts." in answer
    assert "You get alerts for" not in answer
    assert "Your regions: Chiapas" in answer
    assert "Reminders and alerts are stopped: write START to get them again." in answer
    run_transcript(person, [("start", ["on again", "You get alerts for: Chiapas"])])


def test_stop_at_the_reminder_screen_says_none_come(person: Person) -> None:
    run_transcript(
        person,
        [
            *ENGLISH_OFFICIAL,
            ("daily reminder", "At what time"),
            ("09:00", "Every day at 09:00"),
            ("daily reminder", "Now: 09:00."),
            ("stop", ["no more reminders", "Now: 09:00.", "Reminders and alerts are stopped"]),
        ],
    )


def test_language_in_the_middle_of_a_lesson_comes_back_to_the_card(person: Person) -> None:
    run_transcript(
        person,
        [
            *ENGLISH_OFFICIAL,
            ("1", "Test course"),
            ("1", "The basics (1/3)"),
            ("next", "(2/3)"),
            ("language", ["Choose your language", "1. Español"]),
            # The same card, now in Spanish (the course has Spanish), buttons too.
            (
                "español",
                [
                    "A partir de ahora te escribo en español.",
                    "Lo básico (2/3)",
                    "Segunda tarjeta de prueba.",
                    "1. Siguiente",
                ],
            ),
            # French, which the course has not: the note in French, the card in the language
            # it was being read in, never a mix.
            ("idioma", "Choisissez votre langue"),
            (
                "3",
                [
                    "À partir de maintenant, je vous écris en français.",
                    "Lo básico (2/3)",
                    "1. Siguiente",
                ],
            ),
            ("1", "Lo básico (3/3)"),
            ("1", "Pregunta 1 de 3"),
            ("langue", "Choose your language"),
            ("english", ["From now on I will write in English.", "Question 1 of 3", "Green"]),
        ],
    )


def test_language_from_the_menu_goes_back_to_the_menu(person: Person) -> None:
    run_transcript(
        person,
        [
            *ENGLISH_OFFICIAL,
            ("language", "Choose your language"),
            ("español", ["A partir de ahora te escribo en español.", "¿Qué quieres hacer?"]),
        ],
    )


def test_a_region_on_another_page_can_be_written_by_name(app_config, tmp_path: Path) -> None:
    import shutil

    from tests.conftest import TEST_CATALOG
    from webhooks import create_app

    catalog = tmp_path / "catalog"
    shutil.copytree(TEST_CATALOG, catalog)
    shutil.copy(BUNDLED_CATALOG / "regions.yaml", catalog / "regions.yaml")
    app = create_app({**app_config, "SENDA_CATALOG": str(catalog)})
    try:
        person = Person(app.extensions["senda"].engine)
        run_transcript(
            person,
            [
                ("hola", "Elige tu idioma"),
                ("1", "¿Estás de acuerdo?"),
                ("sí", "¿Quién eres?"),
                ("3", "Alertas de mi región"),
                ("alertas de mi región", ["o escribe su nombre", "1. Chiapas", "Más regiones"]),
                ("tamaulipas", ["Recibirás alertas de Tamaulipas.", "Recibes alertas de"]),
                ("Nuevo Leon", "Recibes alertas de: Nuevo León, Tamaulipas"),
                ("42", "un número del 1 al 10"),
            ],
        )
    finally:
        app.extensions["senda"].close()


def test_the_bundled_regions_cover_the_route_each_with_its_time_zone() -> None:
    from zoneinfo import ZoneInfo

    catalog = load_catalog(BUNDLED_CATALOG)
    regions = {region.id: region.timezone for region in catalog.regions}
    assert len(regions) == 17
    for state in (
        "tamaulipas",
        "sonora",
        "coahuila",
        "nuevo-leon",
        "san-luis-potosi",
        "puebla",
        "queretaro",
    ):
        assert state in regions
    assert regions["tamaulipas"] == "America/Matamoros"
    assert regions["sonora"] == "America/Hermosillo"
    for zone in regions.values():
        ZoneInfo(zone)  # a real IANA zone


def test_civil_society_workers_have_both_bundled_courses_declared_in_course_yaml() -> None:
    catalog = load_catalog(BUNDLED_CATALOG)
    ids = {course.id for course in catalog.courses_for("civil_society")}
    assert ids == {"migrant-protection", "rights-and-safety"}
    assert {c.id for c in catalog.courses_for("official")} == {"migrant-protection"}
    assert {c.id for c in catalog.courses_for("migrant")} == {"rights-and-safety"}


def test_a_language_only_partly_translated_is_not_offered(app_config, tmp_path: Path) -> None:
    import shutil

    from tests.conftest import TEST_CATALOG
    from webhooks import create_app

    catalog = tmp_path / "catalog"
    shutil.copytree(TEST_CATALOG, catalog)
    course = catalog / "demo" / "course.yaml"
    # French is declared and the title translated, but no card is: French is not offered yet.
    course.write_text(
        course.read_text()
        .replace("languages: [es, en]", "languages: [es, en, fr]")
        .replace("  en: Test course\n", "  en: Test course\n  fr: Cours d'essai\n")
    )
    app = create_app({**app_config, "SENDA_CATALOG": str(catalog)})
    try:
        assert app.extensions["senda"].catalog.course("demo").readable_languages == ("es", "en")
        person = Person(app.extensions["senda"].engine)
        run_transcript(
            person,
            [
                *FRENCH_CIVIL_SOCIETY,
                ("cours", "1. Curso de prueba — espagnol, anglais (0/2)"),
                ("1", ["Ce cours existe en espagnol et anglais.", "1. Español"]),
            ],
        )
    finally:
        app.extensions["senda"].close()
