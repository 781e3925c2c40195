"""Twilio: `POST /webhooks/whatsapp` (WhatsApp and SMS) and `POST /webhooks/twilio/status`.

Every request is checked with the `twilio` package's RequestValidator against the public URL
(`PUBLIC_URL` + path + query), not the URL Flask sees, so that it holds behind a TLS proxy.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels import twilio
from bot.delivery.replies import answer
from bot.delivery.status import record_status
from webhooks import service

bp = Blueprint("twilio", __name__)
log = logging.getLogger(__name__)

# The statuses after which a message goes no further: only then may its body be redacted.
FINISHED = frozenset({"delivered", "read", "undelivered", "failed"})


def _check_signature() -> None:
    senda = service()
    token = senda.settings.twilio_auth_token
    if not token or not senda.outbox.handles_any(twilio.WHATSAPP, twilio.SMS):
        abort(404)
    url = senda.settings.public_url + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not RequestValidator(token).validate(url, request.form, signature):
        log.warning("twilio webhook: missing or invalid signature")
        abort(403)


def _empty_twiml() -> Response:
    return Response(str(MessagingResponse()), mimetype="text/xml")


@bp.post("/webhooks/whatsapp")
def receive():
    """A WhatsApp message, or an SMS when `From` has no `whatsapp:` prefix."""
    _check_signature()
    try:
        inbound = twilio.parse_form(request.form)
    except twilio.MissingFields as error:
        log.info("twilio webhook: missing %s", error)
        abort(400)
    senda = service()
    if not senda.outbox.handles(inbound.channel):
        log.warning(
            "twilio webhook: a %s message, but that channel is not configured", inbound.channel
        )
        return _empty_twiml()
    answer(senda.engine, senda.outbox, inbound)
    if senda.settings.twilio_redact and inbound.message_id:
        # What the person wrote goes from Twilio's logs once answered ("received" is final).
        senda.outbox.senders[inbound.channel].redact(inbound.message_id)
    return _empty_twiml()  # the answer went through the REST API, recorded in the outbox


@bp.post("/webhooks/twilio/status")
def status():
    """A delivery status: queued, sent, delivered, read, failed, undelivered."""
    _check_signature()
    sid = request.form.get("MessageSid", "")
    state = request.form.get("MessageStatus", "")
    if not twilio.plausible_sid(sid) or not state:
        abort(400)
    senda = service()
    record_status(senda, sid, state, request.form.get("ErrorCode") or None)
    if senda.settings.twilio_redact and state in FINISHED:
        to = request.form.get("To", "")
        channel = twilio.WHATSAPP if to.startswith(twilio.PREFIX) else twilio.SMS
        sender = senda.outbox.senders.get(channel)
        if sender is not None:
            sender.redact(sid)  # Twilio redacts only a message whose journey has ended
    return "", 200
