"""`senda chat` as a person uses it: piped script, JSON lines, resume, progress and erase."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.config import BUNDLED_CATALOG
from dialogs.quiz import order_seed
from lessons.loader import load_catalog
from storage.db import make_engine
from storage.models import Base

SENDA = str(Path(sys.executable).parent / "senda")
USER = "+5215599887766"


@pytest.fixture
def chat_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENDA_", "DATABASE_"))}
    env.update(DATABASE_URL=database_url, SENDA_INSTANCE=str(tmp_path / "instance"))
    return env


def chat(env: dict[str, str], lines: list[str], *args: str) -> list[dict]:
    """Pipe lines into `senda chat --json`; every outbound message as a dict."""
    result = subprocess.run(
        [SENDA, "chat", "--json", "--user", USER, *args],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def right_answers(course_id: str, module_id: str, attempt_id: int = 1) -> list[str]:
    """The number of the right option of each question of a bundled module, as the attempt
    shows them (the first attempt of a fresh database: 1)."""
    module = load_catalog(BUNDLED_CATALOG).course(course_id).module(module_id)
    seed = order_seed(attempt_id)
    return [
        str(next(i for i, choice in enumerate(q.shown_options(seed), 1) if choice.correct))
        for q in module.questions
    ]


def test_from_hello_to_a_passed_quiz_then_resume_progress_and_erase(chat_env, database_url):
    course = load_catalog(BUNDLED_CATALOG).course("migrant-protection")
    module = course.modules[0]
    # Spanish, consent, official, courses, skip the pre-test the course opens with, module
    onboarding = ["hola", "1", "1", "1", "1", "2", "1"]
    first = chat(chat_env, [*onboarding, "1"])  # one card forward
    assert all(set(message) == {"text", "options"} for message in first)
    assert first[0]["options"][:2] == ["Español", "English"]
    assert f"(2/{len(module.cards)})" in first[-1]["text"]

    # A second run with the same user resumes at the same card.
    again = chat(chat_env, ["hola"])
    assert f"(2/{len(module.cards)})" in again[-1]["text"]

    to_the_quiz = ["1"] * (len(module.cards) - 2) + ["1"]  # next... then "Quiz" on the last card
    answers = right_answers(course.id, module.id)
    quiz = chat(chat_env, [*to_the_quiz, *answers])
    result = quiz[-1]["text"]
    total = len(module.questions)
    assert f"{total} de {total}" in result and "100" in result, result

    progress = chat(chat_env, ["progreso"])
    assert "100" in progress[0]["text"]
    assert course.text(module.title, "es") in progress[0]["text"]

    erased = chat(chat_env, ["borrar"])
    assert "borr" in erased[0]["text"].lower()
    engine = make_engine(database_url)
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name == "processed_messages":
                continue
            count = connection.execute(select(func.count()).select_from(table)).scalar()
            assert count == 0, f"{table.name} keeps {count} rows after erase"
    engine.dispose()


def test_bad_lines_get_an_answer_and_the_run_exits_0(chat_env):
    lines = ["hola", "", "x" * 5000, "🙂🙂", "\x07\x1b[31m1\x00", "99", "1"]
    replies = chat(chat_env, lines)
    assert len(replies) == len(lines), "one answer to each line, never silence"
    assert replies[1]["text"].startswith("No recibí ningún texto.")
    for reply in replies[2:5]:
        assert reply["text"].startswith("Perdón, no entendí."), reply
    assert replies[5]["text"].startswith("Por favor, responde con un número del 1 al 4.")
    for reply in replies[1:6]:  # the language question again, every time
        assert reply["options"] == ["Español", "English", "Français", "Kreyòl ayisyen"]
    # The stored state stayed valid: "1" still picks Spanish and goes on to consent.
    assert replies[6]["options"] == ["Sí, acepto", "No"]


def test_plain_output_numbers_the_options(chat_env, tmp_path):
    result = subprocess.run(
        [SENDA, "chat"],
        input="hola\n",
        capture_output=True,
        text=True,
        env=chat_env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "1. Español\n2. English\n3. Français\n4. Kreyòl ayisyen" in result.stdout


def test_interactive_on_a_terminal(chat_env, tmp_path):
    """On a TTY: a prompt, the replies, and Ctrl-D to leave; on a new database too, with no
    log lines of its migration in the conversation."""
    chat_env = {**chat_env, "DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"}
    import pty
    import select as io_select

    main, secondary = pty.openpty()
    process = subprocess.Popen(
        [SENDA, "chat"], stdin=secondary, stdout=secondary, stderr=secondary, env=chat_env
    )
    os.close(secondary)

    def read_until(marker: str, seconds: float = 30) -> str:
        seen = b""
        import time

        deadline = time.monotonic() + seconds
        while marker.encode() not in seen and time.monotonic() < deadline:
            ready, _, _ = io_select.select([main], [], [], 0.5)
            if ready:
                seen += os.read(main, 4096)
        return seen.decode(errors="replace")

    opening = read_until("> ")
    assert "Ctrl-D" in opening
    os.write(main, b"hola\n")
    answer = read_until("Kreyòl")
    assert "1. Español" in answer
    assert "INFO" not in opening + answer, opening + answer
    os.write(main, b"\x04")
    assert process.wait(timeout=30) == 0
    os.close(main)


def test_help_in_an_empty_folder_lists_every_command_and_creates_nothing(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENDA_", "DATABASE_"))}
    for args in (["--help"], ["admin", "--help"]):
        result = subprocess.run(
            [SENDA, *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60
        )
        assert result.returncode == 0, result.stderr
        assert list(tmp_path.iterdir()) == [], "no instance/, keys or database for help"
    listed = subprocess.run(
        [SENDA, "--help"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60
    ).stdout
    for command in ("chat", "serve", "worker", "admin", "broadcast", "telegram"):
        assert f"  {command} " in listed, listed
