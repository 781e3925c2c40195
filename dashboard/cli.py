"""`senda admin create-user`: the first account, from the server's command line."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from dashboard.roles import ROLES


@click.group("admin")
def admin_group() -> None:
    """Staff accounts of the dashboard."""


@admin_group.command("create-user")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What it may do.")
@with_appcontext
def create_user(email: str, role: str) -> None:
    """Create a dashboard account; the password is asked for twice, or read from stdin."""
    from dashboard.accounts import AccountError, create_account

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    service = current_app.extensions["senda"]
    try:
        with service.sessions.begin() as session:
            create_account(session, "command line", email, role, password)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Created {role} account {email.strip().casefold()}. Sign in at "
        f"{service.settings.public_url}/dashboard/login"
    )
