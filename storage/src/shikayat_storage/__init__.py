"""SQLAlchemy store for Shikayat: SQLite (default) and PostgreSQL, schema by Alembic migrations."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from shikayat_storage.store import SQLStore

try:
    __version__ = version("shikayat-storage")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.0.0"

__all__ = ["SQLStore", "__version__"]
