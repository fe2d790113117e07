"""The one HTTP helper against a real local server failing in each way."""

import socket

import pytest

from ingest.http import FetchError, fetch
from storms import models as m
from tests.http_fixture import LocalServer


@pytest.fixture
def server(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"0123456789" * 1000)
    with LocalServer(tmp_path) as srv:
        yield srv


def test_fetch_whole_file(server):
    assert fetch(f"{server.url}/files/a.txt", backoff_s=0) == b"0123456789" * 1000


def test_retries_then_succeeds_and_records_status(server, sqlite_ctx):
    body = fetch(f"{server.url}/flaky/2/a.txt", retries=3, backoff_s=0.01,
                 factory=sqlite_ctx.factory)
    assert len(body) == 10000
    assert server.hits["/flaky/2/a.txt"] == 3
    with sqlite_ctx.factory() as s:
        status = s.get(m.SourceStatus, f"{server.url}/flaky/2/a.txt")
        assert status.state == "ok" and status.failures == 0


def test_5xx_exhausts_retries_and_says_so(server, sqlite_ctx):
    url = f"{server.url}/status/500"
    with pytest.raises(FetchError, match="HTTP 500.*after 3 attempts"):
        fetch(url, retries=2, backoff_s=0.01, factory=sqlite_ctx.factory)
    assert server.hits["/status/500"] == 3
    with sqlite_ctx.factory() as s:
        status = s.get(m.SourceStatus, url)
        assert status.state == "failing" and "HTTP 500" in status.message


def test_404_fails_at_once(server):
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch(f"{server.url}/files/missing.txt", retries=3, backoff_s=0.01)
    assert server.hits["/files/missing.txt"] == 1


def test_half_a_file_is_not_accepted(server):
    with pytest.raises(FetchError, match="connection failed|truncated"):
        fetch(f"{server.url}/truncated/a.txt", retries=1, backoff_s=0.01)


def test_slow_source_times_out(server):
    with pytest.raises(FetchError, match="no answer within 0.2 s"):
        fetch(f"{server.url}/slow/1/a.txt", timeout_s=0.2, retries=0)


def test_dead_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(FetchError, match="connection failed"):
        fetch(f"http://127.0.0.1:{port}/x", retries=1, backoff_s=0.01)


def test_only_http_schemes():
    with pytest.raises(FetchError, match="only http"):
        fetch("file:///etc/passwd")
