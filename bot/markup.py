"""The reply markup subset, parsed once so each adapter only maps tokens to its syntax.

Subset: ``*bold*``, ``_italic_``, ```code```, ``<url|label>`` links, and lines starting
with ``- `` as bullets. Emphasis markers only count at word boundaries, so
``Asia/Ho_Chi_Minh`` or ``2*3*4`` stay as typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"<(https?://[^|>\s]+)\|([^>\n]+)>")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")


def convert(
    text: str,
    *,
    bold: Callable[[str], str],
    italic: Callable[[str], str],
    code: Callable[[str], str],
    link: Callable[[str, str], str],
    bullet: str = "- ",
) -> str:
    """Rewrite markup with the given functions; code spans are left untouched inside."""
    spans: list[str] = []

    def keep_code(match: re.Match[str]) -> str:
        spans.append(code(match.group(1)))
        return f"\x00{len(spans) - 1}\x00"

    out = _CODE.sub(keep_code, text)
    out = _LINK.sub(lambda m: link(m.group(1), m.group(2)), out)
    out = _BOLD.sub(lambda m: bold(m.group(1)), out)
    out = _ITALIC.sub(lambda m: italic(m.group(1)), out)
    if bullet != "- ":
        out = re.sub(r"(?m)^- ", bullet, out)
    return re.sub("\x00(\\d+)\x00", lambda m: spans[int(m.group(1))], out)


def to_plain(text: str) -> str:
    """For terminals and notification previews: markers removed, links as 'label (url)'."""
    return convert(
        text,
        bold=lambda s: s,
        italic=lambda s: s,
        code=lambda s: s,
        link=lambda url, label: f"{label} ({url})",
        bullet="• ",
    )
