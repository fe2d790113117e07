"""Helpers shared by the benchmarks: timing, temporary databases on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from storms import app_context, config
from storms.database import upgrade

POSTGRES_URL = os.environ.get(
    "STORMS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """Smallest wall time of ``repeat`` runs (s)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def row(name: str, value: float, unit: str = "s", baseline: float | None = None) -> dict:
    return {"name": name, "value": value, "unit": unit, "baseline": baseline,
            "ratio": None if not baseline else value / baseline}


@contextmanager
def database(backend: str) -> Iterator[app_context.Context]:
    """A fresh, migrated database: a temp SQLite file, or a temp PostgreSQL schema."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = config.load({"STORMS_DATA_DIR": tmp})
        if backend == "sqlite":
            ctx = app_context.build(settings)
            upgrade(ctx.engine)
            try:
                yield ctx
            finally:
                ctx.engine.dispose()
            return
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
        ctx = app_context.build(config.Settings(**{**settings.__dict__, "database_url": url}))
        try:
            upgrade(ctx.engine)
            yield ctx
        finally:
            ctx.engine.dispose()
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
