"""Repository functions: every query the engine and dialogs make, in one place."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from storage.crypto import AddressCipher
from storage.models import (
    AlertSubscription,
    AlertTopic,
    Certificate,
    ChatMessageId,
    Enrolment,
    Learner,
    LearnerComment,
    LearningRecord,
    ModuleProgress,
    ModuleRating,
    OutboxMessage,
    PretestAnswer,
    ProcessedMessage,
    QuizAnswer,
    QuizAttempt,
    ReviewItem,
    utcnow,
)

_INSERTS_IGNORING_DUPLICATES: dict[tuple[str, type, tuple[str, ...]], Insert] = {}


def _insert_ignoring_duplicates(session: Session, model: type, values: dict) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING; True when the row was new."""
    dialect = session.get_bind().dialect.name
    key = (dialect, model, tuple(values))
    statement = _INSERTS_IGNORING_DUPLICATES.get(key)
    if statement is None:
        # Built once with bound parameters: on every message, building it anew and passing it
        # through the ORM cost more than the round trip to the database.
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        columns = {name: bindparam(name) for name in values}
        statement = insert(model).values(columns).on_conflict_do_nothing().returning(model.id)
        _INSERTS_IGNORING_DUPLICATES[key] = statement
    return session.connection().execute(statement, values).first() is not None


def insert_many_ignoring_duplicates(session: Session, model: type, rows: list[dict]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING for many rows: two workers adding the same rows at
    once both succeed, and each row is there once."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(model).on_conflict_do_nothing(), rows)


def claim_message(session: Session, channel: str, message_id: str) -> bool:
    """Record an inbound message id; False when it was already processed (a redelivery)."""
    values = {"channel": channel, "message_id": message_id[:128], "processed_at": utcnow()}
    return _insert_ignoring_duplicates(session, ProcessedMessage, values)


# Built once: on every message, building a statement anew costs more than running it.
_LEARNER_FOR_UPDATE = (
    select(Learner).where(Learner.address_hash == bindparam("address_hash")).with_for_update()
)


def hold_learner(
    session: Session,
    cipher: AddressCipher,
    channel: str,
    address: str,
    message_id: str | None,
    language: str,
) -> Learner | None:
    """The person who wrote, their row held to the end of the transaction (created if new);
    None when the message id was already processed (a redelivery)."""
    # The id first: a redelivery that comes while the first delivery is answered waits for it
    # here, then finds the id taken and goes no further.
    if message_id is not None and not claim_message(session, channel, message_id):
        return None
    # On PostgreSQL, FOR UPDATE holds the row; SQLite renders no FOR UPDATE, and needs none: its
    # transaction holds the database's one write lock from its start (BEGIN IMMEDIATE).
    found = {"address_hash": cipher.lookup_hash(channel, address)}
    learner = session.scalars(_LEARNER_FOR_UPDATE, found).one_or_none()
    if learner is None:
        _add_learner(session, cipher, found, channel, address, language)
        learner = session.scalars(_LEARNER_FOR_UPDATE, found).one()
    return learner


def _add_learner(
    session: Session, cipher: AddressCipher, found: dict, channel: str, address: str, language: str
) -> None:
    """A person's first message: their row. Two first messages at once: one insert wins, the
    other waits for it and then finds the row."""
    now = utcnow()
    _insert_ignoring_duplicates(
        session,
        Learner,
        {
            "pseudonym": uuid.uuid4().hex,
            "channel": channel,
            "address_hash": found["address_hash"],
            "address_encrypted": cipher.encrypt(address),
            "language": language,
            "pushes_stopped": False,
            "state": {},
            "created_at": now,
            "last_seen_at": now,
        },
    )


_LEARNERS = Learner.__table__
_VISITED = (
    update(_LEARNERS)
    .where(_LEARNERS.c.id == bindparam("learner_id"))
    .values(last_seen_at=bindparam("seen"))
)
_VISITED_AND_MOVED = _VISITED.values(state=bindparam("new_state"))


def record_visit(
    session: Session, learner: Learner, state: dict[str, Any] | None, seen: datetime
) -> None:
    """Write when the person was last seen and, if it moved, their conversation's state, in a
    plain UPDATE: the session's unit of work costs more than the statement. The learner object
    takes the values as written."""
    values = {"learner_id": learner.id, "seen": seen}
    if state is None:
        session.connection().execute(_VISITED, values)
    else:
        session.connection().execute(_VISITED_AND_MOVED, {**values, "new_state": state})
        set_committed_value(learner, "state", state)
    set_committed_value(learner, "last_seen_at", seen)


def find_learner(
    session: Session, cipher: AddressCipher, channel: str, address: str
) -> Learner | None:
    """The learner at this address, if any (read only)."""
    address_hash = cipher.lookup_hash(channel, address)
    return session.scalars(
        select(Learner).where(Learner.address_hash == address_hash)
    ).one_or_none()


def mark_unreachable(session: Session, cipher: AddressCipher, channel: str, address: str) -> None:
    """Note that a person cannot be reached (they blocked the bot, opted out)."""
    learner = find_learner(session, cipher, channel, address)
    if learner is not None and learner.unreachable_at is None:
        learner.unreachable_at = utcnow()


def enrol(session: Session, learner_id: int, course_id: str) -> None:
    """Enrol a learner in a course (once)."""
    _insert_ignoring_duplicates(
        session,
        Enrolment,
        {"learner_id": learner_id, "course_id": course_id, "started_at": utcnow()},
    )


def enrolment(session: Session, learner_id: int, course_id: str) -> Enrolment | None:
    """A learner's enrolment in a course, if any."""
    return session.scalars(
        select(Enrolment).where(
            Enrolment.learner_id == learner_id, Enrolment.course_id == course_id
        )
    ).one_or_none()


def module_progress(
    session: Session, learner_id: int, course_id: str, module_id: str
) -> ModuleProgress:
    """The learner's progress in a module, created at the first card if new."""
    query = select(ModuleProgress).where(
        ModuleProgress.learner_id == learner_id,
        ModuleProgress.course_id == course_id,
        ModuleProgress.module_id == module_id,
    )
    progress = session.scalars(query).one_or_none()
    if progress is None:
        enrol(session, learner_id, course_id)
        progress = ModuleProgress(
            learner_id=learner_id,
            course_id=course_id,
            module_id=module_id,
            card_index=0,
            cards_done=False,
            passed=False,
        )
        session.add(progress)
        session.flush()
    return progress


# Built once: the menu reads it on almost every message, and building it anew cost more than
# running it.
_PROGRESS_ROWS = (
    select(ModuleProgress)
    .where(ModuleProgress.learner_id == bindparam("learner_id"))
    .order_by(ModuleProgress.updated_at.desc(), ModuleProgress.id.desc())
)


def course_progress(
    session: Session, learner_id: int, course_id: str | None = None
) -> list[ModuleProgress]:
    """A learner's progress rows, for one course or all, most recently touched first."""
    rows = session.scalars(_PROGRESS_ROWS, {"learner_id": learner_id})
    return [row for row in rows if course_id is None or row.course_id == course_id]


def mark_module_passed(
    session: Session, row: ModuleProgress, score: int | None, course_module_ids: list[str]
) -> None:
    """Record a passed module; the enrolment is complete when every module is passed."""
    now = utcnow()
    if not row.passed:
        row.passed, row.passed_at = True, now
    if score is not None:
        row.best_score = max(score, row.best_score or 0)
    session.flush()
    passed = set(
        session.scalars(
            select(ModuleProgress.module_id).where(
                ModuleProgress.learner_id == row.learner_id,
                ModuleProgress.course_id == row.course_id,
                ModuleProgress.passed.is_(True),
            )
        )
    )
    if passed >= set(course_module_ids):
        found = enrolment(session, row.learner_id, row.course_id)
        if found is not None and found.completed_at is None:
            found.completed_at = now


def start_attempt(session: Session, learner_id: int, course_id: str, module_id: str) -> QuizAttempt:
    """A new quiz attempt."""
    attempt = QuizAttempt(learner_id=learner_id, course_id=course_id, module_id=module_id)
    session.add(attempt)
    session.flush()
    return attempt


def record_answer(
    session: Session, attempt: QuizAttempt, question_id: str, choice: str, correct: bool
) -> QuizAnswer:
    """Store one answer of a quiz attempt."""
    answer = QuizAnswer(
        attempt_id=attempt.id,
        learner_id=attempt.learner_id,
        question_id=question_id,
        choice=choice,
        correct=correct,
        answered_at=utcnow(),
    )
    session.add(answer)
    session.flush()
    return answer


def attempt_choices(session: Session, attempt_id: int) -> list[tuple[str, str]]:
    """An attempt's answers in the order given: (question id, choice), the whole quiz first,
    then any retry of the missed questions."""
    rows = session.execute(
        select(QuizAnswer.question_id, QuizAnswer.choice)
        .where(QuizAnswer.attempt_id == attempt_id)
        .order_by(QuizAnswer.id)
    )
    return [(question_id, choice) for question_id, choice in rows]


def attempts_to_pass(session: Session, learner_id: int) -> dict[tuple[str, str], int]:
    """For each module a learner has passed by its quiz, (course id, module id): how many whole
    attempts it took, the passing one included (retries of missed questions are not attempts)."""
    rows = session.execute(
        select(QuizAttempt.course_id, QuizAttempt.module_id, QuizAttempt.passed)
        .where(QuizAttempt.learner_id == learner_id, QuizAttempt.finished_at.is_not(None))
        .order_by(QuizAttempt.id)
    )
    taken: dict[tuple[str, str], int] = {}
    passed: dict[tuple[str, str], int] = {}
    for course_id, module_id, success in rows:
        key = (course_id, module_id)
        if key in passed:
            continue
        taken[key] = taken.get(key, 0) + 1
        if success:
            passed[key] = taken[key]
    return passed


def record_pretest_answer(
    session: Session, learner_id: int, course_id: str, question_id: str, phase: str, correct: bool
) -> None:
    """A pre-test answer, before or after the course; the first one a question and phase counts
    (an answer sent twice changes nothing)."""
    _insert_ignoring_duplicates(
        session,
        PretestAnswer,
        {
            "learner_id": learner_id,
            "course_id": course_id,
            "question_id": question_id,
            "phase": phase,
            "correct": correct,
            "answered_on": utcnow().date(),
        },
    )


def pretest_results(
    session: Session, learner_id: int, course_id: str
) -> dict[str, dict[str, bool]]:
    """A learner's pre-test answers in a course: phase -> question id -> right."""
    found: dict[str, dict[str, bool]] = {}
    rows = session.execute(
        select(PretestAnswer.phase, PretestAnswer.question_id, PretestAnswer.correct).where(
            PretestAnswer.learner_id == learner_id, PretestAnswer.course_id == course_id
        )
    )
    for phase, question_id, correct in rows:
        found.setdefault(phase, {})[question_id] = bool(correct)
    return found


def add_rating(
    session: Session,
    *,
    course_id: str,
    module_id: str,
    role: str,
    organisation: str | None,
    scale: str,
    value: int,
) -> None:
    """One more person who gave a module this rating today: a count, linked to nobody, with the
    day and never the moment or the order."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    key = {
        "course_id": course_id,
        "module_id": module_id,
        "role": role,
        "organisation": organisation or "",
        "scale": scale,
        "value": value,
        "rated_on": utcnow().date(),
    }
    statement = insert(ModuleRating).values(**key, count=1)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=list(key), set_={"count": ModuleRating.count + 1}
        )
    )


def add_comment(session: Session, *, course_id: str, module_id: str, role: str, text: str) -> None:
    """A free comment on a module, linked to nobody: the day, never the moment; a random id."""
    session.add(
        LearnerComment(
            id=uuid.uuid4().hex,
            course_id=course_id,
            module_id=module_id,
            role=role,
            text=text[: LearnerComment.text.type.length],
            written_on=utcnow().date(),
        )
    )


def _erase(session: Session, learner_ids: list[int], certificates: bool = True) -> None:
    """Delete the learners and every row linked to them; their certificates too, or, with
    `certificates=False`, left detached (no learner) to keep verifying."""
    if certificates:
        session.execute(delete(Certificate).where(Certificate.learner_id.in_(learner_ids)))
    else:
        session.execute(
            update(Certificate)
            .where(Certificate.learner_id.in_(learner_ids))
            .values(learner_id=None)
        )
    for model in (
        ChatMessageId,
        AlertSubscription,
        AlertTopic,
        PretestAnswer,
        LearningRecord,
        OutboxMessage,
        ReviewItem,
        QuizAnswer,
        QuizAttempt,
        ModuleProgress,
        Enrolment,
    ):
        session.execute(delete(model).where(model.learner_id.in_(learner_ids)))
    session.execute(delete(Learner).where(Learner.id.in_(learner_ids)))


def erase_learner(session: Session, learner: Learner) -> None:
    """Erase everything about a learner at once (answers, progress, enrolments, certificates with
    the name printed on them, the learner)."""
    _erase(session, [learner.id])
    session.expunge(learner)


def purge_inactive(session: Session, seen_before: datetime) -> int:
    """Erase learners not seen since a time (the retention period); returns how many. Their
    certificates stay, detached, holding only what the paper shows (`purge_certificates`
    deletes them when they expire)."""
    ids = list(session.scalars(select(Learner.id).where(Learner.last_seen_at < seen_before)))
    _erase(session, ids, certificates=False)
    return len(ids)


def purge_certificates(session: Session, issued_before: datetime) -> int:
    """Delete the certificates issued before a time (SENDA_CERTIFICATE_YEARS ago): their codes
    stop verifying. Returns how many."""
    result = session.execute(delete(Certificate).where(Certificate.issued_at < issued_before))
    return result.rowcount or 0


def forget_processed_messages(session: Session, before: datetime) -> None:
    """Drop message ids older than any redelivery."""
    session.execute(delete(ProcessedMessage).where(ProcessedMessage.processed_at < before))


def latest_prompt_id(session: Session, learner_id: int) -> str | None:
    """The channel's id of the last message with options sent to a learner."""
    return session.scalars(
        select(OutboxMessage.provider_id)
        .where(
            OutboxMessage.learner_id == learner_id,
            OutboxMessage.provider_id.is_not(None),
            OutboxMessage.has_options.is_(True),
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    ).first()


def alert_regions(session: Session, learner_id: int) -> set[str]:
    """The regions a learner gets alerts for."""
    return set(
        session.scalars(
            select(AlertSubscription.region).where(AlertSubscription.learner_id == learner_id)
        )
    )


def _toggle(session: Session, model: type, learner_id: int, **choice: str) -> bool:
    """Add a learner's choice (a region, a topic), or take it out; True when now chosen."""
    filters = [model.learner_id == learner_id] + [
        getattr(model, name) == value for name, value in choice.items()
    ]
    existing = session.scalars(select(model).where(*filters)).one_or_none()
    if existing is not None:
        session.delete(existing)
        return False
    session.add(model(learner_id=learner_id, created_at=utcnow(), **choice))
    return True


def toggle_alert_region(session: Session, learner_id: int, region: str) -> bool:
    """Subscribe to a region's alerts, or leave them; True when now subscribed."""
    return _toggle(session, AlertSubscription, learner_id, region=region)


def clear_alert_regions(session: Session, learner_id: int) -> None:
    """Leave every region's alerts (and forget the topics chosen for them)."""
    session.execute(delete(AlertSubscription).where(AlertSubscription.learner_id == learner_id))
    session.execute(delete(AlertTopic).where(AlertTopic.learner_id == learner_id))


def alert_topics(session: Session, learner_id: int) -> set[str]:
    """The topics a learner narrowed their alerts to; empty means every topic."""
    return set(session.scalars(select(AlertTopic.topic).where(AlertTopic.learner_id == learner_id)))


def toggle_alert_topic(session: Session, learner_id: int, topic: str) -> bool:
    """Add a topic to the learner's choice, or take it out; True when now chosen."""
    return _toggle(session, AlertTopic, learner_id, topic=topic)


def clear_alert_topics(session: Session, learner_id: int) -> None:
    """Back to every topic."""
    session.execute(delete(AlertTopic).where(AlertTopic.learner_id == learner_id))


def count_learners(session: Session) -> int:
    """How many learners there are."""
    return session.scalar(select(func.count()).select_from(Learner)) or 0


# Codes are read off paper and typed: no 0/O, 1/I/L. 31 symbols, 10 of them: about 49 bits.
CERTIFICATE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CERTIFICATE_CODE_LENGTH = 10


def normalize_certificate_code(code: str) -> str:
    """A code as typed, in the stored form: upper case, without spaces or hyphens."""
    return "".join(c for c in code.upper() if c not in " -")


def new_certificate_code() -> str:
    """A random certificate code (from the operating system's secure random source)."""
    return "".join(secrets.choice(CERTIFICATE_ALPHABET) for _ in range(CERTIFICATE_CODE_LENGTH))


def certificates_of(session: Session, learner_id: int) -> dict[str, Certificate]:
    """A learner's certificates, by course id (one query)."""
    rows = session.scalars(select(Certificate).where(Certificate.learner_id == learner_id))
    return {row.course_id: row for row in rows}


def issue_certificate(
    session: Session,
    *,
    learner_id: int,
    course_id: str,
    name: str,
    language: str,
    score: int | None,
    passed_at: datetime,
) -> Certificate:
    """The learner's certificate for a course: a new one with a fresh code, replacing any
    earlier one (whose code then stops verifying)."""
    session.execute(
        delete(Certificate).where(
            Certificate.learner_id == learner_id, Certificate.course_id == course_id
        )
    )
    code = new_certificate_code()
    while session.scalar(select(Certificate.id).where(Certificate.code == code)) is not None:
        code = new_certificate_code()  # a collision is all but impossible; never reuse a code
    certificate = Certificate(
        code=code,
        learner_id=learner_id,
        course_id=course_id,
        name=name,
        language=language,
        score=score,
        passed_at=passed_at,
        issued_at=utcnow(),
    )
    session.add(certificate)
    session.flush()
    return certificate


def find_certificate(session: Session, code: str) -> Certificate | None:
    """The certificate with this code, however it was typed (case, spaces, hyphens)."""
    wanted = normalize_certificate_code(code)
    if not wanted or len(wanted) > CERTIFICATE_CODE_LENGTH:
        return None
    return session.scalars(select(Certificate).where(Certificate.code == wanted)).one_or_none()
