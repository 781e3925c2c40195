"""Lookups over the directory: the nearest services to a point, those of a city or of a state,
each narrowed to what the person needs.

Every service has a position: its own coordinates when a source gives them, else its city's
from GeoNames (and the answer then says the distance is to the city). Positions are bucketed
in a grid of one degree, so that a lookup near a point reads only the cells around it, not the
whole directory.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import count
from math import asin, ceil, cos, floor, radians, sin, sqrt

from lessons.directory.entries import NEEDS, Service
from lessons.directory.places import City, Gazetteer

EARTH_RADIUS_KM = 6371.0
NEARBY_KM = 150.0  # farther than this is not "near you": the nearest city with services instead
KEPT = 30  # services an answer keeps for "more": ten messages of three
_KM_PER_DEGREE = 2 * 3.141592653589793 * EARTH_RADIUS_KM / 360


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    dlat, dlon = radians(lat2 - lat1), radians(lon2 - lon1)
    a = sin(dlat / 2) ** 2 + cos(radians(lat1)) * cos(radians(lat2)) * sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(sqrt(a))


@dataclass(frozen=True)
class Placed:
    """A service with the point it is found at."""

    service: Service
    latitude: float
    longitude: float
    at_city: bool  # placed at its city's coordinates: a distance to it is to the city
    city: City | None


@dataclass(frozen=True)
class Found:
    """A service near a point, with the distance to it (to its city when `at_city`)."""

    placed: Placed
    km: float

    @property
    def service(self) -> Service:
        """The service found."""
        return self.placed.service


class Directory:
    """The services of the directory, indexed for the lookups people make."""

    def __init__(self, services: Iterable[Service], places: Gazetteer) -> None:
        self.services = tuple(services)
        # National lines: no state. A state's own line is found with the state's services.
        self.lines = tuple(s for s in self.services if s.is_line and not s.state)
        self.by_id = {s.id: s for s in self.services}
        # cell of one degree -> position -> the services there (many share their city's point)
        self._grid: dict[tuple[int, int], dict[tuple[float, float], list[Placed]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self._by_city: dict[int, list[Placed]] = defaultdict(list)
        self._by_state: dict[str, list[Placed]] = defaultdict(list)
        self._placed: dict[str, Placed] = {}
        for service in self.services:
            if service.is_line and not service.city:
                if service.state:
                    self._by_state[service.state].append(Placed(service, 0.0, 0.0, True, None))
                continue
            placed = self._place(service, places)
            if placed is None:
                continue
            self._placed[service.id] = placed
            cell = (floor(placed.latitude), floor(placed.longitude))
            self._grid[cell][(placed.latitude, placed.longitude)].append(placed)
            if placed.city is not None:
                self._by_city[placed.city.geonameid].append(placed)
            self._by_state[service.state].append(placed)

    @staticmethod
    def _place(service: Service, places: Gazetteer) -> Placed | None:
        city = places.city(service.city, service.state) if service.city else None
        if service.latitude is not None and service.longitude is not None:
            return Placed(service, service.latitude, service.longitude, False, city)
        if city is None:
            return None
        return Placed(service, city.latitude, city.longitude, True, city)

    def near(
        self,
        latitude: float,
        longitude: float,
        need: str | None = None,
        within_km: float = NEARBY_KM,
        limit: int | None = None,
    ) -> list[Found]:
        """The services within `within_km` of a point that answer the need, nearest first (the
        first `limit` of them when a limit is given)."""
        rows = ceil(within_km / _KM_PER_DEGREE)
        shrink = max(cos(radians(min(abs(latitude) + rows, 89.0))), 0.01)
        columns = ceil(within_km / (_KM_PER_DEGREE * shrink))
        # A box around the point first (two subtractions), the great circle only inside it.
        lat_span, lon_span = within_km / _KM_PER_DEGREE, within_km / (_KM_PER_DEGREE * shrink)
        wanted = frozenset(NEEDS[need]) if need in NEEDS else None
        row, column = floor(latitude), floor(longitude)
        order = count()  # ties of distance and name keep their order, never compare services
        found = []
        for r in range(row - rows, row + rows + 1):
            for c in range(column - columns, column + columns + 1):
                for (lat, lon), group in self._grid.get((r, c), {}).items():
                    if abs(lat - latitude) > lat_span or abs(lon - longitude) > lon_span:
                        continue
                    km = distance_km(latitude, longitude, lat, lon)
                    if km > within_km:
                        continue
                    found += [
                        (km, p.service.name, next(order), p)
                        for p in group
                        if wanted is None or not wanted.isdisjoint(p.service.kinds)
                    ]
        # A reply shows a few: only the nearest `limit` are sorted out of the rest.
        best = heapq.nsmallest(limit, found) if limit else sorted(found)
        return [Found(placed, km) for km, _name, _n, placed in best]

    def nearest_beyond(
        self, latitude: float, longitude: float, need: str | None = None
    ) -> list[Found]:
        """When nothing is near: the services of the nearest city that has any for the need."""
        radius = NEARBY_KM
        while radius < 5000:
            radius *= 2
            found = self.near(latitude, longitude, need, within_km=radius, limit=KEPT)
            if found:
                first = found[0].placed
                same_city = [f for f in found if first.city and f.placed.city == first.city]
                return same_city or found[:1]
        return []

    def placed(self, service_id: str) -> Placed | None:
        """Where a service is found (None for a national line)."""
        return self._placed.get(service_id)

    def in_city(self, city: City, need: str | None = None) -> list[Placed]:
        """The services of a city that answer the need."""
        return [p for p in self._by_city.get(city.geonameid, ()) if p.service.answers(need)]

    def in_state(self, state: str, need: str | None = None) -> list[Placed]:
        """The services of a state that answer the need, the biggest cities first."""
        found = [p for p in self._by_state.get(state, ()) if p.service.answers(need)]
        found.sort(key=lambda p: (-(p.city.population if p.city else 0), p.service.city))
        return found
