"""Question banks (GIFT, Aiken) into content: model questions, written as a module of a course.

The importer adds a module file to a course folder (creating the course when it does not exist
yet), or adds the questions to a module given by id; it keeps the files as they were when the
result would not validate. What a chat cannot ask (essays, descriptions, matching with too many
answers) is imported all the same and reported.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from lessons.gift import Answer, GiftQuestion, Text
from lessons.html_text import html_to_text
from lessons.loader import COURSE_FILE, ID_PATTERN, Problem, read_catalog
from lessons.model import (
    FALSE_KEY,
    ROLES,
    TRUE_KEY,
    Choice,
    Pair,
    Question,
)
from lessons.source import LineMap, SourceError, read_yaml
from lessons.writer import append_to_list, dump_yaml, question_data

MAX_ID = 48  # room for a `-12` suffix within the 64 characters of an id
TYPES = {
    "multichoice": "choice",
    "truefalse": "truefalse",
    "shortanswer": "shortanswer",
    "numerical": "numerical",
    "match": "matching",
    "essay": "essay",
    "description": "description",
}
# The card that opens an imported quiz, so that the module reads like any other.
INTRO = {
    "es": "Cuestionario: {title}. Preguntas: {n}. En unas eliges una opción; en otras escribes "
    "la respuesta (una palabra o un número).",
    "en": "Quiz: {title}. Questions: {n}. Some you answer by choosing an option; others by "
    "writing the answer (a word or a number).",
    "fr": "Quiz : {title}. Questions : {n}. Pour certaines, vous choisissez une option ; pour "
    "d'autres, vous écrivez la réponse (un mot ou un nombre).",
    "ht": "Kesyonè: {title}. Kesyon: {n}. Pou kèk, ou chwazi yon opsyon; pou lòt yo, ou ekri "
    "repons lan (yon mo oswa yon nimewo).",
}


class ImportRefused(Exception):
    """The import would leave the content broken or was asked for something impossible."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Imported:
    """One imported question and the line of the file it came from."""

    line: int
    question: Question


@dataclass
class ImportReport:
    """What an import did: where the questions went, and which a chat cannot ask."""

    course_id: str
    module_id: str
    module_path: Path
    created_course: bool = False
    created_module: bool = False
    imported: list[Imported] = field(default_factory=list)

    @property
    def undeliverable(self) -> list[Imported]:
        """The imported questions a chat cannot ask, with their lines."""
        return [item for item in self.imported if not item.question.deliverable]

    def lines(self, file_name: str) -> list[str]:
        """The report printed after an import."""
        count = len(self.imported)
        where = f"{self.course_id}/{self.module_id}"
        lines = [f"{count} question{'s' * (count != 1)} imported into {where} ({self.module_path})"]
        if self.created_course:
            lines.append(
                f"new course '{self.course_id}': check its title and audience in {COURSE_FILE}"
            )
        for item in self.undeliverable:
            reason = item.question.undeliverable_reason
            lines.append(
                f"{file_name}:{item.line}: question '{item.question.id}' ({item.question.type}) "
                f"is kept but not asked by chat: {reason}"
            )
        return lines


def slug(text: str) -> str:
    """An id made of a name: ASCII letters, digits and dashes."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:MAX_ID].strip("-")


def unique_id(base: str, taken: set[str]) -> str:
    """`base`, or `base-2`, `base-3`... whichever is not taken yet (and take it)."""
    base = base or "q"
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    taken.add(candidate)
    return candidate


def chat_text(text: Text) -> str:
    """A bank's text as a chat shows it: HTML (and Moodle's auto-format, which allows HTML)
    as plain text; plain and Markdown texts as written."""
    if text.format == "html" or (text.format == "moodle" and "<" in text.text):
        return html_to_text(text.text)
    return text.text.strip()


def _in(language: str, text: Text) -> dict[str, str]:
    value = chat_text(text)
    return {language: value} if value else {}


def _weight(fraction: float) -> tuple[bool, float | None]:
    """Moodle's fraction as `correct` and a weight (none for plain right or wrong)."""
    if fraction == 1:
        return True, None
    if fraction == 0:
        return False, None
    return fraction > 0, round(fraction * 100, 5)


def _number_choice(key: str, answer: Answer, language: str) -> Choice:
    """A numerical answer: a value with its tolerance, a range, or `*` (any other number)."""
    correct, weight = _weight(answer.fraction)
    feedback = _in(language, answer.feedback)
    if answer.range is not None:
        low, high = answer.range
        return Choice(key, {}, correct, weight, feedback, minimum=low, maximum=high)
    if answer.text.text == "*":
        return Choice(key, {}, correct, weight, feedback)
    return Choice(
        key,
        {},
        correct,
        weight,
        feedback,
        number=float(answer.text.text),
        tolerance=float(answer.tolerance or 0),
    )


def question_from_gift(
    parsed: GiftQuestion, question_id: str, language: str, source: str
) -> Question:
    """A question of the content model, in one language, from one a bank holds."""
    kind = TYPES[parsed.qtype]
    options: list[Choice] = []
    pairs: list[Pair] = []
    keys = "abcdefghijklmnopqrstuvwxyz"
    if kind in ("choice", "shortanswer"):
        for key, answer in zip(keys, parsed.answers, strict=False):
            correct, weight = _weight(answer.fraction)
            options.append(
                Choice(
                    key,
                    _in(language, answer.text),
                    correct,
                    weight,
                    _in(language, answer.feedback),
                )
            )
    elif kind == "numerical":
        options = [
            _number_choice(key, answer, language)
            for key, answer in zip(keys, parsed.answers, strict=False)
        ]
    elif kind == "truefalse":
        options = [
            Choice(
                TRUE_KEY,
                {},
                parsed.correct_answer is True,
                None,
                _in(language, parsed.feedback_true),
            ),
            Choice(
                FALSE_KEY,
                {},
                parsed.correct_answer is False,
                None,
                _in(language, parsed.feedback_false),
            ),
        ]
    elif kind == "matching":
        pairs = [
            Pair(_in(language, item), {language: answer} if answer else {})
            for item, answer in zip(parsed.subquestions, parsed.subanswers, strict=True)
        ]
    return Question(
        id=question_id,
        prompt=_in(language, parsed.text),
        options=tuple(options),
        feedback=_in(language, parsed.general_feedback),
        source=source,
        type=kind,
        multiple=kind == "choice" and not parsed.single,
        pairs=tuple(pairs),
        name=parsed.name if parsed.named else "",
        tags=parsed.tags,
        idnumber=parsed.idnumber,
        shuffle=parsed.shuffle,
    )


def questions_from_bank(
    parsed: Iterable[GiftQuestion], language: str, file_name: str, kind: str, taken: set[str]
) -> list[Imported]:
    """Model questions with fresh ids (not in `taken`) and a source naming file and line."""
    result = []
    for question in parsed:
        base = slug(question.name)
        question_id = unique_id(base if ID_PATTERN.match(base or "-") else "q", taken)
        source = f"Imported from {file_name}, line {question.line} ({kind})"
        result.append(
            Imported(question.line, question_from_gift(question, question_id, language, source))
        )
    return result


def _read(path: Path) -> LineMap:
    try:
        data = read_yaml(path)
    except SourceError as error:
        raise ImportRefused([str(error)]) from error
    if not isinstance(data, LineMap):
        raise ImportRefused([f"{path}:1: the file must be a mapping of fields"])
    return data


class _Files:
    """The files an import changes, kept so that they can be put back."""

    def __init__(self) -> None:
        self.before: dict[Path, str | None] = {}

    def write(self, path: Path, text: str) -> None:
        if path not in self.before:
            self.before[path] = path.read_text(encoding="utf-8") if path.exists() else None
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def restore(self) -> None:
        for path, text in self.before.items():
            if text is None:
                path.unlink(missing_ok=True)
            else:
                path.write_text(text, encoding="utf-8")
        for path in self.before:
            if path.parent.is_dir() and not any(path.parent.iterdir()):
                path.parent.rmdir()


def _append(path: Path, key: str, items: list, files: _Files) -> None:
    text = path.read_text(encoding="utf-8")
    changed = append_to_list(text, key, items)
    if changed is None:  # an inline list: rewrite the file from its data
        data = yaml.safe_load(text)
        data[key] = list(data.get(key) or []) + items
        changed = dump_yaml(data)
    files.write(path, changed)


def import_bank(
    catalog: Path,
    course_id: str,
    parsed: list[GiftQuestion],
    file_name: str,
    kind: str,
    module_id: str | None = None,
    language: str | None = None,
    title: str | None = None,
) -> ImportReport:
    """Write a bank's questions into a course of a content folder and check the result."""
    if not ID_PATTERN.match(course_id):
        raise ImportRefused([f"course id '{course_id}' must be letters, digits, '-' or '_'"])
    if not parsed:
        raise ImportRefused([f"{file_name}: no questions to import"])
    folder = catalog / course_id
    course_path = folder / COURSE_FILE
    files = _Files()
    created_course = not course_path.exists()
    if created_course:
        language = language or "es"
        existing_modules: list[str] = []
    else:
        course = _read(course_path)
        default = str(course.get("default_language", ""))
        if language and language != default:
            raise ImportRefused(
                [
                    f"{course_path}: the course is written first in '{default}'; import the "
                    f"bank in '{default}' (--lang {default}) and translate it there"
                ]
            )
        language = default
        existing_modules = [str(m) for m in course.get("modules") or []]
    title = title or Path(file_name).stem
    module_id = module_id or unique_id(slug(title) or "quiz", set(existing_modules))
    if not ID_PATTERN.match(module_id):
        raise ImportRefused([f"module id '{module_id}' must be letters, digits, '-' or '_'"])
    module_path = folder / f"{module_id}.yaml"
    created_module = not module_path.exists()
    taken: set[str] = set()
    if not created_module:
        questions = _read(module_path).get("questions") or []
        taken = {str(q.get("id")) for q in questions if isinstance(q, dict)}
    imported = questions_from_bank(parsed, language, file_name, kind, taken)
    question_items = [question_data(item.question) for item in imported]
    try:
        if created_course:
            course_data = {
                "id": course_id,
                "default_language": language,
                "languages": [language],
                "audience": list(ROLES),
                "pass_mark": 70,
                "title": {language: title},
                "modules": [module_id],
            }
            files.write(course_path, dump_yaml(course_data))
        elif module_id not in existing_modules:
            _append(course_path, "modules", [module_id], files)
        if created_module:
            asked = sum(item.question.deliverable for item in imported)
            intro = INTRO.get(language, INTRO["en"]).format(title=title, n=asked)
            module_data = {
                "id": module_id,
                "title": {language: title},
                "cards": [
                    {
                        "id": "about",
                        "text": {language: intro},
                        "source": f"Imported from {file_name} ({kind})",
                    }
                ],
                "questions": question_items,
            }
            files.write(module_path, dump_yaml(module_data))
        else:
            _append(module_path, "questions", question_items, files)
        _check(catalog, folder, files)
    except BaseException:
        files.restore()
        raise
    report = ImportReport(course_id, module_id, module_path, created_course, created_module)
    report.imported = imported
    return report


def _check(catalog: Path, folder: Path, files: _Files) -> None:
    """The changed course must validate; its problems refuse the import."""
    _, problems = read_catalog(catalog)
    ours: list[Problem] = [p for p in problems if folder in p.path.parents or p.path == folder]
    if ours:
        raise ImportRefused([str(p) for p in ours])
