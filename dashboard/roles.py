"""Roles: viewers read, editors also send and export, admins also manage accounts; caseworkers
answer the help desk (and admins with them)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, redirect, render_template, request, url_for

from dashboard import bp
from storage.models import STAFF_ROLES

F = TypeVar("F", bound=Callable[..., Any])

CASEWORKER = "caseworker"
# Every role an account may have: the ladder of the numbers, then the desk's own role. A
# caseworker is not on the ladder: reading people's own words is not reading the numbers.
ROLES = (*STAFF_ROLES, CASEWORKER)
# What a caseworker opens besides the desk: the directory they answer from, and signing in and
# out. Any page added later stays closed to them until it is listed here.
CASEWORKER_ENDPOINTS = frozenset(
    {"dashboard.login", "dashboard.logout", "dashboard.static", "dashboard.directory"}
)
DESK_ENDPOINTS = "dashboard.helpdesk"  # the prefix of the desk's pages
FRONT_DOORS = frozenset({"dashboard.index", "dashboard.overview"})


def can(role: str) -> bool:
    """Whether the signed-in account has this role or a higher one (admins can everything)."""
    user = g.get("staff")
    if user is None:
        return False
    if user.role == "admin":
        return True
    if CASEWORKER in (role, user.role):
        return user.role == role
    return STAFF_ROLES.index(user.role) >= STAFF_ROLES.index(role)


def requires(role: str) -> Callable[[F], F]:
    """A view only accounts of this role or higher may use (403 for the others)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not can(role):
                abort(403)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def keep_caseworkers_to_their_pages() -> Any:
    """For a caseworker: the desk as the front door, 403 on the pages of the numbers.

    Registered by dashboard.helpdesk after the sign-in hook, since it needs the account."""
    user = g.get("staff")
    if user is None or user.role != CASEWORKER:
        return None
    endpoint = request.endpoint
    if endpoint is None:  # no such page: the plain 404
        return None
    if endpoint in CASEWORKER_ENDPOINTS or endpoint.startswith(DESK_ENDPOINTS):
        return None
    if endpoint in FRONT_DOORS:
        # Where signing in and the brand link lead: a caseworker's work is the queue.
        return redirect(url_for("dashboard.helpdesk_queue"))
    abort(403)


@bp.errorhandler(403)
def forbidden(_error: Exception) -> tuple[str, int]:
    """A page this account's role does not open."""
    return render_template("dashboard/forbidden.html"), 403


@bp.context_processor
def role_context() -> dict[str, Any]:
    """What every template may use: the account and the role check."""
    return {"staff": g.get("staff"), "can": can}
