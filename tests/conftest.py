"""Fixtures shared by every part's tests.

``db_url`` runs a test on a SQLite file and on a fresh PostgreSQL database at 127.0.0.1:5432
(created for the test and dropped after). Without a PostgreSQL server the PostgreSQL case
skips with the reason — except when ``CI=true``, where it fails: CI never skips storage tests.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any
from pathlib import Path

import pytest

# An outside plugin's own tests: run by tests/core/test_outside_plugin.py once it is installed.
collect_ignore = ["example_plugin"]

PG_HOST = os.environ.get("SHIKAYAT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
_pg_problem: str | None = None
_pg_checked = False


def _admin_engine():  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    return sa.create_engine(f"{PG_HOST}/postgres", isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def _postgres_unavailable() -> str | None:
    global _pg_checked, _pg_problem
    if not _pg_checked:
        _pg_checked = True
        try:
            import sqlalchemy as sa

            with _admin_engine().connect() as con:
                con.execute(sa.text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - reported as the skip reason
            _pg_problem = f"PostgreSQL at {PG_HOST} is not reachable: {type(exc).__name__}: {exc}"
    return _pg_problem


@pytest.fixture
def postgres_url() -> Iterator[str]:
    problem = _postgres_unavailable()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{problem} (CI=true: PostgreSQL tests must run)")
        pytest.skip(problem)
    import sqlalchemy as sa

    name = f"shikayat_t_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as con:
        con.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_HOST}/{name}"
    finally:
        with admin.connect() as con:
            con.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shikayat.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def plugins() -> Any:
    """Every installed plugin (a test module may override this with its own selection)."""
    from shikayat.plugins import load_plugins

    return load_plugins()


@pytest.fixture
def store(db_url: str, plugins: Any) -> Iterator[Any]:
    """A migrated store on ``db_url`` opened through ``plugins``."""
    s = plugins.open_store(db_url)
    s.migrate()
    yield s
    s.close()
