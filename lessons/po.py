"""Translating a course through a PO file: export every text with its source-language text as the
msgid, then write the translations back into the course's YAML files.

The files are edited with ruamel.yaml in round-trip mode, so comments, key order, quoting and
block styles of everything a translation does not touch stay as the operators wrote them.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import yaml as pyyaml
from babel.core import UnknownLocaleError
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, read_po, write_po
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString
from ruamel.yaml.tokens import CommentToken

from lessons.loader import COURSE_FILE, LANGUAGE_PATTERN, read_catalog

PO_WIDTH = 100
HEADER_COMMENT = """\
# Translations of the Senda course PROJECT into {language}.
# msgid is the course's source-language text; msgstr is its translation. msgctxt names the text
# (module/cards/card, module/questions/question/...). Fill the msgstr entries, leave the rest as
# it is, and import with: senda lessons import-po FILE
#"""


class PoError(Exception):
    """The course or the PO file cannot be read; nothing was written."""


@dataclass(frozen=True)
class TextSlot:
    """One translatable text of a course: where it is and what it says in each language."""

    context: str  # a stable id: "course/title", "basics/cards/one", "basics/questions/sum/prompt"
    path: Path
    line: int  # of the source-language text
    owner: CommentedMap  # the YAML mapping that holds the texts under `key`
    key: str
    texts: dict[str, str]


@dataclass(frozen=True)
class Skipped:
    """A PO entry that was not imported, and why."""

    po_line: int
    context: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.po_line}: {self.context or '(no msgctxt)'}: {self.reason}"


@dataclass
class ImportReport:
    """What an import did: the texts written, the entries left out, the files changed."""

    course_id: str
    language: str
    imported: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    language_added: bool = False


def _yaml() -> YAML:
    editor = YAML()  # round-trip mode
    editor.preserve_quotes = True
    editor.width = 4096  # never re-wrap a long line the operator wrote on one line
    editor.indent(mapping=2, sequence=4, offset=2)  # the style of FORMAT.md
    return editor


def _line_of(mapping: CommentedMap, key: str) -> int:
    position = mapping.lc.key(key) if key in mapping else None
    return (position[0] if position else mapping.lc.line) + 1


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return str(value).strip() or None


class CourseFiles:
    """The YAML documents of one course, loaded for round-trip editing."""

    def __init__(self, catalog_folder: Path, course_id: str) -> None:
        self.folder = catalog_folder / course_id
        self.course_id = course_id
        self.editor = _yaml()
        self.documents: dict[Path, CommentedMap] = {}
        self.changed: set[Path] = set()
        path = self.folder / COURSE_FILE
        if not path.is_file():
            known = sorted(p.parent.name for p in catalog_folder.glob(f"*/{COURSE_FILE}"))
            raise PoError(f"no course '{course_id}' in {catalog_folder} ({', '.join(known)})")
        self.course = self._load(path)
        self.default_language = str(self.course.get("default_language", ""))
        if not self.default_language:
            raise PoError(f"{path}: the course has no default_language")

    def _load(self, path: Path) -> CommentedMap:
        try:
            data = self.editor.load(path.read_text(encoding="utf-8"))
        except (YAMLError, UnicodeDecodeError) as error:
            raise PoError(
                f"{path}: cannot be read ({error}); run `senda lessons validate`"
            ) from error
        if not isinstance(data, CommentedMap):
            raise PoError(f"{path}: the file must be a mapping of fields")
        self.documents[path] = data
        return data

    @property
    def languages(self) -> list[str]:
        """The languages the course declares."""
        return [str(x) for x in self.course.get("languages") or []]

    def slots(self) -> Iterator[TextSlot]:
        """Every text of the course that has a source-language version, in reading order."""
        course_path = self.folder / COURSE_FILE
        yield from self._slot(course_path, self.course, "title", "course/title")
        yield from self._slot(course_path, self.course, "description", "course/description")
        for module_id in self.course.get("modules") or []:
            path = self.folder / f"{module_id}.yaml"
            if path.is_file():
                yield from self._module_slots(path, self._load(path), str(module_id))

    def _module_slots(self, path: Path, module: CommentedMap, module_id: str) -> Iterator[TextSlot]:
        yield from self._slot(path, module, "title", f"{module_id}/title")
        for card in _mappings(module.get("cards")):
            yield from self._slot(path, card, "text", f"{module_id}/cards/{card.get('id')}")
        for question in _mappings(module.get("questions")):
            prefix = f"{module_id}/questions/{question.get('id')}"
            yield from self._slot(path, question, "prompt", f"{prefix}/prompt")
            for index, option in enumerate(_mappings(question.get("options"))):
                key = chr(ord("a") + index)  # the loader's option keys
                yield from self._slot(path, option, "text", f"{prefix}/options/{key}/text")
                yield from self._slot(path, option, "feedback", f"{prefix}/options/{key}/feedback")
            yield from self._slot(path, question, "feedback", f"{prefix}/feedback")

    def _slot(self, path: Path, owner: CommentedMap, key: str, context: str) -> Iterator[TextSlot]:
        value = owner.get(key)
        if isinstance(value, dict):
            texts = {str(k): t for k, v in value.items() if (t := _text(v)) is not None}
            line = _line_of(value, self.default_language) if isinstance(value, CommentedMap) else 0
        else:
            text = _text(value)
            texts = {self.default_language: text} if text is not None else {}
            line = _line_of(owner, key)
        if self.default_language in texts:
            yield TextSlot(context, path, line, owner, key, texts)

    def set_text(self, slot: TextSlot, language: str, text: str) -> None:
        """Write one translation into its file's document (saved by `save`)."""
        value = slot.owner[slot.key]
        if not isinstance(value, CommentedMap):
            # A bare string is the source language's text: make it a text per language.
            mapping = CommentedMap()
            mapping[self.default_language] = value
            # Its end-of-line comment and the blank lines after it go along with the text.
            comment = slot.owner.ca.items.pop(slot.key, None)
            if comment and len(comment) > 2 and comment[2] is not None:
                mapping.ca.items[self.default_language] = [None, None, comment[2], None]
            slot.owner[slot.key] = mapping
            value = mapping
        source = value.get(self.default_language)
        styled = _styled(text, source, flow=value.fa.flow_style())
        if language in value:
            value[language] = styled
        else:
            last = next(reversed(value), None) if value else None
            value[language] = styled
            if last is not None:
                _move_trailing_comment(value, last, value, language)
        self.changed.add(slot.path)

    def declare_language(self, language: str) -> bool:
        """Add a language to the course's `languages`; False when it was there already."""
        languages = self.course.get("languages")
        if not isinstance(languages, list):
            raise PoError(f"{self.folder / COURSE_FILE}: languages must be a list, like [es, en]")
        if language in languages:
            return False
        languages.append(language)
        self.changed.add(self.folder / COURSE_FILE)
        return True

    def render(self) -> dict[Path, str]:
        """The new text of every changed file."""
        rendered = {}
        for path in sorted(self.changed):
            buffer = io.StringIO()
            self.editor.dump(self.documents[path], buffer)
            rendered[path] = buffer.getvalue()
        return rendered


def _mappings(value: Any) -> list[CommentedMap]:
    return [item for item in value or [] if isinstance(item, CommentedMap)]


def _styled(text: str, source: Any, flow: bool) -> Any:
    """The translation as a scalar in the style of its source text: a block for several lines
    (quoted inside a {...} mapping), quoted where the loader would read something else."""
    if "\n" in text:
        return DoubleQuotedScalarString(text) if flow else LiteralScalarString(text + "\n")
    if isinstance(source, DoubleQuotedScalarString) or not _reads_back(text, flow):
        return DoubleQuotedScalarString(text)
    return text


def _reads_back(text: str, flow: bool) -> bool:
    """Whether the loader (PyYAML, YAML 1.1) reads the text written plain as the same text:
    "No" would become a boolean, and a few characters mean something else in {...}."""
    probe = CommentedMap(text=text)
    if flow:
        probe.fa.set_flow_style()
    buffer = io.StringIO()
    _yaml().dump(probe, buffer)
    try:
        return pyyaml.safe_load(buffer.getvalue()) == {"text": text}
    except pyyaml.YAMLError:
        return False


def _move_trailing_comment(
    owner: CommentedMap, key: Any, target: CommentedMap, target_key: Any
) -> None:
    """Blank lines and comments after `owner[key]` belong after the new last entry, not between
    the old one and it; the end-of-line comment of `owner[key]` stays where it is."""
    entry = owner.ca.items.get(key)
    token = entry[2] if entry and len(entry) > 2 else None
    if not isinstance(token, CommentToken):
        return
    value = token.value
    if value.startswith("#"):
        end_of_line, _, rest = value.partition("\n")
        if not rest:
            return
        token.value = end_of_line + "\n"
        moved = "\n" + rest  # the new entry's own line end comes first
    else:
        moved = value  # blank lines and comments, starting with the line end
        entry[2] = None
    target.ca.items.setdefault(target_key, [None, None, None, None])[2] = CommentToken(
        moved, token.start_mark, None
    )


# --- export ---------------------------------------------------------------------------------


def _check_language(language: str, course: CourseFiles) -> None:
    if not LANGUAGE_PATTERN.match(language):
        raise PoError(f"'{language}' is not a language code (like fr or pt_BR)")
    if language == course.default_language:
        raise PoError(f"'{language}' is the source language of course '{course.course_id}'")


def export_catalog(catalog_folder: Path, course_id: str, language: str) -> Catalog:
    """A PO catalog of every text of a course: the source text, and the translation if any."""
    course = CourseFiles(catalog_folder, course_id)
    _check_language(language, course)
    try:
        catalog = Catalog(
            locale=language,
            project=course_id,
            header_comment=HEADER_COMMENT.format(language=language),
            copyright_holder="the authors of the course",
            fuzzy=False,
        )
    except (UnknownLocaleError, ValueError) as error:
        raise PoError(f"'{language}' is not a language Babel knows") from error
    for slot in course.slots():
        catalog.add(
            slot.texts[course.default_language],
            slot.texts.get(language, ""),
            locations=[(slot.path.relative_to(catalog_folder).as_posix(), slot.line)],
            context=slot.context,
        )
    return catalog


def write_catalog(catalog: Catalog, stream: BinaryIO) -> None:
    """Write a catalog as a PO file (Babel's writer)."""
    write_po(stream, catalog, width=PO_WIDTH, omit_header=False)


# --- import ---------------------------------------------------------------------------------


def read_catalog_file(path: Path) -> Catalog:
    """A PO file read with Babel's reader."""
    try:
        with path.open("rb") as handle:
            return read_po(handle, abort_invalid=True)
    except (OSError, PoFileError, ValueError, UnicodeDecodeError) as error:
        raise PoError(f"{path}: not a readable PO file ({error})") from error


def import_catalog(
    catalog_folder: Path, po_path: Path, course_id: str | None = None
) -> ImportReport:
    """Write the translations of a PO file into the course's YAML files.

    Fuzzy and empty entries, entries whose text no longer exists, and entries whose msgid is no
    longer the source text are reported, not imported."""
    po = read_catalog_file(po_path)
    course_id = course_id or (po.project if po.project != "PROJECT" else "")
    if not course_id:
        raise PoError(f"{po_path}: no course in the Project-Id-Version header; pass --course")
    if po.locale is None:
        raise PoError(f"{po_path}: no Language header")
    language = str(po.locale)
    course = CourseFiles(catalog_folder, course_id)
    _check_language(language, course)
    slots = {slot.context: slot for slot in course.slots()}
    report = ImportReport(course_id, language)
    accepted: list[tuple[TextSlot, str]] = []
    for message in po:
        if not message.id:
            continue  # the header
        verdict = _verdict(message, slots, course.default_language)
        if isinstance(verdict, str):
            report.skipped.append(Skipped(message.lineno, message.context or "", verdict))
            continue
        translation = str(message.string).strip()
        if verdict.texts.get(language) == translation:
            report.unchanged += 1
            continue
        accepted.append((verdict, translation))
    for message in po.obsolete.values():
        report.skipped.append(Skipped(message.lineno, message.context or "", "obsolete (#~)"))
    for slot, translation in accepted:
        course.set_text(slot, language, translation)
        report.imported.append(slot.context)
    if accepted:
        report.language_added = course.declare_language(language)
    rendered = course.render()
    broken = _new_problems(catalog_folder, rendered)
    if broken:
        raise PoError(
            "the translations would break the content, so nothing was written:\n"
            + "\n".join(broken)
        )
    for path, text in rendered.items():
        path.write_text(text, encoding="utf-8")
    report.files = list(rendered)
    return report


def _new_problems(folder: Path, rendered: dict[Path, str]) -> list[str]:
    """The validator's problems that the new texts would add, checked on a copy of the folder
    (problems the content had already are not the import's doing)."""
    if not rendered:
        return []
    _, before = read_catalog(folder)
    known = {
        (p.path.relative_to(folder), p.message) for p in before if p.path.is_relative_to(folder)
    }
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "catalog"
        shutil.copytree(folder, copy)
        for path, text in rendered.items():
            (copy / path.relative_to(folder)).write_text(text, encoding="utf-8")
        _, after = read_catalog(copy)
        return [
            f"{folder / relative}:{problem.line}: {problem.message}"
            for problem in after
            if (relative := problem.path.relative_to(copy), problem.message) not in known
        ]


def _verdict(message: Message, slots: dict[str, TextSlot], default: str) -> TextSlot | str:
    """The text an entry translates, or why it is not imported."""
    if not isinstance(message.string, str):
        return "plural entries are not used in course texts"
    if message.fuzzy:
        return "fuzzy: check the translation and remove the fuzzy flag"
    if not message.string.strip():
        return "not translated yet"
    slot = slots.get(message.context or "")
    if slot is None:
        return "stale: the course no longer has this text"
    if slot.texts[default] != str(message.id).strip():
        return "stale: the source text has changed since the export; export again"
    return slot
