"""Broadcasts: the file, the audience, quiet hours, and 5,000 people reached exactly once."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import senda
from bot.delivery import broadcasts
from bot.delivery.jobs import BROADCAST_SHARES, sweep
from bot.messages import Outbound
from storage.models import Learner, OutboxMessage
from tests.fakes.telegram import FakeTelegram
from tests.fakes.twilio import FakeTwilio
from tests.learners import make_learners
from tests.telegram_helpers import TOKEN, telegram_settings
from tests.twilio_helpers import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, twilio_settings
from webhooks import create_app

GOOD = """
texts:
  es: "Aviso: nueva información."
  en: "Notice: new information."
audience:
  roles: [migrant]
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a list", "must be a mapping"),
        ("texts: {}", "texts must give one text per language"),
        ("texts: {es: ''}", "texts must give one text per language"),
        ("texts: {es: hola}\naudience: {role: [migrant]}", "audience keys are"),
        ("texts: {es: hola}\naudience: {roles: [pilot]}", "unknown role 'pilot'"),
        ("texts: {es: hola}\naudience: {channels: [fax]}", "unknown channel 'fax'"),
        ("texts: {es: hola}\nsend_at: mañana", "send_at must be a date and time"),
        ("texts: {es: hola}\nsend_at: 2026-12-01T09:00:00", "send_at needs an offset"),
        ("texts: {es: hola}\nwhen: now", "unknown field(s): when"),
        ("texts: {es: hola}\nexpires_at: pronto", "expires_at must be a date and time"),
        ("texts: {es: hola}\nexpires_at: 2099-01-01T09:00:00", "expires_at needs an offset"),
        (
            "texts: {es: hola}\nsend_at: 2099-01-02T09:00:00-06:00\n"
            "expires_at: 2099-01-01T09:00:00-06:00",
            "expires_at must come after send_at",
        ),
        ("texts: [oops", "cannot be read"),
    ],
)
def test_a_bad_file_is_refused_with_a_reason(tmp_path, text, message):
    path = tmp_path / "b.yaml"
    path.write_text(text)
    with pytest.raises(
        broadcasts.BroadcastFileError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        broadcasts.read_broadcast_file(path)


def test_a_good_file():
    spec = broadcasts.read_broadcast_file(write(GOOD))
    assert spec.texts == {"es": "Aviso: nueva información.", "en": "Notice: new information."}
    assert spec.audience == {"roles": ["migrant"]} and spec.urgent is False


def write(text: str) -> Path:
    import tempfile

    path = Path(tempfile.mkdtemp()) / "broadcast.yaml"
    path.write_text(text)
    return path


MX = "America/Mexico_City"  # UTC-6 all year


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        ("2026-12-01T15:00", "2026-12-01T15:00"),  # 09:00 local: at once
        ("2026-12-02T03:30", "2026-12-02T14:00"),  # 21:30 local: 08:00 the next morning
        ("2026-12-01T13:59", "2026-12-01T14:00"),  # 07:59 local: at 08:00
        ("2026-12-02T02:59", "2026-12-02T02:59"),  # 20:59 local: at once
    ],
)
def test_quiet_hours(utc, expected):
    moment = datetime.fromisoformat(utc).replace(tzinfo=UTC)
    result = broadcasts.after_quiet_hours(moment, MX, (21, 8))
    assert result.astimezone(UTC) == datetime.fromisoformat(expected).replace(tzinfo=UTC)


@pytest.fixture
def fakes():
    with FakeTelegram(token=TOKEN) as telegram, FakeTwilio(ACCOUNT_SID, AUTH_TOKEN) as twilio:
        yield telegram, twilio


@pytest.fixture
def channels_config(app_config, fakes) -> dict[str, str]:
    telegram, twilio = fakes
    return {
        **app_config,
        "PUBLIC_URL": PUBLIC_URL,
        **telegram_settings(telegram.base_url),
        **twilio_settings(twilio.base_url),
        "SENDA_TELEGRAM_RATE": "0",  # lifted: the fake does not limit
        "SENDA_WHATSAPP_RATE": "0",
        "SENDA_QUIET_HOURS": "0-0",
    }


def send(config: dict[str, str], text: str) -> int:
    result = CliRunner().invoke(senda, ["broadcast", "send", str(write(text))], env=config)
    assert result.exit_code == 0, result.output
    return int(result.output.strip().splitlines()[-1])


def status(config: dict[str, str], broadcast_id: int) -> dict:
    result = CliRunner().invoke(
        senda, ["broadcast", "status", str(broadcast_id), "--json"], env=config
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_5000_learners_on_two_channels_each_get_it_once_in_their_language(channels_config, fakes):
    telegram, twilio = fakes
    app = create_app(channels_config)
    service = app.extensions["senda"]
    try:
        tg_es = make_learners(service, 2000, "telegram", "es")
        tg_en = make_learners(service, 500, "telegram", "en", first=2000)
        wa_ht = make_learners(service, 2000, "whatsapp", "ht")  # no Creole text: the first one
        wa_es = make_learners(service, 500, "whatsapp", "es", first=2000)
        make_learners(service, 30, "telegram", "es", first=5000, pushes_stopped=True)
        make_learners(service, 20, "whatsapp", "es", first=5000, role="official")
        broadcast_id = send(channels_config, GOOD)
        queue = service.jobs.queue  # what `senda worker` would run: the broadcast, then its shares
        ran = []
        while (task := queue.dequeue()) is not None:
            ran.append(task.name)
            queue.execute(task)
        assert ran == ["start_broadcast"] + ["send_broadcast"] * BROADCAST_SHARES
        counts = status(channels_config, broadcast_id)
        assert counts == {
            "id": broadcast_id,
            "total": 5000,
            "pending": 0,
            "sent": 5000,
            "delivered": 0,
            "read": 0,
            "failed": 0,
            "held": 0,
            "expired": 0,
        }
        sent_tg = [c for c in telegram.calls_to("sendMessage") if c.failed is None]
        texts_by_chat = {str(c.params["chat_id"]): c.params["text"] for c in sent_tg}
        assert len(sent_tg) == len(texts_by_chat) == 2500, "once each"
        assert {texts_by_chat[a] for a in tg_es} == {"Aviso: nueva información."}
        assert {texts_by_chat[a] for a in tg_en} == {"Notice: new information."}
        bodies = {r.params["To"]: r.params["Body"] for r in twilio.messages()}
        assert len(twilio.messages()) == len(bodies) == 2500
        assert {bodies["whatsapp:" + a] for a in wa_ht + wa_es} == {"Aviso: nueva información."}
        # Sending again finds nothing left to send.
        assert sweep(service) == 0
    finally:
        service.close()


def test_the_audience_filters_and_a_later_time(channels_config, fakes):
    telegram, _ = fakes
    app = create_app(channels_config)
    service = app.extensions["senda"]
    try:
        make_learners(service, 5, "telegram", "es", regions=("chiapas",))
        make_learners(service, 5, "telegram", "es", first=5, regions=("tabasco",))
        make_learners(service, 5, "telegram", "en", first=10, regions=("chiapas",))
        text = (
            "texts: {es: Alerta Chiapas}\naudience: {regions: [chiapas], languages: [es]}\n"
            "send_at: 2099-01-01T09:00:00-06:00\n"
        )
        broadcast_id = send(channels_config, text)
        assert sweep(service) == 0  # not yet
        assert status(channels_config, broadcast_id)["total"] == 0
        broadcasts.fan_out(service, broadcast_id)
        assert status(channels_config, broadcast_id)["pending"] == 5
        assert broadcasts.send_pushes(service) == 0  # fanned out, but due in 2099
        assert telegram.calls_to("sendMessage") == []
    finally:
        service.close()


def test_a_push_refused_for_a_flood_wait_goes_at_its_time_not_at_the_next_sweep(
    channels_config, fakes
):
    """Telegram refuses one push of a broadcast (429, retry after 1 s): the worker asks for it
    again at its time, and it arrives then, instead of waiting up to a minute for the sweep."""
    telegram, _ = fakes
    app = create_app(channels_config)
    service = app.extensions["senda"]
    try:
        people = make_learners(service, 3, "telegram", "es")
        telegram.fail_next("flood", retry_after=1)
        broadcast_id = send(channels_config, GOOD)
        queue = service.jobs.queue
        while (task := queue.dequeue()) is not None:
            queue.execute(task)
        assert status(channels_config, broadcast_id)["sent"] == 2
        (retry,) = queue.scheduled()
        assert retry.name == "flush_learner"
        time.sleep(max(0.0, (retry.eta - datetime.now(UTC).replace(tzinfo=None)).total_seconds()))
        for task in queue.read_schedule(datetime.now(UTC).replace(tzinfo=None)):
            queue.execute(task)
        assert status(channels_config, broadcast_id)["sent"] == 3
        sent = [c for c in telegram.calls_to("sendMessage") if c.failed is None]
        assert sorted(str(c.params["chat_id"]) for c in sent) == sorted(people)
    finally:
        service.close()


def test_status_of_an_unknown_broadcast(channels_config):
    result = CliRunner().invoke(
        senda, ["broadcast", "status", "999", "--json"], env=channels_config
    )
    assert result.exit_code == 1 and "no broadcast 999" in result.output


def test_two_pushes_to_one_person_arrive_in_the_order_they_were_written(channels_config, fakes):
    telegram, _ = fakes
    # No per-person pace: nothing but the claim keeps a person's two pushes apart.
    app = create_app({**channels_config, "SENDA_TELEGRAM_CHAT_RATE": "0"})
    service = app.extensions["senda"]
    try:
        addresses = make_learners(service, 8, "telegram", "es")
        with service.sessions.begin() as session:
            for learner in session.scalars(select(Learner).order_by(Learner.id)):
                pair = [Outbound("Alerta: el albergue cerró."), Outbound("Corrección: abrió.")]
                service.outbox.enqueue(session, learner, pair, kind="push")
        assert broadcasts.send_pushes(service) == 16
        for address in addresses:
            texts = [
                c.params["text"]
                for c in telegram.calls_to("sendMessage")
                if str(c.params["chat_id"]) == address and c.failed is None
            ]
            assert texts == ["Alerta: el albergue cerró.", "Corrección: abrió."], address
    finally:
        service.close()


def test_an_alert_that_expires_is_not_sent_after_its_time(channels_config, fakes):
    """A road closure announced at 22:00 for people in quiet hours must not reach them the next
    morning if the road reopened at 07:00: what has not gone by `expires_at` never goes."""
    telegram, _ = fakes
    app = create_app({**channels_config, "SENDA_QUIET_HOURS": "0-23"})  # all waiting
    service = app.extensions["senda"]
    try:
        make_learners(service, 4, "telegram", "es")
        broadcast_id = broadcasts.create(
            service,
            broadcasts.BroadcastSpec(
                texts={"es": "Carretera cerrada"},
                expires_at=datetime.now(UTC) + timedelta(seconds=1),
            ),
        )
        assert broadcasts.fan_out(service, broadcast_id) == 4  # due after the quiet hours
        time.sleep(1.1)
        assert broadcasts.send_pushes(service) == 0
        assert telegram.calls_to("sendMessage") == []
        counts = status(channels_config, broadcast_id)
        assert (counts["expired"], counts["pending"], counts["total"]) == (4, 0, 4)
        with service.sessions() as session:
            texts = session.scalars(
                select(OutboxMessage.text).where(OutboxMessage.broadcast_id == broadcast_id)
            ).all()
        assert texts == [""] * 4
    finally:
        service.close()


def test_an_alert_whose_time_passed_before_it_started_goes_to_nobody(channels_config, fakes):
    telegram, _ = fakes
    app = create_app(channels_config)
    service = app.extensions["senda"]
    try:
        make_learners(service, 3, "telegram", "es")
        broadcast_id = broadcasts.create(
            service,
            broadcasts.BroadcastSpec(
                texts={"es": "Huracán: refugio en la escuela"},
                send_at=datetime.now(UTC) - timedelta(hours=2),
                expires_at=datetime.now(UTC) - timedelta(hours=1),
            ),
        )
        assert broadcasts.fan_out(service, broadcast_id) == 0
        assert broadcasts.send_pushes(service) == 0
        assert telegram.calls_to("sendMessage") == []
    finally:
        service.close()


def test_an_urgent_broadcast_added_later_goes_before_a_long_one_under_way(channels_config, fakes):
    telegram, _ = fakes
    app = create_app(channels_config)
    service = app.extensions["senda"]
    try:
        make_learners(service, 280, "telegram", "es")
        chiapas = make_learners(service, 20, "telegram", "es", first=280, regions=("chiapas",))
        lesson = broadcasts.create(service, broadcasts.BroadcastSpec(texts={"es": "Lección"}))
        broadcasts.fan_out(service, lesson)
        # Added once the long one is pending, and not started: its own start job would wait in
        # the queue behind the long one's sending.
        alert = broadcasts.BroadcastSpec(
            texts={"es": "Alerta"}, audience={"regions": ["chiapas"]}, urgent=True
        )
        broadcasts.create(service, alert)
        assert broadcasts.send_pushes(service, lesson) == 320
        order = [
            (str(c.params["chat_id"]), c.params["text"])
            for c in telegram.calls_to("sendMessage")
            if c.failed is None
        ]
        alerts = [n for n, (_, text) in enumerate(order) if text == "Alerta"]
        assert len(alerts) == 20
        # Each of the 20 gets the lesson written before the alert first (a person's messages
        # keep their order), and then the alert: all within the first 40 of 320 sends.
        assert max(alerts) < 40, f"the alerts went at {alerts}"
        for address in chiapas:
            assert [text for chat, text in order if chat == address] == ["Lección", "Alerta"]
    finally:
        service.close()
