"""Slack events in, the core's replies out: one thin method per kind of request.

Each builds the ``Actor`` and the core's ``Inbound`` from the payload, awaits the core,
and :meth:`SlackAdapter.answer` puts the replies where the member sees them: the
command's response URL, the DM, or a modal (docs/slack.md, "Requests, and where the
answers go", says which and why).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.common.caches import Lru
from adapters.common.deadline import within
from adapters.common.inflight import InFlight
from adapters.slack import render
from adapters.slack.clients import NotInstalled, Sender, SlackClients, WorkspaceLink
from adapters.slack.errors import SLACK_FAILURES
from adapters.slack.outlet import SlackOutlet
from adapters.slack.pacing import unpaced
from adapters.slack.people import PLATFORM, People
from bot import notices
from bot.context import Services
from bot.errors import PlatformUnreachable
from bot.events import Action, Actor, Command, FormSubmit, Inbound, Message
from bot.home import RUN_ACTION, home_view
from bot.reply import Reply
from bot.text import whole_number
from storage.repo import MemberKey

log = logging.getLogger(__name__)

Handle = Callable[[Inbound], Awaitable[list[Reply]]]
#: Slack lets a response URL be used five times.
RESPONSE_URL_USES = 5
#: How long a modal submission may wait for the core before the modal is closed and the
#: answer goes to the DM (Slack waits 3 seconds for the acknowledgement).
SUBMIT_BUDGET = 2.5
#: The hosts Slack's response URLs live on (``hooks.slack.com``; GovSlack's too).
SLACK_HOSTS = ("slack.com", "slack-gov.com")


def response_url_allowed(url: object, api_url: str) -> bool:
    """Whether the bot may POST to a request's ``response_url``: an https URL on
    Slack's own hosts, or one on the host of ``SLACK_API_URL`` when that points
    somewhere else (a fake Slack in tests). Anything else (``file:``, a loopback
    address, a host of the sender's choosing) would make the bot a proxy for whoever
    can sign a request."""
    if not isinstance(url, str) or len(url) > 2000:
        return False
    try:
        parts, api = urlsplit(url), urlsplit(api_url)
        port, api_port = parts.port, api.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and port in (None, 443) and not parts.username:
        if any(host == h or host.endswith("." + h) for h in SLACK_HOSTS):
            return True
    api_host = (api.hostname or "").lower()
    if any(api_host == h or api_host.endswith("." + h) for h in SLACK_HOSTS):
        return False  # the real Slack: only its hooks, above
    return (
        bool(host)
        and (parts.scheme, host, port) == (api.scheme, api_host, api_port)
        and not parts.username
    )


def _who_clicked(body: Mapping[str, Any]) -> tuple[str, str]:
    """The team and user of an interactive payload (a click, a modal submission)."""
    user = body.get("user") or {}
    team = (body.get("team") or {}).get("id") or user.get("team_id") or ""
    return str(team), str(user.get("id", ""))


_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def without_mentions(text: str) -> str:
    """The text of a message without ``<@U123>`` mentions (the bot's own, mostly)."""
    return _MENTION.sub(" ", text).strip()


@dataclass
class SlackAdapter:
    services: Services
    handle: Handle
    clients: SlackClients
    outlet: SlackOutlet
    people: People = field(default_factory=People)
    in_flight: InFlight = field(default_factory=InFlight)
    #: Forget an uninstalled workspace's installation (OAuth mode).
    forget_installation: Callable[[str], Awaitable[None]] | None = None
    _seen_events: Lru[str, bool] = field(default_factory=lambda: Lru(1000))

    @property
    def sender(self) -> Sender:
        return self.outlet.sender

    # -- translate ------------------------------------------------------------------------

    async def _link(self, team: str, client: Any = None) -> WorkspaceLink:
        try:
            return await self.clients.link(team)
        except NotInstalled:
            if client is None:
                raise
            # Authorised by bolt a moment ago, but not (yet) in our store: use its client.
            return WorkspaceLink(team, client, unpaced(), unpaced())

    async def _actor(self, link: WorkspaceLink, team: str, user: str) -> Actor:
        return await self.people.actor(link.client, team, user)

    async def _who(self, team: str, user: str, client: Any) -> tuple[WorkspaceLink, Actor]:
        link = await self._link(team, client)
        return link, await self._actor(link, team, user)

    # -- /mentor ---------------------------------------------------------------------------

    async def on_command(self, ack: Any, body: Mapping[str, Any], client: Any = None) -> None:
        await ack()
        async with self.in_flight.track():
            team, user = str(body.get("team_id", "")), str(body.get("user_id", ""))
            channel = body.get("channel_id")
            link, actor = await self._who(team, user, client)
            text = str(body.get("text") or "")
            replies = await self.handle(Command(actor=actor, text=text, channel=channel))
            reopen = (RUN_ACTION, text or "help")
            await self.answer(
                link,
                replies,
                actor=actor,
                response_url=body.get("response_url"),
                trigger_id=body.get("trigger_id"),
                channel=channel,
                reopen=reopen,
            )

    # -- a DM to the bot -----------------------------------------------------------------

    async def on_message(
        self, event: Mapping[str, Any], body: Mapping[str, Any], client: Any = None
    ) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        if self._repeated(body.get("event_id")):
            return
        async with self.in_flight.track():
            team = str(body.get("team_id") or event.get("team") or "")
            user, channel = str(event.get("user", "")), str(event.get("channel", ""))
            link, actor = await self._who(team, user, client)
            text = without_mentions(str(event.get("text") or ""))
            replies = await self.handle(Message(actor=actor, text=text, channel=channel))
            reopen = (RUN_ACTION, text[:2000])
            await self.answer(link, replies, actor=actor, channel=channel, dm=True, reopen=reopen)

    # -- a mention in a channel: answered in its thread --------------------------------------

    async def on_mention(
        self, event: Mapping[str, Any], body: Mapping[str, Any], client: Any = None
    ) -> None:
        """``@Mentorbot how do I get to senior?`` in a channel: the answer goes to the
        message's thread (a DM's mention already arrives as a DM message)."""
        channel = str(event.get("channel", ""))
        if event.get("bot_id") or event.get("subtype") or event.get("channel_type") == "im":
            return
        if channel.startswith("D") or self._repeated(body.get("event_id")):
            return
        async with self.in_flight.track():
            team = str(body.get("team_id") or event.get("team") or "")
            link, actor = await self._who(team, str(event.get("user", "")), client)
            text = without_mentions(str(event.get("text") or ""))
            replies = await self.handle(Message(actor=actor, text=text, channel=channel))
            thread = str(event.get("thread_ts") or event.get("ts") or "") or None
            for reply in replies:
                try:
                    if reply.form is not None:  # a modal needs a click: offer it in the DM
                        await self.answer(link, [reply], actor=actor, reopen=(RUN_ACTION, text))
                        continue
                    await self.sender.post_all(
                        link, channel, render.render_message(reply), thread_ts=thread
                    )
                    await self._attachments(link, actor, reply)
                except SLACK_FAILURES:
                    log.exception("slack: a threaded reply in %s could not be sent", channel)

    def _repeated(self, event_id: Any) -> bool:
        """Slack resends an event it thinks was not acknowledged; answer it once."""
        if not event_id:
            return False
        if str(event_id) in self._seen_events:
            return True
        self._seen_events.put(str(event_id), True)
        return False

    # -- buttons and selects ------------------------------------------------------------

    async def on_action(self, ack: Any, body: Mapping[str, Any], client: Any = None) -> None:
        await ack()
        async with self.in_flight.track():
            element = (body.get("actions") or [{}])[0]
            core_id = render.core_action_id(str(element.get("action_id", "")))
            if core_id is None:
                return
            value = element.get("value")
            if value is None:
                value = (element.get("selected_option") or {}).get("value", "")
            team, user = _who_clicked(body)
            channel = (body.get("channel") or {}).get("id")
            container = body.get("container") or {}
            view = body.get("view") or {}
            link, actor = await self._who(team, user, client)
            replies = await self.handle(
                Action(actor=actor, action_id=core_id, value=str(value), channel=channel)
            )
            in_view = container.get("type") == "view"
            reopen = (core_id, str(value))
            await self.answer(
                link,
                replies,
                actor=actor,
                response_url=None if in_view else body.get("response_url"),
                trigger_id=body.get("trigger_id"),
                channel=channel,
                dm=in_view or str(channel or "").startswith("D"),
                reopen=reopen,
            )
            if view.get("type") == "home":
                await self.publish_home(link, actor)

    async def on_home_page(self, ack: Any, body: Mapping[str, Any], client: Any = None) -> None:
        """Home is over 100 blocks: show the page asked for."""
        await ack()
        async with self.in_flight.track():
            team, user = _who_clicked(body)
            page = str((body.get("actions") or [{}])[0].get("value") or "0")
            link, actor = await self._who(team, user, client)
            await self.publish_home(link, actor, page=whole_number(page, 0, 1000) or 0)

    # -- modals ---------------------------------------------------------------------------

    async def on_view(self, ack: Any, body: Mapping[str, Any], client: Any = None) -> None:
        async with self.in_flight.track():
            view = body.get("view") or {}
            meta = render.read_metadata(view.get("private_metadata"))
            form_id = meta.get("form") or str(view.get("callback_id", "")).removeprefix(
                render.CALLBACK_PREFIX
            )
            team, user = _who_clicked(body)
            values = render.submitted_values(view.get("state") or {})
            link = await self._link(team, client)

            async def answer() -> tuple[Actor, list[Reply]]:
                actor = await self._actor(link, team, user)
                submit = FormSubmit(actor=actor, form_id=form_id, values=values)
                return actor, await self.handle(submit)

            # Too slow for the modal: it is closed (``ack``), and the answer goes to the DM.
            (actor, replies), late = await within(
                asyncio.ensure_future(answer()), SUBMIT_BUDGET, late=ack
            )
            if late:
                await self.answer(link, replies, actor=actor, dm=True)
                return
            errors: dict[str, str] = {}
            for reply in replies:
                errors.update(render.form_errors(reply))
            if errors:
                await ack(response_action="errors", errors=errors)
                return
            form_reply = render.reply_with_form(replies)
            if form_reply is not None:
                modal = render.render_modal(form_reply, channel=meta.get("channel"))
                await ack(response_action="update", view=modal)
                replies = [r for r in replies if r is not form_reply]
            else:
                await ack()
            await self.answer(link, replies, actor=actor, dm=True)

    # -- App Home ------------------------------------------------------------------------

    async def on_home_opened(
        self, event: Mapping[str, Any], body: Mapping[str, Any], client: Any = None
    ) -> None:
        if event.get("tab", "home") != "home":
            return
        async with self.in_flight.track():
            team = str(body.get("team_id", ""))
            link, actor = await self._who(team, str(event.get("user", "")), client)
            await self.publish_home(link, actor)

    async def publish_home(self, link: WorkspaceLink, actor: Actor, *, page: int = 0) -> None:
        reply = await home_view(self.services, actor)
        try:
            async with self.clients.slots:
                await link.client.views_publish(
                    user_id=actor.user, view=render.render_home(reply, page=page)
                )
        except SLACK_FAILURES:
            log.exception("slack: App Home for %s could not be published", actor.user)

    # -- the app leaves a workspace --------------------------------------------------------

    async def on_uninstalled(self, body: Mapping[str, Any]) -> None:
        await self._stop_workspace(str(body.get("team_id", "")), "app_uninstalled")

    async def on_tokens_revoked(self, event: Mapping[str, Any], body: Mapping[str, Any]) -> None:
        if (event.get("tokens") or {}).get("bot"):
            await self._stop_workspace(str(body.get("team_id", "")), "tokens_revoked")

    async def _stop_workspace(self, team: str, reason: str) -> None:
        """Nothing more is sent to this workspace: the outbox skips it from now on."""
        async with self.in_flight.track():
            log.warning("slack: %s in %s; sending to it stops", reason, team)
            await self.services.store.set_workspace_disabled(PLATFORM, team, reason)
            self.clients.forget(team)
            self.people.forget_team(team)
            if self.forget_installation is not None:
                await self.forget_installation(team)

    async def disabled(self, team: str, error: str) -> None:
        """The outlet saw the token stop working."""
        await self.services.store.set_workspace_disabled(PLATFORM, team, error)
        self.people.forget_team(team)

    async def digest_failed(
        self, link: WorkspaceLink, channel: str, error: PlatformUnreachable
    ) -> None:
        """Tell the admins who can fix it why the team digest was not posted: the
        installer when the app was installed through OAuth, else the workspace admins
        and owners who use Mentorbot (only they may run ``/mentor team channel``)."""
        admins = [link.installer] if link.installer else await self._admins_using_mentorbot(link)
        if not admins:
            log.warning("slack: digest to %s failed (%s); no admin to tell", channel, error.key)
        for user in admins:
            key = MemberKey(PLATFORM, link.team_id, user)
            note = await notices.digest_failed(self.services, key, error)
            await self.sender.post_all(link, user, render.render_message(note))

    async def _admins_using_mentorbot(self, link: WorkspaceLink, *, pages: int = 5) -> list[str]:
        """Admins and owners (``users.list``, a few pages) who are members here."""
        found: list[str] = []
        cursor = None
        for _ in range(pages):
            async with self.clients.slots:
                response = await link.client.users_list(limit=200, cursor=cursor)
            found += [
                str(u["id"])
                for u in response.get("members") or []
                if (u.get("is_admin") or u.get("is_owner"))
                and not (u.get("deleted") or u.get("is_bot"))
            ]
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        users = []
        for user in found:
            key = MemberKey(PLATFORM, link.team_id, user)
            if await self.services.store.find_member(key) is not None:
                users.append(user)
        return users

    # -- putting replies where the member sees them ------------------------------------------

    async def answer(
        self,
        link: WorkspaceLink,
        replies: Sequence[Reply],
        *,
        actor: Actor,
        response_url: str | None = None,
        trigger_id: str | None = None,
        channel: str | None = None,
        dm: bool = False,
        reopen: tuple[str, str] | None = None,
    ) -> None:
        """Each reply in order: a form opens a modal (once: a trigger id works once),
        text goes to the response URL, the DM channel, or the member's DM."""
        uses = 0
        if response_url is not None and not response_url_allowed(
            response_url, self.clients.base_url
        ):
            log.warning("slack: ignored a response URL outside Slack (%.80r)", response_url)
            response_url = None
        for reply in replies:
            try:
                if reply.form is not None:
                    if trigger_id and await self._open_modal(link, reply, trigger_id, channel):
                        trigger_id = None
                        continue
                    # No trigger id, or it expired: a button asks the core again, and
                    # that click brings a fresh one.
                    key = MemberKey(PLATFORM, actor.workspace, actor.user)
                    language = await notices.language_for(self.services, key, actor.language)
                    reply = notices.form_later(
                        self.services.content,
                        language,
                        reply,
                        reopen=reopen,
                        expired=bool(trigger_id),
                    )
                    trigger_id = None
                messages = render.render_message(reply)
                if response_url and not dm and uses + len(messages) <= RESPONSE_URL_USES:
                    if await self._respond(response_url, messages, private=reply.private):
                        uses += len(messages)
                        await self._attachments(link, actor, reply)
                        continue
                where = channel if dm and channel else actor.user
                await self.sender.post_all(link, where, messages)
                await self._attachments(link, actor, reply)
            except SLACK_FAILURES:
                log.exception("slack: a reply to %s could not be sent", actor.user)

    async def _respond(
        self, url: str, messages: Sequence[render.SlackMessage], *, private: bool
    ) -> bool:
        webhook = AsyncWebhookClient(url, session=self.clients.session)
        for message in messages:
            response = await webhook.send(
                text=message.text,
                blocks=message.blocks,
                response_type="ephemeral" if private else "in_channel",
                replace_original=False,
            )
            if response.status_code != 200:
                log.info("slack: response URL refused (%s); using the DM", response.status_code)
                return False
        return True

    async def _open_modal(
        self, link: WorkspaceLink, reply: Reply, trigger_id: str, channel: str | None
    ) -> bool:
        try:
            async with self.clients.slots:
                await link.client.views_open(
                    trigger_id=trigger_id, view=render.render_modal(reply, channel=channel)
                )
            return True
        except SLACK_FAILURES as exc:
            log.info("slack: modal not opened (%s); offering a button instead", exc)
            return False

    async def _attachments(self, link: WorkspaceLink, actor: Actor, reply: Reply) -> None:
        """Charts and exports go to the DM: Slack has no ephemeral files."""
        if reply.files or reply.document:
            dm = await self.sender.open_dm(link, actor.user)
            await self.sender.upload_files(link, dm, reply)
