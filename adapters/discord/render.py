"""The core's ``Reply`` as Discord messages: markdown, embeds, buttons, selects, modals.

Everything here is pure (no I/O), so it is property-tested against Discord's limits:
whatever the core says is split over as many messages, embeds and fields as it takes,
never rejected. The limits (characters counted as Python ``str`` length):

========================  =====  =========================================
message content           2000   split at paragraphs, then lines, then words
embeds per message          10   more go in the next message
embed title                256   cut with "…" (titles are labels, not prose)
embed description         4096   continued in another embed
fields per embed            25   continued in another embed
field name / value    256 / 1024 value continued in unnamed fields
one message's embeds      6000   title + description + fields, all embeds
action rows per message      5   more components go in a message of their own
buttons per row              5   a select takes a whole row
button label                80   cut with "…"
select options              25   a longer choice becomes several selects
option label / value  100 / 100  long values are stored (``components``)
custom id                  100   see ``components``
modal title / inputs   45 / 5   longer forms are paged (``form_pages``)
========================  =====  =========================================

What goes where (text chunks, field parts, rows, numbered selects) is the shared layout's
(``adapters.common.layout``), given these limits and Discord markdown; this module maps it
to discord.py objects. Plain replies (no title, no sections) are message content;
anything with structure goes in embeds. Buttons and selects are ``MentorComponent``
dynamic items, so no view object is kept per message and a click works after a restart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import discord

from adapters.common import layout, splitting
from adapters.common.splitting import cut
from adapters.discord import components
from adapters.discord.components import Stash
from bot.markup import to_plain
from bot.reply import Form, FormField, Option, Reply

CONTENT_LIMIT = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELDS_PER_EMBED = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
EMBEDS_TOTAL_LIMIT = 6000
ROWS_PER_MESSAGE = 5
BUTTONS_PER_ROW = 5
BUTTON_LABEL_LIMIT = 80
OPTIONS_PER_SELECT = 25
OPTION_LABEL_LIMIT = 100
PLACEHOLDER_LIMIT = 150
FILES_PER_MESSAGE = 10
MODAL_TITLE_LIMIT = 45
MODAL_INPUTS = 5
LABEL_TEXT_LIMIT = 45
LABEL_DESCRIPTION_LIMIT = 100
INPUT_VALUE_LIMIT = 4000
INPUT_PLACEHOLDER_LIMIT = 100
#: Fields this short sit side by side.
INLINE_FIELD_CHARS = 60
EMBED_COLOUR = 0x2E86AB
BLANK = "\u200b"
EXPORT_FILENAME = "mentorbot-export.json"

# -- text -----------------------------------------------------------------------------------


def markdown(text: str) -> str:
    """The core's markup subset as Discord markdown; anything else that Discord would
    read as markdown (``__init__``, ``~~``, ``||``, ``# `` at a line start) is escaped,
    so a member's note shows as typed."""
    escape = discord.utils.escape_markdown
    return layout.kept_markup(
        text,
        escape=escape,
        bold=lambda s: f"**{escape(s)}**",
        italic=lambda s: f"*{escape(s)}*",
        code=lambda s: f"`{s}`",
        link=_link,
        bullet="- ",
    )


def _link(url: str, label: str) -> str:
    safe_label = discord.utils.escape_markdown(label).replace("]", "\\]")
    return f"[{safe_label}]({url.replace(')', '%29')})"


def plain(text: str, limit: int) -> str:
    """Text for places without markdown (titles, labels), cut to ``limit``."""
    return cut(to_plain(text).strip(), limit)


def _keep_whole(text: str, point: int) -> int:
    """A split point moved back so no escape is left without what it escapes."""
    while point > 1 and text[point - 1] == "\\":
        point -= 1
    return point


def split_text(text: str, limit: int) -> list[str]:
    """Chunks of at most ``limit`` characters, broken at a paragraph, a line or a space
    when one is in the second half of the chunk, else hard. Empty text gives no chunks."""
    return splitting.split_text(text, limit, keep_whole=_keep_whole)


def _heading(title: str) -> str:
    title = title.strip()
    return f"**{markdown(title)}**" if title else ""


STYLE = layout.Style(markup=markdown, heading=_heading, plain=plain, cut=cut, split=split_text)
#: Replies with a title or sections go in embeds; the rest is message content.
EMBED = layout.Limits(
    title=EMBED_TITLE_LIMIT,
    text=DESCRIPTION_LIMIT,
    field=FIELD_VALUE_LIMIT,
    fields=FIELDS_PER_EMBED,
    row=BUTTONS_PER_ROW,
    options=OPTIONS_PER_SELECT,
    placeholder=PLACEHOLDER_LIMIT,
    select_alone=True,
)
CONTENT = replace(EMBED, text=CONTENT_LIMIT)


# -- embeds ---------------------------------------------------------------------------------


@dataclass
class _Draft:
    title: str | None = None
    description: str = ""
    fields: list[tuple[str, str, bool]] = field(default_factory=list)

    @property
    def size(self) -> int:
        return (
            len(self.title or "")
            + len(self.description)
            + sum(len(n) + len(v) for n, v, _ in self.fields)
        )

    @property
    def empty(self) -> bool:
        return not (self.title or self.description or self.fields)

    def embed(self) -> discord.Embed:
        embed = discord.Embed(
            title=self.title, description=self.description or None, colour=EMBED_COLOUR
        )
        for name, value, inline in self.fields:
            embed.add_field(name=name, value=value, inline=inline)
        return embed


def _embeds(laid: layout.Layout) -> list[list[discord.Embed]]:
    """The layout's blocks as embeds, grouped into messages.

    Embeds fill in reading order; text after fields starts a new embed, because an embed
    shows its description above its fields. A message takes at most 10 embeds and 6000
    characters."""
    drafts = [_Draft(title=laid.title)]
    for block in laid.blocks:
        if isinstance(block, layout.Text):
            draft = drafts[-1]
            sep = "\n\n" if draft.description else ""
            grown = len(sep) + len(block.text)
            if (
                draft.fields
                or len(draft.description) + grown > DESCRIPTION_LIMIT
                or draft.size + grown > EMBEDS_TOTAL_LIMIT
            ):
                drafts.append(draft := _Draft())
                sep = ""
            draft.description += sep + block.text
            continue
        for part in block.fields:
            name = (plain(part.label, FIELD_NAME_LIMIT) or BLANK) if part.part == 1 else BLANK
            value = part.value or "–"
            inline = part.parts == 1 and len(name) + len(value) <= INLINE_FIELD_CHARS
            draft = drafts[-1]
            if (
                len(draft.fields) >= FIELDS_PER_EMBED
                or draft.size + len(name) + len(value) > EMBEDS_TOTAL_LIMIT
            ):
                drafts.append(draft := _Draft())
            draft.fields.append((name, value, inline))
    groups: list[list[_Draft]] = []
    for draft in (d for d in drafts if not d.empty):
        last = groups[-1] if groups else []
        if (
            not last
            or len(last) >= EMBEDS_PER_MESSAGE
            or (sum(d.size for d in last) + draft.size > EMBEDS_TOTAL_LIMIT)
        ):
            groups.append(last := [])
        last.append(draft)
    return [[d.embed() for d in group] for group in groups]


# -- components -----------------------------------------------------------------------------


class MentorComponent(
    discord.ui.DynamicItem[discord.ui.Item[Any]], template=components.COMPONENT_TEMPLATE
):
    """Every Mentorbot button and select, whatever message it is on.

    Registered once with ``Client.add_dynamic_items``: discord.py matches the custom id
    of any click against the template and calls back here, so clicks need no view kept
    in memory and work after a restart. The click goes to the adapter hung on the client
    (``client.mentorbot``).
    """

    def __init__(self, item: discord.ui.Item[Any]) -> None:
        super().__init__(item)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> MentorComponent:
        return cls(item)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        adapter = getattr(interaction.client, "mentorbot", None)
        if adapter is not None:
            await adapter.on_component(interaction, self.custom_id)


_STYLES = {"primary": discord.ButtonStyle.primary, "danger": discord.ButtonStyle.danger}


def _component(
    item: layout.Item, *, used: set[str], workspace: str | None, stash: Stash
) -> discord.ui.Item[Any]:
    """A button or select; its custom id differs from every other one in ``used``."""
    action_id, value = (
        (item.action_id, "")
        if isinstance(item, layout.Select)
        else (item.button.action_id, item.button.value)
    )
    n = 0
    while (
        custom_id := components.component_id(
            action_id, value, workspace=workspace, n=n, stash=stash
        )
    ) in used:
        n += 1
    used.add(custom_id)
    if isinstance(item, layout.Select):
        return discord.ui.Select(
            custom_id=custom_id,
            placeholder=item.placeholder or None,
            options=[
                discord.SelectOption(label=plain(o.label, OPTION_LABEL_LIMIT) or "•", value=v)
                for v, o in item.options
            ],
        )
    return discord.ui.Button(
        label=plain(item.button.label, BUTTON_LABEL_LIMIT) or "•",
        custom_id=custom_id,
        style=_STYLES.get(item.button.style or "", discord.ButtonStyle.secondary),
    )


def _distinct(options: Iterable[Option], stash: Stash) -> list[tuple[str, str, Option]]:
    """(label, wire value, option), one per wire value (see ``layout.distinct``)."""
    wire = partial(components.option_value, stash=stash)
    return [
        (plain(option.label, OPTION_LABEL_LIMIT) or "•", value, option)
        for value, option in layout.distinct(options, wire)
    ]


class StaticView(discord.ui.View):
    """Components as plain data: discord.py keeps no state for this view.

    A view that reports itself finished is not stored when sent. That matters twice:
    nothing grows per message sent, and discord.py cannot unregister ``MentorComponent``
    (it drops the dynamic-item templates of a view it stops, such as an ephemeral view
    timing out after 15 minutes, which would silence every Mentorbot button).
    """

    def is_finished(self) -> bool:
        return True


class StaticModal(discord.ui.Modal):
    """A modal discord.py does not keep: its submission is routed by custom id
    (``DiscordAdapter.on_interaction``), so it works after a restart too."""

    def is_finished(self) -> bool:
        return True


def _views(
    rows: Sequence[Sequence[layout.Item]], *, workspace: str | None, stash: Stash
) -> list[discord.ui.View]:
    """The rows, five to a message."""
    used: set[str] = set()
    views: list[discord.ui.View] = []
    for group in layout.pages(rows, ROWS_PER_MESSAGE):
        view = StaticView(timeout=None)
        for row_index, row in enumerate(group):
            for item in row:
                component = _component(item, used=used, workspace=workspace, stash=stash)
                component.row = row_index
                view.add_item(MentorComponent(component))
        views.append(view)
    return views


# -- messages -------------------------------------------------------------------------------


@dataclass
class Outgoing:
    """One Discord message to send."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    files: tuple[str, ...] = ()
    document: str | None = None
    document_name: str = EXPORT_FILENAME
    ephemeral: bool = False


@dataclass
class Rendered:
    messages: list[Outgoing] = field(default_factory=list)
    #: Long custom-id payloads to store before sending (token -> value).
    stash: dict[str, str] = field(default_factory=dict)


def render(
    replies: Iterable[Reply], *, workspace: str | None = None, private_ok: bool = True
) -> Rendered:
    """Messages for the replies, in order. ``workspace`` goes into custom ids (for DMs);
    ``private_ok`` is False where ephemeral messages do not exist (DMs sent unprompted,
    channel posts). A reply's ``form`` is not rendered here: see ``form_pages``."""
    out = Rendered()
    for reply in replies:
        messages = _render_one(reply, workspace=workspace, stash=out.stash)
        for message in messages:
            message.ephemeral = private_ok and reply.private
        out.messages += messages
    return out


def _render_one(reply: Reply, *, workspace: str | None, stash: Stash) -> list[Outgoing]:
    if reply.errors and not reply.text.strip():
        reply = replace(reply, text="\n".join(f"- {m}" for m in reply.errors.values()))
    structured = bool(reply.title or reply.sections)
    wire = partial(components.option_value, stash=stash)
    laid = layout.lay_out(reply, EMBED if structured else CONTENT, STYLE, wire=wire)
    if structured:
        messages = [Outgoing(embeds=group) for group in _embeds(laid)]
    else:
        messages = [Outgoing(content=b.text) for b in laid.blocks if isinstance(b, layout.Text)]
    views = _views(laid.rows, workspace=workspace, stash=stash)
    if views:
        if not messages:
            messages.append(Outgoing())
        messages[-1].view = views[0]
        messages += [Outgoing(view=view) for view in views[1:]]
    files = tuple(reply.files)
    if files or reply.document:
        if not messages:
            messages.append(Outgoing())
        first, *more = layout.pages(files, FILES_PER_MESSAGE) or [()]
        messages[0].files = tuple(first)
        messages[0].document = reply.document
        messages[0].document_name = reply.document_name
        messages += [Outgoing(files=tuple(group)) for group in more]
    return messages


# -- forms ----------------------------------------------------------------------------------


def form_pages(form: Form) -> list[tuple[FormField, ...]]:
    """A modal holds five inputs; a longer form is asked in pages of five."""
    fields = form.fields or ()
    return [tuple(page) for page in layout.pages(fields, MODAL_INPUTS)] or [()]


def build_modal(
    form: Form,
    fields: Sequence[FormField],
    *,
    custom_id: str,
    page: int = 1,
    pages: int = 1,
    intro: str = "",
    stash: Stash,
) -> discord.ui.Modal:
    """One page of a form as a modal. Inputs are keyed by field name; a select with more
    than 25 options becomes a text input (the core validates what is typed). ``intro``
    (the reply's text, a hint) heads the modal when there is room for it."""
    title = plain(form.title, MODAL_TITLE_LIMIT) or "Mentorbot"
    title = layout.numbered(title, page, pages, MODAL_TITLE_LIMIT, cut)
    modal = StaticModal(title=title, custom_id=custom_id, timeout=None)
    if intro.strip() and len(fields) < MODAL_INPUTS:
        modal.add_item(discord.ui.TextDisplay(cut(markdown(intro), INPUT_VALUE_LIMIT)))
    for f in fields:
        label = plain(f.label, LABEL_TEXT_LIMIT) or f.name[:LABEL_TEXT_LIMIT] or "•"
        full = to_plain(f.label).strip()
        description = cut(full, LABEL_DESCRIPTION_LIMIT) if len(full) > LABEL_TEXT_LIMIT else None
        input_id = components.option_value(f.name, stash=stash)
        item: discord.ui.Item[Any]
        if f.kind == "select" and 0 < len(f.options) <= OPTIONS_PER_SELECT:
            options = [
                discord.SelectOption(label=text, value=value, default=option.value == f.initial)
                for text, value, option in _distinct(f.options, stash)
            ]
            item = discord.ui.Select(
                custom_id=input_id,
                options=options,
                required=f.required,
                placeholder=cut(to_plain(f.placeholder), PLACEHOLDER_LIMIT) or None,
            )
        else:
            max_length = max(1, min(f.max_length, INPUT_VALUE_LIMIT))
            item = discord.ui.TextInput(
                custom_id=input_id,
                style=(
                    discord.TextStyle.paragraph if f.kind == "textarea" else discord.TextStyle.short
                ),
                required=f.required,
                max_length=max_length,
                default=f.initial[:max_length] or None,
                placeholder=cut(to_plain(f.placeholder), INPUT_PLACEHOLDER_LIMIT) or None,
            )
        modal.add_item(discord.ui.Label(text=label, description=description, component=item))
    return modal


def submitted_values(data: Any) -> dict[str, str]:
    """``{input custom id: value}`` from a MODAL_SUBMIT's components, in either layout
    Discord uses (inputs in action rows, or inside labels; selects give a list)."""
    values: dict[str, str] = {}

    def walk(nodes: Any) -> None:
        for node in nodes or ():
            if not isinstance(node, dict):
                continue
            if "custom_id" in node and ("value" in node or "values" in node):
                picked = node.get("values")
                value = picked[0] if picked else node.get("value", "")
                values[str(node["custom_id"])] = "" if value is None else str(value)
            walk(node.get("components"))
            if isinstance(node.get("component"), dict):
                walk([node["component"]])

    walk((data or {}).get("components"))
    return values
