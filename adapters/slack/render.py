"""The core's ``Reply`` as Slack Block Kit, always within Slack's limits.

Slack rejects a whole message (``invalid_blocks``) for one text over its limit, and the
member then gets nothing; so every text is measured (in UTF-16 units, never fewer than
Slack counts) and split or cut here, before Slack sees it. The limits are the constants
below; docs/slack.md ("Slack's size limits") says what happens at each. What goes where
(text chunks, field parts, rows, numbered selects) is the shared layout's
(``adapters.common.layout``), given these limits and mrkdwn; this module maps it to
slack_sdk's models, whose validators check the result again on ``to_dict()``.

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

from adapters.common import layout, splitting
from bot import markup
from bot.reply import Form, FormField, Reply
from bot.reply import Option as CoreOption

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
#: A field's label is cut here: the value, in the same text, is what matters.
FIELD_LABEL = 200
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
# Control characters Slack has no use for; \x01 and \x02 are also the layout's placeholders.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _escape(text: str) -> str:
    return text.translate(_ESCAPE)


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
    return layout.kept_markup(
        _CONTROL.sub("", text),
        escape=_escape,
        bold=lambda s: f"*{_escape(s)}*",
        italic=lambda s: f"_{_escape(s)}_",
        code=lambda s: f"`{_escape(s)}`",
        link=lambda url, label: f"<{_escape(url)}|{_escape(label)}>",
        bullet="• ",
    )


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


def _heading(title: str) -> str:
    """A section's title as a bold line (a title with its own ``*`` keeps it as typed)."""
    if not title.strip():
        return ""
    heading = _escape(plain(title, HEADER_TEXT))
    return heading if "*" in heading else f"*{heading}*"


def _label(label: str) -> str:
    """A field's label as a bold line; "" for a blank one (no ellipsis stands in)."""
    shown = " ".join(markup.to_plain(_CONTROL.sub("", label)).split())
    label = _escape(cut(shown, FIELD_LABEL)) if shown else ""
    return label if not label or "*" in label else f"*{label}*"


def _option_value(value: str) -> str:
    return _value(value, OPTION_VALUE) or "-"


#: A field's label and value share one text; its value keeps room for the label.
LIMITS = layout.Limits(
    title=HEADER_TEXT,
    text=SECTION_TEXT,
    field=FIELD_TEXT - FIELD_LABEL - 3,
    fields=SECTION_FIELDS,
    row=ACTIONS_ELEMENTS,
    options=SELECT_OPTIONS,
    placeholder=PLACEHOLDER,
)
STYLE = layout.Style(markup=mrkdwn, heading=_heading, plain=plain, cut=cut, split=split_text)


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


def _field(part: layout.FieldPart) -> MarkdownTextObject:
    """Label and value in one text; the cut only guards a label that escaping grew."""
    label = _label(part.label) if part.part == 1 else ""
    body = "\n".join(p for p in (label, part.value) if p) or ELLIPSIS
    return MarkdownTextObject(text=cut_mrkdwn(body, FIELD_TEXT))


def _options(options: Iterable[tuple[str, CoreOption]]) -> list[Option]:
    return [
        Option(value=value, text=PlainTextObject(text=plain(option.label, OPTION_TEXT)))
        for value, option in options
    ]


def _element(item: layout.Item) -> ButtonElement | StaticSelectElement:
    if isinstance(item, layout.Select):
        return StaticSelectElement(
            placeholder=PlainTextObject(text=item.placeholder),
            action_id=action_id_for(item.action_id, item.number),
            options=_options(item.options),
        )
    button = item.button
    return ButtonElement(
        text=PlainTextObject(text=plain(button.label, BUTTON_TEXT), emoji=True),
        action_id=action_id_for(button.action_id, item.number),
        value=_value(button.value, BUTTON_VALUE) or None,
        style=button.style,
    )


def reply_blocks(reply: Reply) -> list[Block]:
    """Every block of a reply, in reading order, each within its own limits (the number
    of blocks is the caller's concern: it depends on where they go)."""
    laid = layout.lay_out(reply, LIMITS, STYLE, wire=_option_value)
    blocks: list[Block] = []
    if laid.title is not None:
        blocks.append(HeaderBlock(text=PlainTextObject(text=laid.title)))
    for block in laid.blocks:
        if isinstance(block, layout.Text):
            blocks.append(SectionBlock(text=MarkdownTextObject(text=block.text)))
        else:
            blocks.append(SectionBlock(fields=[_field(f) for f in block.fields]))
    blocks += [ActionsBlock(elements=[_element(i) for i in row]) for row in laid.rows]
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
    return [SlackMessage(text=text, blocks=list(b)) for b in layout.pages(blocks, MESSAGE_BLOCKS)]


def render_messages(replies: Iterable[Reply]) -> list[SlackMessage]:
    return [message for reply in replies for message in render_message(reply)]


# -- modals -------------------------------------------------------------------------------


def _input(field: FormField) -> InputBlock:
    element: Any
    options = (
        _options(layout.distinct(field.options, _option_value)[:SELECT_OPTIONS])
        if field.kind == "select"
        else []
    )
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
    intro = reply_blocks(Reply(text=reply.text, sections=reply.sections))[
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
        pages = layout.pages(blocks, size)
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
