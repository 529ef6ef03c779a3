"""The core's ``Reply`` as Slack Block Kit, always within Slack's limits.

Slack rejects a whole message (``invalid_blocks``) for one text over its limit, and the
member then gets nothing; so every text is measured (in UTF-16 units, never fewer than
Slack counts) and split or cut here, before Slack sees it. The limits are the constants
below; docs/slack.md ("Slack's size limits") says what happens at each. Blocks are built
with slack_sdk's models, whose validators check the result again on ``to_dict()``.

Action ids are ``mentor|<core action id>|<n>``: unique per element, as Slack wants, though
the core may give two buttons one id; :func:`core_action_id` recovers the core's.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from adapters.common import splitting
from bot import markup
from bot.reply import Button, Choice, Form, FormField, Reply, Section

log = logging.getLogger(__name__)

# Slack's limits (https://docs.slack.dev/reference/block-kit/).
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
FIELD_TEXT = 2000
SECTION_FIELDS = 10
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTION_ID = 255
ACTIONS_ELEMENTS = 25
SELECT_OPTIONS = 100
OPTION_TEXT = 75
OPTION_VALUE = 150
PLACEHOLDER = 150
MODAL_TITLE = 24
MODAL_BUTTON = 24
INPUT_LABEL = 2000
INPUT_MAX_LENGTH = 3000
BLOCK_ID = 255
PRIVATE_METADATA = 3000
CALLBACK_ID = 255
#: Notification text of a message with blocks: shown in push notifications only.
FALLBACK_TEXT = 300

ACTION_PREFIX = "mentor|"
ACTION_PATTERN = re.compile(r"^mentor\|")
#: Home paging buttons, handled by the adapter itself (pure presentation).
HOME_PAGE_ACTION = "mentorhome|page"
CALLBACK_PREFIX = "mentor|"
#: The action id of every modal input; the block id carries the field name.
INPUT_ACTION = "value"
ELLIPSIS = splitting.ELLIPSIS

_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# Control characters Slack has no use for; \x00-\x02 are also our placeholders.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PLACEHOLDER = re.compile("\x01(\\d+)\x02")


def u16(text: str) -> int:
    """Length as Slack may count it: UTF-16 code units (>= code points)."""
    return splitting.utf16_len(text)


def cut(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` (with an ellipsis when something was dropped)."""
    return splitting.cut(text, limit, utf16=True)


def plain(text: str, limit: int, *, fallback: str = ELLIPSIS) -> str:
    """Markup reduced to plain text for a ``plain_text`` object; never empty, since
    Slack rejects empty labels."""
    out = " ".join(markup.to_plain(_CONTROL.sub("", text)).split())
    if not out:
        out = " ".join(_CONTROL.sub("", fallback).split()) or ELLIPSIS
    return cut(out, limit)


def mrkdwn(text: str) -> str:
    """The markup subset as Slack mrkdwn, with ``&``, ``<`` and ``>`` escaped.

    The subset's bold, italic, code and bullets are mrkdwn already; links keep Slack's
    ``<url|label>`` form. Escaping everything else means member-typed text such as
    ``<!channel>`` is shown, never acted on.
    """
    links: list[str] = []

    def link(url: str, label: str) -> str:
        links.append(f"<{url.translate(_ESCAPE)}|{label.translate(_ESCAPE)}>")
        return f"\x01{len(links) - 1}\x02"

    out = markup.convert(
        _CONTROL.sub("", text),
        bold=lambda s: f"*{s}*",
        italic=lambda s: f"_{s}_",
        code=lambda s: f"`{s}`",
        link=link,
        bullet="• ",
    ).translate(_ESCAPE)
    return _PLACEHOLDER.sub(lambda m: links[int(m.group(1))], out)


def _keep_whole(text: str, point: int) -> int:
    """A split point moved back so it is never inside an entity or a link."""
    amp = text.rfind("&", 0, point)
    if amp > 0 and ";" not in text[amp:point] and point - amp <= 6:
        point = amp
    lt = text.rfind("<", 0, point)
    if lt > 0 and ">" not in text[lt:point]:
        point = lt
    return point


def cut_mrkdwn(text: str, limit: int) -> str:
    """Like :func:`cut`, for mrkdwn: never ends inside an entity or a link."""
    if u16(text) <= limit:
        return text
    return split_text(text, limit - 1)[0] + ELLIPSIS


def split_text(text: str, limit: int) -> list[str]:
    """``text`` (mrkdwn) in pieces that each fit ``limit``; blank pieces dropped."""
    return splitting.split_text(text, limit, utf16=True, keep_whole=_keep_whole)


# -- action ids ---------------------------------------------------------------------------


def action_id_for(core_id: str, n: int) -> str:
    """``mentor|<core id>|<n>``: unique per element, routed by one listener."""
    suffix = f"|{n}"
    room = ACTION_ID - len(ACTION_PREFIX) - len(suffix)
    if len(core_id) > room:
        log.warning("action id %r is longer than Slack allows; cut", core_id[:40])
        core_id = core_id[:room]
    return f"{ACTION_PREFIX}{core_id}{suffix}"


def core_action_id(action_id: str) -> str | None:
    """The core's action id inside ``mentor|<id>|<n>``, or None for anything else."""
    if not action_id.startswith(ACTION_PREFIX):
        return None
    inner, sep, n = action_id[len(ACTION_PREFIX) :].rpartition("|")
    return inner if sep and n.isdigit() and inner else None


def _value(value: str, limit: int) -> str:
    if len(value) > limit:
        log.warning("a button or option value is longer than Slack allows; cut")
        return value[:limit]
    return value


# -- blocks -------------------------------------------------------------------------------


class _Counter:
    """Numbers the interactive elements of one message or view."""

    def __init__(self) -> None:
        self.n = 0

    def next(self, core_id: str) -> str:
        self.n += 1
        return action_id_for(core_id, self.n)


def _text_sections(text: str, *, title: str | None = None) -> list[Block]:
    body = mrkdwn(text) if text and text.strip() else ""
    if title and title.strip():
        heading = plain(title, HEADER_TEXT).translate(_ESCAPE)
        heading = heading if "*" in heading else f"*{heading}*"
        body = f"{heading}\n{body}" if body else heading
    return [SectionBlock(text=MarkdownTextObject(text=p)) for p in split_text(body, SECTION_TEXT)]


def _field_sections(section: Section) -> list[Block]:
    texts: list[str] = []
    for f in section.fields:
        shown = " ".join(markup.to_plain(_CONTROL.sub("", f.label)).split())
        label = cut(shown, 200).translate(_ESCAPE) if shown else ""
        value = mrkdwn(f.value).strip()
        label = label if not label or "*" in label else f"*{label}*"
        body = "\n".join(p for p in (label, value) if p) or ELLIPSIS
        texts.append(cut_mrkdwn(body, FIELD_TEXT))
    return [
        SectionBlock(fields=[MarkdownTextObject(text=t) for t in texts[i : i + SECTION_FIELDS]])
        for i in range(0, len(texts), SECTION_FIELDS)
    ]


def _button(button: Button, counter: _Counter) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=plain(button.label, BUTTON_TEXT), emoji=True),
        action_id=counter.next(button.action_id),
        value=_value(button.value, BUTTON_VALUE) or None,
        style=button.style,
    )


def _options(options: Iterable[Any], *, limit: int | None = None) -> list[Option]:
    """Slack options, one per distinct value (Slack refuses duplicates)."""
    seen: set[str] = set()
    out: list[Option] = []
    for option in options:
        value = _value(option.value, OPTION_VALUE) or "-"
        if value in seen:
            continue
        seen.add(value)
        out.append(Option(value=value, text=PlainTextObject(text=plain(option.label, OPTION_TEXT))))
        if limit is not None and len(out) == limit:
            break
    return out


def _selects(choice: Choice, counter: _Counter) -> list[StaticSelectElement]:
    options = _options(choice.options)
    groups = [options[i : i + SELECT_OPTIONS] for i in range(0, len(options), SELECT_OPTIONS)]
    selects = []
    for number, group in enumerate(groups, start=1):
        placeholder = choice.placeholder
        if len(groups) > 1:
            placeholder = f"{placeholder} ({number}/{len(groups)})"
        selects.append(
            StaticSelectElement(
                placeholder=PlainTextObject(text=plain(placeholder, PLACEHOLDER)),
                action_id=counter.next(choice.action_id),
                options=group,
            )
        )
    return selects


def _actions(elements: Sequence[Any]) -> list[Block]:
    return [
        ActionsBlock(elements=list(elements[i : i + ACTIONS_ELEMENTS]))
        for i in range(0, len(elements), ACTIONS_ELEMENTS)
    ]


def reply_blocks(reply: Reply, counter: _Counter | None = None) -> list[Block]:
    """Every block of a reply, in reading order, each within its own limits (the number
    of blocks is the caller's concern: it depends on where they go)."""
    counter = counter or _Counter()
    blocks: list[Block] = []
    if reply.title and reply.title.strip():
        blocks.append(HeaderBlock(text=PlainTextObject(text=plain(reply.title, HEADER_TEXT))))
    blocks += _text_sections(reply.text)
    for section in reply.sections:
        blocks += _text_sections(section.text, title=section.title)
        blocks += _field_sections(section)
    elements: list[Any] = [_button(b, counter) for b in reply.buttons]
    for choice in reply.choices:
        if choice.options:
            elements += _selects(choice, counter)
    blocks += _actions(elements)
    return blocks


def fallback_text(reply: Reply) -> str:
    """The notification text of a message (Slack shows it where blocks cannot be)."""
    for candidate in (reply.title, reply.text, *(s.title or s.text for s in reply.sections)):
        if candidate and candidate.strip():
            return cut(plain(candidate, 4 * FALLBACK_TEXT).translate(_ESCAPE), FALLBACK_TEXT)
    if reply.form is not None:
        return cut(plain(reply.form.title, FALLBACK_TEXT).translate(_ESCAPE), FALLBACK_TEXT)
    return ELLIPSIS


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """One ``chat.postMessage``'s worth: notification text and at most 50 blocks."""

    text: str
    blocks: list[dict[str, Any]]


def render_message(reply: Reply) -> list[SlackMessage]:
    """A reply as one or more messages (over 50 blocks it continues in the next)."""
    blocks = [b.to_dict() for b in reply_blocks(reply)]
    if not blocks:
        blocks = [SectionBlock(text=MarkdownTextObject(text=ELLIPSIS)).to_dict()]
    text = fallback_text(reply)
    return [
        SlackMessage(text=text, blocks=blocks[i : i + MESSAGE_BLOCKS])
        for i in range(0, len(blocks), MESSAGE_BLOCKS)
    ]


def render_messages(replies: Iterable[Reply]) -> list[SlackMessage]:
    return [message for reply in replies for message in render_message(reply)]


# -- modals -------------------------------------------------------------------------------


def _input(field: FormField) -> InputBlock:
    element: Any
    options = _options(field.options, limit=SELECT_OPTIONS) if field.kind == "select" else []
    placeholder = (
        PlainTextObject(text=plain(field.placeholder, PLACEHOLDER))
        if field.placeholder.strip()
        else None
    )
    if options:
        element = StaticSelectElement(
            action_id=INPUT_ACTION,
            options=options,
            initial_option=next((o for o in options if o.value == field.initial), None),
            placeholder=placeholder,
        )
    else:
        max_length = min(field.max_length, INPUT_MAX_LENGTH) if field.max_length > 0 else None
        initial = _CONTROL.sub("", field.initial)
        room = max_length or INPUT_MAX_LENGTH
        initial = initial[: splitting.prefix_within(initial, room, utf16=True)]
        element = PlainTextInputElement(
            action_id=INPUT_ACTION,
            multiline=field.kind == "textarea",
            max_length=max_length,
            initial_value=initial or None,
            placeholder=placeholder,
        )
    return InputBlock(
        block_id=field.name[:BLOCK_ID] or "-",
        label=PlainTextObject(text=plain(field.label, INPUT_LABEL, fallback=field.name or "-")),
        element=element,
        optional=not field.required,
    )


def modal_metadata(form_id: str, *, channel: str | None = None) -> str:
    """What a submission needs back: the full form id (it may carry state after ``#``)
    and where the form was opened."""
    data: dict[str, str] = {"form": form_id[: PRIVATE_METADATA - 100]}
    if channel:
        data["channel"] = channel[:64]
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def read_metadata(raw: str | None) -> dict[str, str]:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}


def render_modal(reply: Reply, *, channel: str | None = None) -> dict[str, Any]:
    """A reply that carries a form, as a ``views.open`` modal: the reply's text above,
    one input per field (a field name used twice keeps its first)."""
    form = reply.form
    assert form is not None
    seen: set[str] = set()
    inputs: list[Block] = []
    for field in form.fields:
        block_id = field.name[:BLOCK_ID] or "-"
        if block_id not in seen:
            seen.add(block_id)
            inputs.append(_input(field))
    inputs = inputs[:VIEW_BLOCKS]
    intro = reply_blocks(Reply(text=reply.text, sections=reply.sections), _Counter())[
        : VIEW_BLOCKS - len(inputs)
    ]
    view = View(
        type="modal",
        callback_id=(CALLBACK_PREFIX + form.form_id)[:CALLBACK_ID],
        title=PlainTextObject(text=plain(form.title, MODAL_TITLE, fallback="Mentorbot")),
        submit=PlainTextObject(text=plain(form.submit_label, MODAL_BUTTON, fallback="OK")),
        private_metadata=modal_metadata(form.form_id, channel=channel),
        blocks=[*intro, *inputs] or [SectionBlock(text=MarkdownTextObject(text=ELLIPSIS))],
    )
    return view.to_dict()


def submitted_values(state: Mapping[str, Any]) -> dict[str, str]:
    """``view.state.values`` as the core's ``{field name: text}``."""
    values: dict[str, str] = {}
    for block_id, actions in (state.get("values") or {}).items():
        element = (actions or {}).get(INPUT_ACTION) or {}
        if "selected_option" in element:
            selected = element.get("selected_option") or {}
            values[block_id] = str(selected.get("value") or "")
        else:
            values[block_id] = str(element.get("value") or "")
    return values


def form_errors(reply: Reply) -> dict[str, str]:
    """A rejected submission's per-field messages, as ``response_action=errors`` wants
    them (block id -> plain text)."""
    return {name[:BLOCK_ID]: plain(message, INPUT_LABEL) for name, message in reply.errors.items()}


# -- App Home -----------------------------------------------------------------------------


def render_home(reply: Reply, *, page: int = 0) -> dict[str, Any]:
    """The App Home view. Over 100 blocks it is paged: each page keeps the room for a
    row of previous / next buttons the adapter answers by publishing that page."""
    blocks = [b.to_dict() for b in reply_blocks(reply)] or [
        SectionBlock(text=MarkdownTextObject(text=ELLIPSIS)).to_dict()
    ]
    if len(blocks) > VIEW_BLOCKS:
        size = VIEW_BLOCKS - 2
        pages = [blocks[i : i + size] for i in range(0, len(blocks), size)]
        page = min(max(page, 0), len(pages) - 1)
        nav: list[ButtonElement] = []
        if page > 0:
            nav.append(_page_button("‹", page - 1))
        if page < len(pages) - 1:
            nav.append(_page_button("›", page + 1))
        footer = ContextBlock(
            elements=[MarkdownTextObject(text=f"{page + 1} / {len(pages)}")]
        ).to_dict()
        blocks = [*pages[page], footer, ActionsBlock(elements=nav).to_dict()]
    return View(type="home", blocks=blocks).to_dict()


def _page_button(label: str, page: int) -> ButtonElement:
    return ButtonElement(
        text=PlainTextObject(text=label), action_id=f"{HOME_PAGE_ACTION}|{page}", value=str(page)
    )


def reply_with_form(replies: Sequence[Reply]) -> Reply | None:
    return next((r for r in replies if r.form is not None), None)


def form_of(reply: Reply) -> Form:
    assert reply.form is not None
    return reply.form
