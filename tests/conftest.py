"""Shared fixtures: settings in a temp dir, and a migrated database on SQLite and PostgreSQL.

Storage tests take the ``ctx`` fixture, which runs each test twice: on a SQLite file
and on the real PostgreSQL server (``STORMS_TEST_POSTGRES_URL``, default
postgresql://postgres@127.0.0.1:5432/test), each test in a schema of its own.
Under CI (CI=true) an unreachable PostgreSQL fails instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from storms import app_context, config
from storms.database import upgrade

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
POSTGRES_URL = os.environ.get(
    "STORMS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
_pg_ok: bool | None = None


def shared_file(relative: str) -> Path:
    """A file of ../shared/data, or skip the test saying it is absent."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"needs ../shared/data/{relative} (absent here)")
    return path


@pytest.fixture
def shared():
    return shared_file


def _postgres_available() -> bool:
    global _pg_ok
    if _pg_ok is None:
        try:
            eng = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
            with eng.connect() as conn:
                conn.execute(text("SELECT 1"))
            eng.dispose()
            _pg_ok = True
        except Exception:
            _pg_ok = False
    return _pg_ok


@pytest.fixture
def settings(tmp_path) -> config.Settings:
    env = {"STORMS_DATA_DIR": str(tmp_path / "data"), "STORMS_API_TOKEN": "test-token"}
    return config.load(env)


def _make_ctx(backend: str, settings: config.Settings, tmp_path: Path):
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'storms.sqlite'}"
        s = config.Settings(**{**settings.__dict__, "database_url": url})
        ctx = app_context.build(s)
        upgrade(ctx.engine)
        return ctx, None
    if not _postgres_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL not reachable at {POSTGRES_URL} under CI")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}&application_name={schema}"
    s = config.Settings(**{**settings.__dict__, "database_url": url})
    ctx = app_context.build(s)
    upgrade(ctx.engine)
    return ctx, (admin, schema)


@pytest.fixture(params=["sqlite", "postgres"])
def ctx(request, settings, tmp_path):
    """A migrated database (SQLite, then PostgreSQL) with settings in a temp dir."""
    context, pg = _make_ctx(request.param, settings, tmp_path)
    yield context
    context.engine.dispose()
    if pg:
        admin, schema = pg
        with admin.begin() as conn:
            # a connection the test leaked (an unclosed stream) must not block the clean-up
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE application_name = :s AND pid <> pg_backend_pid()"),
                         {"s": schema})
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_ctx(settings, tmp_path):
    """A migrated SQLite database only (for tests that are not about storage)."""
    context, _ = _make_ctx("sqlite", settings, tmp_path)
    yield context
    context.engine.dispose()
