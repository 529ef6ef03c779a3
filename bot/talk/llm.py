"""An optional language model that phrases the answer from the retrieved passages only.

With ``MENTORBOT_LLM_URL`` (an OpenAI-compatible endpoint: ``…/v1`` or the full
``…/chat/completions``) and ``MENTORBOT_LLM_MODEL`` set, a question's top passages are
numbered and sent with the question; the model must answer from them alone, in the
member's language, citing the passages it used as ``[1]``, ``[2]``. Its answer is
refused, and the retrieval answer given instead, when the endpoint fails, is slower than
``MENTORBOT_LLM_TIMEOUT`` seconds, or returns something that is not a grounded answer:
empty or overlong, citing no passage or one that was not sent, in the wrong language,
or mostly made of words found neither in the passages nor in the question. The member
never waits longer than the time limit and never sees an error from the model.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot import text
from bot.reply import Reply, Section
from bot.talk.fold import has_diacritics, words
from bot.talk.index import Passage

if TYPE_CHECKING:
    import aiohttp

    from bot.context import Ctx

log = logging.getLogger(__name__)

#: The model's answer is refused above this length (the passages are at most ~3 × 1,200).
MAX_ANSWER_CHARS = 2500
#: Share of the answer's content words that must come from the passages or the question.
MIN_GROUNDED = 0.5
#: Share of an English answer's words that may carry Vietnamese marks (names, quotes).
MAX_MARKED_IN_ENGLISH = 0.05
NO_ANSWER = "NO_ANSWER"
LANGUAGE_NAMES = {"en": "English", "vi": "Vietnamese"}
_CITATION = re.compile(r"\[(\d+)\]")

SYSTEM_PROMPT = (
    "You are Mentorbot, a career mentor for AI/ML engineers. Answer the member's question "
    "using ONLY the numbered passages below; do not add facts, names or numbers that are not "
    "in them. Write in {language}, in at most 120 words, speaking to the member as a mentor"
    "{voice}. Cite every passage you use with its number in square brackets, like [1]. "
    f"If the passages do not answer the question, reply with exactly {NO_ANSWER}."
)
VIETNAMESE_VOICE = ' (call yourself "mình" and the member "bạn"; keep English technical terms)'


@dataclass(frozen=True, slots=True)
class LlmConfig:
    url: str
    model: str
    api_key: str | None = None
    timeout: float = 8.0

    @property
    def endpoint(self) -> str:
        base = self.url.rstrip("/")
        return base if base.endswith("/chat/completions") else f"{base}/chat/completions"


def messages_for(question: str, passages: Sequence[Passage], lang: str) -> list[dict[str, str]]:
    numbered = "\n\n".join(f"[{n}] {p.heading}\n{p.text}" for n, p in enumerate(passages, start=1))
    system = SYSTEM_PROMPT.format(
        language=LANGUAGE_NAMES.get(lang, "English"),
        voice=VIETNAMESE_VOICE if lang == "vi" else "",
    )
    return [
        {"role": "system", "content": f"{system}\n\nPassages:\n\n{numbered}"},
        {"role": "user", "content": question},
    ]


def grounded(answer: str, question: str, passages: Sequence[Passage], lang: str) -> list[int]:
    """The passage numbers an acceptable answer cites; empty when it is not acceptable."""
    answer = answer.strip()
    if not answer or NO_ANSWER in answer or len(answer) > MAX_ANSWER_CHARS:
        return []
    cited = [int(n) for n in _CITATION.findall(answer)]
    if not cited or any(not 1 <= n <= len(passages) for n in cited):
        return []
    said = [w for w in words(_CITATION.sub(" ", answer)) if len(w) > 3 and not w.isdigit()]
    if not said:
        return []
    known = set(words(question))
    for p in passages:
        known.update(words(f"{p.heading} {p.text}"))
    if sum(w in known for w in said) / len(said) < MIN_GROUNDED:
        return []
    plain = answer.split()
    marked = sum(has_diacritics(w) for w in plain) / len(plain)
    if lang == "vi" and not has_diacritics(answer):
        return []
    if lang != "vi" and marked > MAX_MARKED_IN_ENGLISH:
        return []
    return list(dict.fromkeys(cited))


class GroundedWriter:
    """Asks the model; returns a reply, or None so the caller gives the retrieval answer."""

    def __init__(self, config: LlmConfig, session: aiohttp.ClientSession) -> None:
        self.config = config
        self.session = session

    async def complete(self, messages: list[dict[str, str]]) -> str:
        headers = {"Content-Type": "application/json"}
        if self.config.api_key:
            headers["Authorization"] = f"Bearer {self.config.api_key}"
        body: dict[str, Any] = {
            "model": self.config.model,
            "messages": messages,
            "temperature": 0.2,
            "max_tokens": 400,
        }
        async with self.session.post(self.config.endpoint, json=body, headers=headers) as resp:
            resp.raise_for_status()
            payload = await resp.json(content_type=None)
        return str(payload["choices"][0]["message"]["content"])

    async def write(self, ctx: Ctx, question: str, passages: Sequence[Passage]) -> Reply | None:
        if not passages:
            return None
        messages = messages_for(question, passages, ctx.lang)
        try:
            async with asyncio.timeout(self.config.timeout):
                answer = await self.complete(messages)
        except Exception as exc:  # any failure of the endpoint: retrieval answers instead
            log.warning("language model unavailable (%s); answering from retrieval", exc)
            return None
        cited = grounded(answer, question, passages, ctx.lang)
        if not cited:
            log.warning("language model answer refused as ungrounded: %.200r", answer)
            return None
        sources = " · ".join(f"[{n}] {passages[n - 1].heading}" for n in cited)
        sections = [Section(text=ctx.t("talk.written_by_model", sources=sources))]
        best = passages[cited[0] - 1]
        if best.command:
            sections.append(Section(text=ctx.t("talk.whole_page", command=best.command)))
        body = text.clean(re.sub(r"[<>]", "", answer), limit=MAX_ANSWER_CHARS)
        return Reply(text=body, sections=tuple(sections))
