"""The running service: settings, database, content and engine, built once per process."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine as DatabaseEngine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.engine import Engine
from dialogs.base import ServiceInfo
from lessons.loader import load_catalog
from lessons.model import Catalog
from storage import migrate
from storage.crypto import AddressCipher
from storage.db import make_engine, make_session_factory

log = logging.getLogger(__name__)


@dataclass
class Service:
    """Everything a request, a command or a job needs."""

    settings: Settings
    database: DatabaseEngine
    sessions: sessionmaker[Session]
    catalog: Catalog
    cipher: AddressCipher
    engine: Engine


def build_service(settings: Settings, migrate_database: bool = True) -> Service:
    """Connect to the database (migrating it to the newest schema) and load the content."""
    catalog = load_catalog(settings.catalog_path)
    database = make_engine(settings.database_url)
    if migrate_database:
        migrate.upgrade(database)
    sessions = make_session_factory(database)
    cipher = AddressCipher(settings.data_key)
    info = ServiceInfo(operator_name=settings.operator_name, retention_days=settings.retention_days)
    engine = Engine(sessions=sessions, catalog=catalog, cipher=cipher, service=info)
    return Service(settings, database, sessions, catalog, cipher, engine)
