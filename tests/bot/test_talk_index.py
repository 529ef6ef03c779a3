"""The index's folding and structure: marks typed are kept, the synonym list is read
longest phrase first, and a page's sub-items neither crowd out nor hide the page."""

from __future__ import annotations

from bot.content import load_library
from bot.talk.fold import Word, fold, mark_tones, marked_words
from bot.talk.index import expansions, index_for, load_synonyms, page_names, question_words


def test_marked_form_keeps_vowel_marks_and_writes_the_tone_after_the_word() -> None:
    assert mark_tones("Bài toán") == "bai2 toan1"
    assert mark_tones("toàn bộ") == "toan2 bô5"
    # The tone on either vowel is the same syllable: "khoá" and "khóa".
    assert mark_tones("khoá học") == mark_tones("khóa học") == "khoa1 hoc5"
    assert mark_tones("Đào sâu, C++") == "đao2 sâu, c++"
    assert fold("Bài toán") == fold("bài toàn") == "bai toan"


def test_a_word_typed_without_marks_may_be_any_word_that_folds_the_same() -> None:
    month, rise = marked_words("tháng thăng")
    typed = marked_words("thang")[0]
    assert typed == Word("thang", None)
    assert typed.matches(month) and typed.matches(rise)
    assert not month.matches(rise) and month.matches(month)


def test_stop_words_with_marks_are_only_those_words() -> None:
    # "có" asks, "cơ" (of "cơ bản", basics) is what the question is about.
    assert [w.folded for w in question_words("Có cần kiến thức cơ bản không?")] == [
        "kien",
        "thuc",
        "co",
        "ban",
    ]
    assert [w.folded for w in question_words("co can kien thuc co ban khong")] == [
        "kien",
        "thuc",
    ]


def test_synonyms_are_read_longest_phrase_first() -> None:
    groups = load_synonyms()
    found = {" ".join(w.folded for w in p) for p in expansions("thang tien len staff", groups)}
    assert "promoted" in found
    assert "monthly" not in found  # "thang" was read as part of "thang tien"
    marked = {" ".join(w.folded for w in p) for p in expansions("thăng tiến", groups)}
    assert "promoted" in marked and "monthly" not in marked
    assert "monthly" in {" ".join(w.folded for w in p) for p in expansions("mỗi tháng", groups)}


def test_a_synonym_the_stemmer_already_finds_is_not_searched_again() -> None:
    index = index_for(load_library())
    found = {
        " ".join(w.folded for w in p) for p in expansions("promotion", load_synonyms(), index.stem)
    }
    # "promotion", "promoted" and "promote" are one stem: searching it three times would
    # count one word three times.
    assert "next level" in found
    assert not found & {"promoted", "promote", "promotion"}


def test_marks_typed_tell_toan_math_from_toan_whole() -> None:
    index = index_for(load_library())
    hits = index.search("vi", "Cần học toán đến mức nào?")
    assert hits and "FOUND-CORE" in {c for h in hits for c in h.passage.covers}


def test_sub_items_carry_their_page_in_the_heading_and_share_one_slot() -> None:
    index = index_for(load_library())
    step = index.passage("en", "tracks:tracks.mlops.roadmap[3]")
    assert step is not None
    assert step.heading.startswith("MLOps") and "Roadmap" in step.heading
    assert step.page == "tracks:tracks.mlops.roadmap"
    phase = index.passage("vi", "roadmap:phases[0]")
    assert phase is not None and phase.heading.startswith("Giai đoạn 1:")
    pages = [h.passage.page for h in index.search("en", "MLOps roadmap steps")]
    assert len(pages) == len(set(pages))
    assessment = index.passage("en", "assess:assess.senior")
    assert assessment is not None and "Senior" in assessment.heading


def test_a_level_named_in_the_question_outranks_a_page_that_only_mentions_it() -> None:
    index = index_for(load_library())
    for lang, question in (("en", "What does a senior engineer own?"), ("vi", "senior la gi")):
        best = index.search(lang, question)[0].passage
        assert "LVL-SENIOR" in best.covers, best.id


def test_a_page_is_named_by_the_words_of_its_keys() -> None:
    assert page_names("levels:levels.senior.focus") == {"levels", "senior", "focus"}
    assert page_names("tracks:tracks.mlops.roadmap") == {"tracks", "mlops", "roadmap"}
    assert page_names("tracks:aie_vs_mle") == {"aie", "vs", "mle"}
    index = index_for(load_library())
    # "senior" is on many pages; naming it puts the senior page above the others.
    assert "LVL-SENIOR" in index.search("vi", "làm sao lên senior")[0].passage.covers
