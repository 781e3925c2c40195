"""Background jobs on huey: its SQLite storage by default, Redis when `REDIS_URL` is set."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import TaskWrapper

from bot.delivery import broadcasts, records, reminders, tidy
from storage import helpdesk, repo
from storage.models import utcnow

if TYPE_CHECKING:
    from bot.service import Service

log = logging.getLogger(__name__)

# Redeliveries come within minutes; a week of message ids is plenty to recognise them.
PROCESSED_MESSAGE_DAYS = 7
DAYS_A_YEAR = 365.25  # certificates last SENDA_CERTIFICATE_YEARS of these
# Send jobs a broadcast is split into, so that every worker process (and thread) takes a share:
# they claim different rows, so more jobs than workers costs nothing.
BROADCAST_SHARES = 4


@dataclass(frozen=True)
class Jobs:
    """The queue of this deployment and the jobs registered on it."""

    queue: Huey
    purge_inactive_learners: TaskWrapper
    flush_learner: TaskWrapper
    send_due_messages: TaskWrapper
    start_broadcast: TaskWrapper
    send_broadcast: TaskWrapper
    send_learning_records: TaskWrapper

    def schedule_flush(self, learner_id: int, delay: float) -> None:
        """Ask a worker to send a learner's pending messages after a delay."""
        try:
            self.flush_learner.schedule(args=(learner_id,), delay=max(delay, 0.0))
        except Exception:  # the sweep below sends it anyway; a reply must not fail on this
            log.warning("could not schedule a retry; the minute sweep will send it")

    def schedule_records(self) -> None:
        """Ask a worker to send the learning records just written (never fails a reply)."""
        try:
            self.send_learning_records()
        except Exception:  # the minute sweep sends them anyway
            log.warning("could not queue the learning records; the minute sweep will send them")


def make_jobs(service: Service) -> Jobs:
    """The job queue of this deployment, with every job registered on it."""
    settings = service.settings
    if settings.redis_url:
        queue: Huey = RedisHuey("senda", url=settings.redis_url)
    else:
        settings.instance_path.mkdir(parents=True, exist_ok=True)
        queue = SqliteHuey("senda", filename=str(settings.instance_path / "jobs.db"))

    @queue.periodic_task(crontab(minute="17", hour="3"))
    def purge_inactive_learners() -> int:
        """Erase learners silent for longer than the retention period (privacy contract)."""
        return purge(service)

    @queue.task()
    def flush_learner(learner_id: int) -> int:
        """Send a learner's pending messages whose time has come."""
        return service.outbox.flush(learner_id).sent

    @queue.periodic_task(crontab(minute="*"))
    def send_due_messages() -> int:
        """Every minute: send what is due and was not sent (a crash, a lost schedule, the end
        of quiet hours)."""
        return sweep(service)

    @queue.periodic_task(crontab(minute="*"))
    def help_desk_waits() -> int:
        """Every minute: tell once each person whose request waited unanswered too long."""
        from bot.helpdesk import tell_the_late  # the desk's actions sit above the delivery

        return tell_the_late(service)

    @queue.periodic_task(crontab(minute="*/5"))
    def tidy_chats() -> int:
        """Every five minutes: delete, in tidy chats, the messages older than SENDA_TIDY_HOURS."""
        return tidy.tidy_due(service)

    @queue.periodic_task(crontab(minute="0"))
    def hourly_reminders() -> int:
        """Every hour: daily cards at their hour and the reviews that are due, then send."""
        reminders.send_nudges(service)
        reminders.send_reviews(service)
        return broadcasts.send_pushes(service)

    @queue.task()
    def send_broadcast(broadcast_id: int) -> int:
        """Send a broadcast's pending rows, alongside any other worker doing the same."""
        return broadcasts.send_pushes(service, broadcast_id)

    @queue.task()
    def start_broadcast(broadcast_id: int) -> int:
        """Add a broadcast's recipients, and share the sending out among the workers."""
        total = broadcasts.fan_out(service, broadcast_id)
        for _ in range(BROADCAST_SHARES):
            send_broadcast(broadcast_id)
        return total

    @queue.task()
    def send_learning_records() -> int:
        """Send the learning records waiting for the learning record store."""
        return records.send_due(service).sent

    @queue.periodic_task(crontab(minute="*"))
    def sweep_learning_records() -> int:
        """Every minute: send the learning records that are due (retries, lost schedules)."""
        return records.send_due(service).sent

    # Every worker process schedules the periodic tasks too: each of them is safe to run twice
    # at once (claims skip each other's rows; a nudge or review re-checks under the row lock).
    return Jobs(
        queue,
        purge_inactive_learners,
        flush_learner,
        send_due_messages,
        start_broadcast,
        send_broadcast,
        send_learning_records,
    )


def sweep(service: Service) -> int:
    """Send everything due: replies person by person, pushes in batches, broadcasts whose time
    has come; first give back what dead workers had claimed. Returns the messages sent."""
    broadcasts.reap_stale_claims(service)
    for broadcast_id in broadcasts.due_unstarted(service):
        broadcasts.fan_out(service, broadcast_id)
    sent = sum(service.outbox.flush(learner).sent for learner in service.outbox.due_learners())
    return sent + broadcasts.send_pushes(service)


def purge(service: Service) -> int:
    """Erase inactive learners (their certificates stay, detached), delete expired certificates
    and forget old message ids; returns the learners erased."""
    now = utcnow()
    certificate_days = round(DAYS_A_YEAR * service.settings.certificate_years)
    with service.sessions.begin() as session:
        erased = repo.purge_inactive(session, now - timedelta(days=service.settings.retention_days))
        expired = repo.purge_certificates(session, now - timedelta(days=certificate_days))
        repo.forget_processed_messages(session, now - timedelta(days=PROCESSED_MESSAGE_DAYS))
        kept = timedelta(days=service.settings.helpdesk_retention_days)
        deleted = helpdesk.purge_closed(session, now - kept)
    log.info("retention: erased %d inactive learners", erased)
    log.info("retention: deleted %d expired certificates", expired)
    log.info("retention: deleted %d help-desk messages of closed conversations", deleted)
    return erased
