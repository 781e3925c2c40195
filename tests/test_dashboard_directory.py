"""The dashboard's directory page: entries by state with their age and reports, what people asked
for (never a count under five), the spreadsheet's download and upload by editors, and the page
in Chromium on a phone."""

from __future__ import annotations

import html
import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

import dashboard.directory
from bot.directory import export_csv
from lessons.directory.spreadsheet import MAX_BYTES
from storage import directory as rows
from storage.models import DirectoryUpload
from tests.dashboard_helpers import PASSWORD, add_staff, audit, csrf_token, signed_in
from tests.test_dashboard_browser import PHONE, fits_the_screen, phone, served, telegram
from webhooks import create_app

# The browser test's fixtures, used here by name (pytest finds them in this module).
__all__ = ["phone", "served", "telegram"]

TODAY = date(2026, 12, 7)  # shelter-a (2026-10) and door-d (2026-06-01) are fresh, legal-b is not
PAGE = "/dashboard/directory"
BAD_PHONE = "962-128-2277"


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Entries age against a fixed date, so that the fixture's dates stay fresh or stale."""
    monkeypatch.setattr(dashboard.directory, "today", lambda: TODAY)


def text_of(page: str) -> str:
    """A page's text with its markup and entities gone, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def row(page: str, service_id: str) -> str:
    """The table row of one service, as markup."""
    found = re.search(rf'<tr id="service-{re.escape(service_id)}">.*?</tr>', page, re.S)
    assert found, f"no row for {service_id}"
    return found.group(0)


def headings(page: str) -> list[str]:
    return re.findall(r"<h2>(.*?)</h2>", page)


def order_of_rows(page: str) -> list[str]:
    return re.findall(r'<tr id="service-([^"]+)">', page)


def ask_cells(page: str, state: str) -> dict[str, str]:
    """The shown counts of one state's row of the asks table, by need."""
    found = re.search(rf'<tr data-state="{re.escape(state)}">(.*?)</tr>', page, re.S)
    assert found, f"no asks row for {state!r}"
    return dict(re.findall(r'data-need="([^"]+)">([^<]*)</td>', found.group(1)))


def upload(client, data: bytes, filename: str = "senda-directory.csv", token: bool = True):
    """Post the upload form with a file, as a browser does."""
    form: dict[str, object] = {"file": (io.BytesIO(data), filename)}
    if token:
        form["csrf_token"] = csrf_token(client, PAGE)
    return client.post(PAGE + "/upload", data=form, content_type="multipart/form-data")


def uploads(service) -> int:
    with service.sessions() as session:
        return session.scalar(select(func.count()).select_from(DirectoryUpload))


def with_row_changed(data: bytes, old: str, new: str) -> bytes:
    """The exported file with one text changed (on line 2: shelter-a)."""
    lines = data.decode().split("\r\n")
    assert old in lines[1]
    lines[1] = lines[1].replace(old, new)
    return "\r\n".join(lines).encode()


def test_a_viewer_sees_the_services_by_state_stale_ones_first(app):
    client = signed_in(app, "viewer")
    answer = client.get(PAGE)
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    shown = text_of(page)
    assert 'href="/dashboard/directory" aria-current="page">Directory</a>' in page
    assert "5 services" in shown and "3 stale or undated" in shown
    assert "In force: bundled content." in shown
    # States by name, the national lines last.
    states = [h for h in headings(page) if h in ("Baja California", "Chiapas", "Tabasco")]
    assert states == ["Baja California", "Chiapas", "Tabasco"]
    assert headings(page).index("National lines") == headings(page).index("Tabasco") + 1
    assert order_of_rows(page) == ["doctor-c", "shelter-a", "legal-b", "door-d", "line-911"]
    legal = text_of(row(page, "legal-b"))
    assert legal == "Asesoría de prueba B Villahermosa January 2019 stale 2897 days – legal aid –"
    shelter = text_of(row(page, "shelter-a"))
    assert shelter == (
        "Albergue de prueba A Tapachula October 2026 67 days – shelter +52 55 1234 5678"
    )
    doctor = row(page, "doctor-c")
    assert "date not known <mark>stale</mark>" in doctor
    assert "<mark>" not in row(page, "door-d") and "189 days" in row(page, "door-d")
    assert "phone line" in row(page, "line-911")
    # A viewer reads only: no spreadsheet to download or upload, and no script anywhere.
    assert "directory.csv" not in page and "/upload" not in page
    assert "<script" not in page


def test_stale_follows_the_setting_of_days(app_config):
    app = create_app({**app_config, "SENDA_SERVICES_STALE_DAYS": "100"})
    try:
        page = signed_in(app, "viewer").get(PAGE).get_data(as_text=True)
    finally:
        app.extensions["senda"].close()
    assert "<mark>stale</mark>" in row(page, "door-d")  # 189 days
    assert "<mark>" not in row(page, "shelter-a")  # 67 days
    assert "4 stale or undated" in text_of(page)
    assert order_of_rows(page).index("legal-b") < order_of_rows(page).index("door-d")


def test_counts_under_five_are_shown_as_fewer_than_five(app, service):
    with service.sessions.begin() as session:
        for state, need, times in (
            ("chiapas", "sleep", 4),
            ("chiapas", "food", 5),
            ("chiapas", None, 1),
            ("tabasco", "legal", 12),
            ("", "doctor", 2),
        ):
            for _ in range(times):
                rows.count_ask(session, state, need)
        for service_id, problem, times in (
            ("door-d", "closed", 4),
            ("door-d", "wrong_phone", 5),
            ("door-d", "turned_away", 1),
            ("shelter-a", "wrong_address", 7),
            ("gone-x", "closed", 3),
        ):
            for _ in range(times):
                rows.count_report(session, service_id, problem)
    page = signed_in(app, "viewer").get(PAGE).get_data(as_text=True)

    assert "What people asked for, by state" in page
    assert ask_cells(page, "chiapas") == {
        "sleep": "fewer than 5",
        "food": "5",
        "doctor": "0",
        "legal": "0",
        "consulate": "0",
        "any": "fewer than 5",
    }
    assert ask_cells(page, "tabasco")["legal"] == "12"
    assert ask_cells(page, "")["doctor"] == "fewer than 5"
    assert "State not found" in page
    asks = page[page.index('<table id="asks">') :]
    assert re.findall(r'<tr data-state="([^"]*)">', asks) == ["chiapas", "tabasco", ""]

    door = text_of(row(page, "door-d"))
    reports = "it was closed: fewer than 5 wrong phone: 5 they did not help me: fewer than 5"
    assert f"189 days {reports} shelter" in door
    assert "67 days wrong address: 7 shelter" in text_of(row(page, "shelter-a"))
    # Reported entries come first in their state, even before a stale one.
    assert order_of_rows(page).index("door-d") < order_of_rows(page).index("legal-b")
    # A report about a service an upload removed is still listed, as small as the others.
    orphans = text_of(page[page.index("Reports about services no longer listed") :])
    assert orphans.startswith("Reports about services no longer listed")
    assert "gone-x it was closed fewer than 5" in orphans
    # No raw count under five anywhere in the page's text.
    for small in ("1", "2", "3", "4"):
        assert f": {small}" not in text_of(page)


def test_the_smallest_group_shown_follows_senda_min_group(app_config):
    app = create_app({**app_config, "SENDA_MIN_GROUP": "10"})
    service = app.extensions["senda"]
    try:
        with service.sessions.begin() as session:
            for _ in range(7):
                rows.count_ask(session, "chiapas", "food")
            for _ in range(10):
                rows.count_ask(session, "chiapas", "sleep")
        page = signed_in(app, "viewer").get(PAGE).get_data(as_text=True)
    finally:
        service.close()
    assert ask_cells(page, "chiapas")["food"] == "fewer than 10"
    assert ask_cells(page, "chiapas")["sleep"] == "10"


def test_a_viewer_can_neither_download_nor_upload(app, service):
    data = export_csv(service).encode()
    client = signed_in(app, "viewer")
    assert client.get(PAGE + ".csv").status_code == 403
    assert upload(client, data).status_code == 403
    assert upload(client, b"x" * (6 * 1024 * 1024)).status_code == 403
    assert uploads(service) == 0
    assert [a for a in audit(service) if a[1] in ("export", "directory_upload")] == []


def test_an_editor_downloads_uploads_it_back_and_downloads_the_same_bytes(app, service):
    client = signed_in(app, "editor")
    page = client.get(PAGE).get_data(as_text=True)
    assert 'href="/dashboard/directory.csv"' in page
    assert 'enctype="multipart/form-data"' in page and 'name="csrf_token"' in page
    first = client.get(PAGE + ".csv")
    assert first.status_code == 200 and first.mimetype == "text/csv"
    assert first.headers["Content-Disposition"] == "attachment; filename=senda-directory.csv"
    assert first.data == export_csv(service).encode()  # export_csv's bytes exactly, no BOM
    assert first.data.startswith(b"id,kinds,name,")
    assert audit(service)[-1] == ("editor@example.org", "export", "directory.csv")

    answer = upload(client, first.data)
    assert answer.status_code == 302 and answer.location == PAGE
    page = client.get(PAGE).get_data(as_text=True)
    shown = text_of(page)
    assert "The directory now has 5 services." in shown
    assert re.search(
        r"In force: uploaded \d{4}-\d\d-\d\d \d\d:\d\d \(America/Mexico_City\) "
        r"by editor@example\.org, 5 services\.",
        shown,
    )
    assert "bundled content" not in shown
    assert order_of_rows(page) == ["doctor-c", "shelter-a", "legal-b", "door-d", "line-911"]
    assert audit(service)[-1] == (
        "editor@example.org",
        "directory_upload",
        "senda-directory.csv: 5 services",
    )
    with service.sessions() as session:
        newest = rows.newest_upload(session)
        assert (newest.uploaded_by, newest.entries) == ("editor@example.org", 5)

    second = client.get(PAGE + ".csv")
    assert second.data == first.data


def test_an_uploaded_change_is_what_the_page_shows(app, service):
    client = signed_in(app, "editor")
    data = with_row_changed(export_csv(service).encode(), "Albergue de prueba A", "Casa Nueva")
    assert upload(client, data).status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert "Casa Nueva" in row(page, "shelter-a") and "Albergue de prueba A" not in page


def test_a_bad_row_is_named_by_its_line_and_nothing_changes(app, service):
    client = signed_in(app, "editor")
    data = export_csv(service).encode()
    bad = with_row_changed(data, "+52 55 1234 5678", BAD_PHONE)
    bad = bad.replace(b"legal-b,legal; asylum", b"legal-b,lawyer")
    answer = upload(client, bad, "mine.csv")
    assert answer.status_code == 400
    shown = text_of(answer.get_data(as_text=True))
    assert "Nothing was changed: the file has 2 problems." in shown
    assert f"mine.csv:2: phone '{BAD_PHONE}' must be written '+52 962 128 2277'" in shown
    assert "mine.csv:3: kind 'lawyer'" in shown
    assert "In force: bundled content." in shown
    assert uploads(service) == 0
    assert client.get(PAGE + ".csv").data == data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda data: data.replace(b",", b";"),
            "upload.csv:1: the file must be comma-separated; this one uses ';'",
        ),
        (
            lambda data: re.sub(rb"(?m)^([^,\r\n]*,[^,\r\n]*),[^,\r\n]*", rb"\1", data),
            "upload.csv:1: missing column 'name'",
        ),
        (lambda data: b"", "upload.csv:1: file is empty"),
        (
            lambda data: "é".encode("latin-1") + data,
            "upload.csv:1: file is not UTF-8",
        ),
    ],
    ids=["semicolons", "missing-column", "empty", "latin-1"],
)
def test_a_file_that_cannot_be_read_says_why(app, service, change, message):
    client = signed_in(app, "editor")
    answer = upload(client, change(export_csv(service).encode()), "upload.csv")
    assert answer.status_code == 400
    assert message in text_of(answer.get_data(as_text=True))
    assert uploads(service) == 0


def test_a_file_over_5_mb_is_refused_unread(app, service):
    client = signed_in(app, "editor")
    answer = upload(client, b"id,kinds,name,source\r\n" + b"x" * (6 * 1024 * 1024))
    assert answer.status_code == 413
    shown = text_of(answer.get_data(as_text=True))
    assert "file is larger than 5 MB" in shown and "In force: bundled content." in shown
    assert 'type="file"' in answer.get_data(as_text=True)  # the form, to try again
    assert uploads(service) == 0


def test_a_file_one_byte_over_5_mb_is_refused_by_the_check(app, service):
    # Within the form's allowance, so it reaches the view, which reads one byte past the limit.
    client = signed_in(app, "editor")
    answer = upload(client, b"x" * (MAX_BYTES + 1), "big.csv")
    assert answer.status_code == 400
    assert "big.csv:1: file is larger than 5 MB" in text_of(answer.get_data(as_text=True))
    assert uploads(service) == 0


def test_a_2_mb_spreadsheet_passes_the_app_s_1_mib_limit_on_bodies(app, service):
    client = signed_in(app, "editor")
    data = export_csv(service).encode() + b"\r\n" * (1024 * 1024)  # blank rows are skipped
    answer = upload(client, data)
    assert answer.status_code == 302
    assert uploads(service) == 1


def test_an_upload_without_a_file_or_the_form_token_changes_nothing(app, service):
    client = signed_in(app, "editor")
    token = csrf_token(client, PAGE)
    empty = client.post(
        PAGE + "/upload", data={"csrf_token": token}, content_type="multipart/form-data"
    )
    assert empty.status_code == 400
    assert "choose a CSV file to upload" in empty.get_data(as_text=True)
    assert upload(client, export_csv(service).encode(), token=False).status_code == 400
    assert uploads(service) == 0


def test_the_page_on_a_phone_and_an_upload_through_the_form(served, phone):
    base, service = served
    page, errors = phone
    add_staff(service, "editor@example.org", "editor")
    page.goto(base + "/dashboard/login")
    page.fill("#email", "editor@example.org")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(base + "/dashboard/overview")

    page.goto(base + PAGE)
    assert page.inner_text("h1") == "Directory"
    assert page.evaluate("document.body.scrollWidth") <= PHONE["width"]
    assert fits_the_screen(page)
    name = page.locator("#service-legal-b td").first
    marker = page.locator("#service-legal-b mark")
    for seen in (name, marker):
        seen.scroll_into_view_if_needed()  # the table scrolls inside its own box
        assert seen.is_visible()
        box = seen.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert name.inner_text() == "Asesoría de prueba B" and marker.inner_text() == "stale"
    assert page.locator("#service-door-d mark").count() == 0

    data = with_row_changed(export_csv(service).encode(), "Albergue de prueba A", "Casa Nueva")
    page.set_input_files(
        "#file", files=[{"name": "directorio.csv", "mimeType": "text/csv", "buffer": data}]
    )
    page.click("button:has-text('Upload')")
    page.wait_for_url(base + PAGE)
    assert page.inner_text(".flash") == "The directory now has 5 services."
    assert "by editor@example.org, 5 services" in page.inner_text("#version")
    assert page.inner_text("#service-shelter-a td >> nth=0") == "Casa Nueva"
    assert page.evaluate("document.body.scrollWidth") <= PHONE["width"]
    assert fits_the_screen(page)
    assert errors == []
