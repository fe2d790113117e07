"""Browser tests: the app served by `storms serve` on loopback with the real data of
../shared/data loaded, driven by Playwright in Debian's Chromium (/usr/bin/chromium).

Every page test checks that the page logged no console error, raised no script error and
sent no request outside localhost, and saves a screenshot in test-artifacts/screenshots.
Skips when Chromium or ../shared/data are absent, except under CI (CI=true), where it fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from tests.conftest import SHARED_DATA

from .realdata import load_real_data

CHROMIUM = os.environ.get("STORMS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"
ROOT = Path(__file__).resolve().parents[3]


def _missing(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " (required under CI)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Base URL of `storms serve` (waitress, no jobs) on a SQLite store of the real data."""
    if not SHARED_DATA.exists():
        pytest.skip(f"browser tests need the real data of {SHARED_DATA} (absent)")
    from storms import app_context, config
    from storms.database import upgrade

    root = tmp_path_factory.mktemp("live")
    env = {**os.environ, "STORMS_DATA_DIR": str(root / "data"),
           "STORMS_DATABASE_URL": f"sqlite:///{root / 'storms.sqlite'}",
           "STORMS_API_TOKEN": "browser-test-token", "NO_PROXY": "127.0.0.1,localhost"}
    settings = config.load(env)
    ctx = app_context.build(settings)
    upgrade(ctx.engine)
    reports = load_real_data(ctx.factory, settings, SHARED_DATA)
    assert reports and all(r.status != "refused" for r in reports), \
        [r.errors for r in reports if r.status == "refused"]
    _run_derived_jobs(ctx)
    ctx.engine.dispose()
    port = _free_port()
    storms = Path(sys.executable).with_name("storms")
    proc = subprocess.Popen([str(storms), "serve", "--server", "waitress", "--no-jobs",
                             "--port", str(port)], env=env, cwd=root,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(base + "/health", timeout=2).status_code in (200, 503):
                break
        except requests.ConnectionError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("storms serve did not start: "
                               + proc.stderr.read().decode(errors="replace")[-2000:])
        time.sleep(0.2)
    yield base
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _run_derived_jobs(ctx) -> None:
    """What the scheduler would derive from the real data: the solar wind predicted at the
    planets (from the last 27 days of L1 data) and the DONKI CMEs propagated."""
    from jobs.solarwind_forecast import predict_solar_wind
    from jobs.tasks import propagate_new_cmes
    from storms import store

    with ctx.factory() as session:
        stop = store.get_dataset(session, "swpc_rt_plasma").stop_us
    assert predict_solar_wind(ctx, stop_us=stop + 1) > 0
    propagate_new_cmes(ctx)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        _missing(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class PageProblems:
    """What a page did wrong: console errors, script errors, requests leaving localhost."""

    def __init__(self):
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.external_requests: list[str] = []

    def assert_clean(self):
        assert not self.page_errors, f"script errors: {self.page_errors}"
        assert not self.console_errors, f"console errors: {self.console_errors}"
        assert not self.external_requests, f"requests left localhost: {self.external_requests}"


@pytest.fixture
def page(browser, live_server, request):
    """A fresh page; at the end its problems are asserted and a screenshot is saved."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000},
                                  base_url=live_server)
    pg = context.new_page()
    problems = PageProblems()

    def guard(route):
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1",
                                                                         "localhost"):
            route.continue_()
        else:
            problems.external_requests.append(route.request.url)
            route.abort()

    pg.route("**/*", guard)
    pg.on("console", lambda m: problems.console_errors.append(m.text)
          if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.page_errors.append(str(e)))
    pg.problems = problems
    yield pg
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    except Exception:  # a screenshot is an artifact, not a verdict
        pass
    context.close()
    problems.assert_clean()
