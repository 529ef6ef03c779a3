"""forms: pending_form, a form asked in pages or opened later, shared by processes

Revision ID: 0014_pending_form
Revises: 0013_talk_asked_checkin

See ``storage.form_models.PendingForm``: the Discord adapter kept these in one
process's memory, so a restart (or another process) between two pages of a form lost
the pages already sent.
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0014_pending_form"
down_revision = "0013_talk_asked_checkin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_form",
        sa.Column("key", sa.String(32), primary_key=True),
        sa.Column(
            "member_id",
            sa.Integer,
            sa.ForeignKey("member.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("form", sa.JSON, nullable=False),
        sa.Column("intro", sa.Text, nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_pending_form_member_id", "pending_form", ["member_id"])
    op.create_index("ix_pending_form_expires_at", "pending_form", ["expires_at"])


def downgrade() -> None:
    op.drop_table("pending_form")
