"""Time zones from what people type: IANA names, city names in English and Vietnamese,
offsets like ``UTC+7``, and abbreviations like ``EST`` (which ask for a city).

Why not only IANA names: a Vietnamese team types "Hà Nội", "Sài Gòn" or "GMT+7", and
a near-miss must never be "corrected" into a zone with another offset ("UTC+7" is not
"UTC"). An abbreviation names an offset, not a place, and most places that use one
switch to summer time, so it cannot stand for a zone: the member is asked for a city.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from bot.content import Pack
from bot.grammar import best_matches
from schedules.timing import is_valid_timezone

VIETNAM = "Asia/Ho_Chi_Minh"

#: Cities people type, folded (see ``fold``), beyond the last part of every IANA name
#: (``Berlin``, ``Kolkata``, ``New_York`` are found from the zone list itself).
CITIES: dict[str, str] = {
    # Vietnam has one zone, named after Ho Chi Minh City.
    **dict.fromkeys(
        (
            "hanoi vietnam hochiminh hochiminhcity hcm hcmc tphcm thanhphohochiminh saigon"
            " danang haiphong cantho hue nhatrang dalat vungtau bienhoa quynhon"
        ).split(),
        VIETNAM,
    ),
    "bangkok": "Asia/Bangkok",
    "phnompenh": "Asia/Phnom_Penh",
    "vientiane": "Asia/Vientiane",
    "kualalumpur": "Asia/Kuala_Lumpur",
    "kl": "Asia/Kuala_Lumpur",
    "manila": "Asia/Manila",
    "beijing": "Asia/Shanghai",
    # Vietnamese names of cities abroad.
    "backinh": "Asia/Shanghai",
    "thuonghai": "Asia/Shanghai",
    "huongcang": "Asia/Hong_Kong",
    "bangcoc": "Asia/Bangkok",
    "luandon": "Europe/London",
    "matxcova": "Europe/Moscow",
    "xingapo": "Asia/Singapore",
    "shenzhen": "Asia/Shanghai",
    "guangzhou": "Asia/Shanghai",
    "hongkong": "Asia/Hong_Kong",
    "seoul": "Asia/Seoul",
    "tokyo": "Asia/Tokyo",
    "osaka": "Asia/Tokyo",
    "delhi": "Asia/Kolkata",
    "newdelhi": "Asia/Kolkata",
    "mumbai": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata",
    "hyderabad": "Asia/Kolkata",
    "chennai": "Asia/Kolkata",
    "pune": "Asia/Kolkata",
    "sanfrancisco": "America/Los_Angeles",
    "sf": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "la": "America/Los_Angeles",
    "newyork": "America/New_York",
    "newyorkcity": "America/New_York",
    "nyc": "America/New_York",
    "boston": "America/New_York",
    "washington": "America/New_York",
    "washingtondc": "America/New_York",
    "austin": "America/Chicago",
    "dallas": "America/Chicago",
    "houston": "America/Chicago",
    "montreal": "America/Toronto",
    "munich": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "hamburg": "Europe/Berlin",
    "geneva": "Europe/Zurich",
    "barcelona": "Europe/Madrid",
    "milan": "Europe/Rome",
    "sydney": "Australia/Sydney",
    "melbourne": "Australia/Melbourne",
    "canberra": "Australia/Sydney",
    "wellington": "Pacific/Auckland",
    "saopaulo": "America/Sao_Paulo",
    "riodejaneiro": "America/Sao_Paulo",
    "capetown": "Africa/Johannesburg",
}

#: Abbreviations people use for zones, with cities to offer instead. Each names an
#: offset (or several: IST is India, Israel and Ireland), not a place.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "est": ("America/New_York", "America/Toronto"),
    "edt": ("America/New_York", "America/Toronto"),
    "et": ("America/New_York", "America/Toronto"),
    "cst": ("America/Chicago", "America/Mexico_City", "Asia/Shanghai"),
    "cdt": ("America/Chicago",),
    "mst": ("America/Denver", "America/Phoenix"),
    "mdt": ("America/Denver",),
    "pst": ("America/Los_Angeles", "America/Vancouver"),
    "pdt": ("America/Los_Angeles", "America/Vancouver"),
    "pt": ("America/Los_Angeles", "America/Vancouver"),
    "hst": ("Pacific/Honolulu",),
    "akst": ("America/Anchorage",),
    "gmt": ("Europe/London", "UTC"),
    "bst": ("Europe/London",),
    "wet": ("Europe/Lisbon",),
    "cet": ("Europe/Berlin", "Europe/Paris"),
    "cest": ("Europe/Berlin", "Europe/Paris"),
    "met": ("Europe/Berlin", "Europe/Paris"),
    "eet": ("Europe/Athens", "Europe/Helsinki"),
    "eest": ("Europe/Athens", "Europe/Helsinki"),
    "msk": ("Europe/Moscow",),
    "ist": ("Asia/Kolkata", "Asia/Jerusalem", "Europe/Dublin"),
    "ict": (VIETNAM, "Asia/Bangkok"),
    "wib": ("Asia/Jakarta",),
    "sgt": ("Asia/Singapore",),
    "hkt": ("Asia/Hong_Kong",),
    "pht": ("Asia/Manila",),
    "jst": ("Asia/Tokyo",),
    "kst": ("Asia/Seoul",),
    "aest": ("Australia/Sydney", "Australia/Brisbane"),
    "aedt": ("Australia/Sydney",),
    "nzst": ("Pacific/Auckland",),
}

_OFFSET = re.compile(r"^(?:utc|gmt|z)?\s*([+-−])\s*(\d{1,2})(?::?(\d{2}))?$", re.I)


@dataclass(frozen=True)
class Resolved:
    """A zone and, when the input was not an IANA name, what it was taken to mean."""

    zone: str
    #: ``"city"`` (a city name), ``"offset"`` (a fixed UTC offset), or ``""``.
    kind: str = ""
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Unresolved:
    """Why the input is not a zone, and what (if anything) to offer instead."""

    reason: str  # "abbreviation", "offset_minutes", "unknown"
    suggestion: str | None = None
    cities: tuple[str, ...] = ()


def fold(text: str) -> str:
    """Lower case, no diacritics (đ → d), no spaces or punctuation: 'Hà Nội' → 'hanoi'."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]", "", text.lower())


@cache
def _real_zones() -> dict[str, str]:
    """Every IANA zone a member can be in, by lower-case name."""
    return {z.lower(): z for z in available_timezones() if is_valid_timezone(z) and "/" in z}


@cache
def _by_city() -> dict[str, str]:
    """Folded city → zone: the last part of each IANA name, then the hand-written list."""
    cities: dict[str, str] = {}
    for zone in sorted(_real_zones().values()):
        if zone.startswith(("Etc/", "SystemV/", "US/", "Canada/", "Brazil/", "Chile/", "Mexico/")):
            continue
        cities.setdefault(fold(zone.rsplit("/", 1)[-1]), zone)
    cities.update(CITIES)
    return cities


@cache
def zone_names() -> tuple[str, ...]:
    """Every zone ``resolve`` accepts by name, sorted: what a time-zone argument suggests
    (legacy links such as ``Japan`` or abbreviations such as ``EST`` are refused, so they
    are not offered). Reads the zone database on its first call, so a platform warms it
    off its event loop."""
    return tuple(sorted({*_real_zones().values(), "UTC"}))


def suggest(pack: Pack, typed: str, given: Mapping[str, str]) -> list[tuple[str, str]]:
    """Zones matching what was typed (``ho chi`` → ``Asia/Ho_Chi_Minh``): the ``timezone``
    arguments' suggestions (``bot.grammar.Suggest``)."""
    return [(zone, zone) for zone in best_matches(typed, zone_names())]


def offset_of(zone: str, at: datetime | None = None) -> float:
    """Hours ahead of UTC now (or at ``at``), for comparing zones."""
    moment = at or datetime.now(UTC)
    delta = moment.astimezone(ZoneInfo(zone)).utcoffset()
    return delta.total_seconds() / 3600 if delta else 0.0


def offset_text(hours: float) -> str:
    sign = "+" if hours >= 0 else "-"
    whole, minutes = divmod(round(abs(hours) * 60), 60)
    return f"UTC{sign}{whole}" + (f":{minutes:02d}" if minutes else "")


def resolve(word: str) -> Resolved | Unresolved:
    """Read ``word`` as a zone: IANA name, city (en or vi), offset; never guess across offsets."""
    raw = unicodedata.normalize("NFC", word.strip())
    lower = raw.lower()
    if lower in ("utc", "gmt", "z", "utc+0", "gmt+0", "utc0"):
        return Resolved("UTC")
    zones = _real_zones()
    if lower.replace(" ", "_") in zones:
        return Resolved(zones[lower.replace(" ", "_")])
    offset = _OFFSET.match(lower.replace("−", "-"))
    if offset:
        sign, hours, minutes = offset.group(1), int(offset.group(2)), int(offset.group(3) or 0)
        if minutes or hours > 14:
            return Unresolved("offset_minutes")
        if hours == 0:
            return Resolved("UTC")
        # IANA's Etc zones count the other way: UTC+7 is Etc/GMT-7.
        etc = f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"
        shown = f"UTC{'+' if sign == '+' else '-'}{hours}"
        return Resolved(etc, "offset", {"offset": shown, "word": raw})
    key = fold(raw)
    if key in ABBREVIATIONS:
        return Unresolved("abbreviation", cities=ABBREVIATIONS[key])
    city = _by_city().get(key)
    if city:
        return Resolved(city, "city", {"city": raw})
    if any(ch.isdigit() for ch in raw):
        return Unresolved("unknown")  # something offset-like: never suggest a zone for it
    near_city = difflib.get_close_matches(key, _by_city(), n=1, cutoff=0.8)
    if near_city:
        return Unresolved("unknown", suggestion=_by_city()[near_city[0]])
    near_zone = difflib.get_close_matches(lower, zones, n=1, cutoff=0.8)
    if near_zone:
        return Unresolved("unknown", suggestion=zones[near_zone[0]])
    return Unresolved("unknown")
