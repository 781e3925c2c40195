"""Alembic migrations, run from code: `senda db upgrade` and the first use of a new database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any constant: the advisory lock that keeps two processes from migrating at once on PostgreSQL.
_MIGRATION_LOCK_ID = 7_361_920_001


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration pointing at the project's migrations and this engine."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


def is_up_to_date(engine: Engine) -> bool:
    """Whether the database is at the newest schema."""
    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current == heads


def upgrade(engine: Engine) -> None:
    """Migrate the database to the newest schema (safe to run from several processes)."""
    if is_up_to_date(engine):
        return
    config = alembic_config(engine)
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
            try:
                command.upgrade(config, "head")
            finally:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:id)"), {"id": _MIGRATION_LOCK_ID}
                )
                connection.commit()
    else:
        command.upgrade(config, "head")
