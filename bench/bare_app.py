"""The baseline for bench/inbound.py: a bare Flask handler that forwards each update."""

from __future__ import annotations

import json
import os
import urllib.request

from flask import Flask, request

app = Flask(__name__)
SEND_URL = os.environ["BARE_SEND_URL"]  # <fake base url><token>/sendMessage


@app.post("/webhook")
def webhook():
    """Answer every text message with one sendMessage, and nothing else."""
    update = request.get_json()
    chat_id = update["message"]["chat"]["id"]
    body = json.dumps({"chat_id": chat_id, "text": "hola"}).encode()
    forward = urllib.request.Request(
        SEND_URL, data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(forward, timeout=10) as answer:
        answer.read()
    return "", 200


@app.get("/healthz")
def healthz():
    """Up."""
    return "ok"
