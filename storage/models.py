"""SQLAlchemy models: learners (no names, encrypted addresses), progress, answers, message ids."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy import text as sql_text  # `text` is also a column of the outbox
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC that always comes back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Learner(Base):
    """A person talking to Senda on one channel. No names; the address is encrypted."""

    __tablename__ = "learners"

    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(
        String(32), unique=True, default=lambda: uuid.uuid4().hex
    )
    channel: Mapped[str] = mapped_column(String(16))
    # HMAC-SHA256 of channel and address: finds the learner without storing the address in clear.
    address_hash: Mapped[str] = mapped_column(String(64), unique=True)
    address_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    language: Mapped[str] = mapped_column(String(8))
    role: Mapped[str | None] = mapped_column(String(16))
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pushes_stopped: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when the channel says the person cannot be reached (blocked the bot, opted out at the
    # carrier): nothing more is sent until they write again.
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The code of the organisation whose link or poster brought the person (not identifying).
    referral: Mapped[str | None] = mapped_column(String(64))
    # The local hour (0-23) the person asked for their daily next card; None: no reminder.
    nudge_hour: Mapped[int | None] = mapped_column(Integer, index=True)
    nudged_on: Mapped[str | None] = mapped_column(String(10))  # the local date of the last one
    # The IANA time zone of the last region the person chose alerts for (a whole state, never
    # where they are); None: the service's zone. Quiet hours and nudges follow it.
    timezone: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Telegram: Senda deletes the chat's messages SENDA_TIDY_HOURS after they were sent, so that
    # whoever takes the phone finds less (ICRC, data protection in humanitarian action).
    tidy_chat: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Everything Senda sent before this moment is deleted from the chat, or was tried: the next
    # deletion starts here.
    chat_cleared_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    progress: Mapped[list[ModuleProgress]] = relationship(
        back_populates="learner", cascade="all, delete-orphan", passive_deletes=True
    )


class Enrolment(Base):
    """A learner taking a course."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("learner_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ModuleProgress(Base):
    """Where a learner is in one module: the card they are on and how the quiz went."""

    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("learner_id", "course_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(String(64))
    module_id: Mapped[str] = mapped_column(String(64))
    card_index: Mapped[int] = mapped_column(Integer, default=0)
    cards_done: Mapped[bool] = mapped_column(Boolean, default=False)
    best_score: Mapped[int | None] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean, default=False)
    passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Whether the person was asked what they thought of the module (once): never the answer,
    # which is kept apart with no link to anyone (ModuleRating).
    rating_asked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    learner: Mapped[Learner] = relationship(back_populates="progress")


class QuizAttempt(Base):
    """One go at a module's quiz, with retries of the missed questions folded in."""

    __tablename__ = "quiz_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[str] = mapped_column(String(64))
    module_id: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[int | None] = mapped_column(Integer)
    passed: Mapped[bool | None] = mapped_column(Boolean)

    answers: Mapped[list[QuizAnswer]] = relationship(
        back_populates="attempt",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="QuizAnswer.id",
    )


class QuizAnswer(Base):
    """One answer to one question: which option, right or wrong, and when."""

    __tablename__ = "quiz_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_attempts.id", ondelete="CASCADE"), index=True
    )
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[str] = mapped_column(String(64))
    choice: Mapped[str] = mapped_column(String(16))
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers")


class ProcessedMessage(Base):
    """A channel's inbound message id already handled: redeliveries change nothing."""

    __tablename__ = "processed_messages"
    __table_args__ = (UniqueConstraint("channel", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[str] = mapped_column(String(128))
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ChatMessageId(Base):
    """The id of a message a person wrote in a chat where Senda may delete it (Telegram lets a
    bot delete both sides of a private chat for 48 hours): kept only until then, so that CLEAR
    and a tidy chat can remove what the person wrote too. Never the text."""

    __tablename__ = "chat_message_ids"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE", name="fk_chat_message_learner"), index=True
    )
    message_id: Mapped[str] = mapped_column(String(32))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class AlertSubscription(Base):
    """A region a person chose to get alerts for (a state such as "chiapas"), never a place
    they are at."""

    __tablename__ = "alert_subscriptions"
    __table_args__ = (UniqueConstraint("learner_id", "region", name="uq_alert_learner_region"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE", name="fk_alert_learner"), index=True
    )
    region: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertTopic(Base):
    """A topic a person narrowed their alerts to; a person with none gets every topic."""

    __tablename__ = "alert_topics"
    __table_args__ = (UniqueConstraint("learner_id", "topic", name="uq_alert_learner_topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE", name="fk_alert_topic_learner"), index=True
    )
    topic: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReviewItem(Base):
    """A question answered wrong, coming back on a spacing schedule until right twice in a row."""

    __tablename__ = "review_items"
    __table_args__ = (
        UniqueConstraint("learner_id", "course_id", "question_id", name="uq_review_question"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE", name="fk_review_learner"), index=True
    )
    course_id: Mapped[str] = mapped_column(String(64))
    module_id: Mapped[str] = mapped_column(String(64))
    question_id: Mapped[str] = mapped_column(String(64))
    step: Mapped[int] = mapped_column(Integer, default=0)  # index into the spacing schedule
    right_in_a_row: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class Broadcast(Base):
    """A message for many: texts per language, an audience, a time; each recipient is a row of
    the outbox."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    texts: Mapped[dict[str, str]] = mapped_column(JSON)
    default_language: Mapped[str] = mapped_column(String(8))  # for learners of other languages
    audience: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    send_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # After this, what has not gone is not sent (state "expired"): a road closure is not
    # announced the day after it reopened. None: it never expires.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default="scheduled")  # scheduled|sending|done
    total: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxMessage(Base):
    """A message to send, written before it is sent: its state follows it to the person's phone.

    States: pending (to send, at `next_attempt_at`), sent, delivered, read, failed (with the
    reason), held (not sendable as it is, e.g. outside WhatsApp's 24-hour window).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "state", "next_attempt_at"),
        Index("ix_outbox_learner", "learner_id", "id"),
        # A person's messages still to send, in order: what a reply or a push must not overtake.
        Index(
            "ix_outbox_learner_unsent",
            "learner_id",
            "id",
            postgresql_where=sql_text("state IN ('pending', 'sending')"),
            sqlite_where=sql_text("state IN ('pending', 'sending')"),
        ),
        # One delivery a recipient: a fan-out that runs again adds nobody twice.
        UniqueConstraint("broadcast_id", "learner_id", name="uq_outbox_broadcast_learner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    # reply | push | desk (a help-desk answer: not silenced by STOP, windowed on WhatsApp)
    kind: Mapped[str] = mapped_column(String(16), default="reply")
    text: Mapped[str] = mapped_column(Text)
    options: Mapped[list[list[str]]] = mapped_column(JSON, default=list)  # [[label, value], ...]
    has_options: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    provider_id: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE", name="fk_outbox_broadcast"), index=True
    )
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a worker is sending it
    # Which worker: its rows go back as soon as its lease lapses (bot.delivery.leases). None:
    # claimed by a process without a lease (or before leases), given back after claim_timeout.
    claimed_by: Mapped[str | None] = mapped_column(String(32))


class WorkerLease(Base):
    """The lease of a live `senda worker` held in the database (when there is no Redis, or it is
    away). Its owner adds one to `beats` every few seconds; a lease whose beats stop moving has
    lapsed. Judged by the count, not by a time, so that no machine's clock matters."""

    __tablename__ = "worker_leases"

    worker_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    beats: Mapped[int] = mapped_column(Integer, default=0)
    # The owner's clock, for people reading the table; never used to judge a lapse.
    renewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


STAFF_ROLES = ("viewer", "editor", "admin")  # each can do what the one before can, and more


class StaffUser(Base):
    """An account of the programme staff for the dashboard (not a learner)."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # viewer | editor | admin
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Failed sign-ins in a row; at the limit the account waits until `locked_until`.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A caseworker limited to part of the desk: the conversations of these regions (ids of the
    # content's regions) or of this organisation (its code). Neither: the whole desk. The
    # server default makes the accounts that existed before limits unlimited.
    regions: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    organisation: Mapped[str | None] = mapped_column(String(32))


class AuditEntry(Base):
    """Who did what in the dashboard: sign-ins, broadcasts, exports, account changes."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The email as typed or signed in; kept as text so the entry outlives the account.
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(32), index=True)
    detail: Mapped[str] = mapped_column(String(500), default="")


class Organisation(Base):
    """A shelter, NGO or office that shares modules with its own referral code."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # Goes into deep links as `org-<code>` and is what Learner.referral then holds.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Certificate(Base):
    """Proof that an official passed a course. The printed name lives here and nowhere else.
    It goes, and the code stops verifying, when the learner writes the erase word, or when it is
    older than SENDA_CERTIFICATE_YEARS. A learner erased for silence leaves it behind, detached
    (no learner), holding only what the paper shows."""

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("learner_id", "course_id", name="uq_certificate_learner_course"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Typed by whoever checks a printout: short, upper case, no look-alike characters.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    # None once the learner was erased for silence: the certificate outlives them.
    learner_id: Mapped[int | None] = mapped_column(
        ForeignKey("learners.id", ondelete="SET NULL", name="fk_certificate_learner"), index=True
    )
    course_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(8))
    score: Mapped[int | None] = mapped_column(Integer)  # percent; None: no module had a quiz
    passed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LearningRecord(Base):
    """An xAPI statement about a learner, kept until the learning record store has it.

    Written in the transaction that records the progress it describes; sent by the worker.
    States: pending (to send at `next_attempt_at`), sent, failed (refused for good, with the
    reason). The statement's own UUID makes a resend harmless at the store."""

    __tablename__ = "learning_records"
    __table_args__ = (Index("ix_learning_records_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE", name="fk_record_learner"), index=True
    )
    statement: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str | None] = mapped_column(String(200))
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a worker is sending it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DirectoryUpload(Base):
    """A version of the directory of services that staff uploaded as a spreadsheet; the newest
    is the one people are answered from (none: the content folder's own)."""

    __tablename__ = "directory_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who uploaded it, as the audit log names staff: kept as text so it outlives the account.
    uploaded_by: Mapped[str] = mapped_column(String(254), default="")
    entries: Mapped[int] = mapped_column(Integer)
    csv: Mapped[str] = mapped_column(Text)  # as checked and stored: UTF-8 text, no BOM


class DirectoryAsk(Base):
    """How many times people asked the directory for a need in a state: a count, no person."""

    __tablename__ = "directory_asks"

    state: Mapped[str] = mapped_column(String(40), primary_key=True)  # "" when none was found
    need: Mapped[str] = mapped_column(String(20), primary_key=True)  # "any" for no need
    count: Mapped[int] = mapped_column(Integer, default=0)


class DirectoryReport(Base):
    """What people reported of a service after an answer ("it was closed"): a count, no person."""

    __tablename__ = "directory_reports"

    service_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    problem: Mapped[str] = mapped_column(String(20), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


HELPDESK_TOPICS = ("asylum", "health", "violence", "family", "course", "other")
URGENT_TOPICS = ("violence",)  # violence, kidnapping or trafficking: first in the queue
HELPDESK_OUTCOMES = ("answered", "referred", "no_reply")


class HelpdeskConversation(Base):
    """A person's request to talk to a person: the one place Senda keeps what someone wrote
    (each message encrypted with SENDA_HELPDESK_KEY, deleted with the person or after the
    retention days that follow its closing)."""

    __tablename__ = "helpdesk_conversations"
    __table_args__ = (Index("ix_helpdesk_open", "closed_at", "urgent", "opened_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE", name="fk_helpdesk_learner"), index=True
    )
    topic: Mapped[str] = mapped_column(String(16))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # The person's language and channel, so that staff know how to answer (not who they are).
    language: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_answer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    taken_by: Mapped[str | None] = mapped_column(String(254))  # the caseworker's email
    # When the person was told that nobody had answered yet (once, past the promised time).
    late_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    outcome: Mapped[str | None] = mapped_column(String(16))
    # Which caseworkers see it, as the person was when it opened: the first region they chose
    # alerts for (a whole state, never where they are) and the code of the organisation whose
    # link brought them. None: not known; then only caseworkers without limits see it.
    region: Mapped[str | None] = mapped_column(String(64))
    organisation: Mapped[str | None] = mapped_column(String(64))


class HelpdeskMessage(Base):
    """One message of a help-desk conversation: from the person, from staff, or a staff note the
    person never sees. The text is stored encrypted, never in clear."""

    __tablename__ = "helpdesk_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("helpdesk_conversations.id", ondelete="CASCADE", name="fk_helpdesk_message"),
        index=True,
    )
    author: Mapped[str] = mapped_column(String(8))  # person | staff | note
    staff: Mapped[str | None] = mapped_column(String(254))  # who wrote it, for staff and notes
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    body: Mapped[bytes] = mapped_column(LargeBinary)  # Fernet token of the text


PRETEST_PHASES = ("before", "after")


class PretestAnswer(Base):
    """One answer to a course's pre-test, before the course or after it: right or wrong, which
    is all "did people learn" needs. Linked to the learner (to count who took both) and erased
    with them."""

    __tablename__ = "pretest_answers"
    __table_args__ = (
        UniqueConstraint(
            "learner_id", "course_id", "question_id", "phase", name="uq_pretest_answer"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE", name="fk_pretest_learner"), index=True
    )
    course_id: Mapped[str] = mapped_column(String(64))
    question_id: Mapped[str] = mapped_column(String(64))
    phase: Mapped[str] = mapped_column(String(8))  # before | after
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_on: Mapped[date] = mapped_column(Date)  # the day only


RATING_SCALES = {"useful5": 5, "clear3": 3}  # 1-5 "useful for your work"; 1 no, 2 a little, 3 yes


class ModuleRating(Base):
    """What people said of a module: how many gave a value on a scale on a day, with their role
    and the code of the organisation that brought them ("" for none). A count, not a row a
    person: no link to anyone, no moment and no order of arrival that a join of times could
    point at someone with."""

    __tablename__ = "module_ratings"
    __table_args__ = (
        UniqueConstraint(
            "course_id",
            "module_id",
            "role",
            "organisation",
            "scale",
            "value",
            "rated_on",
            name="uq_module_rating",
        ),
        Index("ix_module_ratings_organisation", "organisation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[str] = mapped_column(String(64))
    module_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    organisation: Mapped[str] = mapped_column(String(64), default="")
    scale: Mapped[str] = mapped_column(String(8))  # useful5 | clear3
    value: Mapped[int] = mapped_column(Integer)
    rated_on: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer, default=0)


COMMENT_MAX_CHARACTERS = 500


class LearnerComment(Base):
    """A free comment an official left on a module: the text, the module, the role and the day.
    Nothing links it to the person (they are told so before, and that it cannot be erased); its
    id is random, so that not even the order comments came in is kept."""

    __tablename__ = "learner_comments"
    __table_args__ = (Index("ix_learner_comments_course", "course_id", "module_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: uuid.uuid4().hex)
    course_id: Mapped[str] = mapped_column(String(64))
    module_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(COMMENT_MAX_CHARACTERS))
    written_on: Mapped[date] = mapped_column(Date, index=True)
