"""The rules every entry of the directory keeps, whether it comes from the content file or from
the spreadsheet staff keep: each broken rule is a short English message naming the field."""

from __future__ import annotations

import contextlib
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date

import phonenumbers

from lessons.directory.entries import KINDS, POPULATIONS, Service
from lessons.directory.places import STATE_IDS
from lessons.model import Texts

# The languages the service speaks (bot.i18n.INTERFACE_LANGUAGES; lessons may not import bot).
LANGUAGES: tuple[str, ...] = ("es", "en", "fr", "ht")
TEXT_FIELDS = ("hours", "offers")
MAX_NAME = 120
MAX_TEXT = 300
# Mexico's bounding box, generous enough for the islands and the southern border.
LATITUDES = (14.3, 32.8)
LONGITUDES = (-118.6, -86.5)

_ID = re.compile(r"[a-z0-9-]{1,64}")
# 911, 089 and the like: dialable as they are, but only a national line may have one.
_SHORT_CODE = re.compile(r"\*?\d{3,4}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_CHECKED = re.compile(r"\d{4}-\d{2}(-\d{2})?")


def problems_of(
    service: Service,
    city_exists: Callable[[str, str], bool] | None = None,
    *,
    today: date | None = None,
) -> list[str]:
    """Every rule the entry breaks, as short English messages naming the field."""
    problems: list[str] = []
    problems += _identity_problems(service)
    problems += _place_problems(service, city_exists)
    problems += _phone_problems(service)
    problems += _coordinate_problems(service)
    problems += _list_problems("serves", service.serves, POPULATIONS)
    if service.country and not _COUNTRY.fullmatch(service.country):
        problems.append(
            f"country {service.country!r} must be two capital letters (ISO 3166, e.g. 'GT')"
        )
    for language in service.languages:
        if not _LANGUAGE.fullmatch(language):
            problems.append(
                f"language {language!r} must be 2 or 3 lowercase letters (ISO 639, e.g. 'es')"
            )
    problems += [f"language {value!r} is listed twice" for value in _repeated(service.languages)]
    if not service.source:
        problems.append("source is empty")
    problems += _checked_problems(service.checked, today or date.today())
    problems += _text_problems("hours", service.hours)
    problems += _text_problems("offers", service.offers)
    return problems


def _identity_problems(service: Service) -> list[str]:
    problems = []
    if not _ID.fullmatch(service.id):
        problems.append(f"id {service.id!r} must be 1 to 64 lowercase letters, digits and hyphens")
    if not service.kinds:
        problems.append(f"kinds is empty: give at least one of {', '.join(KINDS)}")
    problems += _list_problems("kind", service.kinds, KINDS)
    if not service.name:
        problems.append("name is empty")
    elif len(service.name) > MAX_NAME:
        problems.append(f"name is {len(service.name)} characters long; the most is {MAX_NAME}")
    # The spreadsheet trims every cell, so a space at either end could not survive a round trip.
    for field_name in ("name", "city", "address", "source"):
        value = getattr(service, field_name)
        if value != value.strip():
            problems.append(f"{field_name} has spaces at its start or end")
    return problems


def _place_problems(service: Service, city_exists: Callable[[str, str], bool] | None) -> list[str]:
    problems = []
    if service.is_line:
        if not service.phones:
            problems.append("a line needs at least one phone")
        # A line may belong to a state (a state hotline) but a city alone is ambiguous.
        if service.city and not service.state:
            problems.append("state is empty")
    else:
        if not service.city:
            problems.append("city is empty")
        if not service.state:
            problems.append("state is empty")
    if service.state and service.state not in STATE_IDS:
        problems.append(
            f"state {service.state!r} is not a state id (such as 'chiapas' or 'ciudad-de-mexico')"
        )
    elif (
        service.city
        and service.state
        and city_exists is not None
        and not city_exists(service.city, service.state)
    ):
        problems.append(f"city {service.city!r} is not a GeoNames city of state {service.state}")
    return problems


def _phone_problems(service: Service) -> list[str]:
    problems = []
    for phone in service.phones:
        if _SHORT_CODE.fullmatch(phone):
            if not service.is_line:
                problems.append(f"phone {phone!r} is a short code; only a line may have one")
            continue
        expected = _international(phone)
        if expected is None:
            problems.append(
                f"phone {phone!r} is not a valid number; write it like '+52 962 128 2277'"
            )
        elif expected != phone:
            # One written form, so the bot reads out the same digits that people dial.
            problems.append(f"phone {phone!r} must be written {expected!r}")
    problems += [f"phone {repeated!r} is listed twice" for repeated in _repeated(service.phones)]
    return problems


def _international(phone: str) -> str | None:
    """The number in its international form, or None when it is not a valid number."""
    try:
        number = phonenumbers.parse(phone, "MX")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _coordinate_problems(service: Service) -> list[str]:
    latitude, longitude = service.latitude, service.longitude
    if latitude is None and longitude is None:
        return []
    if latitude is None or longitude is None:
        return ["latitude and longitude must both be given or both be empty"]
    # NaN fails every comparison, so it lands here as outside too.
    inside = (
        math.isfinite(latitude)
        and math.isfinite(longitude)
        and LATITUDES[0] <= latitude <= LATITUDES[1]
        and LONGITUDES[0] <= longitude <= LONGITUDES[1]
    )
    if inside:
        return []
    return [
        f"coordinates {latitude}, {longitude} are outside Mexico (latitude {LATITUDES[0]} to "
        f"{LATITUDES[1]}, longitude {LONGITUDES[0]} to {LONGITUDES[1]})"
    ]


def _checked_problems(checked: str, today: date) -> list[str]:
    if not checked:
        return []
    when = None
    if _CHECKED.fullmatch(checked):
        with contextlib.suppress(ValueError):  # 2026-02-30 has the form but is no date
            when = date.fromisoformat(checked if len(checked) == 10 else checked + "-01")
    if when is None:
        return [f"checked {checked!r} must be a date YYYY-MM-DD or YYYY-MM"]
    # A month is in the future only when the whole month is: "this month" is fine.
    if (when > today) if len(checked) == 10 else (when > today.replace(day=1)):
        return [f"checked {checked!r} is in the future"]
    return []


def _text_problems(field_name: str, texts: Texts) -> list[str]:
    problems = []
    for language, text in texts.items():
        if language not in LANGUAGES:
            problems.append(
                f"{field_name} has a text in {language!r}; "
                f"only {', '.join(LANGUAGES)} are the service's languages"
            )
            continue
        column = f"{field_name}_{language}"
        if not text:
            problems.append(f"{column} is empty")
        elif len(text) > MAX_TEXT:
            problems.append(f"{column} is {len(text)} characters long; the most is {MAX_TEXT}")
        if text != text.strip():
            problems.append(f"{column} has spaces at its start or end")
    return problems


def _list_problems(field_name: str, values: Sequence[str], allowed: Sequence[str]) -> list[str]:
    problems = [
        f"{field_name} {value!r} is not one of {', '.join(allowed)}"
        for value in values
        if value not in allowed
    ]
    return problems + [f"{field_name} {value!r} is listed twice" for value in _repeated(values)]


def _repeated(values: Sequence[str]) -> list[str]:
    return [value for value, count in Counter(values).items() if count > 1]
