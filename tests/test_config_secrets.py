"""Secrets come only from the environment or the instance folder: none is written in the code,
none is printed with the settings, and a secret kept in the instance folder is private."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "dialogs", "lessons", "storage", "webhooks", "dashboard")
SECRETS = {
    "SECRET_KEY": "flask-secret-from-env",
    "SENDA_DATA_KEY": Fernet.generate_key().decode(),
    "TELEGRAM_BOT_TOKEN": "123456:token-from-env",
    "TELEGRAM_WEBHOOK_SECRET": "webhook-secret-from-env",
    "TWILIO_AUTH_TOKEN": "twilio-token-from-env",
    "DATABASE_URL": "postgresql://senda:db-password-from-env@db.internal/senda",
    "REDIS_URL": "redis://:redis-password-from-env@redis.internal:6379/0",
}
# Shapes of real credentials: a Fernet key, a Telegram bot token, a Twilio auth token or SID.
CREDENTIAL_SHAPES = [
    re.compile(r"['\"][A-Za-z0-9_-]{43}=['\"]"),
    re.compile(r"['\"]\d{8,10}:[A-Za-z0-9_-]{35}['\"]"),
    re.compile(r"['\"](AC|SK)[0-9a-f]{32}['\"]"),
    re.compile(r"(?i)(token|secret|password|key)\s*=\s*['\"][0-9a-f]{32}['\"]"),
]


def test_secrets_given_in_the_environment_are_used_and_nothing_is_written(tmp_path):
    settings = Settings.load({"SENDA_INSTANCE": str(tmp_path / "instance"), **SECRETS})
    assert settings.secret_key == SECRETS["SECRET_KEY"]
    assert settings.data_key == SECRETS["SENDA_DATA_KEY"]
    assert settings.telegram_bot_token == SECRETS["TELEGRAM_BOT_TOKEN"]
    assert settings.twilio_auth_token == SECRETS["TWILIO_AUTH_TOKEN"]
    assert not (tmp_path / "instance").exists()
    # Keys from the environment, but no SENDA_HELPDESK_KEY: no desk, rather than a key of this
    # machine's that the other web processes could not read.
    assert settings.helpdesk_key is None
    key = Fernet.generate_key().decode()
    given = Settings.load(
        {"SENDA_INSTANCE": str(tmp_path / "i"), **SECRETS, "SENDA_HELPDESK_KEY": key}
    )
    assert given.helpdesk_key == key and not (tmp_path / "i").exists()


def test_without_the_environment_keys_are_made_once_in_the_instance_folder_for_its_owner(
    tmp_path,
):
    environ = {"SENDA_INSTANCE": str(tmp_path / "instance")}
    first = Settings.load(environ)
    again = Settings.load(environ)
    assert (first.secret_key, first.data_key) == (again.secret_key, again.data_key)
    Fernet(first.data_key.encode())  # a usable key
    assert first.helpdesk_key == again.helpdesk_key
    Fernet(first.helpdesk_key.encode())
    for name in ("secret_key", "data_key", "helpdesk_key"):
        mode = stat.S_IMODE((tmp_path / "instance" / name).stat().st_mode)
        assert mode == 0o600, f"{name} is readable by others: {oct(mode)}"
    # No channel credential has a default: a channel is off until its secrets are given.
    assert first.telegram_bot_token is first.telegram_webhook_secret is None
    assert first.twilio_auth_token is first.twilio_account_sid is None


def test_an_empty_secret_file_is_refused_not_used_as_an_empty_key(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "secret_key").write_text("\n")
    with pytest.raises(RuntimeError, match="secret_key is empty"):
        Settings.load({"SENDA_INSTANCE": str(instance)})


def test_settings_never_print_their_secrets(tmp_path):
    settings = Settings.load({"SENDA_INSTANCE": str(tmp_path), **SECRETS})
    printed = repr(settings)
    for name, value in SECRETS.items():
        secret = value.split("@")[0].rsplit(":", 1)[-1] if "://" in value else value
        assert secret not in printed, name


def test_no_credential_is_written_in_the_code():
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            for shape in CREDENTIAL_SHAPES:
                found += [f"{path.relative_to(ROOT)}: {m.group()}" for m in shape.finditer(text)]
    assert found == []
