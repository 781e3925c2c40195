"""Storage: encrypted addresses, one-time processing, concurrent messages, migrations."""

from __future__ import annotations

import logging
import threading

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import delete, select, text

from bot.messages import Inbound
from storage import repo
from storage.models import Base, Learner, ModuleProgress, ProcessedMessage
from tests.conftest import Person

ADDRESS = "+5215511112222"


def _dump(service) -> str:
    """Every value in every table, as text: what a stolen database would show."""
    with service.database.connect() as connection:
        rows = [
            repr(tuple(row))
            for table in Base.metadata.sorted_tables
            for row in connection.execute(select(table))
        ]
    return "\n".join(rows)


def test_the_address_is_stored_encrypted_and_found_by_keyed_hash(engine, service, caplog):
    caplog.set_level(logging.DEBUG)
    person = Person(engine, ADDRESS)
    person.says("hola")
    person.says("2")
    assert ADDRESS not in _dump(service)
    assert ADDRESS.lstrip("+") not in _dump(service)
    with service.sessions() as session:
        learner = session.scalars(select(Learner)).one()
        assert service.cipher.decrypt(learner.address_encrypted) == ADDRESS
        assert learner.address_hash == service.cipher.lookup_hash("console", ADDRESS)
        assert learner.language == "en"
    assert ADDRESS.lstrip("+") not in caplog.text


def test_a_console_user_is_an_address_like_any_other(engine, service):
    Person(engine, "ana").says("hola")
    assert "'ana'" not in _dump(service)


def test_before_consent_only_the_language_is_kept(engine, service):
    person = Person(engine, ADDRESS)
    person.says("hola")
    person.says("3")  # Français: consent not given yet
    with service.sessions() as session:
        learner = session.scalars(select(Learner)).one()
        assert (learner.language, learner.role, learner.consented_at) == ("fr", None, None)


def test_a_message_id_is_processed_once(engine, service):
    first = engine.handle(Inbound("telegram", "42", "hola", message_id="1001"))
    again = engine.handle(Inbound("telegram", "42", "hola", message_id="1001"))
    assert first and again == []
    with service.sessions() as session:
        assert session.query(ProcessedMessage).count() == 1


def test_two_messages_of_one_person_at_once_do_not_corrupt_their_state(engine, service):
    person = Person(engine, ADDRESS)
    for reply in ("hola", "2", "1", "1", "1", "1"):  # onto the first card of a module
        person.says(reply)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def next_card() -> None:
        try:
            barrier.wait()
            engine.handle(Inbound("console", ADDRESS, "next"))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=next_card) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with service.sessions() as session:
        assert session.scalars(select(ModuleProgress.card_index)).one() == 2
        assert session.query(Learner).count() == 1


def test_two_first_messages_at_once_make_one_learner(engine, service):
    barrier = threading.Barrier(4)

    def hello(number: int) -> None:
        barrier.wait()
        engine.handle(Inbound("console", ADDRESS, "hola", message_id=f"m{number}"))

    threads = [threading.Thread(target=hello, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    with service.sessions() as session:
        assert session.query(Learner).count() == 1


def test_the_migrations_match_the_models(service):
    with service.database.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, Base.metadata) == []
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def test_progress_rows_come_newest_first_with_what_the_transaction_changed(engine, service):
    engine.handle(Inbound("telegram", "42", "hola"))
    with service.sessions.begin() as session:
        learner = session.scalars(select(Learner)).one()
        assert repo.course_progress(session, learner.id) == []
        first = repo.module_progress(session, learner.id, "c1", "m1")
        second = repo.module_progress(session, learner.id, "c2", "m1")
        assert repo.course_progress(session, learner.id) == [second, first]
        assert repo.course_progress(session, learner.id, "c1") == [first]

        first.card_index = 3  # changed in the session, not yet written: newest first after it
        assert repo.course_progress(session, learner.id) == [first, second]
        session.execute(delete(ModuleProgress).where(ModuleProgress.course_id == "c2"))
        assert repo.course_progress(session, learner.id) == [first]
