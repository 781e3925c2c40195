"""Help-desk answers from caseworkers against the bot's replies, in one process. Run by hand:

    .venv/bin/python bench/helpdesk.py [--conversations 200] [--caseworkers 20] [--answers 10]
                                       [--rounds 5] [--database-url URL]

The app (webhooks.create_app) runs on SQLite in a temporary folder, or on the database of
--database-url, and talks to the fake Bot API of the tests (tests/fakes/telegram.py) in this
process, with Telegram's rate limits lifted (both paths count against them otherwise). Not
measured: --conversations people open a help-desk conversation through the webhook (onboarding,
PERSONA, a topic, yes, a message), as many other people are onboarded, and --caseworkers staff
accounts of the role caseworker sign in, each with a test client of its own.

Measured, in --rounds rounds that take turns between the two so that the machine's drift falls
on both alike:
- desk: the caseworkers, one thread each, post --answers answers each through the dashboard's
  own route (/dashboard/helpdesk/<id>, the form's CSRF token, the signed-in session, the audit,
  the encrypted copy, the outbox and the send), spread over the conversations. Latency: from
  just before the POST to the fake's recording of the sendMessage that carries the answer's
  token.
- bot (the baseline): as many people as answers, in as many threads as caseworkers, each post
  one message ("menú") through the Telegram webhook. Latency: from just before the POST to the
  fake's recording of the first sendMessage to that chat after it.

Printed: p50/p95/p99 of each and the ratios desk/bot (the target: desk p95 within 2 times the
bot's), the time each request took to return, SQL statements a request (on SQLite the BEGIN
IMMEDIATE that takes the write lock is one), and whether every answer arrived exactly once, to
its person, in order within each conversation.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import random
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402
from sqlalchemy import event, select  # noqa: E402

from bench.inbound import percentile  # noqa: E402
from bot.service import keep_start_up_objects_out_of_collections  # noqa: E402
from storage.models import HelpdeskConversation  # noqa: E402
from tests.dashboard_helpers import add_staff, csrf_token, sign_in  # noqa: E402
from tests.fakes.telegram import Call, FakeTelegram  # noqa: E402
from tests.telegram_helpers import TelegramPerson, telegram_settings, text_update  # noqa: E402
from webhooks import create_app  # noqa: E402

TARGET = 2.0  # desk p95 within this many times the bot's
QUEUE = "/dashboard/helpdesk/"
ONBOARDING = ("hola", "1", "sí", "1")  # Spanish, consent, an official: the menu
TOPICS = ("1", "2", "3", "4", "5", "6")
TOKEN = re.compile(r"\bhd(\d+)\b")
# Update ids and chat ids never seen before, even by a database an earlier run used.
RUN = int(time.time())
_update_ids = itertools.count(RUN * 1_000_000)
_chat_ids = itertools.count(10**12 + (RUN % 10**6) * 10**5)


@dataclass
class Answer:
    """One caseworker's answer: where it went, its token, and when its POST left and returned."""

    number: int
    conversation: int
    chat_id: int
    started: float = 0.0
    returned: float = 0.0


@dataclass
class Reply:
    """One person's message to the bot, and when its POST left and returned."""

    chat_id: int
    started: float = 0.0
    returned: float = 0.0


class Statements:
    """SQL statements the engine sent, counted across threads."""

    def __init__(self, engine) -> None:
        self.count = 0
        self._lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        with self._lock:
            self.count += 1


def settings(database_url: str, folder: Path, fake: FakeTelegram) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": "",
        "SENDA_INSTANCE": str(folder),
        "SENDA_DATA_KEY": Fernet.generate_key().decode(),
        "SENDA_HELPDESK_KEY": Fernet.generate_key().decode(),
        "SECRET_KEY": "bench",
        **telegram_settings(fake.base_url),
        "SENDA_TELEGRAM_RATE": "0",
        "SENDA_TELEGRAM_CHAT_RATE": "0",
    }


def write(person: TelegramPerson, text: str) -> None:
    answer = person.post(text_update(person.chat_id, text, update_id=next(_update_ids)))
    assert answer.status_code == 200, (text, answer.status_code)


def open_conversations(app, fake: FakeTelegram, count: int) -> list[tuple[int, int]]:
    """People who asked for a person and wrote once: (conversation id, chat id) of each."""
    service = app.extensions["senda"]
    client = app.test_client()
    opened = []
    for n in range(count):
        person = TelegramPerson(client, fake, next(_chat_ids))
        said = (*ONBOARDING, "persona", TOPICS[n % len(TOPICS)], "Sí, escribirle a una persona")
        for text in (*said, f"necesito ayuda, soy la persona {n}"):
            write(person, text)
        with service.sessions() as session:
            newest = session.scalar(
                select(HelpdeskConversation.id).order_by(HelpdeskConversation.id.desc()).limit(1)
            )
        assert newest is not None and (not opened or newest > opened[-1][0]), n
        opened.append((newest, person.chat_id))
    return opened


def onboard(app, fake: FakeTelegram, count: int) -> list[int]:
    """People at the bot's menu: their chat ids."""
    client = app.test_client()
    people = []
    for _ in range(count):
        person = TelegramPerson(client, fake, next(_chat_ids))
        for text in ONBOARDING:
            write(person, text)
        people.append(person.chat_id)
    return people


def caseworkers(app, count: int) -> list[tuple[object, str]]:
    """Signed-in test clients of new caseworker accounts, each with its form token."""
    service = app.extensions["senda"]
    signed = []
    for n in range(count):
        email = f"caseworker{n}-{RUN}@example.org"
        add_staff(service, email, "caseworker")
        client = app.test_client()
        assert sign_in(client, email).status_code == 302
        signed.append((client, csrf_token(client, QUEUE)))
    return signed


def post_answers(client, token: str, answers: list[Answer]) -> None:
    """One caseworker answering, one answer after another, as the dashboard's form posts it."""
    for answer in answers:
        text = f"hd{answer.number} Ve a la Casa del Migrante en la 4a Norte; te esperan."
        form = {"text": text, "csrf_token": token}
        answer.started = time.monotonic()
        response = client.post(f"{QUEUE}{answer.conversation}", data=form)
        answer.returned = time.monotonic()
        assert response.status_code == 303, (response.status_code, response.get_data(as_text=True))


def post_messages(client, fake: FakeTelegram, replies: list[Reply]) -> None:
    """People writing to the bot, one after another, from one thread."""
    for reply in replies:
        person = TelegramPerson(client, fake, reply.chat_id)
        update = text_update(reply.chat_id, "menú", update_id=next(_update_ids))
        reply.started = time.monotonic()
        response = person.post(update)
        reply.returned = time.monotonic()
        assert response.status_code == 200, response.status_code


def in_threads(work: list[tuple]) -> None:
    """Run each (function, *arguments) in a thread of its own, all at once; wait for all."""
    with ThreadPoolExecutor(max_workers=len(work)) as pool:
        for future in [pool.submit(*item) for item in work]:
            future.result()  # a failed post stops the bench with its error


def split(items: list, parts: int) -> list[list]:
    """Items in `parts` consecutive runs of nearly equal length."""
    size, extra = divmod(len(items), parts)
    runs, start = [], 0
    for n in range(parts):
        end = start + size + (n < extra)
        runs.append(items[start:end])
        start = end
    return runs


def sends(fake: FakeTelegram) -> list[Call]:
    return fake.calls_to("sendMessage")


def wait_for_answers(fake: FakeTelegram, expected: int, timeout: float = 10) -> None:
    """Until every token was seen at the fake, or the timeout (a missing one is counted)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = {m.group(1) for c in sends(fake) if (m := TOKEN.search(str(c.params["text"])))}
        if len(seen) >= expected:
            return
        time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--caseworkers", type=int, default=20)
    parser.add_argument("--answers", type=int, default=10, help="answers of each caseworker")
    parser.add_argument("--rounds", type=int, default=5, help="turns between desk and bot")
    parser.add_argument("--database-url", help="e.g. postgresql://postgres@127.0.0.1:5432/test22")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    total = args.caseworkers * args.answers
    folder = Path(tempfile.mkdtemp())
    database_url = args.database_url or f"sqlite:///{folder / 'bench.db'}"

    with FakeTelegram() as fake:
        app = create_app(settings(database_url, folder, fake))
        app.config["TESTING"] = True
        service = app.extensions["senda"]
        keep_start_up_objects_out_of_collections()  # as a web worker does (gunicorn_conf)
        try:
            began = time.monotonic()
            warm_conversations = open_conversations(app, fake, args.caseworkers)
            conversations = open_conversations(app, fake, args.conversations)
            warm_people = onboard(app, fake, args.caseworkers)
            people = onboard(app, fake, total)
            staff = caseworkers(app, args.caseworkers)
            bot_clients = [app.test_client() for _ in range(args.caseworkers)]
            set_up = time.monotonic() - began

            # Each caseworker's answers, spread over the conversations at random.
            targets = [n % args.conversations for n in range(total)]
            random.Random(args.seed).shuffle(targets)
            answers = [
                Answer(n, *conversations[target]) for n, target in enumerate(targets, start=1)
            ]
            desk_work = split(answers, args.caseworkers)
            bot_work = [
                [Reply(chat) for chat in people[n :: args.caseworkers]]
                for n in range(args.caseworkers)
            ]

            # Warm-up, not counted: one answer from each caseworker, one message from as many.
            warm = [Answer(0, *warm_conversations[n]) for n in range(args.caseworkers)]
            in_threads([(post_answers, *staff[n], [warm[n]]) for n in range(args.caseworkers)])
            in_threads(
                [
                    (post_messages, bot_clients[n], fake, [Reply(warm_people[n])])
                    for n in range(args.caseworkers)
                ]
            )
            time.sleep(0.2)
            fake.reset()
            gc.collect()

            statements = Statements(service.database)
            desk_statements = bot_statements = 0
            for round_ in range(args.rounds):
                desk = [
                    (post_answers, *staff[n], split(desk_work[n], args.rounds)[round_])
                    for n in range(args.caseworkers)
                ]
                bot = [
                    (post_messages, bot_clients[n], fake, split(bot_work[n], args.rounds)[round_])
                    for n in range(args.caseworkers)
                ]
                for name in ("desk", "bot") if round_ % 2 == 0 else ("bot", "desk"):
                    before = statements.count
                    in_threads(desk if name == "desk" else bot)
                    if name == "desk":
                        desk_statements += statements.count - before
                    else:
                        bot_statements += statements.count - before
            wait_for_answers(fake, total)
            time.sleep(0.2)
            calls = sends(fake)
        finally:
            service.close()

    # -- what arrived ------------------------------------------------------------------------
    by_number = {answer.number: answer for answer in answers}
    arrivals: dict[int, list[Call]] = {}
    others: list[Call] = []
    for call in calls:
        found = TOKEN.search(str(call.params.get("text", "")))
        if found and int(found.group(1)) in by_number:
            arrivals.setdefault(int(found.group(1)), []).append(call)
        else:
            others.append(call)
    arrived = {n: got[0] for n, got in arrivals.items() if got[0].failed is None}
    twice = sum(1 for got in arrivals.values() if len(got) > 1)
    failed = sum(1 for call in calls if call.failed is not None)
    wrong_chat = sum(
        1 for n, call in arrived.items() if int(call.params["chat_id"]) != by_number[n].chat_id
    )
    after_return = sum(1 for n, call in arrived.items() if call.at > by_number[n].returned)
    desk_ms = [(call.at - by_number[n].started) * 1000 for n, call in arrived.items()]

    # In order within a conversation: an answer posted after another's POST returned arrives
    # after it.
    per_conversation: dict[int, list[Answer]] = {}
    for answer in answers:
        per_conversation.setdefault(answer.conversation, []).append(answer)
    several = [group for group in per_conversation.values() if len(group) > 1]
    out_of_order = sum(
        1
        for group in several
        for first, then in itertools.permutations(group, 2)
        if first.returned < then.started
        and first.number in arrived
        and then.number in arrived
        and arrived[first.number].at > arrived[then.number].at
    )

    replies = [reply for work in bot_work for reply in work]
    to_chat: dict[int, list[float]] = {}
    for call in others:
        if call.failed is None:
            to_chat.setdefault(int(call.params["chat_id"]), []).append(call.at)
    bot_ms = []
    for reply in replies:
        later = [at for at in to_chat.get(reply.chat_id, []) if at >= reply.started]
        if later:
            bot_ms.append((min(later) - reply.started) * 1000)
    reply_counts = Counter(len(to_chat.get(reply.chat_id, [])) for reply in replies)
    writers = {reply.chat_id for reply in replies}
    stray = sum(len(times) for chat, times in to_chat.items() if chat not in writers)

    # -- printed -----------------------------------------------------------------------------
    database = database_url.split(":")[0]
    print(
        f"{args.conversations} conversations, {args.caseworkers} caseworkers x {args.answers} "
        f"answers, {len(replies)} people writing to the bot in {args.caseworkers} threads, "
        f"{args.rounds} rounds taking turns; database {database}; set-up {set_up:.1f} s"
    )
    print(
        f"{'':12} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'request p50':>12} {'request p95':>12} {'statements':>11}"
    )
    rows = [
        ("desk answer", desk_ms, [a.returned - a.started for a in answers], desk_statements),
        ("bot reply", bot_ms, [r.returned - r.started for r in replies], bot_statements),
    ]
    for name, values, requests, count in rows:
        request_ms = [seconds * 1000 for seconds in requests]
        print(
            f"{name:12} {len(values):6} {percentile(values, 0.5):8.1f} "
            f"{percentile(values, 0.95):8.1f} {percentile(values, 0.99):8.1f} "
            f"{percentile(request_ms, 0.5):12.1f} {percentile(request_ms, 0.95):12.1f} "
            f"{count / max(1, len(requests)):11.1f}"
        )
    ratios = [percentile(desk_ms, share) / percentile(bot_ms, share) for share in (0.5, 0.95, 0.99)]
    print(f"{'desk/bot':12} {'':6} {ratios[0]:8.2f} {ratios[1]:8.2f} {ratios[2]:8.2f}")
    met = "met" if ratios[1] <= TARGET else "NOT met"
    print(f"target: desk p95 within {TARGET:g} times the bot's p95: {met} ({ratios[1]:.2f})")
    print(
        f"answers: {len(arrived)} of {total} arrived ({total - len(arrived)} missing), "
        f"{twice} more than once, {wrong_chat} to the wrong chat, {after_return} after their "
        f"POST returned; {len(several)} conversations with more than one answer, "
        f"{out_of_order} pairs out of order"
    )
    print(
        f"bot replies: {len(bot_ms)} of {len(replies)} arrived; sendMessages a person: "
        + ", ".join(f"{n}: {people_}" for n, people_ in sorted(reply_counts.items()))
        + f"; {stray} other sendMessages, {failed} failed at the fake"
    )


if __name__ == "__main__":
    main()
