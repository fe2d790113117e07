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


def databases(backends: tuple[str, ...], who: str
              ) -> Iterator[tuple[str, app_context.Context]]:
    """(backend, context) for each backend that can be reached; an absent one is said and
    skipped. Each database is dropped once the loop moves on."""
    for backend in backends:
        try:
            cm = database(backend)
            ctx = cm.__enter__()
        except Exception as exc:  # PostgreSQL absent
            print(f"{who}: {backend} unavailable ({type(exc).__name__})")
            continue
        try:
            yield backend, ctx
        finally:
            cm.__exit__(None, None, None)


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(ctx: app_context.Context, port: int, ready_path: str = "/health",
          *args: str):
    """`storms serve --no-jobs` (gunicorn) on ``port`` over ``ctx``'s database, in a
    subprocess; returned once ``ready_path`` answers. Terminate it when done."""
    import subprocess
    import sys
    import urllib.request

    env = {**os.environ, "STORMS_DATA_DIR": str(ctx.settings.data_dir),
           "STORMS_DATABASE_URL": ctx.settings.database_url}
    proc = subprocess.Popen([sys.executable, "-c", "from storms.cli import main; main()",
                             "serve", "--no-jobs", "--port", str(port), *args],
                            cwd=Path(__file__).resolve().parents[1], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{ready_path}", timeout=1)
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("storms serve did not start")
