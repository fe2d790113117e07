"""The scale and fault suite (`make test-scale`): real `storms serve` processes on this
machine's PostgreSQL, loaded by wrk from a second process, with faults injected.

Each test gets its own PostgreSQL schema; servers run as subprocesses of the project's
virtualenv. Skips when PostgreSQL or wrk are absent, except under CI (CI=true).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from storms import app_context, config
from storms.database import upgrade
from tests.conftest import POSTGRES_URL, SHARED_DATA, _postgres_available

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "scale"
STORMS = Path(sys.executable).with_name("storms")


def missing(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " (required under CI)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Store:
    """A migrated database and the environment that points `storms` at it."""

    def __init__(self, url: str, root: Path):
        self.url = url
        self.root = root
        self.env = {**os.environ, "STORMS_DATA_DIR": str(root / "data"),
                    "STORMS_DATABASE_URL": url, "STORMS_API_TOKEN": "scale-test-token",
                    "NO_PROXY": "127.0.0.1,localhost"}
        self.settings = config.load(self.env)
        self.ctx = app_context.build(self.settings)
        upgrade(self.ctx.engine)


@pytest.fixture
def pg_store(tmp_path):
    if not _postgres_available():
        missing(f"PostgreSQL not reachable at {POSTGRES_URL}")
    schema = f"scale_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    store = Store(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}&application_name={schema}",
                  tmp_path)
    yield store
    store.ctx.engine.dispose()
    for _ in range(3):
        try:
            with admin.begin() as conn:
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE application_name = :s"), {"s": schema})
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            break
        except Exception:  # the server may still be coming back after a restart test
            time.sleep(2)
    admin.dispose()


@pytest.fixture
def sqlite_store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'storms.sqlite'}", tmp_path)
    yield store
    store.ctx.engine.dispose()


def load_real(store: Store) -> None:
    from tests.web.browser.realdata import load_real_data

    if not SHARED_DATA.exists():
        pytest.skip(f"needs the real data of {SHARED_DATA} (absent)")
    load_real_data(store.ctx.factory, store.settings, SHARED_DATA)


class Served:
    """`storms serve` (or any storms command) in a subprocess; stopped at the end."""

    def __init__(self, store: Store, *args: str, port: int | None = None):
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(store.root / f"serve-{self.port}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen([str(STORMS), "serve", "--port", str(self.port), *args],
                                     env=store.env, cwd=store.root, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"storms serve exited: {self.tail()}")
            try:
                requests.get(self.base + "/health", timeout=2)
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"storms serve not ready after {timeout} s: {self.tail()}")

    def tail(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_bytes()[-3000:].decode(errors="replace")

    def stop(self) -> None:
        import signal

        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.log.close()


@pytest.fixture
def serve():
    started: list[Served] = []

    def start(store: Store, *args: str) -> Served:
        s = Served(store, *args)
        started.append(s)
        s.wait_ready()
        return s

    yield start
    for s in started:
        s.stop()


@pytest.fixture(scope="session")
def wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        missing("wrk not installed (apt-get install wrk)")
    return path
