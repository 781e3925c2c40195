"""`senda telegram set-webhook` and `senda telegram poll`, against the fake Bot API."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli import senda
from tests.fakes.telegram import FakeTelegram
from tests.telegram_helpers import SECRET, TOKEN, text_update


@pytest.fixture
def fake():
    with FakeTelegram(token=TOKEN) as server:
        yield server


@pytest.fixture
def env(app_config, fake) -> dict[str, str]:
    return {
        **app_config,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE_URL": fake.base_url,
    }


def test_set_webhook_registers_the_secret_and_the_update_kinds(env, fake):
    url = "https://senda.example.org/webhooks/telegram"
    result = CliRunner().invoke(senda, ["telegram", "set-webhook", url, "--drop-pending"], env=env)
    assert result.exit_code == 0, result.output
    assert "@senda_test_bot" in result.output
    call = fake.calls_to("setWebhook")[-1]
    assert call.params["url"] == url
    assert call.params["secret_token"] == SECRET
    assert call.params["allowed_updates"] == ["message", "callback_query", "my_chat_member"]
    assert str(call.params["drop_pending_updates"]).lower() == "true"


def test_set_webhook_needs_a_secret(env):
    env = {**env, "TELEGRAM_WEBHOOK_SECRET": ""}
    result = CliRunner().invoke(senda, ["telegram", "set-webhook", "https://x.org/w"], env=env)
    assert result.exit_code != 0
    assert "TELEGRAM_WEBHOOK_SECRET" in result.output


def test_poll_answers_with_the_same_handlers_as_the_webhook(env, fake):
    fake.queue_updates([text_update(4242, "hola"), text_update(4242, "2")])
    result = CliRunner().invoke(senda, ["telegram", "poll", "--once"], env=env)
    assert result.exit_code == 0, result.output
    assert fake.calls_to("deleteWebhook")
    texts = fake.sent_texts(4242)
    assert "Choose your language" in texts[0] and "Do you agree?" in texts[1]


def test_the_commands_say_when_telegram_is_not_configured(app_config):
    result = CliRunner().invoke(senda, ["telegram", "poll", "--once"], env=app_config)
    assert result.exit_code != 0
    assert "TELEGRAM_BOT_TOKEN" in result.output
