"""The directory as a spreadsheet for staff: the one path the command line and the dashboard's
upload share (checked whole; nothing stored unless every row is right)."""

from __future__ import annotations

from bot.service import Service
from dialogs.live_directory import current_services
from lessons.directory.places import city_exists
from lessons.directory.spreadsheet import from_csv, to_csv
from storage import directory as rows


def export_csv(service: Service) -> str:
    """The directory in force as CSV (UTF-8 text with a header row)."""
    with service.sessions() as session:
        return to_csv(current_services(session, service.catalog))


def import_csv(
    service: Service, data: bytes, filename: str, uploaded_by: str
) -> tuple[int, list[str]]:
    """Check a spreadsheet and, when every row is right, make it the directory in force: the
    number of services and no problems; else 0 and every problem as `file:line: message`."""
    services, problems = from_csv(data, filename, city_exists)
    if problems:
        return 0, problems
    if not services:
        return 0, [f"{filename}:1: the file has no services"]
    with service.sessions.begin() as session:
        rows.add_upload(session, to_csv(services), len(services), uploaded_by)
    return len(services), []
