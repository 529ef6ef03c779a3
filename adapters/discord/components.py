"""Custom ids that survive restarts: the core's button state travels inside them.

Discord sends back only a component's ``custom_id`` (at most 100 characters) when it is
clicked, possibly days later and after any number of restarts. So a button carries the
core's ``action_id`` and ``value`` in its custom id, a select carries the ``action_id``
(its options carry the values), and a modal carries the ``form_id``; nothing about a
message is kept in memory. The layout::

    mentor[@<guild>][~<n>]:<action_id>|<value>     a button
    mentor[@<guild>][~<n>]:<action_id>|            a select (values in its options)
    mform[@<guild>]:<form_id>                      a one-page modal

``@<guild>`` is written where the click cannot tell which server it belongs to: in a DM,
members of two servers share one channel with the bot. ``~<n>`` keeps two components of
one message apart when they carry the same action and value (Discord rejects duplicates).
A payload that does not fit (or could be misread: an action id with ``|``, a value
starting with ``~``) is replaced by ``~<token>``, a hash of it; the adapter stores the
token's value in the database (``storage.discord_models``) before the message is sent.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import MutableMapping
from dataclasses import dataclass

CUSTOM_ID_LIMIT = 100
#: Select option values and text-input ids have the same limit.
VALUE_LIMIT = 100
COMPONENT_PREFIX = "mentor"
FORM_PREFIX = "mform"

COMPONENT_TEMPLATE = re.compile(
    r"mentor(?:@(?P<ws>[0-9]{1,20}))?(?:~(?P<n>[0-9]{1,3}))?:(?P<payload>.*)", re.DOTALL
)
FORM_TEMPLATE = re.compile(r"mform(?:@(?P<ws>[0-9]{1,20}))?:(?P<payload>.*)", re.DOTALL)

#: token -> the value it stands for, filled while rendering, saved before sending.
Stash = MutableMapping[str, str]


def token_for(value: str) -> str:
    """A content hash: the same value always gets the same token (80 bits)."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:20]


def _stashed(value: str, stash: Stash) -> str:
    token = token_for(value)
    stash[token] = value
    return f"~{token}"


def _head(prefix: str, workspace: str | None, n: int = 0) -> str:
    numeric = bool(workspace) and re.fullmatch(r"[0-9]{1,20}", workspace or "") is not None
    ws = f"@{workspace}" if numeric else ""
    return f"{prefix}{ws}{f'~{n}' if n else ''}:"


def component_id(
    action_id: str, value: str, *, workspace: str | None, n: int = 0, stash: Stash
) -> str:
    """The custom id of a button (or, with ``value=""``, of a select)."""
    head = _head(COMPONENT_PREFIX, workspace, n)
    payload = f"{action_id}|{value}"
    plain = "|" not in action_id and not action_id.startswith("~") and not value.startswith("~")
    if plain and len(head) + len(payload) <= CUSTOM_ID_LIMIT:
        return head + payload
    return head + _stashed(json.dumps([action_id, value]), stash)


def option_value(value: str, *, stash: Stash) -> str:
    """A select option's value: Discord wants 1 to 100 characters."""
    if value and not value.startswith("~") and len(value) <= VALUE_LIMIT:
        return value
    if not value:
        return "~"
    return _stashed(value, stash)


def form_id(form: str, *, workspace: str | None, stash: Stash) -> str:
    head = _head(FORM_PREFIX, workspace)
    if not form.startswith("~") and len(head) + len(form) <= CUSTOM_ID_LIMIT:
        return head + form
    return head + _stashed(form, stash)


@dataclass(frozen=True, slots=True)
class Parsed:
    """A custom id read back. ``token`` is set when the payload is in the database."""

    workspace: str | None
    action_id: str = ""
    value: str = ""
    token: str | None = None


def parse_component(custom_id: str) -> Parsed | None:
    match = COMPONENT_TEMPLATE.fullmatch(custom_id)
    if match is None:
        return None
    payload = match["payload"]
    if payload.startswith("~"):
        return Parsed(match["ws"], token=payload[1:])
    action_id, sep, value = payload.partition("|")
    if not sep:
        return None
    return Parsed(match["ws"], action_id, value)


def unpack_component(parsed: Parsed, stored: str | None) -> Parsed | None:
    """Fill a tokenised ``Parsed`` from its stored payload; None when it is unknown."""
    if parsed.token is None:
        return parsed
    if stored is None:
        return None
    try:
        action_id, value = json.loads(stored)
    except (ValueError, TypeError):
        return None
    return Parsed(parsed.workspace, str(action_id), str(value))


def parse_form(custom_id: str) -> Parsed | None:
    match = FORM_TEMPLATE.fullmatch(custom_id)
    if match is None:
        return None
    payload = match["payload"]
    if payload.startswith("~"):
        return Parsed(match["ws"], token=payload[1:])
    return Parsed(match["ws"], action_id=payload)


def token_of(value: str) -> str | None:
    """The token of a select option value or input id written by ``option_value``
    (None when the value is plain; ``""`` for the empty value)."""
    if not value.startswith("~"):
        return None
    return value[1:]
