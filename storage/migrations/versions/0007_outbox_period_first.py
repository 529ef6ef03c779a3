"""outbox: the unique key leads with (kind, period_key), not with the target

Revision ID: 0007_outbox_period_first
Revises: 0006_outbox_indexes

The outbox's unique key was (target, kind, period_key). Each day's rows for a member
then went next to that member's rows of earlier days, so a fan-out of 100,000 rows
inserted into every leaf page of an index holding the whole history: with 30 days of
rows (3 million) the database wrote about 820 MB for one fan-out instead of about
280 MB, and took twice as long. Led by (kind, period_key), one fan-out's rows fill one
contiguous stretch of the index, in member order. The key stays unique on the same
three columns, so nothing that relies on it changes. Measured: docs/benchmarks.md.
"""

from alembic import op

revision = "0007_outbox_period_first"
down_revision = "0006_outbox_indexes"
branch_labels = None
depends_on = None

NEW = "uq_delivery_period_target"
#: SQLite's unique constraint had no name; reflected through batch mode's naming
#: convention it gets this one, which can then be dropped. PostgreSQL named it itself.
OLD_SQLITE = "uq_delivery_target"
OLD_POSTGRESQL = "delivery_target_kind_period_key_key"


def upgrade() -> None:
    old = OLD_POSTGRESQL if _postgresql() else OLD_SQLITE
    _replace(old, NEW, ["kind", "period_key", "target"])


def downgrade() -> None:
    old = OLD_POSTGRESQL if _postgresql() else OLD_SQLITE
    _replace(NEW, old, ["target", "kind", "period_key"])


def _postgresql() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def _replace(old: str, name: str, columns: list[str]) -> None:
    if _postgresql():
        op.drop_constraint(old, "delivery", type_="unique")
        op.create_unique_constraint(name, "delivery", columns)
        return
    # SQLite cannot drop a constraint: batch mode copies the table into a new one.
    with op.batch_alter_table(
        "delivery",
        recreate="always",
        naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s"},
    ) as batch:
        batch.drop_constraint(old, type_="unique")
        batch.create_unique_constraint(name, columns)
