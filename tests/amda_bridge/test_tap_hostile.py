"""Nothing gets in: every hostile query of the corpus answers with an error VOTable or a
harmless result, and every table of the database is unchanged afterwards (SQLite and
PostgreSQL)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from amda_bridge.tap import adql, service
from tests.amda_bridge.tap_support import make_app, populate

CORPUS = Path(__file__).with_name("hostile_adql.txt")


def corpus() -> list[str]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [ln.replace("\\n", "\n").replace("\\u0000", "\x00") for ln in lines
            if ln.strip() and not ln.startswith("## ")]


def fingerprint(engine) -> dict[str, str]:
    """Row count and checksum of every table (and the list of tables) of the database."""
    out: dict[str, str] = {}
    with engine.connect() as conn:
        names = sorted(inspect(conn).get_table_names())
        out["__tables__"] = ",".join(names)
        for name in names:
            rows = conn.execute(text(f'SELECT * FROM "{name}"')).fetchall()
            digest = hashlib.sha256("\n".join(sorted(repr(tuple(r)) for r in rows)).encode())
            out[name] = f"{len(rows)}:{digest.hexdigest()}"
    return out


def test_corpus_is_large_enough():
    assert len(corpus()) >= 50


def test_hostile_queries_change_nothing(ctx):
    populate(ctx)
    before = fingerprint(ctx.engine)
    client = make_app(ctx).test_client()
    for q in corpus():
        resp = client.post("/tap/sync", data={"LANG": "ADQL", "QUERY": q, "MAXREC": "1000"})
        body = resp.get_data(as_text=True)
        assert resp.content_type.startswith("application/x-votable+xml"), q
        assert 'name="QUERY_STATUS"' in body, q
        if 'value="ERROR"' not in body:  # accepted: then only epn_core / TAP_SCHEMA rows
            assert resp.status_code == 200, q
            assert "sqlite" not in body.lower() and "pg_" not in body.lower(), q
        else:
            assert "Traceback" not in body, q
    assert fingerprint(ctx.engine) == before
    assert not Path("/tmp/pwned").exists()


@pytest.mark.parametrize("q", [q for q in corpus() if q.strip().upper().startswith(
    ("DROP", "DELETE", "UPDATE", "INSERT", "ATTACH", "PRAGMA", "WITH", "CREATE"))])
def test_non_select_statements_are_refused_by_the_parser(q):
    with pytest.raises(adql.AdqlError):
        adql.translate(q, "sqlite", "http://h", 10)


def test_enormous_top_is_capped_by_maxrec(sqlite_ctx):
    populate(sqlite_ctx)
    body, _ = service.query(sqlite_ctx, {"lang": "ADQL", "maxrec": "5", "query":
                                         "SELECT TOP 99999999999999999999999 * "
                                         "FROM storms_events.epn_core"}, "http://h")
    text_ = body.decode()
    assert text_.count("<TR>") == 5 and 'value="OVERFLOW"' in text_
