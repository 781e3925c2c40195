"""Logging that cannot leak an address: messages are scrubbed of phone numbers and chat ids."""

from __future__ import annotations

import copy
import logging
import re

# Phone numbers (+52 55 1234 5678, whatsapp:+52...) and chat ids: 7 or more digits, perhaps
# broken by spaces, dots or dashes. Counts and ids of our own are shorter than that.
_ADDRESS = re.compile(r"\+?\d(?:[\s.-]?\d){6,}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2})?")


def _scrub(match: re.Match[str]) -> str:
    return match.group() if _DATE.fullmatch(match.group()) else "[redacted]"


def redact(text: str) -> str:
    """Text with anything that looks like a phone number or chat id replaced."""
    return _ADDRESS.sub(_scrub, text)


class RedactingFormatter(logging.Formatter):
    """A formatter that scrubs the message and any traceback (not the timestamp)."""

    def format(self, record: logging.LogRecord) -> str:
        record = copy.copy(record)
        record.msg, record.args = redact(record.getMessage()), None
        return super().format(record)

    def formatException(self, ei) -> str:
        return redact(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return redact(super().formatStack(stack_info))


def configure_logging(level: int = logging.INFO) -> None:
    """Log to stderr, scrubbed, once per process."""
    root = logging.getLogger()
    if any(isinstance(h.formatter, RedactingFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    # One line for every HTTP call to a channel's API is noise at this level.
    for noisy in ("httpx", "httpcore", "telegram.ext", "twilio.http_client"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
