"""Raw AMDA REST calls: ``auth.php`` token, ``getParameter.php`` and ``getDataset.php``
(ASCII output, ISO 8601 times), polling ``getStatus.php`` while a job is "in progress",
then downloading the file AMDA points to. All HTTP goes through :func:`ingest.http.fetch`.
"""

from __future__ import annotations

import io
import json
import time
from enum import StrEnum
from urllib.parse import urlencode

import numpy as np

from amda_bridge.amda.exceptions import AmdaError, AmdaJobTimeout, MissingCredentials
from ingest.http import fetch

DEFAULT_BASE = "https://amda.irap.omp.eu/php/rest/"
FILL = -1.0e31


class Endpoint(StrEnum):
    AUTH = "auth.php"
    ALIVE = "isAlive.php"
    PARAMETER = "getParameter.php"
    DATASET = "getDataset.php"
    STATUS = "getStatus.php"


class AmdaRestClient:
    """A client of one AMDA REST base URL (public products, or private with credentials)."""

    def __init__(self, base_url: str = DEFAULT_BASE, user: str | None = None,
                 password: str | None = None, timeout_s: float = 60.0, retries: int = 2,
                 poll_every_s: float = 10.0, max_polls: int = 60):
        self.base = base_url if base_url.endswith("/") else base_url + "/"
        self.user, self.password = user, password
        self.timeout_s, self.retries = timeout_s, retries
        self.poll_every_s, self.max_polls = poll_every_s, max_polls

    def _get(self, endpoint: Endpoint, **params) -> bytes:
        url = self.base + endpoint.value + (("?" + urlencode(params)) if params else "")
        return fetch(url, self.timeout_s, self.retries, backoff_s=1.0)

    def token(self) -> str:
        text = self._get(Endpoint.AUTH).decode("utf-8", "replace").strip()
        if not text or "<" in text or " " in text:
            raise AmdaError(f"auth.php returned no token ({text[:80]!r})")
        return text

    def _job(self, endpoint: Endpoint, private: bool, **params) -> bytes:
        if private and not (self.user and self.password):
            raise MissingCredentials("this product needs a user id and password")
        params.update(token=self.token(), outputFormat="ASCII", timeFormat="ISO8601")
        if self.user and self.password:
            params.update(userID=self.user, password=self.password)
        answer = self._json(self._get(endpoint, **params))
        for _ in range(self.max_polls):
            if answer.get("dataFileURLs"):
                urls = answer["dataFileURLs"]
                url = urls[0] if isinstance(urls, list) else urls
                return fetch(url, self.timeout_s, self.retries)
            if answer.get("status") == "in progress" and answer.get("id"):
                time.sleep(self.poll_every_s)
                answer = self._json(self._get(Endpoint.STATUS, id=answer["id"]))
                continue
            raise AmdaError(f"AMDA {endpoint.value}: {answer.get('message') or answer}")
        raise AmdaJobTimeout(f"AMDA job still in progress after {self.max_polls} polls")

    @staticmethod
    def _json(body: bytes) -> dict:
        try:
            answer = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise AmdaError(f"not an AMDA JSON answer: {body[:80]!r}") from exc
        if not isinstance(answer, dict) or answer.get("success") is False:
            raise AmdaError(f"AMDA refused: {answer}")
        return answer

    def get_parameter(self, parameter_id: str, start_iso: str, stop_iso: str,
                      sampling_s: float | None = None, private: bool = False) -> bytes:
        """One parameter over [start, stop) as AMDA's ASCII file."""
        extra = {"sampling": sampling_s} if sampling_s else {}
        return self._job(Endpoint.PARAMETER, private, parameterID=parameter_id,
                         startTime=start_iso, stopTime=stop_iso, **extra)

    def get_dataset(self, dataset_id: str, start_iso: str, stop_iso: str,
                    private: bool = False) -> bytes:
        """A whole dataset over [start, stop) as AMDA's ASCII file."""
        return self._job(Endpoint.DATASET, private, datasetID=dataset_id, startTime=start_iso,
                         stopTime=stop_iso)


def parse_ascii(data: bytes) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """AMDA ASCII output: ``#`` comment lines, then ``time value value ...`` rows.

    Returns times (datetime64[ns]), values (n, k) with -1e31 as NaN, and the column names
    found in the last ``#`` line that lists them (else col1, col2, ...).
    """
    text = data.decode("utf-8", "replace")
    comments = [ln for ln in text.splitlines() if ln.startswith("#")]
    rows = [ln.split() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    if not rows:
        return np.empty(0, "datetime64[ns]"), np.empty((0, 0)), []
    width = len(rows[0]) - 1
    rows = [r for r in rows if len(r) == width + 1]
    times = np.array([r[0].rstrip("Z") for r in rows], dtype="datetime64[ns]")
    values = np.loadtxt(io.StringIO("\n".join(" ".join(r[1:]) for r in rows)),
                        ndmin=2).reshape(len(rows), width)
    values[np.isclose(values, FILL, rtol=1e-6)] = np.nan
    names = [f"col{i + 1}" for i in range(width)]
    for line in reversed(comments):
        parts = line.lstrip("#").replace(",", " ").split()
        if len(parts) == width + 1 and parts[0].lower() in ("time", "time_utc", "epoch"):
            names = parts[1:]
            break
    return times, values, names
