"""`GET /healthz`: 200 when the database answers; Redis, when configured, reported beside it.

A Redis outage does not make the service unhealthy: replies to people are sent inline by the web
process and never wait for Redis. What stops until Redis is back is the background work (pushes,
reviews, retries of failed replies, broadcasts), so the answer stays 200 with "degraded": a load
balancer that took every web process out over it would silence the replies too.

"leases" says where the workers hold their leases (bot.delivery.leases): "redis", or "database"
without Redis, while Redis is away, or while any worker holds its lease there (one that cannot
reach Redis when this process can).
"""

from __future__ import annotations

import logging

import redis
from flask import Blueprint, jsonify
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from storage.models import WorkerLease
from webhooks import service

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)
REDIS_TIMEOUT = 1.0  # seconds: a health check must answer fast


def _database_answers() -> bool:
    try:
        with service().database.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


def _redis_state(url: str | None) -> str:
    if not url:
        return "not configured"
    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
        )
        with client:
            client.ping()
    except (redis.RedisError, OSError):
        return "unavailable"
    return "ok"


def _leases_place(redis_state: str, database_ok: bool) -> str:
    if redis_state != "ok":
        return "database"
    if database_ok:
        try:
            with service().database.connect() as connection:
                if connection.scalar(select(func.count()).select_from(WorkerLease)):
                    return "database"
        except SQLAlchemyError:
            pass  # it answered a moment ago; what the table says is not worth a 503
    return "redis"


@bp.get("/healthz")
def healthz():
    """Whether the service can reach its database (and its Redis, when it has one)."""
    database_ok = _database_answers()
    redis_state = _redis_state(service().settings.redis_url)
    if not database_ok:
        log.warning("health check: the database does not answer")
    if redis_state == "unavailable":
        log.warning("health check: Redis does not answer; background jobs are stopped")
    status = "ok" if database_ok and redis_state != "unavailable" else "degraded"
    body = {
        "status": status if database_ok else "unavailable",
        "database": "ok" if database_ok else "unavailable",
        "redis": redis_state,
        "leases": _leases_place(redis_state, database_ok),
    }
    return jsonify(body), 200 if database_ok else 503
