"""Free text on the console, end to end through ``mentorbot console`` on a simulated
clock: a daily prompt arrives, a sentence answers it, a number corrects it, a question
is answered and one of its candidates opened by number."""

from __future__ import annotations

from pathlib import Path

from tests.adapters.test_console import run_cli

SCRIPT = """/mentor profile
:advance 2h
built a small RAG demo today, about 45 minutes
6
I feel stuck watching tutorials, what should I do?
1
"""


def test_a_sentence_answers_the_prompt_and_a_question_gets_advice(tmp_path: Path) -> None:
    result = run_cli(
        "console",
        "--db",
        f"sqlite:///{tmp_path / 't.db'}",
        "--clock",
        "sim",
        "--now",
        "2027-03-02T08:00",
        stdin=SCRIPT,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    prompt = out.index("Daily check-in · Tue 2027-03-02")
    saved = out.index(
        "I read that as your check-in for Tue 2027-03-02: built or deployed something"
        " · 45 min · note: “built a small RAG demo today”."
    )
    fixed = out.index("✅ Changed: Tue 2027-03-02 is now read a paper or post.")
    advice = out.index("The whole page: /mentor pitfalls tutorial")
    assert prompt < saved < fixed < advice
    candidate = out[advice:].split("[1] 📖 ", 1)[1].splitlines()[0].rstrip("…")
    assert out.rindex(candidate) > out.index("> 1", advice)
    assert "Traceback" not in out + result.stderr
