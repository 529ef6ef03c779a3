"""slack: OAuth installations (tokens encrypted) and OAuth states

Revision ID: 0004_slack
Revises: 0002_schedule
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0004_slack"
down_revision = "0002_schedule"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_installation",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("enterprise_key", sa.String(32), nullable=False),
        sa.Column("team_key", sa.String(32), nullable=False),
        sa.Column("app_id", sa.String(32)),
        sa.Column("team_name", sa.String(200)),
        sa.Column("enterprise_name", sa.String(200)),
        sa.Column("is_enterprise_install", sa.Boolean, nullable=False),
        sa.Column("bot_id", sa.String(32)),
        sa.Column("bot_user_id", sa.String(32)),
        sa.Column("bot_scopes", sa.Text),
        sa.Column("installer_user_id", sa.String(32)),
        sa.Column("user_scopes", sa.Text),
        sa.Column("bot_token_expires_at", UTCDateTime()),
        sa.Column("user_token_expires_at", UTCDateTime()),
        sa.Column("secrets_encrypted", sa.Text, nullable=False),
        sa.Column("extra", sa.JSON, nullable=False),
        sa.Column("installed_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("enterprise_key", "team_key"),
    )
    op.create_table(
        "slack_oauth_state",
        sa.Column("state", sa.String(64), primary_key=True),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_slack_oauth_state_expires_at", "slack_oauth_state", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_slack_oauth_state_expires_at", "slack_oauth_state")
    op.drop_table("slack_oauth_state")
    op.drop_table("slack_installation")
