"""outbox: delivery_receipt, where a fan-out records its sends until the tick folds them

Revision ID: 0008_delivery_receipts
Revises: 0007_outbox_period_first

See ``storage.models.DeliveryReceipt``: appending a receipt costs the fan-out's single
writer a fraction of rewriting the delivery row; the tick folds receipts into their rows
once every prompt is out. Measured: docs/benchmarks.md.
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0008_delivery_receipts"
down_revision = "0007_outbox_period_first"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_receipt",
        sa.Column(
            "delivery_id",
            sa.Integer,
            sa.ForeignKey("delivery.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.Column("platform_message_id", sa.String(120)),
    )


def downgrade() -> None:
    # Fold what is left, so that no send is forgotten.
    op.execute(
        "UPDATE delivery SET status = 'sent', sent_at = r.sent_at,"
        " platform_message_id = r.platform_message_id, lease_owner = NULL,"
        " lease_until = NULL, last_error = NULL"
        " FROM delivery_receipt AS r WHERE delivery.id = r.delivery_id"
    )
    op.drop_table("delivery_receipt")
