"""The running service: settings, database, content, channels and engine, built once per process."""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from sqlalchemy import Engine as DatabaseEngine
from sqlalchemy.orm import Session, sessionmaker
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot.channels.telegram import TelegramSender
from bot.channels.twilio import SMS, WHATSAPP, Template, TwilioSender
from bot.config import Settings
from bot.delivery.limits import ChannelLimits, rates_from
from bot.delivery.outbox import Outbox, Sender
from bot.engine import Engine
from dialogs.base import DeskInfo, ServiceInfo
from lessons.loader import load_catalog
from lessons.model import Catalog
from storage import migrate
from storage.crypto import AddressCipher, MessageCipher
from storage.db import make_engine, make_session_factory

if TYPE_CHECKING:
    from bot.delivery.jobs import Jobs
    from bot.delivery.leases import Lease

log = logging.getLogger(__name__)


@dataclass
class Service:
    """Everything a request, a command or a job needs."""

    settings: Settings
    database: DatabaseEngine
    sessions: sessionmaker[Session]
    catalog: Catalog
    cipher: AddressCipher
    engine: Engine
    outbox: Outbox
    limits: ChannelLimits
    telegram: TelegramSender | None = None
    jobs: Jobs | None = field(default=None, repr=False)
    lease: Lease | None = field(default=None, repr=False)  # a `senda worker`'s (its claims)

    def close(self) -> None:
        """Release connections and threads (tests and clean shutdowns)."""
        if self.telegram is not None:
            self.telegram.close()
        self.database.dispose()


def _senders(settings: Settings) -> dict[str, Sender]:
    senders: dict[str, Sender] = {}
    if settings.telegram_bot_token:
        senders["telegram"] = TelegramSender(
            settings.telegram_bot_token, settings.telegram_api_base_url, settings.send_timeout
        )
    if settings.twilio_account_sid and settings.twilio_auth_token:
        # No TWILIO_EDGE or TWILIO_REGION from the environment: they rewrite the host of the base
        # URL. (An empty mapping would mean os.environ to the library, hence the marker entry.)
        client = Client(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            environment={"SENDA": "edge and region unset"},
            # The library waits forever by default: a hung API would hang the webhook with it.
            http_client=TwilioHttpClient(timeout=settings.send_timeout),
        )
        client.api.base_url = settings.twilio_api_base_url
        status_callback = settings.public_url + "/webhooks/twilio/status"
        templates, quick_replies = whatsapp_templates(settings.catalog_path / "whatsapp.yaml")
        for channel, sender_id in (
            (WHATSAPP, settings.twilio_whatsapp_from),
            (SMS, settings.twilio_sms_from),
        ):
            if sender_id:
                senders[channel] = TwilioSender(
                    channel, client, sender_id, status_callback, templates, quick_replies
                )
    return senders


def whatsapp_templates(path: Path) -> tuple[dict[str, Template], dict[int, str]]:
    """From the content folder's whatsapp.yaml, if any: the approved templates for pushes, per
    language, and the quick-reply templates, by number of buttons."""
    if not path.is_file():
        return {}, {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    templates = {
        language: Template(str(entry["content_sid"]), str(entry.get("variable", "1")))
        for language, entry in (data.get("templates") or {}).items()
    }
    quick_replies = {int(count): str(sid) for count, sid in (data.get("quick_reply") or {}).items()}
    return templates, quick_replies


def build_service(settings: Settings, migrate_database: bool = True) -> Service:
    """Connect to the database (migrating it to the newest schema), load the content, and set
    up the channels that are configured."""
    from bot.delivery.jobs import make_jobs

    catalog = load_catalog(settings.catalog_path)
    database = make_engine(settings.database_url)
    if migrate_database:
        migrate.upgrade(database)
    sessions = make_session_factory(database)
    cipher = AddressCipher(settings.data_key)
    senders = _senders(settings)
    telegram = senders.get("telegram")
    limits = ChannelLimits(settings.redis_url or "memory://", rates_from(settings.rates))
    outbox = Outbox(sessions, cipher, senders, limits=limits)
    info = ServiceInfo(
        operator_name=settings.operator_name,
        retention_days=settings.retention_days,
        certificate_years=settings.certificate_years,
        public_url=settings.public_url,
        share_links=_share_links(settings, telegram),
        records_home=settings.public_url if settings.lrs_url else None,
        services_stale_days=settings.services_stale_days,
        desk=_desk(settings),
        tidy_hours=settings.tidy_hours,
    )
    engine = Engine(sessions=sessions, catalog=catalog, cipher=cipher, service=info, outbox=outbox)
    service = Service(
        settings, database, sessions, catalog, cipher, engine, outbox, limits, telegram
    )
    service.jobs = make_jobs(service)
    outbox.schedule = service.jobs.schedule_flush
    if settings.lrs_url:
        engine.after_records = service.jobs.schedule_records
    return service


def _desk(settings: Settings) -> DeskInfo | None:
    """The help desk, when it has its key (SENDA_HELPDESK_KEY)."""
    if not settings.helpdesk_key:
        log.warning("no SENDA_HELPDESK_KEY: the help desk is off (nobody is offered a person)")
        return None
    return DeskInfo(
        cipher=MessageCipher(settings.helpdesk_key),
        hours=settings.helpdesk_hours,
        reply_minutes=settings.helpdesk_reply_minutes,
        timezone=settings.timezone,
        retention_days=settings.helpdesk_retention_days,
    )


def _share_links(settings: Settings, telegram: TelegramSender | None):
    """Links that open a module on each configured channel, for "share this module"."""

    def links(start_parameter: str) -> list[str]:
        found = []
        username = settings.telegram_bot_username or (telegram.username if telegram else None)
        if username:
            found.append(f"https://t.me/{username}?start={start_parameter}")
        return found

    return links


def keep_start_up_objects_out_of_collections() -> None:
    """Freeze what the process holds now (its service, content and libraries) out of the garbage
    collector's full passes: call it once a long-running process has built its service."""
    # These objects (about 166,000 in a web worker) live as long as the process, yet every full
    # collection walked them all while every thread of the process waited: 87 to 92 ms a pass,
    # measured in one process on PostgreSQL, in the middle of people's requests. Frozen, a full
    # pass walks only what came after: 0.7 ms.
    gc.freeze()
