"""Sending learning records to the learning record store (xAPI 1.0.3), in batches, from the worker.

A batch goes in one POST to `{LRS_URL}/statements`. A timeout, a connection error, 429 or a 5xx
leaves the batch pending with a growing delay. Any other refusal (4xx) is looked at statement by
statement with PUT, so one bad statement does not hold back the others: a 409 there means the
store already has that statement (an earlier answer that got lost), anything else fails that
statement for good with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx

from bot.delivery.outbox import backoff
from storage import records
from storage.models import utcnow

if TYPE_CHECKING:
    from bot.service import Service

log = logging.getLogger(__name__)

XAPI_VERSION = "1.0.3"
BATCH_SIZE = 50


@dataclass
class Sent:
    """What one run did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


class Retry(Exception):
    """The store cannot take statements now (down, busy, timing out)."""


class LrsClient:
    """The statements resource of one learning record store."""

    def __init__(
        self, url: str, username: str | None, password: str | None, timeout: float
    ) -> None:
        auth = httpx.BasicAuth(username or "", password or "") if username else None
        self.http = httpx.Client(
            base_url=url.rstrip("/") + "/",
            auth=auth,
            timeout=timeout,
            headers={"X-Experience-API-Version": XAPI_VERSION},
        )

    def close(self) -> None:
        """Close the connections."""
        self.http.close()

    def _call(self, method: str, **request: Any) -> httpx.Response:
        try:
            response = self.http.request(method, "statements", **request)
        except httpx.TimeoutException as error:
            raise Retry(f"timeout: {type(error).__name__}") from error
        except httpx.TransportError as error:
            raise Retry(f"cannot reach the store: {type(error).__name__}") from error
        if response.status_code == 429 or response.status_code >= 500:
            raise Retry(_describe(response))
        return response

    def post(self, statements: Sequence[dict[str, Any]]) -> httpx.Response:
        """POST a batch of statements; raises Retry when it should be tried again later."""
        return self._call("POST", json=list(statements))

    def put(self, statement: dict[str, Any]) -> httpx.Response:
        """PUT one statement under its id; raises Retry when it should be tried again later."""
        return self._call("PUT", params={"statementId": statement["id"]}, json=statement)


def _describe(response: httpx.Response) -> str:
    return f"HTTP {response.status_code}: {response.text.strip()[:150]}"


def client_for(service: Service) -> LrsClient | None:
    """A client for the configured store, or None when there is none."""
    settings = service.settings
    if not settings.lrs_url:
        return None
    return LrsClient(
        settings.lrs_url, settings.lrs_username, settings.lrs_password, settings.lrs_timeout
    )


def send_due(service: Service, now: datetime | None = None) -> Sent:
    """Send every due statement, batch after batch; stop at the first batch the store cannot
    take now (the rest waits for the next run)."""
    done = Sent()
    client = client_for(service)
    if client is None:
        return done
    try:
        while True:
            moment = now or utcnow()
            with service.sessions.begin() as session:
                batch = [
                    (row.id, row.statement)
                    for row in records.claim_due(
                        session, moment, service.settings.claim_timeout, BATCH_SIZE
                    )
                ]
            if not batch:
                return done
            if not _send_batch(service, client, batch, moment, done):
                return done
    finally:
        client.close()


def _send_batch(
    service: Service,
    client: LrsClient,
    batch: list[tuple[int, dict[str, Any]]],
    now: datetime,
    done: Sent,
) -> bool:
    """Send one claimed batch and settle its rows; False when the store is not taking any."""
    ids = [row_id for row_id, _ in batch]
    try:
        response = client.post([statement for _, statement in batch])
    except Retry as error:
        _settle(service, retry=ids, reason=str(error), now=now)
        log.warning("learning record store unavailable (%s); %d statements wait", error, len(ids))
        done.retrying += len(ids)
        return False
    if response.is_success:
        _settle(service, sent=ids, now=now)
        done.sent += len(ids)
        return True
    # Refused: find out statement by statement (a 409 may only mean "already stored").
    log.warning("the store refused a batch (%s); sending one by one", _describe(response))
    for row_id, statement in batch:
        try:
            single = client.put(statement)
        except Retry as error:
            _settle(service, retry=[row_id], reason=str(error), now=now)
            done.retrying += 1
            continue
        if single.is_success or single.status_code == 409:
            note = "the store already had it" if single.status_code == 409 else None
            _settle(service, sent=[row_id], now=now, reason=note)
            done.sent += 1
        else:
            _settle(service, failed=[row_id], reason=_describe(single), now=now)
            log.error("the store refused statement %s: %s", statement["id"], _describe(single))
            done.failed += 1
    return True


def _settle(
    service: Service,
    now: datetime,
    sent: Sequence[int] = (),
    retry: Sequence[int] = (),
    failed: Sequence[int] = (),
    reason: str | None = None,
) -> None:
    with service.sessions.begin() as session:
        if sent:
            records.mark_sent(session, sent, now, reason)
        if retry:
            records.mark_retry(session, retry, now, reason or "", backoff)
        if failed:
            records.mark_failed(session, failed, reason or "refused")
