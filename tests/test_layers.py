"""The dependency direction of DESIGN.md: webhooks/dashboard -> bot -> dialogs -> lessons, storage.

`bot.messages` and `bot.i18n` are the two leaves of `bot` that dialogs may use (the message model
and the translations); `bot.cli` is the composition root and may reach the web app and the
dashboard's commands, and `webhooks.create_app` adds the dashboard.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "dialogs", "lessons", "storage", "webhooks", "dashboard")
ALLOWED = {
    "storage": set(),
    "lessons": set(),
    "dialogs": {"lessons", "storage", "bot.messages", "bot.i18n"},
    "bot": {"dialogs", "lessons", "storage", "bot"},
    "webhooks": {"bot", "dialogs", "lessons", "storage", "webhooks"},
    "dashboard": {"bot", "dialogs", "lessons", "storage", "webhooks", "dashboard"},
}
# The composition roots: the command line reaches the web app and lists the dashboard's commands
# (without building the app), and the app factory registers the dashboard's blueprints.
EXCEPTIONS = {
    ("bot/cli.py", "webhooks"),
    ("bot/cli.py", "dashboard"),
    ("webhooks/__init__.py", "dashboard"),
}
LEAVES = {"bot/messages.py", "bot/i18n.py"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {n for n in names if n.split(".")[0] in PACKAGES}


def _files() -> list[Path]:
    return [
        p
        for package in PACKAGES
        for p in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in p.parts or p.name == "env.py"
    ]


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_one_way(path: Path):
    relative = str(path.relative_to(ROOT))
    package = relative.split("/")[0]
    allowed = ALLOWED[package] | {package}
    for name in _imports(path):
        top = name.split(".")[0]
        if top == package and relative not in LEAVES:
            continue
        if relative in LEAVES:
            assert top not in PACKAGES or name.startswith(("bot.messages", "bot.i18n")), (
                f"{relative} is a leaf and may not import {name}"
            )
            continue
        if (relative, top) in EXCEPTIONS:
            continue
        assert top in allowed or any(name.startswith(a) for a in allowed), (
            f"{relative} imports {name}: {package} may use only {sorted(allowed)}"
        )
