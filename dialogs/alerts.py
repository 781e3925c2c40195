"""Alerts for the regions a person chooses, narrowed to topics if they like; choosing a region or
a topic again leaves it.

regions --(a region)--> regions, with that region added or removed
        (its name)---> the same, for a region on any page
        --more-------> the next page of regions
        --topics-----> topics --(a topic)--> topics, with that topic added or removed
        |                     --all--------> topics, every topic again
        |                     --back-------> regions
        --none-------> no region left
        --menu-------> menu
"""

from __future__ import annotations

from bot.i18n import normalize, normalize_offered
from bot.messages import Option, Outbound
from dialogs import menu
from dialogs.base import Dialog, Step, Turn, say
from lessons.model import localized
from storage import repo

PAGE = 6  # regions a screen, leaving room for "more", "topics", "none" and "menu" in ten options


def enter(turn: Turn) -> list[Outbound]:
    """Show the regions, first page."""
    turn.go("alerts", "regions", page=0)
    return [prompt(turn)]


def _name(turn: Turn, region_id: str) -> str:
    catalog = turn.catalog
    region = catalog.region(region_id)
    if region is None:
        return region_id
    return localized(region.name, turn.learner.language, catalog.regions_language)


def _topic_name(turn: Turn, topic_id: str) -> str:
    catalog = turn.catalog
    topic = next((t for t in catalog.topics if t.id == topic_id), None)
    if topic is None:
        return topic_id
    return localized(topic.name, turn.learner.language, catalog.topics_language)


def _follow_time_zone(turn: Turn, chosen: set[str], added: str | None) -> None:
    """Quiet hours follow the region last chosen (a whole state, never where the person is)."""
    catalog = turn.catalog
    zones = [region.timezone for r in sorted(chosen) if (region := catalog.region(r))]
    added_region = catalog.region(added) if added else None
    if added_region is not None and added_region.timezone:
        turn.learner.timezone = added_region.timezone
    elif turn.learner.timezone not in zones:
        turn.learner.timezone = next((zone for zone in zones if zone), None)


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
    if chosen and turn.catalog.topics:
        options.append(Option(t._("Topics"), "topics"))
    if chosen:
        options.append(Option(t._("No more alerts"), "none"))
    options.append(Option(t._("Menu"), "menu"))
    if len(regions) > PAGE:
        question = t._(
            "Choose a region to get its alerts, or write its name. Choose it again to leave it."
        )
    else:
        question = t._("Choose a region to get its alerts. Choose it again to leave it.")
    lines = [question]
    if chosen:
        names = ", ".join(sorted(_name(turn, region) for region in chosen))
        if turn.learner.pushes_stopped:  # after STOP: the regions are kept, nothing is sent
            lines.append(t._("Your regions: {regions}", regions=names))
            lines.append(stopped_line(turn))
        else:
            lines.append(t._("You get alerts for: {regions}", regions=names))
    return say("\n".join(lines), *options)


def stopped_line(turn: Turn) -> str:
    """What a screen of alerts or reminders says after STOP: none come until START."""
    return turn.t._(
        "Reminders and alerts are stopped: write {word} to get them again.",
        word=turn.t.main_word("start"),
    )


def topics_prompt(turn: Turn) -> Outbound:
    """The topics, a check on those chosen; none chosen means every topic."""
    t = turn.t
    chosen = repo.alert_topics(turn.session, turn.learner.id)
    options = [
        Option(("✓ " if topic.id in chosen else "") + _topic_name(turn, topic.id), f"t:{topic.id}")
        for topic in turn.catalog.topics[:8]
    ]
    if chosen:
        options.append(Option(t._("Every topic"), "all"))
    options.append(Option(t._("Back to regions"), "back"))
    if chosen:
        names = ", ".join(sorted(_topic_name(turn, topic) for topic in chosen))
        summary = t._("You get alerts about: {topics}", topics=names)
    else:
        summary = t._("You get alerts about every topic.")
    question = t._("Choose a topic to get only alerts about it. Choose it again to leave it.")
    return say(f"{summary}\n{question}", *options)


def on_topic(turn: Turn, option: Option) -> list[Outbound]:
    """Add or remove a topic, go back to every topic, or back to the regions."""
    t = turn.t
    if option.value == "back":
        turn.go("alerts", "regions", page=0)
        return [prompt(turn)]
    if option.value == "all":
        repo.clear_alert_topics(turn.session, turn.learner.id)
        turn.session.flush()
        return [topics_prompt(turn)]
    topic = option.value.removeprefix("t:")
    name = _topic_name(turn, topic)
    if repo.toggle_alert_topic(turn.session, turn.learner.id, topic):
        note = t._("You will get alerts about {topic}.", topic=name)
    else:
        note = t._("No more alerts about {topic}.", topic=name)
    turn.session.flush()
    return [say(note), topics_prompt(turn)]


def on_text(turn: Turn) -> list[Outbound]:
    """A region's name written out (it may be on another page), in any language it has."""
    from dialogs import router  # the router imports every dialog, this one included

    typed = normalize(turn.inbound.text)
    for region in turn.catalog.regions:
        names = {normalize_offered(name) for name in region.name.values()}
        if typed in names | {normalize_offered(region.id.replace("-", " "))}:
            return on_choice(turn, Option(_name(turn, region.id), f"r:{region.id}"))
    return router.reprompt(turn, out_of_range=typed.isdigit())


def on_choice(turn: Turn, option: Option) -> list[Outbound]:
    """Add or remove a region, page on, clear, or leave."""
    t = turn.t
    if option.value == "menu":
        return menu.enter(turn)
    if option.value == "more":
        pages = -(-len(turn.catalog.regions) // PAGE)
        turn.update(page=(turn.state.get("page", 0) + 1) % pages)
        return [prompt(turn)]
    if option.value == "topics":
        turn.go("alerts", "topics")
        return [topics_prompt(turn)]
    if option.value == "none":
        repo.clear_alert_regions(turn.session, turn.learner.id)
        turn.learner.timezone = None
        return [say(t._("You will get no more alerts.")), prompt(turn)]
    region = option.value.removeprefix("r:")
    name = _name(turn, region)
    added = repo.toggle_alert_region(turn.session, turn.learner.id, region)
    if added:
        note = t._("You will get alerts for {region}.", region=name)
    else:
        note = t._("No more alerts for {region}.", region=name)
    turn.session.flush()
    _follow_time_zone(
        turn, repo.alert_regions(turn.session, turn.learner.id), region if added else None
    )
    return [say(note), prompt(turn)]


DIALOG = Dialog(
    name="alerts",
    entry=enter,
    steps={
        "regions": Step(prompt, on_choice, on_text=on_text),
        "topics": Step(topics_prompt, on_topic),
    },
)
