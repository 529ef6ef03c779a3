"""pairs: learning pairs (rhythm per workspace, opt-ins, rounds, pair members)

Revision ID: 0009_pairs_learning_pairs
Revises: 0008_delivery_receipts

See ``storage.pairs_models`` and ``docs/pairs.md``.
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0009_pairs_learning_pairs"
down_revision = "0008_delivery_receipts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pair_rhythm",
        sa.Column(
            "workspace_id",
            sa.Integer,
            sa.ForeignKey("workspace.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("every_weeks", sa.Integer, nullable=False),
        sa.Column("anchor", sa.Date, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "pair_optin",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "member_id",
            sa.Integer,
            sa.ForeignKey("member.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("opted_in", sa.Boolean, nullable=False),
        sa.Column("waiting", sa.Boolean, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "pair_round",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "workspace_id",
            sa.Integer,
            sa.ForeignKey("workspace.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("round_key", sa.String(10), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("workspace_id", "round_key"),
    )
    op.create_table(
        "pair_member",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "round_id",
            sa.Integer,
            sa.ForeignKey("pair_round.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("pair_no", sa.Integer, nullable=False),
        sa.Column(
            "member_id",
            sa.Integer,
            sa.ForeignKey("member.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("met", sa.Boolean),
        sa.Column("minutes", sa.Integer),
        sa.Column("answered_at", UTCDateTime()),
        sa.UniqueConstraint("round_id", "member_id"),
    )
    op.create_index("ix_pair_member_member", "pair_member", ["member_id", "round_id"])


def downgrade() -> None:
    op.drop_index("ix_pair_member_member", table_name="pair_member")
    op.drop_table("pair_member")
    op.drop_table("pair_round")
    op.drop_table("pair_optin")
    op.drop_table("pair_rhythm")
