"""Registers the SQLAlchemy store for SQLite and PostgreSQL URLs."""

from __future__ import annotations

from shikayat import hookimpl
from shikayat.store import Store

_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql", "postgres", "postgresql+psycopg")


def normalize_url(url: str) -> str | None:
    """The SQLAlchemy URL to use, or None if this is not a database we handle."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in _SCHEMES:
        return None
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    return url


@hookimpl
def open_store(url: str) -> Store | None:
    sa_url = normalize_url(url)
    if sa_url is None:
        return None
    from shikayat_storage.store import SQLStore

    return SQLStore(sa_url)
