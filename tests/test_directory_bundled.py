"""The bundled directory as a migrant on the route meets it, in each language: a shared location
in the cities people pass through, and the names they type for them."""

from __future__ import annotations

import re

import pytest

from bot.config import BUNDLED_CATALOG
from bot.messages import Location
from lessons.directory.places import gazetteer
from lessons.loader import load_catalog
from tests.conftest import Person
from webhooks import create_app

# Where each person stands (a street of the city), and the city their answer must name.
PLACES = {
    "Tapachula": (Location(14.9056, -92.2636), "Tapachula"),
    "Tenosique": (Location(17.4717, -91.4231), "Tenosique"),
    "Mexico City": (Location(19.4326, -99.1332), "Mexico City"),
    # Casanicolás is in Guadalupe, a municipality of Monterrey's metropolitan area.
    "Monterrey": (Location(25.6866, -100.3161), "Guadalupe"),
    "Tijuana": (Location(32.5149, -117.0382), "Tijuana"),
}
# Onboarding as a migrant in each language: the language's number, "yes", the role's number.
LANGUAGES = {
    "es": ("1", "sí", "Servicios"),
    "en": ("2", "yes", "Services"),
    "fr": ("3", "oui", "Services"),
    "ht": ("4", "wi", "Sèvis"),
}


@pytest.fixture(scope="module")
def bundled():
    return load_catalog(BUNDLED_CATALOG)


@pytest.fixture
def bundled_engine(app_config):
    app = create_app({**app_config, "SENDA_CATALOG": str(BUNDLED_CATALOG)})
    yield app.extensions["senda"].engine
    app.extensions["senda"].close()


def _migrant(engine, language: str) -> Person:
    number, yes, _ = LANGUAGES[language]
    person = Person(engine, address=f"+52155{language.encode().hex()}0000")
    person.says("hola")
    person.says(number)
    person.says(yes)
    person.says("3")
    return person


def test_the_bundled_directory_has_doors_to_knock_on(bundled):
    services = bundled.services
    places = [s for s in services if not s.is_line]
    assert len(places) >= 35
    assert all(s.address or s.phones for s in places)
    assert all(s.source.startswith("http") for s in services)
    # The COMAR office in Tapachula that closed on 29 September 2025 is not offered.
    assert not any("4ª" in s.address or "Plaza Cafeto" in s.address for s in services)
    lines = {phone for s in services if s.is_line and not s.state for phone in s.phones}
    assert {"911", "089", "+52 800 553 3000", "+52 800 911 2000"} <= lines
    assert all(gazetteer().city(s.city, s.state) for s in places)


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("city", list(PLACES))
def test_a_shared_location_in_a_city_of_the_route(bundled_engine, bundled, language, city):
    location, expected = PLACES[city]
    person = _migrant(bundled_engine, language)
    answer = person.says("", location=location)
    in_city = [s for s in bundled.services if s.city == expected and (s.address or s.phones)]
    assert any(s.name in answer for s in in_city), answer
    assert re.search(r"\b\d+ km\b", answer), answer
    # Distances are to the city, never a false street-level one, unless the door has its own.
    assert expected in answer


@pytest.mark.parametrize(
    ("typed", "city"),
    [
        ("tapachul", "Tapachula"),
        ("cd juarez", "Ciudad Juárez"),
        ("CDMX", "Mexico City"),
        ("Juchitan", "Heroica Ciudad de Juchitán de Zaragoza"),
        ("Tuxtla", "Tuxtla"),
    ],
)
def test_what_people_type_finds_their_city(typed, city):
    found = gazetteer().find(typed)
    assert found and found[0].name == city


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_juchitan_typed_gets_the_nearest_services_in_each_language(bundled_engine, language):
    person = _migrant(bundled_engine, language)
    person.says(LANGUAGES[language][2])  # the menu's services item, by its words
    answer = person.says("Juchitan")
    # No service is sourced in Juchitán itself: the nearest, in Ixtepec, about 20 km away.
    assert "Hermanos en el Camino" in answer, answer
    assert re.search(r"\b\d+ km\b", answer)
