"""Forms asked in pages, or opened later: kept in the database, paged by the core.

A platform whose modal holds few inputs (Discord: five) asks a longer form in pages
("part 1 of 2 is kept", Continue), and one that cannot open a form now (the answer was
deferred, or it is itself a form's submission) offers a button that opens it later.
Both keep the form between two clicks, with the values of the pages sent so far. They
are kept in the database (``storage.pending_forms``), not in the process that showed
the form, so a restart or another process between two pages still finishes it with
every page's values.

The rules are the product's, so they live here: pages of ``page_size`` inputs, values
merged page by page, only the member the form was shown to may open or send it, an
hour to finish, the "part kept" note with its Continue button, and the "no longer open"
answer. An adapter renders a ``Page`` as its modal and routes the clicks back here.

A page is addressed by ``where``, ``KEY:PAGE`` (the key random, 16 URL-safe
characters), which the adapter carries in the modal's id and in the Continue button.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import notices
from bot.context import Services
from bot.reply import Button, Form, FormField, Reply
from bot.text import whole_number
from storage import pending_forms
from storage.repo import MemberKey

#: How long a form waits to be opened or finished.
TTL = timedelta(hours=1)
#: What ``secrets.token_urlsafe(12)`` writes; anything else is not a key (a forged id).
_KEY = re.compile(r"[A-Za-z0-9_-]{16}")


@dataclass(frozen=True, slots=True)
class Page:
    """Page ``number`` of ``pages`` of a pending form, as the adapter renders it."""

    where: str
    form: Form
    fields: tuple[FormField, ...]
    number: int
    pages: int
    #: The reply's own text (a hint), shown with the first page only.
    intro: str


@dataclass(frozen=True, slots=True)
class Finished:
    """The last page was sent: the whole form, for the adapter to submit to the core as
    the member (it builds the ``Actor``, which only the platform can)."""

    workspace: str
    form_id: str
    values: dict[str, str]


def pages_of(form: Form, size: int) -> list[tuple[FormField, ...]]:
    """The form's fields in pages of ``size``; a form without fields is one empty page."""
    fields = form.fields
    return [fields[i : i + size] for i in range(0, len(fields), size)] or [()]


class PagedForms:
    """Pending forms of one platform, paged for its modal (``page_size`` inputs).

    ``action`` is the action id of the buttons that open a page ("Open the form",
    "Continue"): the adapter routes a click on it to :meth:`page` instead of the core.
    """

    def __init__(
        self,
        services: Services,
        *,
        platform: str,
        page_size: int,
        action: str,
        ttl: timedelta = TTL,
    ) -> None:
        self.services = services
        self.platform = platform
        self.page_size = page_size
        self.action = action
        self.ttl = ttl

    async def remember(self, reply: Reply, *, workspace: str, user: str) -> Page:
        """Keep ``reply``'s form for the member; its first page. The core has answered
        the member, so they exist; were they deleted since (``forget``), LookupError."""
        assert reply.form is not None
        key, now = secrets.token_urlsafe(12), self.now
        member = MemberKey(self.platform, workspace, user)
        kept = await pending_forms.remember(
            self.services.store,
            key,
            member,
            form=reply.form.to_json(),
            intro=reply.text,
            now=now,
            until=now + self.ttl,
        )
        if not kept:
            raise LookupError(member)
        return self._page(key, reply.form, reply.text, 1)

    def opener(self, page: Page) -> tuple[str, str]:
        """The action and value of a button that opens ``page``."""
        return self.action, page.where

    async def page(self, where: str, *, user: str) -> Page | None:
        """The page ``where`` names, if its form is ``user``'s and still open."""
        parsed = _parse(where)
        if parsed is None:
            return None
        key, number = parsed
        found = await pending_forms.find(
            self.services.store, key, platform=self.platform, user=user, now=self.now
        )
        if found is None:
            return None
        return self._page(key, Form.from_json(found.form), found.intro, number)

    async def submit(
        self, where: str, values: Mapping[str, str], *, user: str, hint: str | None
    ) -> Reply | Finished:
        """A page sent by ``user``: its values are kept with the pages before it. The
        last page finishes the form (``Finished``, once: a second submission of it finds
        the form gone); an earlier one is answered with the "part kept" note and a button
        that opens the next page. A form that is not open, or not ``user``'s, is answered
        with "no longer open", and nothing of it changes."""
        parsed = _parse(where)
        if parsed is None:
            return self.gone(hint)
        key, number = parsed
        store, owner = self.services.store, {"platform": self.platform, "user": user}
        found = await pending_forms.find(store, key, **owner, now=self.now)
        if found is None:
            return self.gone(hint)
        form = Form.from_json(found.form)
        pages = len(pages_of(form, self.page_size))
        if number < pages:
            kept = await pending_forms.add_answers(store, key, values, **owner, now=self.now)
            if kept is None:
                return self.gone(hint)
            following = self._page(key, form, found.intro, number + 1)
            return await self._part_kept(found.member, following, hint)
        taken = await pending_forms.take(store, key, values, **owner, now=self.now)
        if taken is None:
            return self.gone(hint)
        return Finished(taken.member.workspace, form.form_id, taken.answers)

    def gone(self, hint: str | None) -> Reply:
        """The answer to a click on a form that is not open (any more)."""
        return notices.form_gone(self.services.content, hint)

    @property
    def now(self) -> datetime:
        """The services' clock (a test moves it)."""
        return self.services.clock.now()

    def _page(self, key: str, form: Form, intro: str, number: int) -> Page:
        pages = pages_of(form, self.page_size)
        number = min(max(number, 1), len(pages))
        return Page(
            where=f"{key}:{number}",
            form=form,
            fields=pages[number - 1],
            number=number,
            pages=len(pages),
            intro=intro if number == 1 else "",
        )

    async def _part_kept(self, member: MemberKey, following: Page, hint: str | None) -> Reply:
        """The note that a page is kept, in the member's language, and a button that
        opens ``following``."""
        language = await notices.language_for(self.services, member, hint)
        t, kept, pages = self.services.content.t, following.number - 1, following.pages
        note = t(language, "form.part_saved", page=kept, pages=pages)
        label = t(language, "form.continue", page=following.number, pages=pages)
        button = Button(label, *self.opener(following), style="primary")
        return Reply(text=note, buttons=(button,), private=False)


def _parse(where: str) -> tuple[str, int] | None:
    key, _, page = where.rpartition(":")
    if not _KEY.fullmatch(key):
        return None
    return key, whole_number(page, 1, 1000) or 1
