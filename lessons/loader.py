"""Loads the content folder into the model, reporting every problem as `file:line: message`."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lessons.directory.checks import problems_of
from lessons.directory.entries import Service
from lessons.directory.places import city_exists
from lessons.distress import DISTRESS_FILE, DistressWords, fold
from lessons.model import (
    ROLES,
    Card,
    Catalog,
    Course,
    Module,
    Question,
    Region,
    SafetyEntry,
    Texts,
    Topic,
)
from lessons.question_loader import read_question
from lessons.source import LineMap, SourceError, read_yaml

MAX_CARD_CHARACTERS = 1000
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")
SAFETY_FILE = "safety.yaml"
REGIONS_FILE = "regions.yaml"
SERVICES_FILE = "services.yaml"
TOPICS_FILE = "topics.yaml"
COURSE_FILE = "course.yaml"

COURSE_KEYS = {
    "id",
    "default_language",
    "languages",
    "audience",
    "pass_mark",
    "title",
    "description",
    "modules",
    "pretest",
}
MODULE_KEYS = {"id", "title", "cards", "questions"}
CARD_KEYS = {"id", "text", "source"}
REGION_KEYS = {"id", "name", "timezone"}
TOPIC_KEYS = {"id", "name"}
SERVICE_KEYS = {f.name for f in fields(Service)}
ENTRY_KEYS = {"id", "text", "source"}
# A source must be one a reader can look up: not a file of this project ("FACTS.md",
# "../shared/...": notes, content, code), nor a note that it still has to be checked. Web
# addresses are set aside first. (A question imported from a bank names its .gift or .txt file:
# where it came from, kept as the importer wrote it.)
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_PROJECT_FILE = re.compile(r"(\.\.?/|\bshared/|[\w-]+\.(md|ya?ml|pot?|py)\b)", re.IGNORECASE)
_UNCHECKED = re.compile(r"\b(verify|verified\?|todo|tbd|fixme)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the content, at a file and line; a warning is worth a look but does
    not stop the service (nor `senda lessons validate`)."""

    path: Path
    line: int
    message: str
    warning: bool = False

    def __str__(self) -> str:
        kind = "warning: " if self.warning else ""
        return f"{self.path}:{self.line}: {kind}{self.message}"


class CatalogError(Exception):
    """The content folder has problems; the service will not start on broken content."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class _Reader:
    """Walks the parsed YAML of one file, building model objects and noting problems."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def mapping(self, value: Any, line: int, what: str) -> LineMap | None:
        if isinstance(value, LineMap):
            return value
        self.problem(line, f"{what} must be a mapping of fields")
        return None

    def known_keys(self, data: LineMap, allowed: set[str], what: str) -> None:
        for key in data:
            if key not in allowed:
                expected = ", ".join(sorted(allowed))
                self.problem(data.line_of(key), f"unknown field '{key}' in {what} ({expected})")

    def identifier(self, data: LineMap, what: str) -> str:
        value = data.get("id")
        if value is None:
            self.problem(data.line, f"{what} has no id")
            return ""
        value = str(value)
        if not ID_PATTERN.match(value):
            self.problem(
                data.line_of("id"),
                f"{what} id '{value}' must be letters, digits, '-' or '_' (at most 64)",
            )
        return value

    def texts(
        self,
        data: LineMap,
        key: str,
        what: str,
        languages: tuple[str, ...],
        default: str,
        required: bool = True,
    ) -> Texts:
        line = data.line_of(key)
        value = data.get(key)
        if value is None:
            if required:
                self.problem(line, f"{what} has no {key}")
            return {}
        if isinstance(value, str):
            # A bare string is the default language's text.
            value = {default: value}
        if not isinstance(value, dict):
            self.problem(line, f"{what} {key} must be a text per language (es: ..., en: ...)")
            return {}
        result: dict[str, str] = {}
        for language, text in value.items():
            text_line = value.line_of(language) if isinstance(value, LineMap) else line
            if language not in languages:
                self.problem(text_line, f"{what} {key} is in '{language}', not a course language")
                continue
            if not isinstance(text, str | int | float) or isinstance(text, bool):
                self.problem(text_line, f"{what} {key} in '{language}' must be text")
                continue
            text = str(text).strip()
            if text:
                result[language] = text
        if required and default not in result:
            self.problem(line, f"{what} {key} is missing in the default language '{default}'")
        return result

    def source(self, data: LineMap, what: str) -> str:
        value = data.get("source")
        if not isinstance(value, str) or not value.strip():
            self.problem(data.line, f"{what} has no source")
            return ""
        self.public_source(data, what)
        return value.strip()

    def public_source(self, data: LineMap, what: str) -> None:
        """A problem when a given source names no public source."""
        value = str(data.get("source") or "")
        if not value.strip():
            return
        words = _URL.sub(" ", value)
        if (found := _PROJECT_FILE.search(words)) is not None:
            reason = f"names '{found.group(0)}', a file of this project"
        elif (found := _UNCHECKED.search(words)) is not None:
            reason = f"says '{found.group(0)}'"
        else:
            return
        self.problem(
            data.line_of("source"),
            f"{what} source {reason}: cite a public source (a page, a law, a publication)",
        )


def _unique(reader: _Reader, items: list[tuple[str, int]], what: str) -> None:
    seen: dict[str, int] = {}
    for item_id, line in items:
        if item_id and item_id in seen:
            reader.problem(line, f"duplicate {what} id '{item_id}' (first at line {seen[item_id]})")
        seen.setdefault(item_id, line)


def _read_file(path: Path, problems: list[Problem]) -> LineMap | None:
    try:
        data = read_yaml(path)
    except SourceError as error:
        problems.append(Problem(path, error.line, error.message))
        return None
    if not isinstance(data, LineMap):
        problems.append(Problem(path, 1, "the file must be a mapping of fields"))
        return None
    return data


def _read_module(
    path: Path, problems: list[Problem], languages: tuple[str, ...], default: str
) -> Module | None:
    data = _read_file(path, problems)
    if data is None:
        return None
    reader = _Reader(path, problems)
    module_id = reader.identifier(data, "module")
    if module_id and module_id != path.stem:
        reader.problem(data.line_of("id"), f"module id '{module_id}' must match the file name")
    reader.known_keys(data, MODULE_KEYS, "module")
    title = reader.texts(data, "title", "module", languages, default)

    cards: list[Card] = []
    cards_data = data.get("cards")
    if not isinstance(cards_data, list) or not cards_data:
        reader.problem(data.line_of("cards"), "module has no cards")
        cards_data = []
    for item in cards_data:
        card_map = reader.mapping(item, data.line_of("cards"), "card")
        if card_map is None:
            continue
        card_id = reader.identifier(card_map, "card")
        what = f"card '{card_id}'"
        reader.known_keys(card_map, CARD_KEYS, what)
        text = reader.texts(card_map, "text", what, languages, default)
        for language, value in text.items():
            if len(value) > MAX_CARD_CHARACTERS:
                reader.problem(
                    card_map.line_of("text"),
                    f"{what} text in '{language}' has {len(value)} characters; "
                    f"at most {MAX_CARD_CHARACTERS}",
                )
        cards.append(Card(id=card_id, text=text, source=reader.source(card_map, what)))
    _unique(reader, [(c.id, m.line) for c, m in zip(cards, cards_data, strict=False)], "card")

    questions: list[Question] = []
    questions_data = data.get("questions") or []
    if not isinstance(questions_data, list):
        reader.problem(data.line_of("questions"), "questions must be a list")
        questions_data = []
    question_lines: list[tuple[str, int]] = []
    for item in questions_data:
        question_map = reader.mapping(item, data.line_of("questions"), "question")
        if question_map is None:
            continue
        question = read_question(reader, question_map, languages, default)
        questions.append(question)
        question_lines.append((question.id, question_map.line))
    _unique(reader, question_lines, "question")
    _right_answers_in_one_place(reader, data.line_of("questions"), questions)
    return Module(id=module_id, title=title, cards=tuple(cards), questions=tuple(questions))


def _right_answers_in_one_place(reader: _Reader, line: int, questions: list[Question]) -> None:
    """A warning when more than half of a module's choice questions have their right answer at
    the same place in the file: shuffled for each learner or not, a file (an export, a printout,
    a learner who finds the pattern in `shuffle: false` questions) should not give it away."""
    places = [
        max(range(len(q.options)), key=lambda i: q.options[i].credit)
        for q in questions
        if q.type == "choice" and not q.multiple and q.options
    ]
    if len(places) < 2:
        return
    place, count = Counter(places).most_common(1)[0]
    if count > len(places) / 2:
        reader.problems.append(
            Problem(
                reader.path,
                line,
                f"{count} of {len(places)} choice questions have the right answer as option "
                f"{place + 1} in the file: vary where it stands",
                warning=True,
            )
        )


def _string_list(reader: _Reader, data: LineMap, key: str) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        reader.problem(data.line_of(key), f"{key} must be a list, like [a, b]")
        return ()
    return tuple(value)


def _read_course(folder: Path, problems: list[Problem]) -> Course | None:
    path = folder / COURSE_FILE
    if not path.is_file():
        problems.append(Problem(folder, 0, f"a course folder needs a {COURSE_FILE}"))
        return None
    data = _read_file(path, problems)
    if data is None:
        return None
    reader = _Reader(path, problems)
    course_id = reader.identifier(data, "course")
    if course_id and course_id != folder.name:
        reader.problem(data.line_of("id"), f"course id '{course_id}' must match its folder name")
    reader.known_keys(data, COURSE_KEYS, "course")
    languages = _string_list(reader, data, "languages")
    for language in languages:
        if not LANGUAGE_PATTERN.match(language):
            reader.problem(data.line_of("languages"), f"'{language}' is not a language code")
    default = str(data.get("default_language", ""))
    if default not in languages:
        reader.problem(
            data.line_of("default_language"),
            f"default_language '{default}' must be one of the course languages",
        )
    audience = _string_list(reader, data, "audience")
    for role in audience:
        if role not in ROLES:
            reader.problem(
                data.line_of("audience"), f"unknown audience '{role}' ({', '.join(ROLES)})"
            )
    pass_mark = data.get("pass_mark", 70)
    if isinstance(pass_mark, bool) or not isinstance(pass_mark, int) or not 0 <= pass_mark <= 100:
        reader.problem(data.line_of("pass_mark"), "pass_mark must be a whole percent, 0 to 100")
        pass_mark = 70
    title = reader.texts(data, "title", "course", languages, default)
    description = reader.texts(data, "description", "course", languages, default, required=False)

    modules: list[Module] = []
    module_ids = _string_list(reader, data, "modules")
    _unique(reader, [(m, data.line_of("modules")) for m in module_ids], "module")
    for module_id in dict.fromkeys(module_ids):
        module_path = folder / f"{module_id}.yaml"
        if not module_path.is_file():
            reader.problem(
                data.line_of("modules"),
                f"unknown module '{module_id}': there is no {module_path.name} in {folder.name}/",
            )
            continue
        module = _read_module(module_path, problems, languages, default)
        if module is not None:
            modules.append(module)
    for extra in sorted(folder.glob("*.yaml")):
        if extra.name != COURSE_FILE and extra.stem not in module_ids:
            problems.append(Problem(extra, 1, f"module file not listed in {COURSE_FILE}"))
    course = Course(
        id=course_id,
        default_language=default,
        languages=languages,
        audience=audience,
        pass_mark=pass_mark,
        title=title,
        description=description,
        modules=tuple(modules),
    )
    pretest = data.get("pretest", 0)
    available = len(course.choice_questions)
    if (
        isinstance(pretest, bool)
        or not isinstance(pretest, int)
        or pretest < 0
        or ("pretest" in data and pretest == 0)
    ):
        reader.problem(
            data.line_of("pretest"), "pretest must be a positive whole number of questions"
        )
        pretest = 0
    elif pretest > available:
        reader.problem(
            data.line_of("pretest"),
            f"pretest asks {pretest} questions; the course has {available} to draw from "
            "(questions with options to pick one from)",
        )
        pretest = 0
    return dataclasses.replace(course, pretest=pretest) if pretest else course


def _read_entries(
    path: Path,
    problems: list[Problem],
    list_key: str,
    entry_keys: set[str],
    what: str,
    build: Callable[[_Reader, LineMap, str, str], Any],
    required: bool = True,
) -> tuple[tuple[Any, ...], str]:
    """A file of `default_language` and a list of entries with ids (safety, regions, services):
    each entry built by `build(reader, entry, entry id, default language)`. An absent file is
    an empty list: these files are optional."""
    if not path.is_file():
        return (), "es"
    data = _read_file(path, problems)
    if data is None:
        return (), "es"
    reader = _Reader(path, problems)
    reader.known_keys(data, {"default_language", list_key}, path.name)
    default = str(data.get("default_language", "es"))
    items = data.get(list_key) or []
    if not isinstance(items, list) or (required and not items):
        reader.problem(data.line_of(list_key), f"{path.name} needs a list of {list_key}")
        items = []
    built: list[Any] = []
    lines: list[tuple[str, int]] = []
    for item in items:
        entry = reader.mapping(item, data.line_of(list_key), what)
        if entry is None:
            continue
        entry_id = reader.identifier(entry, what)
        reader.known_keys(entry, entry_keys, f"{what} '{entry_id}'")
        built.append(build(reader, entry, entry_id, default))
        lines.append((entry_id, entry.line))
    _unique(reader, lines, what)
    return tuple(built), default


def _own_texts(
    reader: _Reader, entry: LineMap, key: str, what: str, default: str, required: bool = True
) -> Texts:
    """Texts in whatever languages the entry gives (files with no list of languages)."""
    value = entry.get(key)
    languages = tuple(value) if isinstance(value, dict) else (default,)
    return reader.texts(entry, key, what, languages, default, required=required)


def _safety_entry(reader: _Reader, entry: LineMap, entry_id: str, default: str) -> SafetyEntry:
    what = f"entry '{entry_id}'"
    return SafetyEntry(
        id=entry_id,
        text=_own_texts(reader, entry, "text", what, default),
        source=reader.source(entry, what),
    )


def _region(reader: _Reader, entry: LineMap, entry_id: str, default: str) -> Region:
    what = f"region '{entry_id}'"
    zone = str(entry.get("timezone") or "")
    if zone:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            reader.problem(entry.line_of("timezone"), f"{what}: unknown time zone '{zone}'")
            zone = ""
    return Region(entry_id, _own_texts(reader, entry, "name", what, default), zone)


def _topic(reader: _Reader, entry: LineMap, entry_id: str, default: str) -> Topic:
    return Topic(entry_id, _own_texts(reader, entry, "name", f"topic '{entry_id}'", default))


def _words(reader: _Reader, entry: LineMap, key: str, what: str) -> tuple[str, ...]:
    """A list of short words (kinds, phones, populations): a list in YAML, or one word."""
    value = entry.get(key)
    if value is None:
        return ()
    if isinstance(value, str | int):
        value = [value]
    if not isinstance(value, list):
        reader.problem(entry.line_of(key), f"{what} {key} must be a list")
        return ()
    return tuple(str(item).strip() for item in value if str(item).strip())


def _coordinate(reader: _Reader, entry: LineMap, key: str, what: str) -> float | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        reader.problem(entry.line_of(key), f"{what} {key} must be a number of degrees")
        return None
    return float(value)


def _service(reader: _Reader, entry: LineMap, service_id: str, default: str) -> Service:
    what = f"service '{service_id}'"
    service = Service(
        id=service_id,
        kinds=_words(reader, entry, "kinds", what),
        name=str(entry.get("name") or "").strip(),
        city=str(entry.get("city") or "").strip(),
        state=str(entry.get("state") or "").strip(),
        address=str(entry.get("address") or "").strip(),
        phones=_words(reader, entry, "phones", what),
        hours=_own_texts(reader, entry, "hours", what, default, required=False),
        offers=_own_texts(reader, entry, "offers", what, default, required=False),
        serves=_words(reader, entry, "serves", what),
        languages=_words(reader, entry, "languages", what),
        country=str(entry.get("country") or "").strip(),
        latitude=_coordinate(reader, entry, "latitude", what),
        longitude=_coordinate(reader, entry, "longitude", what),
        source=str(entry.get("source") or "").strip(),
        checked=str(entry.get("checked") or "").strip(),
    )
    for message in problems_of(service, city_exists):
        reader.problem(entry.line, f"{what}: {message}")
    reader.public_source(entry, what)
    return service


def read_catalog(
    folder: Path, warnings: list[Problem] | None = None
) -> tuple[Catalog, list[Problem]]:
    """Read a content folder: the catalog (possibly partial) and every problem found; the
    warnings go to `warnings` when given (else they are left out)."""
    problems: list[Problem] = []
    if not folder.is_dir():
        return Catalog(), [Problem(folder, 0, "no such content folder")]
    courses = []
    for course_folder in sorted(p for p in folder.iterdir() if p.is_dir()):
        if course_folder.name.startswith((".", "_")):
            continue
        course = _read_course(course_folder, problems)
        if course is not None:
            courses.append(course)
    safety, safety_language = _read_entries(
        folder / SAFETY_FILE, problems, "entries", ENTRY_KEYS, "entry", _safety_entry
    )
    regions, regions_language = _read_entries(
        folder / REGIONS_FILE, problems, "regions", REGION_KEYS, "region", _region
    )
    services, services_language = _read_entries(
        folder / SERVICES_FILE,
        problems,
        "services",
        SERVICE_KEYS,
        "service",
        _service,
        required=False,
    )
    topics, topics_language = _read_entries(
        folder / TOPICS_FILE, problems, "topics", TOPIC_KEYS, "topic", _topic, required=False
    )
    catalog = Catalog(
        tuple(courses),
        safety,
        safety_language,
        regions,
        regions_language,
        services,
        services_language,
        topics,
        topics_language,
        _read_distress(folder / DISTRESS_FILE, problems),
    )
    if warnings is not None:
        warnings += [problem for problem in problems if problem.warning]
    return catalog, [problem for problem in problems if not problem.warning]


def _read_distress(path: Path, problems: list[Problem]) -> DistressWords:
    """The phrases of distress, a list per language (an absent file: none)."""
    if not path.is_file():
        return DistressWords()
    data = _read_file(path, problems)
    if data is None:
        return DistressWords()
    reader = _Reader(path, problems)
    reader.known_keys(data, {"phrases"}, path.name)
    by_language = data.get("phrases")
    if not isinstance(by_language, dict) or not by_language:
        reader.problem(data.line_of("phrases"), "phrases must be a list per language (es: [...])")
        return DistressWords()
    phrases: list[str] = []
    for language, listed in by_language.items():
        line = by_language.line_of(language) if isinstance(by_language, LineMap) else data.line
        if not LANGUAGE_PATTERN.match(str(language)):
            reader.problem(line, f"'{language}' is not a language code")
        if not isinstance(listed, list) or not listed:
            reader.problem(line, f"phrases in '{language}' must be a list")
            continue
        for phrase in listed:
            if not isinstance(phrase, str | int) or not fold(str(phrase)):
                reader.problem(line, f"a phrase in '{language}' is empty or not text")
                continue
            phrases.append(str(phrase))
    return DistressWords.of(phrases)


def load_catalog(folder: Path) -> Catalog:
    """Load a content folder for the service; raise CatalogError when anything is wrong."""
    catalog, problems = read_catalog(folder)
    if problems:
        raise CatalogError(problems)
    return catalog
