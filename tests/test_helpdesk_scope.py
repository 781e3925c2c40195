"""Caseworkers limited to regions or an organisation: what a conversation records when it opens
(the first region the person chose alerts for, the code of the link that brought them, nothing
else), the queue each account sees and says it sees, a plain 404 with nothing changed on any
other conversation, and how an account gets its limits (the command line, the accounts page)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.cli import senda
from dashboard.accounts import create_account
from storage.models import (
    HelpdeskConversation,
    HelpdeskMessage,
    Organisation,
    StaffUser,
    utcnow,
)
from tests.dashboard_helpers import PASSWORD, audit, csrf_token, post_form, sign_in, signed_in
from tests.test_helpdesk_desk import (
    ASKED,
    QUEUE,
    conversation_ids,
    conversation_url,
    desk,
    figure,
    on_telegram,
    page_of,
    post,
    queue_order,
    telegram,
    text_of,
    twilio,
)

__all__ = ["desk", "telegram", "twilio"]  # fixtures

ACCOUNTS = "/dashboard/accounts"
CASA = ("casa", "Casa del Migrante")
OTRA = ("otra", "Otra Casa")
# Who writes to the desk in these tests: how they came (a deep link or none) and the regions
# they chose alerts for, in order.
PEOPLE = {
    "chiapas": (101, None, ["chiapas"]),
    "tabasco": (102, None, ["tabasco"]),
    "nowhere": (103, None, []),
    "casa": (104, "casa", []),
    "otra": (105, "otra", []),
}


# -- people on the desk, and staff -------------------------------------------------------------


def writes_to_the_desk(person, organisation: str | None = None, regions: tuple[str, ...] = ()):
    """Come by an organisation's link (or not), onboard as a migrant in English, choose alerts
    for regions one by one, then ask for a person about health and write."""
    first = f"/start demo__basics__org-{organisation}" if organisation else "hola"
    for said in (first, "2", "1", "3"):  # English; I agree; migrant or traveller
        person.writes(said)
    if regions:
        person.writes("alerts for my region")
        for region in regions:
            assert "You will get alerts for" in person.writes(region)
    assert "What is it about?" in person.writes("person")
    person.writes("Health")
    person.writes("Yes, write to a person")
    assert "A person will read it" in person.writes(ASKED)


def add_organisations(service, *organisations: tuple[str, str]) -> None:
    with service.sessions.begin() as session:
        for code, name in organisations:
            session.add(Organisation(code=code, name=name, created_at=utcnow()))


def limited(app, email: str, regions: tuple[str, ...] = (), organisation: str | None = None):
    """A test client signed in as a caseworker with these limits."""
    service = app.extensions["senda"]
    with service.sessions.begin() as session:
        create_account(
            session,
            "test setup",
            email,
            "caseworker",
            PASSWORD,
            regions=regions,
            organisation=organisation,
            known_regions={region.id for region in service.catalog.regions},
        )
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def the_conversation(service, conversation_id: int) -> HelpdeskConversation:
    with service.sessions() as session:
        return session.get(HelpdeskConversation, conversation_id)


def state(service, conversation_id: int) -> tuple:
    """What staff could change on a conversation: its columns and how many messages it has."""
    with service.sessions() as session:
        row = session.get(HelpdeskConversation, conversation_id)
        kept = session.scalar(
            select(func.count())
            .select_from(HelpdeskMessage)
            .where(HelpdeskMessage.conversation_id == conversation_id)
        )
    columns = {c.name: getattr(row, c.name) for c in HelpdeskConversation.__table__.columns}
    return columns, kept


@pytest.fixture
def people(desk, telegram) -> dict[str, tuple[int, object]]:
    """Five people who wrote to the desk: name -> (their conversation, the person)."""
    service = desk.extensions["senda"]
    add_organisations(service, CASA, OTRA)
    found = {}
    for name, (chat_id, organisation, regions) in PEOPLE.items():
        person = on_telegram(desk, telegram, chat_id)
        writes_to_the_desk(person, organisation, tuple(regions))
        found[name] = (conversation_ids(service)[-1], person)
    return found


# -- what a conversation records when it opens -------------------------------------------------


def test_a_conversation_records_the_first_region_the_person_chose_for_alerts(desk, telegram):
    service = desk.extensions["senda"]
    writes_to_the_desk(on_telegram(desk, telegram, 201), regions=("chiapas", "tabasco"))
    writes_to_the_desk(on_telegram(desk, telegram, 202), regions=("tabasco", "chiapas"))
    first, second = (the_conversation(service, c) for c in conversation_ids(service))
    assert (first.region, first.organisation) == ("chiapas", None)
    assert second.region == "tabasco"  # the first one chosen, not the first from a to z


def test_a_conversation_records_the_organisation_whose_link_brought_the_person(desk, telegram):
    service = desk.extensions["senda"]
    writes_to_the_desk(on_telegram(desk, telegram), organisation="casa-del-migrante")
    conversation = the_conversation(service, conversation_ids(service)[-1])
    assert (conversation.organisation, conversation.region) == ("casa-del-migrante", None)


def test_a_person_who_chose_no_region_and_came_by_no_link_opens_one_with_neither(desk, telegram):
    service = desk.extensions["senda"]
    writes_to_the_desk(on_telegram(desk, telegram))
    conversation = the_conversation(service, conversation_ids(service)[-1])
    assert (conversation.region, conversation.organisation) == (None, None)


# -- who sees which conversation ---------------------------------------------------------------

# (the account's limits, the conversations it sees, what the queue says it sees)
SCOPES = {
    "chiapas": ((("chiapas",), None), ["chiapas"], "Chiapas"),
    "two regions": ((("chiapas", "tabasco"), None), ["chiapas", "tabasco"], "Chiapas, Tabasco"),
    "organisation": (((), "casa"), ["casa"], "organisation Casa del Migrante"),
    "either": (
        (("chiapas",), "casa"),
        ["chiapas", "casa"],
        "Chiapas or organisation Casa del Migrante",
    ),
}


@pytest.mark.parametrize("name", SCOPES)
def test_a_limited_caseworker_sees_only_their_conversations_and_is_told_which(desk, people, name):
    (regions, organisation), seen, label = SCOPES[name]
    client = limited(desk, "lia@example.org", regions, organisation)
    page = page_of(client, QUEUE)
    assert sorted(queue_order(page)) == sorted(people[n][0] for n in seen)
    assert figure(page, "open") == len(seen)
    assert f"Your queue: {label}." in text_of(page)
    for visible in seen:
        assert ASKED in text_of(page_of(client, conversation_url(people[visible][0])))


@pytest.mark.parametrize("role", ["caseworker", "admin"])
def test_unlimited_caseworkers_and_admins_see_every_conversation(desk, people, role):
    page = page_of(signed_in(desk, role), QUEUE)
    assert sorted(queue_order(page)) == sorted(c for c, _ in people.values())
    assert "Your queue: all conversations." in text_of(page)
    assert "caseworkers without limits" not in page


# Everything a caseworker can do to a conversation, and the form each sends.
ACTIONS = {
    "open": ("GET", "", {}),
    "answer": ("POST", "", {"text": "Hello from the desk"}),
    "note": ("POST", "", {"note": "A note"}),
    "empty post": ("POST", "", {}),
    "take": ("POST", "/take", {}),
    "close": ("POST", "/close", {"outcome": "answered"}),
    "close without outcome": ("POST", "/close", {}),
}


@pytest.mark.parametrize(
    ("regions", "organisation", "outside"),
    [
        (("chiapas",), None, ["tabasco", "nowhere", "casa"]),
        ((), "casa", ["otra", "nowhere", "chiapas"]),
    ],
    ids=["limited to chiapas", "limited to an organisation"],
)
@pytest.mark.parametrize("action", ACTIONS)
def test_a_conversation_outside_the_scope_is_404_and_nothing_changes(
    desk, telegram, people, regions, organisation, outside, action
):
    service = desk.extensions["senda"]
    client = limited(desk, "lia@example.org", regions, organisation)
    method, suffix, data = ACTIONS[action]
    never = text_of(client.get(conversation_url(999)).get_data(as_text=True))
    for name in outside:
        conversation_id, person = people[name]
        before, sent = state(service, conversation_id), len(person.messages())
        url = conversation_url(conversation_id) + suffix
        got = client.get(url) if method == "GET" else post(client, url, data)
        assert got.status_code == 404, (name, got.status_code)
        # The same page as for a number that never was: nothing says this one exists.
        assert text_of(got.get_data(as_text=True)) == never
        assert ASKED not in got.get_data(as_text=True)
        assert state(service, conversation_id) == before
        assert len(person.messages()) == sent
    assert [a for a in audit(service) if a[1].startswith("helpdesk")] == []


def test_a_limited_caseworker_answers_takes_and_closes_their_own(desk, people):
    service = desk.extensions["senda"]
    client = limited(desk, "lia@example.org", ("chiapas",))
    conversation_id, ana = people["chiapas"]
    url = conversation_url(conversation_id)
    assert post(client, url + "/take", {}).status_code == 303
    assert post(client, url, {"text": "Hello from the desk"}).status_code == 303
    assert ana.last().params["text"].endswith("Hello from the desk")
    assert post(client, url, {"note": "Seen in Tapachula"}).status_code == 303
    assert post(client, url + "/close", {"outcome": "answered"}).status_code == 303
    closed = the_conversation(service, conversation_id)
    assert (closed.taken_by, closed.outcome) == ("lia@example.org", "answered")


def test_a_limit_changed_by_an_admin_applies_at_the_next_request(desk, people):
    service = desk.extensions["senda"]
    lia = limited(desk, "lia@example.org", ("chiapas",))
    tabasco = people["tabasco"][0]
    assert lia.get(conversation_url(tabasco)).status_code == 404
    with service.sessions() as session:
        lia_id = session.scalar(select(StaffUser.id).where(StaffUser.email == "lia@example.org"))
    admin = signed_in(desk, "admin", "boss@example.org")
    changed = post_form(admin, f"{ACCOUNTS}/{lia_id}", {"action": "scope", "regions": "tabasco"})
    assert changed.status_code == 302
    assert lia.get(conversation_url(tabasco)).status_code == 200
    assert lia.get(conversation_url(people["chiapas"][0])).status_code == 404
    assert "Your queue: Tabasco." in text_of(page_of(lia, QUEUE))


# -- the command line --------------------------------------------------------------------------


def create_user(app_config, *args: str):
    return CliRunner().invoke(
        senda, ["admin", "create-user", *args], input=PASSWORD + "\n", env=app_config
    )


def accounts_of(service) -> list[tuple[str, str, list[str], str | None]]:
    with service.sessions() as session:
        rows = session.scalars(select(StaffUser).order_by(StaffUser.id))
        return [(u.email, u.role, u.regions, u.organisation) for u in rows]


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (
            ["--regions", "chiapas,atlantis"],
            "no region has the id atlantis (the regions are: baja-california, chiapas, tabasco)",
        ),
        (["--organisation", "nope"], "no organisation has the code nope"),
        (["--role", "admin", "--regions", "chiapas"], "only a caseworker can be limited"),
    ],
    ids=["unknown region", "unknown organisation", "not a caseworker"],
)
def test_create_user_refuses_an_unknown_region_or_organisation(desk, app_config, args, problem):
    service = desk.extensions["senda"]
    add_organisations(service, CASA)
    role = [] if "--role" in args else ["--role", "caseworker"]
    result = create_user(app_config, "cara@example.org", *role, *args)
    assert result.exit_code == 1
    assert problem in " ".join(result.output.split())  # click may wrap a long line
    assert accounts_of(service) == []


def test_create_user_limits_a_caseworker_to_regions_and_an_organisation(desk, app_config, people):
    service = desk.extensions["senda"]
    result = create_user(
        app_config,
        "Cara@example.org",
        "--role",
        "caseworker",
        "--regions",
        "tabasco, chiapas",
        "--organisation",
        "casa",
    )
    assert result.exit_code == 0, result.output
    assert "Chiapas, Tabasco or organisation Casa del Migrante" in result.output
    assert accounts_of(service) == [
        ("cara@example.org", "caseworker", ["chiapas", "tabasco"], "casa")
    ]
    assert (
        "command line",
        "account created",
        "cara@example.org as caseworker, limited to regions chiapas, tabasco; organisation casa",
    ) in audit(service)
    cara = desk.test_client()
    assert sign_in(cara, "cara@example.org").status_code == 302
    page = page_of(cara, QUEUE)
    assert sorted(queue_order(page)) == sorted(people[n][0] for n in ("chiapas", "tabasco", "casa"))
    assert "Your queue: Chiapas, Tabasco or organisation Casa del Migrante." in text_of(page)


# -- the accounts page -------------------------------------------------------------------------


def account_id(service, email: str) -> int:
    with service.sessions() as session:
        return session.scalar(select(StaffUser.id).where(StaffUser.email == email))


def test_an_admin_limits_a_caseworker_on_the_accounts_page(desk):
    service = desk.extensions["senda"]
    add_organisations(service, CASA)
    admin = signed_in(desk, "admin", "boss@example.org")
    cara = signed_in(desk, "caseworker", "cara@example.org")
    cara_id = account_id(service, "cara@example.org")
    page = page_of(admin, ACCOUNTS)
    assert 'name="regions" value="chiapas"' in page
    assert '<option value="casa">Casa del Migrante (casa)</option>' in page
    assert "all conversations" in text_of(page)

    target = f"{ACCOUNTS}/{cara_id}"
    done = post_form(
        admin,
        target,
        {"action": "scope", "regions": ["chiapas", "tabasco"], "organisation": "casa"},
    )
    assert done.status_code == 302
    assert accounts_of(service)[-1] == (
        "cara@example.org",
        "caseworker",
        ["chiapas", "tabasco"],
        "casa",
    )
    shown = text_of(page_of(admin, ACCOUNTS))
    assert "cara@example.org sees Chiapas, Tabasco or organisation Casa del Migrante." in shown
    assert (
        "boss@example.org",
        "account changed",
        "cara@example.org: sees regions chiapas, tabasco; organisation casa",
    ) in audit(service)
    assert "Your queue: Chiapas, Tabasco or organisation Casa del Migrante." in text_of(
        page_of(cara, QUEUE)
    )

    # Nothing ticked: the whole desk again.
    assert post_form(admin, target, {"action": "scope"}).status_code == 302
    assert accounts_of(service)[-1] == ("cara@example.org", "caseworker", [], None)
    assert "Your queue: all conversations." in text_of(page_of(cara, QUEUE))


@pytest.mark.parametrize(
    ("who", "with_token", "status"),
    [("admin", False, 400), ("caseworker", True, 403), ("editor", True, 403)],
    ids=["admin without the token", "the caseworker herself", "an editor"],
)
def test_only_an_admin_with_the_form_token_sets_a_limit(desk, who, with_token, status):
    service = desk.extensions["senda"]
    cara = signed_in(desk, "caseworker", "cara@example.org")
    cara_id = account_id(service, "cara@example.org")
    client = cara if who == "caseworker" else signed_in(desk, who, f"{who}@example.org")
    data = {"action": "scope", "regions": "chiapas"}
    if with_token:
        data["csrf_token"] = csrf_token(
            client, QUEUE if who == "caseworker" else "/dashboard/overview"
        )
    got = client.post(f"{ACCOUNTS}/{cara_id}", data=data)
    assert got.status_code == status
    assert accounts_of(service)[0] == ("cara@example.org", "caseworker", [], None)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"regions": "atlantis"}, "Not changed: no region has the id atlantis"),
        ({"organisation": "nope"}, "Not changed: no organisation has the code nope"),
    ],
    ids=["unknown region", "unknown organisation"],
)
def test_the_accounts_page_refuses_an_unknown_region_or_organisation(desk, data, problem):
    service = desk.extensions["senda"]
    admin = signed_in(desk, "admin", "boss@example.org")
    cara_id = create_caseworker(service, "cara@example.org", ("chiapas",))
    answer = post_form(admin, f"{ACCOUNTS}/{cara_id}", {"action": "scope", **data})
    assert answer.status_code == 302
    assert problem in text_of(page_of(admin, ACCOUNTS))
    assert accounts_of(service)[-1] == ("cara@example.org", "caseworker", ["chiapas"], None)


def create_caseworker(service, email: str, regions: tuple[str, ...]) -> int:
    with service.sessions.begin() as session:
        return create_account(
            session, "test setup", email, "caseworker", PASSWORD, regions, None, {"chiapas"}
        )


def test_a_new_account_can_be_limited_and_only_a_caseworker(desk):
    service = desk.extensions["senda"]
    add_organisations(service, CASA)
    admin = signed_in(desk, "admin", "boss@example.org")
    made = post_form(
        admin,
        ACCOUNTS,
        {
            "email": "cara@example.org",
            "role": "caseworker",
            "password": PASSWORD,
            "organisation": "casa",
        },
    )
    assert made.status_code == 302
    assert accounts_of(service)[-1] == ("cara@example.org", "caseworker", [], "casa")
    refused = post_form(
        admin,
        ACCOUNTS,
        {"email": "eva@example.org", "role": "editor", "password": PASSWORD, "regions": "chiapas"},
    )
    assert refused.status_code == 400
    assert "only a caseworker can be limited" in refused.get_data(as_text=True)
    assert [a[0] for a in accounts_of(service)] == ["boss@example.org", "cara@example.org"]


def test_a_caseworker_made_admin_loses_the_limits(desk):
    service = desk.extensions["senda"]
    admin = signed_in(desk, "admin", "boss@example.org")
    cara_id = create_caseworker(service, "cara@example.org", ("chiapas",))
    post_form(admin, f"{ACCOUNTS}/{cara_id}", {"action": "role", "role": "admin"})
    assert accounts_of(service)[-1] == ("cara@example.org", "admin", [], None)
    assert (
        "boss@example.org",
        "account changed",
        "cara@example.org: role caseworker -> admin; limits removed",
    ) in audit(service)
