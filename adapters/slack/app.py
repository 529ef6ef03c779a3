"""The slack-bolt ``AsyncApp`` and the process around it, ``SlackRuntime``: Socket Mode or
HTTP mode, one bot token or OAuth installs (docs/slack.md, "Modes").

The runtime builds every resource once (one aiohttp session, the clients, the
installation store) and closes them on the way out. Bolt answers nothing for a request
no listener matches (in Socket Mode, Slack then retries it), so every kind of request
the manifest (``manifest.yml``, read by ``manifest.py``) subscribes to has a listener,
and a catch-all acknowledges the rest.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp
from aiohttp import web
from slack_bolt.app.async_server import AsyncSlackAppServer
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from adapters.common.lifecycle import Running
from adapters.slack import PLATFORM, render
from adapters.slack.adapter import SlackAdapter
from adapters.slack.clients import SlackClients
from adapters.slack.gate import events_handler
from adapters.slack.installations import (
    DbInstallationStore,
    DbOAuthStateStore,
    token_cipher,
)
from adapters.slack.manifest import manifest
from adapters.slack.outlet import SlackOutlet
from adapters.slack.pacing import SendLimits
from bot.context import Services
from bot.errors import ConfigError
from bot.home import RUN_ACTION
from bot.mentor import Mentor
from bot.retry import with_retries

log = logging.getLogger(__name__)

Mode = Literal["socket", "http"]
EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


@dataclass(frozen=True)
class SlackConfig:
    """What the adapter needs from the settings; the entry point builds and checks it
    (``mentorbot.platforms.slack_config``), so the adapter reads no environment."""

    mode: Mode
    api_url: str
    bot_token: str | None = None
    app_token: str | None = None
    signing_secret: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    secret_key: str | None = None
    limits: SendLimits = field(default_factory=SendLimits)
    #: Tries to reach Slack at start before giving up (``MENTORBOT_START_ATTEMPTS``).
    start_attempts: int = 1
    #: Seconds between Socket Mode's pings, which is also how often it tries to reconnect
    #: after losing Slack (``SLACK_SOCKET_PING_INTERVAL``; bolt's default).
    socket_ping_interval: float = 10.0

    @property
    def oauth(self) -> bool:
        return bool(self.client_id and self.client_secret)


def event_listeners(adapter: SlackAdapter) -> dict[str, Callable[..., Awaitable[None]]]:
    """The listener of each event the manifest subscribes to, by the type bolt matches
    (``message.im`` arrives as ``message``); test_manifest pins the two together."""
    return {
        "message": adapter.on_message,
        "app_mention": adapter.on_mention,
        "app_home_opened": adapter.on_home_opened,
        "app_uninstalled": adapter.on_uninstalled,
        "tokens_revoked": adapter.on_tokens_revoked,
    }


def build_app(
    config: SlackConfig,
    adapter: SlackAdapter,
    *,
    installations: DbInstallationStore | None = None,
    state_store: DbOAuthStateStore | None = None,
) -> AsyncApp:
    """The bolt app with every listener; nothing connects until the runtime starts."""
    declared = manifest()  # the scopes and the command Slack knows the app by
    oauth_settings = None
    if config.oauth:
        from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings

        oauth_settings = AsyncOAuthSettings(
            client_id=config.client_id,
            client_secret=config.client_secret,
            scopes=list(declared.bot_scopes),  # docs/slack.md says why each is needed
            installation_store=installations,
            installation_store_bot_only=True,
            state_store=state_store,
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
        )
    app = AsyncApp(
        client=adapter.clients.app_client(),
        signing_secret=config.signing_secret or "",
        installation_store=installations,
        installation_store_bot_only=True if installations is not None else None,
        oauth_settings=oauth_settings,
        logger=logging.getLogger("mentorbot.slack.bolt"),
        name="mentorbot",
    )
    for command in declared.commands:
        app.command(command)(adapter.on_command)
    app.action(render.ACTION_PATTERN)(adapter.on_action)
    app.action(re.compile("^" + re.escape(render.HOME_PAGE_ACTION)))(adapter.on_home_page)
    app.view(re.compile("^" + re.escape(render.CALLBACK_PREFIX)))(adapter.on_view)
    for event, listener in event_listeners(adapter).items():
        app.event(event)(listener)

    async def acknowledge(ack: Any) -> None:
        await ack()

    async def ignore() -> None:
        return None

    # Catch-alls, registered last: anything else is acknowledged and dropped.
    app.action(re.compile(".*"))(acknowledge)
    app.view(re.compile(".*"))(acknowledge)
    app.shortcut(re.compile(".*"))(acknowledge)
    app.options(re.compile(".*"))(acknowledge)
    app.event(re.compile(".*"))(ignore)
    return app


class SlackRuntime(Running):
    """Slack, running: start it, hand ``outlet`` to the scheduler, close it at the end.

    HTTP mode and the OAuth install pages mount their routes on ``web_app``, the
    process's one server (``mentorbot.server``), which its owner starts after this
    runtime started and stops before closing it.
    """

    def __init__(
        self,
        config: SlackConfig,
        *,
        services: Services,
        mentor: Mentor,
        limits: SendLimits | None = None,
        web_app: web.Application | None = None,
    ) -> None:
        self.config = config
        self.services = services
        self.mentor = mentor
        self.limits = limits or config.limits
        self.web_app = web_app
        self.session: aiohttp.ClientSession | None = None
        self.installations: DbInstallationStore | None = None
        self.adapter: SlackAdapter | None = None
        self.app: AsyncApp | None = None
        self._socket: Any = None
        if config.oauth:
            self._cipher = token_cipher(config.secret_key)  # fails at start

    @property
    def outlet(self) -> SlackOutlet:
        assert self.adapter is not None, "start() first"
        return self.adapter.outlet

    async def start(self) -> None:
        config, services = self.config, self.services
        # The session's timeout is the one that counts: slack_sdk applies its own only
        # to the sessions it makes itself.
        self.session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.limits.timeout)
        )
        state_store = None
        if config.oauth:
            self.installations = DbInstallationStore(services.store, self._cipher, services.clock)
            state_store = DbOAuthStateStore(services.store, services.clock)
        clients = SlackClients(
            base_url=config.api_url,
            limits=self.limits,
            session=self.session,
            token=None if config.oauth else config.bot_token,
            installations=self.installations,
        )
        outlet = SlackOutlet(clients)
        adapter = SlackAdapter(
            services=services, handle=self.mentor.handle, clients=clients, outlet=outlet
        )
        outlet.on_disabled = adapter.disabled
        outlet.on_digest_failed = adapter.digest_failed
        if self.installations is not None:
            store = self.installations

            async def forget(team: str) -> None:
                await store.async_delete_all(enterprise_id=None, team_id=team)

            adapter.forget_installation = forget
        if RUN_ACTION not in self.mentor.router.actions:
            log.warning(
                "slack: bot.home's router is not among the mentor's features: App Home's "
                "quick buttons and the 'open the form' buttons will not work"
            )
        self.adapter = adapter
        self.app = build_app(
            config, adapter, installations=self.installations, state_store=state_store
        )
        if not config.oauth:
            await self._check_token(clients)
        if config.mode == "http" or config.oauth:
            self._mount_http()
        if config.mode == "socket":
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            await self._check_app_token(clients)
            self._socket = AsyncSocketModeHandler(
                self.app, app_token=config.app_token, ping_interval=config.socket_ping_interval
            )
            await self._socket.connect_async()
        log.info("slack: %s mode%s", config.mode, ", OAuth installs" if config.oauth else "")

    async def _ask(self, call: Callable[[], Awaitable[Any]], token: str) -> Any:
        """A call at start, tried again while Slack cannot be reached; a refused token
        stops the start with one line."""
        try:
            return await with_retries(
                call,
                what="Slack",
                where=self.config.api_url,
                attempts=self.config.start_attempts,
                transient=(aiohttp.ClientError, TimeoutError, OSError),
            )
        except SlackApiError as exc:
            error = exc.response.get("error")
            raise ConfigError(f"{token} was refused by Slack ({error})") from None

    async def _check_token(self, clients: SlackClients) -> None:
        """A wrong bot token fails the start with one line; a working one re-enables its
        workspace (the app may have been reinstalled since it was disabled)."""
        auth = await self._ask(clients.app_client().auth_test, "SLACK_BOT_TOKEN")
        team = auth.get("team_id")
        if team and await self.services.store.set_workspace_disabled(PLATFORM, str(team), None):
            log.info("slack: workspace %s is enabled again", team)

    async def _check_app_token(self, clients: SlackClients) -> None:
        """Socket Mode's client retries a refused app token forever, a traceback each
        time: ask for a connection URL once first, so a wrong token is one line."""
        client, token = clients.app_client(), self.config.app_token or ""
        await self._ask(lambda: client.apps_connections_open(app_token=token), "SLACK_APP_TOKEN")

    def _mount_http(self) -> None:
        """``/slack/events`` in HTTP mode only: in Socket Mode nothing may arrive over
        HTTP (there is no signing secret to check it with), only the install pages."""
        assert self.app is not None
        web_app = self.web_app
        if web_app is None:
            raise ValueError("HTTP mode and OAuth installs need the process's server")
        bolt = AsyncSlackAppServer(port=0, path=EVENTS_PATH, app=self.app)  # its pages only
        if self.config.mode == "http":
            secret = self.config.signing_secret or ""
            web_app.router.add_post(EVENTS_PATH, events_handler(self.app, secret))
        if self.config.oauth:
            web_app.router.add_get(INSTALL_PATH, bolt.handle_get_requests)
            web_app.router.add_get(REDIRECT_PATH, bolt.handle_get_requests)

    async def close(self, *, drain: float = 10.0) -> None:
        """Stop taking requests, let answers in progress finish, close the session."""
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self.adapter is not None:
            try:
                await self.adapter.in_flight.wait_idle(drain)
            except TimeoutError:
                log.warning(
                    "slack: %d answers still running at shutdown", len(self.adapter.in_flight)
                )
        if self.session is not None:
            await self.session.close()
            self.session = None
