"""Multi-workspace installs: the OAuth flow end to end, tokens encrypted at rest, and the
start refusing a missing or malformed key with one line."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from adapters.slack.app import SlackConfig, SlackRuntime
from adapters.slack.installations import DbInstallationStore, token_cipher
from adapters.slack.pacing import SendLimits
from bot.context import Services
from bot.mentor import Mentor
from mentorbot.platforms import slack_config
from mentorbot.server import ProcessServer
from mentorbot.settings import ConfigError, Settings
from storage.models import Workspace
from storage.slack_models import SlackInstallation
from tests.adapters.slack.conftest import SECRET, USER, features
from tests.fakes import ARRIVAL_TIMEOUT_S
from tests.fakes.slack import FakeSlack, app_uninstalled_event

# slack_sdk 3.47 still builds aiohttp.BasicAuth for oauth.v2.access; aiohttp 3.14 warns.
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
INSTALLED_TOKEN = "xoxb-installed-through-oauth"
KEY = Fernet.generate_key().decode()


def serve_oauth(fake: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    """FakeSlack's ``oauth.v2.access``: it authenticates with the client id and secret
    (HTTP Basic), which the fake's bearer-token check does not know, so that check is
    told to let this one method through."""
    check = fake._auth_error
    monkeypatch.setattr(
        fake,
        "_auth_error",
        lambda method, token: None if method == "oauth.v2.access" else check(method, token),
    )
    fake.add_token(INSTALLED_TOKEN)

    def access(args: dict[str, Any]) -> dict[str, Any]:
        assert args["code"] == "the-code"
        return {
            "access_token": INSTALLED_TOKEN,
            "token_type": "bot",
            "scope": "commands,chat:write,im:history,im:write,mpim:write,users:read,files:write",
            "bot_user_id": fake.bot_user_id,
            "app_id": fake.app_id,
            "team": {"id": fake.team_id, "name": "Fake Team"},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": "U0INSTALLER"},
        }

    fake.handle("oauth.v2.access", access)


@pytest.fixture(params=["http"])
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


@dataclass
class OAuthRuntime:
    runtime: SlackRuntime
    base: str  # the process server's URL

    @property
    def adapter(self) -> Any:
        return self.runtime.adapter


@pytest.fixture
async def oauth_runtime(fake: FakeSlack, services: Services) -> AsyncIterator[OAuthRuntime]:
    config = SlackConfig(
        mode="http",
        api_url=fake.api_url,
        signing_secret=SECRET,
        client_id="111.222",
        client_secret="client-secret",
        secret_key=KEY,
    )
    server = ProcessServer(services, host="127.0.0.1", port=0)
    runtime = SlackRuntime(
        config,
        services=services,
        mentor=Mentor(services, features()),
        limits=SendLimits(per_channel=50),
        web_app=server.app,
    )
    async with runtime, server:
        yield OAuthRuntime(runtime, f"http://127.0.0.1:{server.bound_port}")


async def install(runtime: OAuthRuntime) -> None:
    """A browser through the install page and Slack's redirect back. The state cookie is
    ``Secure`` (as it must be on https), so it is carried by hand over this plain http."""
    base = runtime.base
    async with aiohttp.ClientSession() as browser:
        async with browser.get(f"{base}/slack/install") as page:
            assert page.status == 200
            html = await page.text()
            cookie = page.headers["Set-Cookie"].split(";", 1)[0]
        state = re.search(r"state=([\w-]+)", html)
        assert state is not None and "client_id=111.222" in html
        assert (
            "scope=app_mentions:read,commands,chat:write,im:history,im:write,mpim:write,users:read,files:write"
            in html
        )
        redirect = f"{base}/slack/oauth_redirect?code=the-code&state={state.group(1)}"
        async with browser.get(redirect, headers={"Cookie": cookie}) as done:
            assert done.status == 200, await done.text()
        async with browser.get(redirect, headers={"Cookie": cookie}) as again:
            assert again.status in (400, 401)  # a state is good once


async def test_oauth_install_stores_encrypted_tokens_and_serves_the_workspace(
    fake: FakeSlack, services: Services, oauth_runtime: OAuthRuntime, monkeypatch
) -> None:
    serve_oauth(fake, monkeypatch)
    await install(oauth_runtime)
    async with services.store.session() as s:
        row = await s.scalar(select(SlackInstallation))
    assert row is not None and (row.team_key, row.installer_user_id) == (
        fake.team_id,
        "U0INSTALLER",
    )
    assert INSTALLED_TOKEN not in row.secrets_encrypted and "xoxb" not in str(row.extra)
    assert token_cipher(KEY).decrypt(row.secrets_encrypted)["bot_token"] == INSTALLED_TOKEN

    # Requests from that workspace are authorised with the stored token.
    url = f"{oauth_runtime.base}/slack/events"
    status, _ = await fake.post_signed(
        url, fake.slash_command("/mentor", "help", user_id=USER), SECRET
    )
    assert status == 200
    assert oauth_runtime.adapter is not None
    await oauth_runtime.adapter.in_flight.wait_idle(ARRIVAL_TIMEOUT_S)
    assert fake.responses() and fake.calls_to("users.info")[0].token == INSTALLED_TOKEN

    # Uninstalling forgets the tokens and stops the workspace.
    fake.revoke_token(INSTALLED_TOKEN)
    status, _ = await fake.post_signed(url, fake.event_callback(app_uninstalled_event()), SECRET)
    assert status == 200
    await oauth_runtime.adapter.in_flight.wait_idle(ARRIVAL_TIMEOUT_S)
    async with services.store.session() as s:
        assert await s.scalar(select(SlackInstallation)) is None
        workspace = await s.scalar(select(Workspace))
    assert workspace is not None and workspace.disabled_reason == "app_uninstalled"

    # Installing again starts it again.
    fake.add_token(INSTALLED_TOKEN)
    await install(oauth_runtime)
    async with services.store.session() as s:
        workspace = await s.scalar(select(Workspace))
    assert workspace is not None and workspace.disabled_reason is None


async def test_the_installation_store_round_trip(services: Services) -> None:
    from slack_sdk.oauth.installation_store import Installation

    store = DbInstallationStore(services.store, token_cipher(KEY), services.clock)
    await store.async_save(
        Installation(
            app_id="A1",
            team_id="T1",
            team_name="One",
            bot_token="xoxb-1",
            bot_id="B1",
            bot_user_id="U0BOT",
            bot_scopes="chat:write,commands",
            user_id="U0ME",
            installed_at=1_800_000_000.0,
        )
    )
    bot = await store.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and (bot.bot_token, bot.bot_user_id) == ("xoxb-1", "U0BOT")
    assert bot.bot_scopes == ["chat:write", "commands"]
    found = await store.async_find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.user_id == "U0ME"
    assert (
        await store.async_find_installation(enterprise_id=None, team_id="T1", user_id="U0X") is None
    )
    assert await store.async_find_bot(enterprise_id=None, team_id="T2") is None
    await store.async_delete_installation(enterprise_id=None, team_id="T1")
    assert await store.async_find_bot(enterprise_id=None, team_id="T1") is None


async def test_a_rotated_bot_token_replaces_the_stored_one(services: Services) -> None:
    from slack_sdk.oauth.installation_store import Bot, Installation

    store = DbInstallationStore(services.store, token_cipher(KEY), services.clock)
    first = Installation(app_id="A1", team_id="T1", bot_token="xoxb-1", bot_id="B1", user_id="U0ME")
    await store.async_save(first)
    rotated = first.to_bot()
    rotated.bot_token, rotated.bot_refresh_token = "xoxb-2", "xoxe-2"
    await store.async_save_bot(rotated)
    bot = await store.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and (bot.bot_token, bot.bot_refresh_token) == ("xoxb-2", "xoxe-2")
    found = await store.async_find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.user_id == "U0ME"  # the rest of the row is kept
    # A bot of a workspace never stored is stored whole.
    await store.async_save_bot(
        Bot(team_id="T2", bot_token="xoxb-3", bot_id="B2", bot_user_id="U0B", installed_at=1.0)
    )
    other = await store.async_find_bot(enterprise_id=None, team_id="T2")
    assert other is not None and other.bot_token == "xoxb-3"


async def test_an_org_wide_install_serves_its_workspaces(services: Services) -> None:
    from slack_sdk.oauth.installation_store import Installation

    store = DbInstallationStore(services.store, token_cipher(KEY), services.clock)
    await store.async_save(
        Installation(
            enterprise_id="E1",
            team_id=None,
            is_enterprise_install=True,
            bot_token="xoxb-org",
            bot_id="B1",
            user_id="U0ME",
        )
    )
    bot = await store.async_find_bot(enterprise_id="E1", team_id="T9")
    assert bot is not None and bot.bot_token == "xoxb-org"


@pytest.mark.parametrize(
    ("key", "says"),
    [(None, "MENTORBOT_SECRET_KEY is missing"), ("not-a-key", "is not a Fernet key")],
)
def test_oauth_without_a_usable_key_fails_at_start_with_one_line(key, says) -> None:
    settings = Settings.model_construct(
        slack_client_id="111.222",
        slack_client_secret="s",
        slack_signing_secret=SECRET,
        mentorbot_secret_key=key,
        slack_app_token=None,
        slack_bot_token=None,
        slack_api_url=None,
    )
    with pytest.raises(ConfigError) as failure:
        slack_config(settings, mode="http")
    assert says in str(failure.value) and "\n" not in str(failure.value)


@pytest.mark.parametrize(
    ("mode", "overrides", "says"),
    [
        ("socket", {"slack_app_token": None}, "SLACK_APP_TOKEN is missing"),
        ("http", {"slack_signing_secret": None}, "SLACK_SIGNING_SECRET is missing"),
    ],
)
def test_a_mode_without_its_secret_fails_with_one_line(mode, overrides, says) -> None:
    values = {
        "slack_bot_token": "xoxb-1",
        "slack_app_token": "xapp-1",
        "slack_signing_secret": SECRET,
        "slack_client_id": None,
        "slack_client_secret": None,
        "mentorbot_secret_key": None,
        "slack_api_url": "http://127.0.0.1:9/api",
    }
    values.update(overrides)
    with pytest.raises(ConfigError) as failure:
        slack_config(Settings.model_construct(**values), mode=mode)
    assert says in str(failure.value)


def test_slack_api_url_gets_its_trailing_slash() -> None:
    settings = Settings.model_construct(
        slack_bot_token="xoxb-1",
        slack_app_token="xapp-1",
        slack_signing_secret=None,
        slack_client_id=None,
        slack_client_secret=None,
        mentorbot_secret_key=None,
        slack_api_url="http://127.0.0.1:9/api",
    )
    config = slack_config(settings)
    assert (config.mode, config.api_url) == ("socket", "http://127.0.0.1:9/api/")


async def test_socket_mode_with_oauth_serves_the_install_pages_but_takes_no_events(
    fake: FakeSlack, services: Services
) -> None:
    config = SlackConfig(
        mode="socket",
        api_url=fake.api_url,
        app_token=fake.app_token,
        client_id="111.222",
        client_secret="client-secret",
        secret_key=KEY,
    )
    server = ProcessServer(services, host="127.0.0.1", port=0)
    runtime = SlackRuntime(
        config, services=services, mentor=Mentor(services, features()), web_app=server.app
    )
    async with runtime, server:
        await fake.wait_socket_connected()
        base = f"http://127.0.0.1:{server.bound_port}"
        # No signing secret in Socket Mode: a POST signed with an empty one must not land.
        status, _ = await fake.post_signed(
            f"{base}/slack/events", fake.slash_command("/mentor", "help"), ""
        )
        assert status in (404, 405)
        async with aiohttp.ClientSession() as browser, browser.get(f"{base}/slack/install") as page:
            assert page.status == 200
    assert fake.responses() == []


def test_the_pace_comes_from_the_settings_not_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("SLACK_MESSAGES_PER_SECOND", "999")  # read by Settings only
    settings = Settings.model_construct(
        slack_bot_token="xoxb-1",
        slack_app_token="xapp-1",
        slack_api_url=None,
        slack_messages_per_second=2.5,
        slack_max_concurrency=4,
    )
    limits = slack_config(settings).limits
    assert (limits.per_workspace, limits.workspace_burst, limits.concurrency) == (2.5, 2, 4)
    default = slack_config(
        Settings.model_construct(slack_bot_token="xoxb-1", slack_app_token="xapp-1")
    ).limits
    assert default == SendLimits()
