"""Services nearby: a shared location (used once, never stored) or a city or state name.

place --(a location)--> the nearest few, with their distance
      --(a city or state)--> the services there
      --menu--> menu
"""

from __future__ import annotations

from bot.i18n import normalize, normalize_offered
from bot.messages import Option, Outbound
from dialogs import menu
from dialogs.base import Dialog, Step, Turn, say
from lessons.directory import in_place, nearest
from lessons.model import ServicePoint, localized


def enter(turn: Turn) -> list[Outbound]:
    """Ask where the person is."""
    turn.go("services", "place")
    return [prompt(turn)]


def prompt(turn: Turn) -> Outbound:
    """Ask for a location or a place name."""
    t = turn.t
    return say(
        t._(
            "Share your location, or write the name of your city or state. "
            "Senda uses it once and does not keep it."
        ),
        Option(t._("Menu"), "menu"),
    )


def _kind(turn: Turn, kind: str) -> str:
    t = turn.t
    return {
        "shelter": t._("shelter"),
        "health": t._("health"),
        "legal": t._("legal aid"),
        "consulate": t._("consulate"),
        "asylum": t._("asylum"),
        "human_rights": t._("human rights"),
        "red_cross": t._("Red Cross"),
    }.get(kind, kind)


def _describe(turn: Turn, point: ServicePoint, km: float | None = None) -> str:
    t = turn.t
    catalog = turn.catalog
    language = turn.learner.language
    name = localized(point.name, language, catalog.services_language)
    line = f"• {name} ({_kind(turn, point.kind)}), {point.city}"
    if km is not None:
        line += f", {km:.0f} km"
    details = []
    if point.phone:
        details.append(t._("phone {phone}", phone=point.phone))
    if point.hours:
        details.append(localized(point.hours, language, catalog.services_language))
    if not point.verified:
        details.append(t._("check the details before you go"))
    return line + ("\n  " + "; ".join(details) if details else "")


def near_location(turn: Turn) -> Outbound:
    """The nearest services to a shared location (the location is not stored)."""
    t = turn.t
    location = turn.inbound.location
    assert location is not None
    found = nearest(turn.catalog.services, location.latitude, location.longitude)
    if not found:
        return say(
            t._(
                "Senda does not know where its services are on the map yet. "
                "Write the name of your city or state instead."
            )
        )
    lines = [t._("The nearest services:")]
    lines += [_describe(turn, point, km) for point, km in found]
    return say("\n".join(lines))


def _region_names(turn: Turn) -> dict[str, set[str]]:
    return {
        region.id: {normalize_offered(name) for name in region.name.values()}
        | {normalize_offered(region.id)}
        for region in turn.catalog.regions
    }


def on_place(turn: Turn) -> list[Outbound]:
    """Services in the city or state the person named."""
    t = turn.t
    wanted = normalize(turn.inbound.text)
    found = in_place(turn.catalog.services, wanted, normalize_offered, _region_names(turn))
    if not found:
        note = t._(
            "I found no service for that place. Try the name of a nearby city or your "
            "state, or write SOS for emergency numbers."
        )
        return [say(note), prompt(turn)]
    lines = [t._("Services there:")] + [_describe(turn, point) for point in found]
    return [say("\n".join(lines)), prompt(turn)]


def on_location(turn: Turn) -> list[Outbound]:
    """A location shared while Senda asks where the person is."""
    return [near_location(turn), prompt(turn)]


def on_choice(turn: Turn, option: Option) -> list[Outbound]:
    """Only "menu" is an option here."""
    return menu.enter(turn)


DIALOG = Dialog(
    name="services",
    entry=enter,
    steps={"place": Step(prompt, on_choice, on_text=on_place, on_location=on_location)},
)
