"""Staff accounts and signed-in test clients for the dashboard tests."""

from __future__ import annotations

import re

from sqlalchemy import select

from dashboard.accounts import create_account
from storage.models import AuditEntry

PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_staff(service, email: str, role: str, password: str = PASSWORD) -> int:
    """A staff account straight in the database; its id."""
    with service.sessions.begin() as session:
        return create_account(session, "test setup", email, role, password)


def csrf_token(client, path: str = "/dashboard/login") -> str:
    """The form token of the client's session, as a page of the dashboard carries it."""
    page = client.get(path)
    found = _TOKEN.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def sign_in(client, email: str, password: str = PASSWORD):
    """Post the sign-in form as a browser would; the response."""
    token = csrf_token(client)
    return client.post(
        "/dashboard/login", data={"email": email, "password": password, "csrf_token": token}
    )


def signed_in(app, role: str, email: str | None = None):
    """A test client signed in with a new account of this role."""
    email = email or f"{role}@example.org"
    add_staff(app.extensions["senda"], email, role)
    client = app.test_client()
    answer = sign_in(client, email)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


def post_form(client, path: str, data: dict, token_from: str | None = None):
    """Post a dashboard form with the session's CSRF token."""
    token = csrf_token(client, token_from or "/dashboard/overview")
    return client.post(path, data={**data, "csrf_token": token})


def audit(service) -> list[tuple[str, str, str]]:
    """The audit log as (actor, action, detail), oldest first."""
    with service.sessions() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(row.actor, row.action, row.detail) for row in rows]
