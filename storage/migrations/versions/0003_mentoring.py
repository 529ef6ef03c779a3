"""mentoring: goals, reviews, career metrics, pitfall nudges and mutes

Revision ID: 0003_mentoring
Revises: 0002_schedule
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0003_mentoring"
down_revision = "0002_schedule"
branch_labels = None
depends_on = None


def _member_id() -> sa.Column:
    return sa.Column(
        "member_id", sa.Integer, sa.ForeignKey("member.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_index("ix_checkin_updated_at", "checkin", ["updated_at"])
    op.create_table(
        "goal",
        sa.Column("id", sa.Integer, primary_key=True),
        _member_id(),
        sa.Column("quarter", sa.String(7), nullable=False),
        sa.Column("area", sa.String(12), nullable=False),
        sa.Column("goal", sa.String(500), nullable=False),
        sa.Column("plan", sa.String(500)),
        sa.Column("metric", sa.String(500)),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime()),
        sa.UniqueConstraint("member_id", "quarter", "area"),
    )
    op.create_index("ix_goal_quarter_status", "goal", ["quarter", "status"])
    op.create_table(
        "review",
        sa.Column("id", sa.Integer, primary_key=True),
        _member_id(),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("worked", sa.Text, nullable=False),
        sa.Column("didnt", sa.Text, nullable=False),
        sa.Column("adjust", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("member_id", "period"),
    )
    op.create_table(
        "metric_entry",
        sa.Column("id", sa.Integer, primary_key=True),
        _member_id(),
        sa.Column("metric", sa.String(32), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("unit", sa.String(12), nullable=False),
        sa.Column("note", sa.String(300)),
        sa.Column("quarter", sa.String(7), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("source_key", sa.String(40)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("member_id", "metric", "source_key"),
    )
    op.create_index("ix_metric_entry_member_quarter", "metric_entry", ["member_id", "quarter"])
    op.create_index("ix_metric_entry_created_at", "metric_entry", ["created_at"])
    op.create_table(
        "nudge",
        sa.Column("id", sa.Integer, primary_key=True),
        _member_id(),
        sa.Column("pitfall", sa.String(16), nullable=False),
        sa.Column("fired_at", UTCDateTime(), nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
    )
    op.create_index("ix_nudge_member_pitfall", "nudge", ["member_id", "pitfall", "fired_at"])
    op.create_table(
        "pitfall_mute",
        sa.Column("id", sa.Integer, primary_key=True),
        _member_id(),
        sa.Column("pitfall", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("member_id", "pitfall"),
    )


def downgrade() -> None:
    op.drop_table("pitfall_mute")
    op.drop_table("nudge")
    op.drop_table("metric_entry")
    op.drop_table("review")
    op.drop_table("goal")
    op.drop_index("ix_checkin_updated_at", table_name="checkin")
