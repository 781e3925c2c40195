"""Services nearby: a door to knock on, found from a shared location or a city or state name.

    place --(a location)------------------> results (nearest first, by city, with distances)
          --(a city or state, one match)--> results
          --(a name that matches several)-> choose --(one of them)--> results
          --(a need: sleep, food...)------> place (asks where, for that need)
          --menu--> menu
    results --more--> results (the next few)      --a need--> results (narrowed)
            --another place--> place              --report a problem--> report --> results

A shared location is used for one lookup and never stored. What the results step must keep
until the next message (the services still to show, which say where the person is) is sealed
with the data key and unreadable after an hour.
"""

from __future__ import annotations

import json
from datetime import date

from bot.i18n import N_, NP_, normalize
from bot.messages import Option, Outbound
from dialogs import menu
from dialogs.base import Dialog, Step, Turn, say
from dialogs.live_directory import current_directory
from lessons.directory.entries import Service
from lessons.directory.places import STATE_IDS, City, State, gazetteer
from lessons.directory.search import KEPT, Directory, Found, Placed
from lessons.model import localized
from storage import directory as counts

PAGE = 3  # services a message: a cheap phone's screen
SMS_PAGE_CHARACTERS = 480  # about three SMS segments: fewer services a message on SMS
SERVICE_CHARACTERS = 300  # what one service may take, at most
SEALED_SECONDS = 3600  # after this, "more" asks for the place again
DIRECTORY_LANGUAGE = "es"  # the language the directory's texts always have

NEED_LABELS = {
    "sleep": N_("A place to sleep"),
    "food": N_("Food"),
    "doctor": N_("A doctor"),
    "legal": N_("Legal help or asylum"),
    "consulate": N_("My consulate"),
}
# The words people type for each need; each catalog lists them comma-separated.
NEED_WORDS = {
    "sleep": NP_("need words", "sleep"),
    "food": NP_("need words", "food"),
    "doctor": NP_("need words", "doctor"),
    "legal": NP_("need words", "legal"),
    "consulate": NP_("need words", "consulate"),
}
KIND_LABELS = {
    "shelter": N_("shelter"),
    "food": N_("food"),
    "asylum": N_("asylum"),
    "legal": N_("legal aid"),
    "health": N_("health"),
    "human_rights": N_("human rights"),
    "un": N_("United Nations"),
    "consulate": N_("consulate"),
    "line": N_("phone line"),
}
PROBLEMS = {
    "closed": N_("It was closed"),
    "wrong_phone": N_("Wrong phone"),
    "wrong_address": N_("Wrong address"),
    "turned_away": N_("They did not help me"),
}


def enter(turn: Turn, need: str | None = None) -> list[Outbound]:
    """Ask where the person is."""
    turn.go("services", "place", need=need)
    return [prompt(turn)]


def prompt(turn: Turn) -> Outbound:
    """Ask for a location or a place name, offering to narrow by need."""
    t = turn.t
    need = turn.state.get("need")
    text = t._(
        "Share your location, or write the name of your city or state. "
        "Senda uses it once and does not keep it."
    )
    if need in NEED_LABELS:
        text += "\n" + t._("Looking for: {need}.", need=t._(NEED_LABELS[need]).lower())
    options = [Option(t._(label), f"need:{key}") for key, label in NEED_LABELS.items()]
    return say(text, *[o for o in options if o.value != f"need:{need}"], _menu_option(turn))


def _menu_option(turn: Turn) -> Option:
    return Option(turn.t._("Menu"), "menu")


# What a person types ------------------------------------------------------------------------


def need_in(turn: Turn, text: str) -> tuple[str | None, str]:
    """The need a message names, and what is left of it (the place, if any)."""
    words = normalize(text).split()
    for need, word in NEED_WORDS.items():
        listed = turn.t.words("need words", word) | {need}
        for size in (5, 4, 3, 2, 1):  # "un lugar para dormir" before "dormir"
            for start in range(len(words) - size + 1):
                if " ".join(words[start : start + size]) in listed:
                    rest = words[:start] + words[start + size :]
                    return need, " ".join(w for w in rest if w not in _JOINERS)
    return None, text


# "comida en tapachula", "food in tijuana": the little words between a need and a place.
_JOINERS = {"en", "in", "a", "de", "near", "cerca", "nan", "pres", "pou", "para", "for"}


def on_text(turn: Turn) -> list[Outbound]:
    """A need, a place, or both, as the person wrote them."""
    named, rest = need_in(turn, turn.inbound.text)
    need = named or turn.state.get("need")
    if not rest.strip():
        return enter(turn, need)
    found = _prefer_states(gazetteer().find(rest))
    if not found and named:
        return enter(turn, need)  # "necesito un doctor": the need is heard, now where
    if not found:
        return _nothing_for_place(turn, need)
    if len(found) == 1:
        return _show_place(turn, found[0], need)
    turn.go(
        "services",
        "choose",
        need=need,
        sealed=_seal(turn, {"candidates": [_place_key(p) for p in found]}),
    )
    return [choose_prompt(turn)]


def _prefer_states(found: list[City | State]) -> list[City | State]:
    """The places a name likely means. A state's name means the state, not a village of that
    name elsewhere ("Tabasco" is not Tabasco, Zacatecas); its own cities of that name
    (Chihuahua, Puebla) are still asked."""
    states = {p.id for p in found if isinstance(p, State)}
    if states:
        return [p for p in found if isinstance(p, State) or p.state in states]
    # A city ten times the size of the next of that name is the one meant (Juchitán, not the
    # village of Ajuchitlán); closer in size (Ciudad Hidalgo, Chiapas or Michoacán), ask.
    first, second = [*found, None, None][:2]
    if isinstance(first, City) and isinstance(second, City):
        return found[:1] if first.population >= 10 * second.population else found
    return found


def _nothing_for_place(turn: Turn, need: str | None) -> list[Outbound]:
    t = turn.t
    note = t._(
        "I do not know that place. Write the name of your city or state (for example "
        "Tapachula, Oaxaca or CDMX), or share your location."
    )
    turn.go("services", "place", need=need)
    return [say(note), prompt(turn)]


# Choosing among places with the same name -----------------------------------------------------


def _place_key(place: City | State) -> str:
    return f"city:{place.geonameid}" if isinstance(place, City) else f"state:{place.id}"


def _place_of(key: str) -> City | State | None:
    kind, _, value = key.partition(":")
    if kind == "state":
        return STATE_IDS.get(value)
    return gazetteer().by_geonameid.get(int(value)) if value.isdigit() else None


def _place_name(turn: Turn, place: City | State) -> str:
    if isinstance(place, State):
        return turn.t._("{state} (the whole state)", state=place.name)
    return f"{place.name}, {STATE_IDS[place.state].name}"


def choose_prompt(turn: Turn) -> Outbound:
    """Which of the places with that name the person means."""
    t = turn.t
    data = _unseal(turn) or {}
    places = [p for key in data.get("candidates", []) if (p := _place_of(key)) is not None]
    options = [Option(_place_name(turn, p), f"place:{_place_key(p)}") for p in places[:8]]
    return say(
        t._("Several places have that name. Which one?"),
        *options,
        Option(t._("None of these"), "again"),
        _menu_option(turn),
    )


def on_choose(turn: Turn, option: Option) -> list[Outbound]:
    """A place picked among several, or back to asking."""
    need = turn.state.get("need")
    if option.value.startswith("place:"):
        place = _place_of(option.value.removeprefix("place:"))
        if place is not None:
            return _show_place(turn, place, need)
    if option.value == "menu":
        return menu.enter(turn)
    return enter(turn, need)


# Answers -------------------------------------------------------------------------------------


def _show_place(turn: Turn, place: City | State, need: str | None) -> list[Outbound]:
    directory = current_directory(turn.session, turn.catalog)
    if isinstance(place, City):
        found = [(p, None) for p in directory.in_city(place, need)]
        where, state = place.name, place.state
    else:
        found = [(p, None) for p in directory.in_state(place.id, need)]
        where, state = place.name, place.id
    counts.count_ask(turn.session, state, need)
    if not found and isinstance(place, City):
        # Nothing in the city itself: the nearest with services, with the distance to it.
        near = directory.near(place.latitude, place.longitude, need, limit=KEPT)
        beyond = not near
        near = near or directory.nearest_beyond(place.latitude, place.longitude, need)
        heading = _none_in(turn, where, need)
        return _answer(turn, directory, near, need, heading, origin=where, lines=beyond)
    if not found:
        return _answer(turn, directory, [], need, heading=_none_in(turn, where, need))
    heading = turn.t._("Services in {place}:", place=where)
    return _answer(turn, directory, [Found(p, -1.0) for p, _ in found], need, heading=heading)


def _none_in(turn: Turn, where: str, need: str | None) -> str:
    t = turn.t
    if need in NEED_LABELS:
        return t._(
            "Senda knows of no service for {need} in {place}.",
            need=t._(NEED_LABELS[need]).lower(),
            place=where,
        )
    return t._("Senda knows of no service in {place}.", place=where)


def on_location(turn: Turn) -> list[Outbound]:
    """A shared location: the nearest services (the location is used here and not kept)."""
    location = turn.inbound.location
    assert location is not None
    need = turn.state.get("need") if turn.state.get("dialog") == "services" else None
    if not (-90 <= location.latitude <= 90 and -180 <= location.longitude <= 180):
        turn.go("services", "place", need=need)
        return [say(turn.t._("That location is not on the map.")), prompt(turn)]
    directory = current_directory(turn.session, turn.catalog)
    found = directory.near(location.latitude, location.longitude, need, limit=KEPT)
    heading = turn.t._("The nearest services:")
    beyond = not found
    if beyond:
        found = directory.nearest_beyond(location.latitude, location.longitude, need)
        heading = turn.t._("Nothing within 150 km of you. The nearest city with services:")
    if not found:
        heading = turn.t._("Senda knows of no service near there.")
    first = found[0].placed if found else None
    counts.count_ask(turn.session, first.service.state if first else "", need)
    return _answer(turn, directory, found, need, heading, lines=beyond)


def answer_once(turn: Turn) -> list[Outbound]:
    """The nearest services to a shared location, leaving the conversation where it was (before
    consent nothing about the person is kept, not even sealed)."""
    kept = turn.state_left()
    answer = on_location(turn)
    turn.restore(kept)
    return answer[:-1]  # without "what next?": the person's own question comes again


def _answer(
    turn: Turn,
    directory: Directory,
    found: list[Found],
    need: str | None,
    heading: str,
    origin: str = "",
    lines: bool = False,
) -> list[Outbound]:
    """The first page of what was found (after the national lines when nothing was near), the
    rest kept sealed for "more". `origin` is the place distances are from ("" for the person)."""
    if not found:
        turn.go("services", "place", need=need)
        return [say(heading + "\n\n" + _lines_text(turn, directory)), prompt(turn)]
    if lines:
        heading = _lines_text(turn, directory) + "\n\n" + heading
    everything = [[f.service.id, round(f.km, 1)] for f in found[:KEPT]]
    turn.go("services", "results", need=need)
    data = {"all": everything, "rest": everything, "from": origin}
    return _page(turn, directory, data, heading)


def _page(turn: Turn, directory: Directory, data: dict, heading: str = "") -> list[Outbound]:
    """The next few services as one message, then what next; what remains is sealed."""
    rest = [r for r in data.get("rest", []) if r[0] in directory.by_id]
    budget = SMS_PAGE_CHARACTERS if turn.inbound.channel == "sms" else None
    blocks: list[str] = [heading] if heading else []
    shown: list[str] = []
    last_city = None
    for service_id, km in rest:
        placed = directory.placed(service_id)
        at_city = placed is not None and placed.at_city
        block = []
        if km >= 0 and placed is not None and at_city and placed.city != last_city:
            block.append(_distance_to_city(turn, placed, km, data.get("from", "")))
            last_city = placed.city
        own_km = km if km >= 0 and not at_city else None
        block.append(describe(turn, directory.by_id[service_id], own_km))
        text = "\n".join(block)
        full = len(shown) >= PAGE or (
            budget is not None and len("\n\n".join([*blocks, text])) > budget
        )
        if shown and full:
            break
        blocks.append(text)
        shown.append(service_id)
    remaining = rest[len(shown) :]
    sealed = {**data, "rest": remaining, "shown": shown}
    turn.update(step="results", sealed=_seal(turn, sealed), more=len(remaining))
    blocks.append(turn.t._("Call before you go: details change."))
    return [say("\n\n".join(blocks)), results_prompt(turn)]


def _distance_to_city(turn: Turn, placed: Placed, km: float, origin: str) -> str:
    # The distance is to the city, never a false street-level one: the answer says so.
    city = placed.city.name if placed.city else placed.service.city
    km = max(1, round(km))
    if origin:
        return turn.t._("In {city}, about {km} km from {place}:", city=city, km=km, place=origin)
    return turn.t._("In {city}, about {km} km from you:", city=city, km=km)


def describe(turn: Turn, service: Service, km: float | None = None) -> str:
    """One service in at most SERVICE_CHARACTERS: name, what it offers, address, phone, hours,
    when it was checked."""
    t = turn.t
    language = turn.learner.language
    kind = t._(KIND_LABELS.get(service.kind, service.kind))
    head = f"• {service.name} ({kind})"
    if km is not None:
        head += " " + t._("{km} km from you", km=max(1, round(km)))
    details = []
    if service.address:
        details.append(service.address)
    if service.phones:
        details.append(t._("Phone: {phones}", phones=", ".join(service.phones)))
    hours = localized(service.hours, language, DIRECTORY_LANGUAGE)
    if hours:
        details.append(hours)
    details.append(_checked(turn, service))
    offers = localized(service.offers, language, DIRECTORY_LANGUAGE)
    fixed = "\n".join([head, *details])
    room = SERVICE_CHARACTERS - len(fixed) - 1
    if offers and room > 20:
        if len(offers) > room:
            offers = offers[: room - 1].rsplit(" ", 1)[0] + "…"
        return "\n".join([head, offers, *details])
    return fixed[:SERVICE_CHARACTERS]


def _checked(turn: Turn, service: Service) -> str:
    t = turn.t
    checked = service.checked_on()
    if checked is None:
        return t._("Date not known: call to check.")
    if service.is_stale(date.today(), turn.service.services_stale_days):
        return t._("Checked {month}: may be out of date.", month=t.month(checked))
    return t._("Checked {month}.", month=t.month(checked))


def _lines_text(turn: Turn, directory: Directory) -> str:
    """The national lines, offered when no local service is found."""
    t = turn.t
    language = turn.learner.language
    lines = [t._("National lines, free, from any phone:")]
    for line in directory.lines:
        what = localized(line.offers, language, DIRECTORY_LANGUAGE) or line.name
        lines.append(f"• {', '.join(line.phones)}: {what}")
    if not directory.lines:
        lines.append("• 911")
    return "\n".join(lines)


def results_prompt(turn: Turn) -> Outbound:
    """What next after some services: more, another need, another place, or a report."""
    t = turn.t
    more = int(turn.state.get("more", 0))
    need = turn.state.get("need")
    options = []
    if more:
        options.append(Option(t.ngettext("One more", "{n} more", more), "more"))
    options += [
        Option(t._(label), f"need:{key}") for key, label in NEED_LABELS.items() if key != need
    ]
    options += [
        Option(t._("Another place"), "again"),
        Option(t._("Report a problem"), "report"),
        _menu_option(turn),
    ]
    return say(t._("What next?"), *options)


def on_results(turn: Turn, option: Option) -> list[Outbound]:
    """More of the same, narrowed by a need, another place, or a report."""
    directory = current_directory(turn.session, turn.catalog)
    data = _unseal(turn)
    if option.value in ("more", "report") and data is None:
        return _expired(turn)
    if option.value == "more" and data is not None:
        return _page(turn, directory, data)
    if option.value.startswith("need:"):
        return _narrow(turn, directory, option.value.removeprefix("need:"))
    if option.value == "report" and data is not None:
        return _start_report(turn, directory, data)
    if option.value == "menu":
        return menu.enter(turn)
    return enter(turn, turn.state.get("need"))


def _narrow(turn: Turn, directory: Directory, need: str) -> list[Outbound]:
    """The services already found (the place is not kept), now only those for a need."""
    data = _unseal(turn)
    if data is None:
        return enter(turn, need)
    everything = [r for r in data.get("all", []) if r[0] in directory.by_id]
    kept = [r for r in everything if directory.by_id[r[0]].answers(need)]
    if not kept:
        turn.go("services", "place", need=need)
        note = _none_in(turn, turn.t._("that place"), need)
        return [say(note + "\n\n" + _lines_text(turn, directory)), prompt(turn)]
    turn.go("services", "results", need=need)
    return _page(turn, directory, {**data, "all": everything, "rest": kept})


def _expired(turn: Turn) -> list[Outbound]:
    note = turn.t._("Senda does not keep where you are. Please tell it again.")
    return [say(note), *enter(turn, turn.state.get("need"))]


# Reports: "it was closed" ---------------------------------------------------------------------


def _start_report(turn: Turn, directory: Directory, data: dict) -> list[Outbound]:
    shown = [i for i in data.get("shown", []) if i in directory.by_id]
    if len(shown) == 1:
        turn.update(step="problem", reported=shown[0])
        return [problem_prompt(turn)]
    turn.update(step="report")
    return [report_prompt(turn)]


def report_prompt(turn: Turn) -> Outbound:
    """Which of the services just shown was wrong."""
    t = turn.t
    data = _unseal(turn) or {}
    directory = current_directory(turn.session, turn.catalog)
    shown = [directory.by_id[i] for i in data.get("shown", []) if i in directory.by_id]
    options = [Option(s.name[:60], f"service:{s.id}") for s in shown]
    return say(t._("Which one?"), *options, Option(t._("Back"), "back"))


def on_report(turn: Turn, option: Option) -> list[Outbound]:
    """The service a report is about."""
    if option.value.startswith("service:"):
        turn.update(step="problem", reported=option.value.removeprefix("service:"))
        return [problem_prompt(turn)]
    turn.update(step="results")
    return [results_prompt(turn)]


def problem_prompt(turn: Turn) -> Outbound:
    """What was wrong: counted so that staff check that service first; nothing about the
    person is kept."""
    t = turn.t
    options = [Option(t._(label), f"problem:{key}") for key, label in PROBLEMS.items()]
    return say(
        t._("What was wrong? Senda counts it so that staff check that service first."),
        *options,
        Option(t._("Back"), "back"),
    )


def on_problem(turn: Turn, option: Option) -> list[Outbound]:
    """A problem reported about a service: one more in its count."""
    reported = str(turn.state.get("reported") or "")
    turn.update(step="results", reported=None)
    if option.value.startswith("problem:") and reported:
        counts.count_report(turn.session, reported, option.value.removeprefix("problem:"))
        return [say(turn.t._("Thank you. Staff will check it.")), results_prompt(turn)]
    return [results_prompt(turn)]


# Sealing what says where the person is ---------------------------------------------------------


def _seal(turn: Turn, data: dict) -> str | None:
    if turn.cipher is None:
        return None
    return turn.cipher.seal(json.dumps(data, separators=(",", ":")))


def _unseal(turn: Turn) -> dict | None:
    token = turn.state.get("sealed")
    if not token or turn.cipher is None:
        return None
    text = turn.cipher.unseal(str(token), SEALED_SECONDS)
    return json.loads(text) if text else None


def on_choice(turn: Turn, option: Option) -> list[Outbound]:
    """A need picked while Senda asks where the person is, or the menu."""
    if option.value.startswith("need:"):
        return enter(turn, option.value.removeprefix("need:"))
    return menu.enter(turn)


DIALOG = Dialog(
    name="services",
    entry=enter,
    steps={
        "place": Step(prompt, on_choice, on_text=on_text, on_location=on_location),
        "choose": Step(choose_prompt, on_choose, on_location=on_location),
        "results": Step(results_prompt, on_results, on_text=on_text, on_location=on_location),
        "report": Step(report_prompt, on_report, on_location=on_location),
        "problem": Step(problem_prompt, on_problem, on_location=on_location),
    },
)
