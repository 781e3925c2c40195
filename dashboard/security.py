"""Headers and CSRF for every dashboard response: no scripts, no framing, no sniffing."""

from __future__ import annotations

from flask import Response, request

from dashboard import bp, csrf

# No script runs on these pages at all; styles and images come from the app itself.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self' data:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"


@bp.before_request
def check_csrf() -> None:
    """Refuse (400) a form post without this session's token."""
    csrf.protect()


@bp.after_request
def secure_headers(response: Response) -> Response:
    """The headers that keep the pages from being framed, sniffed or scripted."""
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # same-origin, not no-referrer: Flask-WTF checks the Referer of form posts over https.
    response.headers["Referrer-Policy"] = "same-origin"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = HSTS
    if request.endpoint != "dashboard.static":
        response.headers["Cache-Control"] = "no-store"  # pages hold numbers staff only may see
    return response
