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
        "a source that is a file of this project",
        "demo/second.yaml",
        "    source: test fixture\nquestions",
        "    source: as stated in FACTS.md\nquestions",
        "as stated in FACTS.md",
        "card 'only' source names 'FACTS.md', a file of this project",
    ),
    (
        "a source still to be verified",
        BASICS,
        "    source: test fixture\n  - id: two",
        "    source: a newspaper (verify before deployment)\n  - id: two",
        "verify before",
        "card 'one' source says 'verify'",
    ),
    (
        "a source in the shared folder",
        "demo/second.yaml",
        "    source: test fixture\n",
        "    source: ../shared/content/notes\n",
        "../shared",
        "card 'only' source names '../', a file of this project",
    ),
    (
        "a safety entry whose source says verify",
        "safety.yaml",
        "source: test fixture",
        "source: TODO",
        "source: TODO",
        "entry 'emergency' source says 'TODO'",
    ),
    (
        "a service whose source is a file of this project",
        "services.yaml",
        "    source: test fixture\n    checked: 2026-10",
        "    source: SERVICES-FACTS.md\n    checked: 2026-10",
        "SERVICES-FACTS.md",
        "service 'shelter-a' source names 'SERVICES-FACTS.md', a file of this project",
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


def test_a_url_is_a_public_source_whatever_its_file_name():
    from lessons.loader import _PROJECT_FILE, _URL

    source = "https://github.com/org/repo/blob/main/README.md; https://example.org/a.html"
    assert _PROJECT_FILE.search(_URL.sub(" ", source)) is None


def test_sms_fits_the_bundled_and_the_test_catalog():
    for env, path in (({"SENDA_CATALOG": ""}, []), ({}, [str(TEST_CATALOG)])):
        result = CliRunner().invoke(senda, ["lessons", "validate", "--sms", *path], env=env)
        assert result.exit_code == 0, result.output


# A card of 495 characters: 4 segments in GSM-7 (8 in UCS-2, which its accents would need).
LONG = "Línea de atención, llamá gratis. " * 15
# 429 characters: 3 segments alone, 4 with the title, "(1/3)" and the options the card shows.
NEARLY = "Línea de atención, llamá gratis. " * 13


@pytest.mark.parametrize(
    ("name", "old", "new", "line_fragment", "message"),
    [
        (
            BASICS,
            "es: Primera tarjeta de prueba.",
            f"es: {LONG}",
            "es: Línea",
            "card 'one' in 'es' is 4 SMS segments (at most 3)",
        ),
        (
            BASICS,
            "es: Primera tarjeta de prueba.",
            f"es: {NEARLY}",
            "es: Línea",
            "card 'one' in 'es' is 4 SMS segments (at most 3)",
        ),
        (
            BASICS,
            "en: What colour is a clear sky?",
            "en: " + "What colour is a clear sky, today and tomorrow? " * 9,
            "en: What colour is a clear sky, today",
            "question 'colour' in 'en' is 4 SMS segments (at most 3)",
        ),
        (
            "safety.yaml",
            'es: "Emergencias: llama al número de prueba 000."',
            f'es: "{LONG}"',
            'es: "Línea',
            "safety entry 'emergency' in 'es' is 4 SMS segments (at most 3)",
        ),
    ],
    ids=[
        "a long card",
        "a card that fits alone but not with its title and options",
        "a question long with its header and options",
        "a long safety entry",
    ],
)
def test_sms_reports_each_text_over_three_segments(
    tmp_path, name, old, new, line_fragment, message
):
    folder = _copy_catalog(tmp_path)
    _edit(folder, name, old, new)
    result = CliRunner().invoke(senda, ["lessons", "validate", str(folder)])
    assert result.exit_code == 0, "without --sms a long text is no problem"
    result = CliRunner().invoke(senda, ["lessons", "validate", "--sms", str(folder)])
    assert result.exit_code == 1, result.output
    line = _line_of(folder, name, line_fragment)
    assert f"{folder / name}:{line}: {message}" in result.output.splitlines()
