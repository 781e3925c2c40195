"""`senda lessons validate`: every error it reports, as `file:line: message`, and exit 1."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import senda
from tests.conftest import TEST_CATALOG

BASICS = "demo/basics.yaml"


def _copy_catalog(tmp_path: Path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(TEST_CATALOG, target)
    return target


def _edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text()
    assert old in text, f"the fixture no longer has {old!r}"
    path.write_text(text.replace(old, new, 1))


def _line_of(folder: Path, name: str, fragment: str) -> int:
    """The line of the first (or, with a `last:` prefix, the last) line holding a fragment."""
    lines = list(enumerate((folder / name).read_text().splitlines(), 1))
    if fragment.startswith("last:"):
        fragment, lines = fragment.removeprefix("last:"), lines[::-1]
    return next(i for i, line in lines if fragment in line)


# (label, file, text to replace, replacement, line containing, expected message)
CASES = [
    (
        "text missing in the default language",
        BASICS,
        "      es: Primera tarjeta de prueba.\n",
        "",
        "    text:",
        "card 'one' text is missing in the default language 'es'",
    ),
    (
        "duplicate card id",
        BASICS,
        "  - id: two",
        "  - id: one",
        "last:  - id: one",
        "duplicate card id 'one'",
    ),
    (
        "duplicate question id",
        BASICS,
        "  - id: sum",
        "  - id: colour",
        "last:  - id: colour",
        "duplicate question id 'colour'",
    ),
    (
        "question without a right answer",
        "demo/second.yaml",
        "        correct: true\n",
        "",
        "    options:",
        "question 'legs' has no right answer",
    ),
    (
        "card over 1,000 characters",
        BASICS,
        "es: Primera tarjeta de prueba.",
        "es: " + "palabra " * 130,
        "    text:",
        "card 'one' text in 'es' has 1039 characters; at most 1000",
    ),
    (
        "unknown module",
        "demo/course.yaml",
        "  - second",
        "  - third",
        "modules:",
        "unknown module 'third'",
    ),
    (
        "card without a source",
        "demo/second.yaml",
        "    source: test fixture\nquestions",
        "questions",
        "  - id: only",
        "card 'only' has no source",
    ),
    (
        "unknown field (a typo)",
        "demo/second.yaml",
        "    options:",
        "    optoins:",
        "optoins",
        "unknown field 'optoins'",
    ),
    (
        "unknown audience",
        "demo/course.yaml",
        "audience: [official, civil_society]",
        "audience: [officials]",
        "audience",
        "unknown audience 'officials'",
    ),
    (
        "text in a language the course does not list",
        BASICS,
        "      en: First test card.",
        "      fr: Première carte.",
        "fr: Première",
        "card 'one' text is in 'fr'",
    ),
    (
        "a service of an unknown kind",
        "services.yaml",
        "kinds: [shelter, food]",
        "kinds: [hotel]",
        "  - id: shelter-a",
        "service 'shelter-a': kind 'hotel' is not one of shelter, food, asylum",
    ),
    (
        "a latitude without a longitude",
        "services.yaml",
        "    longitude: -91.4309\n",
        "",
        "  - id: door-d",
        "service 'door-d': latitude and longitude must both be given or both be empty",
    ),
    (
        "a phone that cannot be dialled as written",
        "services.yaml",
        '"+52 55 1234 5678"',
        '"55-1234-5678"',
        "  - id: shelter-a",
        "service 'shelter-a': phone '55-1234-5678' must be written '+52 55 1234 5678'",
    ),
    (
        "a city GeoNames does not know in that state",
        "services.yaml",
        "    city: Villahermosa",
        "    city: Villa Escondida",
        "  - id: legal-b",
        "service 'legal-b': city 'Villa Escondida' is not a GeoNames city of state tabasco",
    ),
    (
        "coordinates outside Mexico",
        "services.yaml",
        "    latitude: 17.46166",
        "    latitude: 0.0",
        "  - id: door-d",
        "service 'door-d': coordinates 0.0, -91.4309 are outside Mexico",
    ),
    (
        "distress phrases that are not a list",
        "distress.yaml",
        "  fr: [aidez-moi]",
        "  fr: aidez-moi",
        "  fr: aidez-moi",
        "phrases in 'fr' must be a list",
    ),
    (
        "a duplicate region",
        "regions.yaml",
        "  - id: tabasco",
        "  - id: chiapas",
        "last:  - id: chiapas",
        "duplicate region id 'chiapas'",
    ),
    (
        "not valid YAML",
        "demo/second.yaml",
        "title:\n",
        "title: [\n",
        "  en: Second module",
        "not valid YAML",
    ),
]


@pytest.mark.parametrize(
    ("name", "old", "new", "line_fragment", "message"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_error_is_reported_at_its_line(tmp_path, name, old, new, line_fragment, message):
    folder = _copy_catalog(tmp_path)
    _edit(folder, name, old, new)
    line = _line_of(folder, name, line_fragment.rstrip("\n")) if line_fragment else 0
    result = CliRunner().invoke(senda, ["lessons", "validate", str(folder)])
    assert result.exit_code == 1, result.output
    expected = f"{folder / name}:{line}: {message}"
    assert any(out.startswith(expected) for out in result.output.splitlines()), (
        f"expected a line starting with\n{expected}\nin\n{result.output}"
    )


def test_more_than_ten_options(tmp_path):
    folder = _copy_catalog(tmp_path)
    extra = "".join(f"      - text: {{es: Opción {i}, en: Option {i}}}\n" for i in range(10))
    _edit(
        folder,
        "demo/second.yaml",
        "      - text: {es: Dos, en: Two}\n",
        "      - text: {es: Dos, en: Two}\n" + extra,
    )
    line = _line_of(folder, "demo/second.yaml", "    options:")
    result = CliRunner().invoke(senda, ["lessons", "validate", str(folder)])
    assert result.exit_code == 1
    assert (
        f"{folder}/demo/second.yaml:{line}: question 'legs' has 12 options; "
        "at most 10 fit a chat message"
    ) in result.output


def test_a_clean_catalog_passes_with_exit_0():
    result = CliRunner().invoke(senda, ["lessons", "validate", str(TEST_CATALOG)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "OK: 2 courses, 3 modules."


def test_the_bundled_catalog_is_valid():
    result = CliRunner().invoke(senda, ["lessons", "validate"], env={"SENDA_CATALOG": ""})
    assert result.exit_code == 0, result.output


def test_show_prints_the_course_as_json():
    import json

    result = CliRunner().invoke(
        senda, ["lessons", "show", "demo", "--json", "--catalog", str(TEST_CATALOG)]
    )
    assert result.exit_code == 0, result.output
    course = json.loads(result.output)
    basics = course["modules"][0]
    assert [m["id"] for m in course["modules"]] == ["basics", "second"]
    colour = basics["questions"][0]
    assert colour["type"] == "choice"
    assert colour["prompt"]["en"] == "What colour is a clear sky?"
    assert [(o["text"]["es"], o["correct"], o["weight"]) for o in colour["options"]] == [
        ("Verde", False, 0),
        ("Azul", True, 100),
        ("Rojo", False, 0),
    ]
    assert basics["questions"][1]["options"][1]["feedback"]["en"] == "Five is one too many."


def test_show_names_the_courses_when_one_is_unknown():
    result = CliRunner().invoke(senda, ["lessons", "show", "nope", "--catalog", str(TEST_CATALOG)])
    assert result.exit_code == 1
    assert "no course 'nope' (courses: demo, street-safety)" in result.output
