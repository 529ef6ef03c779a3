"""The render cache both outlets use: a reply shared by a fan-out renders once."""

from __future__ import annotations

from adapters.common.renders import RenderCache
from bot.reply import Reply


class Renderer:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, replies: list[Reply]) -> list[str]:
        self.calls += 1
        return [r.text.upper() for r in replies]


def test_the_same_replies_render_once() -> None:
    cache: RenderCache[list[str]] = RenderCache()
    render = Renderer()
    prompt = [Reply(text="how was your week?")]
    for _ in range(1000):  # every member of a language, one shared list
        assert cache.rendered(prompt, lambda: render(prompt)) == ["HOW WAS YOUR WEEK?"]
    assert render.calls == 1


def test_equal_but_distinct_replies_render_again() -> None:
    """Identity, not equality: a reply rebuilt for another member is rendered anew
    (what is equal is not known to render the same without comparing every field)."""
    cache: RenderCache[list[str]] = RenderCache()
    render = Renderer()
    for _ in range(2):
        replies = [Reply(text="hi")]
        cache.rendered(replies, lambda replies=replies: render(replies))
    assert render.calls == 2


def test_the_context_and_every_reply_are_part_of_the_key() -> None:
    cache: RenderCache[str] = RenderCache()
    first, second = Reply(text="a"), Reply(text="b")
    cache.put([first], "one", context="server 1")
    assert cache.get([first], context="server 1") == "one"
    assert cache.get([first], context="server 2") is None
    assert cache.get([first, second], context="server 1") is None
    assert cache.get([second], context="server 1") is None


def test_a_reused_id_is_not_mistaken_for_the_reply_it_belonged_to() -> None:
    cache: RenderCache[str] = RenderCache()
    kept = Reply(text="old")
    cache.put([kept], "old")
    stranger = Reply(text="new")
    # As if Python had given the freed reply's id to a new one: same key, other object.
    cache._entries.put((None, id(stranger)), ((kept,), "old"))
    assert cache.get([stranger]) is None


def test_only_the_most_recent_renderings_are_kept() -> None:
    cache: RenderCache[int] = RenderCache(size=2)
    replies = [[Reply(text=str(n))] for n in range(3)]
    for n, reply in enumerate(replies):
        cache.put(reply, n)
    assert len(cache) == 2
    assert cache.get(replies[0]) is None and cache.get(replies[2]) == 2
