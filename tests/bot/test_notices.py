"""What the core says for a platform that could not do what a reply asked: the rules
both chat adapters only render (bot/notices.py)."""

from __future__ import annotations

import dataclasses

from bot import notices
from bot.content import language_of_locale
from bot.context import Services
from bot.errors import PlatformUnreachable
from bot.mentor import Mentor
from bot.reply import Form, FormField, Reply
from storage.repo import MemberKey
from tests.conftest import Chat, make_actor

FORM = Reply(
    text="Your goal for this quarter.",
    form=Form("goals:save", "Goal", (FormField("goal", "Goal"),), "Save"),
)


async def test_a_members_choice_beats_the_platforms_hint_which_beats_the_workspace(
    services: Services, mentor: Mentor
) -> None:
    key = MemberKey("slack", "W1", "U1")
    assert await notices.language_for(services, key, "vi") == "vi"  # nobody known yet
    assert await notices.language_for(services, key) is None
    chat = Chat(mentor, make_actor("U1", platform="slack"))
    await chat.say("/mentor lang vi")
    assert await notices.language_for(services, key, "en") == "vi"
    # Someone in that workspace who never used Mentorbot (a server owner): the workspace's.
    stranger = MemberKey("slack", "W1", "U2")
    assert await notices.language_for(services, stranger) == "en"
    assert await notices.language_for(services, stranger, "vi") == "vi"


def test_a_form_that_cannot_open_keeps_its_words_and_gets_a_button_that_asks_again(
    services: Services,
) -> None:
    later = notices.form_later(services.content, "en", FORM, reopen=("home:run", "goals set"))
    assert later.form is None and later.private
    assert later.text.startswith("Your goal for this quarter.")
    assert "click the button" in later.text
    [button] = later.buttons
    assert (button.action_id, button.value) == ("home:run", "goals set")
    assert "Open the form" in button.label


def test_an_expired_form_says_so_in_the_members_language(services: Services) -> None:
    later = notices.form_later(
        services.content, "vi", Reply(form=FORM.form, private=False), reopen=None, expired=True
    )
    assert later.buttons == () and not later.private
    assert later.text == services.content.t("vi", "form.expired")
    assert "Mở lại" in later.text or "mở lại" in later.text
    gone = notices.form_gone(services.content, "en")
    assert "no longer open" in gone.text and gone.private


async def test_the_digest_note_names_the_platforms_reason_in_the_admins_language(
    services: Services, mentor: Mentor
) -> None:
    chat = Chat(mentor, make_actor("A1", platform="discord", workspace="G1"))
    await chat.say("/mentor lang vi")
    why = PlatformUnreachable(
        "discord.missing_access", permanent=True, channel="42", server="Mentor Lab"
    )
    note = await notices.digest_failed(services, MemberKey("discord", "G1", "A1"), why)
    assert note.text.startswith("⚠️ Không đăng được bản tin nhóm: Discord báo")
    assert "<#42>" in note.text and "Mentor Lab" in note.text
    slack_why = PlatformUnreachable(
        "slack.unreachable.not_in_channel", permanent=True, channel="C1", error="not_in_channel"
    )
    owner = await notices.digest_failed(services, MemberKey("slack", "T9", "U9"), slack_why)
    assert owner.text.startswith("⚠️ The team digest could not be posted: I am not a member")


def test_a_platforms_locale_names_a_pack_or_nothing() -> None:
    class DiscordLocale:  # discord.Locale carries its code in ``value``
        value = "vi"

    assert [language_of_locale(x) for x in ("vi-VN", "en-US", "EN_gb", DiscordLocale())] == [
        "vi",
        "en",
        "en",
        "vi",
    ]
    assert [language_of_locale(x) for x in ("fr-FR", "", None, "vietnamese")] == [None] * 4


async def test_a_locale_is_only_a_first_contact_hint(services: Services, mentor: Mentor) -> None:
    actor = make_actor("U7", platform="slack")
    chat = Chat(mentor, dataclasses.replace(actor, language="vi-VN"))
    await chat.say("/mentor profile")
    key = MemberKey("slack", "W1", "U7")
    assert await notices.language_for(services, key, "en-US") == "vi"
    stranger = MemberKey("slack", "W1", "U8")
    # Not a language Mentorbot speaks: the workspace's (seeded by its first member).
    assert await notices.language_for(services, stranger, "fr-FR") == "vi"
