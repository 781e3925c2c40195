"""The directory of services: every entry by state with its age and the problems people reported,
what people asked for by state, and the spreadsheet to download and upload (editors)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, flash, g, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from bot.directory import export_csv, import_csv
from bot.i18n import Translator
from dashboard import bp
from dashboard.audit import record
from dashboard.roles import can, forbidden, requires
from dialogs.live_directory import current_services
from dialogs.services import KIND_LABELS, PROBLEMS
from lessons.directory.entries import NEEDS, Service
from lessons.directory.places import STATE_IDS
from lessons.directory.spreadsheet import MAX_BYTES
from storage import directory as rows
from webhooks import service

ENGLISH = Translator("en")  # the dashboard's pages are in English
NEED_COLUMNS = (*NEEDS, "any")  # "any": the person named no need
LINES = "National lines"
NO_STATE = "No state given"
NOT_FOUND = "State not found"
# The upload's form (a token, the file's part headers) around the file itself.
FORM_OVERHEAD = 64 * 1024
UPLOAD_ENDPOINT = "dashboard.directory_upload"


@dataclass(frozen=True)
class Entry:
    """One service as the page lists it."""

    service: Service
    kind: str
    checked: str  # "October 2026", or "date not known"
    age: int | None  # days since it was checked; None: no date
    stale: bool
    reports: tuple[tuple[str, str], ...]  # (problem label, count as shown)

    @property
    def reported(self) -> bool:
        """Whether anybody reported a problem with it."""
        return bool(self.reports)


@dataclass(frozen=True)
class Group:
    """The entries of one state (or the national lines), reported and stale ones first."""

    title: str
    entries: tuple[Entry, ...]


def today() -> date:
    """The date entries are aged against: the server's, as the chat's "may be out of date"."""
    return date.today()


def shown(count: int) -> str:
    """A count as the page may show it: never a group of fewer than SENDA_MIN_GROUP people (a
    count of 1 to 4 in a small town could point at someone)."""
    least = service().settings.min_group
    return f"fewer than {least}" if 0 < count < least else str(count)


def entry(found: Service, problems: dict[str, int], stale_days: int, on: date) -> Entry:
    """One service with its age, whether it is stale, and its reports as shown."""
    checked = found.checked_on()
    labels = [
        (problem_label(problem), shown(count))
        for problem, count in sorted(problems.items(), key=_problem_order)
        if count > 0
    ]
    return Entry(
        service=found,
        kind=KIND_LABELS.get(found.kind, found.kind.replace("_", " ")),
        checked="date not known" if checked is None else ENGLISH.month(checked),
        age=found.age_in_days(on),
        stale=found.is_stale(on, stale_days),
        reports=tuple(labels),
    )


def problem_label(problem: str) -> str:
    """A reported problem as the chat offered it to the person ("it was closed")."""
    return PROBLEMS.get(problem, problem.replace("_", " ")).lower()


def _problem_order(item: tuple[str, int]) -> tuple[int, str]:
    # The chat's order of the problems, any other key after them.
    order = list(PROBLEMS)
    return (order.index(item[0]) if item[0] in order else len(order), item[0])


def groups(
    services: Iterable[Service],
    reports: Iterable[tuple[str, str, int]],
    stale_days: int,
    on: date,
) -> list[Group]:
    """The entries by state (by the state's name), then any with no state, then the national
    lines; in each, the reported ones first, then the stale ones (oldest first), then by name."""
    by_service: dict[str, dict[str, int]] = defaultdict(dict)
    for service_id, problem, count in reports:
        by_service[service_id][problem] = count
    by_state: dict[str, list[Entry]] = defaultdict(list)
    for found in services:
        listed = entry(found, by_service.get(found.id, {}), stale_days, on)
        key = found.state or (LINES if found.is_line else NO_STATE)
        by_state[key].append(listed)

    def title(key: str) -> str:
        state = STATE_IDS.get(key)
        return state.name if state is not None else key

    def order(listed: Entry) -> tuple[bool, bool, int, str]:
        # No date sorts as the oldest: it is the first to call and check.
        age = listed.age if listed.age is not None else 1 << 30
        return (not listed.reported, not listed.stale, -age, listed.service.name.casefold())

    keys = sorted((k for k in by_state if k not in (LINES, NO_STATE)), key=title)
    keys += [k for k in (NO_STATE, LINES) if k in by_state]
    return [Group(title(key), tuple(sorted(by_state[key], key=order))) for key in keys]


def ask_table(asks: Iterable[tuple[str, str, int]]) -> list[tuple[str, str, list[str]]]:
    """Rows of (state id, state name, a shown count per NEED_COLUMNS), by state name, the asks
    where no state was found last. No totals: a total beside hidden cells would give them away."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for state, need, count in asks:
        counts[state][need] = counts[state].get(need, 0) + count

    def name(state: str) -> str:
        found = STATE_IDS.get(state)
        return found.name if found is not None else (state or NOT_FOUND)

    states = sorted((s for s in counts if s), key=name) + [s for s in counts if not s]
    return [
        (state, name(state), [shown(counts[state].get(need, 0)) for need in NEED_COLUMNS])
        for state in states
    ]


def _page(problems: Sequence[str] = (), status: int = 200) -> tuple[str, int]:
    """The page, with the problems of a refused upload when there are some."""
    senda = service()
    stale_days = senda.settings.services_stale_days
    with senda.sessions() as db:
        services = current_services(db, senda.catalog)
        upload = rows.newest_upload(db)
        reports = rows.reports(db)
        asks = rows.asks(db)
    known = {found.id for found in services}
    listed = groups(services, reports, stale_days, today())
    # Reports about entries a later upload removed: still worth a look, so not dropped.
    orphans = sorted(
        (service_id, problem_label(problem), shown(count))
        for service_id, problem, count in reports
        if service_id not in known and count > 0
    )
    uploaded_at = None
    if upload is not None:
        zone = senda.settings.timezone
        uploaded_at = f"{upload.uploaded_at.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} ({zone})"
    page = render_template(
        "dashboard/directory.html",
        groups=listed,
        total=len(services),
        stale=sum(e.stale for group in listed for e in group.entries),
        stale_days=stale_days,
        upload=upload,
        uploaded_at=uploaded_at,
        asks=ask_table(asks),
        needs=NEED_COLUMNS,
        fewer=f"fewer than {senda.settings.min_group}",
        min_group=senda.settings.min_group,
        orphans=orphans,
        problems=problems,
        max_mb=MAX_BYTES // (1024 * 1024),
    )
    return page, status


@bp.route("/directory")
def directory() -> Any:
    """The directory in force by state, its reports, and what people asked for."""
    return _page()


@bp.route("/directory.csv")
@requires("editor")
def directory_csv() -> Response:
    """The directory in force as the spreadsheet staff edit and upload again; audited."""
    senda = service()
    text = export_csv(senda)
    with senda.sessions.begin() as db:
        record(db, g.staff.email, "export", "directory.csv")
    # Exactly export_csv's text, no BOM added for Excel: the import reads a BOM anyway, and a
    # file downloaded and uploaded unchanged must give the same bytes when downloaded again.
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=senda-directory.csv"},
    )


@bp.before_app_request
def allow_a_spreadsheet() -> None:
    """Let the upload's body be as large as a spreadsheet may be (the app allows 1 MiB)."""
    # An app-level hook, so that it runs before the blueprint's CSRF check parses the form.
    # A larger body is refused (413) from its Content-Length before a byte of it is read.
    if request.endpoint == UPLOAD_ENDPOINT:
        request.max_content_length = MAX_BYTES + FORM_OVERHEAD


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> Any:
    """A file over the limit: the page with that problem; elsewhere, the plain 413."""
    if request.endpoint != UPLOAD_ENDPOINT or g.get("staff") is None:
        return error
    if not can("editor"):
        return forbidden(error)
    page, _ = _page([f"file is larger than {MAX_BYTES // (1024 * 1024)} MB"])
    return page, 413


@bp.route("/directory/upload", methods=["POST"])
@requires("editor")
def directory_upload() -> Any:
    """Check a spreadsheet and, when every row is right, make it the directory in force."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(["choose a CSV file to upload"], 400)
    # Only the base name, short: it names the file in the problems and the audit log.
    filename = PurePath(upload.filename.replace("\\", "/")).name[:100] or "upload.csv"
    # One byte over the limit is enough for import_csv to say the file is too large.
    data = upload.stream.read(MAX_BYTES + 1)
    senda = service()
    count, problems = import_csv(senda, data, filename, g.staff.email)
    if problems:
        return _page(problems, 400)
    with senda.sessions.begin() as db:
        record(db, g.staff.email, "directory_upload", f"{filename}: {count} services")
    flash(f"The directory now has {count} {'service' if count == 1 else 'services'}.")
    return redirect(url_for("dashboard.directory"))
