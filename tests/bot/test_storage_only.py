"""The core and the adapters reach the database only through storage/.

Importing SQLAlchemy in bot/ or adapters/ is refused by an import-linter contract
(pyproject.toml, run by scripts/test); this catches the other way round it: a feature
or an adapter opening a session on the store and querying through it without importing
anything.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("bot", "adapters")


def session_calls(source: str) -> list[int]:
    """Lines calling ``<anything>.session(...)``."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "session"
    ]


def test_the_check_finds_a_session_opened_in_a_feature() -> None:
    sample = "async def f(ctx):\n    async with ctx.store.session() as s:\n        pass\n"
    assert session_calls(sample) == [2]
    assert session_calls("await db.get_checkin(ctx.store, 1, 'daily', '2027-03-01')") == []


def test_no_module_of_the_core_or_an_adapter_opens_a_database_session() -> None:
    found = {
        str(path.relative_to(ROOT)): lines
        for layer in LAYERS
        for path in sorted((ROOT / layer).rglob("*.py"))
        if (lines := session_calls(path.read_text(encoding="utf-8")))
    }
    assert found == {}, f"query through storage/ instead: {found}"
