"""Configuration from the environment (DESIGN.md, Configuration) and the instance folder."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from cryptography.fernet import Fernet

BUNDLED_CATALOG = Path(__file__).resolve().parent.parent / "lessons" / "catalog"


def instance_path_from(environ: Mapping[str, str]) -> Path:
    """The instance folder: `SENDA_INSTANCE`, else `instance/` in the working directory."""
    return Path(environ.get("SENDA_INSTANCE") or "instance").resolve()


def normalize_database_url(url: str) -> str:
    """Accept the `postgres://` URLs hosting providers hand out, on the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _secret_from_instance(instance: Path, name: str, make: Callable[[], str]) -> str:
    """Read a secret kept in the instance folder, creating it (readable by its owner only)."""
    path = instance / name
    if path.exists():
        value = path.read_text().strip()
        if not value:
            # An empty file (a full disk, a bad copy) must not become an empty key.
            raise RuntimeError(f"{path} is empty: restore it, or delete it to make a new one")
        return value
    instance.mkdir(parents=True, exist_ok=True)
    value = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


# Messages a second, overriding bot.delivery.limits.DEFAULT_RATES ("0" lifts a limit).
RATE_VARIABLES = {
    "telegram": "SENDA_TELEGRAM_RATE",
    "telegram_person": "SENDA_TELEGRAM_CHAT_RATE",
    "whatsapp": "SENDA_WHATSAPP_RATE",
    "sms": "SENDA_SMS_RATE",
}


def _hours(text: str) -> tuple[int, int]:
    start, _, end = text.partition("-")
    return int(start), int(end)


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment, resolved once at start."""

    instance_path: Path
    database_url: str = field(repr=False)  # may hold a password
    secret_key: str = field(repr=False)
    data_key: str = field(repr=False)
    # Fernet key of help-desk messages; None: no help desk (see load)
    helpdesk_key: str | None = field(default=None, repr=False)
    public_url: str = "http://127.0.0.1:8000"
    redis_url: str | None = field(default=None, repr=False)  # may hold a password
    catalog_path: Path = BUNDLED_CATALOG
    telegram_bot_token: str | None = field(default=None, repr=False)
    telegram_webhook_secret: str | None = field(default=None, repr=False)
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_bot_username: str | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = field(default=None, repr=False)
    twilio_whatsapp_from: str | None = None
    twilio_sms_from: str | None = None
    twilio_api_base_url: str = "https://api.twilio.com"
    retention_days: int = 365
    # A certificate keeps verifying this long after it is issued, even once its holder's other
    # data is erased for silence (the erase word ends it at once).
    certificate_years: int = 10
    timezone: str = "America/Mexico_City"
    quiet_hours: tuple[int, int] = (21, 8)  # non-urgent pushes wait from 21:00 to 08:00 local
    rates: Mapping[str, float] = field(default_factory=dict)  # overrides of channel limits
    # Seconds to wait for a channel's API to answer one send: below Twilio's 15-second webhook
    # timeout, since a reply is sent while the webhook waits.
    send_timeout: float = 10.0
    # Seconds after which pushes claimed without a lease (before leases, or by a process that is
    # not a worker) go again.
    claim_timeout: float = 300.0
    # Seconds a worker's lease lasts unrenewed: a dead worker's claimed pushes go again after it.
    lease_seconds: float = 15.0
    operator_name: str = ""  # who runs the service; unset: "the Senda programme team", translated
    services_stale_days: int = 365  # a directory entry not confirmed for longer is marked so
    min_group: int = 5  # no breakdown of fewer people than this is shown to staff
    helpdesk_retention_days: int = 30  # a closed conversation's messages are kept this long
    helpdesk_reply_minutes: int = 30  # the answer a person is told to expect, at most
    helpdesk_hours: tuple[int, int] | None = None  # desk hours (local); None: always staffed
    # Telegram: a tidy chat's messages are deleted this long after they were sent (a bot may
    # delete messages of a private chat for 48 hours, so at most 47).
    tidy_hours: int = 24
    # Twilio: the body of a message Senda sent is removed at Twilio once it is delivered.
    twilio_redact: bool = False
    lrs_url: str | None = None  # a learning record store (xAPI 1.0.3) for quiz events
    lrs_username: str | None = None
    lrs_password: str | None = None
    lrs_timeout: float = 10.0  # seconds to wait for the store
    extra: Mapping[str, object] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        environ: Mapping[str, str] | None = None,
        overrides: Mapping[str, object] | None = None,
    ) -> Settings:
        """Build settings from environment variables, then apply explicit overrides (tests)."""
        env = os.environ if environ is None else environ
        overrides = dict(overrides or {})
        instance = Path(overrides.pop("instance_path", None) or instance_path_from(env))

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        values: dict[str, object] = {
            "instance_path": instance,
            "database_url": get("DATABASE_URL") or f"sqlite:///{instance / 'senda.db'}",
            "redis_url": get("REDIS_URL"),
            "public_url": (get("PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/"),
            "catalog_path": Path(get("SENDA_CATALOG") or BUNDLED_CATALOG),
            "telegram_bot_token": get("TELEGRAM_BOT_TOKEN"),
            "telegram_webhook_secret": get("TELEGRAM_WEBHOOK_SECRET"),
            "telegram_api_base_url": get("TELEGRAM_API_BASE_URL") or "https://api.telegram.org/bot",
            "telegram_bot_username": (get("TELEGRAM_BOT_USERNAME") or "").lstrip("@") or None,
            "twilio_account_sid": get("TWILIO_ACCOUNT_SID"),
            "twilio_auth_token": get("TWILIO_AUTH_TOKEN"),
            "twilio_whatsapp_from": get("TWILIO_WHATSAPP_FROM"),
            "twilio_sms_from": get("TWILIO_SMS_FROM"),
            "twilio_api_base_url": (get("TWILIO_API_BASE_URL") or "https://api.twilio.com"),
            "retention_days": int(get("SENDA_RETENTION_DAYS") or 365),
            "certificate_years": int(get("SENDA_CERTIFICATE_YEARS") or 10),
            "operator_name": get("SENDA_OPERATOR_NAME") or "",
            "timezone": get("SENDA_TIMEZONE") or "America/Mexico_City",
            "claim_timeout": float(get("SENDA_CLAIM_TIMEOUT") or 300),
            "lease_seconds": float(get("SENDA_LEASE_SECONDS") or 15),
            "send_timeout": float(get("SENDA_SEND_TIMEOUT") or 10),
            "quiet_hours": _hours(get("SENDA_QUIET_HOURS") or "21-8"),
            "services_stale_days": int(get("SENDA_SERVICES_STALE_DAYS") or 365),
            "min_group": int(get("SENDA_MIN_GROUP") or 5),
            "helpdesk_retention_days": int(get("SENDA_HELPDESK_RETENTION_DAYS") or 30),
            "helpdesk_reply_minutes": int(get("SENDA_HELPDESK_REPLY_MINUTES") or 30),
            "helpdesk_hours": _hours(desk) if (desk := get("SENDA_HELPDESK_HOURS")) else None,
            "tidy_hours": _tidy_hours(get("SENDA_TIDY_HOURS") or "24"),
            "twilio_redact": (get("SENDA_TWILIO_REDACT") or "0").lower() in ("1", "true", "yes"),
            "lrs_url": (get("LRS_URL") or "").rstrip("/") or None,
            "lrs_username": get("LRS_USERNAME"),
            "lrs_password": get("LRS_PASSWORD"),
            "lrs_timeout": float(get("LRS_TIMEOUT") or 10),
            "rates": {
                name: float(value)
                for name, variable in RATE_VARIABLES.items()
                if (value := get(variable)) is not None
            },
        }
        known = {f.name for f in fields(cls)}
        values.update({k: v for k, v in overrides.items() if k in known})
        values["extra"] = {k: v for k, v in overrides.items() if k not in known}
        values["database_url"] = normalize_database_url(str(values["database_url"]))
        if "secret_key" not in values:
            values["secret_key"] = get("SECRET_KEY") or _secret_from_instance(
                instance, "secret_key", lambda: secrets.token_urlsafe(32)
            )
        if "helpdesk_key" not in values:
            # A deployment that gives its keys in the environment gives this one too: a key made
            # in each machine's instance folder would leave each web process unable to read
            # what the others stored. Without it, such a deployment has no help desk.
            values["helpdesk_key"] = get("SENDA_HELPDESK_KEY") or (
                None
                if get("SENDA_DATA_KEY")
                else _secret_from_instance(
                    instance, "helpdesk_key", lambda: Fernet.generate_key().decode()
                )
            )
        if "data_key" not in values:
            values["data_key"] = get("SENDA_DATA_KEY") or _secret_from_instance(
                instance, "data_key", lambda: Fernet.generate_key().decode()
            )
        if float(values["lease_seconds"]) <= 0:  # type: ignore[arg-type]
            raise ValueError("SENDA_LEASE_SECONDS must be a number of seconds above 0")
        return cls(**values)

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is SQLite (the zero-configuration default)."""
        return self.database_url.startswith("sqlite")


def _tidy_hours(value: str) -> int:
    """SENDA_TIDY_HOURS: whole hours from 1 to 47 (Telegram's 48-hour window for deleting)."""
    hours = int(value)
    if not 1 <= hours <= 47:
        raise ValueError(f"SENDA_TIDY_HOURS must be from 1 to 47 (Telegram's limit): {hours}")
    return hours
