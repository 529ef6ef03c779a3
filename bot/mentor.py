"""The mentor: one entry point, ``handle(inbound) -> replies``, for every platform."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

from bot import mentoring, text
from bot.content import language_of_locale
from bot.context import Ctx, Services
from bot.errors import BadInput, MentorbotError, UiKey, Usage
from bot.events import Action, Actor, Command, FormSubmit, Inbound, Message
from bot.reply import Reply
from bot.router import Router, lookup, merge, usage
from storage.repo import MemberKey

log = logging.getLogger(__name__)


def default_features() -> list[Router]:
    """The feature routers, in the order their free-text handlers are asked."""
    from bot import home
    from bot.features import (
        assess,
        checkin,
        diet,
        goals,
        guide,
        help,
        level,
        metrics,
        packet,
        pairs,
        pitfalls,
        plans,
        privacy,
        profile,
        schedule,
        talk,
        team,
        track,
    )

    return [
        help.router,
        level.router,
        assess.router,
        track.router,
        diet.router,
        pitfalls.router,
        guide.router,
        profile.router,
        privacy.router,
        schedule.router,
        checkin.router,
        goals.router,
        metrics.router,
        plans.router,
        packet.router,
        team.router,
        pairs.router,
        home.router,
        # Last: free text no other feature took is a check-in answer or a question.
        talk.router,
    ]


#: Platform ids are short (Slack ``U0123ABCD``, Discord snowflakes); anything longer is
#: not one and is cut before it becomes a database key.
MAX_ID_CHARS = 64


def _clean_actor(actor: Actor) -> Actor:
    def short(value: str | None, limit: int = MAX_ID_CHARS) -> str | None:
        return None if value is None else text.clean(str(value), limit=limit)

    return dataclasses.replace(
        actor,
        platform=short(actor.platform) or "",
        workspace=short(actor.workspace) or "",
        user=short(actor.user) or "",
        display_name=short(actor.display_name, 200),
        timezone=short(actor.timezone),
        language=language_of_locale(actor.language),
    )


def cleaned(inbound: Inbound) -> Inbound:
    """The event with every piece of text in it cleaned (``text.clean``), once, before
    anything reads it: features, the database and the log then never meet a lone
    surrogate, a control character or a 100 KB value, whichever platform sent it."""
    actor = _clean_actor(inbound.actor)
    channel = text.clean(inbound.channel, limit=MAX_ID_CHARS) if inbound.channel else None
    match inbound:
        case Command(text=raw):
            return Command(actor=actor, text=text.clean(raw), channel=channel)
        case Message(text=raw):
            return Message(actor=actor, text=text.clean(raw, limit=4000), channel=channel)
        case Action(action_id=action_id, value=value):
            return Action(
                actor=actor,
                action_id=text.clean(action_id, limit=200),
                value=text.clean(value, limit=500),
                channel=channel,
            )
        case FormSubmit(form_id=form_id, values=values):
            return FormSubmit(
                actor=actor,
                form_id=text.clean(form_id, limit=300),
                values={
                    text.clean(str(k), limit=64): text.clean(str(v), limit=4000)
                    for k, v in values.items()
                },
                channel=channel,
            )
    return inbound  # pragma: no cover


async def context(services: Services, inbound: Inbound) -> Ctx:
    """The context of one event: the member (created on first contact, when
    ``services.on_first_contact`` runs) and their workspace. A function of the services
    alone, so the home page builds one without a ``Mentor``."""
    actor = inbound.actor
    now = services.clock.now()
    member, workspace, created = await services.store.member_and_workspace(
        MemberKey(actor.platform, actor.workspace, actor.user),
        now=now,
        defaults={
            "timezone": actor.timezone,
            "language": language_of_locale(actor.language),
            "display_name": actor.display_name,
        },
    )
    ctx = Ctx(
        services=services,
        actor=actor,
        member=member,
        workspace=workspace,
        now=now,
        first_contact=created,
        channel=inbound.channel,
    )
    if created and services.on_first_contact is not None:
        await services.on_first_contact(ctx)
    return ctx


class Mentor:
    def __init__(self, services: Services, features: Sequence[Router] | None = None) -> None:
        self.services = services
        self.router = merge(features if features is not None else default_features())
        if services.router is None:
            # The first mentor on these services plugs the features in: its router is
            # the one help and the home page read, and the features' hooks are theirs.
            services.router = self.router
            mentoring.install(services)

    async def context(self, inbound: Inbound) -> Ctx:
        return await context(self.services, inbound)

    async def handle(self, inbound: Inbound) -> list[Reply]:
        """Answer one event. Never raises: errors become translated replies."""
        ctx: Ctx | None = None
        try:
            inbound = cleaned(inbound)
            ctx = await self.context(inbound)
            replies = await self._dispatch(ctx, inbound)
            if ctx.first_contact and isinstance(inbound, Command | Message):
                replies = [Reply(text=ctx.t("welcome.first_contact")), *replies]
            return replies
        except MentorbotError as exc:
            lang = ctx.lang if ctx else inbound.actor.language
            return [Reply(text=self.render_error(lang, exc))]
        except Exception:
            log.exception("failed to handle %s", type(inbound).__name__)
            lang = ctx.lang if ctx else inbound.actor.language
            return [Reply(text=self.services.content.t(lang, "error.internal"))]

    def render_error(self, lang: str | None, exc: MentorbotError) -> str:
        content = self.services.content
        pack = content.pack(lang)
        values = {
            k: pack.t(v)
            if isinstance(v, UiKey)
            else usage(self.router.commands, v, pack)
            if isinstance(v, Usage)
            else v
            for k, v in exc.values.items()
        }
        return content.t(lang, exc.key, **values)

    async def _dispatch(self, ctx: Ctx, inbound: Inbound) -> list[Reply]:
        match inbound:
            case Command(text=raw):
                return await self.command(ctx, raw)
            case Message(text=raw):
                return await self.message(ctx, raw)
            case Action(action_id=action_id, value=value):
                handler = self.router.actions.get(action_id)
                if handler is None:
                    raise BadInput("error.stale_action")
                return await handler(ctx, value)
            case FormSubmit(form_id=form_id, values=values):
                # Like a button value, a form id may carry state after "#"
                # ("checkin:details#daily:2027-03-28"); the handler reads it under "#".
                base, _, state = form_id.partition("#")
                form = self.router.forms.get(base)
                if form is None:
                    raise BadInput("error.stale_action")
                fields = dict(values)
                fields.pop("#", None)
                if state:
                    fields["#"] = state[:200]
                return await form(ctx, fields)
        raise BadInput("error.stale_action")  # pragma: no cover

    async def command(self, ctx: Ctx, raw: str) -> list[Reply]:
        parts = text.words(raw)
        if parts and parts[0].lower() in ("/mentor", "mentor"):
            parts = parts[1:]
        if not parts:
            parts = ["help"]
        name, args = parts[0].lower(), parts[1:]
        spec = lookup(self.router.commands, name)
        if spec is None:
            names = [*self.router.commands]
            names += [a for s in self.router.commands.values() for a in s.aliases]
            suggestion = text.nearest(name, names)
            if suggestion:
                raise BadInput(
                    "error.unknown_command_suggest", word=text.echo(name), suggestion=suggestion
                )
            raise BadInput("error.unknown_command", word=text.echo(name))
        return await spec.handler(ctx, args)

    async def message(self, ctx: Ctx, raw: str) -> list[Reply]:
        cleaned = text.clean(raw, limit=4000)
        if cleaned.split(maxsplit=1)[:1] and cleaned.split()[0].lower() in ("/mentor", "mentor"):
            return await self.command(ctx, cleaned)  # a command typed into a DM or a mention
        for handler in self.router.messages:
            replies = await handler(ctx, cleaned)
            if replies is not None:
                return replies
        first = cleaned.split(maxsplit=1)[0].lower() if cleaned else ""
        if first.lstrip("/") in self.router.commands:
            return await self.command(ctx, cleaned.lstrip("/"))
        return [Reply(text=ctx.t("message.not_understood"))]
