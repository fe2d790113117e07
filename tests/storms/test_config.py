"""Configuration defaults, overrides, and an offline start-up."""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from storms import config


def test_defaults_are_safe(tmp_path):
    s = config.load({"STORMS_DATA_DIR": str(tmp_path)})
    assert s.database_url == f"sqlite:///{tmp_path / 'storms.sqlite'}"
    assert s.api_token is None  # writes are refused until a token is set
    assert s.quarantine_dir == tmp_path / "quarantine"


def test_overrides(tmp_path):
    s = config.load({
        "STORMS_DATA_DIR": str(tmp_path),
        "STORMS_DATABASE_URL": "postgresql://u@h/db",
        "STORMS_API_TOKEN": "secret",
        "STORMS_URL_SWPC_PLASMA": "http://127.0.0.1:1/plasma.json",
        "STORMS_HTTP_RETRIES": "5",
    })
    assert s.database_url == "postgresql://u@h/db"
    assert s.api_token == "secret" and s.http_retries == 5
    assert s.source_urls["swpc_plasma"] == "http://127.0.0.1:1/plasma.json"


def test_offline_science_stack(tmp_path):
    config.prepare_offline_science_stack(tmp_path)
    from astropy.utils import iers

    assert iers.conf.auto_download is False and iers.conf.auto_max_age is None
    assert (tmp_path / "config" / "sunpy" / "sunpyrc").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("server", ["gunicorn", "waitress"])
def test_serve_starts_with_no_network_and_answers_health(tmp_path, server):
    """`storms db upgrade` then `storms serve` in a fresh data dir, HOME read-only."""
    port = _free_port()
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o500)
    env = {
        "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
        "HOME": str(home),
        "STORMS_DATA_DIR": str(tmp_path / "data"),
        # any attempt to reach the network through a proxy-aware client fails fast
        "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
    }
    storms = str(Path(sys.executable).parent / "storms")
    up = subprocess.run([storms, "db", "upgrade"], env=env, capture_output=True, text=True)
    assert up.returncode == 0, up.stderr
    proc = subprocess.Popen([storms, "serve", "--port", str(port), "--no-jobs",
                             "--server", server], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        body = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    body = r.read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert body is not None, proc.stderr.read() if proc.poll() is not None else "no answer"
        assert '"status":"ok"' in body.replace(" ", "")
    finally:
        proc.terminate()
        proc.wait(10)
