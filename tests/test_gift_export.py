"""GIFT export: a module's quiz written for Moodle and read back gives the same questions,
options, weights and feedback; over the bundled catalog and over imported Moodle files."""

from __future__ import annotations

import shutil
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli import senda
from bot.config import BUNDLED_CATALOG
from lessons.gift import parse_gift
from lessons.gift_export import escape, module_as_gift
from lessons.importing import questions_from_bank
from lessons.loader import load_catalog
from lessons.model import Course, Module, Question
from tests.conftest import TEST_CATALOG


def view(course: Course, question: Question, language: str) -> dict[str, Any]:
    """Everything of a question a learner or Moodle sees, in one language."""

    def text(texts):
        return course.text(texts, language)

    return {
        "id": question.id,
        "type": question.type,
        "prompt": text(question.prompt),
        "feedback": text(question.feedback),
        "multiple": question.multiple,
        "options": [
            (
                text(c.text),
                round(c.credit, 6),
                text(c.feedback),
                c.number,
                c.tolerance,
                c.minimum,
                c.maximum,
            )
            for c in question.options
        ],
        "pairs": [(text(p.item), text(p.answer)) for p in question.pairs],
        "tags": question.tags,
        "idnumber": question.idnumber,
        "shuffle": question.shuffle,
    }


def round_trip(course: Course, module: Module, language: str) -> tuple[list, list]:
    """The module's questions, and the same after export and import, as views."""
    gift = module_as_gift(course, module, language)
    bank = parse_gift(gift)
    assert bank.problems == [], gift
    again = questions_from_bank(bank.questions, language, "export.gift", "Moodle GIFT", set())
    rebuilt = Course(course.id, language, (language,), course.audience, 70, {}, {}, ())
    before = [view(course, q, language) for q in module.questions]
    after = [view(rebuilt, item.question, language) for item in again]
    return before, after


BUNDLED = [
    (course, module, language)
    for course in load_catalog(BUNDLED_CATALOG).courses
    for module in course.modules
    for language in course.languages
]


@pytest.mark.parametrize(
    ("course", "module", "language"),
    BUNDLED,
    ids=[f"{c.id}/{m.id}/{lang}" for c, m, lang in BUNDLED],
)
def test_bundled_modules_survive_a_round_trip(course, module, language):
    before, after = round_trip(course, module, language)
    assert after == before


@pytest.mark.parametrize(
    "name", ["examples.txt", "questions.gift.txt", "questions_in_category.gift.txt"]
)
def test_imported_moodle_files_survive_a_round_trip(corpus, tmp_path, name):
    catalog = tmp_path / "catalog"
    shutil.copytree(TEST_CATALOG, catalog)
    result = CliRunner().invoke(
        senda,
        [
            "lessons",
            "import-gift",
            str(corpus / name),
            "--course",
            "moodle",
            "--lang",
            "en",
            "--catalog",
            str(catalog),
        ],
    )
    assert result.exit_code == 0, result.output
    course = load_catalog(catalog).course("moodle")
    (module,) = course.modules
    before, after = round_trip(course, module, "en")
    assert after == before
    assert len(after) == len(parse_gift((corpus / name).read_text()).questions)


def test_export_command_writes_the_file_moodle_reads(tmp_path):
    target = tmp_path / "basics.gift.txt"
    result = CliRunner().invoke(
        senda,
        [
            "lessons",
            "export-gift",
            "demo",
            "--module",
            "basics",
            "-o",
            str(target),
            "--catalog",
            str(TEST_CATALOG),
        ],
    )
    assert result.exit_code == 0, result.output
    text = target.read_text()
    assert "::colour::¿De qué color es el cielo despejado?{\n\t~Verde\n\t~Rojo\n\t=Azul\n" in text
    english = CliRunner().invoke(
        senda,
        [
            "lessons",
            "export-gift",
            "demo",
            "--module",
            "basics",
            "--lang",
            "en",
            "--catalog",
            str(TEST_CATALOG),
        ],
    )
    assert "::colour::What colour is a clear sky?{" in english.output
    missing = CliRunner().invoke(
        senda,
        ["lessons", "export-gift", "demo", "--module", "nope", "--catalog", str(TEST_CATALOG)],
    )
    assert missing.exit_code != 0 and "no module 'nope'" in missing.output


def test_control_characters_are_escaped_as_moodle_does():
    assert escape("a: b = c ~ d # e { f } \\ g\nh") == (
        "a\\: b \\= c \\~ d \\# e \\{ f \\} \\\\ g\\nh"
    )
    (question,) = parse_gift("::x::" + escape("Is 2 = 2 {really}?") + "{T}").questions
    assert question.text.text == "Is 2 = 2 {really}?"


# Moodle's own export of the same questions (giftformat_test.php, PART 5 of CASES.txt); Senda
# keeps texts as plain text, so Moodle's [html]/[plain] markers are not part of its output.
MOODLE_EXPORTS = {
    "test_import_essay": "::Q8::How are you?{}",
    "test_import_numerical": (
        "::Q5::What is a number from 1 to 5?{#\n\t=%100%3:2#\n\t~#Completely wrong\n}"
    ),
    "test_import_shortanswer": (
        "::Shortanswer::Which is the best animal?{\n\t=%100%Frog#Good!\n"
        "\t=%50%Cat#What is it with Moodlers and cats?\n\t=%0%*#Completely wrong\n}"
    ),
    "test_import_multichoice_multi_tricky": (
        "::colours::What's between orange and green in the spectrum?{\n\t~%100%yellow#right; good!"
        "\n\t~%-50%red#wrong\n\t~%-50%blue#wrong\n}"
    ),
    "test_import_backslash": "::double backslash::A \\\\ B \\\\\\\\ C{}",
}


@pytest.mark.parametrize(
    "name", sorted(MOODLE_EXPORTS), ids=lambda n: n.removeprefix("test_import_")
)
def test_export_writes_what_moodle_writes(corpus, name):
    from tests.moodle_corpus import read_cases

    cases, _ = read_cases(corpus / "CASES.txt")
    case = next(c for c in cases if c.name == name)
    (item,) = questions_from_bank(parse_gift(case.gift).questions, "en", "x", "Moodle GIFT", set())
    course = Course("c", "en", ("en",), ("official",), 70, {}, {}, ())
    module = Module("m", {"en": "M"}, (), (item.question,))
    gift = module_as_gift(course, module, "en")
    assert MOODLE_EXPORTS[name] + "\n" in gift


def test_ids_and_tags_go_back_to_moodle(tmp_path):
    gift = "// [id:q\\]7] [tag:border] [tag:rights]\n::Q::Is asylum a right?{T}\n"
    (item,) = questions_from_bank(parse_gift(gift).questions, "en", "x", "Moodle GIFT", set())
    assert (item.question.idnumber, item.question.tags) == ("q]7", ("border", "rights"))
    course = Course("c", "en", ("en",), ("official",), 70, {}, {}, ())
    exported = module_as_gift(course, Module("m", {"en": "M"}, (), (item.question,)), "en")
    assert "// [id:q\\]7] [tag:border] [tag:rights]\n::Q::Is asylum a right?{TRUE}" in exported
    (again,) = parse_gift(exported).questions
    assert (again.idnumber, again.tags) == ("q]7", ("border", "rights"))


def test_a_pinned_order_goes_to_moodle_and_back(tmp_path):
    """`shuffle: false` is a comment line Moodle reads as nothing, kept through export and
    import, and into the module file the importer writes; an unmarked question shuffles."""
    from lessons.writer import question_data

    gift = (
        "// senda: shuffle=false\n"
        "::Scale::How sure are you?{=Very ~Somewhat ~Not at all}\n\n"
        "::Free::Which is a right?{=Asylum ~Nothing}\n"
    )
    pinned, free = questions_from_bank(parse_gift(gift).questions, "en", "x", "Moodle GIFT", set())
    assert (pinned.question.shuffle, free.question.shuffle) == (False, True)
    assert question_data(pinned.question)["shuffle"] is False
    assert "shuffle" not in question_data(free.question)
    course = Course("c", "en", ("en",), ("official",), 70, {}, {}, ())
    module = Module("m", {"en": "M"}, (), (pinned.question, free.question))
    exported = module_as_gift(course, module, "en")
    assert exported.count("// senda: shuffle=false\n") == 1
    assert "// senda: shuffle=false\n::Scale::" in exported
    again = parse_gift(exported).questions
    assert [q.shuffle for q in again] == [False, True]
    assert [q.name for q in again] == ["Scale", "Free"]
