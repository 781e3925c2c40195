"""GIFT import: Moodle's own fixtures and test cases, the content it writes, and a quiz taken
in `senda chat` from an imported bank."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli import senda
from dialogs.quiz import order_seed
from lessons.gift import GiftQuestion, Text, extract_idnumber_and_tags, parse_gift
from lessons.html_text import html_to_text
from lessons.loader import load_catalog, read_catalog
from lessons.model import Question
from tests.conftest import TEST_CATALOG
from tests.moodle_corpus import CORPUS, read_cases

SENDA = str(Path(sys.executable).parent / "senda")
CASES, COMMENTS = read_cases(CORPUS / "CASES.txt") if CORPUS else ([], [])
needs_corpus = pytest.mark.skipif(CORPUS is None, reason="Moodle fixtures not found (SENDA_CORPUS)")


def moodle_fields(question: GiftQuestion) -> dict[str, Any]:
    """A parsed question under the names of Moodle's question object."""
    fields: dict[str, Any] = {
        "name": question.name,
        "qtype": question.qtype,
        "questiontext": question.text.text,
        "questiontextformat": question.text.format,
        "generalfeedback": question.general_feedback.text,
        "generalfeedbackformat": question.general_feedback.format,
        "tags": list(question.tags),
        "idnumber": question.idnumber,
    }
    if question.qtype in ("multichoice", "shortanswer", "numerical"):
        fields["answer"] = [a.text for a in question.answers]
        fields["fraction"] = [a.fraction for a in question.answers]
        fields["feedback"] = [a.feedback for a in question.answers]
    if question.qtype == "multichoice":
        fields["single"] = int(question.single)
    if question.qtype == "numerical":
        fields["tolerance"] = ["" if a.tolerance is None else a.tolerance for a in question.answers]
    if question.qtype == "match":
        fields["subquestions"] = list(question.subquestions)
        fields["subanswers"] = list(question.subanswers)
    if question.qtype == "truefalse":
        fields["correctanswer"] = int(bool(question.correct_answer))
        fields["feedbacktrue"] = question.feedback_true.text
        fields["feedbackfalse"] = question.feedback_false.text
        fields["penalty"] = 1  # Moodle's true/false questions have no retry penalty to set
    return fields


def same(expected: Any, actual: Any) -> bool:
    """CASES.txt's notation against a parsed value: ('text', format) or a bare 'text'."""
    if isinstance(actual, Text):
        if isinstance(expected, tuple):
            return (actual.text, actual.format) == expected
        return actual.text == expected
    if isinstance(expected, list):
        return len(expected) == len(actual) and all(map(same, expected, actual))
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        return isinstance(actual, int | float) and abs(expected - actual) < 1e-9
    return expected == actual


@needs_corpus
@pytest.mark.parametrize("case", CASES, ids=[c.name.removeprefix("test_import_") for c in CASES])
def test_moodle_import_case(case):
    bank = parse_gift(case.gift)
    assert bank.problems == []
    assert len(bank.questions) == 1
    fields = moodle_fields(bank.questions[0])
    for key, expected in case.expect.items():
        assert key in fields, f"{case.name}: no field {key}"
        assert same(expected, fields[key]), (
            f"{case.name}: {key} is {fields[key]!r}, not {expected!r}"
        )


@needs_corpus
@pytest.mark.parametrize(
    ("comment", "idnumber", "tags"), COMMENTS, ids=[repr(c[0])[:40] for c in COMMENTS]
)
def test_idnumber_and_tags_from_comments(comment, idnumber, tags):
    assert extract_idnumber_and_tags(comment) == (idnumber, tags)


def test_questions_gift_gives_the_nine_questions_moodle_expects(corpus):
    bank = parse_gift((corpus / "questions.gift.txt").read_text(encoding="utf-8"))
    assert bank.problems == []
    assert [(q.line, q.qtype, q.name) for q in bank.questions] == [
        (2, "essay", "Q8"),
        (5, "match", "Moodle activities"),
        (14, "multichoice", "Q2"),
        (22, "multichoice", "colours"),
        (31, "numerical", "Q5"),
        (34, "shortanswer", "Shortanswer"),
        (41, "truefalse", "Q1"),
        (46, "truefalse", "2-08 TSL"),
        (49, "truefalse", "2-08 TSL"),
    ]
    q1 = bank.questions[6]
    assert (
        q1.general_feedback.text
        == "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    )
    assert (q1.correct_answer, q1.feedback_false.text) == (False, "You gave the right answer.")


def test_categories_tabs_and_escapes_in_html(corpus):
    bank = parse_gift((corpus / "questions_in_category.gift.txt").read_text(encoding="utf-8"))
    assert bank.problems == []
    assert {q.category for q in bank.questions} == {"$course$/Default for New Features"}
    greeting = next(q for q in bank.questions if q.name == "Greeting")
    assert greeting.text.format == "html"
    assert greeting.text.text.startswith(
        '<a href="http://demo.moodle.net/file.php/5/media/bonjour.mp3">Listen to this greeting:</a>'
    )
    assert [(a.text.text, a.fraction) for a in greeting.answers][:2] == [
        ("English", 0.0),
        ("French", 1.0),
    ]
    user = next(q for q in bank.questions if q.name == "Moodle user")
    assert (user.qtype, [a.text.text for a in user.answers]) == ("shortanswer", ["Moodler"])


def test_the_tour_of_examples_txt(corpus):
    bank = parse_gift((corpus / "examples.txt").read_text(encoding="utf-8"))
    assert bank.problems == []
    by_line = {q.line: q for q in bank.questions}
    assert len(bank.questions) == 43
    # a missing word: the blank where the answers were
    assert by_line[10].text.text == "Grant is _____ in Grant's tomb."
    # escaped control characters are plain characters in the answers
    assert [a.text.text for a in by_line[143].answers] == ["= 2 + 2", "= 2 + 3", "= 2 + 4"]
    control = by_line[148]
    assert [a.text.text for a in control.answers] == ["~", "=", "#", "{", "}", "\\"]
    assert [a.fraction for a in control.answers] == [0, 0, 0, 0, 0, 1]
    assert control.answers[5].feedback.text.startswith("Correct! \\ (backslash) is not a control")
    # numerical: exact, tolerance, range, several answers with weights
    assert [(a.text.text, a.tolerance) for a in by_line[72].answers] == [("3.1415", 0.0005)]
    assert by_line[74].answers[0].range == (3.141, 3.142)
    assert [(a.fraction, a.tolerance) for a in by_line[76].answers] == [(1, 0), (0.5, 2)]
    # weights on multiple choice, and several right answers
    assert [a.fraction for a in by_line[117].answers] == [0, 0.25, 0.5, 1]
    assert by_line[136].single is False
    assert [a.fraction for a in by_line[136].answers] == [-0.5, 0.5, 0.5, -0.5]
    # a name over two lines of text, and the markdown format
    assert by_line[90].name == "Kanji Origins" and by_line[90].qtype == "shortanswer"
    assert by_line[108].text == Text("Who's buried in **Grant's tomb**?", "markdown")
    assert by_line[113].feedback_true.text == "No one is buried in Grant's tomb."


# (label, GIFT text, line of the problem, words of the message)
ERRORS = [
    ("closing brace missing", "Who?{=a ~b", 1, "brace"),
    ("opening brace missing", "// c\n\nWho? =a ~b}", 3, "brace"),
    ("one-answer multiple choice", "Q1 {=a}\n\nQ2 {~only}", 3, "at least 2 answers"),
    ("not a number", "::N::\nHow many?\n{#many}", 3, "'many' is not a number"),
    ("bad tolerance", "How many?{#5:x}", 1, "tolerance 'x'"),
    ("bad range", "How many?{#1..x}", 1, "range"),
    ("pair without an arrow", "Match {\n=a -> b\n=c\n=d -> e}", 3, "'->'"),
]


@pytest.mark.parametrize(
    ("gift", "line", "words"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_problems_name_their_line(gift, line, words):
    bank = parse_gift(gift)
    assert [p.line for p in bank.problems] == [line]
    assert words in bank.problems[0].message


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("Match the <b>activity</b>.", "Match the activity."),
        ("A &amp; B &lt;tag&gt;", "A & B <tag>"),
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("Pick:<ul><li>one</li><li>two</li></ul>", "Pick:\n\n- one\n- two"),
        ("<script>alert(1)</script>Safe", "Safe"),
        ('<a href="https://example.org/x">the form</a>', "the form (https://example.org/x)"),
    ],
    ids=["inline tags", "entities", "paragraphs", "list", "script", "link"],
)
def test_html_becomes_chat_text(html, text):
    assert html_to_text(html) == text


def _catalog(tmp_path: Path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(TEST_CATALOG, target)
    return target


def _import(*args: str) -> Any:
    return CliRunner().invoke(senda, ["lessons", "import-gift", *args])


def test_import_writes_a_module_that_validates_and_reports_what_chat_cannot_ask(corpus, tmp_path):
    catalog = _catalog(tmp_path)
    result = _import(
        str(corpus / "questions.gift.txt"),
        "--course",
        "banks",
        "--lang",
        "en",
        "--catalog",
        str(catalog),
    )
    assert result.exit_code == 0, result.output
    assert "9 questions imported into banks/questions-gift" in result.output
    assert f"{corpus / 'questions.gift.txt'}:2: question 'q8' (essay) is kept but not asked" in (
        result.output
    )
    course = load_catalog(catalog).course("banks")
    module = course.module("questions-gift")
    assert [q.type for q in module.questions] == [
        "essay",
        "matching",
        "choice",
        "choice",
        "numerical",
        "shortanswer",
        "truefalse",
        "truefalse",
        "truefalse",
    ]
    assert [q.deliverable for q in module.questions].count(False) == 1
    matching = module.questions[1]
    assert matching.prompt == {"en": "Match the activity to the description."}  # HTML as text
    assert [p.answer["en"] for p in matching.pairs][-1] == "Chat" and not matching.pairs[-1].item
    colours = module.questions[3]
    assert colours.multiple and [c.weight for c in colours.options] == [50, -100, 50, -100]
    assert module.questions[0].source == "Imported from questions.gift.txt, line 2 (Moodle GIFT)"
    validate = CliRunner().invoke(senda, ["lessons", "validate", str(catalog)])
    assert validate.exit_code == 0, validate.output


def test_what_chat_cannot_ask_is_imported_and_reported_at_its_line(tmp_path):
    catalog = _catalog(tmp_path)
    bank = tmp_path / "mixed.gift"
    pairs = " ".join(f"=Item {n} -> Answer {n}" for n in range(1, 12))
    bank.write_text(
        "::intro::This part is about numbers.\n\n"
        f"::big::Match them all.{{{pairs}}}\n\n"
        "::small::Match.{=a -> 1 =b -> 2}\n\n"
        "::diary::Tell us about your day.{}\n"
    )
    result = _import(str(bank), "--course", "demo", "--catalog", str(catalog))
    assert result.exit_code == 0, result.output
    assert "4 questions imported into demo/mixed" in result.output
    assert (
        f"{bank}:1: question 'intro' (description) is kept but not asked by chat" in result.output
    )
    assert f"{bank}:3: question 'big' (matching) is kept but not asked by chat: 11 answers" in (
        result.output
    )
    assert f"{bank}:7: question 'diary' (essay)" in result.output
    assert "'small'" not in result.output
    module = load_catalog(catalog).course("demo").module("mixed")
    assert [q.id for q in module.questions] == ["intro", "big", "small", "diary"]
    assert [q.id for q in module.quiz] == ["small"]
    assert module.cards[0].text["es"].startswith("Cuestionario: mixed. Preguntas: 1.")


def test_show_json_gives_every_type_with_options_per_language(corpus, tmp_path):
    catalog = _catalog(tmp_path)
    bank = str(corpus / "questions.gift.txt")
    assert (
        _import(bank, "--course", "banks", "--lang", "en", "--catalog", str(catalog)).exit_code == 0
    )
    result = CliRunner().invoke(
        senda, ["lessons", "show", "banks", "--json", "--catalog", str(catalog)]
    )
    assert result.exit_code == 0, result.output
    (module,) = json.loads(result.output)["modules"]
    essay, matching, single, multiple, number, short, false, true, _ = module["questions"]
    assert (essay["type"], essay["deliverable"], essay["options"]) == ("essay", False, [])
    assert "essay" in essay["not_deliverable_because"]
    assert matching["pairs"][0] == {
        "item": {"en": "An activity supporting asynchronous discussions."},
        "answer": {"en": "Forum"},
    }
    assert [
        (o["text"]["en"], o["correct"], o["weight"], o["feedback"]) for o in single["options"]
    ] == [
        ("yellow", True, 100, {"en": "right; good!"}),
        ("red", False, 0, {"en": "wrong, it's yellow"}),
        ("blue", False, 0, {"en": "wrong, it's yellow"}),
    ]
    assert multiple["multiple"] is True
    assert [o["weight"] for o in multiple["options"]] == [50, -100, 50, -100]
    assert number["type"] == "numerical"
    assert [
        (o["text"]["en"], o.get("number"), o.get("tolerance"), o.get("other"))
        for o in number["options"]
    ] == [
        ("3 ± 2", 3, 2, None),
        ("*", None, None, True),
    ]
    assert number["options"][1]["feedback"] == {"en": "Completely wrong"}
    assert [(o["text"]["en"], o["weight"]) for o in short["options"]] == [
        ("Frog", 100),
        ("Cat", 50),
        ("*", 0),
    ]
    assert false["answer"] is False and true["answer"] is True
    assert [(o["key"], o["text"]["en"], o["correct"]) for o in false["options"]] == [
        ("true", "True", False),
        ("false", "False", True),
    ]
    assert false["options"][1]["feedback"] == {"en": "You gave the right answer."}
    assert false["feedback"] == {
        "en": "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    }


def test_import_into_an_existing_module_keeps_the_file_and_adds_questions(corpus, tmp_path):
    catalog = _catalog(tmp_path)
    basics = catalog / "demo" / "basics.yaml"
    before = basics.read_text()
    result = _import(
        str(corpus / "questions_in_category.gift.txt"),
        "--course",
        "demo",
        "--module",
        "basics",
        "--catalog",
        str(catalog),
    )
    assert result.exit_code == 0, result.output
    assert basics.read_text().startswith(before.rstrip("\n"))
    module = load_catalog(catalog).course("demo").module("basics")
    assert [q.name for q in module.questions][-4:] == [
        "Moodle activities",
        "Greeting",
        "Moodle user",
        "Moodle acronym",
    ]
    greeting = module.question("greeting")
    assert greeting.prompt["es"] == (
        "Listen to this greeting: (http://demo.moodle.net/file.php/5/media/bonjour.mp3)\n\n"
        "What language is being spoken?"
    )


def test_a_broken_bank_imports_nothing_and_names_file_and_line(tmp_path):
    catalog = _catalog(tmp_path)
    bank = tmp_path / "broken.gift"
    bank.write_text("Who?{=a ~b}\n\n// second\nWhen? {#soon}\n")
    before = sorted(p.relative_to(catalog) for p in catalog.rglob("*"))
    result = _import(str(bank), "--course", "demo", "--catalog", str(catalog))
    assert result.exit_code == 1
    assert f"{bank}:4: 'soon' is not a number" in result.output
    assert sorted(p.relative_to(catalog) for p in catalog.rglob("*")) == before


def test_a_bank_in_another_language_than_the_course_is_refused(corpus, tmp_path):
    catalog = _catalog(tmp_path)
    result = _import(
        str(corpus / "examples.txt"), "--course", "demo", "--lang", "en", "--catalog", str(catalog)
    )
    assert result.exit_code == 1
    assert "import the bank in 'es'" in result.output
    assert not (catalog / "demo" / "examples.yaml").exists()
    assert read_catalog(catalog)[1] == []


def _replies(question: Question, seed: str) -> list[str]:
    """What a person who knows every answer writes to one question, its options shown in the
    order of the attempt `seed` names."""
    if question.type == "matching":
        answers = question.answer_list()
        return [str(answers.index(pair.answer) + 1) for pair in question.items]
    if question.type == "truefalse":
        return ["1" if question.options[0].correct else "2"]
    if question.type == "shortanswer":
        right = next(c for c in question.options if c.credit == 1)
        return [right.text["en"].upper()]  # case does not matter
    if question.type == "numerical":
        right = next(c for c in question.options if c.credit == 1)
        value = (right.minimum + right.maximum) / 2 if right.is_range else right.number
        return [str(value)]
    shown = question.shown_options(seed)
    if question.multiple:
        return [" ".join(str(i) for i, c in enumerate(shown, 1) if c.credit > 0)]
    return [str(next(i for i, c in enumerate(shown, 1) if c.credit == 1))]


def test_the_imported_examples_can_be_taken_in_senda_chat(corpus, tmp_path, database_url):
    catalog = _catalog(tmp_path)
    result = _import(
        str(corpus / "examples.txt"),
        "--course",
        "gift-tour",
        "--lang",
        "en",
        "--catalog",
        str(catalog),
    )
    assert result.exit_code == 0, result.output
    assert "43 questions imported" in result.output
    module = load_catalog(catalog).course("gift-tour").module("examples")
    assert all(q.deliverable for q in module.questions)
    # English, consent, official; courses, the imported course, its module; its card: the quiz
    lines = ["hello", "2", "1", "1", "1", "2", "1", "1"]
    for question in module.quiz:
        lines += _replies(question, order_seed(1))  # the first attempt of a fresh database
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENDA_", "DATABASE_"))}
    env.update(
        DATABASE_URL=database_url,
        SENDA_INSTANCE=str(tmp_path / "instance"),
        SENDA_CATALOG=str(catalog),
    )
    run = subprocess.run(
        [SENDA, "chat", "--json", "--user", "+5215500000001"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    texts = [json.loads(line)["text"] for line in run.stdout.splitlines()]
    assert not any("did not understand" in text or "Please write" in text for text in texts)
    assert sum(text.startswith("✅ Right.") for text in texts) == 43
    assert "You got 43 of 43 questions right (100%)." in texts[-1]


def test_windows_line_endings_and_a_byte_order_mark():
    bank = parse_gift("\ufeff// from Windows\r\nQ1 {T}\r\n\r\n::two::Q2\r\n{F#No.#Yes.}\r\n")
    assert bank.problems == []
    assert [(q.line, q.name, q.correct_answer) for q in bank.questions] == [
        (2, "Q1", True),
        (4, "two", False),
    ]
    assert bank.questions[1].feedback_false.text == "Yes."


def test_a_file_with_no_questions_imports_nothing(tmp_path):
    catalog = _catalog(tmp_path)
    empty = tmp_path / "empty.gift"
    empty.write_text("// only a comment\n\n")
    result = _import(str(empty), "--course", "demo", "--catalog", str(catalog))
    assert result.exit_code == 1
    assert "empty.gift: no questions to import" in result.output
    assert read_catalog(catalog)[1] == []
