"""``/mentor profile``, ``set``, ``lang``, ``pause`` and ``resume``: who the member is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from zoneinfo import ZoneInfo

from bot import text, zones
from bot.content import Pack
from bot.context import Ctx
from bot.errors import BadInput, UiKey, Usage
from bot.features.common import (
    LANGUAGE_CHOICES,
    LANGUAGES,
    LEVEL_ALIASES,
    LEVEL_CHOICES,
    TRACK_ALIASES,
    TRACK_CHOICES,
    resolve,
)
from bot.grammar import Arg, Labels, keyed, matching_labels
from bot.reply import Field, Reply, Section
from bot.router import Router

router = Router()

SETTINGS = ("level", "track", "lang", "tz")
SETTING_ALIASES = {
    "level": "level",
    "track": "track",
    "lang": "lang",
    "language": "lang",
    "ngon-ngu": "lang",
    "tz": "tz",
    "timezone": "tz",
    "time-zone": "tz",
}
LANGUAGE_ALIASES = {
    "en": "en",
    "english": "en",
    "vi": "vi",
    "vn": "vi",
    "vietnamese": "vi",
    "tieng-viet": "vi",
    "tiếng-việt": "vi",
}


SETTING_CHOICES = keyed(SETTINGS, "setting")
#: What ``set value`` offers, by the setting chosen.
SETTING_VALUES = {"level": LEVEL_CHOICES, "track": TRACK_CHOICES, "lang": LANGUAGE_CHOICES}


def suggest_setting_value(pack: Pack, typed: str, given: Mapping[str, str]) -> Labels:
    """Values for the setting already chosen: levels, tracks, languages, or zones."""
    setting = given.get("setting")
    if setting == "tz":
        return zones.suggest(pack, typed, given)
    choices = SETTING_VALUES.get(setting or "")
    return matching_labels(typed, choices.labels(pack)) if choices else []


def resolve_timezone(name: str) -> zones.Resolved:
    """The zone ``name`` means (IANA name, city in English or Vietnamese, ``UTC+7``), or a
    BadInput that says why not: an abbreviation asks for a city, and a near miss is only
    suggested when it is a place, never a zone with another offset."""
    found = zones.resolve(name)
    if isinstance(found, zones.Resolved):
        return found
    word = text.echo(name)
    if found.reason == "abbreviation":
        cities = ", ".join(f"`{zone}`" for zone in found.cities)
        raise BadInput("error.tz_abbreviation", word=word, cities=cities)
    if found.reason == "offset_minutes":
        raise BadInput("error.tz_offset_minutes", word=word)
    if found.suggestion:
        raise BadInput("error.bad_timezone_suggest", word=word, suggestion=found.suggestion)
    raise BadInput("error.bad_timezone", word=word)


def valid_timezone(name: str) -> str:
    """The canonical zone for ``name`` (see ``resolve_timezone``)."""
    return resolve_timezone(name).zone


def timezone_note(ctx: Ctx, found: zones.Resolved) -> str:
    """What a city or an offset was taken to mean, so the member can check it."""
    if not found.kind:
        return ""
    now = zones.offset_text(zones.offset_of(found.zone, ctx.now))
    return ctx.t(f"tz.meaning.{found.kind}", zone=found.zone, now=now, **found.values)


def profile_reply(ctx: Ctx) -> Reply:
    m = ctx.member
    t = ctx.t
    levels = ctx.pack.levels.levels
    tracks = ctx.pack.tracks.tracks
    status = t("profile.active")
    if m.paused:
        status = (
            t("profile.paused_until", date=m.paused_until.isoformat())
            if m.paused_until
            else t("profile.paused")
        )
    fields = [
        Field(t("profile.level"), levels[m.level].name if m.level else t("profile.unset")),
        Field(t("profile.track"), tracks[m.track].name if m.track else t("profile.unset")),
        Field(t("profile.language"), t(f"lang.{m.language}")),
        Field(t("profile.timezone"), m.timezone),
        Field(t("profile.status"), status),
        Field(
            t("profile.sources"),
            t("profile.sources_custom" if m.diet_sources else "profile.sources_default"),
        ),
    ]
    sections = [Section(fields=tuple(fields))]
    if m.unreachable:
        sections.append(Section(text=t("profile.unreachable", reason=m.unreachable)))
    return Reply(title=t("profile.title"), sections=tuple(sections), text=t("profile.footer"))


@router.command("profile", aliases=("me", "ho-so"), args=())
async def profile_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    return [profile_reply(ctx)]


async def apply_setting(ctx: Ctx, setting: str, value: str) -> list[Reply]:
    t = ctx.t
    if setting == "level":
        key = resolve(value, LEVEL_ALIASES, usage=Usage("set"), kind="level")
        ctx.refresh(await ctx.store.update_member(ctx.member.id, level=key))
        shown = ctx.pack.levels.levels[key].name
    elif setting == "track":
        key = resolve(value, TRACK_ALIASES, usage=Usage("set"), kind="track")
        ctx.refresh(await ctx.store.update_member(ctx.member.id, track=key))
        shown = ctx.pack.tracks.tracks[key].name
    elif setting == "lang":
        key = resolve(value, LANGUAGE_ALIASES, usage=Usage("set"), kind="language")
        ctx.refresh(await ctx.store.update_member(ctx.member.id, language=key))
        shown = t(f"lang.{key}")
    else:
        found = resolve_timezone(value)
        ctx.refresh(await ctx.store.update_member(ctx.member.id, timezone=found.zone))
        shown = found.zone
        if ctx.services.on_timezone_change is not None:
            await ctx.services.on_timezone_change(ctx)
        note = timezone_note(ctx, found)
        done = ctx.t("set.done", setting=ctx.t(f"setting.{setting}"), value=shown)
        return [Reply(text=f"{done}\n{note}" if note else done)]
    return [Reply(text=ctx.t("set.done", setting=ctx.t(f"setting.{setting}"), value=shown))]


@router.command(
    "set",
    args=(
        Arg("setting", "choice", choices=SETTING_CHOICES, required=True),
        Arg("value", suggest=suggest_setting_value, required=True),
    ),
)
async def set_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    if len(args) < 2:
        raise BadInput("error.usage", usage_line=Usage("set"))
    setting = resolve(args[0], SETTING_ALIASES, usage=Usage("set"), kind="setting")
    # A zone may be a city of several words ("Hồ Chí Minh", "New York").
    value = "-".join(args[1:]) if setting != "tz" else " ".join(args[1:])
    return await apply_setting(ctx, setting, value)


@router.action("set:level")
async def set_level_action(ctx: Ctx, value: str) -> list[Reply]:
    return await apply_setting(ctx, "level", value)


@router.action("set:track")
async def set_track_action(ctx: Ctx, value: str) -> list[Reply]:
    return await apply_setting(ctx, "track", value)


@router.command(
    "lang",
    aliases=("language",),
    args=(Arg("language", "choice", choices=LANGUAGE_CHOICES, required=True),),
)
async def lang_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    if len(args) != 1:
        raise BadInput("error.usage", usage_line=Usage("lang"))
    return await apply_setting(ctx, "lang", args[0])


@router.command("pause", aliases=("tam-dung",), args=(Arg("until", word="until"),))
async def pause_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    until: date | None = None
    if args:
        if len(args) != 2 or args[0].lower() != "until":
            raise BadInput("error.usage", usage_line=Usage("pause"))
        try:
            until = date.fromisoformat(args[1])
        except ValueError:
            raise BadInput("error.bad_date", word=text.echo(args[1])) from None
        today = ctx.now.astimezone(ZoneInfo(ctx.member.timezone)).date()
        if until <= today:
            raise BadInput("error.date_in_past", word=until.isoformat())
    ctx.refresh(await ctx.store.update_member(ctx.member.id, paused=True, paused_until=until))
    if until:
        return [Reply(text=ctx.t("pause.until", date=until.isoformat()))]
    return [Reply(text=ctx.t("pause.done"))]


@router.command("resume", aliases=("unpause", "tiep-tuc"), args=())
async def resume_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    """Also the way back after the platform refused us: a member who opened their DMs
    again says ``resume`` and the outbox tries them once more."""
    if ctx.member.unreachable:
        ctx.refresh(
            await ctx.store.update_member(
                ctx.member.id, paused=False, paused_until=None, unreachable=None
            )
        )
        return [Reply(text=ctx.t("resume.reachable_again"))]
    if not ctx.member.paused:
        return [Reply(text=ctx.t("resume.not_paused"))]
    ctx.refresh(await ctx.store.update_member(ctx.member.id, paused=False, paused_until=None))
    return [Reply(text=ctx.t("resume.done"))]


__all__ = ["LANGUAGES", "SETTINGS", "UiKey", "router"]
