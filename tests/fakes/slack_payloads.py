"""Slack wire-format payloads and request signing, shared by Socket Mode and HTTP-mode tests.

Why a module of its own: in production the very same payload reaches the app two ways —
inside a Socket Mode envelope (JSON over a websocket) or as a signed HTTP POST
(form-encoded for slash commands, ``payload=<json>`` for interactivity, raw JSON for
events). Building each payload once, here, keeps both test paths honest about the shape
Slack really sends. Field sets follow Slack's documented examples and what bolt-python
reads from them (``team``/``user``/``channel`` ids, ``response_url``, ``trigger_id``,
``authorizations`` for self-event filtering).

Everything here is pure: no I/O and no FakeSlack state, so the functions are usable on
their own (e.g. to sign a request for a bolt app without running the fake).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import string
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

DEFAULT_TEAM_ID = "T0FAKETEAM"
DEFAULT_TEAM_DOMAIN = "fake-workspace"
DEFAULT_APP_ID = "A0FAKEAPP"
DEFAULT_BOT_USER_ID = "U0FAKEBOT"
DEFAULT_BOT_ID = "B0FAKEBOT"
DEFAULT_USER_ID = "U0FAKEUSER"
# Deprecated "verification token" Slack still puts in every payload; bolt ignores it.
VERIFICATION_TOKEN = "fake-verification-token"
# Payload `type`s that travel as interactivity (`payload=` form field in HTTP mode).
INTERACTIVE_TYPES = frozenset(
    {"block_actions", "block_suggestion", "view_submission", "view_closed", "shortcut"}
    | {"message_action", "interactive_message"}
)
_ALNUM = string.ascii_uppercase + string.digits


def new_id(prefix: str, length: int = 10) -> str:
    """A Slack-looking object id (``V0A1B2...``); random so tests can't depend on values."""
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(length))


def new_trigger_id() -> str:
    """Same shape as Slack's ``<ms>.<digits>.<hex>`` trigger ids."""
    return f"{int(time.time() * 1000)}.{secrets.randbelow(10**10)}.{secrets.token_hex(16)}"


def new_envelope_id() -> str:
    return str(uuid.uuid4())


def new_ts() -> str:
    """A message timestamp in Slack's ``seconds.micro`` string form."""
    return f"{time.time():.6f}"


def dm_channel_id(user_id: str) -> str:
    """The fake's stable DM (``im``) id for a user; real ids are opaque ``D...`` strings."""
    return "D" + user_id


def slash_command_payload(
    command: str,
    text: str = "",
    *,
    user_id: str = DEFAULT_USER_ID,
    user_name: str | None = None,
    team_id: str = DEFAULT_TEAM_ID,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
    channel_id: str | None = None,
    channel_name: str | None = None,
    api_app_id: str = DEFAULT_APP_ID,
    response_url: str = "https://hooks.slack.com/commands/T0FAKETEAM/1/fake",
    trigger_id: str | None = None,
) -> dict[str, str]:
    """A slash command invocation. Every value is a string, as Slack form-encodes it (and
    Socket Mode keeps them as strings inside the JSON envelope). Defaults to the user's DM."""
    channel_id = channel_id or dm_channel_id(user_id)
    if channel_name is None:
        channel_name = "directmessage" if channel_id.startswith("D") else "general"
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }


def _user(user_id: str, team_id: str) -> dict[str, str]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id}


def _action(action_id: str, value: str | None, block_id: str, action_type: str) -> dict[str, Any]:
    action: dict[str, Any] = {
        "type": action_type,
        "action_id": action_id,
        "block_id": block_id,
        "action_ts": new_ts(),
    }
    if action_type == "button":
        action["text"] = {"type": "plain_text", "text": value or action_id, "emoji": True}
        if value is not None:
            action["value"] = value
    elif action_type in {"static_select", "radio_buttons"}:
        option = {"text": {"type": "plain_text", "text": value or ""}, "value": value or ""}
        action["selected_option"] = option
    elif value is not None:
        action["value"] = value
    return action


def block_action_payload(
    action_id: str,
    value: str | None = None,
    *,
    block_id: str = "actions",
    action_type: str = "button",
    action: Mapping[str, Any] | None = None,
    user_id: str = DEFAULT_USER_ID,
    team_id: str = DEFAULT_TEAM_ID,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
    api_app_id: str = DEFAULT_APP_ID,
    channel_id: str | None = None,
    message: Mapping[str, Any] | None = None,
    view: Mapping[str, Any] | None = None,
    response_url: str | None = None,
    trigger_id: str | None = None,
) -> dict[str, Any]:
    """A ``block_actions`` payload for one clicked element.

    With ``view`` the click happened in a modal or App Home: the container is the view and
    there is no channel or ``response_url`` (as on Slack). Otherwise it is a message click
    in ``channel_id`` (default: the user's DM). ``action`` replaces the generated element.
    """
    element = (
        dict(action) if action is not None else _action(action_id, value, block_id, action_type)
    )
    element.setdefault("action_id", action_id)
    element.setdefault("block_id", block_id)
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "team": {"id": team_id, "domain": team_domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "actions": [element],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id")}
        payload["view"] = dict(view)
        payload["state"] = view.get("state", {"values": {}})
        return payload
    channel_id = channel_id or dm_channel_id(user_id)
    msg = dict(message) if message is not None else {"type": "message", "ts": new_ts(), "text": ""}
    payload["container"] = {
        "type": "message",
        "message_ts": msg["ts"],
        "channel_id": channel_id,
        "is_ephemeral": False,
    }
    name = "directmessage" if channel_id.startswith("D") else "general"
    payload["channel"] = {"id": channel_id, "name": name}
    payload["message"] = msg
    payload["response_url"] = response_url or "https://hooks.slack.com/actions/T0FAKETEAM/1/fake"
    return payload


def state_values(values: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Expand ``{"block": {"action": "text"}}`` into Slack's view ``state.values`` shape.

    Leaves that are already dicts (e.g. ``{"type": "static_select", "selected_option": ...}``)
    are kept as they are; plain strings become ``plain_text_input`` values.
    """
    out: dict[str, dict[str, Any]] = {}
    for block_id, actions in values.items():
        out[block_id] = {
            action_id: (
                dict(leaf)
                if isinstance(leaf, Mapping)
                else {"type": "plain_text_input", "value": leaf}
            )
            for action_id, leaf in actions.items()
        }
    return out


def view_object(
    view_id: str, spec: Mapping[str, Any], *, team_id: str, app_id: str, bot_id: str
) -> dict[str, Any]:
    """A full view as Slack returns it from views.* and sends in payloads: the app's
    ``spec`` (type, title, blocks, callback_id...) plus the fields Slack adds."""
    view: dict[str, Any] = {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "blocks": [],
        "private_metadata": "",
        "callback_id": "",
        "state": {"values": {}},
        "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
        "title": {"type": "plain_text", "text": "Modal"},
        "clear_on_close": False,
        "notify_on_close": False,
        "close": None,
        "submit": None,
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": app_id,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": bot_id,
    }
    view.update(spec)
    view["id"] = view_id  # the server owns ids, whatever the spec says
    return view


def view_submission_payload(
    callback_id: str = "",
    values: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    view: Mapping[str, Any] | None = None,
    private_metadata: str | None = None,
    user_id: str = DEFAULT_USER_ID,
    team_id: str = DEFAULT_TEAM_ID,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
    api_app_id: str = DEFAULT_APP_ID,
    bot_id: str = DEFAULT_BOT_ID,
    trigger_id: str | None = None,
    response_urls: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """A modal ``view_submission``. ``view`` (e.g. the one the app opened) is the base;
    ``callback_id``, ``private_metadata`` and ``values`` (see :func:`state_values`) override."""
    base = dict(view) if view is not None else {}
    full_view = view_object(
        base.pop("id", None) or new_id("V"), base, team_id=team_id, app_id=api_app_id, bot_id=bot_id
    )
    if callback_id:
        full_view["callback_id"] = callback_id
    if private_metadata is not None:
        full_view["private_metadata"] = private_metadata
    full_view["state"] = {"values": state_values(values or {})}
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": team_domain},
        "user": _user(user_id, team_id),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "view": full_view,
        "response_urls": [dict(u) for u in response_urls],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def event_callback_payload(
    event: Mapping[str, Any],
    *,
    team_id: str = DEFAULT_TEAM_ID,
    api_app_id: str = DEFAULT_APP_ID,
    bot_user_id: str = DEFAULT_BOT_USER_ID,
    event_id: str | None = None,
    event_time: int | None = None,
) -> dict[str, Any]:
    """An Events API ``event_callback`` wrapper. ``authorizations`` names the bot user —
    bolt uses it to drop the app's own messages, so it must be the fake's bot user."""
    inner = dict(event)
    inner.setdefault("event_ts", new_ts())
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": inner,
        "type": "event_callback",
        "event_id": event_id or new_id("Ev"),
        "event_time": event_time if event_time is not None else int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-" + secrets.token_urlsafe(24),
    }


def message_im_event(
    user_id: str, text: str, *, channel_id: str | None = None, team_id: str = DEFAULT_TEAM_ID
) -> dict[str, Any]:
    """A user's DM to the bot (``message.im`` subscription)."""
    ts = new_ts()
    return {
        "type": "message",
        "channel": channel_id or dm_channel_id(user_id),
        "user": user_id,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "team": team_id,
        "channel_type": "im",
        "client_msg_id": str(uuid.uuid4()),
    }


def app_mention_event(
    user_id: str,
    text: str,
    *,
    channel_id: str = "C0TEAMCHAN",
    thread_ts: str | None = None,
    team_id: str = DEFAULT_TEAM_ID,
    bot_user_id: str = DEFAULT_BOT_USER_ID,
) -> dict[str, Any]:
    """A user mentions the bot in a channel (``app_mention``); ``text`` follows the
    mention, as Slack writes it: ``<@UBOT> text``. ``thread_ts`` when said in a thread."""
    ts = new_ts()
    event = {
        "type": "app_mention",
        "channel": channel_id,
        "user": user_id,
        "text": f"<@{bot_user_id}> {text}",
        "ts": ts,
        "event_ts": ts,
        "team": team_id,
        "client_msg_id": str(uuid.uuid4()),
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def app_home_opened_event(
    user_id: str, *, tab: str = "home", channel_id: str | None = None
) -> dict[str, Any]:
    return {
        "type": "app_home_opened",
        "user": user_id,
        "channel": channel_id or dm_channel_id(user_id),
        "tab": tab,
        "event_ts": new_ts(),
    }


def app_uninstalled_event() -> dict[str, Any]:
    return {"type": "app_uninstalled", "event_ts": new_ts()}


def tokens_revoked_event(*, bot: Sequence[str] = (), oauth: Sequence[str] = ()) -> dict[str, Any]:
    """``tokens_revoked`` lists the *user ids* whose bot/user tokens were revoked."""
    return {
        "type": "tokens_revoked",
        "tokens": {"oauth": list(oauth), "bot": list(bot)},
        "event_ts": new_ts(),
    }


def url_verification_payload(challenge: str = "fake-challenge") -> dict[str, str]:
    """Sent once by Slack when an Events Request URL is saved (HTTP mode only)."""
    return {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}


def socket_mode_envelope(
    envelope_type: str,
    payload: Mapping[str, Any],
    *,
    envelope_id: str | None = None,
    accepts_response_payload: bool | None = None,
    retry_attempt: int = 0,
    retry_reason: str = "",
) -> dict[str, Any]:
    """Wrap a payload the way Slack's Socket Mode server does.

    ``envelope_type`` is ``slash_commands``, ``interactive`` or ``events_api``. Slack lets
    the app put a response in the ack only where HTTP mode could answer in the body:
    slash commands, view submissions and option loads — not block actions or events.
    """
    if accepts_response_payload is None:
        accepts_response_payload = envelope_type == "slash_commands" or (
            envelope_type == "interactive"
            and payload.get("type") in {"view_submission", "block_suggestion"}
        )
    envelope: dict[str, Any] = {
        "envelope_id": envelope_id or new_envelope_id(),
        "payload": dict(payload),
        "type": envelope_type,
        "accepts_response_payload": accepts_response_payload,
    }
    if envelope_type == "events_api":
        envelope["retry_attempt"] = retry_attempt
        envelope["retry_reason"] = retry_reason
    return envelope


def encode_for_http(payload: Mapping[str, Any]) -> tuple[bytes, str]:
    """Body bytes and Content-Type exactly as Slack POSTs this payload to a Request URL."""
    form = "application/x-www-form-urlencoded"
    if "command" in payload:
        return urlencode({k: str(v) for k, v in payload.items()}).encode(), form
    if payload.get("type") in INTERACTIVE_TYPES:
        return urlencode({"payload": json.dumps(payload)}).encode(), form
    return json.dumps(payload).encode(), "application/json"


def sign_request(body: bytes, signing_secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 request signature: HMAC-SHA256 of ``v0:<timestamp>:<raw body>``.

    The signature covers the raw bytes, so sign exactly what will be sent. Bolt rejects
    requests whose timestamp is more than five minutes away from its clock.
    """
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + ts.encode() + b":" + body
    digest = hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}
