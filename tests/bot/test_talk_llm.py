"""The optional language model, against a local fake OpenAI-compatible endpoint (port 0).

The fake answers from the passages it is sent, or misbehaves on request: slow past the
time limit, an HTTP error, broken JSON, no citation, a citation of a passage it was not
sent, the wrong language, made-up words. Each misbehaviour must end in the retrieval
answer, never an error.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.context import Services
from bot.mentor import Mentor
from bot.talk.llm import GroundedWriter, LlmConfig
from mentorbot.settings import ConfigError, load_settings
from tests.conftest import Chat, make_actor


@dataclass
class FakeModel:
    """What the fake endpoint answers next, and what it was asked."""

    mode: str = "good"
    requests: list[dict[str, Any]] = field(default_factory=list)
    never: asyncio.Event = field(default_factory=asyncio.Event)

    def first_passage(self, body: dict[str, Any]) -> str:
        system = body["messages"][0]["content"]
        found = re.search(r"\[1\] [^\n]*\n(.+)", system)
        assert found is not None
        return found.group(1).strip("- *")

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        passage = self.first_passage(body)
        match self.mode:
            case "slow":
                await self.never.wait()
            case "error":
                return web.Response(status=500, text="overloaded")
            case "badjson":
                return web.Response(text="{not json", content_type="application/json")
            case "good":
                content = f"{passage} [1]"
            case "nocite":
                content = passage
            case "badcite":
                content = f"{passage} [7]"
            case "english":
                content = "Ship one small project every week and write down what you learned [1]"
            case "madeup":
                content = "Quantum blockchain synergy maximises paradigm leverage always [1]"
            case "refuse":
                content = "NO_ANSWER"
            case _:  # pragma: no cover
                raise AssertionError(self.mode)
        return web.json_response({"choices": [{"message": {"content": content}}]})


@pytest.fixture
async def fake_model() -> AsyncIterator[tuple[FakeModel, str]]:
    model = FakeModel()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", model.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield model, f"http://127.0.0.1:{port}/v1"
    finally:
        model.never.set()
        await runner.cleanup()


@pytest.fixture
async def llm_chat(
    services: Services, fake_model: tuple[FakeModel, str]
) -> AsyncIterator[tuple[Chat, FakeModel]]:
    model, url = fake_model
    async with aiohttp.ClientSession() as session:
        config = LlmConfig(url=url, model="fake-7b", api_key="k", timeout=0.3)
        services.answer_writer = GroundedWriter(config, session)
        chat = Chat(Mentor(services), make_actor())
        await chat.say("/mentor profile")
        yield chat, model


QUESTION = "What is the 70/20/10 rule?"


async def test_a_grounded_answer_names_its_passages(llm_chat: tuple[Chat, FakeModel]) -> None:
    chat, model = llm_chat
    out = await chat.say(QUESTION)
    reply = chat.last[-1]
    assert "[1]" in reply.text
    assert "Written from: [1] The 70/20/10 rule for learning" in out
    assert "`/mentor guide 702010`" in out
    assert len(reply.buttons) == 2
    [request] = model.requests
    assert request["model"] == "fake-7b"
    system = request["messages"][0]["content"]
    assert "Write in English" in system and "ONLY the numbered passages" in system
    assert "[1] The 70/20/10 rule for learning" in system
    assert request["messages"][1] == {"role": "user", "content": QUESTION}


async def test_vietnamese_members_get_vietnamese(llm_chat: tuple[Chat, FakeModel]) -> None:
    chat, model = llm_chat
    await chat.say("/mentor set lang vi")
    out = await chat.say("quy tac 70/20/10 la gi")
    assert "Viết dựa trên: [1]" in out
    system = model.requests[-1]["messages"][0]["content"]
    assert "Write in Vietnamese" in system and '"mình"' in system


@pytest.mark.parametrize(
    "mode", ["slow", "error", "badjson", "nocite", "badcite", "madeup", "refuse"]
)
async def test_failures_and_nonsense_fall_back_to_retrieval(
    llm_chat: tuple[Chat, FakeModel], mode: str
) -> None:
    chat, model = llm_chat
    model.mode = mode
    out = await chat.say(QUESTION)
    assert "Written from" not in out
    assert chat.last[-1].title == "The 70/20/10 rule for learning"
    assert "The whole page: `/mentor guide 702010`" in out
    assert len(model.requests) == 1


async def test_an_english_answer_to_a_vietnamese_member_is_refused(
    llm_chat: tuple[Chat, FakeModel],
) -> None:
    chat, model = llm_chat
    await chat.say("/mentor set lang vi")
    model.mode = "english"
    out = await chat.say("quy tac 70/20/10 la gi")
    assert "Viết dựa trên" not in out
    assert "Xem cả trang: `/mentor guide 702010`" in out


def test_a_url_without_a_model_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_LLM_URL", "http://127.0.0.1:1/v1")
    monkeypatch.delenv("MENTORBOT_LLM_MODEL", raising=False)
    with pytest.raises(ConfigError, match="MENTORBOT_LLM_MODEL is missing"):
        load_settings(_env_file=None)


def test_endpoint_accepts_a_base_or_a_full_url() -> None:
    assert LlmConfig("http://x/v1/", "m").endpoint == "http://x/v1/chat/completions"
    full = "http://x/v1/chat/completions"
    assert LlmConfig(full, "m").endpoint == full
