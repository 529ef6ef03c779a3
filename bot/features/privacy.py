"""``/mentor export`` and ``/mentor forget``: a member's data is theirs."""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.context import Ctx
from bot.errors import BadInput, Usage
from bot.reply import Button, Reply
from bot.router import Router
from storage.privacy import delete_member, export_member

router = Router()

EXPORT_FORMAT = "mentorbot-export/1"


async def export_document(ctx: Ctx) -> dict[str, object]:
    data = await export_member(ctx.store, ctx.member.id)
    document: dict[str, object] = {
        "format": EXPORT_FORMAT,
        "exported_at": ctx.now.isoformat(),
        "platform": ctx.actor.platform,
        "workspace": ctx.workspace.external_id,
        **data,
    }
    extra = ctx.services.export_sections
    if extra is not None:
        document.update(await extra(ctx))
    return document


def membership_token(ctx: Ctx) -> str:
    """Names this membership, not just the row: ids can be reused after a delete, and an
    old confirm button must never delete the member who wrote in afterwards."""
    return f"{ctx.member.id}:{ctx.member.created_at.timestamp():.6f}"


@router.command("export", aliases=("xuat",), args=())
async def export_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    document = await export_document(ctx)
    body = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True)
    return [Reply(text=ctx.t("export.done"), document=body)]


@router.command("forget", aliases=("delete-me", "xoa"), args=())
async def forget_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    if args:
        raise BadInput("error.usage", usage_line=Usage("forget"))
    return [
        Reply(
            title=ctx.t("forget.title"),
            text=ctx.t("forget.confirm"),
            buttons=(
                Button(
                    ctx.t("forget.yes"),
                    action_id="forget:confirm",
                    value=membership_token(ctx),
                    style="danger",
                ),
                Button(ctx.t("forget.no"), action_id="forget:cancel"),
            ),
        )
    ]


@router.action("forget:confirm")
async def forget_confirm(ctx: Ctx, value: str) -> list[Reply]:
    if value != membership_token(ctx):
        # The button belonged to an earlier membership (already forgotten): do nothing.
        raise BadInput("error.stale_action")
    lang = ctx.lang
    removed = await delete_member(ctx.store, ctx.member.id)
    return [Reply(text=ctx.services.content.t(lang, "forget.done", count=removed))]


@router.action("forget:cancel")
async def forget_cancel(ctx: Ctx, value: str) -> list[Reply]:
    return [Reply(text=ctx.t("forget.cancelled"))]
