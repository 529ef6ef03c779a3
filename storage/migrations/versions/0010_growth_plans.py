"""growth: if_then_plan, the if-then plans and their outcomes

Revision ID: 0010_growth_plans
Revises: 0009_pairs_learning_pairs

See ``storage.plan_models.IfThenPlan`` and ``docs/growth.md``.
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0010_growth_plans"
down_revision = "0009_pairs_learning_pairs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "if_then_plan",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "member_id",
            sa.Integer,
            sa.ForeignKey("member.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("about", sa.String(500)),
        sa.Column("cue", sa.String(300), nullable=False),
        sa.Column("action", sa.String(300), nullable=False),
        sa.Column("check_on", sa.Date, nullable=False),
        sa.Column("outcome", sa.String(8)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("answered_at", UTCDateTime()),
    )
    op.create_index("ix_if_then_plan_member", "if_then_plan", ["member_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_if_then_plan_member", table_name="if_then_plan")
    op.drop_table("if_then_plan")
