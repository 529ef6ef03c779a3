"""One exception tree: each error carries a translated, user-safe message key.

Adapters show ``key`` rendered in the member's language and log the rest; a member
never sees a traceback. ``ConfigError`` is the operator's counterpart, here so that an
adapter can refuse its settings without importing the entry point.
"""

from __future__ import annotations


class MentorbotError(Exception):
    """Base of every error the product raises on purpose."""

    def __init__(self, key: str, /, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class BadInput(MentorbotError):
    """The member typed something we could not use; the message shows the right form."""


class NotAllowed(MentorbotError):
    """The member may not do this (e.g. a team command without admin rights)."""


class PlatformUnreachable(MentorbotError):
    """Sending failed. ``permanent`` means retrying will not help (user gone, no DM)."""

    def __init__(
        self,
        key: str,
        /,
        *,
        permanent: bool,
        retry_after: float | None = None,
        **values: object,
    ) -> None:
        super().__init__(key, **values)
        self.permanent = permanent
        #: Seconds the platform asked us to wait (a 429's Retry-After), if it said.
        self.retry_after = retry_after


class UiKey(str):
    """A value that is itself a ui key, rendered in the member's language when the
    error is shown (a usage line, the name of the thing that was wrong)."""

    __slots__ = ()


class ConfigError(Exception):
    """Configuration is missing or contradictory; the message is one printable line."""


class Usage(str):
    """The name of a command whose usage line an error shows. The line is written when
    the error is shown, from the command's declared arguments (``bot.grammar``), in the
    member's language: the same line ``/mentor help`` shows, never a second copy."""

    __slots__ = ()
