"""CSV (or semicolon, tab, whitespace separated text): comment lines ``# key: value`` (frame,
kind, unit), one header line with the column names (units as ``x [km]`` or ``x (km)``),
then one row per time. Times ISO 8601 (UTC unless an offset is given), or numeric Unix
seconds when the time column's unit says so (``time [s]``).

Parsed by pandas' C reader in one pass; the line of each row is found from the bytes with
numpy, so an error still names the file's line (10^6 rows read in about a second)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import numpy as np

from .model import (
    TIME_NAMES,
    SeriesFileError,
    VectorSeries,
    check_times,
    common_unit,
    frame_from_names,
    iso_to_unix,
    kind_from,
)

_UNIT = re.compile(r"^\s*(.*?)\s*(?:\[\s*(.*?)\s*\]|\(\s*(.*?)\s*\))\s*$")  # x [km], x (km)
_TRIPLES = (("x", "y", "z"), ("bx", "by", "bz"), ("r", "t", "n"), ("br", "bt", "bn"),
            ("vx", "vy", "vz"))
_META = re.compile(r"^\s*#\s*(frame|kind|unit)\s*[:=]\s*(\S+)", re.I)


def _pick_triple(names: list[str], time_column: str, source: str) -> tuple[str, str, str]:
    """x/y/z, bx/by/bz, r/t/n... with a common suffix (x_gse, Bx_GSE), or the only three."""
    others = [n for n in names if n != time_column]
    low = {n.lower(): n for n in others}
    for first, second, third in _TRIPLES:
        for name in others:
            if name.lower().startswith(first):
                suffix = name.lower()[len(first):]
                if second + suffix in low and third + suffix in low:
                    return (name, low[second + suffix], low[third + suffix])
    if len(others) == 3:
        return (others[0], others[1], others[2])
    raise SeriesFileError(source, "cannot tell which three columns are the components "
                          f"(columns: {', '.join(others)}); name them (columns)")


def _lines(data: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start, end (exclusive, without CR) and first byte of every line."""
    raw = np.frombuffer(data, dtype=np.uint8)
    newline = np.flatnonzero(raw == 10)
    starts = np.r_[0, newline + 1]
    ends = np.r_[newline, len(raw)]
    if starts[-1] == len(raw):
        starts, ends = starts[:-1], ends[:-1]
    cr = (ends > starts) & (raw[np.maximum(ends - 1, 0)] == 13)
    ends = ends - cr
    first = np.where(ends > starts, raw[np.minimum(starts, len(raw) - 1)], 0)
    return starts, ends, first


def _field_counts(data: bytes, starts: np.ndarray, lines: np.ndarray, sep: str | None,
                  text_lines: list[str] | None) -> np.ndarray:
    if sep is None:
        assert text_lines is not None
        return np.array([len(text_lines[i].split()) for i in lines])
    raw = np.frombuffer(data, dtype=np.uint8)
    at = np.flatnonzero(raw == ord(sep))
    per_line = np.bincount(np.searchsorted(starts, at, side="right") - 1,
                           minlength=len(starts))
    return per_line[lines] + 1


def read_csv(data: bytes, source: str, time_column: str | None,
             columns: Sequence[str] | None, unit: str | None) -> VectorSeries:
    import pandas as pd

    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SeriesFileError(source, f"not UTF-8 text (byte {exc.start})") from None
    data = data.removeprefix(b"\xef\xbb\xbf")
    starts, ends, first = _lines(data)
    blank = (first == 0) | (first == 13)
    if (first[~blank] == ord(" ")).any() or (first[~blank] == ord("\t")).any():
        text = data.decode()
        blank |= np.array([not line.strip() for line in text.split("\n")[:len(starts)]])
    comment = first == ord("#")
    content = np.flatnonzero(~blank & ~comment)
    if len(content) == 0:
        raise SeriesFileError(source, "no header line and no data")
    head = content[0]
    meta = {}
    for line in np.flatnonzero(comment[:head]).tolist():
        m = _META.match(data[starts[line]:ends[line]].decode())
        if m:
            meta[m.group(1).lower()] = m.group(2)
    header = data[starts[head]:ends[head]].decode()
    sep = next((s for s in (",", ";", "\t") if s in header), None)
    names, units = [], {}
    for raw in (header.split(sep) if sep else header.split()):
        m = _UNIT.match(raw)
        name = (m.group(1) if m else raw).strip()
        names.append(name)
        units[name] = (m.group(2) or m.group(3)) if m else None
    if len(set(names)) != len(names):
        raise SeriesFileError(source, f"repeated column names in {header!r}", int(head) + 1)
    body = content[1:]
    if len(body) == 0:
        raise SeriesFileError(source, "no records (a header but no data rows)")
    rows = body + 1
    text_lines = data.decode().split("\n") if sep is None else None
    counts = _field_counts(data, starts, body, sep, text_lines)
    wrong = counts != len(names)
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        raise SeriesFileError(source, f"{counts[i]} fields where the header has "
                              f"{len(names)}", int(rows[i]))
    if time_column is None:
        found = [n for n in names if n.lower() in TIME_NAMES]
        if not found:
            first_row = data[starts[body[0]]:ends[body[0]]].decode()
            value = (first_row.split(sep) if sep else first_row.split())[0]
            if np.isfinite(iso_to_unix([value])[0]):
                found = [names[0]]
        if not found:
            raise SeriesFileError(source, f"no time column found (columns: {', '.join(names)});"
                                  " name it (time_column)")
        time_column = found[0]
    for wanted in [time_column, *(columns or [])]:
        if wanted not in names:
            raise SeriesFileError(source, f"unknown column {wanted!r}; columns: "
                                  f"{', '.join(names)}", column=wanted)
    if columns is not None and len(columns) != 3:
        raise SeriesFileError(source, f"give three component columns, not {len(columns)}")
    triple = tuple(columns) if columns else _pick_triple(names, time_column, source)
    keep = ~(blank | comment)
    keep[head] = False
    frame = pd.read_csv(io.BytesIO(data), header=None, names=names,
                        skiprows=np.flatnonzero(~keep).tolist(),
                        dtype={time_column: str}, keep_default_na=False,
                        na_values=["", "NaN", "nan", "NA", "null"],
                        skip_blank_lines=False, **({"sep": sep} if sep else {"sep": r"\s+"}))
    t = _times(frame[time_column], units.get(time_column), rows, source, time_column)
    check_times(t, rows, source, time_column, "line")
    xyz = np.stack([_numbers(frame[c], rows, source, c) for c in triple], axis=-1)
    file_unit = common_unit([units.get(c) or meta.get("unit") for c in triple], triple,
                            unit, source)
    return VectorSeries(t, xyz, (triple[0], triple[1], triple[2]), file_unit,
                        (meta.get("frame") or "").upper() or frame_from_names(*triple),
                        meta.get("kind", "").lower() or kind_from(file_unit, triple),
                        time_column, rows, source)


def _times(col, unit: str | None, rows: np.ndarray, source: str, name: str) -> np.ndarray:
    if (unit or "").strip().lower() in ("s", "sec", "seconds", "unix", "unix s"):
        return _numbers(col, rows, source, name)
    t = iso_to_unix(col.to_numpy(dtype=object))
    bad = np.isnan(t)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SeriesFileError(source, f"{col.iloc[i]!r} is not an ISO 8601 time",
                              int(rows[i]), name)
    return t


def _numbers(col, rows: np.ndarray, source: str, name: str) -> np.ndarray:
    import pandas as pd

    if col.dtype.kind in "fi":
        return col.to_numpy(dtype=float, copy=True)
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = np.isnan(values) & col.notna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SeriesFileError(source, f"{str(col.iloc[i]).strip()!r} is not a number",
                              int(rows[i]), name)
    return values.copy()


def _shortest(values: np.ndarray) -> list[str]:
    """Shortest round-trip decimal of each float; empty for NaN."""
    text = list(map(repr, values.tolist()))
    if np.isnan(values).any():
        text = ["" if v == "nan" else v for v in text]
    return text


def write_csv(series: VectorSeries, frame: str, kind: str, names: list[str]) -> bytes:
    unit = f" [{series.unit}]" if series.unit else ""
    head = [f"# frame: {frame}", f"# kind: {kind}"] + \
        ([f"# unit: {series.unit}"] if series.unit else []) + \
        [f"# source: {series.source}", "# written by storms transform",
         "time," + ",".join(n + unit for n in names)]
    t = np.round(series.t_unix_s * 1e3).astype("int64").astype("datetime64[ms]").astype(str)
    times = [s + "Z" for s in t.tolist()]
    cols = [_shortest(c) for c in series.xyz.T]
    body = map(",".join, zip(times, *cols, strict=True))
    return ("\n".join([*head, *body]) + "\n").encode()
