"""outbox: worker, the heartbeat row that keeps a worker's claims while it lives

Revision ID: 0012_delivery_worker_heartbeat
Revises: 0011_pgperf_outbox_fk

See ``storage.models.Worker`` and ``schedules.heartbeat``: a claimed row is held as
long as its owner's heartbeat is, so a worker sending at a platform's pace never loses
the rows queued behind the chunk it is sending, and a restarted worker takes back the
rows of its dead predecessor at once.
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0012_delivery_worker_heartbeat"
down_revision = "0011_pgperf_outbox_fk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker",
        sa.Column("owner", sa.String(64), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("beat_at", UTCDateTime(), nullable=False),
        sa.Column("alive_until", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("worker")
