"""Whether a parsed JSON body has the shape a handler expects, checked before any
handler reads it: a listener that meets ``payload=[]`` or ``actions: [null]`` ends in an
exception, a 500 and a traceback, where the sender deserved a 400.

A shape is data: a Python type (``str``, ``dict``, ``bool``…), ``None`` (the value is
null), a tuple (any of these), ``ListOf``, ``MapOf`` or ``Obj``. Keys an ``Obj`` does not
list are not checked: a platform may add fields, and what nobody reads cannot hurt.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Deeper than any shape should need; only a shape that refers to itself gets here.
MAX_DEPTH = 8


@dataclass(frozen=True)
class Obj:
    """A JSON object; each listed key, when present, has the listed shape."""

    keys: Mapping[str, Any]
    required: tuple[str, ...] = ()


@dataclass(frozen=True)
class ListOf:
    item: Any
    min_len: int = 0


@dataclass(frozen=True)
class MapOf:
    """An object whose every value has one shape."""

    value: Any


def matches(value: Any, shape: Any, depth: int = 0) -> bool:
    if depth > MAX_DEPTH:
        return False
    if shape is None:
        return value is None
    if isinstance(shape, tuple):
        return any(matches(value, s, depth) for s in shape)
    if isinstance(shape, type):
        # bool is an int in Python; no shape wants either for the other.
        return isinstance(value, shape) and not (shape is int and isinstance(value, bool))
    if isinstance(shape, ListOf):
        return (
            isinstance(value, list)
            and len(value) >= shape.min_len
            and all(matches(v, shape.item, depth + 1) for v in value)
        )
    if isinstance(shape, MapOf):
        return isinstance(value, dict) and all(
            matches(v, shape.value, depth + 1) for v in value.values()
        )
    if not isinstance(shape, Obj):
        raise TypeError(f"not a shape: {shape!r}")
    if not isinstance(value, dict) or any(key not in value for key in shape.required):
        return False
    return all(
        matches(value[key], sub, depth + 1) for key, sub in shape.keys.items() if key in value
    )
