"""Log lines never carry an address, whatever a developer logs by mistake."""

from __future__ import annotations

import logging

import pytest

from bot.logs import RedactingFormatter, redact


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("from whatsapp:+5215512345678", "from whatsapp:[redacted]"),
        ("sms +52 55 1234 5678 failed", "sms [redacted] failed"),
        ("chat 123456789 blocked", "chat [redacted] blocked"),
        ("phone 55-1234-5678", "phone [redacted]"),
        ("learner 42 answered 3 of 5", "learner 42 answered 3 of 5"),
        ("took 125 ms at 2026-11-28", "took 125 ms at 2026-11-28"),
    ],
)
def test_addresses_are_redacted(line, expected):
    assert redact(line) == expected


def test_the_formatter_scrubs_exceptions_too():
    formatter = RedactingFormatter("%(message)s")
    try:
        raise ValueError("no learner at +5215512345678")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, True)
        import sys

        record.exc_info = sys.exc_info()
    text = formatter.format(record)
    assert "5215512345678" not in text and "[redacted]" in text
