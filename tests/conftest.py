"""Fixtures: a fresh database per test (SQLite, or PostgreSQL with TEST_DATABASE_URL), the app,
and a conversation helper that talks to the engine as a person would."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select, text

from bot.channels import console
from bot.engine import Engine as ChatEngine
from bot.messages import Inbound, Outbound
from bot.service import Service
from storage import migrate
from storage.db import make_engine
from storage.models import Base, Learner
from webhooks import create_app

TEST_DATA_KEY = Fernet.generate_key().decode()
TEST_HELPDESK_KEY = Fernet.generate_key().decode()
TEST_CATALOG = Path(__file__).resolve().parent / "catalog"
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
# With PostgreSQL, jobs and rate limits run on Redis when TEST_REDIS_URL is set (as in CI).
REDIS_URL = os.environ.get("TEST_REDIS_URL", "").strip() if POSTGRES_URL else ""


def _reset_postgres(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def _migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database at the newest schema, made once per run: a file to copy, or PostgreSQL."""
    if POSTGRES_URL:
        engine = make_engine(POSTGRES_URL)
        _reset_postgres(engine)
        migrate.upgrade(engine)
        engine.dispose()
        yield POSTGRES_URL
        return
    template = tmp_path_factory.mktemp("template") / "senda.db"
    engine = make_engine(f"sqlite:///{template}")
    migrate.upgrade(engine)
    engine.dispose()
    yield str(template)


@pytest.fixture
def database_url(_migrated_database: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty, migrated database for one test."""
    if POSTGRES_URL:
        engine = make_engine(POSTGRES_URL)
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        yield POSTGRES_URL
        return
    target = tmp_path / "senda.db"
    shutil.copyfile(_migrated_database, target)
    yield f"sqlite:///{target}"


@pytest.fixture
def redis_url() -> str:
    """An empty Redis database for jobs and rate limits, or "" to use SQLite and memory."""
    if REDIS_URL:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
    return REDIS_URL


@pytest.fixture
def app_config(database_url: str, redis_url: str, tmp_path: Path) -> dict[str, str]:
    """Environment-style settings for a test app."""
    return {
        "REDIS_URL": redis_url,
        "DATABASE_URL": database_url,
        "SENDA_INSTANCE": str(tmp_path / "instance"),
        "SENDA_DATA_KEY": TEST_DATA_KEY,
        "SENDA_HELPDESK_KEY": TEST_HELPDESK_KEY,
        "SECRET_KEY": "test-secret",
        "SENDA_CATALOG": str(TEST_CATALOG),
    }


@pytest.fixture
def app(app_config: dict[str, str]):
    """The web app on a fresh database."""
    app = create_app(app_config)
    app.config["TESTING"] = True
    yield app
    app.extensions["senda"].close()


@pytest.fixture
def service(app) -> Service:
    """The running service behind the app."""
    return app.extensions["senda"]


@pytest.fixture
def engine(service: Service) -> ChatEngine:
    """The chat engine."""
    return service.engine


def render(messages: list[Outbound]) -> str:
    """Replies as a person reads them in the console."""
    return "\n\n".join(console.render_text(m) for m in messages)


class Person:
    """Someone writing to Senda on the console channel."""

    def __init__(self, engine: ChatEngine, address: str = "+5215512345678") -> None:
        self.engine = engine
        self.address = address
        self.last: list[Outbound] = []

    def learner_id(self, service: Service) -> int | None:
        """This person's learner id, found by the keyed hash of their address."""
        wanted = service.cipher.lookup_hash(console.CHANNEL, self.address)
        with service.sessions() as session:
            return session.scalar(select(Learner.id).where(Learner.address_hash == wanted))

    def says(self, text: str, **inbound: object) -> str:
        """Send a message; the replies as one text."""
        self.last = self.engine.handle(
            Inbound(channel="console", address=self.address, text=text, **inbound)
        )
        return render(self.last)

    @property
    def options(self) -> list[str]:
        """The option labels of the last reply."""
        return [o.label for m in self.last for o in m.options]

    def number_of(self, *labels: str) -> str:
        """What to write to choose the options with these labels in the last reply, as it
        shows them (quiz options come in an order of each attempt's own): "2", or "1 3"."""
        shown = self.options
        missing = [label for label in labels if label not in shown]
        assert not missing, f"no option {missing} in the last reply: {shown}"
        return " ".join(str(shown.index(label) + 1) for label in labels)


def pick(*labels: str) -> Callable[[Person], str]:
    """In a transcript, in place of what the person writes: the number of the option (or the
    numbers of the options) with these labels, wherever the last reply showed them."""
    return lambda person: person.number_of(*labels)


Writes = str | Callable[[Person], str]


def run_transcript(person: Person, transcript: list[tuple[Writes, str | list[str]]]) -> None:
    """Play (what the person writes, what Senda's answer must contain) pairs, in order."""
    for number, (written, expected) in enumerate(transcript, 1):
        writes = written(person) if callable(written) else written
        answer = person.says(writes)
        for fragment in [expected] if isinstance(expected, str) else expected:
            assert fragment.casefold() in answer.casefold(), (
                f"step {number}: after {writes!r} expected {fragment!r} in:\n{answer}"
            )


@pytest.fixture
def corpus() -> Path:
    """Moodle's GIFT and Aiken fixtures (shared/corpus/moodle-gift); skipped, saying why, where
    they are absent."""
    from tests.moodle_corpus import CORPUS

    if CORPUS is None:
        pytest.skip("Moodle fixtures not found: set SENDA_CORPUS or lay shared/corpus/moodle-gift/")
    return CORPUS
