"""schemathesis over the OpenAPI document: every operation, generated inputs; no 500, each
answer's status, content type and body as documented. Runs on SQLite with real-shaped data
(the in-repo fixtures: a small plasma series, events, an alert rule)."""

from __future__ import annotations

import numpy as np
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from web import create_app

from .page_data import cme, ips, minutes, put_events, put_series, us
from .test_api import SPEC

CHECKS = (schemathesis.checks.not_a_server_error, schemathesis.checks.status_code_conformance,
          schemathesis.checks.content_type_conformance,
          schemathesis.checks.response_schema_conformance)


@pytest.fixture(scope="module")
def api_app(tmp_path_factory):
    from storms import app_context, config
    from storms.database import upgrade

    root = tmp_path_factory.mktemp("schema")
    settings_ = config.load({"STORMS_DATA_DIR": str(root), "STORMS_API_TOKEN": "t0ken"})
    ctx = app_context.build(settings_)
    upgrade(ctx.engine)
    put_series(ctx, SPEC, minutes(us("2024-05-10T12:00"), 600),
               {"speed": np.linspace(350, 700, 600), "b_gsm": np.zeros((600, 3))})
    put_events(ctx, [cme("CME-A", "2024-05-10T06:00Z"), ips("IPS-A", "2024-05-12T00:00Z")])
    yield create_app(context=ctx)
    ctx.engine.dispose()


schema = schemathesis.from_pytest_fixture("api_schema")


@pytest.fixture(scope="module")
def api_schema(api_app):
    return schemathesis.from_wsgi("/api/v1/openapi.json", api_app)


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(case):
    case.headers = {**(case.headers or {}), "Authorization": "Bearer t0ken"}
    response = case.call_wsgi()
    case.validate_response(response, checks=CHECKS)
