"""Dashboard access: sign-in, lockout, roles, CSRF, secure headers and cookies, accounts, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from bot.cli import senda
from storage.models import Broadcast, StaffUser, utcnow
from tests.dashboard_helpers import (
    PASSWORD,
    add_staff,
    audit,
    csrf_token,
    post_form,
    sign_in,
    signed_in,
)
from tests.twilio_helpers import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_URL,
    WHATSAPP_FROM,
    payload,
    signature,
)

PAGES = [
    "/dashboard/",
    "/dashboard/overview",
    "/dashboard/courses",
    "/dashboard/courses.csv",
    "/dashboard/broadcasts",
    "/dashboard/broadcasts/new",
    "/dashboard/share",
    "/dashboard/accounts",
    "/dashboard/audit",
]


@pytest.mark.parametrize("path", PAGES)
def test_a_visitor_who_is_not_signed_in_is_sent_to_the_sign_in_page(app, path):
    answer = app.test_client().get(path)
    assert answer.status_code == 302
    assert answer.location.startswith("/dashboard/login?next=")


def test_a_form_post_when_signed_out_changes_nothing(app, service):
    answer = app.test_client().post("/dashboard/broadcasts/new", data={"text_es": "Hola"})
    assert answer.status_code in (302, 400)
    with service.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Broadcast)) == 0


def test_sign_in_then_back_to_the_page_asked_for_then_sign_out(app, service):
    add_staff(service, "ana@example.org", "viewer")
    client = app.test_client()
    first = client.get("/dashboard/courses")
    assert first.status_code == 302
    page = client.get(first.location).get_data(as_text=True)
    assert 'name="next" value="/dashboard/courses"' in page
    answer = client.post(
        "/dashboard/login",
        data={
            "email": "  Ana@Example.org ",
            "password": PASSWORD,
            "next": "/dashboard/courses",
            "csrf_token": csrf_token(client),
        },
    )
    assert answer.status_code == 302 and answer.location == "/dashboard/courses"
    assert client.get("/dashboard/courses").status_code == 200
    signed_out = post_form(client, "/dashboard/logout", {})
    assert signed_out.location == "/dashboard/login"
    assert client.get("/dashboard/overview").status_code == 302
    assert [action for _, action, _ in audit(service)][-2:] == ["sign-in", "sign-out"]


def test_after_sign_in_only_a_dashboard_path_is_followed(app, service):
    add_staff(service, "ana@example.org", "viewer")
    client = app.test_client()
    answer = client.post(
        "/dashboard/login",
        data={
            "email": "ana@example.org",
            "password": PASSWORD,
            "next": "https://evil.example/",
            "csrf_token": csrf_token(client),
        },
    )
    assert answer.location == "/dashboard/overview"


@pytest.mark.parametrize(
    ("email", "password"),
    [("ana@example.org", "wrong password!"), ("nobody@example.org", PASSWORD), ("", "")],
    ids=["wrong password", "unknown email", "empty form"],
)
def test_a_failed_sign_in_says_so_without_telling_which_part_was_wrong(
    app, service, email, password
):
    add_staff(service, "ana@example.org", "viewer")
    client = app.test_client()
    answer = sign_in(client, email, password)
    assert answer.status_code == 401
    assert "The email or the password is not right." in answer.get_data(as_text=True)
    assert client.get("/dashboard/overview").status_code == 302
    assert audit(service)[-1][1] == "sign-in failed"


def test_five_failures_lock_the_account_for_fifteen_minutes(app, service):
    add_staff(service, "ana@example.org", "editor")
    client = app.test_client()
    for _ in range(5):
        assert sign_in(client, "ana@example.org", "guess guess guess").status_code == 401
    locked = sign_in(client, "ana@example.org")  # even the right password waits
    assert locked.status_code == 401
    assert "Too many failed attempts: try again in 15 minutes." in locked.get_data(as_text=True)
    assert client.get("/dashboard/overview").status_code == 302
    details = [detail for _, action, detail in audit(service) if action == "sign-in failed"]
    assert details[-1] == "wrong password (5 in a row); locked for 15 minutes"
    assert audit(service)[-1][1:] == ("sign-in refused", "account locked")
    with service.sessions.begin() as session:  # fifteen minutes later
        session.execute(update(StaffUser).values(locked_until=utcnow() - timedelta(seconds=1)))
    assert sign_in(client, "ana@example.org").status_code == 302
    assert client.get("/dashboard/overview").status_code == 200


def test_a_success_resets_the_count_of_failures(app, service):
    add_staff(service, "ana@example.org", "viewer")
    client = app.test_client()
    for _ in range(4):
        sign_in(client, "ana@example.org", "nope nope nope")
    assert sign_in(client, "ana@example.org").status_code == 302
    other = app.test_client()
    for _ in range(4):
        sign_in(other, "ana@example.org", "nope nope nope")
    assert sign_in(other, "ana@example.org").status_code == 302


# (role, method, path, expected status): viewers read; editors send, export and add
# organisations; admins manage accounts and read the audit log.
PERMISSIONS = [
    ("viewer", "GET", "/dashboard/overview", 200),
    ("viewer", "GET", "/dashboard/courses", 200),
    ("viewer", "GET", "/dashboard/broadcasts", 200),
    ("viewer", "GET", "/dashboard/share", 200),
    ("viewer", "GET", "/dashboard/courses.csv", 403),
    ("viewer", "GET", "/dashboard/broadcasts/new", 403),
    ("viewer", "POST", "/dashboard/broadcasts/new", 403),
    ("viewer", "POST", "/dashboard/organisations", 403),
    ("viewer", "GET", "/dashboard/accounts", 403),
    ("viewer", "GET", "/dashboard/audit", 403),
    ("editor", "GET", "/dashboard/courses.csv", 200),
    ("editor", "GET", "/dashboard/broadcasts/new", 200),
    ("editor", "POST", "/dashboard/broadcasts/new", 400),  # allowed; the empty form is refused
    ("editor", "POST", "/dashboard/organisations", 302),
    ("editor", "GET", "/dashboard/accounts", 403),
    ("editor", "POST", "/dashboard/accounts", 403),
    ("editor", "GET", "/dashboard/audit", 403),
    ("admin", "GET", "/dashboard/courses.csv", 200),
    ("admin", "GET", "/dashboard/broadcasts/new", 200),
    ("admin", "GET", "/dashboard/accounts", 200),
    ("admin", "POST", "/dashboard/accounts", 400),  # allowed; the empty form is refused
    ("admin", "GET", "/dashboard/audit", 200),
]


@pytest.mark.parametrize(
    ("role", "method", "path", "status"),
    PERMISSIONS,
    ids=[f"{r} {m} {p.removeprefix('/dashboard/')}" for r, m, p, _ in PERMISSIONS],
)
def test_each_role_opens_what_it_may(app, role, method, path, status):
    client = signed_in(app, role)
    answer = client.get(path) if method == "GET" else post_form(client, path, {})
    assert answer.status_code == status
    if status == 403:
        assert "does not open this page" in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/dashboard/broadcasts/new", {"text_es": "Aviso", "action": "send"}),
        (
            "/dashboard/accounts",
            {"email": "new@example.org", "role": "admin", "password": "x" * 12},
        ),
        ("/dashboard/organisations", {"name": "Casa", "code": "casa"}),
        ("/dashboard/logout", {}),
    ],
    ids=["broadcast", "account", "organisation", "sign-out"],
)
def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(app, service, path, data):
    client = signed_in(app, "admin")
    before = audit(service)
    answer = client.post(path, data=data)
    assert answer.status_code == 400
    assert "CSRF" in answer.get_data(as_text=True)
    assert audit(service) == before
    with service.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Broadcast)) == 0
        assert session.scalar(select(func.count()).select_from(StaffUser)) == 1
    assert client.get("/dashboard/overview").status_code == 200  # still signed in


def test_a_forged_csrf_token_is_refused(app, service):
    client = signed_in(app, "admin")
    answer = client.post(
        "/dashboard/organisations", data={"name": "Casa", "code": "casa", "csrf_token": "forged"}
    )
    assert answer.status_code == 400


def test_the_webhooks_need_no_csrf_token(app_config):
    # Signed by Twilio instead of a form token: a signed status callback is taken (200), an
    # unsigned one refused by the signature check (403), never by the CSRF check (400).
    from webhooks import create_app

    config = {
        **app_config,
        "PUBLIC_URL": PUBLIC_URL,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
    }
    app = create_app(config)
    try:
        client = app.test_client()
        form = payload("status_delivered")
        url = PUBLIC_URL + "/webhooks/twilio/status"
        signed = client.post(
            "/webhooks/twilio/status",
            data=form,
            headers={"X-Twilio-Signature": signature(url, form)},
        )
        assert signed.status_code == 200
        assert client.post("/webhooks/twilio/status", data=form).status_code == 403
    finally:
        app.extensions["senda"].close()


@pytest.mark.parametrize("path", ["/dashboard/login", "/dashboard/overview"])
def test_dashboard_responses_carry_secure_headers(app, path):
    client = signed_in(app, "viewer")
    answer = client.get(path, base_url="https://senda.example.org")
    policy = answer.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "same-origin"
    assert answer.headers["Strict-Transport-Security"].startswith("max-age=")
    plain = client.get(path)
    assert "Strict-Transport-Security" not in plain.headers  # only over https


def test_the_css_is_served_by_the_app_and_small(app):
    answer = app.test_client().get("/dashboard/static/dashboard.css")
    assert answer.status_code == 200 and answer.mimetype == "text/css"
    assert len(answer.data) < 4000
    assert "@import" not in answer.get_data(as_text=True)  # no web fonts, nothing from elsewhere


@pytest.mark.parametrize(
    ("public_url", "secure"),
    [("http://127.0.0.1:8000", False), ("https://senda.example.org", True)],
)
def test_the_session_cookie_is_http_only_and_lax_and_secure_on_https(
    app_config, public_url, secure
):
    from webhooks import create_app

    app = create_app({**app_config, "PUBLIC_URL": public_url})
    try:
        cookie = app.test_client().get("/dashboard/login").headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert ("Secure" in cookie) is secure
    finally:
        app.extensions["senda"].close()


def run_create_user(config, *args: str, password: str = "a long enough one"):
    return CliRunner().invoke(
        senda, ["admin", "create-user", *args], input=password + "\n", env=config
    )


def test_create_user_reads_the_password_from_stdin(app, app_config):
    result = run_create_user(app_config, "Admin@Example.org", "--role", "admin")
    assert result.exit_code == 0, result.output
    assert "Created admin account admin@example.org" in result.output
    assert "/dashboard/login" in result.output
    client = app.test_client()
    assert sign_in(client, "admin@example.org", "a long enough one").status_code == 302
    assert client.get("/dashboard/accounts").status_code == 200
    assert ("command line", "account created", "admin@example.org as admin") in audit(
        app.extensions["senda"]
    )


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["a@example.org", "--role", "admin"], "short", "at least 10 characters"),
        (["not-an-email", "--role", "viewer"], "long enough pass", "is not an email address"),
        (["a@example.org", "--role", "boss"], "long enough pass", "Invalid value for '--role'"),
    ],
    ids=["short password", "bad email", "unknown role"],
)
def test_create_user_refuses_bad_input(app, app_config, args, password, message):
    result = run_create_user(app_config, *args, password=password)
    assert result.exit_code != 0 and message in result.output
    with app.extensions["senda"].sessions() as session:
        assert session.scalar(select(func.count()).select_from(StaffUser)) == 0


def test_create_user_refuses_a_second_account_for_one_email(app, app_config):
    assert run_create_user(app_config, "a@example.org", "--role", "viewer").exit_code == 0
    again = run_create_user(app_config, "A@example.org", "--role", "admin")
    assert again.exit_code == 1 and "already an account for a@example.org" in again.output


def test_an_admin_creates_changes_and_disables_accounts(app, service):
    admin = signed_in(app, "admin", "boss@example.org")
    created = post_form(
        admin,
        "/dashboard/accounts",
        {"email": "Eva@example.org", "role": "viewer", "password": "first password"},
    )
    assert created.status_code == 302
    eva = app.test_client()
    assert sign_in(eva, "eva@example.org", "first password").status_code == 302
    assert eva.get("/dashboard/broadcasts/new").status_code == 403
    with service.sessions() as session:
        eva_id = session.scalar(select(StaffUser.id).where(StaffUser.email == "eva@example.org"))
    post_form(admin, f"/dashboard/accounts/{eva_id}", {"action": "role", "role": "editor"})
    assert eva.get("/dashboard/broadcasts/new").status_code == 200  # at once
    post_form(admin, f"/dashboard/accounts/{eva_id}", {"action": "disable"})
    assert eva.get("/dashboard/overview").status_code == 302  # signed out at the next request
    assert sign_in(eva, "eva@example.org", "first password").status_code == 401
    page = admin.get("/dashboard/accounts").get_data(as_text=True)
    assert "eva@example.org" in page and "disabled" in page
    log = admin.get("/dashboard/audit").get_data(as_text=True)
    for detail in (
        "eva@example.org as viewer",
        "eva@example.org: role viewer -&gt; editor",
        "eva@example.org: disabled",
    ):
        assert detail in log


def test_an_admin_cannot_change_their_own_account(app, service):
    admin = signed_in(app, "admin", "boss@example.org")
    with service.sessions() as session:
        own = session.scalar(select(StaffUser.id))
    answer = post_form(admin, f"/dashboard/accounts/{own}", {"action": "role", "role": "viewer"})
    assert answer.status_code == 302
    assert "You cannot change your own account" in admin.get("/dashboard/accounts").get_data(
        as_text=True
    )
    assert admin.get("/dashboard/audit").status_code == 200  # still admin


def test_a_duplicate_or_bad_account_is_refused_with_the_reason(app, service):
    admin = signed_in(app, "admin", "boss@example.org")
    answer = post_form(
        admin,
        "/dashboard/accounts",
        {"email": "boss@example.org", "role": "viewer", "password": "long enough pass"},
    )
    assert answer.status_code == 400
    assert "already an account for boss@example.org" in answer.get_data(as_text=True)


def test_a_session_ends_after_twelve_hours(app):
    client = signed_in(app, "viewer")
    assert client.get("/dashboard/overview").status_code == 200
    with client.session_transaction() as cookie:
        cookie["signed_in_at"] -= 12 * 3600 + 1
    assert client.get("/dashboard/overview").status_code == 302


def test_an_admin_gives_a_locked_out_person_a_new_password(app, service):
    admin = signed_in(app, "admin", "boss@example.org")
    user_id = add_staff(service, "eva@example.org", "viewer")
    eva = app.test_client()
    for _ in range(5):
        sign_in(eva, "eva@example.org", "forgotten it")
    assert "Too many failed attempts" in sign_in(eva, "eva@example.org").get_data(as_text=True)
    short = post_form(
        admin, f"/dashboard/accounts/{user_id}", {"action": "password", "password": "x"}
    )
    assert short.status_code == 302
    page = admin.get("/dashboard/accounts").get_data(as_text=True)
    assert "Not changed: the password must have at least 10 characters." in page
    assert "Too many failed attempts" in sign_in(eva, "eva@example.org").get_data(as_text=True)
    post_form(
        admin, f"/dashboard/accounts/{user_id}", {"action": "password", "password": "brand new one"}
    )
    assert sign_in(eva, "eva@example.org", "brand new one").status_code == 302
    assert ("boss@example.org", "account changed", "eva@example.org: new password") in audit(
        service
    )
