"""The shape every content pack must have, checked when the bot starts.

A pack is a folder of YAML files per language (``bot/content/en``, ``bot/content/vi``).
Validating with a schema at start-up means a typo in a translation fails the process at
once, with the file and the field, instead of the first member who asks for that page.
Any mapping may carry ``covers: [ID, ...]``: the CONTENT_MAP ids the item is about.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Item(BaseModel):
    """Base of every content item: unknown fields are errors, ``covers`` is optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    covers: list[str] = Field(default_factory=list)


class Topic(Item):
    """A page of advice: a title, a body in the markup subset, optional bullet points."""

    title: str
    body: str = ""
    bullets: list[str] = Field(default_factory=list)


class Level(Item):
    """One rung of the career ladder, as ``/mentor level`` shows it."""

    name: str
    years: str
    scope: str
    skills: list[str]
    versus_below: str
    red_flags: list[str]
    focus: Topic
    projects: list[str]
    blog_ideas: list[str]
    timeline: Topic
    next_step: str


class LevelsFile(Item):
    levels: dict[str, Level]
    shape: dict[str, Topic]


class AssessLevel(Item):
    """Self-assessment questions for one level: the seeds' questions plus our own."""

    intro: str
    questions: list[str] = Field(min_length=4)
    work_on: list[str] = Field(min_length=1)


class AssessFile(Item):
    assess: dict[str, AssessLevel]


class Quarter(Item):
    title: str
    bullets: list[str]


class Track(Item):
    name: str
    summary: str
    foundations: list[str]
    tooling: list[str]
    portfolio: list[str]
    roadmap: list[Quarter] = Field(min_length=4, max_length=4)


class ComparisonRow(Item):
    aspect: str
    mle: str
    aie: str


class AieVsMle(Item):
    title: str
    intro: str
    rows: list[ComparisonRow]
    when_mle: str
    when_aie: str
    transition_title: str
    transition: list[str] = Field(min_length=8, max_length=8)
    challenges: Topic


class TracksFile(Item):
    tracks: dict[str, Track]
    foundations: dict[str, Topic]
    aie_vs_mle: AieVsMle


class Phase(Item):
    """One step of the path into the field; deliberately not tied to career levels (a
    senior engineer is not "in phase 4": the phases are an order to learn in)."""

    name: str
    body: str
    bullets: list[str]


class TwelveMonths(Item):
    """The seed's 12-month roadmap, as the seed gives it; tracks add to each quarter."""

    title: str
    intro: str
    quarters: list[Quarter] = Field(min_length=4, max_length=4)


class RoadmapFile(Item):
    phases: list[Phase] = Field(min_length=4, max_length=4)
    takeaways_title: str
    takeaways: list[Topic] = Field(min_length=6, max_length=6)
    twelve_months: TwelveMonths
    long_run: Topic


class Routine(Item):
    title: str
    minutes: str
    intro: str
    steps: list[str]
    default_sources: list[str]


class DietFile(Item):
    daily: Routine
    weekly: Routine
    monthly: Routine
    overload: Topic


class Pitfall(Item):
    name: str
    signs: list[str]
    why: str
    fix: list[str]


class PitfallsFile(Item):
    pitfalls: dict[str, Pitfall]


class GuidesFile(Item):
    topics: dict[str, Topic]


class VocabFile(Item):
    """Words the pitfall rules look for in check-in notes (``bot/nudges.py``).

    Matched case-insensitively as whole words, in every language at once (a Vietnamese
    member may write "deployed"); an entry ending in ``*`` matches any word it starts, and
    ``a|b`` names one thing twice (``kubernetes|k8s`` counts as one tool).
    """

    tools: list[str] = Field(min_length=10)
    self_doubt: list[str] = Field(min_length=1)
    deploy: list[str] = Field(min_length=1)
    soft_skills: list[str] = Field(min_length=1)
    results: list[str] = Field(min_length=1)
    baseline: list[str] = Field(min_length=1)
    modelling: list[str] = Field(min_length=1)
    documenting: list[str] = Field(min_length=1)


#: Every file a pack holds, by name, with the model that validates it.
FILES: dict[str, type[Item]] = {
    "levels": LevelsFile,
    "assess": AssessFile,
    "tracks": TracksFile,
    "roadmap": RoadmapFile,
    "diet": DietFile,
    "pitfalls": PitfallsFile,
    "guides": GuidesFile,
    "vocab": VocabFile,
}
