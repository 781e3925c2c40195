"""Staff accounts: create (the command line or an admin), change role, disable, enable, and
limit a caseworker to the help desk's conversations of some regions or of an organisation."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from dashboard import bp
from dashboard.audit import record
from dashboard.auth import normalize_email
from dashboard.roles import CASEWORKER, ROLES, requires
from lessons.model import Catalog
from storage.helpdesk import Scope
from storage.models import Organisation, StaffUser, utcnow
from webhooks import service

MIN_PASSWORD = 10
ALL_CONVERSATIONS = "all conversations"


class AccountError(ValueError):
    """An account that cannot be created or changed as asked."""


def split_regions(text: str) -> list[str]:
    """Region ids as typed on the command line: "chiapas, tabasco"."""
    return [part for part in text.split(",") if part.strip()]


def check_scope(
    session: Session,
    known_regions: Collection[str],
    role: str,
    regions: Iterable[str],
    organisation: str | None,
) -> Scope | None:
    """The limits asked for, checked: region ids the content has and the code of an
    organisation that exists; None for none (the whole desk); else AccountError says why."""
    wanted = {region.strip().casefold() for region in regions if region.strip()}
    code = (organisation or "").strip().casefold() or None
    scope = Scope.of(wanted, code)
    if scope is None:
        return None
    if role != CASEWORKER:
        # Limits narrow the desk's queue; any other role would carry them unseen.
        raise AccountError("only a caseworker can be limited to regions or an organisation")
    unknown = sorted(wanted - set(known_regions))
    if unknown:
        listed = ", ".join(sorted(known_regions)) or "none"
        raise AccountError(f"no region has the id {', '.join(unknown)} (the regions are: {listed})")
    if code is not None and not session.scalar(
        select(Organisation.id).where(Organisation.code == code)
    ):
        raise AccountError(f"no organisation has the code {code}")
    return scope


def scope_of(user: StaffUser) -> Scope | None:
    """The part of the help desk an account sees; None: all of it (admins, and caseworkers
    without limits)."""
    if user.role != CASEWORKER:
        return None
    return Scope.of(user.regions or (), user.organisation)


def scope_label(session: Session, catalog: Catalog, scope: Scope | None) -> str:
    """A scope as staff read it: "Chiapas, Tabasco", "organisation Casa del Migrante", both
    joined by "or", or "all conversations"."""
    if scope is None:
        return ALL_CONVERSATIONS
    names = []
    if scope.regions:
        ordered = [r for r in catalog.regions if r.id in scope.regions]
        names.append(
            ", ".join(
                [r.name.get(catalog.regions_language, r.id) for r in ordered]
                # A region since taken out of the content still shows, by its id.
                + sorted(scope.regions - {r.id for r in ordered})
            )
        )
    if scope.organisation is not None:
        name = session.scalar(
            select(Organisation.name).where(Organisation.code == scope.organisation)
        )
        names.append(f"organisation {name or scope.organisation}")
    return " or ".join(names)


def _scope_detail(scope: Scope | None) -> str:
    """A scope for the audit log, by ids and code (they outlive renamings)."""
    if scope is None:
        return ALL_CONVERSATIONS
    parts = [f"regions {', '.join(sorted(scope.regions))}"] if scope.regions else []
    parts += [f"organisation {scope.organisation}"] if scope.organisation else []
    return "; ".join(parts)


def _region_ids() -> set[str]:
    return {region.id for region in service().catalog.regions}


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


def create_account(
    session: Session,
    actor: str,
    email: str,
    role: str,
    password: str,
    regions: Iterable[str] = (),
    organisation: str | None = None,
    known_regions: Collection[str] = (),
) -> int:
    """Create an account (hashed password), a caseworker limited if asked, and audit it; its
    id. `known_regions`: the region ids of the content, the only ones a limit may name."""
    email = check_new_account(session, email, role, password)
    scope = check_scope(session, known_regions, role, regions, organisation)
    user = StaffUser(
        email=email,
        password_hash=generate_password_hash(password),
        role=role,
        disabled=False,
        failed_logins=0,
        created_at=utcnow(),
        regions=sorted(scope.regions) if scope else [],
        organisation=scope.organisation if scope else None,
    )
    session.add(user)
    session.flush()
    limited = f", limited to {_scope_detail(scope)}" if scope else ""
    record(session, actor, "account created", f"{email} as {role}{limited}")
    return user.id


@bp.route("/accounts", methods=["GET", "POST"])
@requires("admin")
def accounts() -> Any:
    """The accounts, and the form to add one."""
    senda = service()
    status = 200
    if request.method == "POST":
        try:
            with senda.sessions.begin() as db:
                email = request.form.get("email", "")
                role = request.form.get("role", "")
                create_account(
                    db,
                    g.staff.email,
                    email,
                    role,
                    request.form.get("password", ""),
                    regions=request.form.getlist("regions"),
                    organisation=request.form.get("organisation"),
                    known_regions=_region_ids(),
                )
            flash(f"Account created for {normalize_email(email)} ({role}).")
            return redirect(url_for("dashboard.accounts"))
        except AccountError as error:
            flash(f"Not created: {error}.", "error")
            status = 400
    catalog = senda.catalog
    with senda.sessions() as db:
        users = db.scalars(select(StaffUser).order_by(StaffUser.email)).all()
        organisations = db.execute(
            select(Organisation.code, Organisation.name).order_by(Organisation.name)
        ).all()
        scopes = {
            user.id: scope_label(db, catalog, scope_of(user))
            for user in users
            if user.role == CASEWORKER
        }
    page = render_template(
        "dashboard/accounts.html",
        users=users,
        roles=ROLES,
        caseworker=CASEWORKER,
        scopes=scopes,
        regions=[(r.id, r.name.get(catalog.regions_language, r.id)) for r in catalog.regions],
        organisations=organisations,
    )
    return page, status


@bp.route("/accounts/<int:user_id>", methods=["POST"])
@requires("admin")
def change_account(user_id: int) -> Any:
    """Change an account's role, disable or enable it, give it a new password (which also
    lifts a lockout), or limit a caseworker to regions or an organisation; never one's own."""
    action = request.form.get("action", "")
    with service().sessions.begin() as db:
        user = db.get(StaffUser, user_id)
        if user is None:
            flash("No such account.", "error")
        elif user.id == g.staff.id:
            flash("You cannot change your own account: ask another admin.", "error")
        elif action == "role" and request.form.get("role") in ROLES:
            old, user.role = user.role, request.form["role"]
            detail = f"{user.email}: role {old} -> {user.role}"
            if user.role != CASEWORKER and (user.regions or user.organisation):
                # Limits belong to caseworkers: none are kept unseen, to come back with a role.
                user.regions, user.organisation = [], None
                detail += "; limits removed"
            record(db, g.staff.email, "account changed", detail)
            flash(f"{user.email} is now {user.role}.")
        elif action == "scope":
            _change_scope(db, user)
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


def _change_scope(session: Session, user: StaffUser) -> None:
    """Limit a caseworker to the regions and organisation of the form (none: the whole desk)."""
    try:
        scope = check_scope(
            session,
            _region_ids(),
            user.role,
            request.form.getlist("regions"),
            request.form.get("organisation"),
        )
    except AccountError as error:
        flash(f"Not changed: {error}.", "error")
        return
    if user.role != CASEWORKER:
        flash(f"Not changed: {user.email} is not a caseworker; the desk is all theirs.", "error")
        return
    user.regions = sorted(scope.regions) if scope else []
    user.organisation = scope.organisation if scope else None
    record(session, g.staff.email, "account changed", f"{user.email}: sees {_scope_detail(scope)}")
    flash(f"{user.email} sees {scope_label(session, service().catalog, scope)}.")
