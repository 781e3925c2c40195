"""Signing in and out, the signed-in account of a request, roles, and the lockout."""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import Any

from flask import g, redirect, render_template, request, session, url_for
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from dashboard import bp
from dashboard.audit import record
from storage.models import StaffUser, utcnow
from webhooks import service

MAX_FAILURES = 5  # failed sign-ins in a row before the account waits
LOCKOUT = timedelta(minutes=15)
# A signed-in session lasts a working day: the cookie is signed, not stored, so a copied cookie
# would otherwise work for as long as the secret key does.
SESSION_HOURS = 12
PUBLIC_ENDPOINTS = {"dashboard.login", "dashboard.static"}


@cache
def _dummy_hash() -> str:
    # Checked when the email is unknown, so that an unknown email takes as long as a wrong
    # password. Made at first use: hashing takes a tenth of a second, too long for every start.
    return generate_password_hash("not a password of anyone")


def normalize_email(email: str) -> str:
    """Emails compare without surrounding spaces or case."""
    return email.strip().casefold()


@bp.before_request
def load_staff() -> Any:
    """The signed-in account, or a redirect to the sign-in page (a disabled account is out)."""
    g.staff = None
    staff_id = session.get("staff_id")
    since = session.get("signed_in_at", 0)
    if staff_id is not None and utcnow().timestamp() - since > SESSION_HOURS * 3600:
        session.clear()
        staff_id = None
    if staff_id is not None:
        with service().sessions() as db:
            user = db.get(StaffUser, staff_id)
        if user is not None and not user.disabled:
            g.staff = user
        else:
            session.clear()
    if g.staff is None and request.endpoint not in PUBLIC_ENDPOINTS:
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("dashboard.login", next=target))
    return None


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: only a dashboard path of this site."""
    if target and target.startswith("/dashboard/") and not target.startswith("//"):
        return target
    return url_for("dashboard.overview")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The sign-in form; five failures in a row lock the account for fifteen minutes."""
    if request.method == "GET":
        if g.staff is not None:
            return redirect(_safe_next(request.args.get("next")))
        return render_template("dashboard/login.html", next=request.args.get("next", ""))
    email = normalize_email(request.form.get("email", ""))[:254]
    password = request.form.get("password", "")
    error = authenticate(email, password)
    if error is not None:
        return render_template("dashboard/login.html", error=error, email=email), 401
    return redirect(_safe_next(request.form.get("next")))


def authenticate(email: str, password: str) -> str | None:
    """Check the email and password; sign in and return None, or return why not."""
    now = utcnow()
    refused = "The email or the password is not right."
    with service().sessions.begin() as db:
        user = db.scalars(select(StaffUser).where(StaffUser.email == email)).one_or_none()
        if user is None or user.disabled:
            check_password_hash(_dummy_hash(), password)
            record(db, email or "(empty)", "sign-in failed", "unknown or disabled account")
            return refused
        if user.locked_until is not None and user.locked_until > now:
            minutes = max(1, round((user.locked_until - now).total_seconds() / 60))
            record(db, email, "sign-in refused", "account locked")
            return f"Too many failed attempts: try again in {minutes} minutes."
        if not check_password_hash(user.password_hash, password):
            user.failed_logins += 1
            detail = f"wrong password ({user.failed_logins} in a row)"
            if user.failed_logins >= MAX_FAILURES:
                user.locked_until, user.failed_logins = now + LOCKOUT, 0
                detail += f"; locked for {int(LOCKOUT.total_seconds() // 60)} minutes"
            record(db, email, "sign-in failed", detail)
            return refused
        user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
        record(db, email, "sign-in")
        user_id = user.id
    session.clear()  # a fresh session (and CSRF token) for the signed-in account
    session["staff_id"] = user_id
    session["signed_in_at"] = int(now.timestamp())
    return None


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """Sign out (a form post, so that another site cannot sign anyone out)."""
    with service().sessions.begin() as db:
        record(db, g.staff.email, "sign-out")
    session.clear()
    return redirect(url_for("dashboard.login"))
