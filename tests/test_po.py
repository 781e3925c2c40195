"""Translating a course through a PO file: export, fill with Babel, import, and chat in French."""

from __future__ import annotations

import difflib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from lessons.loader import load_catalog
from tests.conftest import TEST_CATALOG

SENDA = str(Path(sys.executable).parent / "senda")
FRENCH = {
    "course/title": "Cours d'essai",
    "course/description": "Deux modules pour tester le moteur.",
    "basics/title": "Les bases",
    "basics/cards/one": "Première carte d'essai.",
    "basics/cards/two": "Deuxième carte d'essai.",
    "basics/cards/three": "Troisième carte d'essai.",
    "basics/questions/colour/prompt": "De quelle couleur est un ciel dégagé ?",
    "basics/questions/colour/options/a/text": "Vert",
    "basics/questions/colour/options/b/text": "Rouge",
    "basics/questions/colour/options/c/text": "Bleu",
    "basics/questions/colour/feedback": "Un ciel dégagé est bleu.",
    "basics/questions/sum/prompt": "Combien font deux plus deux ?",
    "basics/questions/sum/options/a/text": "Cinq",
    "basics/questions/sum/options/a/feedback": "Cinq, c'est un de trop.",
    "basics/questions/sum/options/b/text": "Quatre",
    "basics/questions/sum/feedback": "Deux plus deux font quatre.",
    "basics/questions/sun/prompt": "Le soleil se lève-t-il à l'est ?",
    "basics/questions/sun/options/a/text": "Oui",
    "basics/questions/sun/options/b/text": "Non",
    "basics/questions/sun/feedback": "Le soleil se lève à l'est.",
    "second/title": "Deuxième module",
    "second/cards/only": "La seule carte du deuxième module.",
    "second/questions/legs/prompt": "Combien de pattes a un chien ?",
    "second/questions/legs/options/a/text": "Quatre",
    "second/questions/legs/options/b/text": "Deux",
    "second/questions/legs/feedback": "Un chien a quatre pattes.",
}


def senda(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess:
    """Run the `senda` command."""
    return subprocess.run(
        [SENDA, *args], input=stdin, capture_output=True, text=True, env=env, timeout=60
    )


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    """A copy of the test catalog that the test may change."""
    folder = tmp_path / "catalog"
    shutil.copytree(TEST_CATALOG, folder)
    return folder


def export(catalog: Path, tmp_path: Path, language: str = "fr") -> Path:
    path = tmp_path / f"demo.{language}.po"
    result = senda(
        "lessons",
        "export-po",
        "demo",
        "--lang",
        language,
        "--catalog",
        str(catalog),
        "-o",
        str(path),
    )
    assert result.returncode == 0, result.stderr
    return path


def fill(path: Path, translations: dict[str, str], fuzzy: set[str] = frozenset()) -> None:
    """Fill msgstrs with Babel, as a translator's tool would."""
    with path.open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if message.id and message.context in translations:
            message.string = translations[message.context]
            if message.context in fuzzy:
                message.flags.add("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog)


def import_po(catalog: Path, path: Path) -> subprocess.CompletedProcess:
    return senda("lessons", "import-po", str(path), "--catalog", str(catalog))


def test_export_lists_every_text_with_its_source_and_place(catalog, tmp_path):
    path = export(catalog, tmp_path, "en")
    with path.open("rb") as handle:
        po = read_po(handle)
    messages = {m.context: m for m in po if m.id}
    assert set(messages) == set(FRENCH)
    card = messages["basics/cards/two"]
    assert (card.id, card.string) == ("Segunda tarjeta de prueba.", "Second test card.")
    assert card.locations == [("demo/basics.yaml", 13)]
    line = (catalog / "demo/basics.yaml").read_text().splitlines()[12]
    assert line.strip() == "es: Segunda tarjeta de prueba."
    assert str(po.locale) == "en" and po.project == "demo"


def test_round_trip_fills_french_and_the_chat_shows_it(catalog, tmp_path, database_url):
    path = export(catalog, tmp_path)
    fill(path, FRENCH)
    result = import_po(catalog, path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(FRENCH)} translations imported" in result.stderr
    assert "added 'fr' to the languages of demo" in result.stderr

    validate = senda("lessons", "validate", str(catalog))
    assert validate.returncode == 0, validate.stdout
    course = load_catalog(catalog).course("demo")
    assert "fr" in course.languages
    question = course.module("basics").question("sun")
    assert [c.text["fr"] for c in question.options] == ["Oui", "Non"]  # texts, not booleans

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENDA_", "DATABASE_"))}
    env.update(
        DATABASE_URL=database_url,
        SENDA_INSTANCE=str(tmp_path / "instance"),
        SENDA_CATALOG=str(catalog),
    )
    # Français, consent, official, courses (just one: its modules), the first module.
    chat = senda("chat", "--json", env=env, stdin="hola\n3\n1\n1\n1\n1\n")
    assert chat.returncode == 0, chat.stderr
    replies = [json.loads(line) for line in chat.stdout.splitlines()]
    assert any("Les bases" in label for label in replies[-2]["options"]), replies[-2]
    assert "Première carte d'essai." in replies[-1]["text"]


def test_a_second_import_changes_nothing(catalog, tmp_path):
    path = export(catalog, tmp_path)
    fill(path, FRENCH)
    assert import_po(catalog, path).returncode == 0
    before = {p: p.read_bytes() for p in catalog.rglob("*.yaml")}
    again = import_po(catalog, path)
    assert again.returncode == 0
    assert f"0 translations imported, {len(FRENCH)} unchanged" in again.stderr
    assert {p: p.read_bytes() for p in catalog.rglob("*.yaml")} == before


def test_a_corrected_translation_replaces_the_old_one(catalog, tmp_path):
    path = export(catalog, tmp_path, "en")
    fill(path, {"basics/cards/one": "The very first test card."})
    assert import_po(catalog, path).returncode == 0
    course = load_catalog(catalog).course("demo")
    assert course.module("basics").cards[0].text["en"] == "The very first test card."
    assert course.languages == ("es", "en")


def test_fuzzy_missing_and_stale_entries_are_reported_not_imported(catalog, tmp_path):
    path = export(catalog, tmp_path)
    fill(
        path,
        {
            "basics/title": "Les bases",
            "basics/cards/one": "Première carte (à revoir).",
            "basics/cards/two": "Deuxième carte d'essai.",
            "basics/cards/three": "Troisième carte d'essai.",
        },
        fuzzy={"basics/cards/one"},
    )
    # Since the export: a card was removed, and another card's source text was rewritten.
    module = catalog / "demo/basics.yaml"
    text = module.read_text()
    text = text.replace("  - id: three\n", "  - id: tres\n")
    text = text.replace("es: Segunda tarjeta de prueba.", "es: Segunda tarjeta, corregida.")
    module.write_text(text)

    result = import_po(catalog, path)
    assert result.returncode == 0, result.stdout + result.stderr
    report = result.stderr
    cases = [
        ("fuzzy", "basics/cards/one", "fuzzy"),
        ("missing", "second/cards/only", "not translated yet"),
        ("removed text", "basics/cards/three", "stale: the course no longer has this text"),
        ("changed source", "basics/cards/two", "stale: the source text has changed"),
    ]
    for label, context, reason in cases:
        line = next((x for x in report.splitlines() if f": {context}: " in x), "")
        assert reason in line and line.endswith("(not imported)"), (label, report)
    assert "1 translations imported" in report

    basics = load_catalog(catalog).course("demo").module("basics")
    assert basics.title["fr"] == "Les bases"
    assert all("fr" not in card.text for card in basics.cards), "only the good entry went in"


def test_comments_order_and_formatting_are_kept(catalog, tmp_path):
    module = catalog / "demo/basics.yaml"
    original = module.read_text()
    commented = "# The basics: three cards and three questions.\n" + original.replace(
        "cards:\n", "\ncards:  # read in this order\n"
    ).replace("      en: Third test card.\n", "      en: Third test card.  # short\n\n").replace(
        "    source: test fixture\n  - id: sum", "    source: test fixture  # ok\n\n  - id: sum"
    )
    module.write_text(commented)
    path = export(catalog, tmp_path)
    fill(path, FRENCH)
    assert import_po(catalog, path).returncode == 0
    after = module.read_text()

    before_lines, after_lines = commented.splitlines(), after.splitlines()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
        None, before_lines, after_lines
    ).get_opcodes():
        if tag == "equal" or tag == "insert":
            continue
        # Only one-line {es: ..., en: ...} mappings change: they gain their French entry.
        for old, new in zip(before_lines[i1:i2], after_lines[j1:j2], strict=True):
            assert new.startswith(old.split("}")[0] + ", fr: "), (old, new)
    inserted = [line for line in after_lines if line not in before_lines]
    assert all(line.strip().startswith("fr:") or line.startswith("   ") for line in inserted)
    for comment in ("# The basics", "# read in this order", "# short", "# ok"):
        assert comment in after
    # The blank line after a card stays after the card's texts, before the next card.
    assert "      fr: Troisième carte d'essai.\n\n    source" in after
    assert senda("lessons", "validate", str(catalog)).returncode == 0


@pytest.mark.parametrize(
    ("label", "args", "message"),
    [
        ("unknown course", ["export-po", "nope", "--lang", "fr"], "no course 'nope'"),
        ("source language", ["export-po", "demo", "--lang", "es"], "source language"),
        ("bad language", ["export-po", "demo", "--lang", "French!"], "not a language code"),
    ],
)
def test_bad_export_requests_get_a_clear_answer(catalog, label, args, message):
    result = senda("lessons", *args, "--catalog", str(catalog))
    assert result.returncode == 1 and message in result.stderr, (label, result.stderr)


def test_a_file_that_is_not_po_changes_nothing(catalog, tmp_path):
    path = tmp_path / "broken.po"
    path.write_text('msgid "unterminated\nmsgstr 12\n')
    before = {p: p.read_bytes() for p in catalog.rglob("*.yaml")}
    result = import_po(catalog, path)
    assert result.returncode == 1 and f"Error: {path}: " in result.stderr
    assert {p: p.read_bytes() for p in catalog.rglob("*.yaml")} == before


def test_a_translation_the_validator_would_refuse_writes_nothing(catalog, tmp_path):
    path = export(catalog, tmp_path)
    fill(path, {**FRENCH, "basics/cards/two": "Trop long. " * 120})
    before = {p: p.read_bytes() for p in catalog.rglob("*.yaml")}
    result = import_po(catalog, path)
    assert result.returncode == 1
    assert "nothing was written" in result.stderr
    assert "card 'two' text in 'fr' has 1319 characters; at most 1000" in result.stderr
    assert {p: p.read_bytes() for p in catalog.rglob("*.yaml")} == before
