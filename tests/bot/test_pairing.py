"""The pairing rules, one by one, on hand-made candidates: levels, tracks, languages,
time-zone overlap, no repeats, odd numbers and opt-outs (``bot/pairing.py``)."""

from __future__ import annotations

from datetime import date

from bot.pairing import Candidate, Pair, key, overlap, pair_up, tracks_fit

DAY = date(2027, 3, 8)


def person(
    pid: int,
    level: str | None = "junior",
    *,
    track: str | None = "mle",
    language: str = "en",
    tz: str = "Europe/Berlin",
    **flags: bool,
) -> Candidate:
    return Candidate(pid, level, track, language, tz, **flags)


def test_a_mentor_is_one_or_two_levels_above_never_the_same_or_three() -> None:
    assert pair_up([person(1, "junior"), person(2, "mid")], day=DAY).pairs == (Pair(2, (1,)),)
    assert pair_up([person(1, "junior"), person(2, "senior")], day=DAY).pairs == (Pair(2, (1,)),)
    same = pair_up([person(1, "mid"), person(2, "mid")], day=DAY)
    assert same.pairs == () and set(same.waiting) == {1, 2}
    far = pair_up([person(1, "intern"), person(2, "staff")], day=DAY)
    assert far.pairs == ()


def test_one_level_apart_is_preferred_over_two() -> None:
    people = [person(1, "junior"), person(2, "senior"), person(3, "mid"), person(4, "mid")]
    result = pair_up(people, day=DAY)
    assert set(result.pairs) == {Pair(3, (1,)), Pair(2, (4,))}  # never junior with senior


def test_an_unset_level_counts_as_junior() -> None:
    assert pair_up([person(1, None), person(2, "mid")], day=DAY).pairs == (Pair(2, (1,)),)


def test_tracks_must_be_the_same_or_neighbours() -> None:
    assert tracks_fit("mle", "mlops") and tracks_fit("mlops", "mle")
    assert tracks_fit("ds", "research") and not tracks_fit("ds", "mlops")
    assert tracks_fit(None, "research")
    far = pair_up([person(1, "junior", track="ds"), person(2, "mid", track="mlops")], day=DAY)
    assert far.pairs == ()
    near = pair_up([person(1, "junior", track="ds"), person(2, "mid", track="mle")], day=DAY)
    assert near.pairs == (Pair(2, (1,)),)


def test_the_same_track_is_preferred_over_a_neighbour() -> None:
    result = pair_up(
        [person(1, "junior", track="genai", waiting=True), person(2, "mid", track="mle"),
         person(3, "mid", track="genai")],
        day=DAY,
    )  # fmt: skip
    assert result.pairs == (Pair(3, (1,)),) and result.waiting == (2,)


def test_a_pair_shares_a_language() -> None:
    result = pair_up([person(1, "junior", language="vi"), person(2, "mid")], day=DAY)
    assert result.pairs == ()
    both_vi = pair_up(
        [person(1, "junior", language="vi"), person(2, "mid", language="vi")], day=DAY
    )
    assert both_vi.pairs == (Pair(2, (1,)),)


def test_working_hours_must_overlap_in_their_time_zones() -> None:
    assert overlap("America/New_York", "Asia/Kolkata", DAY).total_seconds() == 0
    assert overlap("Europe/Berlin", "Asia/Ho_Chi_Minh", DAY).total_seconds() == 3 * 3600
    apart = pair_up(
        [person(1, "junior", tz="America/New_York"), person(2, "mid", tz="Asia/Kolkata")], day=DAY
    )
    assert apart.pairs == () and set(apart.waiting) == {1, 2}
    close = pair_up(
        [person(1, "junior", tz="Europe/Berlin"), person(2, "mid", tz="Asia/Kolkata")], day=DAY
    )
    assert close.pairs == (Pair(2, (1,)),)


def test_overlap_follows_daylight_saving_on_the_round_day() -> None:
    # New York moves to summer time on 2027-03-14, Berlin on 2027-03-28: in between,
    # their working days share four hours instead of three.
    assert overlap("America/New_York", "Europe/Berlin", date(2027, 3, 8)).seconds == 3 * 3600
    assert overlap("America/New_York", "Europe/Berlin", date(2027, 3, 15)).seconds == 4 * 3600


def test_no_repeat_of_a_recent_pair() -> None:
    people = [person(1, "junior"), person(2, "mid"), person(3, "mid")]
    first = pair_up(people, day=DAY)
    met = first.pairs[0]
    again = pair_up(people, day=DAY, recent={key(met.mentor, met.mentees[0])})
    assert met not in again.pairs
    assert again.pairs and again.pairs[0].mentees == (1,)


def test_an_odd_one_out_joins_a_trio_when_the_mentor_fits_both() -> None:
    result = pair_up([person(1, "junior"), person(2, "junior"), person(3, "mid")], day=DAY)
    assert result.pairs == (Pair(3, (1, 2)),)
    assert result.waiting == ()


def test_an_odd_one_out_who_fits_no_pair_waits_and_goes_first_next_time() -> None:
    people = [person(1, "junior"), person(2, "mid"), person(3, "staff")]
    result = pair_up(people, day=DAY)
    assert result.pairs == (Pair(2, (1,)),) and result.waiting == (3,)
    # Next round, with a new member who could mentor either: the one who waited
    # chooses first, among those they can meet.
    later = [person(1, "junior"), person(2, "mid"), person(3, "staff", waiting=True),
             person(4, "senior")]  # fmt: skip
    following = pair_up(later, day=DAY, recent={key(2, 1)})
    assert any(3 in pair.members for pair in following.pairs)


def test_the_waiting_member_is_placed_before_others_with_the_same_options() -> None:
    people = [person(1, "junior"), person(2, "junior", waiting=True), person(3, "mid"),
              person(4, "intern", track="ds", language="vi")]  # fmt: skip
    result = pair_up(people, day=DAY, recent={key(1, 2)})
    # 1 and 2 compete for 3; a trio is possible, but 2 waited, so 2 is paired first
    assert result.pairs[0] == Pair(3, (1, 2)) or result.pairs[0] == Pair(3, (2,))
    assert 4 in result.waiting


def test_opted_out_and_paused_members_are_never_paired() -> None:
    people = [person(1, "junior"), person(2, "mid", opted_in=False), person(3, "mid", paused=True)]
    result = pair_up(people, day=DAY)
    assert result.pairs == () and result.waiting == (1,)


def test_many_members_are_each_placed_once() -> None:
    levels = ["intern", "junior", "mid", "senior", "staff"]
    people = [person(i, levels[i % 5], track=["mle", "genai"][i % 2]) for i in range(1, 21)]
    result = pair_up(people, day=DAY)
    placed = [m for pair in result.pairs for m in pair.members] + list(result.waiting)
    assert sorted(placed) == list(range(1, 21))
    assert len(result.pairs) >= 8
