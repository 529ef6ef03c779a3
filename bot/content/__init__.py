"""Content packs: every word Mentorbot says, as YAML data, one folder per language.

Loading checks three things a translator can get wrong and a reader would notice late:
the same keys (and list lengths) in every language, the same ``{placeholders}`` in each
template, and every CONTENT_MAP id covered in every language. Failing at start-up is
cheaper than a member meeting a half-translated page.

A UI template that counts something is a mapping of CLDR plural categories
(``one: "{count} source"``, ``other: "{count} sources"``); ``Pack.t(key, count=n)``
picks the form with Babel's plural rules for the pack's language, so English gets
"1 source" and "2 sources" and Vietnamese, which does not inflect, needs only ``other``.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from babel import Locale
from pydantic import ValidationError

from bot.content import schema

CONTENT_DIR = Path(__file__).parent
LANGUAGES: tuple[str, ...] = ("en", "vi")
DEFAULT_LANGUAGE = "en"


def language_of_locale(locale: object) -> str | None:
    """The pack for a platform's locale (Slack's ``vi-VN``, Discord's ``Locale.vietnamese``
    or ``en-US``), None for a language Mentorbot does not speak: then the member's or
    the workspace's language applies, not a guess."""
    value = str(getattr(locale, "value", locale) or "").strip().lower().replace("_", "-")
    language = value.split("-")[0]
    return language if language in LANGUAGES else None


#: The CLDR plural categories a plural template may name; ``other`` is required.
PLURAL_CATEGORIES = frozenset({"zero", "one", "two", "few", "many", "other"})


class ContentError(Exception):
    """A content pack is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class Plural:
    """A template with one form per CLDR plural category, chosen by ``count``."""

    forms: Mapping[str, str]

    def pick(self, locale: Locale, count: object) -> str:
        category = locale.plural_form(count) if isinstance(count, int | float) else "other"
        return self.forms.get(category) or self.forms["other"]


Template = str | Plural


@dataclass(frozen=True)
class Pack:
    """One language's validated content."""

    lang: str
    ui: Mapping[str, Template]
    levels: schema.LevelsFile
    assess: schema.AssessFile
    tracks: schema.TracksFile
    roadmap: schema.RoadmapFile
    diet: schema.DietFile
    pitfalls: schema.PitfallsFile
    guides: schema.GuidesFile
    vocab: schema.VocabFile
    raw: Mapping[str, Any] = field(repr=False, default_factory=dict)

    def t(self, key: str, /, **values: object) -> str:
        """Render the UI template ``key`` with ``values``.

        A missing key is a programming error caught by the tests, so it raises rather
        than showing the member a raw key.
        """
        template = self.ui[key]
        if isinstance(template, Plural):
            if "count" not in values:
                raise KeyError(f"{key} is a plural template: pass count=")
            template = template.pick(_locale(self.lang), values["count"])
        return template.format(**values) if values else template


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


@dataclass(frozen=True)
class Library:
    """All packs, by language."""

    packs: Mapping[str, Pack]

    def pack(self, lang: str | None) -> Pack:
        return self.packs.get(lang or DEFAULT_LANGUAGE) or self.packs[DEFAULT_LANGUAGE]

    def t(self, lang: str | None, key: str, /, **values: object) -> str:
        return self.pack(lang).t(key, **values)


# libyaml's safe loader where PyYAML has it (the wheels do): the same documents, ~8x
# faster than the pure-Python one, which spent ~0.5 s of every process start (and of
# every ``mentorbot`` the tests start) reading the packs.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: not valid YAML: {exc}") from exc


def _load_ui(folder: Path) -> dict[str, Template]:
    """Merge every ``ui/*.yaml`` of a language into one flat key -> template mapping.

    The UI is split by feature so that features can be added without editing one big
    file; a key defined twice is an error rather than a silent override.
    """
    ui: dict[str, Template] = {}
    for path in sorted((folder / "ui").glob("*.yaml")):
        data = _read_yaml(path) or {}
        if not isinstance(data, dict):
            raise ContentError(f"{path}: expected a mapping of key: text")
        for key, value in data.items():
            if isinstance(value, dict):
                value = _plural(path, str(key), value)
            elif not isinstance(value, str):
                raise ContentError(f"{path}: {key} must be a string")
            if key in ui:
                raise ContentError(f"{path}: {key} is already defined in another ui file")
            ui[str(key)] = value
    return ui


def _plural(path: Path, key: str, forms: dict[Any, Any]) -> Plural:
    names = {str(k) for k in forms}
    if "other" not in names or not names <= PLURAL_CATEGORIES:
        raise ContentError(
            f"{path}: {key}: a plural template names CLDR categories "
            f"({', '.join(sorted(PLURAL_CATEGORIES))}) and always 'other'"
        )
    if not all(isinstance(v, str) for v in forms.values()):
        raise ContentError(f"{path}: {key}: every plural form must be a string")
    return Plural(forms={str(k): v for k, v in forms.items()})


def template_texts(template: Template) -> tuple[str, ...]:
    """Every text a template can render (each plural form)."""
    return tuple(template.forms.values()) if isinstance(template, Plural) else (template,)


def load_pack(lang: str, root: Path = CONTENT_DIR) -> Pack:
    folder = root / lang
    raw: dict[str, Any] = {"ui": _load_ui(folder)}
    models: dict[str, Any] = {}
    for name, model in schema.FILES.items():
        path = folder / f"{name}.yaml"
        if not path.exists():
            raise ContentError(f"{path}: missing")
        data = _read_yaml(path)
        raw[name] = data
        try:
            models[name] = model.model_validate(data)
        except ValidationError as exc:
            raise ContentError(f"{path}: {exc}") from exc
    return Pack(lang=lang, ui=raw["ui"], raw=raw, **models)


def flatten(node: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Yield ``(path, leaf)`` for every leaf; lists index their items (``a.b[2]``)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "covers":
                continue
            yield from flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from flatten(value, f"{prefix}[{i}]")
    else:
        yield prefix, node


def placeholders(template: Template) -> frozenset[str]:
    """The ``{names}`` a template expects (format specs ignored; every plural form)."""
    try:
        return frozenset(
            name.split(".")[0].split("[")[0]
            for text in template_texts(template)
            for _, name, _, _ in string.Formatter().parse(text)
            if name
        )
    except ValueError as exc:
        raise ContentError(f"bad template {template!r}: {exc}") from exc


def covered_ids(node: Any) -> set[str]:
    """Every id named in a ``covers`` list anywhere below ``node``."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "covers" and isinstance(value, list):
                found.update(str(v) for v in value)
            else:
                found |= covered_ids(value)
    elif isinstance(node, list):
        for value in node:
            found |= covered_ids(value)
    return found


def content_map_ids(root: Path = CONTENT_DIR) -> list[str]:
    """The CONTENT_MAP ids, from the copy kept beside the packs."""
    text = (root / "content_map_ids.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def check_library(packs: Mapping[str, Pack], ids: list[str]) -> list[str]:
    """Every problem across languages, as one line each; empty when all is well."""
    problems: list[str] = []
    base = packs[DEFAULT_LANGUAGE]
    base_leaves = dict(flatten(base.raw))
    for lang, pack in packs.items():
        missing = sorted(set(ids) - covered_ids(pack.raw))
        if missing:
            problems.append(f"{lang}: CONTENT_MAP ids not covered: {', '.join(missing)}")
        unknown = sorted(covered_ids(pack.raw) - set(ids))
        if unknown:
            problems.append(f"{lang}: covers unknown ids: {', '.join(unknown)}")
        if lang == DEFAULT_LANGUAGE:
            continue
        leaves = dict(flatten(pack.raw))
        for key in sorted(base_leaves.keys() - leaves.keys()):
            problems.append(f"{lang}: missing {key} (present in {DEFAULT_LANGUAGE})")
        for key in sorted(leaves.keys() - base_leaves.keys()):
            problems.append(f"{lang}: {key} is not in {DEFAULT_LANGUAGE}")
        for key in sorted(base_leaves.keys() & leaves.keys()):
            a, b = base_leaves[key], leaves[key]
            if isinstance(a, str | Plural) and isinstance(b, str | Plural):
                pa, pb = placeholders(a), placeholders(b)
                if pa != pb:
                    problems.append(
                        f"{lang}: {key} placeholders {sorted(pb)} differ from "
                        f"{DEFAULT_LANGUAGE} {sorted(pa)}"
                    )
    return problems


@cache
def load_library(root: Path = CONTENT_DIR) -> Library:
    """Load and check every language; raise ContentError listing all problems."""
    packs = {lang: load_pack(lang, root) for lang in LANGUAGES}
    problems = check_library(packs, content_map_ids(root))
    if problems:
        raise ContentError("content packs are inconsistent:\n" + "\n".join(problems))
    return Library(packs=packs)
