"""HTTP mode's front door: what a POST to ``/slack/events`` must be before bolt sees it.

Bolt reads the timestamp with ``int()`` before checking the signature (``abc`` is a
500), and trusts the body's shape once the signature holds (``payload=[]``, a ``view``
that is a string or ``actions: [null]`` each end in an exception and a 500). So: 401 to
a request whose timestamp or signature does not hold, 400 to a body that cannot be
parsed or is not the shape Slack sends (``SHAPES``: at every key bolt or the adapter
reads), and only then bolt, with the same bytes, parsed by the very function used here.
Socket Mode needs none of this: its payloads come over a websocket the app opened.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping
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

from adapters.common.shapes import ListOf, MapOf, Obj, matches

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


OPT_STR = (str, None)
ID_OBJ = Obj({"id": str, "team_id": OPT_STR, "enterprise_id": OPT_STR, "name": OPT_STR})
#: ``team``, ``user``, ``channel``, ``enterprise``: an id, or an object carrying one.
REF = (None, str, ID_OBJ)
OPTION = Obj({"value": OPT_STR})
INPUT = Obj({"type": OPT_STR, "value": OPT_STR, "selected_option": (None, OPTION)})
ACTION = Obj(
    {
        "action_id": str,
        "block_id": OPT_STR,
        "type": OPT_STR,
        "value": OPT_STR,
        "selected_option": (None, OPTION),
    },
    required=("action_id",),
)
VIEW = Obj(
    {
        "id": OPT_STR,
        "type": OPT_STR,
        "callback_id": str,
        "private_metadata": OPT_STR,
        "team_id": OPT_STR,
        "app_installed_team_id": OPT_STR,
        "hash": OPT_STR,
        "state": Obj({"values": MapOf(MapOf(INPUT))}),
    },
    required=("callback_id",),
)
#: Where bolt looks for ids inside an event: the same keys, one level down.
INNER = Obj(
    {
        "type": OPT_STR,
        "subtype": OPT_STR,
        "user": REF,
        "channel": REF,
        "user_id": OPT_STR,
        "channel_id": OPT_STR,
        "thread_ts": OPT_STR,
        "bot_id": OPT_STR,
        "text": OPT_STR,
    }
)
EVENT = Obj(
    {
        **INNER.keys,
        "type": str,
        "team": REF,
        "team_id": OPT_STR,
        "user_team": OPT_STR,
        "enterprise": REF,
        "enterprise_id": OPT_STR,
        "channel_type": OPT_STR,
        "tab": OPT_STR,
        "message": INNER,
        "previous_message": INNER,
        "item": INNER,
        "assistant_thread": INNER,
        "tokens": Obj({"bot": ListOf(str), "oauth": ListOf(str)}),
        "function_execution_id": OPT_STR,
        "bot_access_token": OPT_STR,
        "workflow_step": dict,
    },
    required=("type",),
)
AUTHORIZATION = Obj(
    {
        "enterprise_id": OPT_STR,
        "team_id": OPT_STR,
        "user_id": OPT_STR,
        "is_enterprise_install": (bool, str, None),
        "is_bot": (bool, None),
    }
)
#: Every key of a request body that bolt (``slack_bolt.request.internals``,
#: ``payload_utils``) or ``SlackAdapter`` reads, with the shape it expects.
SHAPES: dict[str, Any] = {
    "type": str,
    "token": OPT_STR,
    "api_app_id": OPT_STR,
    "team": REF,
    "user": REF,
    "channel": REF,
    "enterprise": REF,
    "team_id": OPT_STR,
    "user_id": OPT_STR,
    "channel_id": OPT_STR,
    "enterprise_id": OPT_STR,
    "is_enterprise_install": (bool, str, None),
    "is_ext_shared_channel": (bool, None),
    "authorizations": ListOf(AUTHORIZATION),
    "event": EVENT,
    "event_id": OPT_STR,
    "view": VIEW,
    "actions": ListOf(ACTION, min_len=1),
    "container": Obj({"type": OPT_STR}),
    "message": INNER,
    "previous_message": INNER,
    "command": str,
    "text": OPT_STR,
    "response_url": OPT_STR,
    "response_urls": ListOf(Obj({"response_url": OPT_STR})),
    "trigger_id": OPT_STR,
    "callback_id": OPT_STR,
    "action_id": OPT_STR,
    "challenge": str,
    "thread_ts": OPT_STR,
    "function_execution_id": OPT_STR,
    "function_data": Obj({"execution_id": OPT_STR}),
    "bot_access_token": OPT_STR,
    "workflow_step": dict,
}
TOP = Obj(SHAPES)
INTERACTIVE = Obj(
    {**SHAPES, "team": (None, ID_OBJ), "user": ID_OBJ, "channel": (None, ID_OBJ)},
    required=("user",),
)
#: What each type of request must carry for its listener to have something to answer.
REQUIRED = {
    "url_verification": ("challenge",),
    "event_callback": ("event",),
    "block_actions": ("actions",),
    "view_submission": ("view",),
    "view_closed": ("view",),
}


def shape_problem(body: Any) -> str | None:
    """Why a parsed body is not something Slack sends, or None when it could be."""
    if not isinstance(body, dict) or not body:
        return "not a JSON object"
    kind = body.get("type")
    if not isinstance(kind, str | None):
        return "a type that is not a string"
    spec = INTERACTIVE if kind in INTERACTIVE_TYPES else TOP
    if not matches(body, spec):
        return f"unexpected shape for {kind or 'a request'}"
    missing = [key for key in REQUIRED.get(str(kind), ()) if key not in body]
    if missing:
        return f"{kind} without {', '.join(missing)}"
    if "command" in body and not matches(body, Obj({}, required=("team_id", "user_id"))):
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
