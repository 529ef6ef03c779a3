"""bot/ is the product; it must never import a platform SDK."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = ("slack_bolt", "slack_sdk", "discord", "adapters")
BOT = Path(__file__).resolve().parents[2] / "bot"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_bot_imports_no_platform() -> None:
    offenders = {
        str(path.relative_to(BOT.parent)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] in FORBIDDEN
        )
        for path in BOT.rglob("*.py")
    }
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, offenders


def test_checker_catches_a_platform_import(tmp_path: Path) -> None:
    sample = tmp_path / "leak.py"
    sample.write_text("import os\nfrom slack_sdk.web import WebClient\nimport discord.ui\n")
    found = {m.split(".")[0] for m in imported_modules(sample)}
    assert {"slack_sdk", "discord"} <= found
