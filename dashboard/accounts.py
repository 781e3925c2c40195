"""Staff accounts: create (the command line or an admin), change role, disable, enable."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from dashboard import bp
from dashboard.audit import record
from dashboard.auth import normalize_email
from dashboard.roles import ROLES, requires
from storage.models import StaffUser, utcnow
from webhooks import service

MIN_PASSWORD = 10


class AccountError(ValueError):
    """An account that cannot be created or changed as asked."""


def check_new_account(session: Session, email: str, role: str, password: str) -> str:
    """The normalized email of a valid new account, or AccountError saying what is wrong."""
    email = normalize_email(email)
    local, at, domain = email.partition("@")
    if not (local and at and "." in domain) or len(email) > 254 or any(c.isspace() for c in email):
        raise AccountError(f"'{email}' is not an email address")
    if role not in ROLES:
        raise AccountError(f"the role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    if session.scalars(select(StaffUser.id).where(StaffUser.email == email)).first():
        raise AccountError(f"there is already an account for {email}")
    return email


def create_account(session: Session, actor: str, email: str, role: str, password: str) -> int:
    """Create an account (hashed password) and audit it; its id."""
    email = check_new_account(session, email, role, password)
    user = StaffUser(
        email=email,
        password_hash=generate_password_hash(password),
        role=role,
        disabled=False,
        failed_logins=0,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    record(session, actor, "account created", f"{email} as {role}")
    return user.id


@bp.route("/accounts", methods=["GET", "POST"])
@requires("admin")
def accounts() -> Any:
    """The accounts, and the form to add one."""
    status = 200
    if request.method == "POST":
        try:
            with service().sessions.begin() as db:
                email = request.form.get("email", "")
                role = request.form.get("role", "")
                create_account(db, g.staff.email, email, role, request.form.get("password", ""))
            flash(f"Account created for {normalize_email(email)} ({role}).")
            return redirect(url_for("dashboard.accounts"))
        except AccountError as error:
            flash(f"Not created: {error}.", "error")
            status = 400
    with service().sessions() as db:
        users = db.scalars(select(StaffUser).order_by(StaffUser.email)).all()
    return render_template("dashboard/accounts.html", users=users, roles=ROLES), status


@bp.route("/accounts/<int:user_id>", methods=["POST"])
@requires("admin")
def change_account(user_id: int) -> Any:
    """Change an account's role, disable or enable it, or give it a new password (which also
    lifts a lockout); never one's own."""
    action = request.form.get("action", "")
    with service().sessions.begin() as db:
        user = db.get(StaffUser, user_id)
        if user is None:
            flash("No such account.", "error")
        elif user.id == g.staff.id:
            flash("You cannot change your own account: ask another admin.", "error")
        elif action == "role" and request.form.get("role") in ROLES:
            old, user.role = user.role, request.form["role"]
            record(db, g.staff.email, "account changed", f"{user.email}: role {old} -> {user.role}")
            flash(f"{user.email} is now {user.role}.")
        elif action == "password":
            password = request.form.get("password", "")
            if len(password) < MIN_PASSWORD:
                flash(
                    f"Not changed: the password must have at least {MIN_PASSWORD} characters.",
                    "error",
                )
            else:
                user.password_hash = generate_password_hash(password)
                user.failed_logins, user.locked_until = 0, None
                record(db, g.staff.email, "account changed", f"{user.email}: new password")
                flash(f"{user.email} has a new password.")
        elif action in ("disable", "enable"):
            user.disabled = action == "disable"
            record(db, g.staff.email, "account changed", f"{user.email}: {action}d")
            flash(f"{user.email} is {action}d.")
        else:
            flash("Nothing changed: unknown change.", "error")
    return redirect(url_for("dashboard.accounts"))
