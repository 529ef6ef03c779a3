"""HTTP mode's front door: what a POST to ``/slack/events`` must be before bolt sees it.

Bolt reads the timestamp with ``int()`` before checking the signature (``abc`` is a
500), and trusts the body's shape once the signature holds (``payload=[]``, a ``view``
that is a string or ``actions: [null]`` each end in an exception and a 500). So: 401 to
a request whose timestamp or signature does not hold, 400 to a body that cannot be
parsed or is not the shape Slack sends (``shapes.yaml``: at every key bolt or the adapter
reads), and only then bolt, with the same bytes, parsed by the very function used here.
Socket Mode needs none of this: its payloads come over a websocket the app opened.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import (
    build_normalized_headers,
    extract_content_type,
    parse_body,
)

from adapters.common.shapes import ShapeFileError, matches
from adapters.common.shapes import load as load_shapes
from bot.errors import ConfigError

#: Bolt refuses requests older (or newer) than this, in seconds; so does the gate.
MAX_SKEW_S = 5 * 60
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
#: The payload types whose ``team``, ``user`` and ``channel`` are objects (the
#: interactivity payloads); elsewhere they may be plain ids.
INTERACTIVE_TYPES = frozenset(
    {
        "block_actions",
        "block_suggestion",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
        "interactive_message",
        "dialog_submission",
        "dialog_cancellation",
        "dialog_suggestion",
        "workflow_step_edit",
    }
)


# -- shapes --------------------------------------------------------------------------------

#: Every key of a request body that bolt or the adapter reads, with its shape: data.
SHAPES_FILE = Path(__file__).with_name("shapes.yaml")
#: The shapes ``shape_problem`` looks up by name.
SHAPES_USED = ("top", "interactive", "slash_command")
#: What each type of request must carry for its listener to have something to answer.
REQUIRED = {
    "url_verification": ("challenge",),
    "event_callback": ("event",),
    "block_actions": ("actions",),
    "view_submission": ("view",),
    "view_closed": ("view",),
}


@cache
def shapes() -> Mapping[str, Any]:
    """``shapes.yaml``, read once; ``events_handler`` reads it at start, so a broken file
    stops the start with one line instead of failing the first request."""
    try:
        return load_shapes(SHAPES_FILE, needs=SHAPES_USED)
    except ShapeFileError as exc:
        raise ConfigError(str(exc)) from None


def shape_problem(body: Any) -> str | None:
    """Why a parsed body is not something Slack sends, or None when it could be."""
    if not isinstance(body, dict) or not body:
        return "not a JSON object"
    kind = body.get("type")
    if not isinstance(kind, str | None):
        return "a type that is not a string"
    known = shapes()
    if not matches(body, known["interactive" if kind in INTERACTIVE_TYPES else "top"]):
        return f"unexpected shape for {kind or 'a request'}"
    missing = [key for key in REQUIRED.get(str(kind), ()) if key not in body]
    if missing:
        return f"{kind} without {', '.join(missing)}"
    if "command" in body and not matches(body, known["slash_command"]):
        return "slash command without team_id or user_id"
    return None


# -- the gate ------------------------------------------------------------------------------


def signature_holds(raw: bytes, headers: Mapping[str, Any], secret: str, *, now: float) -> bool:
    """Slack's v0 signature over the raw bytes, checked without raising on any header."""
    getall = getattr(headers, "getall", None)
    stamps = getall("X-Slack-Request-Timestamp", []) if getall else []
    signatures = getall("X-Slack-Signature", []) if getall else []
    if len(stamps) != 1 or len(signatures) != 1:
        return False
    stamp, signature = stamps[0], signatures[0]
    if not _TIMESTAMP.fullmatch(stamp) or not _SIGNATURE.fullmatch(signature):
        return False
    if abs(now - int(stamp)) > MAX_SKEW_S:
        return False
    base = b"v0:" + stamp.encode() + b":" + raw
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def parse(raw: bytes, headers: Mapping[str, Any]) -> tuple[str, Any] | None:
    """The body as text and as bolt will parse it, or None when it cannot be."""
    try:
        text = raw.decode("utf-8")
        content_type = extract_content_type(build_normalized_headers(dict(headers)))
        return text, parse_body(text, content_type)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def _refuse(status: int, error: str) -> web.Response:
    return web.json_response({"error": error}, status=status)


def events_handler(
    app: AsyncApp, signing_secret: str, *, clock: Callable[[], float] = time.time
) -> Callable[[web.Request], Any]:
    """The aiohttp handler for ``/slack/events`` in HTTP mode."""

    shapes()  # now, not at the first request

    async def handle(request: web.Request) -> web.Response:
        raw = await request.read()  # over client_max_size: aiohttp answers 413 itself
        if not signature_holds(raw, request.headers, signing_secret, now=clock()):
            return _refuse(401, "invalid request")
        parsed = parse(raw, request.headers)
        if parsed is None:
            return _refuse(400, "unreadable body")
        text, body = parsed
        problem = shape_problem(body)
        if problem is not None:
            return _refuse(400, problem)
        bolt_request = AsyncBoltRequest(
            body=text,
            query=request.query_string,
            headers=dict(request.headers),  # type: ignore[arg-type]
        )
        return await to_aiohttp_response(await app.async_dispatch(bolt_request))

    return handle
