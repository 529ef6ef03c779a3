"""Time off, read from a platform's status: is this member away today?

Users of check-in bots ask most for time off to be respected without having to say
so. Slack shows a status (an emoji, a text, an optional expiry); a member who set the
vacation emoji or wrote "OOO" gets no check-in prompt while it is set, and since the
prompt was never sent, the day is not one they were asked about and their streak is
kept (``bot/features/checkin.py``). The rule is here, in the core and pure, so that
any platform that can read a status applies the same one; the adapter only reads it
(``adapters/slack/outlet.py``, through ``bot.delivery.Presence``). ``/mentor pause``
still works everywhere. See ``docs/timeoff.md``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

#: Status emoji that mean time off: Slack's own "Vacationing" and "Out sick", and the
#: usual holiday ones.
AWAY_EMOJI = frozenset(
    {
        ":palm_tree:",
        ":beach_with_umbrella:",
        ":desert_island:",
        ":face_with_thermometer:",
        ":sick:",
    }
)
#: Words in a status text that mean time off, English and Vietnamese (matched as whole
#: words, case and diacritics folded: "nghi phep" matches "nghỉ phép").
AWAY_WORDS = (
    "ooo",
    "out of office",
    "out of the office",
    "vacation",
    "vacationing",
    "holiday",
    "holidays",
    "on leave",
    "pto",
    "off sick",
    "out sick",
    "sick leave",
    "nghi phep",
    "nghi le",
    "nghi om",
    "nghi tet",
)
_WORDS = re.compile(
    r"(?<![a-z0-9])(?:" + "|".join(re.escape(w) for w in AWAY_WORDS) + r")(?![a-z0-9])"
)


def fold(value: str) -> str:
    """Lower case without diacritics (đ becomes d), so "Nghỉ phép" reads "nghi phep"."""
    decomposed = unicodedata.normalize("NFKD", value.casefold().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def status_says_away(
    text: str | None, emoji: str | None, *, expires: datetime | None, now: datetime
) -> bool:
    """Whether a status means the member is away at ``now``; an expired status (the
    platform may not have cleared it yet) means nothing."""
    if expires is not None and expires <= now:
        return False
    if emoji and emoji.strip().lower() in AWAY_EMOJI:
        return True
    return bool(text) and _WORDS.search(fold(text or "")) is not None
