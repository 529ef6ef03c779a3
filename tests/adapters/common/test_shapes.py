"""The generic body-shape check, and its loader of shapes declared as data (Slack's
``adapters/slack/shapes.yaml``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.common.shapes import ListOf, MapOf, Obj, ShapeFileError, load, matches

OPT_STR = (str, None)
ACTION = Obj({"action_id": str, "value": OPT_STR}, required=("action_id",))
BODY = Obj({"type": str, "actions": ListOf(ACTION, min_len=1), "state": MapOf(MapOf(OPT_STR))})


@pytest.mark.parametrize(
    "body",
    [
        {"type": "block_actions", "actions": [{"action_id": "a", "value": None}]},
        {"type": "x", "unknown": [1, {"any": "thing"}]},  # unlisted keys are not checked
        {"state": {"block": {"value": "v", "other": None}}},
        {},
    ],
)
def test_bodies_of_the_expected_shape_match(body: object) -> None:
    assert matches(body, BODY)


@pytest.mark.parametrize(
    "body",
    [
        [],
        "text",
        {"type": 1},
        {"actions": []},  # min_len
        {"actions": [None]},
        {"actions": [{"value": "v"}]},  # a required key is missing
        {"actions": [{"action_id": "a", "value": 3}]},
        {"state": {"block": "not an object"}},
        {"state": {"block": {"value": ["x"]}}},
    ],
)
def test_bodies_of_another_shape_do_not(body: object) -> None:
    assert not matches(body, BODY)


def test_a_bool_is_not_an_int_nor_an_int_a_bool() -> None:
    assert matches(1, int) and not matches(True, int)
    assert matches(True, bool) and not matches(1, bool)


def test_nesting_deeper_than_any_shape_is_refused() -> None:
    deep: object = "leaf"
    for _ in range(20):
        deep = [deep]
    nested: object = str
    for _ in range(20):
        nested = ListOf(nested)
    assert not matches(deep, nested)


def test_a_value_that_is_not_a_shape_is_a_bug() -> None:
    with pytest.raises(TypeError):
        matches({}, "str")


# -- shapes as data --------------------------------------------------------------------------


def test_a_shapes_file_declares_each_kind_and_shares_parts_by_anchor(tmp_path: Path) -> None:
    path = tmp_path / "shapes.yaml"
    path.write_text(
        "opt_str: &opt_str [str, null]\n"
        "action: &action\n"
        "  obj: &action_keys {action_id: str, value: *opt_str}\n"
        "  required: [action_id]\n"
        "body:\n"
        "  obj:\n"
        "    type: str\n"
        "    actions: {list: *action, min_len: 1}\n"
        "    state: {map: {map: *opt_str}}\n"
        "    flags: [bool, int, float, dict, list]\n"
        "more:\n"
        "  obj: {<<: *action_keys, value: int}\n"
    )
    shapes = load(path)
    assert shapes["opt_str"] == OPT_STR
    assert shapes["action"] == ACTION
    assert shapes["body"] == Obj({**BODY.keys, "flags": (bool, int, float, dict, list)})
    assert shapes["more"] == Obj({"action_id": str, "value": int})  # a merge, one key replaced


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("a: strr\n", "a"),
        ("a: {obj: {k: [str, nul]}}\n", "a.obj.k[1]"),
        ("a: []\n", "a"),
        ("a: 3\n", "a"),
        ("a: {list: str, map: str}\n", "a"),
        ("a: {obj: {}, min_len: 1}\n", "a"),
        ("a: {list: str, min_len: -1}\n", "a.min_len"),
        ("a: {list: str, min_len: true}\n", "a.min_len"),
        ("a: {obj: [str]}\n", "a.obj"),
        ("a: {obj: {yes: str}}\n", "a.obj"),  # YAML 1.1 reads the key as a bool
        ("a: {obj: {}, required: user}\n", "a.required"),
        ("[str]\n", ""),
        ("", ""),
        ("a: {obj: {b: str}\n", ""),  # not YAML
        ("a: &a {obj: {b: *a}}\n", "a.obj.b: refers to itself"),  # an anchor in itself
        ("a: &a [str, *a]\n", "a[1]: refers to itself"),
    ],
)
def test_a_malformed_shapes_file_is_refused_in_one_line_naming_the_place(
    tmp_path: Path, text: str, place: str
) -> None:
    path = tmp_path / "shapes.yaml"
    path.write_text(text)
    with pytest.raises(ShapeFileError) as refused:
        load(path)
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {place}")


def test_a_shapes_file_without_a_name_its_reader_needs_is_refused(tmp_path: Path) -> None:
    """Refused when read, not with a KeyError at each use (a 500 for every request)."""
    path = tmp_path / "shapes.yaml"
    path.write_text("top: str\nother: str\n")
    assert set(load(path, needs=("top",))) == {"top", "other"}
    with pytest.raises(ShapeFileError) as refused:
        load(path, needs=("top", "interactive", "slash_command"))
    assert str(refused.value) == f"{path}: no interactive, slash_command"


def test_a_missing_shapes_file_is_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(ShapeFileError, match="cannot be read") as refused:
        load(tmp_path / "nowhere.yaml")
    assert "\n" not in str(refused.value)
