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
@click.option(
    "--regions",
    default="",
    metavar="ID,ID",
    help="A caseworker sees only the conversations of these regions (ids, comma-separated).",
)
@click.option(
    "--organisation",
    default=None,
    metavar="CODE",
    help="A caseworker sees only the conversations of this organisation (its code).",
)
@with_appcontext
def create_user(email: str, role: str, regions: str, organisation: str | None) -> None:
    """Create a dashboard account; the password is asked for twice, or read from stdin."""
    from dashboard.accounts import (
        AccountError,
        check_scope,
        create_account,
        scope_label,
        split_regions,
    )

    service = current_app.extensions["senda"]
    known = {region.id for region in service.catalog.regions}
    wanted = split_regions(regions)
    # Unknown regions or codes are refused before the password is asked for.
    try:
        with service.sessions() as session:
            scope = check_scope(session, known, role, wanted, organisation)
            sees = scope_label(session, service.catalog, scope)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        with service.sessions.begin() as session:
            create_account(
                session,
                "command line",
                email,
                role,
                password,
                regions=wanted,
                organisation=organisation,
                known_regions=known,
            )
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    limited = f" In the help desk it sees: {sees}." if scope else ""
    click.echo(
        f"Created {role} account {email.strip().casefold()}.{limited} Sign in at "
        f"{service.settings.public_url}/dashboard/login"
    )
