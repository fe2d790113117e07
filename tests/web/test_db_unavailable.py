"""A database that cannot be reached answers 503 with Retry-After everywhere, never 500."""

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from storms import app_context, config
from web import create_app


@pytest.fixture
def dead_app(tmp_path):
    """The app over a PostgreSQL URL where nothing listens (port 9: discard)."""
    settings = config.load({"STORMS_DATA_DIR": str(tmp_path)})
    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:9/none",
                           connect_args={"connect_timeout": 2})
    ctx = app_context.Context(settings=settings, engine=engine,
                              factory=sessionmaker(engine, expire_on_commit=False))
    return create_app(context=ctx)


@pytest.mark.parametrize("path", [
    "/hapi/catalog", "/hapi/info?id=x", "/hapi/data?id=x&time.min=2024-01-01&time.max=2024-01-02",
    "/tap/sync?REQUEST=doQuery&LANG=ADQL&QUERY=SELECT+TOP+1+*+FROM+storms_events.epn_core",
])
def test_protocols_answer_503(dead_app, path):
    resp = dead_app.test_client().get(path)
    assert resp.status_code == 503, resp.data[:300]
    assert resp.headers["Retry-After"] == "5"
    assert b"Traceback" not in resp.data


def test_health_says_degraded(dead_app):
    resp = dead_app.test_client().get("/health")
    assert resp.status_code == 503 and resp.get_json()["status"] == "degraded"
