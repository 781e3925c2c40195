"""The course page's before/after table and an organisation's own page in headless Chromium
at a phone's width: figures for a group large enough, "fewer than 5" for a small one."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from storage.models import Organisation, utcnow
from tests.dashboard_helpers import PASSWORD, add_staff
from tests.test_dashboard_browser import fits_the_screen, phone, served, telegram  # noqa: F401
from tests.test_learning_evidence import EVIDENCE_CATALOG, seed_cohort


@pytest.fixture
def app_config(app_config: dict[str, str]) -> dict[str, str]:
    return {**app_config, "SENDA_CATALOG": str(EVIDENCE_CATALOG)}


def sign_in(page: Page, base: str, service) -> None:
    add_staff(service, "viewer@example.org", "viewer")
    page.goto(base + "/dashboard/login")
    page.fill("#email", "viewer@example.org")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(base + "/dashboard/overview")


def cells(page: Page, row: str) -> list[str]:
    return [text.strip() for text in page.locator(f"{row} td").all_inner_texts()]


def test_the_course_page_shows_before_and_after_on_a_phone(served, phone):  # noqa: F811
    base, service = served
    page, errors = phone
    seed_cohort(service, 6, first=0)
    seed_cohort(service, 2, first=100, after=False, rating=None)
    sign_in(page, base, service)
    page.goto(base + "/dashboard/courses")
    table = "table.before-after[data-course=evidence]"
    assert page.locator(table).is_visible()
    assert cells(page, f"{table} tr[data-question=colour]")[1:] == ["100%", "100%", "0 points", "6"]
    assert cells(page, f"{table} tr[data-question=legs]")[1:] == [
        "0%",
        "100%",
        "+100 points",
        "6",
    ]
    assert cells(page, f"{table} tr[data-question=all]")[1:] == ["33%", "100%", "+67 points", "6"]
    ratings = cells(page, "table.ratings tr[data-module=first]")
    assert ratings[2] == "1: 0; 2: 0; 3: 0; 4: 6; 5: 0 (6 answers)"
    assert fits_the_screen(page)
    assert errors == []


def test_an_organisation_page_shows_a_small_group_as_fewer_than_5(served, phone):  # noqa: F811
    base, service = served
    page, errors = phone
    with service.sessions.begin() as session:
        session.add(Organisation(name="Casa pequeña", code="casa", created_at=utcnow()))
        session.add(Organisation(name="Instituto grande", code="instituto", created_at=utcnow()))
    seed_cohort(service, 2, first=0, referral="casa")
    seed_cohort(service, 7, first=100, referral="instituto", right_before=("colour", "legs"))
    seed_cohort(service, 5, first=200)  # nobody's: on no organisation's page
    sign_in(page, base, service)

    page.goto(base + "/dashboard/share")
    page.click("a:has-text('Casa pequeña')")
    page.wait_for_url(base + "/dashboard/organisations/casa")
    assert page.inner_text("h1") == "Casa pequeña"
    for figure in ("enrolled", "completed", "certificates"):
        assert page.inner_text(f"[data-figure={figure}]") == "fewer than 5"
    assert cells(page, "table.before-after tr[data-question=all]")[1:] == [
        "–",
        "–",
        "–",
        "fewer than 5",
    ]
    assert cells(page, "table.ratings tr[data-module=first]")[2] == "fewer than 5 answers"
    assert fits_the_screen(page)

    page.goto(base + "/dashboard/organisations/instituto")
    for figure in ("enrolled", "completed", "certificates"):
        assert page.inner_text(f"[data-figure={figure}]") == "7"
    assert cells(page, "table.before-after tr[data-question=all]")[1:] == [
        "67%",
        "100%",
        "+33 points",
        "7",
    ]
    assert "4: 7" in cells(page, "table.ratings tr[data-module=first]")[2]
    assert fits_the_screen(page)
    assert page.goto(base + "/dashboard/organisations/nobody").status == 404
    assert [e for e in errors if "404" not in e] == []
