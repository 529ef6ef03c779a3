"""Discord events in, the core's replies out: translate, call the mentor, render, send.

Every interaction is answered within Discord's three seconds: the core usually replies
in milliseconds, and if it has not within ``defer_after`` seconds the interaction is
deferred ("Mentorbot is thinking…") and the replies follow as follow-ups, which may come
for 15 minutes. A form opens as a modal when it is the interaction's answer; when it
cannot be (the interaction was deferred, or it is itself a modal submission, or other
replies come first) the replies end with a button that opens it.

Members are keyed by server. A click in a DM carries its server in the custom id; a
command or a message written in the DM belongs to the member's first server
(``Store.first_workspace_of``).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, ParamSpec

import aiohttp
import discord
import discord.http
from discord import app_commands

from adapters.common.deadline import within
from adapters.common.inflight import InFlight
from adapters.common.lifecycle import Running
from adapters.discord import components
from adapters.discord.client import create_client, point_at
from adapters.discord.commands import (
    MentorTranslator,
    build_group,
    sync_commands,
    warm_suggestions,
)
from adapters.discord.outlet import DiscordOutlet, attachments, send_kwargs
from adapters.discord.pacing import DEFAULT_RATE, discord_pacer
from adapters.discord.render import (
    MODAL_INPUTS,
    MentorComponent,
    Outgoing,
    build_modal,
    form_pages,
    render,
    submitted_values,
)
from adapters.discord.state import PLATFORM, REMOVED, State
from bot import notices
from bot.content import language_of_locale
from bot.context import Services
from bot.errors import ConfigError
from bot.events import Action, Actor, Command, FormSubmit, Inbound, Message
from bot.forms import Finished, Page, PagedForms
from bot.mentor import Mentor
from bot.reply import Reply
from bot.retry import with_retries
from storage.repo import MemberKey

log = logging.getLogger(__name__)
P = ParamSpec("P")

#: Answer or defer within this; Discord's limit is 3 s from the event, network included.
DEFER_AFTER_S = 1.5
#: A modal page's custom id starts with this; a button that opens a page carries this action.
PAGE_PREFIX = "mpage:"
PAGE_ACTION = "discord:form-page"
#: An action id the core does not know: it answers with its translated "stale" message.
STALE_ACTION = "\x00stale"
#: Keys in ``Interaction.extras``: when the adapter first saw the interaction (the loop's
#: clock), and that a handler has taken it, so the dropped-click guard leaves it alone.
SEEN_AT = "mentorbot.seen_at"
TAKEN = "mentorbot.taken"


def seen(interaction: discord.Interaction[Any]) -> float:
    """When the adapter first saw the interaction: the start of its ``defer_after``.
    discord.py hands the same object to the click's handler and to ``on_interaction``;
    whichever runs first sets it."""
    extras: dict[Any, Any] = interaction.extras
    return extras.setdefault(SEEN_AT, asyncio.get_running_loop().time())


def take(interaction: discord.Interaction[Any]) -> bool:
    """Claim the interaction for one answerer: True for the first caller only. The click
    handler and the dropped-click guard both claim before they await anything, so they
    never both answer (the second answer would fail, and the member would read "stale")."""
    extras: dict[Any, Any] = interaction.extras
    if extras.get(TAKEN):
        return False
    extras[TAKEN] = True
    return True


def _tracked(method: Callable[P, Awaitable[None]]) -> Callable[P, Awaitable[None]]:
    """Counts the call as work in flight, so ``close`` lets it finish before the
    database goes away (discord.py runs each event in a task of its own)."""

    @functools.wraps(method)
    async def run(*args: P.args, **kwargs: P.kwargs) -> None:
        adapter = args[0]
        assert isinstance(adapter, DiscordAdapter)
        async with adapter.in_flight.track():
            await method(*args, **kwargs)

    return run


class DiscordAdapter(Running):
    """Mentorbot on Discord: the client, ``/mentor``, interactions, and the outlet."""

    platform = PLATFORM

    def __init__(
        self,
        services: Services,
        mentor: Mentor,
        *,
        token: str,
        guild_id: int | None = None,
        api_url: str | None = None,
        shards: str | None = None,
        defer_after: float = DEFER_AFTER_S,
        guard_after: float | None = None,
        rate_per_s: float = DEFAULT_RATE,
        outlet_concurrency: int = 16,
        client_options: Mapping[str, Any] | None = None,
        start_attempts: int = 1,
    ) -> None:
        self.services = services
        self.mentor = mentor
        self.token = token
        self.guild_id = guild_id
        self.api_url = api_url
        self.defer_after = defer_after
        # A second past the deferral: by then a handler that took the click has said so.
        # Tests that are not about this timing shorten it (each dropped click waits it out).
        self.guard_after = defer_after + 1.0 if guard_after is None else guard_after
        self.start_attempts = start_attempts
        self.state = State(services.store, services.clock)
        self.pacer = discord_pacer(rate_per_s)
        self.client = create_client(
            self, pacer=self.pacer, shards=shards, **dict(client_options or {})
        )
        self.tree: app_commands.CommandTree[Any] = app_commands.CommandTree(self.client)
        self.tree.on_error = self.on_tree_error  # type: ignore[method-assign]
        self.outlet = DiscordOutlet(
            self.client,
            state=self.state,
            services=services,
            pacer=self.pacer,
            concurrency=outlet_concurrency,
        )
        self.synced: bool | None = None
        self.forms = PagedForms(
            services, platform=PLATFORM, page_size=MODAL_INPUTS, action=PAGE_ACTION
        )
        self.in_flight = InFlight()
        self._connection: asyncio.Task[None] | None = None
        self._restore: Callable[[], None] | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Log in (which builds and syncs ``/mentor``) and connect in the background."""
        where = self.api_url or discord.http.Route.BASE
        retrying = functools.partial(
            with_retries,
            what="Discord",
            where=where,
            attempts=self.start_attempts,
            transient=(aiohttp.ClientError, TimeoutError, OSError, discord.DiscordServerError),
        )
        if self.api_url:
            self._restore = await retrying(functools.partial(point_at, self.api_url))
        try:
            await retrying(functools.partial(self.client.login, self.token))
        except discord.LoginFailure:
            raise ConfigError("DISCORD_TOKEN: Discord did not accept the bot token") from None
        self._connection = asyncio.create_task(self.client.connect(), name="discord-gateway")

    async def wait_until_ready(self, timeout: float | None = None) -> None:
        """Until the gateway said READY (and the servers arrived); raises if the
        connection ended first."""
        assert self._connection is not None, "start() first"
        ready = asyncio.ensure_future(self.client.wait_until_ready())
        done, _ = await asyncio.wait(
            {ready, self._connection}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            ready.cancel()
            if self._connection in done:
                self._connection.result()
            raise TimeoutError("Discord did not get ready")

    async def wait_closed(self) -> None:
        """Until the connection ends (closed, or a fatal gateway error, which is raised)."""
        assert self._connection is not None, "start() first"
        await asyncio.shield(self._connection)  # cancelling the wait leaves it connected

    async def close(self, *, grace: float = 5.0) -> None:
        """Let answers and handlers in flight finish (up to ``grace`` seconds), then
        disconnect: closing the client closes its HTTP session, so an answer still
        being sent would be cut off, and a handler its database session with it."""
        # discord.py waits a moment for servers before READY; closing in that moment
        # leaves the waiting task to dispatch on a loop it has already dropped (an
        # AttributeError traceback at exit). Stop it first.
        ready = getattr(getattr(self.client, "_connection", None), "_ready_task", None)
        if ready is not None:
            ready.cancel()
        try:
            await self.in_flight.wait_idle(grace)
        except TimeoutError:
            log.warning("%d Discord handlers still running at shutdown", len(self.in_flight))
        await self.client.close()
        if self._connection is not None:
            await asyncio.wait({self._connection}, timeout=grace)
            if self._connection.done() and not self._connection.cancelled():
                if (error := self._connection.exception()) is not None:
                    log.error("the Discord connection ended with %r", error)
        if self._restore is not None:
            self._restore()
            self._restore = None

    async def setup(self) -> None:
        """After login, before the gateway: register the clicks, build and sync
        ``/mentor``. Called by discord.py's ``setup_hook``."""
        commands, content = self.mentor.router.commands, self.services.content
        await asyncio.to_thread(warm_suggestions, commands, content)  # the zone database
        self.client.add_dynamic_items(MentorComponent)
        await self.tree.set_translator(MentorTranslator())
        group = build_group(commands, content, run=self.on_command)
        guild = discord.Object(self.guild_id) if self.guild_id else None
        self.tree.add_command(group, guild=guild)
        try:
            self.synced = await sync_commands(self.tree, self.state, guild_id=self.guild_id)
        except discord.HTTPException:
            # The commands Discord has (if any) keep working; the next start tries again.
            log.exception("could not sync /mentor to Discord")

    # -- who is speaking ---------------------------------------------------------------------

    async def workspace_for(
        self, user_id: int, guild_id: int | None, hint: str | None
    ) -> str | None:
        if guild_id is not None:
            return str(guild_id)
        return hint or await self.services.store.first_workspace_of(PLATFORM, str(user_id))

    def actor(self, interaction: discord.Interaction[Any], workspace: str) -> Actor:
        in_guild = interaction.guild_id is not None and str(interaction.guild_id) == workspace
        user = interaction.user
        return Actor(
            platform=PLATFORM,
            workspace=workspace,
            user=str(user.id),
            display_name=user.display_name,
            is_admin=in_guild and interaction.permissions.manage_guild,
            timezone=None,
            language=language_of_locale(interaction.locale),
        )

    async def _actor_or_explain(
        self, interaction: discord.Interaction[Any], hint: str | None = None
    ) -> Actor | None:
        workspace = await self.workspace_for(interaction.user.id, interaction.guild_id, hint)
        if workspace is None:
            lang = language_of_locale(interaction.locale)
            text = self.services.content.t(lang, "discord.dm_no_server")
            await self.send(interaction, [Reply(text=text)], workspace=None)
            return None
        return self.actor(interaction, workspace)

    # -- inbound -----------------------------------------------------------------------------

    @_tracked
    async def on_command(self, interaction: discord.Interaction[Any], text: str) -> None:
        seen(interaction)
        actor = await self._actor_or_explain(interaction)
        if actor is not None:
            channel = str(interaction.channel_id) if interaction.channel_id else None
            await self.answer(interaction, Command(actor=actor, text=text, channel=channel))

    @_tracked
    async def on_component(self, interaction: discord.Interaction[Any], custom_id: str) -> None:
        """A click on a ``MentorComponent`` (called by the dynamic item)."""
        seen(interaction)
        # Taken before anything is read (the stash, the member's server), which may take
        # longer than the guard waits on a busy machine.
        if not take(interaction):
            return  # reached too late: the dropped-click guard has answered it
        parsed = components.parse_component(custom_id)
        if parsed is not None and parsed.token is not None:
            parsed = components.unpack_component(parsed, await self.state.unstash(parsed.token))
        if parsed is not None and parsed.action_id == PAGE_ACTION:
            await self.open_page(interaction, parsed.value)
            return
        actor = await self._actor_or_explain(interaction, parsed.workspace if parsed else None)
        if actor is None:
            return
        action_id, value = (parsed.action_id, parsed.value) if parsed else (STALE_ACTION, "")
        picked = (interaction.data or {}).get("values")
        if picked:
            found = await self._decode(str(picked[0]))
            action_id, value = (action_id, found) if found is not None else (STALE_ACTION, "")
        channel = str(interaction.channel_id) if interaction.channel_id else None
        await self.answer(
            interaction, Action(actor=actor, action_id=action_id, value=value, channel=channel)
        )

    async def on_tree_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        """An option discord.py could not convert (a channel the bot cannot see, a
        stale command): the member still gets an answer, never "did not respond"."""
        log.warning("/mentor failed before reaching the core: %r", error)
        await self._apologise(interaction, "error.internal")

    @_tracked
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """What discord.py does not route itself: modal submissions (their form is in the
        custom id, or kept by ``bot.forms``), and any click or submission Mentorbot never
        made (an old version's, another app's, a forged one), which gets the core's
        "stale" answer instead of Discord's "the application did not respond"."""
        seen(interaction)
        data = interaction.data if isinstance(interaction.data, dict) else {}
        custom_id = str(data.get("custom_id", ""))[:100]
        kind = interaction.type
        if kind is discord.InteractionType.component:
            # discord.py routes clicks itself and drops one no item accepts (a select
            # value it cannot read, a message it does not know): whatever was dropped
            # still gets an answer before Discord's three seconds are up.
            self.in_flight.add(asyncio.create_task(self._answer_if_dropped(interaction)))
        try:
            if kind is discord.InteractionType.modal_submit:
                if custom_id.startswith(PAGE_PREFIX):
                    await self.on_page_submit(interaction, custom_id.removeprefix(PAGE_PREFIX))
                elif components.parse_form(custom_id) is not None:
                    await self.on_form_submit(interaction, custom_id)
                else:
                    await self._apologise(interaction, "error.stale_action")
            elif kind is discord.InteractionType.component:
                if components.parse_component(custom_id) is None:
                    await self._apologise(interaction, "error.stale_action")
        except Exception:
            log.warning("interaction %.100r failed", custom_id, exc_info=True)
            await self._apologise(interaction, "error.internal")

    async def _answer_if_dropped(self, interaction: discord.Interaction[Any]) -> None:
        """A handler that runs answers or defers within ``defer_after``; by
        ``guard_after`` (a second later unless given), an interaction nobody took
        (``on_component`` marks it) nor answered was dropped. A taken one is the
        handler's to answer, however slow: answering it here too would show "stale" and
        make the handler's own answer fail."""
        await asyncio.sleep(self.guard_after)
        if not interaction.response.is_done() and take(interaction):
            log.info("interaction %s was not routed; answered as stale", interaction.id)
            await self._apologise(interaction, "error.stale_action")

    async def _apologise(self, interaction: discord.Interaction[Any], key: str) -> None:
        """An ephemeral answer in the member's language (or their client's, before
        first contact), when nothing else answered the interaction."""
        if interaction.response.is_done():
            return
        try:
            workspace = await self.workspace_for(interaction.user.id, interaction.guild_id, None)
            text = self.services.content.t(await self._language(interaction, workspace), key)
            await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not answer interaction %s", interaction.id, exc_info=True)

    async def _language(
        self, interaction: discord.Interaction[Any], workspace: str | None
    ) -> str | None:
        hint = language_of_locale(interaction.locale)
        if workspace is None:
            return hint
        key = MemberKey(PLATFORM, workspace, str(interaction.user.id))
        return await notices.language_for(self.services, key, hint)

    async def on_form_submit(self, interaction: discord.Interaction[Any], custom_id: str) -> None:
        parsed = components.parse_form(custom_id)
        assert parsed is not None
        form_id = parsed.action_id
        if parsed.token is not None:
            form_id = await self.state.unstash(parsed.token) or STALE_ACTION
        actor = await self._actor_or_explain(interaction, parsed.workspace)
        if actor is not None:
            values = await self._submitted(interaction)
            await self.answer(interaction, FormSubmit(actor=actor, form_id=form_id, values=values))

    async def on_page_submit(self, interaction: discord.Interaction[Any], where: str) -> None:
        """A page of a paged form sent: ``bot.forms`` keeps it and says what follows."""
        values, user = await self._submitted(interaction), str(interaction.user.id)
        hint = language_of_locale(interaction.locale)
        step = await self.forms.submit(where, values, user=user, hint=hint)
        if not isinstance(step, Finished):
            await self._send_messages(interaction, render([step]).messages)
            return
        actor = await self._actor_or_explain(interaction, step.workspace)
        if actor is not None:
            inbound = FormSubmit(actor=actor, form_id=step.form_id, values=step.values)
            await self.answer(interaction, inbound)

    async def open_page(self, interaction: discord.Interaction[Any], where: str) -> None:
        """A click on "Open the form" or "Continue": that page of a form ``bot.forms`` keeps."""
        page = await self.forms.page(where, user=str(interaction.user.id))
        if page is None:
            gone = self.forms.gone(language_of_locale(interaction.locale))
            await self._send_messages(interaction, render([gone]).messages)
            return
        await interaction.response.send_modal(await self._page_modal(page))

    @_tracked
    async def on_message(self, message: discord.Message) -> None:
        """Text written to the bot in its DM, or a server message that mentions it (the
        only server messages whose text the bot is given); the latter is answered as a
        reply to that message."""
        if message.author.bot or not message.content.strip():
            return
        in_server = message.guild is not None
        me = self.client.user
        if in_server and (me is None or me not in message.mentions):
            return
        workspace = (
            str(message.guild.id)
            if message.guild is not None
            else await self.services.store.first_workspace_of(PLATFORM, str(message.author.id))
        )
        if workspace is None:
            text = self.services.content.t(None, "discord.dm_no_server")
            await message.channel.send(text)
            return
        actor = Actor(
            platform=PLATFORM,
            workspace=workspace,
            user=str(message.author.id),
            display_name=message.author.display_name,
        )
        text, channel = without_mentions(message.content), str(message.channel.id)
        inbound: Inbound = Message(actor=actor, text=text, channel=channel)
        if text.lower().startswith(("/mentor", "mentor ")):  # typed, as on the console
            inbound = Command(actor=actor, text=text.split(None, 1)[1] if " " in text else "")
        replies = await self.mentor.handle(inbound)
        rendered = render(
            [r for r in replies if r.form is None], workspace=workspace, private_ok=False
        )
        await self.state.stash(rendered.stash)
        messages = rendered.messages
        forms = [r for r in replies if r.form is not None]
        if forms:
            key = MemberKey(PLATFORM, workspace, str(message.author.id))
            lang = await notices.language_for(self.services, key)
            for reply in forms:
                messages += await self._form_later(reply, workspace, message.author.id, lang)
        for outgoing in messages:
            kwargs = send_kwargs(outgoing, await attachments(outgoing))
            if in_server:
                await message.reply(**kwargs, mention_author=False)
            else:
                await message.channel.send(**kwargs)

    @_tracked
    async def on_guild(self, guild: discord.Guild, *, present: bool) -> None:
        """Removed from a server: its deliveries stop; added back: they resume."""
        await self.services.store.set_workspace_disabled(
            PLATFORM, str(guild.id), None if present else REMOVED
        )

    @_tracked
    async def on_ready(self) -> None:
        guilds = [str(g.id) for g in self.client.guilds]
        await self.services.store.clear_disabled(PLATFORM, guilds, REMOVED)

    # -- answering ---------------------------------------------------------------------------

    async def answer(self, interaction: discord.Interaction[Any], inbound: Inbound) -> None:
        """Hand ``inbound`` to the core and answer the interaction in time: it is
        deferred ``defer_after`` seconds after the adapter first saw it, the time spent
        reading it (stash, member's server) included."""
        work = asyncio.ensure_future(self.mentor.handle(inbound))

        async def defer() -> None:
            if not interaction.response.is_done():
                await interaction.response.defer(ephemeral=True, thinking=True)

        try:
            left = self.defer_after - (asyncio.get_running_loop().time() - seen(interaction))
            replies, _ = await within(work, left, late=defer)
            workspace = inbound.actor.workspace if interaction.guild_id is None else None
            await self.send(interaction, replies, workspace=workspace)
            if not interaction.response.is_done():
                await interaction.response.defer()  # nothing to say: acknowledged quietly
        except Exception:
            log.exception("failed to answer a Discord interaction")
            if not work.done():
                work.cancel()
            await self._apologise(interaction, "error.internal")

    async def send(
        self,
        interaction: discord.Interaction[Any],
        replies: Sequence[Reply],
        *,
        workspace: str | None,
    ) -> None:
        """The replies as the interaction's answer and its follow-ups. A form opens as a
        modal if it alone answers the interaction; otherwise a button opens it."""
        forms = [r for r in replies if r.form is not None]
        others = [r for r in replies if r.form is None]
        can_open = (
            not interaction.response.is_done()
            and interaction.type is not discord.InteractionType.modal_submit
        )
        if forms and not others and can_open:
            await self.open_form(interaction, forms[0], workspace)
            return
        rendered = render(others, workspace=workspace)
        await self.state.stash(rendered.stash)
        messages = rendered.messages
        home = workspace or str(interaction.guild_id)
        lang = await self._language(interaction, home) if forms else None
        for reply in forms:
            messages += await self._form_later(reply, home, interaction.user.id, lang)
        await self._send_messages(interaction, messages)

    async def _send_messages(
        self, interaction: discord.Interaction[Any], messages: Sequence[Outgoing]
    ) -> None:
        for outgoing in messages:
            kwargs = send_kwargs(outgoing, await attachments(outgoing))
            if not kwargs:
                continue
            if not interaction.response.is_done():
                await interaction.response.send_message(**kwargs, ephemeral=outgoing.ephemeral)
            else:
                await interaction.followup.send(**kwargs, ephemeral=outgoing.ephemeral)

    # -- forms -------------------------------------------------------------------------------

    async def open_form(
        self, interaction: discord.Interaction[Any], reply: Reply, workspace: str | None
    ) -> None:
        form = reply.form
        assert form is not None
        pages = form_pages(form)
        if len(pages) == 1:
            stash: dict[str, str] = {}
            custom_id = components.form_id(form.form_id, workspace=workspace, stash=stash)
            modal = build_modal(form, pages[0], custom_id=custom_id, intro=reply.text, stash=stash)
            await self.state.stash(stash)
            await interaction.response.send_modal(modal)
            return
        workspace = workspace or str(interaction.guild_id)
        first = await self.forms.remember(reply, workspace=workspace, user=str(interaction.user.id))
        await interaction.response.send_modal(await self._page_modal(first))

    async def _form_later(
        self, reply: Reply, workspace: str, user: int, lang: str | None
    ) -> list[Outgoing]:
        """A form that cannot open now, as the core words it (``notices.form_later``);
        its button opens the form ``bot.forms`` keeps."""
        first = await self.forms.remember(reply, workspace=workspace, user=str(user))
        reopen = self.forms.opener(first)
        return render(
            [notices.form_later(self.services.content, lang, reply, reopen=reopen)]
        ).messages

    async def _page_modal(self, page: Page) -> discord.ui.Modal:
        stash: dict[str, str] = {}
        modal = build_modal(
            page.form,
            page.fields,
            custom_id=PAGE_PREFIX + page.where,
            page=page.number,
            pages=page.pages,
            intro=page.intro,
            stash=stash,
        )
        await self.state.stash(stash)
        return modal

    async def _submitted(self, interaction: discord.Interaction[Any]) -> dict[str, str]:
        values: dict[str, str] = {}
        for raw_key, raw_value in submitted_values(interaction.data).items():
            key = await self._decode(raw_key)
            value = await self._decode(raw_value) if raw_value.startswith("~") else raw_value
            if key is not None:
                values[key] = value or ""
        return values

    async def _decode(self, wire: str) -> str | None:
        """A select value or input id as written by ``components.option_value``."""
        token = components.token_of(wire)
        if token is None:
            return wire
        if token == "":
            return ""
        return await self.state.unstash(token)


_MENTION = re.compile(r"<@!?\d+>")


def without_mentions(text: str) -> str:
    """A message's text without ``<@123>`` mentions (the bot's own, mostly)."""
    return _MENTION.sub(" ", text).strip()
