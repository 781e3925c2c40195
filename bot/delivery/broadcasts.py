"""Broadcasts: a file of texts and an audience, one outbox row a recipient, sent in batches.

senda broadcast send FILE  ->  a broadcasts row (scheduled)
fan_out      ->  one outbox row a recipient (kind push), due at send_at or after quiet hours
send_pushes  ->  claims due push rows, sends them under the channel limits, records each
"""

from __future__ import annotations

import logging
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import Connection, bindparam, exists, func, select, update
from sqlalchemy.orm import aliased

from bot.delivery.limits import rates_from
from bot.delivery.outbox import Outcome, not_sendable, send_row
from lessons.model import ROLES, Catalog
from storage import repo
from storage.models import AlertSubscription, AlertTopic, Broadcast, Learner, OutboxMessage, utcnow

if TYPE_CHECKING:
    from bot.service import Service

log = logging.getLogger(__name__)

AUDIENCE_KEYS = ("roles", "languages", "channels", "regions", "topics")
CHANNELS = ("telegram", "whatsapp", "sms")
FAN_OUT_BATCH = 1000
SEND_BATCH = 200  # rows a claim takes at most, whatever the channel's rate
SEND_THREADS = 4  # sends on the wire at once; more only adds contention for the interpreter
# A claim takes about this many seconds of a channel's rate: a worker that dies strands no more
# than that (its rows go again once its lease lapses), while a claim still feeds SEND_THREADS.
CLAIM_SECONDS = 2.0


class BroadcastFileError(ValueError):
    """A broadcast file that cannot be sent as it is."""


@dataclass(frozen=True)
class BroadcastSpec:
    """What a broadcast file says."""

    texts: dict[str, str]
    audience: dict[str, list[str]] = field(default_factory=dict)
    urgent: bool = False
    send_at: datetime | None = None
    expires_at: datetime | None = None  # after it, what has not gone is not sent


def read_broadcast_file(path: Path) -> BroadcastSpec:
    """Read and check a broadcast file (DESIGN.md: texts, audience, urgent, send_at; and
    expires_at)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise BroadcastFileError(f"{path}: cannot be read: {error}") from error
    try:
        return parse_broadcast(data)
    except BroadcastFileError as error:
        raise BroadcastFileError(f"{path}: {error}") from error


def parse_broadcast(data: object) -> BroadcastSpec:
    """Check a broadcast as the file gives it (a mapping), from a file or the dashboard."""
    if not isinstance(data, dict):
        raise BroadcastFileError("must be a mapping with texts, audience, ...")
    unknown = set(data) - {"texts", "audience", "urgent", "send_at", "expires_at"}
    if unknown:
        raise BroadcastFileError(f"unknown field(s): {', '.join(sorted(unknown))}")
    texts = data.get("texts")
    if (
        not isinstance(texts, dict)
        or not texts
        or not all(isinstance(v, str) and v.strip() for v in texts.values())
    ):
        raise BroadcastFileError("texts must give one text per language")
    audience = data.get("audience") or {}
    if not isinstance(audience, dict) or set(audience) - set(AUDIENCE_KEYS):
        raise BroadcastFileError(f"audience keys are {', '.join(AUDIENCE_KEYS)}")
    audience = {key: [str(v) for v in values] for key, values in audience.items() if values}
    for role in audience.get("roles", []):
        if role not in ROLES:
            raise BroadcastFileError(f"unknown role '{role}' ({', '.join(ROLES)})")
    for channel in audience.get("channels", []):
        if channel not in CHANNELS:
            raise BroadcastFileError(f"unknown channel '{channel}'")
    send_at = _moment(data, "send_at")
    expires_at = _moment(data, "expires_at")
    if expires_at is not None and expires_at <= (send_at or utcnow()):
        raise BroadcastFileError("expires_at must come after send_at (or after now)")
    return BroadcastSpec(
        texts={str(k): v.strip() for k, v in texts.items()},
        audience=audience,
        urgent=bool(data.get("urgent", False)),
        send_at=send_at,
        expires_at=expires_at,
    )


def _moment(data: dict, key: str) -> datetime | None:
    """A date and time of the file, which must say its offset from UTC."""
    value = data.get(key)
    if value is not None and not isinstance(value, datetime):
        raise BroadcastFileError(f"{key} must be a date and time with its offset")
    if isinstance(value, datetime) and value.tzinfo is None:
        raise BroadcastFileError(f"{key} needs an offset, like -06:00")
    return value


def check_names(spec: BroadcastSpec, catalog: Catalog) -> None:
    """Refuse regions and topics the content does not have: a typo would reach nobody."""
    for key, known in (
        ("regions", {region.id for region in catalog.regions}),
        ("topics", {topic.id for topic in catalog.topics}),
    ):
        unknown = sorted(set(spec.audience.get(key, [])) - known)
        if unknown:
            raise BroadcastFileError(
                f"unknown {key}: {', '.join(unknown)} (known: {', '.join(sorted(known)) or 'none'})"
            )


def queue(service: Service, spec: BroadcastSpec) -> int:
    """Record a broadcast and hand it to the workers, now or at its time; its id."""
    broadcast_id = create(service, spec)
    if spec.send_at is None:
        service.jobs.start_broadcast(broadcast_id)
    else:
        service.jobs.start_broadcast.schedule(args=(broadcast_id,), eta=spec.send_at)
    return broadcast_id


def create(service: Service, spec: BroadcastSpec) -> int:
    """Record a broadcast; its recipients are added when it is due."""
    with service.sessions.begin() as session:
        broadcast = Broadcast(
            texts=spec.texts,
            default_language=next(iter(spec.texts)),
            audience=spec.audience,
            urgent=spec.urgent,
            send_at=spec.send_at or utcnow(),
            expires_at=spec.expires_at,
            state="scheduled",
            total=0,
            created_at=utcnow(),
        )
        session.add(broadcast)
        session.flush()
        return broadcast.id


def audience_query(audience: dict[str, list[str]]):
    """Learners who accept pushes and fit the audience: consented, not stopped, reachable."""
    query = select(Learner.id, Learner.language, Learner.channel, Learner.timezone).where(
        Learner.consented_at.is_not(None),
        Learner.pushes_stopped.is_(False),
        Learner.unreachable_at.is_(None),
    )
    for key, column in (
        ("roles", Learner.role),
        ("languages", Learner.language),
        ("channels", Learner.channel),
    ):
        if audience.get(key):
            query = query.where(column.in_(audience[key]))
    if audience.get("regions"):  # those who asked for alerts in one of these regions
        query = query.where(
            exists().where(
                AlertSubscription.learner_id == Learner.id,
                AlertSubscription.region.in_(audience["regions"]),
            )
        )
    if audience.get("topics"):
        # Alerts on these topics: for those who asked for alerts (in some region when no region
        # is named) and did not narrow them to other topics.
        if not audience.get("regions"):
            query = query.where(exists().where(AlertSubscription.learner_id == Learner.id))
        narrowed = exists().where(AlertTopic.learner_id == Learner.id)
        wanted = exists().where(
            AlertTopic.learner_id == Learner.id, AlertTopic.topic.in_(audience["topics"])
        )
        query = query.where(~narrowed | wanted)
    return query.order_by(Learner.id)


def reachable_audience(service: Service, audience: dict[str, list[str]]) -> dict[str, list[str]]:
    """The audience narrowed to the channels this deployment can send on."""
    channels = [c for c in CHANNELS if service.outbox.handles(c)]
    return {
        **audience,
        "channels": [c for c in audience.get("channels", channels) if c in channels],
    }


def audience_size(service: Service, audience: dict[str, list[str]]) -> int:
    """How many people a broadcast to this audience would reach now (one query)."""
    query = audience_query(reachable_audience(service, audience)).order_by(None).subquery()
    with service.sessions() as session:
        return session.scalar(select(func.count()).select_from(query)) or 0


def in_quiet_hours(moment: datetime, zone: str, quiet: tuple[int, int]) -> bool:
    """Whether a moment falls in the quiet hours (e.g. 21:00 to 08:00 local)."""
    start, end = quiet
    local = moment.astimezone(ZoneInfo(zone))
    hour = local.hour + local.minute / 60
    return (hour >= start or hour < end) if start > end else (start <= hour < end)


def after_quiet_hours(moment: datetime, zone: str, quiet: tuple[int, int]) -> datetime:
    """The moment, or the end of the quiet hours it falls in."""
    if not in_quiet_hours(moment, zone, quiet):
        return moment
    local = moment.astimezone(ZoneInfo(zone))
    wake = datetime.combine(local.date(), time(quiet[1]), tzinfo=local.tzinfo)
    if wake <= local:
        wake += timedelta(days=1)
    return wake


def fan_out(service: Service, broadcast_id: int) -> int:
    """Add one outbox row a recipient (again safe: nobody is added twice); the total."""
    settings = service.settings
    with service.sessions.begin() as session:
        broadcast = session.get(Broadcast, broadcast_id)
        if broadcast is None:
            return 0
        send_at, urgent = broadcast.send_at, broadcast.urgent
        audience = dict(broadcast.audience)
        texts, default = dict(broadcast.texts), broadcast.default_language
        if broadcast.expires_at is not None and broadcast.expires_at <= utcnow():
            # Its time passed before it could start (a worker was down): it goes to nobody.
            broadcast.state = "expired"
            log.info("broadcast %d expired before it started", broadcast_id)
            return 0
    due_in_zone: dict[str | None, datetime] = {}

    def due(zone: str | None) -> datetime:
        """When a recipient in this time zone may get it: quiet hours are theirs."""
        if zone not in due_in_zone:
            local_zone = zone or settings.timezone
            due_in_zone[zone] = (
                send_at if urgent else after_quiet_hours(send_at, local_zone, settings.quiet_hours)
            )
        return due_in_zone[zone]

    audience = reachable_audience(service, audience)
    last_id = 0
    while True:
        with service.sessions.begin() as session:
            batch = session.execute(
                audience_query(audience).where(Learner.id > last_id).limit(FAN_OUT_BATCH)
            ).all()
            if not batch:
                break
            last_id = batch[-1].id
            present = set(
                session.scalars(
                    select(OutboxMessage.learner_id).where(
                        OutboxMessage.broadcast_id == broadcast_id,
                        OutboxMessage.learner_id.in_([row.id for row in batch]),
                    )
                )
            )
            now = utcnow()
            new_rows = [
                {
                    "learner_id": row.id,
                    "channel": row.channel,
                    "kind": "push",
                    "text": texts.get(row.language) or texts[default],
                    "options": [],
                    "has_options": False,
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": due(row.timezone),
                    "created_at": now,
                    "broadcast_id": broadcast_id,
                }
                for row in batch
                if row.id not in present
            ]
            if new_rows:  # another worker may be adding this broadcast too (a sweep)
                repo.insert_many_ignoring_duplicates(session, OutboxMessage, new_rows)
    with service.sessions.begin() as session:
        total = (
            session.scalar(select(func.count()).where(OutboxMessage.broadcast_id == broadcast_id))
            or 0
        )
        session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast_id)
            .values(total=total, state="sending")
        )
    log.info("broadcast %d: %d recipients", broadcast_id, total)
    return total


def due_unstarted(service: Service) -> list[int]:
    """Broadcasts whose time has come and whose recipients were never added."""
    with service.sessions() as session:
        return list(
            session.scalars(
                select(Broadcast.id).where(
                    Broadcast.state == "scheduled", Broadcast.send_at <= utcnow()
                )
            )
        )


def reap_stale_claims(service: Service, now: datetime | None = None) -> int:
    """Give back the rows claimed without a lease (by a process that is not a worker, or before
    leases) and never finished, after SENDA_CLAIM_TIMEOUT (they may go twice). A worker's rows
    go back as soon as its lease lapses instead (bot.delivery.leases)."""
    stale = (now or utcnow()) - timedelta(seconds=service.settings.claim_timeout)
    with service.sessions.begin() as session:
        result = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.state == "sending",
                OutboxMessage.claimed_by.is_(None),
                OutboxMessage.claimed_at < stale,
            )
            .values(state="pending", claimed_at=None)
        )
        return result.rowcount or 0


_EARLIER = aliased(OutboxMessage)
_URGENT = aliased(OutboxMessage)


def claim_sizes(service: Service) -> dict[str, int]:
    """Rows a claim takes of each channel: CLAIM_SECONDS of its rate, at least SEND_THREADS (what
    keeps every send thread busy), at most SEND_BATCH; SEND_BATCH on a channel without limit."""
    rates = rates_from(service.settings.rates).per_channel
    return {
        channel: max(SEND_THREADS, min(SEND_BATCH, int(rate * CLAIM_SECONDS)))
        if rate
        else SEND_BATCH
        for channel, rate in rates.items()
    }


def _claim(
    service: Service, broadcast_id: int | None, sizes: dict[str, int] | None = None
) -> list[int]:
    """Claim due pushes for this worker: urgent ones (of any broadcast) before every other, each
    person's earliest only, at most a claim's size of each channel."""
    sizes = sizes or claim_sizes(service)
    with service.sessions.begin() as session:
        due = (
            select(OutboxMessage.id, OutboxMessage.channel)
            .where(
                OutboxMessage.state == "pending",
                OutboxMessage.kind == "push",
                OutboxMessage.next_attempt_at <= utcnow(),
                # Each person's earliest message still to send, and no other: two pushes to one
                # person in one batch would be sent side by side and could arrive swapped (a
                # correction before the alert it corrects).
                ~exists().where(
                    _EARLIER.learner_id == OutboxMessage.learner_id,
                    _EARLIER.id < OutboxMessage.id,
                    _EARLIER.state.in_(("pending", "sending")),
                ),
            )
            .order_by(OutboxMessage.id)
            .limit(SEND_BATCH)
        )
        if session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)  # workers take different rows
        # First the people an urgent broadcast waits for, even in a job sending another
        # broadcast: an alert must not wait behind a long non-urgent one. Each still gets their
        # earliest message first (the rule above), so an alert comes at most one message late.
        # Only urgent broadcasts still going: a finished one's rows need not be looked through.
        urgent = select(Broadcast.id).where(
            Broadcast.urgent.is_(True), Broadcast.state.in_(("scheduled", "sending"))
        )
        waiting = select(_URGENT.learner_id).where(
            _URGENT.state == "pending", _URGENT.broadcast_id.in_(urgent)
        )
        rows = session.execute(due.where(OutboxMessage.learner_id.in_(waiting))).all()
        if not rows:
            if broadcast_id is not None:
                due = due.where(OutboxMessage.broadcast_id == broadcast_id)
            rows = session.execute(due).all()
        taken: Counter[str] = Counter()
        ids = []
        for row_id, channel in rows:
            if taken[channel] < sizes.get(channel, SEND_BATCH):
                taken[channel] += 1
                ids.append(row_id)
        if ids:
            worker = service.lease.worker_id if service.lease is not None else None
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .values(state="sending", claimed_at=utcnow(), claimed_by=worker)
            )
        return ids


def start_urgent(service: Service) -> list[int]:
    """Add the recipients of urgent broadcasts that are due and not started, here and now: their
    own start job may wait in the queue behind a long broadcast's sending."""
    with service.sessions() as session:
        due = list(
            session.scalars(
                select(Broadcast.id).where(
                    Broadcast.state == "scheduled",
                    Broadcast.urgent.is_(True),
                    Broadcast.send_at <= utcnow(),
                )
            )
        )
    for broadcast_id in due:
        fan_out(service, broadcast_id)  # safe beside its own start job: nobody is added twice
    return due


def expire_due(service: Service) -> int:
    """What has not gone of a broadcast past its `expires_at` is not sent: state "expired", the
    text forgotten; the number of rows."""
    expired = select(Broadcast.id).where(Broadcast.expires_at <= utcnow())
    with service.sessions.begin() as session:
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.state == "pending", OutboxMessage.broadcast_id.in_(expired))
            .values(state="expired", reason="expired before it could go", text="")
        )
    if result.rowcount:
        log.info("broadcasts: %d pushes expired before they could go", result.rowcount)
    return result.rowcount


def send_pushes(service: Service, broadcast_id: int | None = None) -> int:
    """Send due pushes in batches, several at a time, until none is due; the number sent."""
    expire_due(service)
    sent = 0
    for sender in service.outbox.senders.values():
        warm_up = getattr(sender, "warm_up", None)  # a channel that connects before its turns
        if warm_up is not None:
            warm_up()
    sizes = claim_sizes(service)
    with ThreadPoolExecutor(SEND_THREADS, thread_name_prefix="push") as pool:
        while True:
            start_urgent(service)
            ids = _claim(service, broadcast_id, sizes)
            if not ids:
                break
            sent += _send_claimed(service, ids, pool)
    if broadcast_id is not None:
        _finish_if_done(service, broadcast_id)
    return sent


def _send_claimed(service: Service, ids: list[int], pool: ThreadPoolExecutor) -> int:
    """Send claimed rows several at a time and record each result as soon as it is known: a
    worker killed at any moment leaves only the messages on the wire to go again. Threads only
    send; this one thread writes, so the database sees one writer."""
    with service.sessions() as session:
        rows = session.execute(
            select(OutboxMessage, Learner)
            .join(Learner, Learner.id == OutboxMessage.learner_id)
            .where(OutboxMessage.id.in_(ids))
            .order_by(OutboxMessage.id)
        ).all()
    # At most SEND_THREADS messages are sent and not yet recorded at any moment: a new send
    # starts only when a result has been written. That bounds what a kill can send twice.
    queue = iter(rows)
    pending: dict = {}

    def submit_next() -> None:
        pair = next(queue, None)
        if pair is not None:
            row, learner = pair
            pending[pool.submit(_send_one, service, row, learner)] = (row, learner.id)

    for _ in range(SEND_THREADS):
        submit_next()
    sent = 0
    # One connection for the batch: a pooled checkout a wave cost a ping and a round trip more.
    with service.database.connect() as connection:
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            results = []
            retries = []
            for future in done:
                row, learner_id = pending.pop(future)
                outcome = future.result()
                sent += outcome.values["state"] == "sent"
                results.append((row, learner_id, outcome.values, not outcome.unreachable))
                if outcome.retry_in is not None:
                    retries.append((learner_id, outcome.retry_in))
            _record(connection, results)
            # A push set back for a while (a flood wait, a server error) is asked for at its
            # time, as a reply is, instead of waiting for the minute's sweep.
            if service.outbox.schedule is not None:
                for learner_id, seconds in retries:
                    service.outbox.schedule(learner_id, seconds)
            for _ in done:
                submit_next()
    return sent


# Every column a send can change, so that one compiled statement records any outcome.
_RESULT_COLUMNS = ("state", "reason", "attempts", "provider_id", "sent_at", "next_attempt_at")
_RECORD_RESULT = (
    OutboxMessage.__table__.update()
    .where(OutboxMessage.__table__.c.id == bindparam("row_id"))
    .values(
        {name: bindparam(name) for name in _RESULT_COLUMNS}
        | {"claimed_at": None, "claimed_by": None}
    )
)
_MARK_UNREACHABLE = (
    Learner.__table__.update()
    .where(Learner.__table__.c.id == bindparam("learner_id"))
    .values(unreachable_at=bindparam("at"))
)


def _record(connection: Connection, results: list[tuple[OutboxMessage, int, dict, bool]]) -> None:
    """Write the results of finished sends in one transaction, as one executemany: the ORM's
    bookkeeping for an UPDATE a row cost more than the send itself."""
    now = utcnow()
    updates = [
        {"row_id": row.id}
        | {name: values.get(name, getattr(row, name)) for name in _RESULT_COLUMNS}
        for row, _, values, _ in results
    ]
    gone = [{"learner_id": learner_id, "at": now} for _, learner_id, _, ok in results if not ok]
    with connection.begin():
        connection.execute(_RECORD_RESULT, updates)
        if gone:
            connection.execute(_MARK_UNREACHABLE, gone)


def _send_one(service: Service, row: OutboxMessage, learner: Learner) -> Outcome:
    """Send one push; what became of it."""
    sender = service.outbox.senders.get(row.channel)
    refusal = not_sendable(row, learner)
    if sender is None:
        refusal = Outcome({"state": "failed", "reason": "the channel is not configured"})
    if refusal is not None:
        return refusal
    if not service.limits.acquire(row.channel, learner.id):
        return Outcome({"state": "pending", "reason": "waiting for the channel's rate limit"})
    address = service.cipher.decrypt(learner.address_encrypted)
    return send_row(sender, address, row, learner)


def _finish_if_done(service: Service, broadcast_id: int) -> None:
    with service.sessions.begin() as session:
        left = session.scalar(
            select(func.count()).where(
                OutboxMessage.broadcast_id == broadcast_id,
                OutboxMessage.state.in_(("pending", "sending")),
            )
        )
        if not left:
            session.execute(
                update(Broadcast).where(Broadcast.id == broadcast_id).values(state="done")
            )


def status(service: Service, broadcast_id: int) -> dict[str, int] | None:
    """Counts of the broadcast's deliveries by state (DESIGN.md's status JSON)."""
    return statuses(service, [broadcast_id]).get(broadcast_id)


def statuses(service: Service, broadcast_ids: list[int]) -> dict[int, dict[str, int]]:
    """The status counts of several broadcasts at once (two queries); unknown ids are left out."""
    with service.sessions() as session:
        known = set(session.scalars(select(Broadcast.id).where(Broadcast.id.in_(broadcast_ids))))
        rows = session.execute(
            select(OutboxMessage.broadcast_id, OutboxMessage.state, func.count())
            .where(OutboxMessage.broadcast_id.in_(known))
            .group_by(OutboxMessage.broadcast_id, OutboxMessage.state)
        ).all()
    counts: dict[int, dict[str, int]] = {broadcast_id: {} for broadcast_id in known}
    for broadcast_id, state, count in rows:
        counts[broadcast_id][state] = count
    return {broadcast_id: _status(broadcast_id, found) for broadcast_id, found in counts.items()}


def _status(broadcast_id: int, counts: dict[str, int]) -> dict[str, int]:
    return {
        "id": broadcast_id,
        "total": sum(counts.values()),
        "pending": counts.get("pending", 0) + counts.get("sending", 0),
        "sent": counts.get("sent", 0),
        "delivered": counts.get("delivered", 0),
        "read": counts.get("read", 0),
        "failed": counts.get("failed", 0),
        "held": counts.get("held", 0),
        "expired": counts.get("expired", 0),
    }
