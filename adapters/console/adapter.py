"""A console connector in the opsdroid shape: connect, listen, send.

Lines starting with ``/mentor`` are commands, other lines messages; buttons and choices
are numbered and answered by typing the number; a form becomes a sequence of prompts
(a line starting with ``/`` at a prompt leaves the form and runs as typed; a field the
core refuses is asked again, alone, with what else was typed kept).
Reading standard input line by line means a whole session can be piped in and its
output asserted, which is how most behaviour is tested.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.delivery import Sent, Target
from bot.events import Action, Actor, Command, FormSubmit, Inbound, Message
from bot.features.help import FORM_LEFT_ACTION
from bot.markup import to_plain
from bot.reply import Form, FormField, Reply
from bot.text import whole_number

Handler = Callable[[Inbound], Awaitable[list[Reply]]]
#: The time zone of a delivery's recipient, for the local time shown above it.
ZoneOf = Callable[[Target], Awaitable[str]]
RULE = "─" * 40
#: Piped input is echoed so a transcript reads like a chat; long lines are cut.
ECHO_LIMIT = 200


def render(reply: Reply, *, numbering_start: int = 1) -> str:
    """Plain text for a terminal; buttons and choice options numbered from ``numbering_start``."""
    lines: list[str] = []
    if reply.title:
        lines += [to_plain(reply.title), RULE]
    if reply.text:
        lines.append(to_plain(reply.text))
    for section in reply.sections:
        if section.title:
            lines += ["", f"## {to_plain(section.title)}"]
        if section.text:
            lines.append(to_plain(section.text))
        for f in section.fields:
            lines.append(f"{to_plain(f.label)}: {to_plain(f.value)}")
    number = numbering_start
    for button in reply.buttons:
        lines.append(f"  [{number}] {to_plain(button.label)}")
        number += 1
    for choice in reply.choices:
        lines.append(f"  {to_plain(choice.placeholder)}:")
        for option in choice.options:
            lines.append(f"  [{number}] {to_plain(option.label)}")
            number += 1
    if reply.files:
        lines += [f"(saved: {path})" for path in reply.files]
    if reply.document:
        lines.append(reply.document)
    return "\n".join(lines)


@dataclass
class ConsoleAdapter:
    handler: Handler
    actor: Actor
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    #: Number -> (action_id, value) of the options on screen.
    _options: dict[int, tuple[str, str]] = field(default_factory=dict)
    #: Extra line handlers (e.g. ``:advance`` on the simulated clock), by prefix.
    directives: dict[str, Callable[[str], Awaitable[None]]] = field(default_factory=dict)

    @property
    def interactive(self) -> bool:
        return self.stdin.isatty()

    def write(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    async def readline(self, prompt: str = "") -> str | None:
        if prompt and self.interactive:
            self.stdout.write(prompt)
            self.stdout.flush()
        try:
            line = await asyncio.to_thread(self.stdin.readline)
        except UnicodeDecodeError:
            return "\ufffd"  # a terminal set to decode strictly: the line is unreadable
        if line == "":
            return None
        return line.rstrip("\r\n")

    async def send(self, reply: Reply) -> None:
        """Show a reply; remember its options; run its form."""
        if reply.form is not None:
            await self.fill_form(reply.form, reply)
            return
        if reply.buttons or reply.choices:
            self._options = {}
        self.write(render(reply))
        number = 1
        for button in reply.buttons:
            self._options[number] = (button.action_id, button.value)
            number += 1
        for choice in reply.choices:
            for option in choice.options:
                self._options[number] = (choice.action_id, option.value)
                number += 1
        self.write("")

    async def fill_form(self, form: Form, reply: Reply) -> None:
        """Ask each field in turn; the whole form is submitted as one event.

        A line starting with ``/`` is a command, not an answer: the form is left (the
        core says so, in the member's language) and the line runs. When the core refuses
        some fields (``Reply.errors``), each message is shown once and only those fields
        are asked again; everything else typed is kept."""
        if reply.text:
            self.write(to_plain(reply.text))
        self.write(f"{to_plain(form.title)}\n{RULE}")
        values: dict[str, str] = {}
        asking = list(form.fields)
        while asking:
            for f in asking:
                line = await self.ask(f)
                if line is None:
                    return
                if line.lstrip().startswith("/"):
                    await self.dispatch(Action(actor=self.actor, action_id=FORM_LEFT_ACTION))
                    await self.run_line(line)
                    return
                values[f.name] = line
            submit = FormSubmit(actor=self.actor, form_id=form.form_id, values=dict(values))
            replies = await self.handler(submit)
            by_name = {f.name: f for f in form.fields}
            refused = {n: m for r in replies for n, m in r.errors.items() if n in by_name}
            for answer in replies:
                if not (answer.errors and refused):
                    await self.send(answer)
            for name, message in refused.items():
                self.write(f"! {to_plain(by_name[name].label)}: {to_plain(message)}")
            asking = [by_name[name] for name in refused]

    async def ask(self, f: FormField) -> str | None:
        """One field's prompt; a number picks one of a select's options."""
        hint = " (optional)" if not f.required else ""
        if f.options:
            for n, option in enumerate(f.options, start=1):
                self.write(f"  [{n}] {to_plain(option.label)}")
        line = await self.readline(f"{to_plain(f.label)}{hint}: ")
        if line is None:
            return None
        if self.interactive is False:
            self.write(f"{to_plain(f.label)}{hint}: {line}")
        picked = whole_number(line, 1, len(f.options)) if f.options else None
        return f.options[picked - 1].value if picked is not None else line

    async def dispatch(self, inbound: Inbound) -> None:
        for reply in await self.handler(inbound):
            await self.send(reply)

    def inbound_for(self, line: str) -> Inbound | None:
        stripped = line.strip()
        if not stripped:
            return None
        picked = whole_number(stripped, 1, max(self._options)) if self._options else None
        if picked is not None and picked in self._options:
            action_id, value = self._options.pop(picked)
            self._options.clear()
            return Action(actor=self.actor, action_id=action_id, value=value)
        if stripped.lower().startswith("/mentor"):
            return Command(actor=self.actor, text=stripped[len("/mentor") :])
        return Message(actor=self.actor, text=line)

    async def listen(self) -> int:
        """Read lines until end of input; returns the process exit code (0)."""
        if self.interactive:
            self.write("Mentorbot console. Type /mentor help; Ctrl-D to quit.")
        while True:
            line = await self.readline("> ")
            if line is None:
                return 0
            if not self.interactive and line.strip():
                shown = line if len(line) <= ECHO_LIMIT else line[:ECHO_LIMIT] + "…"
                self.write(f"> {shown}")
            if not await self.run_line(line):
                return 0

    async def run_line(self, line: str) -> bool:
        """A directive, a number, a command or a message; False when it was ``:quit``."""
        prefix = line.strip().split(maxsplit=1)[0] if line.strip() else ""
        if prefix in self.directives:
            await self.directives[prefix](line.strip()[len(prefix) :].strip())
            return True
        if prefix in (":quit", ":q"):
            return False
        inbound = self.inbound_for(line)
        if inbound is not None:
            await self.dispatch(inbound)
        return True


def local_stamp(instant: datetime, zone: str) -> str:
    """``Sun 2027-03-28 03:00 Europe/Berlin``: when a delivery arrived, where it arrived."""
    local = instant.astimezone(ZoneInfo(zone))
    return f"{local:%a %Y-%m-%d %H:%M} {zone}"


@dataclass
class ConsoleOutlet:
    """The console's ``Outlet``: scheduled deliveries are printed as they are sent.

    Each is headed by the recipient's local time (the clock's now, which is the due time
    on a simulated clock). A delivery to the console's own member goes through
    ``adapter.send``, so its buttons are numbered and answerable like any reply; one to
    someone else (a second member in the same database) is shown, not answerable, since
    a click would be made as the console's member.
    """

    adapter: ConsoleAdapter
    clock: Clock
    zone_of: ZoneOf
    platform: str = "console"
    sent: int = 0

    async def deliver(self, target: Target, replies: Sequence[Reply]) -> Sent:
        zone = await self.zone_of(target)
        who = target.user or target.channel or "?"
        self.adapter.write(f"📬 {local_stamp(self.clock.now(), zone)} · to {who}")
        mine = target.user == self.adapter.actor.user and (
            target.workspace == self.adapter.actor.workspace
        )
        for reply in replies:
            if mine:
                await self.adapter.send(reply)
            else:
                self.adapter.write(render(reply))
                self.adapter.write("")
        self.sent += 1
        return Sent(message_id=f"console-{self.sent}")
