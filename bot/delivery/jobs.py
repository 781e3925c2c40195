"""Background jobs on huey: its SQLite storage by default, Redis when `REDIS_URL` is set."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import TaskWrapper

from bot.service import Service
from storage import repo
from storage.models import utcnow

log = logging.getLogger(__name__)

# Redeliveries come within minutes; a week of message ids is plenty to recognise them.
PROCESSED_MESSAGE_DAYS = 7


@dataclass(frozen=True)
class Jobs:
    """The queue of this deployment and the jobs registered on it."""

    queue: Huey
    purge_inactive_learners: TaskWrapper


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

    return Jobs(queue=queue, purge_inactive_learners=purge_inactive_learners)


def purge(service: Service) -> int:
    """Erase inactive learners and forget old message ids; returns the learners erased."""
    now = utcnow()
    with service.sessions.begin() as session:
        erased = repo.purge_inactive(session, now - timedelta(days=service.settings.retention_days))
        repo.forget_processed_messages(session, now - timedelta(days=PROCESSED_MESSAGE_DAYS))
    log.info("retention: erased %d inactive learners", erased)
    return erased
