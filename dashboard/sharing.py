"""The share kit: links that open each module on Telegram and WhatsApp, per organisation; and
the organisations, each with its referral code and the people who joined through it."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.channels.twilio import prefilled_text
from bot.i18n import INTERFACE_LANGUAGES
from bot.service import Service
from dashboard import bp, learning, numbers
from dashboard.audit import record
from dashboard.roles import requires
from dialogs.lesson import start_parameter
from lessons.model import Course, Module
from storage.models import Organisation, utcnow
from webhooks import service

log = logging.getLogger(__name__)

CODE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,22}[a-z0-9])?$")  # no "__": it separates the parts
TELEGRAM_START_LIMIT = 64  # Telegram's limit on a deep link's start parameter


@dataclass(frozen=True)
class ModuleLinks:
    """The ways to open one module."""

    course_id: str
    module_id: str
    title: str
    parameter: str
    telegram: str | None
    whatsapp: str | None
    too_long: bool


def telegram_username(senda: Service) -> str | None:
    """The bot's username: configured, or asked of Telegram once (getMe)."""
    if senda.settings.telegram_bot_username:
        return senda.settings.telegram_bot_username
    if senda.telegram is None:
        return None
    if senda.telegram.username is None:
        try:
            senda.telegram.call(lambda bot: bot.get_me())
        except Exception:  # the page still shows the WhatsApp links; the log says why
            log.warning("could not ask Telegram for the bot's username", exc_info=True)
    return senda.telegram.username


def whatsapp_number(senda: Service) -> str | None:
    """The WhatsApp number in the form wa.me takes: digits only, no `whatsapp:`, no `+`."""
    sender = senda.settings.twilio_whatsapp_from
    if not sender:
        return None
    return re.sub(r"\D", "", sender.removeprefix("whatsapp:")) or None


def module_links(senda: Service, organisation: str | None) -> list[ModuleLinks]:
    """Every module's links, carrying the organisation's code when one is chosen."""
    username, number = telegram_username(senda), whatsapp_number(senda)
    return [
        _links(course, module, organisation, username, number)
        for course in senda.catalog.courses
        for module in course.modules
    ]


def _links(
    course: Course,
    module: Module,
    organisation: str | None,
    username: str | None,
    number: str | None,
) -> ModuleLinks:
    parameter = start_parameter(course.id, module.id, organisation)
    text = quote(prefilled_text(parameter))
    return ModuleLinks(
        course.id,
        module.id,
        course.text(module.title, course.default_language),
        parameter,
        f"https://t.me/{username}?start={parameter}" if username else None,
        f"https://wa.me/{number}?text={text}" if number else None,
        len(parameter) > TELEGRAM_START_LIMIT,
    )


def _organisation_code(code: str | None) -> str | None:
    """The code if an organisation has it, else None (links for everyone)."""
    if not code:
        return None
    with service().sessions() as db:
        found = db.scalars(select(Organisation.code).where(Organisation.code == code)).first()
    return found


@bp.route("/share")
def share_kit() -> Any:
    """Links to share each module, for everyone or for one organisation."""
    senda = service()
    with senda.sessions() as db:
        organisations = numbers.organisation_joins(db)
    codes = {organisation.code for organisation, _ in organisations}
    chosen = request.args.get("org") if request.args.get("org") in codes else None
    return render_template(
        "dashboard/share.html",
        modules=module_links(senda, chosen),
        organisations=organisations,
        chosen=chosen,
        telegram_on=senda.telegram is not None or bool(senda.settings.telegram_bot_username),
        whatsapp_on=whatsapp_number(senda) is not None,
    )


@bp.route("/share/<course_id>/<module_id>/poster.pdf")
def poster(course_id: str, module_id: str) -> Response:
    """A printable A4 poster of a module: a QR code per channel link, how to start, how to
    erase; in the course's interface languages."""
    from dashboard.posters import module_poster_pdf  # reportlab loads with the first poster

    senda = service()
    found = senda.catalog.module(course_id, module_id)
    if found is None:
        abort(404)
    course, module = found
    organisation = _organisation_code(request.args.get("org"))
    links = _links(course, module, organisation, telegram_username(senda), whatsapp_number(senda))
    if links.telegram is None and links.whatsapp is None:
        abort(404)  # no channel to join by: the page shows no poster link either
    languages = [code for code in INTERFACE_LANGUAGES if code in course.languages]
    pdf = module_poster_pdf(
        course_title=course.text(course.title, course.default_language),
        module_title=links.title,
        telegram_link=links.telegram,
        whatsapp_link=links.whatsapp,
        languages=languages or (course.default_language,),
    )
    name = "-".join(["poster", course.id, module.id, *([organisation] if organisation else [])])
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
    )


@bp.route("/organisations", methods=["POST"])
@requires("editor")
def add_organisation() -> Any:
    """Add an organisation with its referral code."""
    name = " ".join(request.form.get("name", "").split())[:120]
    code = request.form.get("code", "").strip().lower()
    if not name or not CODE.match(code) or "--" in code:
        flash(
            "Not added: give a name, and a code of 1 to 24 lowercase letters, digits and "
            "single hyphens (for example casa-tapachula).",
            "error",
        )
        return redirect(url_for("dashboard.share_kit"))
    with service().sessions.begin() as db:
        if db.scalars(select(Organisation.id).where(Organisation.code == code)).first():
            flash(f"Not added: the code {code} is taken.", "error")
            return redirect(url_for("dashboard.share_kit"))
        db.add(Organisation(name=name, code=code, created_at=utcnow()))
        record(db, g.staff.email, "organisation added", f"{name} ({code})")
    flash(f"Added {name}: its links carry the code {code}.")
    return redirect(url_for("dashboard.share_kit", org=code))


@bp.route("/organisations/<code>")
def organisation_page(code: str) -> Any:
    """An organisation's own people: enrolments, completions, certificates, before and after,
    ratings; no group smaller than SENDA_MIN_GROUP shown."""
    senda = service()
    with senda.sessions() as db:
        organisation = db.scalars(select(Organisation).where(Organisation.code == code)).first()
        if organisation is None:
            abort(404)
        evidence = learning.evidence(db, senda.catalog, organisation=code)
    least = senda.settings.min_group
    return render_template(
        "dashboard/organisation.html",
        organisation=organisation,
        courses=evidence,
        least=least,
        shown=lambda count: learning.shown(count, least),
    )
