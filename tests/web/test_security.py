"""Every write route needs the API token: the test walks the whole route map, so a write
endpoint added later without the check fails here. Plus the response headers."""

import re

import pytest

from web import create_app

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
#: Routes that accept POST but write nothing of the service's data, with the reason.
EXEMPT = {
    "/tap/sync": "TAP 1.1: a query may be POSTed; read-only ADQL",
    "/tap/async": "TAP 1.1 UWS: anonymous query jobs, as every TAP client expects",
    "/tap/async/<job_id>": "UWS: delete one's own query job",
    "/tap/async/<job_id>/phase": "UWS: run/abort a query job",
    "/tap/async/<job_id>/parameters": "UWS: query job parameters",
    "/tap/async/<job_id>/executionduration": "UWS: query job limits",
    "/tap/async/<job_id>/destruction": "UWS: query job limits",
    "/api/v1/propagate": "a computation (same as GET), stores nothing",
    "/api/v1/transform": "a computation on the uploaded file, stores nothing",
}


def _concrete(rule: str) -> str:
    rule = re.sub(r"<int:[^>]+>", "1", rule)
    rule = re.sub(r"<path:[^>]+>", "x/y", rule)
    return re.sub(r"<[^>]+>", "x", rule)


def _write_routes(app):
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) & WRITE_METHODS
        if methods and rule.rule not in EXEMPT:
            yield rule.rule, sorted(methods)


@pytest.fixture
def app(ctx):
    return create_app(context=ctx)


def test_exemptions_are_real_routes(app):
    rules = {r.rule for r in app.url_map.iter_rules()}
    for rule in EXEMPT:
        if rule.startswith("/api/") and not any(r.startswith("/api/") for r in rules):
            continue
        assert rule in rules, f"exempt route {rule} no longer exists: drop it from EXEMPT"


def test_every_write_route_refuses_without_token(app):
    client = app.test_client()
    checked = 0
    for rule, methods in _write_routes(app):
        for method in methods:
            for headers in ({}, {"Authorization": "Bearer wrong-token"}):
                resp = client.open(_concrete(rule), method=method, headers=headers, json={})
                assert resp.status_code in (401, 403), (method, rule, headers,
                                                        resp.status_code)
            checked += 1
    if any(r.rule.startswith("/api/") for r in app.url_map.iter_rules()):
        assert checked > 0, "the API has no write route? alert rules must be writable"


def test_headers_on_pages_and_errors(app):
    client = app.test_client()
    for path in ("/", "/does-not-exist", "/hapi", "/health"):
        resp = client.get(path)
        assert resp.status_code < 500
        csp = resp.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert "Server" not in resp.headers or "/" not in resp.headers["Server"]


def test_unknown_page_is_html_and_api_is_problem_json(app):
    client = app.test_client()
    page = client.get("/no/such/page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert b"404" in page.data and b"Traceback" not in page.data
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.mimetype == "application/problem+json"
    body = api.get_json()
    assert body["status"] == 404 and body["title"]


def test_unexpected_exception_answers_without_traceback(ctx):
    app = create_app(context=ctx)

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret detail /etc/passwd")

    resp = app.test_client().get("/boom-for-test", headers={"Accept": "text/html"})
    assert resp.status_code == 500
    assert b"secret detail" not in resp.data and b"Traceback" not in resp.data


def test_behind_a_proxy_links_use_the_forwarded_host(ctx):
    from dataclasses import replace

    from storms.app_context import Context

    proxied = Context(settings=replace(ctx.settings, proxy_hops=1), engine=ctx.engine,
                      factory=ctx.factory)
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "storms.example.org"}
    caps = create_app(context=proxied).test_client().get("/tap/capabilities",
                                                         headers=headers)
    assert b"https://storms.example.org/tap" in caps.data
    direct = create_app(context=ctx).test_client().get("/tap/capabilities", headers=headers)
    assert b"storms.example.org" not in direct.data  # not trusted unless configured


def test_request_bodies_are_bounded(app):
    from web import MAX_UPLOAD_BYTES

    big = b"x" * (MAX_UPLOAD_BYTES + 1)
    posts = {r.rule for r in app.url_map.iter_rules() if "POST" in (r.methods or ())}
    for path in sorted({"/api/v1/propagate", "/tap/sync", "/tap/async"} & posts):
        resp = app.test_client().post(path, data=big,
                                      headers={"Content-Type": "application/octet-stream"})
        assert resp.status_code == 413, (path, resp.status_code)
