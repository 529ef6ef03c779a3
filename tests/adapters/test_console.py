"""The console as a newcomer uses it: piped scripts, numbered buttons, forms, exit codes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.console import ConsoleAdapter
from bot.events import FormSubmit, Inbound
from bot.reply import Form, FormField, Reply
from tests.conftest import make_actor

REPO = Path(__file__).resolve().parents[2]


def run_cli(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    base.update(env or {})
    base["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "mentorbot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=base,
        cwd=REPO,
        timeout=120,
        check=False,
    )


def test_scripted_session_english_then_vietnamese_then_export(tmp_path: Path) -> None:
    script = (
        "/mentor set level mid\n/mentor level\n/mentor set lang vi\n/mentor level\n/mentor export\n"
    )
    result = run_cli("console", "--db", f"sqlite:///{tmp_path / 'x.db'}", stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    english = out.index("Scope of impact")
    vietnamese = out.index("Phạm vi ảnh hưởng")
    export_at = out.index('"format": "mentorbot-export/1"')
    assert english < vietnamese < export_at
    document = json.loads(out[out.index("{", out.index("Đây là toàn bộ")) :])
    assert document["member"]["level"] == "mid" and document["member"]["language"] == "vi"


@pytest.mark.usefixtures("migrated_home")
def test_console_options_and_state_persist(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'mentorbot.db'}"
    first = run_cli(
        "console",
        "--db",
        db,
        "--user",
        "ana",
        "--lang",
        "vi",
        "--tz",
        "Asia/Ho_Chi_Minh",
        stdin="/mentor profile\n",
    )
    assert first.returncode == 0 and "Asia/Ho_Chi_Minh" in first.stdout and "Hồ sơ" in first.stdout
    second = run_cli("console", "--db", db, "--user", "ana", stdin="/mentor profile\n")
    assert "Asia/Ho_Chi_Minh" in second.stdout and "👋" not in second.stdout
    other = run_cli("console", "--db", db, "--user", "ben", stdin="/mentor profile\n")
    assert "Asia/Ho_Chi_Minh" not in other.stdout


@pytest.mark.usefixtures("migrated_home")
def test_run_without_tokens_in_a_terminal_is_the_console(tmp_path: Path) -> None:
    """In a terminal, ``mentorbot run`` with no platform is the console; without one
    (a Procfile worker missing its tokens) it fails instead: tests/test_startup.py."""
    import pty

    controller, terminal = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env |= {"PYTHONPATH": str(REPO), "DATABASE_URL": f"sqlite:///{tmp_path / 'mentorbot.db'}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "mentorbot", "run", "--port", "0"],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    os.close(terminal)
    os.write(controller, b"/mentor help\n\x04")  # a line, then end of input (Ctrl-D)
    try:
        out, err = process.communicate(timeout=120)
    finally:
        os.close(controller)
    assert process.returncode == 0, err
    assert "Mentorbot commands" in out
    assert "running on the console" in err


def test_migrate_command(tmp_path: Path) -> None:
    result = run_cli("migrate", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}"})
    assert result.returncode == 0 and "up to date" in result.stdout


def test_contradictory_configuration_fails_with_one_line(tmp_path: Path) -> None:
    result = run_cli(
        "run", env={"SLACK_CLIENT_ID": "123", "DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SLACK_CLIENT_SECRET" in lines[0]


async def test_buttons_are_numbered_and_answered_by_number(mentor) -> None:
    out = io.StringIO()
    script = "/mentor assess junior\n1\n3\n2\n/mentor assess history\n"
    console = ConsoleAdapter(
        handler=mentor.handle, actor=make_actor(), stdin=io.StringIO(script), stdout=out
    )
    assert await console.listen() == 0
    text = out.getvalue()
    assert "[1] Yes" in text and "[2] Partly" in text and "[3] Not yet" in text
    assert "Question 4 of 7" in text


async def test_forms_become_prompts() -> None:
    seen: list[Inbound] = []
    form = Form(
        form_id="demo",
        title="Your goals",
        fields=(
            FormField(name="tech", label="Technical goal"),
            FormField(name="note", label="Note", required=False),
        ),
        submit_label="Save",
    )

    async def handler(event: Inbound) -> list[Reply]:
        seen.append(event)
        if isinstance(event, FormSubmit):
            return [Reply(text=f"saved {event.values['tech']}")]
        return [Reply(form=form)]

    out = io.StringIO()
    console = ConsoleAdapter(
        handler=handler,
        actor=make_actor(),
        stdin=io.StringIO("/mentor goals\nShip RAG\n\n"),
        stdout=out,
    )
    assert await console.listen() == 0
    assert isinstance(seen[-1], FormSubmit) and seen[-1].values == {"tech": "Ship RAG", "note": ""}
    assert "saved Ship RAG" in out.getvalue() and "Note (optional)" in out.getvalue()


async def test_a_line_of_5000_digits_is_just_a_message(mentor) -> None:
    out = io.StringIO()
    script = "/mentor assess junior\n" + "9" * 5000 + "\n" + "²\n1\n"
    console = ConsoleAdapter(
        handler=mentor.handle, actor=make_actor(), stdin=io.StringIO(script), stdout=out
    )
    assert await console.listen() == 0
    text = out.getvalue()
    assert "Question 2 of 7" in text  # the "1" after them still answers question 1
    assert "Something went wrong" not in text


async def test_a_command_at_a_form_prompt_leaves_the_form_and_runs(mentor) -> None:
    out = io.StringIO()
    script = (
        "/mentor set lang vi\n/mentor goals set technical\nShip RAG\n/mentor level mid\n"
        "/mentor goals\n"
    )
    console = ConsoleAdapter(
        handler=mentor.handle, actor=make_actor(), stdin=io.StringIO(script), stdout=out
    )
    assert await console.listen() == 0
    text = out.getvalue()
    assert "Bạn đã rời form, mình chưa lưu gì từ form đó." in text
    assert text.index("rời form") < text.index("Mid")  # then the command ran
    assert text.count("Ship RAG") == 1  # echoed at the prompt, never saved


async def test_a_refused_field_is_asked_again_alone_and_the_rest_is_kept(mentor) -> None:
    out = io.StringIO()
    script = (
        "/mentor checkin daily\n1\n1\n"  # built something; then "add minutes and a note"
        "²\nshipped the eval harness\nmaybe\n"  # two fields refused, the note kept
        "45\nyes\n"
    )
    console = ConsoleAdapter(
        handler=mentor.handle, actor=make_actor(), stdin=io.StringIO(script), stdout=out
    )
    assert await console.listen() == 0
    text = out.getvalue()
    assert text.count("Write the minutes as a whole number") == 1
    assert text.count("Answer yes or no") == 1
    assert text.count("A note: what you did or learned") == 1  # not asked again
    assert "Minutes: 45" in text and "Note: shipped the eval harness" in text
    assert "Shared with your team: yes" in text
