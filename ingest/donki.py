"""NASA CCMC DONKI JSON: CME (with analyses and WSA-ENLIL arrivals), FLR, SEP, IPS, GST,
HSS, MPC, RBE and notifications.

Quirks: times ``YYYY-MM-DDTHH:MMZ`` with no seconds; empty lists often ``null``;
``sourceLocation`` may be ``""``; analysis longitude may be null; notifications come
newest first.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from ingest.base import (
    CMEAnalysisRecord,
    EventRecord,
    IngestError,
    ParseResult,
    RecordError,
)
from ingest.http import fetch
from storms.config import Settings

SOURCE = "DONKI"
# DONKI kind -> (id key, start key, peak key, end key)
KINDS: dict[str, tuple[str, str, str | None, str | None]] = {
    "FLR": ("flrID", "beginTime", "peakTime", "endTime"),
    "GST": ("gstID", "startTime", None, None),
    "SEP": ("sepID", "eventTime", None, None),
    "HSS": ("hssID", "eventTime", None, None),
    "MPC": ("mpcID", "eventTime", None, None),
    "RBE": ("rbeID", "eventTime", None, None),
    "NOTE": ("messageID", "messageIssueTime", None, None),
}
SUMMARIES = {"SEP": "Solar energetic particle event", "HSS": "High-speed stream",
             "MPC": "Magnetopause crossing", "RBE": "Radiation belt enhancement"}
_ID_KEYS = [b'"activityID"', b'"flrID"', b'"gstID"', b'"sepID"', b'"hssID"', b'"mpcID"',
            b'"rbeID"', b'"messageID"']


def sniff_donki(head: bytes, name: str) -> bool:
    """True for a DONKI answer: a JSON array whose first records carry a DONKI id key.

    Parameters
    ----------
    head : bytes
        The first 64 KiB of the file.
    name : str
        The file name (not used).
    """
    text = head.lstrip()
    return text.startswith(b"[") and any(k in text[:4000] for k in _ID_KEYS)


def _time(value: Any) -> np.datetime64 | None:
    """``YYYY-MM-DDTHH:MMZ`` (no seconds; seconds accepted) -> UTC datetime64[s]."""
    if value in (None, ""):
        return None
    try:
        return np.datetime64(str(value).rstrip("Z"), "s")
    except ValueError:
        raise ValueError(f"unreadable time {value!r}") from None


def _kind_of(record: dict) -> str:
    if "activityID" in record:
        aid = str(record["activityID"])
        if "-CME-" in aid or "cmeAnalyses" in record:
            return "CME"
        if "-IPS-" in aid or "eventTime" in record and "location" in record:
            return "IPS"
    for kind, (id_key, *_rest) in KINDS.items():
        if id_key in record:
            return kind
    raise ValueError("no DONKI identifier (activityID, flrID, gstID, ...)")


def _links(record: dict) -> list[str]:
    return [str(x["activityID"]) for x in (record.get("linkedEvents") or []) if x]


def _instruments(record: dict) -> list[str]:
    return [str(x.get("displayName")) for x in (record.get("instruments") or []) if x]


def _analysis(a: dict, catalog: str | None) -> CMEAnalysisRecord:
    """One ``cmeAnalyses`` entry: speed km/s, longitude/latitude deg (HEEQ), half angle deg.

    The WSA-ENLIL runs (``enlilList``) go into ``attributes["enlil"]`` with their shock
    arrival estimates and per-location impacts. Analyses carry no ``catalog`` of their
    own in the real answers: the CME's is used.
    """
    keep = ("type", "featureCode", "imageType", "measurementTechnique", "note", "levelOfData",
            "tilt", "minorHalfWidth", "speedMeasuredAtHeight", "submissionTime", "link")
    attributes = {k: a.get(k) for k in keep if a.get(k) not in (None, "")}
    attributes["enlil"] = [
        {
            "model_completion_time": e.get("modelCompletionTime"),
            "au": e.get("au"),
            "estimated_shock_arrival_time": e.get("estimatedShockArrivalTime"),
            "estimated_duration_h": e.get("estimatedDuration"),
            "rmin_re": e.get("rmin_re"),
            "kp": {k: e.get(k) for k in ("kp_18", "kp_90", "kp_135", "kp_180")},
            "is_earth_glancing_blow": e.get("isEarthGB"),
            "impacts": [
                {"location": i.get("location"), "arrival_time": i.get("arrivalTime"),
                 "glancing_blow": i.get("isGlancingBlow")}
                for i in (e.get("impactList") or [])
            ],
            "cme_ids": e.get("cmeIDs") or [],
            "link": e.get("link"),
        }
        for e in (a.get("enlilList") or [])
    ]
    return CMEAnalysisRecord(
        time21_5=_time(a.get("time21_5")),
        speed_kms=a.get("speed"),
        longitude_deg=a.get("longitude"),
        latitude_deg=a.get("latitude"),
        half_width_deg=a.get("halfAngle"),
        most_accurate=bool(a.get("isMostAccurate")),
        catalog=a.get("catalog") or catalog,
        attributes=attributes,
    )


def _event(record: dict) -> EventRecord:
    kind = _kind_of(record)
    common = {
        "instruments": _instruments(record),
        "link": record.get("link"),
        "submission_time": record.get("submissionTime"),
        "version": record.get("versionId"),
        "catalog": record.get("catalog"),
        "note": record.get("note") or None,
    }
    if kind == "CME":
        start = _time(record.get("startTime"))
        if start is None:
            raise ValueError("no startTime")
        ev = EventRecord(kind, SOURCE, str(record["activityID"]), start,
                         location=record.get("sourceLocation") or None,
                         summary=record.get("note") or None,
                         analyses=[_analysis(a, record.get("catalog"))
                                   for a in (record.get("cmeAnalyses") or [])],
                         linked_ids=_links(record))
        common["active_region"] = record.get("activeRegionNum")
    elif kind == "IPS":
        start = _time(record.get("eventTime"))
        if start is None:
            raise ValueError("no eventTime")
        ev = EventRecord(kind, SOURCE, str(record["activityID"]), start,
                         location=record.get("location") or None, linked_ids=_links(record),
                         summary=f"Interplanetary shock at {record.get('location')}")
    else:
        id_key, start_key, peak_key, end_key = KINDS[kind]
        start = _time(record.get(start_key))
        if start is None:
            raise ValueError(f"no {start_key}")
        ev = EventRecord(kind, SOURCE, str(record[id_key]), start,
                         peak=_time(record.get(peak_key)) if peak_key else None,
                         end=_time(record.get(end_key)) if end_key else None,
                         linked_ids=_links(record))
        if kind == "FLR":
            ev.location = record.get("sourceLocation") or None
            common.update(class_type=record.get("classType"),
                          active_region=record.get("activeRegionNum"))
            ev.summary = f"{record['classType']} flare" if record.get("classType") else "Flare"
        elif kind == "GST":
            kps = [k for k in (record.get("allKpIndex") or []) if k]
            common["kp"] = [{"time": k.get("observedTime"), "kp": k.get("kpIndex"),
                             "source": k.get("source")} for k in kps]
            values = [k["kpIndex"] for k in kps if isinstance(k.get("kpIndex"), (int, float))]
            common["kp_max"] = max(values) if values else None
            ev.summary = (f"Geomagnetic storm, Kp max {common['kp_max']:g}"
                          if common["kp_max"] is not None else "Geomagnetic storm")
        elif kind == "NOTE":
            body = str(record.get("messageBody") or "")
            common.update(message_type=record.get("messageType"),
                          url=record.get("messageURL"), body=body)
            ev.summary = next((ln.split(":", 1)[1].strip() for ln in body.splitlines()
                               if ln.startswith("## Message Type:")), record.get("messageType"))
        else:
            ev.summary = SUMMARIES[kind]
    ev.attributes = {k: v for k, v in common.items() if v not in (None, [], "")}
    return ev


def parse_donki(data: bytes, name: str) -> ParseResult:
    """Any DONKI events or notifications endpoint's JSON answer.

    Parameters
    ----------
    data : bytes
        The JSON array as served by ``/DONKI/<kind>`` or ``/DONKI/notifications``.
    name : str
        The file name, for errors.

    Returns
    -------
    ParseResult
        ``events``: one :class:`EventRecord` per record (kind CME, FLR, SEP, IPS, GST, HSS,
        MPC, RBE or NOTE; source "DONKI"; times UTC), with ``linked_ids`` from
        ``linkedEvents`` and, for CMEs, the analyses. ``rejected``: records without an id
        or a readable time ("record <i>", 0-based in the array).

    Raises
    ------
    IngestError
        Not JSON, not an array, or not one readable DONKI record in a non-empty array.
    """
    try:
        records = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IngestError(name, f"not valid JSON ({exc})") from exc
    if not isinstance(records, list):
        raise IngestError(name, "expected a JSON array of DONKI records")
    result = ParseResult("donki")
    for i, record in enumerate(records):
        try:
            if not isinstance(record, dict):
                raise ValueError("not an object")
            result.events.append(_event(record))
        except (KeyError, ValueError, TypeError) as exc:
            result.rejected.append(RecordError(f"record {i}", f"{type(exc).__name__}: {exc}"))
    if records and not result.events:
        raise IngestError(name, f"no readable DONKI record ({result.rejected[0]})")
    return result


def fetch_donki(kind: str, start_date: str, end_date: str, settings: Settings) -> bytes:
    """One DONKI endpoint's answer for a date range.

    Parameters
    ----------
    kind : str
        CME, FLR, SEP, IPS, GST, HSS, MPC, RBE or notifications (the URL path element).
    start_date, end_date : str
        ``YYYY-MM-DD`` (UTC days, inclusive), sent as ``startDate``/``endDate``.
    settings : Settings
        ``source_urls["donki"]`` (a pattern with ``{kind}``), ``http_timeout_s`` (s),
        ``http_retries``.

    Returns
    -------
    bytes
        The JSON answer, for :func:`parse_donki`.

    Raises
    ------
    ingest.http.FetchError
        The server failed, refused or could not be reached.
    """
    url = settings.source_urls["donki"].format(kind=kind)
    sep = "&" if "?" in url else "?"
    return fetch(f"{url}{sep}startDate={start_date}&endDate={end_date}",
                 settings.http_timeout_s, settings.http_retries)
