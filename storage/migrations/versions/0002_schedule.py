"""schedule: routines, the delivery outbox, check-ins

Revision ID: 0002_schedule
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0002_schedule"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member") as batch:
        batch.add_column(sa.Column("dm_channel", sa.String(64)))
    with op.batch_alter_table("workspace") as batch:
        batch.add_column(sa.Column("disabled_reason", sa.String(200)))
    op.create_table(
        "routine",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "member_id", sa.Integer, sa.ForeignKey("member.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("cadence", sa.String(8), nullable=False),
        sa.Column("hour", sa.Integer, nullable=False),
        sa.Column("minute", sa.Integer, nullable=False),
        sa.Column("weekdays_only", sa.Boolean, nullable=False),
        sa.Column("weekday", sa.Integer, nullable=False),
        sa.Column("day_of_month", sa.Integer, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("next_due_at", UTCDateTime()),
        sa.UniqueConstraint("member_id", "cadence"),
    )
    op.create_index("ix_routine_next_due_at", "routine", ["next_due_at"])
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "workspace_id",
            sa.Integer,
            sa.ForeignKey("workspace.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("member.id", ondelete="CASCADE")),
        sa.Column("channel", sa.String(64)),
        sa.Column("target", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("period_key", sa.String(20), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("not_before", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_until", UTCDateTime()),
        sa.Column("sent_at", UTCDateTime()),
        sa.Column("platform_message_id", sa.String(120)),
        sa.Column("last_error", sa.String(300)),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("target", "kind", "period_key"),
    )
    op.create_index("ix_delivery_member_id", "delivery", ["member_id"])
    op.create_index("ix_delivery_pending", "delivery", ["status", "not_before"])
    op.create_table(
        "checkin",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "member_id", sa.Integer, sa.ForeignKey("member.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("cadence", sa.String(8), nullable=False),
        sa.Column("period_key", sa.String(20), nullable=False),
        sa.Column("activities", sa.JSON, nullable=False),
        sa.Column("minutes", sa.Integer),
        sa.Column("note", sa.Text),
        sa.Column("shared", sa.Boolean, nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("member_id", "cadence", "period_key"),
    )


def downgrade() -> None:
    op.drop_table("checkin")
    op.drop_table("delivery")
    op.drop_table("routine")
    with op.batch_alter_table("workspace") as batch:
        batch.drop_column("disabled_reason")
    with op.batch_alter_table("member") as batch:
        batch.drop_column("dm_channel")
