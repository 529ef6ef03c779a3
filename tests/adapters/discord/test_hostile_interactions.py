"""Discord interactions of shapes Mentorbot never made (a custom id from nowhere, a
select value forged or stale, a modal with unknown inputs, a slash-command option with
anything in it): each gets an answer, never an exception and never Discord's
"the application did not respond"."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.context import Services
from tests.adapters.discord.conftest import make_adapter, running
from tests.fakes.discord_fake import FakeDiscord

FLAG_EPHEMERAL = 1 << 6
CUSTOM_IDS = st.one_of(
    st.text(max_size=100),
    st.builds(lambda t: "mentor:" + t, st.text(max_size=80)),
    st.builds(lambda n, t: f"mentor@{n}~3:{t}", st.integers(0, 10**25), st.text(max_size=40)),
    st.builds(lambda t: "mform:" + t, st.text(max_size=80)),
    st.builds(lambda t: "mpage:" + t, st.text(max_size=80)),
    st.sampled_from(["mentor:level:show|mid", "mentor:assess:answer|1:0:yes", "mpage:x:²"]),
)
VALUES = st.lists(st.text(max_size=100), max_size=3)


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kind=st.sampled_from(["button", "select", "modal", "command"]),
    custom_id=CUSTOM_IDS,
    values=VALUES,
    fields=st.dictionaries(st.text(max_size=30), st.text(max_size=200), max_size=3),
    in_dm=st.booleans(),
)
@example(kind="modal", custom_id="mform:", values=[], fields={}, in_dm=False)
@example(kind="select", custom_id="mentor:level:show", values=["~zz"], fields={}, in_dm=True)
async def test_any_interaction_gets_an_answer(
    services: Services,
    fake: FakeDiscord,
    caplog: pytest.LogCaptureFixture,
    kind: str,
    custom_id: str,
    values: list[str],
    fields: dict[str, str],
    in_dm: bool,
) -> None:
    guild = fake.add_guild()
    user = fake.add_user().id
    where: dict[str, Any] = {"user_id": user, "guild_id": None if in_dm else guild.id}
    caplog.clear()
    async with running(make_adapter(services, fake, defer_after=0.3)):
        if in_dm:  # the member's server is known once they used /mentor there
            first = fake.slash_command_interaction(
                "mentor", "profile", user_id=user, guild_id=guild.id
            )
            await fake.dispatch("INTERACTION_CREATE", first)
            await fake.wait_interaction_response(int(first["id"]))
        if kind == "command":
            payload = fake.slash_command_interaction(
                "mentor", "level", {"level": custom_id or "?"}, **where
            )
        elif kind == "modal":
            payload = fake.modal_submit_interaction(custom_id or "x", fields, **where)
        else:
            payload = fake.component_interaction(
                custom_id or "x",
                component_type=2 if kind == "button" else 3,
                values=values if kind == "select" else None,
                **where,
            )
        with caplog.at_level(logging.ERROR):
            await fake.dispatch("INTERACTION_CREATE", payload)
            callback = await fake.wait_interaction_response(int(payload["id"]))
    assert callback.accepted
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
