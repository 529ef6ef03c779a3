"""``/mentor assess``: a self-assessment for the member's level, one question at a time.

Answers are stored as they come, and each button carries (assessment, question), so a
click after a restart, or a double click, lands where it should.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot import text
from bot.context import Ctx
from bot.errors import BadInput, Usage
from bot.features.common import LEVEL_ALIASES, LEVEL_CHOICES, LEVELS, level_picker, resolve
from bot.grammar import Arg, words
from bot.reply import Button, Reply, Section
from bot.router import Router

router = Router()

ANSWERS: dict[str, float] = {"yes": 1.0, "partly": 0.5, "no": 0.0}
#: Readiness bands for the next level: at or above the bound.
READY = 0.8
ON_THE_WAY = 0.5


def score(answers: Sequence[str]) -> float:
    return sum(ANSWERS[a] for a in answers) / len(answers) if answers else 0.0


def band(value: float) -> str:
    if value >= READY:
        return "ready"
    if value >= ON_THE_WAY:
        return "on_the_way"
    return "building"


def question_reply(ctx: Ctx, assessment_id: int, level: str, index: int) -> Reply:
    questions = ctx.pack.assess.assess[level].questions
    return Reply(
        title=ctx.t("assess.question_title", number=index + 1, total=len(questions)),
        text=questions[index],
        buttons=tuple(
            Button(
                label=ctx.t(f"assess.answer.{answer}"),
                action_id="assess:answer",
                value=f"{assessment_id}:{index}:{answer}",
                style="primary" if answer == "yes" else None,
            )
            for answer in ANSWERS
        ),
    )


def result_reply(ctx: Ctx, level: str, answers: Sequence[str]) -> Reply:
    item = ctx.pack.assess.assess[level]
    value = score(answers)
    percent = round(value * 100)
    index = LEVELS.index(level)
    next_name = (
        ctx.pack.levels.levels[LEVELS[index + 1]].name
        if index + 1 < len(LEVELS)
        else ctx.pack.levels.levels[level].name
    )
    gaps = [q for q, a in zip(item.questions, answers, strict=False) if a != "yes"]
    sections = [
        Section(
            title=ctx.t("assess.readiness"),
            text=ctx.t(f"assess.band.{band(value)}", percent=percent, next=next_name),
        )
    ]
    if gaps:
        sections.append(Section(title=ctx.t("assess.gaps"), text=text.bullets(gaps[:5])))
    sections.append(Section(title=ctx.t("assess.work_on"), text=text.bullets(item.work_on)))
    return Reply(
        title=ctx.t("assess.result_title", level=ctx.pack.levels.levels[level].name),
        sections=tuple(sections),
        text=ctx.t("assess.result_footer"),
    )


async def start(ctx: Ctx, level: str) -> list[Reply]:
    assessment = await ctx.store.start_assessment(ctx.member.id, level, now=ctx.now)
    item = ctx.pack.assess.assess[level]
    return [
        Reply(text=item.intro),
        question_reply(ctx, assessment.id, level, 0),
    ]


@router.command(
    "assess",
    aliases=("assessment", "danh-gia"),
    args=(Arg("level", "choice", choices=LEVEL_CHOICES + words(("history", "choice.history"))),),
)
async def assess_command(ctx: Ctx, args: Sequence[str]) -> list[Reply]:
    if args and args[0].lower() in ("history", "lich-su"):
        return [await history(ctx)]
    if len(args) > 1:
        raise BadInput("error.usage", usage_line=Usage("assess"))
    if args:
        level = resolve(args[0], LEVEL_ALIASES, usage=Usage("assess"), kind="level")
    elif ctx.member.level:
        level = ctx.member.level
    else:
        return [level_picker(ctx, action_id="assess:level")]
    return await start(ctx, level)


@router.action("assess:level")
async def pick_level(ctx: Ctx, value: str) -> list[Reply]:
    level = resolve(value, LEVEL_ALIASES, usage=Usage("assess"), kind="level")
    return await start(ctx, level)


@router.action("assess:answer")
async def answer(ctx: Ctx, value: str) -> list[Reply]:
    raw_id, _, rest = value.partition(":")
    raw_index, _, choice = rest.partition(":")
    assessment_id = text.whole_number(raw_id, 1, text.MAX_ROW_ID)
    index = text.whole_number(raw_index, 0, 1000)
    if assessment_id is None or index is None or choice not in ANSWERS:
        raise BadInput("error.stale_action")
    current = await ctx.store.get_assessment(ctx.member.id, assessment_id)
    if current is None:
        raise BadInput("error.stale_action")
    questions = ctx.pack.assess.assess[current.level].questions
    total = len(questions)
    pending_score = score([*current.answers, choice]) if len(current.answers) + 1 == total else None
    updated = await ctx.store.record_answer(
        ctx.member.id,
        assessment_id,
        index=index,
        answer=choice,
        total=total,
        now=ctx.now,
        score=pending_score,
    )
    if updated is None:
        raise BadInput("error.stale_action")
    if updated.completed_at is not None:
        if index != total - 1:
            return [Reply(text=ctx.t("assess.already_done"))]
        return [result_reply(ctx, updated.level, updated.answers)]
    if index != len(updated.answers) - 1:
        # An old or repeated click: show the question that is actually next.
        return [question_reply(ctx, assessment_id, updated.level, len(updated.answers))]
    return [question_reply(ctx, assessment_id, updated.level, index + 1)]


async def history(ctx: Ctx) -> Reply:
    past = await ctx.store.assessments(ctx.member.id)
    if not past:
        return Reply(text=ctx.t("assess.history_empty"))
    lines = [
        ctx.t(
            "assess.history_line",
            date=a.completed_at.date().isoformat() if a.completed_at else "?",
            level=ctx.pack.levels.levels[a.level].name,
            percent=round((a.score or 0) * 100),
            band=ctx.t(f"assess.band_short.{band(a.score or 0)}"),
        )
        for a in past
    ]
    return Reply(title=ctx.t("assess.history_title"), text="\n".join(lines))
