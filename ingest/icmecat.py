"""HELIO4CAST ICMECAT CSV (Moestl et al.): observed ICME arrivals at many spacecraft.

The first column is an unnamed pandas index; times are ``YYYY-MM-DDTHH:MMZ``; missing
values are empty cells; rows come newest first. Each row becomes an ``ICME`` event
(start = ICME start, peak = magnetic-obstacle start, end = magnetic-obstacle end,
location = the in-situ spacecraft) with the numeric columns as attributes (None where
empty), in the units of the catalogue header: AU, degrees HEEQ, hours, nT, km/s, nPa,
cm^-3, K. This is the ground truth the verification scores predictions against.

Rows are kept as published, even the one (ICME_STEREO_A_JIAN_20120315_01) whose
icme_start_time follows its mo_start_time. A row with another number of cells than the
header (a file cut mid-row), no id, an unreadable time or a non-numeric value is
rejected with its line number.
"""

from __future__ import annotations

import csv
import io
import math

import numpy as np

from ingest.base import EventRecord, IngestError, ParseResult, RecordError
from ingest.http import fetch
from storms.config import Settings

REQUIRED = ("icmecat_id", "sc_insitu", "icme_start_time", "mo_start_time", "mo_end_time")
TIME_COLUMNS = ("icme_start_time", "mo_start_time", "mo_end_time")


def sniff_icmecat(head: bytes, name: str) -> bool:
    """True when the header line names the ICMECAT id and spacecraft columns.

    Parameters
    ----------
    head : bytes
        The first 64 KiB of the file.
    name : str
        The file name (not used).
    """
    first = head.split(b"\n", 1)[0]
    cells = [c.strip().strip(b'"') for c in first.split(b",")]
    return b"icmecat_id" in cells and b"sc_insitu" in cells


def _time(value: str, column: str) -> np.datetime64 | None:
    if value == "":
        return None
    try:
        return np.datetime64(value.rstrip("Z"), "s")
    except ValueError:
        raise ValueError(f"{column}: unreadable time {value!r}") from None


def _number(value: str, column: str) -> float | None:
    if value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{column}: not a number {value!r}") from None
    return None if math.isnan(number) else number


def parse_icmecat(data: bytes, name: str) -> ParseResult:
    """Parse the ICMECAT CSV into ICME events.

    Parameters
    ----------
    data : bytes
        The CSV (UTF-8), header first.
    name : str
        The file name, for errors.

    Returns
    -------
    ParseResult
        ``events``: kind "ICME", source "ICMECAT", source_id the icmecat_id, times UTC;
        ``rejected``: bad rows as "line <n>" (1-based lines of the file).

    Raises
    ------
    IngestError
        Not UTF-8 text, no complete header line with the required columns, or no
        readable row.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(name, f"not UTF-8 text ({exc})") from exc
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, None)
    if header is None:
        raise IngestError(name, "empty file", "line 1")
    header = [h.strip() for h in header]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise IngestError(name, f"missing columns {missing}", "line 1")
    if "\n" not in text:
        raise IngestError(name, "header line not terminated (truncated file?)", "line 1")
    index = {c: i for i, c in enumerate(header)}
    numeric = [c for c in header if c and c not in REQUIRED and not c.startswith("Unnamed")]
    result = ParseResult("icmecat")
    n_rows = 0
    for cells in rows:
        line = f"line {rows.line_num}"
        if not cells:
            continue
        n_rows += 1
        try:
            if len(cells) != len(header):
                raise ValueError(f"{len(cells)} cells, the header has {len(header)} "
                                 "(a truncated row?)")
            row = {c: cells[i].strip() for c, i in index.items()}
            if not row["icmecat_id"]:
                raise ValueError("no icmecat_id")
            start = _time(row["icme_start_time"], "icme_start_time")
            if start is None:
                raise ValueError("no icme_start_time")
            result.events.append(EventRecord(
                kind="ICME", source="ICMECAT", source_id=row["icmecat_id"], start=start,
                peak=_time(row["mo_start_time"], "mo_start_time"),
                end=_time(row["mo_end_time"], "mo_end_time"),
                location=row["sc_insitu"] or None,
                attributes={c: _number(row[c], c) for c in numeric},
                summary=f"ICME at {row['sc_insitu']}",
            ))
        except ValueError as exc:
            result.rejected.append(RecordError(line, str(exc)))
    if n_rows and not result.events:
        raise IngestError(name, f"no readable ICME row ({result.rejected[0]})")
    return result


def fetch_icmecat(settings: Settings) -> bytes:
    """The current ICMECAT CSV from ``settings.source_urls["icmecat"]``.

    Parameters
    ----------
    settings : Settings
        ``source_urls["icmecat"]``, ``http_timeout_s`` (s), ``http_retries``.

    Returns
    -------
    bytes
        The CSV, for :func:`parse_icmecat`.

    Raises
    ------
    ingest.http.FetchError
        The server failed, refused or could not be reached.
    """
    return fetch(settings.source_urls["icmecat"], settings.http_timeout_s, settings.http_retries)
