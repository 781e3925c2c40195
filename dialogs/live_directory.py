"""The directory people are answered from: the newest version staff uploaded, else the content
folder's own. Each process builds the lookup index of a version once and keeps it."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session

from lessons.directory.entries import Service
from lessons.directory.places import city_exists, gazetteer
from lessons.directory.search import Directory
from lessons.directory.spreadsheet import from_csv
from lessons.model import Catalog
from storage import directory as rows

log = logging.getLogger(__name__)
_built: dict[tuple[object, ...], Directory] = {}
_lock = threading.Lock()


def _index(key: tuple[object, ...], services: tuple[Service, ...]) -> Directory:
    with _lock:
        if key not in _built:
            if len(_built) > 4:  # older versions are not asked for again
                _built.clear()
            _built[key] = Directory(services, gazetteer())
        return _built[key]


def current_services(session: Session, catalog: Catalog) -> tuple[Service, ...]:
    """The entries of the directory in force (an upload that no longer reads, which the import
    prevents, falls back to the content folder's and is logged)."""
    return current_directory(session, catalog).services


def current_directory(session: Session, catalog: Catalog) -> Directory:
    """The indexed directory in force: one small query to learn which version it is."""
    newest = rows.newest_upload_key(session)
    if newest is None:
        return _index(("catalog", id(catalog)), catalog.services)
    upload_id, _uploaded_at = newest
    key = ("upload", *newest)
    if key in _built:
        return _built[key]
    services, problems = from_csv(
        rows.upload_text(session, upload_id).encode(), f"upload {upload_id}", city_exists
    )
    if problems:
        log.error("directory upload %d does not read (%d problems)", upload_id, len(problems))
        return _index(("catalog", id(catalog)), catalog.services)
    return _index(key, services)
