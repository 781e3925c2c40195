"""`senda services export` and `senda services import`: the spreadsheet round trip staff use to
keep the directory current, and what an import does to the answers people get."""

from __future__ import annotations

from click.testing import CliRunner

from bot.cli import senda
from bot.config import BUNDLED_CATALOG
from tests.conftest import Person
from webhooks import create_app


def _run(args: list[str], env: dict[str, str]):
    return CliRunner().invoke(senda, args, env=env)


def test_the_bundled_directory_goes_out_and_back_in_exactly(app_config, tmp_path):
    env = {**app_config, "SENDA_CATALOG": str(BUNDLED_CATALOG)}
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    assert _run(["services", "export", "-o", str(first)], env).exit_code == 0
    result = _run(["services", "import", str(first)], env)
    assert result.exit_code == 0, result.output
    assert "The directory now has 48 services." in result.output
    assert _run(["services", "export", "-o", str(second)], env).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    assert "La 72 Hogar-Refugio para Personas Migrantes" in first.read_text(encoding="utf-8")


def test_an_import_changes_what_people_are_told(app_config, tmp_path):
    exported = _run(["services", "export"], app_config).output
    edited = exported.replace("Albergue de prueba A", "Albergue renovado A")
    (tmp_path / "edited.csv").write_text(edited, encoding="utf-8", newline="")
    assert _run(["services", "import", str(tmp_path / "edited.csv")], app_config).exit_code == 0
    app = create_app(app_config)
    try:
        ana = Person(app.extensions["senda"].engine)
        for text in ("hola", "2", "yes", "3", "services near me"):
            ana.says(text)
        answer = ana.says("tapachula")
        assert "Albergue renovado A" in answer and "Albergue de prueba A" not in answer
    finally:
        app.extensions["senda"].close()


def test_a_bad_row_is_named_and_nothing_changes(app_config, tmp_path):
    exported = _run(["services", "export"], app_config).output
    broken = exported.replace("+52 55 1234 5678", "55-1234-5678", 1)
    path = tmp_path / "broken.csv"
    path.write_text(broken, encoding="utf-8", newline="")
    result = _run(["services", "import", str(path)], app_config)
    assert result.exit_code == 1
    assert f"{path}:2: phone '55-1234-5678' must be written '+52 55 1234 5678'" in result.output
    assert "nothing was changed" in result.output
    assert _run(["services", "export"], app_config).output == exported


def test_a_semicolon_file_and_a_huge_file_are_refused(app_config, tmp_path):
    semicolons = tmp_path / "semicolons.csv"
    semicolons.write_text("id;kinds;name;source\nx;shelter;X;s\n", encoding="utf-8")
    result = _run(["services", "import", str(semicolons)], app_config)
    assert result.exit_code == 1 and "comma-separated" in result.output
    huge = tmp_path / "huge.csv"
    huge.write_bytes(b"id,kinds,name,source\n" + b"x" * (50 * 1024 * 1024))
    result = _run(["services", "import", str(huge)], app_config)
    assert result.exit_code == 1 and "larger than 5 MB" in result.output
