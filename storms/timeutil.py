"""Conversions between the time representations of each layer.

Database: int64 microseconds since 1970 UTC. Ingest: datetime64[ns]. Propagation: float
Unix seconds. Edges: ISO 8601 strings ending in Z.
"""

from __future__ import annotations

import datetime as dt

import numpy as np


def datetime64_to_us(times: np.ndarray) -> np.ndarray:
    return np.asarray(times, dtype="datetime64[us]").astype(np.int64)


def us_to_datetime64(us: np.ndarray) -> np.ndarray:
    return np.asarray(us, dtype=np.int64).astype("datetime64[us]")


def now_us() -> int:
    return int(dt.datetime.now(dt.UTC).timestamp() * 1_000_000)


def us_to_iso(us: int | None, digits: int = 3) -> str | None:
    """ISO 8601 UTC with a trailing Z (millisecond precision by default)."""
    if us is None:
        return None
    text = str(np.datetime64(int(us), "us"))
    if digits < 6:
        text = text[: 20 + digits] if digits else text[:19]
    return text.rstrip(".") + "Z"


def iso_to_us(text: str) -> int:
    """Parse an ISO 8601 UTC time (Z or +00:00 accepted) to microseconds."""
    s = text.strip()
    if s.endswith("Z"):
        s = s[:-1]
    if s.endswith("+00:00"):
        s = s[:-6]
    return int(np.datetime64(s, "us").astype(np.int64))
