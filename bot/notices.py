"""What the core says when a platform could not do what a reply asked for.

The adapters decide when (a form that cannot open now, a digest channel that refused the
bot) and to whom (Slack's installer or admins, a Discord server's owner); the words, the
language they are said in and the button that asks again are decided here, once, so
Slack and Discord say the same thing and only render it.
"""

from __future__ import annotations

from bot.content import Library, language_of_locale
from bot.context import Services
from bot.errors import PlatformUnreachable
from bot.reply import Button, Reply
from storage.repo import MemberKey


async def language_for(services: Services, key: MemberKey, hint: str | None = None) -> str | None:
    """The language to address someone in: the one the member chose; before first
    contact the platform's hint (a client's locale, as the platform spells it); else their
    workspace's. A platform's locale is never preferred to a choice made with
    ``/mentor lang``."""
    member, workspace = await services.store.languages(key)
    return member or language_of_locale(hint) or workspace


def form_later(
    content: Library,
    language: str | None,
    reply: Reply,
    *,
    reopen: tuple[str, str] | None,
    expired: bool = False,
) -> Reply:
    """A form the platform cannot open now (nothing to open it with: a typed message, an
    answer that went out first, a trigger that expired) as the form's own words, a line
    saying why, and a button whose click (``reopen``: an action and its value) asks
    again and so can open it. Without ``reopen`` only the words are left."""
    note = content.t(language, "form.expired" if expired else "form.open_hint")
    text = "\n\n".join(part for part in (reply.text.strip(), note) if part)
    buttons = (
        (Button(content.t(language, "form.open"), *reopen, style="primary"),) if reopen else ()
    )
    return Reply(text=text, buttons=buttons, private=reply.private)


def form_gone(content: Library, language: str | None) -> Reply:
    """A click on a form that is no longer open (``bot.forms``: sent already, an hour
    went by, or it is someone else's)."""
    return Reply(text=content.t(language, "form.gone"), private=True)


async def digest_failed(services: Services, admin: MemberKey, error: PlatformUnreachable) -> Reply:
    """The note to someone who can fix the team digest's channel (an admin, a server's
    owner): why it was not posted, in their language (their workspace's when they never
    used Mentorbot). ``error`` says why in the platform's words, with what to do."""
    language = await language_for(services, admin)
    reason = services.content.t(language, error.key, **error.values)
    return Reply(text=services.content.t(language, "team.digest_failed", reason=reason))
