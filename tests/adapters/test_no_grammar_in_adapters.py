"""The adapters restate none of the core's grammar: the values a command's arguments
take are declared once in the core (``bot/grammar.py``), and an adapter that wrote its
own list of levels, cadences or weekdays would drift from it silently."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from bot.content import LANGUAGES, load_library
from bot.mentor import default_features
from bot.router import merge

ADAPTERS = Path(__file__).resolve().parents[2] / "adapters"
#: Imports of the core's features an adapter may keep: the console's "form left" action
#: id is a protocol constant, not grammar.
ALLOWED_FEATURE_IMPORTS = {"console/adapter.py": {"bot.features.help"}}


def sources() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(ADAPTERS.rglob("*.py")):
        yield str(path.relative_to(ADAPTERS)), ast.parse(path.read_text(encoding="utf-8"))


def choice_lists() -> dict[str, frozenset[str]]:
    """Every declared choice list of two values or more, in every language."""
    commands = merge(default_features()).commands
    listed = [name for name, spec in commands.items() if spec.listed]
    found: dict[str, frozenset[str]] = {}
    for lang in LANGUAGES:
        pack = load_library().pack(lang)
        for spec in commands.values():
            for arg in spec.grammar:
                if arg.choices is not None and arg.name != "command":
                    values = frozenset(arg.choices.values(pack, listed))
                    if len(values) >= 2:
                        found[f"{spec.name} {arg.name}"] = values
    return found


def literal_strings(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Dict):
        elements = [k for k in node.keys if k is not None]
    elif isinstance(node, ast.List | ast.Tuple | ast.Set):
        elements = node.elts
    else:
        return set()
    return {e.value for e in elements if isinstance(e, ast.Constant) and isinstance(e.value, str)}


def test_no_adapter_hard_codes_a_choice_list() -> None:
    lists = choice_lists()
    assert {"schedule days", "goals area", "set setting", "diet cadence"} <= set(lists)
    found = []
    for name, module in sources():
        for node in ast.walk(module):
            strings = literal_strings(node)
            for where, values in lists.items():
                if len(strings & values) >= 2:
                    found.append(f"{name}:{node.lineno}: {sorted(strings & values)} ({where})")
    assert not found, "declare these in the core's grammar instead:\n" + "\n".join(found)


def test_the_check_sees_a_restated_list() -> None:
    restated = ast.parse('WEEKDAYS = ("mon", "tue", "wed")')
    values = choice_lists()["schedule days"]
    assert any(len(literal_strings(n) & values) >= 2 for n in ast.walk(restated))


def test_adapters_import_no_feature_internals_and_no_scheduler() -> None:
    found = []
    for name, module in sources():
        for node in ast.walk(module):
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            for target in targets:
                allowed = ALLOWED_FEATURE_IMPORTS.get(name, set())
                if target.startswith("schedules") or (
                    target.startswith("bot.features") and target not in allowed
                ):
                    found.append(f"{name}:{node.lineno}: {target}")
    assert not found, "\n".join(found)
