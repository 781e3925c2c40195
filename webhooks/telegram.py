"""`POST /webhooks/telegram`: the secret token checked, the update handled, the answer sent."""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, abort, request
from telegram import Bot, Update

from bot.channels import telegram
from bot.delivery.replies import answer
from bot.service import Service
from storage import repo
from webhooks import service

bp = Blueprint("telegram", __name__)
log = logging.getLogger(__name__)
_PARSER_BOT: dict[str, Bot] = {}


def parsing_bot(token: str) -> Bot:
    """A Bot object for `Update.de_json` (it never touches the network)."""
    if token not in _PARSER_BOT:
        _PARSER_BOT[token] = Bot(token)
    return _PARSER_BOT[token]


def process_update(senda: Service, update: Update) -> None:
    """Handle one update: webhook and long polling share this. Raises
    telegram.MalformedUpdate, before anything is done, for an update with wrong field types."""
    sender = senda.telegram
    assert sender is not None
    blocked = telegram.blocked_by(update)
    inbound = telegram.parse_update(update) if blocked is None else None
    if blocked is not None:
        with senda.sessions.begin() as session:
            repo.mark_unreachable(session, senda.cipher, telegram.CHANNEL, blocked)
        return
    if inbound is None:
        return
    query = update.callback_query
    # The pressed button's acknowledgement goes out while the engine works on the answer.
    acknowledgement = sender.answer_callback(query.id) if query is not None else None
    try:
        reply = answer(senda.engine, senda.outbox, inbound)
        if query is not None and inbound.reply_to is not None and not reply.duplicate:
            sender.remove_keyboard(inbound.address, inbound.reply_to)
    finally:
        if acknowledgement is not None:
            acknowledgement.wait()


def _plausible_update(data: object) -> bool:
    """An object with a 64-bit integer update_id, as every Telegram update has."""
    if not isinstance(data, dict):
        return False
    update_id = data.get("update_id")
    return type(update_id) is int and 0 <= update_id < 2**63


@bp.post("/webhooks/telegram")
def receive():
    """A Telegram update."""
    senda = service()
    settings = senda.settings
    if senda.telegram is None or not settings.telegram_webhook_secret:
        abort(404)
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not hmac.compare_digest(given.encode(), settings.telegram_webhook_secret.encode()):
        log.warning("telegram webhook: wrong or missing secret token")
        abort(403)
    try:
        data = request.get_json(silent=True)
        if not _plausible_update(data):
            abort(400)
        update = Update.de_json(data, parsing_bot(settings.telegram_bot_token or ""))
    except (
        KeyError,
        TypeError,
        ValueError,
        AttributeError,
        RecursionError,
        OSError,
        OverflowError,
    ):
        # RecursionError: JSON nested thousands deep, which the decoder cannot follow. OSError
        # and OverflowError: a date beyond what the system's clock functions hold.
        abort(400)
    try:
        process_update(senda, update)
    except telegram.MalformedUpdate:
        log.info("telegram webhook: an update with fields of the wrong type, answered 400")
        abort(400)
    return "", 200
