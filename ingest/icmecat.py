"""HELIO4CAST ICMECAT CSV (Moestl et al.): observed ICME arrivals at many spacecraft.

The first column is an unnamed pandas index; times are ``YYYY-MM-DDTHH:MMZ``; missing
values are empty cells; rows come newest first. Each row becomes an ``ICME`` event
(start = ICME start, peak = magnetic-obstacle start, end = magnetic-obstacle end,
location = the in-situ spacecraft) with the numeric columns as attributes. This is the
ground truth the verification scores predictions against.
"""

from __future__ import annotations

import io
import math

import numpy as np

from ingest.base import EventRecord, IngestError, ParseResult, RecordError
from ingest.http import fetch
from storms.config import Settings

REQUIRED = ("icmecat_id", "sc_insitu", "icme_start_time", "mo_start_time", "mo_end_time")
TIME_COLUMNS = ("icme_start_time", "mo_start_time", "mo_end_time")


def sniff_icmecat(head: bytes, name: str) -> bool:
    first = head.split(b"\n", 1)[0]
    return b"icmecat_id" in first and b"sc_insitu" in first


def _time(value) -> np.datetime64 | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    return np.datetime64(str(value).rstrip("Z"), "s")


def parse_icmecat(data: bytes, name: str) -> ParseResult:
    """Parse the ICMECAT CSV into ICME events."""
    import pandas as pd

    try:
        frame = pd.read_csv(io.BytesIO(data), dtype={"icmecat_id": str, "sc_insitu": str})
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise IngestError(name, f"unreadable CSV ({exc})") from exc
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise IngestError(name, f"missing columns {missing}", "line 1")
    frame = frame.drop(columns=[c for c in frame.columns if c.startswith("Unnamed")])
    numeric = [c for c in frame.columns if c not in REQUIRED]
    result = ParseResult("icmecat")
    for i, row in enumerate(frame.to_dict("records")):
        line = f"line {i + 2}"
        try:
            start = _time(row["icme_start_time"])
            if start is None or not isinstance(row["icmecat_id"], str):
                raise ValueError("no icmecat_id or icme_start_time")
            attributes = {}
            for col in numeric:
                value = row[col]
                if value is None or (isinstance(value, float) and math.isnan(value)):
                    attributes[col] = None
                else:
                    attributes[col] = float(value)
            result.events.append(EventRecord(
                kind="ICME", source="ICMECAT", source_id=row["icmecat_id"], start=start,
                peak=_time(row["mo_start_time"]), end=_time(row["mo_end_time"]),
                location=row["sc_insitu"], attributes=attributes,
                summary=f"ICME at {row['sc_insitu']}",
            ))
        except (ValueError, TypeError) as exc:
            result.rejected.append(RecordError(line, str(exc)))
    if len(frame) and not result.events:
        raise IngestError(name, f"no readable ICME row ({result.rejected[0]})")
    return result


def fetch_icmecat(settings: Settings) -> bytes:
    return fetch(settings.source_urls["icmecat"], settings.http_timeout_s, settings.http_retries)
