"""A time series of three-component positions or vectors read from a file, its errors, and
the checks every format shares (times, units, frame and kind from names)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

FRAME_WORDS = ("GSE", "GSM", "SM", "RTN", "HEEQ", "HGS", "HEE", "HCI", "HGC", "HAE", "ICRS",
               "J2000", "GEI", "GEO")
TIME_NAMES = ("time", "epoch", "date", "utc", "datetime", "time_tag", "t", "isotime",
              "timestamp")


class SeriesFileError(ValueError):
    """A file that cannot be read as a series: names the file, row, column and reason."""

    def __init__(self, source: str, reason: str, row: int | None = None,
                 column: str | None = None, row_word: str = "line"):
        self.source, self.reason, self.row, self.column = source, reason, row, column
        where = "".join([f", {row_word} {row}" if row is not None else "",
                         f", column {column!r}" if column else ""])
        super().__init__(f"{source}{where}: {reason}")


@dataclass
class VectorSeries:
    """Times (n,) UTC Unix s, components (n, 3) with NaN where missing, and what the file
    says about them. ``rows`` are the file's own row numbers (CSV line, 1-based; VOTable
    and CDF record, 0-based) for messages."""

    t_unix_s: np.ndarray
    xyz: np.ndarray
    columns: tuple[str, str, str]
    unit: str | None
    frame: str | None
    kind: str | None
    time_column: str
    rows: np.ndarray
    source: str
    row_word: str = "line"


def frame_from_names(*texts: str | None) -> str | None:
    """A frame named in column names or metadata (Bx_GSE, BGSEc, B_RTN...), else None."""
    for text in texts:
        tokens = re.split(r"[^A-Z0-9]+", (text or "").upper())
        for word in FRAME_WORDS:
            if any(tok in (word, f"B{word}", f"B{word}C", f"V{word}") for tok in tokens):
                return {"HGS": "HEEQ", "J2000": "ICRS"}.get(word, word)
    return None


def normalise_unit(unit: str | None, source: str, column: str | None = None) -> str | None:
    """A unit string as astropy writes it (km, AU, earthRad, nT); None for none."""
    if unit is None or not str(unit).strip():
        return None
    import astropy.units as u

    text = str(unit).strip()
    text = {"RE": "earthRad", "R_E": "earthRad", "Re": "earthRad", "RS": "solRad",
            "R_S": "solRad", "nt": "nT", "gamma": "nT"}.get(text, text)
    try:
        return u.Unit(text).to_string()
    except ValueError:
        raise SeriesFileError(source, f"unit {unit!r} is not understood", column=column) from None


def kind_from(unit: str | None, columns: tuple[str, ...]) -> str | None:
    """position for a length unit, vector for a field or velocity unit or B* names."""
    if unit is not None:
        import astropy.units as u

        try:
            if u.Unit(unit).physical_type == "length":
                return "position"
            return "vector"
        except ValueError:
            return None
    if all(c.lower().startswith("b") for c in columns):
        return "vector"
    return None


def common_unit(units: list[str | None], columns: tuple[str, ...], declared: str | None,
                source: str) -> str | None:
    """The one unit of the three columns; mixed units or a clash with ``declared`` raise."""
    found = [normalise_unit(x, source, c) for x, c in zip(units, columns, strict=True)]
    given = {x for x in found if x is not None}
    if len(given) > 1:
        detail = ", ".join(f"{c} [{x}]" for c, x in zip(columns, found, strict=True))
        raise SeriesFileError(source, f"mixed units: {detail}; give all three components "
                              "in one unit")
    file_unit = given.pop() if given else None
    want = normalise_unit(declared, source)
    if want and file_unit and want != file_unit:
        raise SeriesFileError(source, f"the file gives unit {file_unit}, the request "
                              f"declares {want}")
    return want or file_unit


def check_times(t: np.ndarray, rows: np.ndarray, source: str, column: str,
                row_word: str) -> None:
    """Refuse missing, unsorted or repeated times, naming the rows."""
    bad = ~np.isfinite(t)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SeriesFileError(source, "missing time", int(rows[i]), column, row_word)
    step = np.diff(t)
    if (step < 0).any():
        i = int(np.flatnonzero(step < 0)[0]) + 1
        raise SeriesFileError(source, f"times are not sorted: earlier than the {row_word} "
                              f"before it ({int(rows[i - 1])})", int(rows[i]), column, row_word)
    if (step == 0).any():
        i = int(np.flatnonzero(step == 0)[0]) + 1
        raise SeriesFileError(source, f"repeats the time of {row_word} {int(rows[i - 1])}",
                              int(rows[i]), column, row_word)


def _ordinal_as_calendar(values: np.ndarray) -> np.ndarray:
    """``yyyy-dddThh:mm...`` (day of year, as HAPI and CDAWeb write it) rewritten as
    ``yyyy-mm-ddThh:mm...`` with numpy string operations (10^6 values read in about 5 s);
    a day outside its year, or anything else, comes back unparseable."""
    s = np.asarray(values, dtype=str)
    year, doy = np.strings.slice(s, 0, 4), np.strings.slice(s, 5, 8)
    rest = np.strings.slice(s, 8, None)
    lead = np.strings.slice(rest, 0, 1)
    hit = (np.strings.isdigit(year) & (np.strings.slice(s, 4, 5) == "-")
           & np.strings.isdigit(doy) & (np.strings.str_len(doy) == 3)
           & np.isin(lead, ["", "T", " ", "Z"]))
    first = (year[hit].astype(int) - 1970).astype("datetime64[Y]")
    day_of_year = doy[hit].astype(int)
    day = first.astype("datetime64[D]") + (day_of_year - 1)
    ok = (day_of_year >= 1) & (day.astype("datetime64[Y]") == first)
    tail = np.where(lead[hit] == "Z", np.strings.add("T00:00", rest[hit]), rest[hit])
    out = np.full(len(s), "not a time", dtype=object)
    out[hit] = np.where(ok, np.strings.add(day.astype(str), tail), "not a time")
    return out


def _iso_ns(text) -> np.ndarray:
    """ISO 8601 strings (a pandas Series) -> datetime64[ns] UTC, NaT where unparseable."""
    import pandas as pd

    parsed = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
    return parsed.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")


def iso_to_unix(values) -> np.ndarray:
    """ISO 8601 strings -> Unix s; no zone or Z is UTC, an offset (+02:00) is applied;
    calendar (2024-05-10T06:00Z) or ordinal (2024-131T06:00Z) dates; NaN where
    unparseable."""
    import pandas as pd

    text = pd.Series(values, dtype=object)
    stamps = _iso_ns(text)
    failed = np.isnat(stamps) & text.notna().to_numpy()
    if failed.any():  # day-of-year dates, or bad values: only those are looked at again
        again = _ordinal_as_calendar(text[failed].astype(str).to_numpy())
        stamps[failed] = _iso_ns(pd.Series(again, dtype=object))
    out = stamps.astype("int64") / 1e9
    out[np.isnat(stamps)] = np.nan
    return out
