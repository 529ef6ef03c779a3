"""Cutting and splitting text to a limit: at breaks, in code points or UTF-16 units."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.common.splitting import ELLIPSIS, cut, prefix_within, split_text, utf16_len

EMOJI = "\U0001f600"


def test_utf16_counts_astral_characters_twice() -> None:
    assert utf16_len("ab") == 2
    assert utf16_len(f"a{EMOJI}") == 3
    assert prefix_within(EMOJI * 3, 5, utf16=True) == 2
    assert prefix_within(EMOJI * 3, 5) == 3


def test_cut_adds_an_ellipsis_only_when_something_was_dropped() -> None:
    assert cut("short", 5) == "short"
    assert cut("a long text", 7) == "a long" + ELLIPSIS
    assert utf16_len(cut(EMOJI * 10, 7, utf16=True)) <= 7


def test_split_prefers_paragraphs_then_lines_then_words() -> None:
    text = "a" * 15 + "\n\n" + "b" * 10 + "\n" + "c" * 9
    assert split_text(text, 20) == ["a" * 15, "b" * 10 + "\n" + "c" * 9]
    assert split_text("aaaa bbbb cccc", 10) == ["aaaa bbbb", "cccc"]
    assert split_text("x" * 45, 20) == ["x" * 20, "x" * 20, "x" * 5]


def test_a_break_just_past_the_limit_is_used() -> None:
    assert split_text("a" * 10 + " " + "b" * 3, 10) == ["a" * 10, "b" * 3]


def test_a_break_in_the_first_half_is_not_worth_it() -> None:
    assert split_text("ab " + "c" * 30, 10) == ["ab " + "c" * 7, "c" * 10, "c" * 10, "c" * 3]


def test_keep_whole_moves_the_split_back() -> None:
    def before_brackets(text: str, point: int) -> int:
        start = text.rfind("[", 0, point)
        return start if start > 0 and "]" not in text[start:point] else point

    assert split_text("xxxxxxx[yyyy]", 10, keep_whole=before_brackets) == ["xxxxxxx", "[yyyy]"]


def test_blank_text_gives_no_chunks() -> None:
    assert split_text("  \n\n ", 10) == []


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=0, max_size=400), st.integers(2, 60), st.booleans())
def test_every_chunk_fits_and_no_word_is_lost(text: str, limit: int, utf16: bool) -> None:
    chunks = split_text(text, limit, utf16=utf16)
    measure = utf16_len if utf16 else len
    assert all(0 < measure(c) <= limit for c in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split())


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(["a", " ", "é", "\uffff", EMOJI, "\U00010000", "\ud800"])),
    st.integers(-2, 90),
)
def test_utf16_measures_agree_with_counting_each_character(text: str, limit: int) -> None:
    """The codec-based count and prefix are the per-character definition, lone
    surrogates included (one unit each)."""
    units = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    assert utf16_len(text) == sum(units)
    fits = next((i for i in range(len(text)) if sum(units[: i + 1]) > limit), len(text))
    assert prefix_within(text, limit, utf16=True) == fits
