"""The help desk on the overview: requests, time to a first answer (median, 90th percentile),
the share answered within the promise, by topic; and no group smaller than SENDA_MIN_GROUP."""

from __future__ import annotations

import re
from datetime import timedelta

from dashboard.desk_numbers import desk_numbers
from storage.models import HelpdeskConversation, Learner, utcnow
from tests.dashboard_helpers import signed_in


def _requests(service, waits: dict[str, list[int | None]]) -> None:
    """Conversations opened an hour ago, first answered after so many minutes (None: not)."""
    opened = utcnow() - timedelta(hours=1)
    with service.sessions.begin() as session:
        for n, (topic, minutes) in enumerate(
            (topic, m) for topic, found in waits.items() for m in found
        ):
            learner = Learner(
                channel="telegram",
                address_hash=f"{n:064x}",
                address_encrypted=b"x",
                language="es",
            )
            session.add(learner)
            session.flush()
            answered = None if minutes is None else opened + timedelta(minutes=minutes)
            session.add(
                HelpdeskConversation(
                    learner_id=learner.id,
                    topic=topic,
                    urgent=topic == "violence",
                    language="es",
                    channel="telegram",
                    opened_at=opened,
                    last_message_at=opened,
                    first_answer_at=answered,
                )
            )


def test_times_to_a_first_answer_by_topic(service):
    _requests(service, {"asylum": [10, 20, 30, 40, 50, None], "health": [5, 60]})
    with service.sessions() as session:
        found = desk_numbers(session, utcnow(), "America/Mexico_City", target_minutes=30)
    asylum = next(f for f in found.by_topic if f.name == "asylum")
    assert (asylum.requests, asylum.answered) == (6, 5)
    assert asylum.median_minutes == 30
    assert asylum.p90_minutes == 46  # inclusive percentiles of 10..50
    assert asylum.within_target == 3 / 5
    assert found.overall.requests == 8 and found.overall.answered == 7
    # An hour ago may be last week (just after midnight on a Monday): the weeks shown hold all 8.
    assert sum(count for _start, count in found.by_week) == 8


def test_the_overview_shows_the_desk_without_groups_under_five(app, service):
    _requests(service, {"asylum": [10, 20, 30, 40, 50, None], "health": [5, 60]})
    page = signed_in(app, "viewer").get("/dashboard/overview").get_data(as_text=True)
    table = page[page.index('<table id="desk">') :]
    rows = re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td>", table)
    assert ("all topics", "8") in rows and ("asylum", "6") in rows
    assert not any(name == "health" for name, _count in rows)  # 2 requests: not on its own
    assert "1 topic(s) with fewer than 5 requests are not shown on their own." in page
    assert "Within 30 min" in page and "60%" in table


def test_fewer_than_five_requests_in_all_are_not_broken_down(app, service):
    _requests(service, {"violence": [3, None]})
    page = signed_in(app, "viewer").get("/dashboard/overview").get_data(as_text=True)
    assert "Fewer than 5 requests in these weeks: nothing is broken down." in page
    assert '<table id="desk">' not in page
