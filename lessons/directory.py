"""Finding services in the directory: the nearest to a point, or those of a city or region."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from math import asin, cos, radians, sin, sqrt

from lessons.model import ServicePoint

EARTH_RADIUS_KM = 6371.0


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    dlat, dlon = radians(lat2 - lat1), radians(lon2 - lon1)
    a = sin(dlat / 2) ** 2 + cos(radians(lat1)) * cos(radians(lat2)) * sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(sqrt(a))


def nearest(
    points: Iterable[ServicePoint], latitude: float, longitude: float, count: int = 3
) -> list[tuple[ServicePoint, float]]:
    """The closest places that have coordinates, with their distance in km."""
    placed = [
        (point, distance_km(latitude, longitude, point.latitude, point.longitude))
        for point in points
        if point.latitude is not None and point.longitude is not None
    ]
    return sorted(placed, key=lambda pair: pair[1])[:count]


def in_place(
    points: Iterable[ServicePoint],
    wanted: str,
    fold: Callable[[str], str],
    region_names: dict[str, set[str]],
    count: int = 5,
) -> list[ServicePoint]:
    """Places whose city or region is the one named, `wanted` as `fold` leaves names (the
    directory's own names are folded with `fold`; region_names are folded already)."""
    if not wanted:
        return []
    found = [
        point
        for point in points
        if fold(point.city) == wanted or wanted in region_names.get(point.region, set())
    ]
    found.sort(key=lambda point: fold(point.city) != wanted)  # the city itself first
    return found[:count]
