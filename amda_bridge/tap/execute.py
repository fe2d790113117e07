"""Run translated SQL read-only, under a time limit, on SQLite or PostgreSQL.

SQLite: a connection of its own opened ``mode=ro``, ``PRAGMA query_only``, an authorizer
allowing only reads and a fixed set of functions, and a progress handler that stops
the statement at the deadline. PostgreSQL: a pooled connection in a ``READ ONLY``
transaction with ``SET LOCAL statement_timeout``, always rolled back.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

DEFAULT_TIMEOUT_S = 30.0
SQLITE_FUNCTIONS = frozenset({
    "abs", "avg", "cast", "coalesce", "count", "group_concat", "ifnull", "instr", "like",
    "lower", "max", "min", "replace", "round", "strftime", "sum", "upper", "substr",
    "length", "nullif", "total"})
_SQLITE_OK = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ}


class QueryTimeout(RuntimeError):
    """The statement ran past its time limit."""


class QueryFailed(RuntimeError):
    """The database refused the statement (message safe to show)."""


@dataclass
class Result:
    rows: list[tuple]


def _authorizer(action: int, arg1, arg2, _db, _trigger) -> int:
    if action in _SQLITE_OK:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION and str(arg2).lower() in SQLITE_FUNCTIONS:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA and arg1 in ("query_only", "case_sensitive_like"):
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise QueryFailed("the TAP service needs a file database")
    return Path(database).resolve()


def _run_sqlite(engine: Engine, sql: str, timeout_s: float) -> list[tuple]:
    uri = sqlite_path(engine).as_uri() + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=10, check_same_thread=False)
    deadline = time.monotonic() + timeout_s
    timed_out = False

    def progress() -> int:
        nonlocal timed_out
        timed_out = time.monotonic() > deadline
        return 1 if timed_out else 0

    try:
        conn.execute("PRAGMA case_sensitive_like=ON")
        conn.execute("PRAGMA query_only=ON")
        conn.set_authorizer(_authorizer)
        conn.set_progress_handler(progress, 20_000)
        try:
            return conn.execute(sql).fetchall()
        except sqlite3.Error as exc:
            if timed_out:
                raise QueryTimeout(f"query ran longer than {timeout_s:g} s") from None
            raise QueryFailed(str(exc)) from None
    finally:
        conn.close()


def _run_postgres(engine: Engine, sql: str, timeout_s: float) -> list[tuple]:
    import psycopg

    raw = engine.raw_connection()
    try:
        raw.rollback()
        cur = raw.cursor()
        try:
            cur.execute("SET TRANSACTION READ ONLY")
            cur.execute(f"SET LOCAL statement_timeout = {max(1, int(timeout_s * 1000))}")
            cur.execute(sql)
            return cur.fetchall()
        except psycopg.errors.QueryCanceled:
            raise QueryTimeout(f"query ran longer than {timeout_s:g} s") from None
        except psycopg.Error as exc:
            message = (exc.diag.message_primary if exc.diag else None) or str(exc)
            raise QueryFailed(message) from None
        finally:
            cur.close()
    finally:
        try:
            raw.rollback()
        finally:
            raw.close()


def run(engine: Engine, sql: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> Result:
    """Run one read-only statement and fetch all its rows (the SQL carries a LIMIT)."""
    if engine.dialect.name == "sqlite":
        return Result(_run_sqlite(engine, sql, timeout_s))
    if engine.dialect.name == "postgresql":
        return Result(_run_postgres(engine, sql, timeout_s))
    raise QueryFailed(f"unsupported backend {engine.dialect.name}")
