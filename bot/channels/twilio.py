"""WhatsApp and SMS through Twilio: form posts in, REST messages out, the 24-hour window kept.

Options are a numbered list in the text: typing the number or the words works on every phone, and
SMS has nothing else. On WhatsApp, two or three short options go as quick-reply buttons when a
`twilio/quick-reply` content template for that many buttons is configured.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from requests.exceptions import RequestException
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from bot.channels.text import split_message
from bot.delivery.outbox import Envelope, Held, Rejected, RetryLater, Unreachable
from bot.messages import Inbound, Location, MediaKind, Outbound
from lessons.sms import sms_segments, to_gsm
from storage.models import utcnow

log = logging.getLogger(__name__)

WHATSAPP, SMS = "whatsapp", "sms"
PREFIX = "whatsapp:"
TEXT_LIMIT = 1600
SESSION_WINDOW = timedelta(hours=24)
REQUIRED_FIELDS = ("MessageSid", "From")
MAX_SID_LENGTH = 64  # Twilio's are 34 characters; the column of processed ids holds 128
# A wa.me link cannot carry a start parameter as Telegram's ?start= does; it prefills a text
# instead: "Senda <start parameter>". (Not "START ...": START is an SMS opt-in keyword.)
_PREFILLED = re.compile(r"^\s*senda\s+(\S+__\S+?)\s*$", re.IGNORECASE)

# Error codes (https://www.twilio.com/docs/api/errors).
OPTED_OUT = 21610
TOO_LONG = 21617
OUTSIDE_WINDOW = 63016
UNREACHABLE_CODES = {OPTED_OUT, 21211, 21614, 63024}  # opted out, invalid or not a mobile number

_MEDIA_KINDS = (
    ("image/", MediaKind.PHOTO),
    ("audio/", MediaKind.VOICE),
    ("video/", MediaKind.VIDEO),
)


def plausible_sid(value: str) -> bool:
    """Whether a value can be a Twilio id (letters and digits, "SM" and 32 more): anything
    else, a NUL byte say, must not reach the database, which would refuse it."""
    return 0 < len(value) <= MAX_SID_LENGTH and value.isascii() and value.isalnum()


class MissingFields(ValueError):
    """A webhook post without the fields every Twilio message has."""


def parse_form(form: Mapping[str, str]) -> Inbound:
    """A Twilio inbound message (WhatsApp or SMS) as an Inbound. ProfileName is not read."""
    missing = [name for name in REQUIRED_FIELDS if not form.get(name)]
    if missing:
        raise MissingFields(", ".join(missing))
    if not plausible_sid(form["MessageSid"]):
        raise MissingFields("a valid MessageSid")
    sender = form["From"]
    channel = WHATSAPP if sender.startswith(PREFIX) else SMS
    address = sender.removeprefix(PREFIX)
    message_id = form["MessageSid"]
    if form.get("Latitude") and form.get("Longitude"):
        try:
            location = Location(float(form["Latitude"]), float(form["Longitude"]))
        except ValueError:
            location = None
        if location is not None:
            return Inbound(channel, address, message_id=message_id, location=location)
    try:
        media_count = int(form.get("NumMedia") or 0)
    except ValueError:
        media_count = 0
    if media_count > 0:
        content_type = form.get("MediaContentType0", "")
        kind = next(
            (k for prefix, k in _MEDIA_KINDS if content_type.startswith(prefix)), MediaKind.DOCUMENT
        )
        return Inbound(channel, address, message_id=message_id, media=kind)
    payload = form.get("ButtonPayload")
    if payload:
        text = form.get("ButtonText") or form.get("Body") or payload
        return Inbound(
            channel,
            address,
            text=text,
            choice=payload,
            message_id=message_id,
            reply_to=form.get("OriginalRepliedMessageSid") or None,
        )
    body = form.get("Body", "")
    return Inbound(
        channel, address, text=body, message_id=message_id, start_parameter=start_parameter_of(body)
    )


def prefilled_text(start_parameter: str) -> str:
    """The text a WhatsApp link prefills so that sending it opens a module, like a deep link."""
    return f"Senda {start_parameter}"


def start_parameter_of(body: str) -> str | None:
    """The start parameter of a prefilled text ("Senda course__module"), else None."""
    found = _PREFILLED.match(body)
    return found.group(1) if found else None


def with_numbered_options(message: Outbound) -> Outbound:
    """The options written into the text as a numbered list (kept for matching the answer)."""
    if not message.options:
        return message
    lines = [f"{number}. {option.label}" for number, option in enumerate(message.options, 1)]
    return Outbound(message.text + "\n\n" + "\n".join(lines), message.options)


@dataclass(frozen=True)
class Template:
    """An approved WhatsApp template for pushes outside the 24-hour window."""

    content_sid: str
    variable: str = "1"  # the template variable that carries the message text


QUICK_REPLY_BODY_LIMIT = 1024
QUICK_REPLY_TITLE_LIMIT = 20


def quick_reply_variables(message: Outbound) -> dict[str, str]:
    """Variables of a quick-reply template: 1 the body, then the titles, then the ids."""
    count = len(message.options)
    variables = {"1": message.text}
    for number, option in enumerate(message.options):
        variables[str(2 + number)] = option.label
        variables[str(2 + count + number)] = option.value
    return variables


class TwilioSender:
    """Sends WhatsApp or SMS messages through Twilio's REST API."""

    def __init__(
        self,
        channel: str,
        client: Client,
        from_: str,
        status_callback: str | None,
        templates: Mapping[str, Template] | None = None,
        quick_replies: Mapping[int, str] | None = None,
    ) -> None:
        self.channel = channel
        self._client = client
        self._from = from_ if channel == SMS or from_.startswith(PREFIX) else PREFIX + from_
        self._status_callback = status_callback
        self._templates = dict(templates or {})
        self._quick_replies = dict(quick_replies or {}) if channel == WHATSAPP else {}

    def quick_reply_sid(self, message: Outbound) -> str | None:
        """The quick-reply template that can carry this message as buttons, if one fits."""
        sid = self._quick_replies.get(len(message.options))
        fits = len(message.text) <= QUICK_REPLY_BODY_LIMIT and all(
            len(option.label) <= QUICK_REPLY_TITLE_LIMIT for option in message.options
        )
        return sid if fits else None

    def prepare(self, message: Outbound) -> list[Outbound]:
        """Buttons when a quick-reply template fits, else the options written in; on SMS the
        text in GSM-7 where it has a form there (lessons.sms); then parts of at most 1,600
        characters."""
        if self.quick_reply_sid(message):
            return [message]
        written = with_numbered_options(message)
        if self.channel == SMS:
            written = Outbound(to_gsm(written.text), written.options)
        return split_message(written, TEXT_LIMIT)

    def send(self, address: str, message: Outbound, envelope: Envelope | None = None) -> str:
        """Send one part; outside WhatsApp's 24-hour window only an approved template goes."""
        envelope = envelope or Envelope()
        to = PREFIX + address if self.channel == WHATSAPP else address
        arguments: dict[str, str] = {"to": to, "from_": self._from}
        if self._status_callback:
            arguments["status_callback"] = self._status_callback
        if self.channel == WHATSAPP and _outside_window(envelope):
            template = self._templates.get(envelope.language) or self._templates.get("es")
            if template is None:
                raise Held("needs template: outside the 24-hour window")
            arguments["content_sid"] = template.content_sid
            arguments["content_variables"] = json.dumps({template.variable: message.text})
        elif quick_reply := self.quick_reply_sid(message):
            arguments["content_sid"] = quick_reply
            arguments["content_variables"] = json.dumps(quick_reply_variables(message))
        else:
            arguments["body"] = message.text
        if self.channel == SMS:
            encoding, segments = sms_segments(message.text)
            log.info("sms: %d segment(s), %s", segments, encoding)
        try:
            return self._client.messages.create(**arguments).sid
        except TwilioRestException as error:
            raise _classify(error) from error
        except RequestException as error:
            raise RetryLater(f"twilio unreachable: {type(error).__name__}", 2.0) from error

    def redact(self, sid: str) -> None:
        """Remove the body of a finished message at Twilio (an empty Body on the Message
        resource): its record stays, its words go. A refusal is logged, never raised."""
        try:
            self._client.messages(sid).update(body="")
        except (TwilioRestException, RequestException) as error:
            log.info("twilio: a message body was not redacted (%s)", type(error).__name__)


def _outside_window(envelope: Envelope) -> bool:
    if envelope.kind == "reply":
        return False  # an answer to a message that just came in
    last = envelope.last_inbound_at
    return last is None or utcnow() - last > SESSION_WINDOW


def _classify(error: TwilioRestException):
    code = error.code
    reason = f"twilio {code}: {error.msg}"
    if code == OUTSIDE_WINDOW:
        return Held("needs template: " + reason)
    if code in UNREACHABLE_CODES:
        return Unreachable(reason)
    if error.status == 429 or (error.status or 0) >= 500:
        return RetryLater(reason, 5.0)
    return Rejected(reason)
