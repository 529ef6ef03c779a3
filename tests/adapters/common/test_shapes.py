"""The generic body-shape check (Slack's ``SHAPES`` are data for it)."""

from __future__ import annotations

import pytest

from adapters.common.shapes import ListOf, MapOf, Obj, matches

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
