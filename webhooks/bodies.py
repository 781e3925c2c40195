"""Request bodies over MAX_CONTENT_LENGTH are refused with 413, chunked ones included.

With a Content-Length, Werkzeug refuses a body that is too large before reading it. A chunked
body has no length: Werkzeug then reads at most MAX_CONTENT_LENGTH bytes and silently drops the
rest on the first read, so a form would be parsed from a truncated body. Reading one byte more
makes it say 413 instead.
"""

from __future__ import annotations

from flask import Flask, request


def register(app: Flask) -> None:
    """Install the check on the app."""

    @app.before_request
    def refuse_oversized_chunked_bodies() -> None:
        if request.method != "POST" or request.content_length is not None:
            return
        request.get_data(cache=True)  # at most MAX_CONTENT_LENGTH bytes, kept for the parsers
        request.stream.read(1)  # raises RequestEntityTooLarge when the body goes on
