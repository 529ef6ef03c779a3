"""Whether a parsed JSON body has the shape a handler expects, checked before any
handler reads it: a listener that meets ``payload=[]`` or ``actions: [null]`` ends in an
exception, a 500 and a traceback, where the sender deserved a 400.

A shape is data: a Python type (``str``, ``dict``, ``bool``…), ``None`` (the value is
null), a tuple (any of these), ``ListOf``, ``MapOf`` or ``Obj``. Keys an ``Obj`` does not
list are not checked: a platform may add fields, and what nobody reads cannot hurt.

An adapter declares its shapes in a YAML file next to it (``adapters/slack/shapes.yaml``),
read once by ``load``: a type name or ``null``, a list (any of these), ``{obj: {key:
shape}, required: [key]}``, ``{list: shape, min_len: n}`` or ``{map: shape}``. YAML
anchors and ``<<`` merges share the parts several shapes reuse. A file that is not this
is refused whole, with one line naming the place, when the adapter starts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

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


# -- shapes as data ------------------------------------------------------------------------

#: The type names a shapes file may use.
TYPES: Mapping[str, type] = {t.__name__: t for t in (str, int, float, bool, dict, list)}
#: What each kind of mapping may carry besides its one kind key.
_OPTIONS = {"obj": {"required"}, "list": {"min_len"}, "map": set()}


class ShapeFileError(ValueError):
    """A shapes file that is not one; the message is one line naming the place."""


def parse(spec: Any, where: str = "shape", *, inside: frozenset[int] = frozenset()) -> Any:
    """The shape a YAML value declares (see the module docstring). ``inside``: the ids of
    the values this one is nested in; YAML lets an anchor's value contain its own alias,
    which would otherwise recurse until Python gives up, with no place named."""
    if id(spec) in inside:
        raise ShapeFileError(f"{where}: refers to itself (an alias inside its own anchor)")
    inside |= {id(spec)}
    if spec is None:
        return None
    if isinstance(spec, str):
        if spec not in TYPES:
            raise ShapeFileError(f"{where}: {spec!r} is not one of {', '.join(TYPES)}")
        return TYPES[spec]
    if isinstance(spec, list):
        if not spec:
            raise ShapeFileError(f"{where}: an empty list of choices matches nothing")
        return tuple(parse(s, f"{where}[{i}]", inside=inside) for i, s in enumerate(spec))
    if not isinstance(spec, dict):
        raise ShapeFileError(f"{where}: {spec!r} is not a shape")
    kinds = [k for k in _OPTIONS if k in spec]
    if len(kinds) != 1:
        raise ShapeFileError(f"{where}: a mapping needs one of obj, list or map")
    kind = kinds[0]
    unknown = sorted(map(str, set(spec) - {kind} - _OPTIONS[kind]))
    if unknown:
        raise ShapeFileError(f"{where}: {kind} does not take {', '.join(unknown)}")
    inner = f"{where}.{kind}"
    if kind == "list":
        min_len = spec.get("min_len", 0)
        if not isinstance(min_len, int) or isinstance(min_len, bool) or min_len < 0:
            raise ShapeFileError(f"{where}.min_len: {min_len!r} is not a count")
        return ListOf(parse(spec[kind], inner, inside=inside), min_len)
    if kind == "map":
        return MapOf(parse(spec[kind], inner, inside=inside))
    keys, required = spec[kind], spec.get("required", [])
    if not isinstance(keys, dict) or not all(isinstance(k, str) for k in keys):
        raise ShapeFileError(f"{inner}: expected a mapping of key: shape")
    if not isinstance(required, list) or not all(isinstance(k, str) for k in required):
        raise ShapeFileError(f"{where}.required: expected a list of keys")
    return Obj(
        {k: parse(v, f"{inner}.{k}", inside=inside) for k, v in keys.items()}, tuple(required)
    )


def load(path: Path, *, needs: Iterable[str] = ()) -> dict[str, Any]:
    """Every named shape of a shapes file (a mapping of name: shape), each checked, and
    the names in ``needs`` (what the reader looks up) present: a file without one is
    refused here, not with a KeyError at each use."""
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as exc:
        problem = " ".join(str(exc).split())  # YAML's messages span lines
        raise ShapeFileError(f"{path}: cannot be read: {problem}") from None
    if not isinstance(data, dict) or not data:
        raise ShapeFileError(f"{path}: expected a mapping of name: shape")
    shapes = {str(name): parse(spec, f"{path}: {name}") for name, spec in data.items()}
    missing = [name for name in needs if name not in shapes]
    if missing:
        raise ShapeFileError(f"{path}: no {', '.join(missing)}")
    return shapes
