"""Directory lookups a second, by location and by typed name, beside a plain list scan.

Run by hand:  .venv/bin/python bench/directory.py [--services 10000] [--points 1000] [--rounds 3]

Two directories: the bundled one (lessons/catalog/services.yaml) and a generated one of
--services services spread over the GeoNames cities of Mexico (weighted by the square root of
their population), half with coordinates of their own a few km from their city and half placed at
it, of one or two kinds each, from a fixed seed.

A lookup by location is what a shared location does: `near()`, and `nearest_beyond()` when
nothing is within 150 km. The points are drawn up to 60 km from random cities, a few in the sea
or the desert, each with a need drawn at random (or none). A lookup by name is what a typed place
does: `gazetteer().find()`, then `in_city()` or `in_state()` for its first result.

The baseline, measured in the same run: a plain list of every service with its position (its own
coordinates or its city's, worked out once). By location, the distance to each service that
answers the need, and those within 150 km sorted (else the nearest city's, as nearest_beyond()
finds it); by name, the same find(), then the list filtered by city or state. The ratio is the
baseline's time over Senda's, so the figures compare across machines; both must give the same
answers, and the script says whether they did. Start-up objects are frozen out of the garbage
collector's passes first, as in a web worker (bot.service).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Sequence
from math import cos, radians, sin, sqrt
from typing import NamedTuple

from bot.config import BUNDLED_CATALOG
from bot.service import keep_start_up_objects_out_of_collections
from lessons.directory.entries import KINDS, NEEDS, Service
from lessons.directory.places import City, Gazetteer, State, gazetteer
from lessons.directory.search import KEPT, NEARBY_KM, Directory, distance_km

TARGET_MS = 5.0
NEED_CHOICES: tuple[str | None, ...] = (None, *NEEDS)
KM_PER_DEGREE = 111.195
# What people type for a place: names, cut short, misspelt, abbreviated, in a sentence, nothing.
TYPED = (
    "tapachula",
    "tapachul",
    "cd juarez",
    "CDMX",
    "juchitan",
    "Tuxtla",
    "monterey",
    "san cristobal",
    "tijuana",
    "villahermosa",
    "Oaxaca",
    "chihuahua",
    "xyz",
    "Estoy en Tapachula, Chiapas",
    "guadalajara",
    "Cd. Juárez",
    "reynosa",
    "tenosike",
    "hermosiyo",
    "Palenque",
    "coatzacoalcos",
    "nogales",
    "mexicali",
    "piedras negras",
    "chiapas",
    "nuevo leon",
    "Veracruz",
    "queretaro",
    "puebla",
    "hola",
)
# Places 150 km or more from any city of 5,000 people: out at sea, and the Vizcaíno desert.
EMPTY = (
    (23.5, -92.5),  # Gulf of Mexico
    (19.5, -108.5),  # Pacific, west of Jalisco
    (14.5, -100.5),  # Pacific, south of Guerrero
    (27.0, -117.5),  # Pacific, west of Baja California
    (20.5, -84.0),  # Caribbean, east of Quintana Roo
    (26.5, -113.0),  # Pacific shore of the Vizcaíno desert
)


class Row(NamedTuple):
    """A service of the baseline's list, with where the Directory would place it."""

    service: Service
    latitude: float | None  # None: a state's own line, found with the state but at no point
    longitude: float | None
    city: int | None  # the geonameid of its city
    population: int


class Hit(NamedTuple):
    km: float
    row: Row


class ListScan:
    """The baseline: the same lookups over a plain list."""

    def __init__(self, services: Sequence[Service], places: Gazetteer) -> None:
        self.rows: list[Row] = []
        for service in services:
            city = places.city(service.city, service.state) if service.city else None
            geonameid, population = (city.geonameid, city.population) if city else (None, 0)
            if service.is_line and not service.city:
                if service.state:
                    self.rows.append(Row(service, None, None, None, 0))
            elif service.latitude is not None and service.longitude is not None:
                row = Row(service, service.latitude, service.longitude, geonameid, population)
                self.rows.append(row)
            elif city is not None:
                self.rows.append(Row(service, city.latitude, city.longitude, geonameid, population))
        self.placed = [row for row in self.rows if row.latitude is not None]

    def location(self, latitude: float, longitude: float, need: str | None) -> list[Service]:
        hits = [
            Hit(distance_km(latitude, longitude, row.latitude, row.longitude), row)
            for row in self.placed
            if row.service.answers(need)
        ]
        near = [hit for hit in hits if hit.km <= NEARBY_KM]
        if near:
            return [hit.row.service for hit in sorted(near, key=_nearest_first)][:KEPT]
        if not hits:
            return []
        # As nearest_beyond(): the radius doubled until something is within it, and of what is
        # within it the nearest service's city.
        nearest = min(hits, key=_nearest_first).km
        radius = NEARBY_KM
        while radius < 5000 and radius < nearest:
            radius *= 2
        if radius < nearest:
            return []
        within = sorted((hit for hit in hits if hit.km <= radius), key=_nearest_first)[:KEPT]
        first = within[0].row.city
        same_city = [hit for hit in within if first is not None and hit.row.city == first]
        return [hit.row.service for hit in same_city or within[:1]]

    def name(self, places: Gazetteer, text: str, need: str | None) -> list[Service]:
        found = places.find(text)
        if not found:
            return []
        place = found[0]
        if isinstance(place, City):
            return [
                row.service
                for row in self.rows
                if row.city == place.geonameid and row.service.answers(need)
            ]
        rows = [row for row in self.rows if row.service.state == place.id]
        rows = [row for row in rows if row.service.answers(need)]
        rows.sort(key=lambda row: (-row.population, row.service.city))
        return [row.service for row in rows]


def _nearest_first(hit: Hit) -> tuple[float, str]:
    return hit.km, hit.row.service.name


def senda_location(
    directory: Directory, latitude: float, longitude: float, need: str | None
) -> list[Service]:
    """What the services dialog does with a shared location."""
    # As the dialog asks: the nearest KEPT (an answer keeps that many for "more").
    found = directory.near(latitude, longitude, need, limit=KEPT)
    found = found or directory.nearest_beyond(latitude, longitude, need)
    return [f.service for f in found]


def senda_name(
    directory: Directory, places: Gazetteer, text: str, need: str | None
) -> list[Service]:
    """What the services dialog does with a typed place, taking the first place found."""
    found = places.find(text)
    if not found:
        return []
    place: City | State = found[0]
    if isinstance(place, City):
        return [p.service for p in directory.in_city(place, need)]
    return [p.service for p in directory.in_state(place.id, need)]


def _offset(
    latitude: float, longitude: float, km: float, rng: random.Random
) -> tuple[float, float]:
    """A point `km` from another in a random direction (flat: the distances are small)."""
    bearing = rng.uniform(0, 6.283185307179586)
    north, east = km * cos(bearing), km * sin(bearing)
    latitude += north / KM_PER_DEGREE
    return latitude, longitude + east / (KM_PER_DEGREE * cos(radians(latitude)))


def generated_services(places: Gazetteer, count: int, rng: random.Random) -> list[Service]:
    """`count` services over the cities of Mexico, the bigger cities getting more."""
    # Only the city a name finds in its state (the biggest of a name), so that each service is
    # placed at the city it was drawn for.
    cities = [city for city in places.cities if places.city(city.name, city.state) is city]
    weights = [sqrt(city.population) for city in cities]
    kinds = [kind for kind in KINDS if kind != "line"]
    services = []
    for number, city in enumerate(rng.choices(cities, weights, k=count)):
        latitude = longitude = None
        if number % 2 == 0:
            latitude, longitude = _offset(city.latitude, city.longitude, rng.uniform(0.5, 5), rng)
        services.append(
            Service(
                id=f"bench-{number}",
                kinds=tuple(rng.sample(kinds, rng.choice((1, 1, 2)))),
                name=f"Servicio {number}",
                city=city.name,
                state=city.state,
                latitude=latitude,
                longitude=longitude,
            )
        )
    return services


def location_lookups(
    places: Gazetteer, count: int, rng: random.Random
) -> list[tuple[float, float, str | None]]:
    """Points near random cities, and a few where there is nothing, each with a need or none."""
    empty = max(count // 40, 1)
    points = [_offset(*rng.choice(EMPTY), rng.uniform(0, 20), rng) for _ in range(empty)]
    for city in rng.choices(places.cities, k=count - empty):
        points.append(_offset(city.latitude, city.longitude, rng.uniform(0, 60), rng))
    rng.shuffle(points)
    return [(lat, lon, rng.choice(NEED_CHOICES)) for lat, lon in points]


def name_lookups(count: int, rng: random.Random) -> list[tuple[str, str | None]]:
    """The typed places in turn, each with a need or none."""
    return [(TYPED[i % len(TYPED)], rng.choice(NEED_CHOICES)) for i in range(count)]


class Timing(NamedTuple):
    rate: float  # lookups a second
    mean_ms: float
    p99_ms: float
    slowest_ms: float
    over_target: float  # the share of lookups that took TARGET_MS or more


def timed(
    lookup: Callable[..., list[Service]], lookups: Sequence[tuple], rounds: list[list[float]]
) -> list[list[str]]:
    """Run every lookup once, adding each one's seconds to a new round; the ids each found."""
    answers, seconds = [], []
    clock = time.perf_counter
    for arguments in lookups:
        started = clock()
        found = lookup(*arguments)
        seconds.append(clock() - started)
        answers.append([service.id for service in found])
    rounds.append(seconds)
    return answers


def summary(rounds: list[list[float]]) -> Timing:
    """The median round's rate and mean; the 99th percentile and slowest over every round."""
    total = statistics.median(sum(seconds) for seconds in rounds)
    every = sorted(s for seconds in rounds for s in seconds)
    p99 = every[min(len(every) - 1, int(0.99 * len(every)))]
    count = len(rounds[0])
    over = sum(s >= TARGET_MS / 1000 for s in every) / len(every)
    return Timing(count / total, 1000 * total / count, 1000 * p99, 1000 * every[-1], over)


def measure(
    label: str,
    services: Sequence[Service],
    places: Gazetteer,
    points: list[tuple[float, float, str | None]],
    typed: list[tuple[str, str | None]],
    rounds: int,
) -> dict[str, tuple[Timing, Timing]]:
    """Both kinds of lookup over one directory, Senda's and the baseline's in turn each round."""
    started = time.perf_counter()
    directory = Directory(services, places)
    built_ms = 1000 * (time.perf_counter() - started)
    scan = ListScan(services, places)
    assert len(scan.rows) == len(directory._placed) + sum(
        1 for s in directory.services if s.is_line and not s.city and s.state
    ), "the baseline's list and the Directory hold different services"

    def by_location(lat: float, lon: float, need: str | None) -> list[Service]:
        return senda_location(directory, lat, lon, need)

    def by_name(text: str, need: str | None) -> list[Service]:
        return senda_name(directory, places, text, need)

    def scan_name(text: str, need: str | None) -> list[Service]:
        return scan.name(places, text, need)

    def find(text: str, _need: str | None) -> list:
        places.find(text)
        return []

    kinds = {
        "location": (by_location, scan.location, points),
        "name": (by_name, scan_name, typed),
    }
    timings: dict[str, tuple[Timing, Timing]] = {}
    beyond = sum(1 for lat, lon, need in points if not directory.near(lat, lon, need))
    disagree = 0
    find_rounds: list[list[float]] = []
    for kind, (senda, baseline, lookups) in kinds.items():
        for lookup in (senda, baseline):  # a warm-up
            lookup(*lookups[0])
        senda_rounds: list[list[float]] = []
        baseline_rounds: list[list[float]] = []
        for _ in range(rounds):
            ours = timed(senda, lookups, senda_rounds)
            theirs = timed(baseline, lookups, baseline_rounds)
            disagree += sum(a != b for a, b in zip(ours, theirs, strict=True))
            if kind == "name":
                timed(find, lookups, find_rounds)
        timings[kind] = (summary(senda_rounds), summary(baseline_rounds))
    placed = len(directory._placed)
    found = sum(len(senda_location(directory, *point)) for point in points) / len(points)
    print(
        f"\n{label}: {len(services):,} services ({placed:,} at a point, "
        f"{len(directory.lines)} national lines); Directory built in {built_ms:.1f} ms"
    )
    print(
        f"  by location: {len(points):,} points, {beyond} with nothing within "
        f"{NEARBY_KM:.0f} km (nearest_beyond), {found:.1f} services found a point on average"
    )
    print(
        f"  by name: {len(typed):,} typed places ({len(TYPED)} texts in turn); find() alone "
        f"{summary(find_rounds).mean_ms:.3f} ms a text"
    )
    print(
        f"  {'lookup':<9} {'Senda/s':>9} {'ms':>7} {'p99 ms':>7} {'max ms':>7}"
        f" {'scan/s':>8} {'ms':>7} {'ratio':>6}"
    )
    for kind, (ours, theirs) in timings.items():
        print(
            f"  {kind:<9} {ours.rate:9,.0f} {ours.mean_ms:7.3f} {ours.p99_ms:7.3f}"
            f" {ours.slowest_ms:7.3f} {theirs.rate:8,.0f} {theirs.mean_ms:7.3f}"
            f" {theirs.mean_ms / ours.mean_ms:6.2f}"
        )
    total = rounds * (len(points) + len(typed))
    print(f"  answers the same as the baseline's: {total - disagree:,} of {total:,}")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--names", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    started = time.perf_counter()
    places = gazetteer()
    print(
        f"gazetteer() first call: {time.perf_counter() - started:.2f} s "
        f"({len(places.cities):,} cities of 5,000 people or more)"
    )
    from lessons.loader import load_catalog  # its checks call gazetteer(): after the timing

    bundled = load_catalog(BUNDLED_CATALOG).services
    # As a web worker does once its service is built (the gazetteer with it, by the catalog's
    # checks): the directories, built later on first use, are not frozen there either.
    keep_start_up_objects_out_of_collections()
    rng = random.Random(args.seed)
    generated = generated_services(places, args.services, rng)
    builds = []
    for _ in range(3):
        started = time.perf_counter()
        Directory(generated, places)
        builds.append(time.perf_counter() - started)
    print(
        f"Directory of {len(generated):,} services: built in "
        f"{1000 * statistics.median(builds):.0f} ms (median of 3)"
    )
    points = location_lookups(places, args.points, rng)
    typed = name_lookups(args.names, rng)
    print(f"{args.rounds} rounds each, Senda then the list scan; ratio = scan time / Senda time")

    measure("bundled", bundled, places, points, typed, args.rounds)
    timings = measure("generated", generated, places, points, typed, args.rounds)
    verdicts = []
    for kind, (ours, _) in timings.items():
        held = "met" if ours.mean_ms < TARGET_MS else "NOT met"
        verdicts.append(
            f"by {kind} {ours.mean_ms:.3f} ms a lookup: {held} ({ours.over_target:.1%} of the "
            f"lookups took {TARGET_MS:.0f} ms or more, the slowest {ours.slowest_ms:.1f} ms)"
        )
    print(f"\ntarget, under {TARGET_MS:.0f} ms a lookup at {len(generated):,} services:")
    for verdict in verdicts:
        print(f"  {verdict}")


if __name__ == "__main__":
    main()
