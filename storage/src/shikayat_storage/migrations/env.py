"""Alembic environment: runs on the connection the store hands over (config.attributes)."""

from __future__ import annotations

from alembic import context

from shikayat_storage.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - always driven by SQLStore
    raise RuntimeError("run migrations through `shikayat migrate`")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
