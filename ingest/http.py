"""The one HTTP helper: timeouts, retries with backoff, truncation checks, source status.

Every fetcher calls :func:`fetch`. A dead, slow or failing source raises
:class:`FetchError` with what happened; it never takes the service down.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

import requests
from sqlalchemy.orm import Session, sessionmaker

from storms import __version__
from storms import models as m
from storms.timeutil import now_us

log = logging.getLogger(__name__)
USER_AGENT = f"storms/{__version__} (space-weather monitoring)"
RETRY_STATUS = {429, 500, 502, 503, 504}


class FetchError(IOError):
    """The source could not deliver the file; the message says why."""


def fetch(
    url: str,
    timeout_s: float = 30.0,
    retries: int = 3,
    backoff_s: float = 1.0,
    factory: sessionmaker[Session] | None = None,
) -> bytes:
    """GET ``url`` and return its complete body.

    Retries (``retries`` more times, delays ``backoff_s * 2**i``) on connection errors,
    time-outs, HTTP 429/5xx and bodies shorter than their Content-Length.
    A 4xx other than 429 fails at once. With ``factory``, records the source status.
    """
    scheme = urlsplit(url).scheme
    if scheme not in ("http", "https"):
        raise FetchError(f"{url}: only http and https URLs can be fetched")
    problem = ""
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff_s * 2 ** (attempt - 1))
        try:
            resp = requests.get(url, timeout=timeout_s, headers={"User-Agent": USER_AGENT})
            body = resp.content if resp.status_code == 200 else b""
        except requests.exceptions.Timeout:
            problem = f"no answer within {timeout_s:g} s"
            continue
        except requests.exceptions.ChunkedEncodingError as exc:  # half a body, then closed
            problem = f"truncated body: the connection broke before the end ({exc})"
            continue
        except (requests.exceptions.RequestException, OSError) as exc:
            problem = f"connection failed ({type(exc).__name__}: {exc})"
            continue
        if resp.status_code in RETRY_STATUS:
            problem = f"HTTP {resp.status_code} {resp.reason}"
            continue
        if resp.status_code != 200:
            problem = f"HTTP {resp.status_code} {resp.reason}"
            _record(factory, url, ok=False, message=problem)
            raise FetchError(f"{url}: {problem}")
        expected = resp.headers.get("Content-Length")
        encoded = resp.headers.get("Content-Encoding")
        if expected and not encoded and len(body) < int(expected):
            problem = f"truncated body: {len(body)} of {expected} bytes"
            continue
        _record(factory, url, ok=True)
        return body
    message = f"{problem}, after {retries + 1} attempts"
    _record(factory, url, ok=False, message=message)
    log.warning("fetch %s failed: %s", url, message)
    raise FetchError(f"{url}: {message}")


def record_status(factory: sessionmaker[Session] | None, url: str, ok: bool,
                  message: str | None = None) -> None:
    """Record what was seen of the source at ``url`` (its query left out) for the status
    page: ok, or failing with ``message``. Never raises."""
    _record(factory, url, ok, message)


def _record(factory, url: str, ok: bool, message: str | None = None) -> None:
    if factory is None:
        return
    source = urlsplit(url)._replace(query="").geturl()[:200]
    try:
        with factory() as session, session.begin():
            row = session.get(m.SourceStatus, source)
            if row is None:
                row = m.SourceStatus(source=source, state="ok", last_attempt_us=0, failures=0)
                session.add(row)
            row.last_attempt_us = now_us()
            if ok:
                row.state, row.failures, row.message = "ok", 0, None
                row.last_success_us = row.last_attempt_us
            else:
                row.state, row.failures, row.message = "failing", (row.failures or 0) + 1, message
    except Exception:  # status keeping must never break a fetch
        log.exception("could not record the status of %s", source)
