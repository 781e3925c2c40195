"""Roles: viewers read, editors also send and export, admins also manage accounts."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, render_template

from dashboard import bp
from storage.models import STAFF_ROLES

F = TypeVar("F", bound=Callable[..., Any])


def can(role: str) -> bool:
    """Whether the signed-in account has this role or a higher one."""
    user = g.get("staff")
    return user is not None and STAFF_ROLES.index(user.role) >= STAFF_ROLES.index(role)


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


@bp.errorhandler(403)
def forbidden(_error: Exception) -> tuple[str, int]:
    """A page this account's role does not open."""
    return render_template("dashboard/forbidden.html"), 403


@bp.context_processor
def role_context() -> dict[str, Any]:
    """What every template may use: the account and the role check."""
    return {"staff": g.get("staff"), "can": can}
