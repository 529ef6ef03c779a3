"""outbox on PostgreSQL: the delivery and receipt tables' references are kept by delete
triggers instead of foreign keys

Revision ID: 0011_pgperf_outbox_fk
Revises: 0010_growth_plans

A foreign key checks every inserted row with a query that locks the referenced row
(``FOR KEY SHARE``), which on PostgreSQL writes that row and a WAL record each time: a
fan-out paid it three times per prompt (the delivery's member and workspace, the
receipt's delivery), about 40 % of the time to create rows and advance routines
(measured, docs/benchmarks.md). What the keys did besides is kept: deleting a member,
a workspace or a delivery still deletes what refers to it, by statement-level
triggers that cost nothing until something is deleted. Rows are created from a join
with their member and workspace, so a reference can only dangle if the member is
deleted in the instant between; the sender then finds the member gone and cancels the
row, and a receipt whose row is gone is dropped by the next fold.

SQLite keeps its foreign keys: there the single writer's checks are cheap, and a
delivery id may be reused after the largest one is deleted, which a dangling receipt
must not outlive.
"""

from alembic import op

revision = "0011_pgperf_outbox_fk"
down_revision = "0010_growth_plans"
branch_labels = None
depends_on = None

#: (trigger, table, function body): what each removed ON DELETE CASCADE did.
CASCADES = (
    (
        "member_deleted_outbox",
        "member",
        "DELETE FROM delivery WHERE member_id IN (SELECT id FROM gone)",
    ),
    (
        "workspace_deleted_outbox",
        "workspace",
        "DELETE FROM delivery WHERE workspace_id IN (SELECT id FROM gone)",
    ),
    (
        "delivery_deleted_receipts",
        "delivery",
        "DELETE FROM delivery_receipt WHERE delivery_id IN (SELECT id FROM gone)",
    ),
)

KEYS = (
    ("delivery_receipt", "delivery_receipt_delivery_id_fkey", "delivery_id", "delivery"),
    ("delivery", "delivery_member_id_fkey", "member_id", "member"),
    ("delivery", "delivery_workspace_id_fkey", "workspace_id", "workspace"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, name, _column, _parent in KEYS:
        op.drop_constraint(name, table, type_="foreignkey")
    for trigger, table, body in CASCADES:
        op.execute(
            f"CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS"
            f" $$ BEGIN {body}; RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {trigger} AFTER DELETE ON {table}"
            f" REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION {trigger}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for trigger, table, _body in CASCADES:
        op.execute(f"DROP TRIGGER {trigger} ON {table}")
        op.execute(f"DROP FUNCTION {trigger}()")
    for table, name, column, parent in reversed(KEYS):
        # Whatever dangles (a member deleted while its row was being created) goes first.
        op.execute(f"DELETE FROM {table} WHERE {column} NOT IN (SELECT id FROM {parent})")
        op.create_foreign_key(name, table, parent, [column], ["id"], ondelete="CASCADE")
