"""Alembic environment: runs on the connection ``storage.migrate`` hands it.

Migrations are applied by ``mentorbot migrate`` and on start, from inside the asyncio
loop, so there is no alembic.ini and no second engine: the async engine runs the
migration through ``run_sync``.
"""

from alembic import context

from storage.all_models import Base
from storage.models import include_object

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_object=include_object(connection.dialect.name),
)
with context.begin_transaction():
    context.run_migrations()
