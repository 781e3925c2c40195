"""The directory's rows: the uploaded versions of it, and the counts of asks and reports
(numbers only: nothing here links to a person)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import DirectoryAsk, DirectoryReport, DirectoryUpload
from storage.repo import insert_many_ignoring_duplicates


def newest_upload_key(session: Session) -> tuple[int, str] | None:
    """The id and time of the version people are answered from now (None: the content
    folder's): together they tell a version apart even in a database restored or made anew."""
    row = session.execute(
        select(DirectoryUpload.id, DirectoryUpload.uploaded_at)
        .order_by(DirectoryUpload.id.desc())
        .limit(1)
    ).first()
    return (row.id, row.uploaded_at.isoformat()) if row else None


def upload_text(session: Session, upload_id: int) -> str:
    """The CSV text of one uploaded version."""
    return session.scalar(select(DirectoryUpload.csv).where(DirectoryUpload.id == upload_id)) or ""


def newest_upload(session: Session) -> DirectoryUpload | None:
    """The newest uploaded version, with who uploaded it and when."""
    return session.scalar(select(DirectoryUpload).order_by(DirectoryUpload.id.desc()).limit(1))


def add_upload(session: Session, csv_text: str, entries: int, uploaded_by: str) -> int:
    """Keep a checked version of the directory; from now on people are answered from it."""
    upload = DirectoryUpload(csv=csv_text, entries=entries, uploaded_by=uploaded_by)
    session.add(upload)
    session.flush()
    return upload.id


def _count(session: Session, model: type, keys: dict[str, str]) -> None:
    # The row is made once (two processes at once: one insert wins, the other is ignored), then
    # incremented in place, so that concurrent counts add up instead of overwriting each other.
    insert_many_ignoring_duplicates(session, model, [{**keys, "count": 0}])
    condition = [getattr(model, key) == value for key, value in keys.items()]
    session.execute(update(model).where(*condition).values(count=model.count + 1))


def count_ask(session: Session, state: str, need: str | None) -> None:
    """One more ask for a need (or none) in a state."""
    _count(session, DirectoryAsk, {"state": state[:40], "need": need or "any"})


def count_report(session: Session, service_id: str, problem: str) -> None:
    """One more report of a problem with a service."""
    _count(session, DirectoryReport, {"service_id": service_id[:64], "problem": problem})


def asks(session: Session) -> list[tuple[str, str, int]]:
    """Every (state, need, count) counted so far."""
    rows = session.execute(select(DirectoryAsk.state, DirectoryAsk.need, DirectoryAsk.count))
    return [(state, need, count) for state, need, count in rows]


def reports(session: Session) -> list[tuple[str, str, int]]:
    """Every (service id, problem, count) counted so far."""
    rows = session.execute(
        select(DirectoryReport.service_id, DirectoryReport.problem, DirectoryReport.count)
    )
    return [(service_id, problem, count) for service_id, problem, count in rows]
