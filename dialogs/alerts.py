"""Alerts for the regions a person chooses; choosing a region again leaves it.

regions --(a region)--> regions, with that region added or removed
        --more-------> the next page of regions
        --none-------> no region left
        --menu-------> menu
"""

from __future__ import annotations

from bot.messages import Option, Outbound
from dialogs import menu
from dialogs.base import Dialog, Step, Turn, say
from lessons.model import localized
from storage import repo

PAGE = 7  # regions a screen, leaving room for "more", "none" and "menu" within ten options


def enter(turn: Turn) -> list[Outbound]:
    """Show the regions, first page."""
    turn.go("alerts", "regions", page=0)
    return [prompt(turn)]


def _name(turn: Turn, region_id: str) -> str:
    catalog = turn.catalog
    region = next((r for r in catalog.regions if r.id == region_id), None)
    if region is None:
        return region_id
    return localized(region.name, turn.learner.language, catalog.regions_language)


def prompt(turn: Turn) -> Outbound:
    """The regions, a check on those chosen."""
    t = turn.t
    regions = turn.catalog.regions
    chosen = repo.alert_regions(turn.session, turn.learner.id)
    page = turn.state.get("page", 0)
    shown = regions[page * PAGE : (page + 1) * PAGE]
    options = [
        Option(("✓ " if r.id in chosen else "") + _name(turn, r.id), f"r:{r.id}") for r in shown
    ]
    if len(regions) > PAGE:
        options.append(Option(t._("More regions"), "more"))
    if chosen:
        options.append(Option(t._("No more alerts"), "none"))
    options.append(Option(t._("Menu"), "menu"))
    lines = [t._("Choose a region to get its alerts. Choose it again to leave it.")]
    if chosen:
        names = ", ".join(sorted(_name(turn, region) for region in chosen))
        lines.append(t._("You get alerts for: {regions}", regions=names))
    return say("\n".join(lines), *options)


def on_choice(turn: Turn, option: Option) -> list[Outbound]:
    """Add or remove a region, page on, clear, or leave."""
    t = turn.t
    if option.value == "menu":
        return menu.enter(turn)
    if option.value == "more":
        pages = -(-len(turn.catalog.regions) // PAGE)
        turn.update(page=(turn.state.get("page", 0) + 1) % pages)
        return [prompt(turn)]
    if option.value == "none":
        repo.clear_alert_regions(turn.session, turn.learner.id)
        return [say(t._("You will get no more alerts.")), prompt(turn)]
    region = option.value.removeprefix("r:")
    name = _name(turn, region)
    if repo.toggle_alert_region(turn.session, turn.learner.id, region):
        note = t._("You will get alerts for {region}.", region=name)
    else:
        note = t._("No more alerts for {region}.", region=name)
    turn.session.flush()
    return [say(note), prompt(turn)]


DIALOG = Dialog(name="alerts", entry=enter, steps={"regions": Step(prompt, on_choice)})
