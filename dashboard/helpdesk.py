"""The help desk's pages: the queue of open conversations, and each conversation, where
caseworkers (and admins) read what a person wrote, answer, note, take and close.

The one place the dashboard shows what someone wrote: decrypted here for the page, shown as
text (never markup), every showing audited by the conversation's id alone. A person appears as
the first characters of their pseudonym, never an address or a name.

A caseworker limited to regions or an organisation sees only those conversations: any other is
404 for them, as if it did not exist, whatever they try on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import helpdesk as desk
from bot.i18n import LANGUAGES
from dashboard import auth, bp
from dashboard.accounts import scope_label, scope_of
from dashboard.audit import record
from dashboard.roles import CASEWORKER, keep_caseworkers_to_their_pages, requires
from dialogs.helpdesk import TOPIC_LABELS
from storage import helpdesk as rows
from storage.helpdesk import Scope
from storage.models import (
    HELPDESK_OUTCOMES,
    HelpdeskConversation,
    Learner,
    OutboxMessage,
    utcnow,
)
from webhooks import service

REFRESH_SECONDS = 20  # the queue reloads itself; a conversation page never (typing is lost)
PSEUDONYM_SHOWN = 8  # characters of the pseudonym: enough to tell people apart in a queue
MAX_NOTE = 4000
WHATSAPP_WINDOW = timedelta(hours=24)
OUTCOME_LABELS = {
    "answered": "Answered",
    "referred": "Referred to a service",
    "no_reply": "No reply from the person",
}
assert tuple(OUTCOME_LABELS) == HELPDESK_OUTCOMES
AUTHOR_LABELS = {"person": "Person", "staff": "Staff", "note": "Note"}

# The caseworker's gate needs the signed-in account: hooks run in the order they were added,
# and auth's load_staff (imported above) was added before this one.
assert auth.load_staff in bp.before_request_funcs[None]
bp.before_request(keep_caseworkers_to_their_pages)


@dataclass(frozen=True)
class QueueRow:
    """One open conversation as the queue lists it: nothing that says who the person is."""

    id: int
    person: str  # the pseudonym's first characters
    topic: str
    urgent: bool
    language: str
    channel: str
    waiting: str  # "waiting 12 min", or since when the person last wrote once answered
    late: bool
    taken_by: str | None


@dataclass(frozen=True)
class ShownMessage:
    """One message of a conversation, decrypted for the page."""

    author: str  # person | staff | note
    by: str  # "Person", or the staff's email
    at: str
    lines: tuple[str, ...]


def duration(delta: timedelta) -> str:
    """A time span as a caseworker reads it at a glance: "12 min", "2 h 5 min", "3 days"."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 1:
        return "under 1 min"
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    return f"{hours // 24} days"


def is_late(conversation: HelpdeskConversation, now: datetime, reply_minutes: int) -> bool:
    """Whether a conversation has waited longer than the desk promises, still unanswered."""
    waited = now - conversation.opened_at
    return conversation.first_answer_at is None and waited > timedelta(minutes=reply_minutes)


def language_name(code: str) -> str:
    """A language as staff read it: its name and code."""
    found = LANGUAGES.get(code)
    return f"{found.name} ({code})" if found else code


def queue_rows(
    session: Session, now: datetime, reply_minutes: int, scope: Scope | None = None
) -> list[QueueRow]:
    """The open conversations a scope covers (None: all), urgent first then the longest
    waiting, as the queue shows them."""
    conversations = rows.queue(session, scope)
    ids = {c.learner_id for c in conversations}
    pseudonyms = dict(
        session.execute(select(Learner.id, Learner.pseudonym).where(Learner.id.in_(ids))).all()
    )
    listed = []
    for c in conversations:
        if c.first_answer_at is None:
            waiting = f"waiting {duration(now - c.opened_at)}"
        else:
            waiting = f"answered; last wrote {duration(now - c.last_message_at)} ago"
        listed.append(
            QueueRow(
                id=c.id,
                person=pseudonyms.get(c.learner_id, "")[:PSEUDONYM_SHOWN],
                topic=TOPIC_LABELS.get(c.topic, c.topic),
                urgent=c.urgent,
                language=language_name(c.language),
                channel=c.channel,
                waiting=waiting,
                late=is_late(c, now, reply_minutes),
                taken_by=c.taken_by,
            )
        )
    return listed


@bp.route("/helpdesk/")
@requires(CASEWORKER)
def helpdesk_queue() -> Any:
    """The open conversations, urgent first then the longest waiting; late ones flagged."""
    senda = service()
    minutes = senda.settings.helpdesk_reply_minutes
    scope = _scope()
    with senda.sessions() as db:
        listed = queue_rows(db, utcnow(), minutes, scope)
        sees = scope_label(db, senda.catalog, scope)
    return render_template(
        "dashboard/helpdesk.html",
        conversations=listed,
        scope=sees,
        limited=scope is not None,
        late=sum(row.late for row in listed),
        reply_minutes=minutes,
        refresh=REFRESH_SECONDS,
    )


def _scope() -> Scope | None:
    """The part of the desk the signed-in account sees (None: all of it)."""
    return scope_of(g.staff)


def _local(moment: datetime | None, zone: str) -> str:
    return "" if moment is None else f"{moment.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}"


def _gone() -> tuple[str, int]:
    """The plain page of a conversation that is not there (the person erased it)."""
    return render_template("dashboard/helpdesk_gone.html"), 404


def _page(
    conversation_id: int, problem: str = "", status: int = 200, typed: dict[str, str] | None = None
) -> Any:
    """A conversation with its messages in clear, audited; with a refused action's problem and
    what was typed, so that nothing written is lost."""
    senda = service()
    zone = senda.settings.timezone
    cipher = desk.cipher(senda)
    now = utcnow()
    with senda.sessions.begin() as db:
        conversation = rows.find(db, conversation_id, _scope())
        learner = None if conversation is None else db.get(Learner, conversation.learner_id)
        if conversation is None or learner is None:
            return _gone()
        shown = [
            ShownMessage(
                author=message.author,
                by=AUTHOR_LABELS["person"] if message.author == "person" else message.staff or "",
                at=_local(message.at, zone),
                lines=tuple(cipher.decrypt(message.body).splitlines()) or ("",),
            )
            for message in rows.messages(db, conversation_id)
        ]
        # Each showing of what a person wrote is on record: who, and which conversation.
        record(db, g.staff.email, "helpdesk_open", str(conversation_id))
    last_seen = learner.last_seen_at
    page = render_template(
        "dashboard/helpdesk_conversation.html",
        c=conversation,
        person=learner.pseudonym[:PSEUDONYM_SHOWN],
        topic=TOPIC_LABELS.get(conversation.topic, conversation.topic),
        language=language_name(conversation.language),
        opened=_local(conversation.opened_at, zone),
        closed=_local(conversation.closed_at, zone),
        waited=duration(now - conversation.opened_at),
        late=is_late(conversation, now, senda.settings.helpdesk_reply_minutes),
        unreachable=_local(learner.unreachable_at, zone),
        # WhatsApp takes free text only within 24 hours of the person's last message.
        outside_window=conversation.channel == "whatsapp"
        and last_seen is not None
        and now - last_seen > WHATSAPP_WINDOW,
        messages=shown,
        outcomes=OUTCOME_LABELS,
        outcome=OUTCOME_LABELS.get(conversation.outcome or "", conversation.outcome),
        max_answer=desk.MAX_ANSWER,
        max_note=MAX_NOTE,
        problem=problem,
        typed=typed or {},
        zone=zone,
    )
    return page, status


@bp.route("/helpdesk/<int:conversation_id>", methods=["GET", "POST"])
@requires(CASEWORKER)
def helpdesk_conversation(conversation_id: int) -> Any:
    """A conversation (GET); an answer to the person (`text`) or a staff note (`note`) (POST)."""
    if not _exists(conversation_id):
        return _gone()
    if request.method == "GET":
        return _page(conversation_id)
    if "text" in request.form:
        return _answer(conversation_id, request.form["text"])
    if "note" in request.form:
        return _note(conversation_id, request.form["note"])
    return _page(conversation_id, "Nothing was sent: write an answer or a note.", 400)


def _exists(conversation_id: int) -> bool:
    """Whether the conversation is there for this account: one outside its scope is not."""
    with service().sessions() as db:
        return rows.find(db, conversation_id, _scope()) is not None


def _refused(conversation_id: int, problem: str, typed: dict[str, str]) -> Any:
    """A staff action refused: the conversation with why (400), or 404 if it is gone."""
    if not _exists(conversation_id):
        return _gone()
    return _page(conversation_id, problem, 400, typed)


def _back(conversation_id: int) -> Any:
    # 303: the browser follows with a GET, so a reload never posts the answer again.
    target = url_for("dashboard.helpdesk_conversation", conversation_id=conversation_id)
    return redirect(target, 303)


def _answer(conversation_id: int, text: str) -> Any:
    """Send an answer; say what became of it (sent, held, refused by the channel)."""
    email = g.staff.email
    # The audit entry goes in the answer's own transaction: an answer sent is an answer audited.
    done = desk.answer(
        service(),
        conversation_id,
        email,
        text,
        also=lambda db: record(db, email, "helpdesk_answer", str(conversation_id)),
    )
    if not done.ok:
        return _refused(conversation_id, done.problem, {"text": text})
    message, category = delivery(done.sent)
    flash(message, category)
    return _back(conversation_id)


def delivery(sent: Sequence[OutboxMessage]) -> tuple[str, str]:
    """What became of an answer just sent, from its outbox rows: the flash and its category."""
    states = {row.state for row in sent}
    reasons = "; ".join(sorted({row.reason for row in sent if row.reason}))
    if not sent:
        return "Answer kept. This channel sends nothing: the person will not see it.", "error"
    if "failed" in states:
        return f"Answer kept but not delivered: {reasons}.", "error"
    if "held" in states:
        return (
            f"Answer kept but held, not sent: {reasons}. On WhatsApp, more than 24 hours after "
            "the person's last message, only an approved template may go.",
            "error",
        )
    if "pending" in states:
        return "Answer kept; the channel is busy, it will be sent shortly.", "message"
    return "Answer sent.", "message"


def _note(conversation_id: int, text: str) -> Any:
    """Add a note for staff, which the person never sees; kept encrypted like the messages."""
    senda = service()
    note = text.strip()
    problem = ""
    if not note:
        problem = "The note is empty."
    elif len(note) > MAX_NOTE:
        problem = f"The note is longer than {MAX_NOTE} characters."
    with senda.sessions.begin() as db:
        conversation = rows.find(db, conversation_id, _scope())
        if conversation is None:
            return _gone()
        if not problem and conversation.closed_at is not None:
            problem = "This conversation is closed."
        if not problem:
            rows.add_message(db, desk.cipher(senda), conversation, "note", note, g.staff.email)
            record(db, g.staff.email, "helpdesk_note", str(conversation_id))
    if problem:
        return _page(conversation_id, problem, 400, {"note": text})
    flash("Note added (the person does not see it).")
    return _back(conversation_id)


@bp.route("/helpdesk/<int:conversation_id>/take", methods=["POST"])
@requires(CASEWORKER)
def helpdesk_take(conversation_id: int) -> Any:
    """Take a conversation, so that others see who answers it."""
    if not _exists(conversation_id):
        return _gone()
    senda = service()
    done = desk.take(senda, conversation_id, g.staff.email)
    if not done.ok:
        return _refused(conversation_id, done.problem, {})
    with senda.sessions.begin() as db:
        record(db, g.staff.email, "helpdesk_take", str(conversation_id))
    flash("You have taken this conversation.")
    return _back(conversation_id)


@bp.route("/helpdesk/<int:conversation_id>/close", methods=["POST"])
@requires(CASEWORKER)
def helpdesk_close(conversation_id: int) -> Any:
    """Close a conversation with its outcome; the person is told."""
    if not _exists(conversation_id):
        return _gone()
    senda = service()
    outcome = request.form.get("outcome", "")
    if outcome not in OUTCOME_LABELS:
        return _refused(conversation_id, "Choose what came of the conversation to close it.", {})
    done = desk.close(senda, conversation_id, g.staff.email, outcome)
    if not done.ok:
        return _refused(conversation_id, done.problem, {})
    with senda.sessions.begin() as db:
        record(db, g.staff.email, "helpdesk_close", f"{conversation_id}: {outcome}")
    flash(f"Conversation {conversation_id} closed ({OUTCOME_LABELS[outcome].lower()}).")
    return redirect(url_for("dashboard.helpdesk_queue"), 303)
