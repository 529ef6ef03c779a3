"""The content packs: complete, consistent between languages, and matching the code."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

from bot.content import (
    CONTENT_DIR,
    LANGUAGES,
    ContentError,
    check_library,
    content_map_ids,
    covered_ids,
    load_library,
    load_pack,
    placeholders,
)

REPO = Path(__file__).resolve().parents[2]
SHARED_MAP = REPO.parent / "shared" / "CONTENT_MAP.md"


def test_library_loads_and_is_consistent() -> None:
    library = load_library()
    assert set(library.packs) == set(LANGUAGES)


def test_id_list_matches_shared_content_map() -> None:
    if not SHARED_MAP.exists():
        message = f"{SHARED_MAP} not beside the repository; the committed copy is used"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI always has shared/ beside the clone
        pytest.skip(message)
    shared = re.findall(r"^- ([A-Z0-9-]+):", SHARED_MAP.read_text(encoding="utf-8"), re.M)
    assert shared == content_map_ids()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_content_map_id_is_covered(lang: str) -> None:
    pack = load_pack(lang)
    missing = set(content_map_ids()) - covered_ids(pack.raw)
    assert not missing, f"{lang} does not cover {sorted(missing)}"


def _copy_packs(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return root


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _problems(root: Path) -> list[str]:
    packs = {lang: load_pack(lang, root) for lang in LANGUAGES}
    return check_library(packs, content_map_ids(root))


def test_key_in_one_language_only_is_reported(tmp_path: Path) -> None:
    root = _copy_packs(tmp_path)
    with (root / "vi" / "ui" / "core.yaml").open("a", encoding="utf-8") as fh:
        fh.write('\nextra.only_in_vi: "chỉ có ở đây"\n')
    problems = _problems(root)
    assert any("extra.only_in_vi is not in en" in p for p in problems), problems


def test_missing_translation_is_reported(tmp_path: Path) -> None:
    root = _copy_packs(tmp_path)
    _edit(root / "vi" / "pitfalls.yaml", lambda d: d["pitfalls"]["tutorial"]["fix"].pop())
    problems = _problems(root)
    assert any(p.startswith("vi: missing pitfalls.pitfalls.tutorial.fix[") for p in problems)


def test_placeholder_mismatch_is_reported(tmp_path: Path) -> None:
    root = _copy_packs(tmp_path)
    path = root / "vi" / "ui" / "core.yaml"
    text = path.read_text(encoding="utf-8").replace(
        'set.done: "Xong: {setting}', 'set.done: "Xong: {settings}'
    )
    path.write_text(text, encoding="utf-8")
    problems = _problems(root)
    assert any("set.done placeholders" in p for p in problems), problems


def test_uncovered_id_is_reported(tmp_path: Path) -> None:
    root = _copy_packs(tmp_path)
    for lang in LANGUAGES:
        _edit(root / lang / "guides.yaml", lambda d: d["topics"]["interview"].update(covers=[]))
    problems = _problems(root)
    assert any("not covered: CAREER-INTERVIEW" in p for p in problems), problems


def test_schema_error_names_the_file(tmp_path: Path) -> None:
    root = _copy_packs(tmp_path)
    _edit(root / "en" / "diet.yaml", lambda d: d["daily"].update(unexpected="x"))
    with pytest.raises(ContentError, match=r"diet\.yaml"):
        load_pack("en", root)


def test_placeholders_parse() -> None:
    assert placeholders("Hi {name}, {count:d} left") == {"name", "count"}
    assert placeholders("no fields") == frozenset()


UI_CALL = re.compile(
    r"""(?:\bt|UiKey|BadInput|NotAllowed|MentorbotError)\(\s*"([a-z_]+\.[a-z_.]+)\""""
)
DYNAMIC = re.compile(r"""f"([a-z_]+\.[a-z_.]*)\{""")


def test_every_ui_key_used_in_code_exists() -> None:
    ui = load_library().pack("en").ui
    used: set[str] = set()
    for path in (REPO / "bot").rglob("*.py"):
        used.update(UI_CALL.findall(path.read_text(encoding="utf-8")))
    for path in (REPO / "bot").rglob("*.py"):
        used.update(re.findall(r'usage(?:_key)?="([a-z_.]+)"', path.read_text(encoding="utf-8")))
    missing = sorted(k for k in used if k not in ui)
    assert not missing, missing
    prefixes = set()
    for path in (REPO / "bot").rglob("*.py"):
        prefixes.update(DYNAMIC.findall(path.read_text(encoding="utf-8")))
    for prefix in prefixes:
        assert any(k.startswith(prefix) for k in ui), f"no ui key starts with {prefix!r}"


def test_plural_templates_follow_each_languages_rules() -> None:
    """English inflects for one; Vietnamese does not, so its packs give only ``other``."""
    library = load_library()
    en, vi = library.pack("en"), library.pack("vi")
    assert en.t("stats.mix_unmeasured", count=1).startswith("1 check-in has no minutes")
    assert en.t("stats.mix_unmeasured", count=2).startswith("2 check-ins have no minutes")
    assert en.t("stats.mix_unmeasured", count=0).startswith("0 check-ins have")
    assert vi.t("stats.mix_unmeasured", count=1).startswith("1 check-in chưa có số phút")
    assert vi.t("stats.mix_unmeasured", count=7).startswith("7 check-in chưa có số phút")


def test_a_plural_template_must_name_other(tmp_path: Path) -> None:
    root = _copy_packs(tmp_path)
    with (root / "en" / "ui" / "core.yaml").open("a", encoding="utf-8") as fh:
        fh.write('\nextra.plural:\n  one: "{count} thing"\n')
    with pytest.raises(ContentError, match="always 'other'"):
        load_pack("en", root)


def test_the_digest_counts_one_member_and_one_check_in_in_the_singular() -> None:
    en = load_library().pack("en")
    checkins = en.t("digest.checkins_count", count=1)
    one = en.t("digest.summary", active=1, count=1, checkins=checkins)
    assert one == "*1* of 1 member checked in, *1* check-in in all."
    checkins = en.t("digest.checkins_count", count=9)
    many = en.t("digest.summary", active=2, count=3, checkins=checkins)
    assert many == "*2* of 3 members checked in, *9* check-ins in all."
