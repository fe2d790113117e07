"""The ADQL translator: what it accepts, what it refuses, what SQL it writes."""

from __future__ import annotations

import pytest

from amda_bridge.tap import adql

EV = "storms_events.epn_core"


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_top_maxrec_and_offset(dialect):
    t = adql.translate(f"SELECT TOP 5 granule_uid FROM {EV} ORDER BY time_min OFFSET 2",
                       dialect, "http://h", 100)
    assert t.limit == 5 and not t.check_overflow and "LIMIT 5 OFFSET 2" in t.sql
    t = adql.translate(f"SELECT TOP 500 granule_uid FROM {EV}", dialect, "http://h", 100)
    assert t.limit == 101 and t.check_overflow


def test_star_expansion_and_field_metadata():
    t = adql.translate(f"SELECT * FROM {EV}", "sqlite", "http://h", 10)
    assert [f.name for f in t.fields][:3] == ["granule_uid", "granule_gid", "obs_id"]
    t = adql.translate(f"SELECT COUNT(*) AS n, MAX(e.time_min), LOWER(e.target_name), "
                       f"e.time_min + 1 FROM {EV} AS e GROUP BY e.target_name, e.time_min",
                       "sqlite", "http://h", 10)
    assert [(f.name, f.datatype) for f in t.fields] == [
        ("n", "long"), ("max", "double"), ("lower", "char"), ("add", "double")]
    assert t.fields[1].unit == "d"


def test_identifiers_are_case_blind_and_quoted():
    t = adql.translate('SELECT TOP 1 "size", Column_Name FROM tap_schema.COLUMNS',
                       "postgresql", "http://h", 10)
    assert '"columns"."size"' in t.sql and '"columns"."column_name"' in t.sql


def test_hashlist_and_like_translations():
    q = f"SELECT granule_uid FROM {EV} WHERE ivo_hashlist_has(target_name, 'sun') = 1 " \
        "AND obs_id LIKE 'a\\%'"
    lite = adql.translate(q, "sqlite", "http://h", 10).sql
    pg = adql.translate(q, "postgresql", "http://h", 10).sql
    assert "INSTR(" in lite and "POSITION(" in pg
    assert "ESCAPE ''" in pg and "ESCAPE" not in lite


@pytest.mark.parametrize("q, message", [
    ("", "empty"),
    ("SELECT 1", "FROM"),
    (f"SELECT a FROM {EV}; SELECT 1", "exactly one"),
    (f"SELECT granule_uid FROM {EV} UNION SELECT granule_uid FROM {EV}", "only SELECT"),
    (f"SELECT sqrt(time_min) FROM {EV}", "not supported"),
    (f"SELECT foo(time_min) FROM {EV}", "unknown function"),
    (f"SELECT granule_uid FROM {EV} AS a, {EV} AS a", "aliases"),
    (f"SELECT granule_uid FROM {EV} AS a, storms_images.epn_core AS b", "ambiguous"),
    (f"SELECT x.granule_uid FROM {EV}", "unknown table"),
    (f'SELECT granule_uid AS "a b" FROM {EV}', "alias"),
    (f"SELECT granule_uid FROM {EV} OFFSET granule_uid", "OFFSET"),
    ("SELECT x FROM a.b.c", "unknown table"),
    (f"SELECT {'(' * 400}1{')' * 400} FROM {EV}", "syntax error|too complex"),
])
def test_refusals(q, message):
    with pytest.raises(adql.AdqlError, match=message):
        adql.translate(q, "sqlite", "http://h", 10)


def test_user_text_cannot_reach_the_sql_outside_literals():
    q = f"SELECT granule_uid FROM {EV} WHERE obs_id = 'x''; DROP TABLE events; --'"
    sql = adql.translate(q, "sqlite", "http://h", 10).sql
    assert "'x''; DROP TABLE events; --'" in sql and "--" not in sql.replace(
        "'x''; DROP TABLE events; --'", "")
