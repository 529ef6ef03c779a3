"""The demo's growth scenes: if-then plans, the promotion packet, saved streaks.

Kept apart from ``mentorbot/demo.py`` so each feature's scenes stay with their own
scripts. Everything still goes through the real mentor: the scripted member clicks the
"Make a plan" button a goal or a nudge carries, fills in the form it opens, answers the
check-up the outbox brings a week later, and asks for ``/mentor packet`` at the end.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.events import Action, Command, FormSubmit
from bot.features.plans import MAKE_ACTION, OUTCOME_ACTION
from bot.markup import to_plain
from bot.reply import Button, Reply

if TYPE_CHECKING:
    from mentorbot.demo import Demo, Persona

#: What each scripted member plans, by language: (when, I will).
PLANS: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        ("I close a tutorial video", "build one small thing with what it showed"),
        ("the Friday demo ends", "write down one thing I would change next time"),
    ),
    "vi": (
        ("mình xem xong một video hướng dẫn", "build một thứ nhỏ bằng những gì vừa học"),
        ("buổi demo thứ Sáu kết thúc", "ghi lại một điều mình sẽ làm khác lần sau"),
    ),
}
#: The scene that sets a goal and plans for it (an event command in ``demo.team``).
GOAL_PLAN = ":goal-plan"


async def make_plan(demo: Demo, persona: Persona, button: Button, *, index: int = 0) -> None:
    """Click "Make a plan" and fill in the form it opens."""
    actor = demo.actor(persona)
    opened = await demo.mentor.handle(
        Action(actor=actor, action_id=button.action_id, value=button.value)
    )
    form = next((r.form for r in opened if r.form is not None), None)
    if form is None:
        return
    cue, action = PLANS.get(persona.language, PLANS["en"])[index % 2]
    replies = await demo.mentor.handle(
        FormSubmit(actor=actor, form_id=form.form_id, values={"cue": cue, "action": action})
    )
    demo.line(persona, demo.clock.now(), f"   ↳ 📝 {first_line(replies[-1])}")


async def goal_plan(demo: Demo, persona: Persona) -> None:
    """Set this quarter's technical goal and make an if-then plan for it."""
    actor = demo.actor(persona)
    await demo.mentor.handle(
        FormSubmit(
            actor=actor,
            form_id="goals:set#technical:2027-Q1",
            values={"goal": "Ship the ranking service to all markets", "metric": "p95 < 100 ms"},
        )
    )
    replies = await demo.say(persona, "/mentor goals")
    button = next((b for r in replies for b in r.buttons if b.action_id == MAKE_ACTION), None)
    if button is not None:
        await make_plan(demo, persona, button, index=1)


async def on_delivery(demo: Demo, persona: Persona, first: Reply) -> None:
    """A nudge's "Make a plan" is taken up; a plan's check-up is answered."""
    make = next((b for b in first.buttons if b.action_id == MAKE_ACTION), None)
    if make is not None and make.value.startswith("nudge:"):
        await make_plan(demo, persona, make)
    outcomes = [b for b in first.buttons if b.action_id == OUTCOME_ACTION]
    if outcomes:
        rng = random.Random(f"{persona.user}|plan|{outcomes[0].value}")
        chosen = rng.choices(outcomes, weights=(0.6, 0.3, 0.1))[0]
        replies = await demo.mentor.handle(
            Action(actor=demo.actor(persona), action_id=OUTCOME_ACTION, value=chosen.value)
        )
        demo.line(persona, demo.clock.now(), f"   ↳ {chosen.label}: {first_line(replies[0])}")


def saved_lines(replies: Sequence[Reply]) -> list[str]:
    """The "streak saved / repaired" and if-then plan lines of ``/mentor stats``."""
    lines = []
    for reply in replies:
        for section in reply.sections:
            for text in section.text.splitlines():
                if text.startswith(("- 🛟", "- 🩹")):
                    lines.append(text[2:])
            if section.title in ("If-then plans", "Kế hoạch nếu-thì"):
                lines.append(section.text.splitlines()[0])
    return lines


async def packet(demo: Demo, persona: Persona) -> None:
    """``/mentor packet``: the reply, the packet's summary, and each criterion marked
    with evidence (✓) or a gap with its next step (✗)."""
    replies = await demo.mentor.handle(Command(actor=demo.actor(persona), text=" packet"))
    reply = next((r for r in replies if r.document), replies[-1])
    demo.out.write(f"{persona.user:<5} /mentor packet  →  {reply.document_name}\n")
    lines = (reply.document or "").splitlines()
    for n, line in enumerate(lines):
        if line.startswith("## Other"):
            break
        in_summary = n >= 2 and lines[n - 2].startswith("## ") and lines[n - 1] == ""
        if line.startswith("# ") or (line.startswith("- ") and in_summary):
            demo.out.write(f"      │ {line}\n")
        if line.startswith("### "):
            gap = n + 2 < len(lines) and lines[n + 2].startswith("- **")
            criterion = line.split(" ", 2)[2]
            short = criterion if len(criterion) <= 76 else criterion[:75] + "…"
            demo.out.write(f"      │ {'✗' if gap else '✓'} {short}\n")


def first_line(reply: Reply) -> str:
    """A reply's first line as the console shows it (markup rendered)."""
    lines = to_plain(reply.text or reply.title or "").splitlines()
    return lines[0] if lines else ""
