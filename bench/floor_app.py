"""A second baseline for bench/inbound.py: the least a correct webhook must do, and nothing more.

Each update's id is recorded durably before the answer goes (so that Telegram's redelivery is
recognised and nothing is answered twice), in one committed transaction, and the answer goes
through python-telegram-bot, the client the project uses. No dialog, no outbox, no encryption:
what is left of Senda's time above this is Senda's own.
"""

from __future__ import annotations

import os
import threading

import psycopg
from flask import Flask, request

from bot.channels.telegram import TelegramSender
from bot.messages import Outbound

app = Flask(__name__)
DATABASE_URL = os.environ["FLOOR_DATABASE_URL"]  # PostgreSQL: the floor of a durable commit
SENDER = TelegramSender(os.environ["TELEGRAM_BOT_TOKEN"], os.environ["TELEGRAM_API_BASE_URL"])
_local = threading.local()


def connection() -> psycopg.Connection:
    """One connection a thread, kept."""
    if getattr(_local, "connection", None) is None:
        _local.connection = psycopg.connect(DATABASE_URL)
        with _local.connection.transaction():
            _local.connection.execute(
                "CREATE TABLE IF NOT EXISTS floor_updates (update_id bigint PRIMARY KEY,"
                " chat_id bigint NOT NULL)"
            )
    return _local.connection


@app.post("/webhook")
def webhook():
    """Record the update once, durably, then answer with one sendMessage."""
    update = request.get_json()
    chat_id = update["message"]["chat"]["id"]
    with connection().transaction():
        new = (
            connection()
            .execute(
                "INSERT INTO floor_updates VALUES (%s, %s) ON CONFLICT DO NOTHING RETURNING 1",
                (update["update_id"], chat_id),
            )
            .fetchone()
        )
        if new is not None:
            SENDER.send(str(chat_id), Outbound("hola"))
    return "", 200


@app.get("/healthz")
def healthz():
    """Up."""
    return "ok"
