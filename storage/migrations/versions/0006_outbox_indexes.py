"""outbox: partial indexes for claimable rows; due routines indexed with their id

Revision ID: 0006_outbox_indexes
Revises: 0002_schedule

``ix_delivery_pending`` indexed (status, not_before) over every row, so the table's
history (sent, missed, cancelled) sat in it, and recording a send moved each row's
entry. Claims only ever look for pending rows by ``not_before`` and claimed rows by
``lease_until``; two partial indexes hold just those, and a send removes one entry.
``ix_routine_next_due_at`` gains the id, so that a tick can page through due routines
in (next_due_at, id) order without a sort (on SQLite the rowid was already there).
Measured on the 100,000-member fan-out: see docs/benchmarks.md.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_outbox_indexes"
down_revision = "0002_schedule"
branch_labels = None
depends_on = None

PENDING = "status = 'pending'"
CLAIMED = "status = 'claimed'"


def upgrade() -> None:
    op.drop_index("ix_routine_next_due_at", table_name="routine")
    op.create_index("ix_routine_next_due_at", "routine", ["next_due_at", "id"])
    op.drop_index("ix_delivery_pending", table_name="delivery")
    for name, column, where in (
        ("ix_delivery_pending", "not_before", PENDING),
        ("ix_delivery_leased", "lease_until", CLAIMED),
    ):
        op.create_index(
            name,
            "delivery",
            [column],
            sqlite_where=sa.text(where),
            postgresql_where=sa.text(where),
        )


def downgrade() -> None:
    op.drop_index("ix_delivery_leased", table_name="delivery")
    op.drop_index("ix_delivery_pending", table_name="delivery")
    op.create_index("ix_delivery_pending", "delivery", ["status", "not_before"])
    op.drop_index("ix_routine_next_due_at", table_name="routine")
    op.create_index("ix_routine_next_due_at", "routine", ["next_due_at"])
