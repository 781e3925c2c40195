"""The dashboard in a real browser (headless Chromium from Debian, driven by Playwright): sign in,
read the overview, send a broadcast to the fake Telegram API, download a poster and a
certificate, on a 375-pixel-wide phone screen with no horizontal scrolling and nothing in the
console."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from storage import repo
from storage.models import Learner, utcnow
from tests.dashboard_helpers import PASSWORD, add_staff
from tests.fakes.telegram import FakeTelegram
from tests.learners import make_learners
from tests.pdf_helpers import is_a4, page_sizes, pdf_text, qr_codes
from tests.servers import free_port
from tests.telegram_helpers import TOKEN
from webhooks import create_app

CHROMIUM = Path("/usr/bin/chromium")  # the Debian package; Playwright never downloads one here
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def served(app_config, telegram) -> Iterator[tuple[str, object]]:
    """The app on 127.0.0.1 in a thread; its base URL and its service."""
    port = free_port()
    app = create_app(
        {
            **app_config,
            "PUBLIC_URL": f"http://127.0.0.1:{port}",
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
            "TELEGRAM_BOT_USERNAME": "senda_test_bot",
            "SENDA_TELEGRAM_RATE": "0",
            "SENDA_QUIET_HOURS": "0-0",
        }
    )
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", app.extensions["senda"]
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["senda"].close()


@pytest.fixture
def phone() -> Iterator[tuple[Page, list[str]]]:
    """A page in headless Chromium at a phone's size; the console errors it collects."""
    assert CHROMIUM.exists(), "install Debian's chromium: scripts/test does when it is missing"
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            context = browser.new_context(viewport=PHONE)
            page = context.new_page()
            page.on(
                "console",
                lambda m: errors.append(m.text) if m.type in ("error", "warning") else None,
            )
            page.on("pageerror", lambda error: errors.append(str(error)))
            yield page, errors
        finally:
            browser.close()


def fits_the_screen(page: Page) -> bool:
    """No horizontal scrolling at the phone's width."""
    return page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


def test_sign_in_read_and_send_a_broadcast_on_a_phone(served, phone, telegram):
    base, service = served
    page, errors = phone
    add_staff(service, "editor@example.org", "editor")
    addresses = make_learners(service, 3, "telegram", "es", role="migrant")
    make_learners(service, 2, "telegram", "en", role="official", first=10)

    page.goto(base + "/dashboard/overview")
    assert page.url.startswith(base + "/dashboard/login")
    assert fits_the_screen(page)
    page.fill("#email", "editor@example.org")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(base + "/dashboard/overview")
    assert page.inner_text("h1") == "Overview"
    assert "5\nlearners" in page.inner_text(".figures")
    assert page.locator("svg[aria-label='Learners by channel'] rect").count() == 1
    assert fits_the_screen(page)

    for path in ("/dashboard/courses", "/dashboard/broadcasts", "/dashboard/share"):
        page.goto(base + path)
        assert fits_the_screen(page), path

    page.goto(base + "/dashboard/broadcasts/new")
    assert fits_the_screen(page)
    page.fill("#text_es", "Aviso: el albergue abre a las 18:00.")
    page.check("input[name=roles][value=migrant]")
    page.click("button:has-text('Preview audience')")
    assert "would reach 3 people" in page.inner_text("#audience")
    assert page.input_value("#text_es") == "Aviso: el albergue abre a las 18:00."
    page.click("button:has-text('Send')")
    page.wait_for_url(f"{base}/dashboard/broadcasts/*")
    assert "queued for 3 people" in page.inner_text(".flash")
    assert fits_the_screen(page)

    # A worker picks up the job the page queued.
    queue = service.jobs.queue
    while (task := queue.dequeue()) is not None:
        queue.execute(task)
    page.reload()
    assert page.inner_text("[data-count=sent]") == "3"
    assert page.inner_text("#state") == "done"
    sent = {str(c.params["chat_id"]): c.params["text"] for c in telegram.calls_to("sendMessage")}
    assert sent == dict.fromkeys(addresses, "Aviso: el albergue abre a las 18:00.")

    page.click("button:has-text('Sign out')")
    page.wait_for_url(base + "/dashboard/login")
    assert errors == []


def test_every_page_of_an_admin_fits_a_phone_screen(served, phone):
    base, service = served
    page, errors = phone
    add_staff(service, "admin@example.org", "admin")
    add_staff(service, "a.rather.long.email.address@organisation.example.org", "viewer")
    make_learners(service, 4, "telegram", "es")
    page.goto(base + "/dashboard/login")
    page.fill("#email", "admin@example.org")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(base + "/dashboard/overview")
    page.goto(base + "/dashboard/share")
    page.fill("#name", "Casa del Migrante de Tapachula")
    page.fill("#code", "casa-tapachula")
    page.click("button:has-text('Add')")
    assert "casa-tapachula" in page.inner_text(".flash")
    for path in (
        "/dashboard/overview",
        "/dashboard/courses",
        "/dashboard/broadcasts",
        "/dashboard/broadcasts/new",
        "/dashboard/share?org=casa-tapachula",
        "/dashboard/accounts",
        "/dashboard/audit",
    ):
        page.goto(base + path)
        assert page.locator("h1").count() == 1, path
        assert fits_the_screen(page), path
    assert errors == []


def download(page: Page, link_text: str) -> bytes:
    """Click a link that serves a file and return the file the browser saved."""
    with page.expect_download() as event:
        page.click(f"a:has-text('{link_text}')")
    return Path(event.value.path()).read_bytes()


def test_download_a_poster_and_a_certificate(served, phone):
    base, service = served
    page, errors = phone
    add_staff(service, "editor@example.org", "editor")
    (address,) = make_learners(service, 1, "telegram", "es", role="official")
    with service.sessions.begin() as session:
        learner_id = session.scalar(select(Learner.id))
        code = repo.issue_certificate(
            session,
            learner_id=learner_id,
            course_id=service.catalog.courses[0].id,
            name="Ana Pérez",
            language="es",
            score=90,
            passed_at=utcnow(),
        ).code
    page.goto(base + "/dashboard/login")
    page.fill("#email", "editor@example.org")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(base + "/dashboard/overview")

    page.goto(base + "/dashboard/share")
    poster = download(page, "Poster to print")
    assert all(is_a4(size) for size in page_sizes(poster))
    assert any(link.startswith("https://t.me/senda_test_bot?start=") for link in qr_codes(poster))

    # The certificate is public by its code: the link the official got in the chat. It opens
    # in the browser's viewer (inline), so it is fetched with the browser's own network stack.
    answer = page.request.get(f"{base}/certificates/{code}.pdf")
    assert answer.ok and answer.headers["content-type"] == "application/pdf"
    certificate = answer.body()
    assert "Ana Pérez" in pdf_text(certificate) and code in pdf_text(certificate)
    (verify_url,) = qr_codes(certificate)
    assert verify_url == f"{base}/verify/{code}"
    page.goto(verify_url)
    shown = page.inner_text("body")
    assert "Ana Pérez" in shown and code in shown
    assert address not in shown
    assert errors == []
