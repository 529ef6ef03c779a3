"""talk: asked_checkin, the check-in a member asked for, shared by processes

Revision ID: 0013_talk_asked_checkin
Revises: 0012_delivery_worker_heartbeat

See ``storage.talk_models.AskedCheckin``: ``/mentor checkin`` opens the check-in it
shows for an hour, so that a sentence typed next is read as its answer; kept in the
database so a restart or another worker does not forget it.
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0013_talk_asked_checkin"
down_revision = "0012_delivery_worker_heartbeat"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "asked_checkin",
        sa.Column(
            "member_id",
            sa.Integer,
            sa.ForeignKey("member.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("cadence", sa.String(8), nullable=False),
        sa.Column("period_key", sa.String(20), nullable=False),
        sa.Column("asked_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("asked_checkin")
