"""The `senda` command: a Flask CLI group (DESIGN.md, Command line)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, ScriptInfo

from bot.channels import console
from bot.config import BUNDLED_CATALOG
from bot.delivery.leases import Lease
from bot.logs import configure_logging
from bot.service import Service, keep_start_up_objects_out_of_collections
from dashboard.cli import admin_group
from lessons.loader import Problem, read_catalog


def _create_app():
    # The command line sits on top of every layer; the web app is its composition root.
    from webhooks import create_app

    return create_app()


def _service() -> Service:
    return current_app.extensions["senda"]


class SendaGroup(FlaskGroup):
    """Flask's command group, whose help lists its own commands without building the app:
    building it creates instance/, with new keys and a database, wherever help was asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The commands of the group (the dashboard's `admin` among them)."""
        return sorted(click.Group.list_commands(self, ctx))


@click.group(
    cls=SendaGroup,
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
)
def senda() -> None:
    """Senda: learning and safety information by chat."""


senda.add_command(admin_group)


@senda.command("chat", with_appcontext=False)
@click.option("--user", default="console", show_default=True, help="The address to talk as.")
@click.option("--json", "as_json", is_flag=True, help="Print each message as one JSON line.")
@click.pass_context
def chat(context: click.Context, user: str, as_json: bool) -> None:
    """Talk to Senda in the terminal, with the engine the channels use."""
    # The terminal is the conversation: warnings and errors only, set before the app is built,
    # so that a new database's migration does not print its steps into it.
    configure_logging(logging.WARNING)
    engine = context.ensure_object(ScriptInfo).load_app().extensions["senda"].engine
    render = console.render_json if as_json else console.render_text
    interactive = sys.stdin.isatty()
    if interactive:
        click.echo("Senda. Write a message (for example: hola). Ctrl-D to leave.", err=True)
    while True:
        try:
            line = input("> ") if interactive else sys.stdin.readline()
        except (EOFError, KeyboardInterrupt):
            break
        if not interactive and line == "":
            break
        for message in engine.handle(console.parse(line, user)):
            click.echo(render(message))
            if not as_json:
                click.echo()
    if interactive:
        click.echo(err=True)


@senda.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the web app (webhooks and dashboard)."""
    from werkzeug.serving import run_simple

    configure_logging()
    run_simple(host, port, current_app._get_current_object(), threaded=True)


@senda.command("worker")
@click.option("--workers", default=2, show_default=True, help="Threads running jobs.")
def worker(workers: int) -> None:
    """Run the background jobs (huey): retention purges, and pushes as they come."""
    configure_logging()
    service = _service()
    keep_start_up_objects_out_of_collections()
    jobs = service.jobs
    if not service.settings.redis_url:
        logging.getLogger("senda.worker").warning(
            "REDIS_URL is not set: channel limits hold within this process only; run one worker, "
            "or set REDIS_URL so that all workers share them"
        )
    # The lease first: every push this process claims is held on it, and a dead worker's go
    # again within SENDA_LEASE_SECONDS (bot.delivery.leases).
    service.lease = Lease(service)
    service.lease.start()
    # Pick up at once whatever a previous worker left half done (a crash, a kill).
    jobs.send_due_messages()
    try:
        # An idle consumer on SQLite polls with backoff; a second at most keeps a new broadcast
        # from waiting up to huey's default of ten (Redis blocks on the queue instead).
        jobs.queue.create_consumer(workers=workers, worker_type="thread", max_delay=1.0).run()
    finally:
        service.lease.stop()  # SIGINT, SIGTERM: what this worker holds goes at once elsewhere


@senda.group("db")
def db() -> None:
    """The database."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema."""
    from storage import migrate

    migrate.upgrade(_service().database)
    click.echo("The database is at the newest schema.")


@senda.group("lessons")
def lessons() -> None:
    """The content: courses, modules, quizzes."""


@lessons.command("validate", with_appcontext=False)
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "--sms",
    is_flag=True,
    help="Also report each card, quiz question and safety entry over 3 SMS segments.",
)
def lessons_validate(path: Path | None, sms: bool) -> None:
    """Check the content; print each problem as file:line: message; exit 1 on any (a warning,
    printed as file:line: warning: message, does not fail)."""
    folder = path or Path(_catalog_from_environment())
    warnings: list[Problem] = []
    catalog, problems = read_catalog(folder, warnings)
    if sms:
        from bot.sms_preview import render_card, render_entry, render_question
        from lessons.sms_check import sms_problems, sms_texts

        texts = sms_texts(folder, catalog, render_question, render_entry, render_card)
        problems += sms_problems(texts)
    for problem in [*warnings, *problems]:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s) found.", err=True)
        sys.exit(1)
    modules = sum(len(course.modules) for course in catalog.courses)
    noted = f" {len(warnings)} warning(s)." if warnings else ""
    click.echo(f"OK: {len(catalog.courses)} courses, {modules} modules.{noted}", err=True)


@lessons.command("show", with_appcontext=False)
@click.argument("course_id")
@click.option("--json", "as_json", is_flag=True, help="Print the course as JSON.")
@click.option("--catalog", type=click.Path(path_type=Path), help="A content folder.")
def lessons_show(course_id: str, as_json: bool, catalog: Path | None) -> None:
    """Print a course: modules, cards, questions with their options, per language."""
    import json

    from lessons.export import course_as_dict

    found, problems = read_catalog(catalog or Path(_catalog_from_environment()))
    if problems:
        click.echo(
            f"warning: the content has {len(problems)} problem(s); see `senda lessons validate`",
            err=True,
        )
    course = found.course(course_id)
    if course is None:
        known = ", ".join(c.id for c in found.courses) or "none"
        raise click.ClickException(f"no course '{course_id}' (courses: {known})")
    data = course_as_dict(course)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    language = course.default_language
    click.echo(course.text(course.title, language))
    for module in course.modules:
        unasked = len(module.questions) - len(module.quiz)
        note = f", {unasked} not asked by chat" if unasked else ""
        click.echo(
            f"  {module.id}: {course.text(module.title, language)} "
            f"({len(module.cards)} cards, {len(module.questions)} questions{note})"
        )


@lessons.command("export-po", with_appcontext=False)
@click.argument("course_id")
@click.option("--lang", "language", required=True, help="The language to translate into.")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Default: stdout."
)
@click.option("--catalog", type=click.Path(path_type=Path), help="A content folder.")
def lessons_export_po(
    course_id: str, language: str, output: Path | None, catalog: Path | None
) -> None:
    """Write every text of a course as a PO file to translate into LANG."""
    import io

    from lessons import po

    try:
        found = po.export_catalog(catalog or Path(_catalog_from_environment()), course_id, language)
    except po.PoError as error:
        raise click.ClickException(str(error)) from error
    buffer = io.BytesIO()
    po.write_catalog(found, buffer)
    if output is None:
        click.echo(buffer.getvalue().decode("utf-8"), nl=False)
    else:
        output.write_bytes(buffer.getvalue())
    missing = sum(1 for message in found if message.id and not message.string)
    click.echo(f"{len(found)} texts, {missing} to translate into {language}.", err=True)


@lessons.command("import-po", with_appcontext=False)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--course", "course_id", help="Default: the course named in the PO file.")
@click.option("--catalog", type=click.Path(path_type=Path), help="A content folder.")
def lessons_import_po(file: Path, course_id: str | None, catalog: Path | None) -> None:
    """Write the translations of a PO file into the course's files, then validate them."""
    from lessons import po

    folder = catalog or Path(_catalog_from_environment())
    try:
        report = po.import_catalog(folder, file, course_id)
    except po.PoError as error:
        raise click.ClickException(str(error)) from error
    for skipped in report.skipped:
        click.echo(f"{file}:{skipped} (not imported)", err=True)
    for path in report.files:
        click.echo(f"wrote {path}", err=True)
    if report.language_added:
        click.echo(f"added '{report.language}' to the languages of {report.course_id}", err=True)
    click.echo(
        f"{len(report.imported)} translations imported, {report.unchanged} unchanged, "
        f"{len(report.skipped)} not imported.",
        err=True,
    )
    _, problems = read_catalog(folder)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s) found after the import.", err=True)
        sys.exit(1)


def _import_bank(
    file: Path,
    course_id: str,
    module_id: str | None,
    language: str | None,
    catalog: Path | None,
    kind: str,
) -> None:
    """Read a question bank, write it into the content, print the report; exit 1 on errors."""
    from lessons.aiken import parse_aiken
    from lessons.gift import parse_gift
    from lessons.importing import ImportRefused, import_bank

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        click.echo(f"{file}:1: cannot read the file ({error})")
        sys.exit(1)
    bank = parse_gift(text) if kind == "Moodle GIFT" else parse_aiken(text)
    for problem in bank.problems:
        click.echo(f"{file}:{problem.line}: {problem.message}")
    if bank.problems:
        click.echo(f"{len(bank.problems)} problem(s) found; nothing imported.", err=True)
        sys.exit(1)
    categories = [q.category for q in bank.questions if q.category]
    title = categories[0].rsplit("/", 1)[-1].strip() if categories else None
    try:
        report = import_bank(
            catalog or Path(_catalog_from_environment()),
            course_id,
            bank.questions,
            file.name,
            kind,
            module_id=module_id,
            language=language,
            title=title,
        )
    except ImportRefused as refused:
        for problem in refused.problems:
            click.echo(problem)
        click.echo("Nothing imported.", err=True)
        sys.exit(1)
    for line in report.lines(str(file)):
        click.echo(line)


_import_options = [
    click.argument("file", type=click.Path(path_type=Path, dir_okay=False)),
    click.option("--course", "course_id", required=True, help="The course (created if new)."),
    click.option("--module", "module_id", help="Add to this module (default: a new module)."),
    click.option("--lang", "language", help="Language of the bank (the course's first)."),
    click.option("--catalog", type=click.Path(path_type=Path), help="A content folder."),
]


def _with_import_options(command: click.Command) -> click.Command:
    """The arguments and options every import command takes."""
    for option in reversed(_import_options):
        command = option(command)
    return command


@lessons.command("import-gift", with_appcontext=False)
@_with_import_options
def lessons_import_gift(
    file: Path, course_id: str, module_id: str | None, language: str | None, catalog: Path | None
) -> None:
    """Import a Moodle GIFT question bank as quiz questions of a course module."""
    _import_bank(file, course_id, module_id, language, catalog, "Moodle GIFT")


@lessons.command("import-aiken", with_appcontext=False)
@_with_import_options
def lessons_import_aiken(
    file: Path, course_id: str, module_id: str | None, language: str | None, catalog: Path | None
) -> None:
    """Import an Aiken question bank (multiple choice) as quiz questions of a course module."""
    _import_bank(file, course_id, module_id, language, catalog, "Aiken")


@lessons.command("export-gift", with_appcontext=False)
@click.argument("course_id")
@click.option("--module", "module_id", required=True, help="The module whose quiz to export.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="File.")
@click.option("--lang", "language", help="Language to export (the course's first).")
@click.option("--catalog", type=click.Path(path_type=Path), help="A content folder.")
def lessons_export_gift(
    course_id: str,
    module_id: str,
    output: Path | None,
    language: str | None,
    catalog: Path | None,
) -> None:
    """Write a module's questions as a GIFT file that Moodle imports."""
    from lessons.gift_export import module_as_gift

    found, problems = read_catalog(catalog or Path(_catalog_from_environment()))
    if problems:
        click.echo(
            f"warning: the content has {len(problems)} problem(s); see `senda lessons validate`",
            err=True,
        )
    pair = found.module(course_id, module_id)
    if pair is None:
        raise click.ClickException(f"no module '{module_id}' in a course '{course_id}'")
    course, module = pair
    language = language or course.default_language
    if language not in course.languages:
        raise click.ClickException(f"the course is not written in '{language}'")
    text = module_as_gift(course, module, language)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"{len(module.questions)} questions written to {output}", err=True)


def _catalog_from_environment() -> str:
    import os

    return os.environ.get("SENDA_CATALOG") or str(BUNDLED_CATALOG)


def main() -> None:
    """Entry point of the `senda` command."""
    senda(prog_name="senda")


@senda.group("telegram")
def telegram_group() -> None:
    """The Telegram channel."""


def _telegram():
    senda = _service()
    if senda.telegram is None:
        raise click.ClickException("set TELEGRAM_BOT_TOKEN to use the Telegram channel")
    return senda, senda.telegram


@telegram_group.command("set-webhook")
@click.argument("url")
@click.option("--drop-pending", is_flag=True, help="Drop the updates waiting at Telegram.")
def telegram_set_webhook(url: str, drop_pending: bool) -> None:
    """Register URL (ending in /webhooks/telegram) with its secret token."""
    from bot.channels.telegram import ALLOWED_UPDATES

    senda, sender = _telegram()
    secret = senda.settings.telegram_webhook_secret
    if not secret:
        raise click.ClickException("set TELEGRAM_WEBHOOK_SECRET (1-256 of A-Z a-z 0-9 _ -)")
    sender.call(
        lambda bot: bot.set_webhook(
            url,
            secret_token=secret,
            allowed_updates=list(ALLOWED_UPDATES),
            drop_pending_updates=drop_pending,
        )
    )
    click.echo(f"Telegram will post updates for @{sender.username} to {url}")


@telegram_group.command("poll")
@click.option("--once", is_flag=True, help="Handle what is waiting, then stop.")
def telegram_poll(once: bool) -> None:
    """Receive updates by long polling (for a machine with no public URL)."""
    from bot.channels.telegram import ALLOWED_UPDATES, MalformedUpdate
    from webhooks.telegram import process_update

    configure_logging()
    senda, sender = _telegram()
    sender.call(lambda bot: bot.delete_webhook())  # Telegram refuses getUpdates while one is set
    click.echo(f"Polling for @{sender.username}. Ctrl-C to stop.", err=True)
    offset: int | None = None
    while True:
        try:
            updates = sender.call(
                lambda bot, offset=offset: bot.get_updates(
                    offset=offset, timeout=0 if once else 10, allowed_updates=list(ALLOWED_UPDATES)
                )
            )
        except KeyboardInterrupt:
            break
        for update in updates:
            try:
                process_update(senda, update)
            except MalformedUpdate:
                click.echo("skipped an update with fields of the wrong type", err=True)
            offset = update.update_id + 1
        if once and not updates:
            break


@senda.group("services")
def services_group() -> None:
    """The directory of services, as a spreadsheet (CSV) staff keep."""


@services_group.command("export")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="File.")
def services_export(output: Path | None) -> None:
    """Write the directory in force as CSV (UTF-8), to a file or standard output."""
    from bot.directory import export_csv

    text = export_csv(_service())
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8", newline="")
    click.echo(f"wrote {output}", err=True)


@services_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def services_import(file: Path) -> None:
    """Check a CSV of the directory; when every row is right, answer people from it."""
    from bot.directory import import_csv
    from lessons.directory.spreadsheet import MAX_BYTES

    with file.open("rb") as handle:
        data = handle.read(MAX_BYTES + 1)  # a larger file is refused without reading it all
    count, problems = import_csv(_service(), data, str(file), uploaded_by="command line")
    for problem in problems:
        click.echo(problem)
    if problems:
        click.echo(f"{len(problems)} problem(s) found; nothing was changed.", err=True)
        sys.exit(1)
    click.echo(f"The directory now has {count} services.", err=True)


@senda.group("broadcast")
def broadcast_group() -> None:
    """Messages for many: texts per language, an audience, a time."""


@broadcast_group.command("send")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def broadcast_send(file: Path) -> None:
    """Queue a broadcast; its id is the last line printed."""
    from bot.delivery import broadcasts

    senda = _service()
    try:
        spec = broadcasts.read_broadcast_file(file)
        broadcasts.check_names(spec, senda.catalog)
    except broadcasts.BroadcastFileError as error:
        raise click.ClickException(str(error)) from error
    broadcast_id = broadcasts.queue(senda, spec)
    click.echo(
        f"Broadcast queued; `senda worker` sends it. Follow it with "
        f"`senda broadcast status {broadcast_id} --json`.",
        err=True,
    )
    click.echo(broadcast_id)


@broadcast_group.command("status")
@click.argument("broadcast_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def broadcast_status(broadcast_id: int, as_json: bool) -> None:
    """How far a broadcast has got: total, pending, sent, delivered, read, failed, held."""
    import json

    from bot.delivery import broadcasts

    counts = broadcasts.status(_service(), broadcast_id)
    if counts is None:
        raise click.ClickException(f"no broadcast {broadcast_id}")
    if as_json:
        click.echo(json.dumps(counts))
    else:
        click.echo("  ".join(f"{name}: {value}" for name, value in counts.items()))


@senda.group("i18n")
def i18n() -> None:
    """The interface translations (gettext catalogs in bot/locale)."""


@i18n.command("update", with_appcontext=False)
def i18n_update() -> None:
    """Extract the strings from the code and merge them into every PO file."""
    from bot import catalogs

    catalogs.update()
    for language in catalogs.INTERFACE_LANGUAGES:
        missing = catalogs.untranslated(language)
        click.echo(f"{language}: {len(missing)} untranslated")


@i18n.command("compile", with_appcontext=False)
def i18n_compile() -> None:
    """Compile the PO files into the MO files the service loads."""
    from bot import catalogs

    for path in catalogs.compile_all():
        click.echo(f"wrote {path.relative_to(catalogs.PROJECT_ROOT)}")
