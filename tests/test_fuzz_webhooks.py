"""Hostile input on both webhooks: random JSON and forms, wrong content types, invalid UTF-8,
huge bodies, deep nesting, injection strings. Never a 500; nothing stored without a valid
secret or signature; no sender's address in the logs.

Every property runs a bounded number of examples (`FUZZ`), with no deadline, so that the whole
module stays under a minute on a small machine.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, inspect, select

from bot.logs import RedactingFormatter
from storage.models import Base
from tests.fakes.telegram import FakeTelegram
from tests.fakes.twilio import FakeTwilio
from tests.telegram_helpers import SECRET, TOKEN, TelegramPerson, telegram_settings, text_update
from tests.twilio_helpers import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_URL,
    TwilioPerson,
    message_form,
    signature,
    twilio_settings,
)
from webhooks import MAX_BODY_BYTES, create_app

FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,  # nothing written to the working tree; failures print their example
    # One app (and database) serves all the examples of a test: the properties below hold
    # whatever the earlier examples left behind.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TELEGRAM = "/webhooks/telegram"
WHATSAPP = "/webhooks/whatsapp"
STATUS = "/webhooks/twilio/status"
# The senders whose addresses must never reach a log line.
CHAT_ID = 6660012345
PHONE = "+5215566778899"
INJECTIONS = [
    "'; DROP TABLE learners; --",
    "1' OR '1'='1",
    "{{7*7}}",
    "${7*7}",
    "#{7*7}",
    "<%= 7*7 %>",
    "{% print(7*7) %}",
    "%s%n%x%d",
    "{0.__class__}",
    "<script>alert(1)</script>",
    "\u202eevil",
]
CONTENT_TYPES = [
    "application/json",
    "application/json; charset=latin-1",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "text/plain",
    "application/xml",
    "",
]

# Text that can travel in a form or JSON (no lone surrogates, which UTF-8 cannot carry).
texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | texts,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(texts, children, max_size=5),
    max_leaves=25,
)
forms = st.dictionaries(texts, texts, max_size=12)
# What can travel in an HTTP header: Latin-1 without control characters.
header_texts = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=80).filter(
    lambda text: "\x7f" not in text
)


@pytest.fixture
def fakes():
    with FakeTelegram(token=TOKEN) as telegram, FakeTwilio(ACCOUNT_SID, AUTH_TOKEN) as twilio:
        yield telegram, twilio


@pytest.fixture
def app(app_config, fakes):
    telegram, twilio = fakes
    app = create_app(
        {
            **app_config,
            "PUBLIC_URL": PUBLIC_URL,
            **telegram_settings(telegram.base_url),
            **twilio_settings(twilio.base_url),
        }
    )
    # Not TESTING: an unexpected error becomes the 500 a channel would see, not a raise.
    yield app
    app.extensions["senda"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(autouse=True)
def logs_without_addresses(caplog) -> Iterator[None]:
    """Every log line of the test, checked for the senders' addresses afterwards: the project's
    own lines as written, everything else as the production formatter prints it."""
    caplog.set_level(logging.DEBUG)
    yield
    formatter = RedactingFormatter("%(name)s: %(message)s")
    own = ("bot", "dialogs", "webhooks", "storage", "lessons")
    for record in caplog.records:
        printed = formatter.format(record)
        raw = record.getMessage() if record.name.split(".")[0] in own else ""
        for address in (str(CHAT_ID), PHONE, PHONE[1:], PHONE[4:]):
            assert address not in printed and address not in raw, record.getMessage()


def ran(examples: list[int]) -> None:
    """Check that the property ran on enough examples to mean something, and say how many."""
    print(f" {len(examples)} examples", end="")
    assert len(examples) >= FUZZ.max_examples // 2


def row_counts(app) -> dict[str, int]:
    """Rows of every table, and the tables that exist."""
    engine = app.extensions["senda"].database
    with engine.connect() as connection:
        counts = {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar()
            for table in Base.metadata.sorted_tables
        }
    counts["tables"] = len(inspect(engine).get_table_names())
    return counts


def signed_post(client, path: str, form: dict[str, str]):
    """A form with the signature Twilio would send."""
    headers = {"X-Twilio-Signature": signature(PUBLIC_URL + path, form)}
    return client.post(path, data=form, headers=headers)


# -- Telegram -------------------------------------------------------------------------------------


def test_random_json_with_the_secret_is_refused_or_ignored(app, client, fakes):
    before = row_counts(app)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}

    examples: list[int] = []

    @FUZZ
    @given(json_values)
    def post(value):
        examples.append(1)
        response = client.post(
            TELEGRAM, data=json.dumps(value), headers=headers, content_type="application/json"
        )
        assert response.status_code in (200, 400)

    post()
    ran(examples)
    assert row_counts(app) == before
    assert fakes[0].calls_to("sendMessage") == []


updates = st.fixed_dictionaries(
    {
        "update_id": st.integers(min_value=-(2**70), max_value=2**70) | json_values,
        "message": st.fixed_dictionaries(
            {
                "message_id": st.integers(min_value=1, max_value=2**31) | json_values,
                "date": st.integers(min_value=0, max_value=2**40) | json_values,
                "chat": st.fixed_dictionaries(
                    {
                        "id": st.integers(min_value=-(2**63), max_value=2**63) | json_values,
                        "type": st.sampled_from(["private", "group", "channel"]) | json_values,
                    }
                )
                | json_values,
                "text": texts | json_values,
            },
            optional={
                "entities": json_values,
                "location": json_values,
                "photo": json_values,
                "reply_markup": json_values,
            },
        ),
    },
    optional={"callback_query": json_values, "my_chat_member": json_values},
)


def test_update_shaped_json_with_wrong_field_types_never_crashes(client):
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}

    examples: list[int] = []

    @FUZZ
    @given(updates)
    def post(update):
        examples.append(1)
        response = client.post(TELEGRAM, json=update, headers=headers)
        assert response.status_code in (200, 400), response.get_data(as_text=True)[:200]

    post()
    ran(examples)


def test_without_the_secret_nothing_is_stored(app, client, fakes):
    before = row_counts(app)

    valid_updates = texts.map(lambda text: text_update(CHAT_ID, text))

    examples: list[int] = []

    @FUZZ
    @given(json_values | valid_updates, st.none() | header_texts.filter(lambda t: t != SECRET))
    def post(value, secret):
        examples.append(1)
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        assert client.post(TELEGRAM, json=value, headers=headers).status_code == 403

    post()
    ran(examples)
    assert row_counts(app) == before
    assert fakes[0].calls_to("sendMessage") == []


# -- Twilio ---------------------------------------------------------------------------------------


def test_unsigned_or_forged_forms_store_nothing(app, client, fakes):
    before = row_counts(app)

    examples: list[int] = []

    @FUZZ
    @given(st.sampled_from([WHATSAPP, STATUS]), forms, st.none() | header_texts)
    def post(path, form, forged):
        examples.append(1)
        headers = {} if forged is None else {"X-Twilio-Signature": forged}
        assert client.post(path, data=form, headers=headers).status_code == 403

    post()
    ran(examples)
    assert row_counts(app) == before
    assert fakes[1].requests == []


sids = st.text("0123456789abcdef", min_size=32, max_size=32).map(lambda h: "SM" + h)
message_like_forms = st.fixed_dictionaries(
    {
        "MessageSid": sids | texts | st.text("abcdef0123456789", min_size=300),
        "From": st.sampled_from(["whatsapp:" + PHONE, PHONE, "whatsapp:", ""]) | texts,
    },
    optional={
        "Body": texts,
        "NumMedia": texts | st.integers().map(str),
        "MediaContentType0": texts,
        "Latitude": texts | st.floats().map(str),
        "Longitude": texts | st.floats().map(str),
        "ButtonPayload": texts,
        "ButtonText": texts,
        "MessageStatus": st.sampled_from(["delivered", "read", "failed", "undelivered"]) | texts,
        "ErrorCode": texts | st.text("0123456789", min_size=300),
    },
).flatmap(lambda known: forms.map(lambda extra: {**extra, **known}))
signed_forms = message_like_forms | forms


def test_signed_forms_with_any_fields_get_a_clear_answer(client):
    examples: list[int] = []

    @FUZZ
    @given(st.sampled_from([WHATSAPP, STATUS]), signed_forms)
    def post(path, form):
        examples.append(1)
        response = signed_post(client, path, form)
        assert response.status_code in (200, 400), (response.status_code, form)
        answered[response.status_code] += 1

    answered = {200: 0, 400: 0}
    post()
    print(f" {answered}", end="")
    ran(examples)


def test_bodies_of_any_bytes_and_content_type_never_crash(app, client):
    before = row_counts(app)

    examples: list[int] = []

    @FUZZ
    @given(
        st.sampled_from([TELEGRAM, WHATSAPP, STATUS]),
        st.binary(max_size=300),
        st.sampled_from(CONTENT_TYPES),
    )
    def post(path, body, content_type):
        examples.append(1)
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": content_type}
        if path != TELEGRAM:  # signed over what the form parser makes of the bytes
            headers["X-Twilio-Signature"] = signature(PUBLIC_URL + path, {})
        response = client.post(path, data=body, headers=headers)
        assert response.status_code in (200, 400, 403, 413, 415), response.status_code

    post()
    ran(examples)
    assert row_counts(app) == before


# -- sizes and depth ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [TELEGRAM, WHATSAPP, STATUS])
@pytest.mark.parametrize("signed", [True, False])
def test_a_body_over_one_mebibyte_gets_413_and_changes_nothing(app, client, path, signed):
    before = row_counts(app)
    big = "x" * (MAX_BODY_BYTES + 1)
    if path == TELEGRAM:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET if signed else "no"}
        response = client.post(path, json=text_update(CHAT_ID, big), headers=headers)
    else:
        form = message_form("whatsapp:" + PHONE, big)
        response = signed_post(client, path, form) if signed else client.post(path, data=form)
    if path == TELEGRAM and not signed:
        assert response.status_code == 403  # the secret is checked before the body is read
    else:
        assert response.status_code == 413
    assert row_counts(app) == before


def test_a_body_of_unknown_length_over_one_mebibyte_gets_413(app, client):
    def chunks():
        for _ in range(MAX_BODY_BYTES // 1024 + 2):
            yield b"Body=" + b"x" * 1019 + b"&"

    stream = io.BytesIO(b"".join(chunks()))
    response = client.post(
        WHATSAPP,
        input_stream=stream,
        # As gunicorn says of a chunked request: the stream ends where the body does.
        environ_overrides={"wsgi.input_terminated": True},
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Transfer-Encoding": "chunked",
            "X-Twilio-Signature": "x",
        },
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("[" * 10_000 + "]" * 10_000, id="10,000 nested arrays"),
        pytest.param('{"a":' * 10_000 + "1" + "}" * 10_000, id="10,000 nested objects"),
        pytest.param(
            '{"update_id": 1, "message": ' + "[" * 10_000 + "]" * 10_000 + "}",
            id="an update with 10,000 nested arrays inside",
        ),
    ],
)
def test_deep_nesting_gets_400(app, client, body):
    before = row_counts(app)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    assert client.post(TELEGRAM, data=body, headers=headers).status_code == 400
    assert row_counts(app) == before


@pytest.mark.parametrize(
    "date",
    [
        pytest.param(10**12, id="the year 33658"),
        pytest.param(10**18, id="beyond the system's time (OSError in the parser)"),
        pytest.param(-(10**18), id="long before the epoch"),
        pytest.param(1e300, id="a float no timestamp holds (OverflowError)"),
    ],
)
def test_a_date_no_calendar_holds_gets_400(app, client, date):
    update = text_update(CHAT_ID, "hola")
    update["message"]["date"] = date
    before = row_counts(app)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    assert client.post(TELEGRAM, json=update, headers=headers).status_code == 400
    assert row_counts(app) == before


# -- injection strings ----------------------------------------------------------------------------


def onboarded_people(client, fakes):
    """Someone on each channel who has chosen English and a role: at the menu."""
    telegram, twilio = fakes
    ana = TelegramPerson(client, telegram, chat_id=CHAT_ID)
    luis = TwilioPerson(client, twilio, sender="whatsapp:" + PHONE)
    sms = TwilioPerson(client, twilio, sender=PHONE)
    for person, start in ((ana, "/start"), (luis, "hola"), (sms, "hola")):
        for words in (start, "2", "1", "1"):
            person.writes(words)
    return {"telegram": ana, "whatsapp": luis, "sms": sms}


def test_injection_strings_are_answered_like_any_other_text(app, client, fakes):
    people = onboarded_people(client, fakes)
    for channel, person in people.items():
        expected = person.writes("zzzz")  # some text that means nothing here
        assert "did not understand" in expected
        for text in INJECTIONS:
            before = row_counts(app)
            answer = person.writes(text)
            assert answer == expected, (channel, text)
            assert "49" not in answer
            after = row_counts(app)
            assert after["tables"] == before["tables"] and after["learners"] == 3
