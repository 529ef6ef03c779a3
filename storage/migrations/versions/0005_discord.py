"""discord: the adapter's state (command-sync hashes, long custom-id values)

Revision ID: 0005_discord
Revises: 0002_schedule
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0005_discord"
down_revision = "0002_schedule"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "discord_state",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("discord_state")
