"""Imports every module that defines tables, so ``Base.metadata`` is complete.

Alembic, export/forget (``storage.privacy``) and the schema test read the metadata;
a feature whose models live in their own module adds one import line here.
"""

from storage import (
    discord_models,
    form_models,
    models,
    pairs_models,
    plan_models,
    slack_models,
    talk_models,
)
from storage.models import Base

__all__ = [
    "Base",
    "discord_models",
    "form_models",
    "models",
    "pairs_models",
    "plan_models",
    "slack_models",
    "talk_models",
]
