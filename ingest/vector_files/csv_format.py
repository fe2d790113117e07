"""CSV (or semicolon, tab, whitespace separated text): comment lines ``# key: value`` (frame,
kind, unit), one header line with the column names (units as ``x [km]`` or ``x (km)``),
then one row per time. Times ISO 8601 UTC, or numeric Unix seconds when the time column's
unit says so (``time [s]``)."""

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

_UNIT = re.compile(r"^\s*(.*?)\s*[\[(]\s*([^\])]*)\s*[\])]\s*$")
_TRIPLES = (("x", "y", "z"), ("bx", "by", "bz"), ("r", "t", "n"), ("br", "bt", "bn"),
            ("vx", "vy", "vz"))


def _split_header(line: str, sep: str | None) -> list[str]:
    return [c.strip() for c in (line.split(sep) if sep else line.split())]


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


def read_csv(data: bytes, source: str, time_column: str | None,
             columns: Sequence[str] | None, unit: str | None) -> VectorSeries:
    import pandas as pd

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SeriesFileError(source, f"not UTF-8 text (byte {exc.start})") from None
    lines = pd.Series(text.splitlines(), dtype="string")
    stripped = lines.str.strip()
    comment = stripped.str.startswith("#")
    meta = dict(re.findall(r"^#\s*(frame|kind|unit)\s*[:=]\s*(\S+)", "\n".join(
        stripped[comment].tolist()), flags=re.M | re.I))
    meta = {k.lower(): v for k, v in meta.items()}
    content = np.flatnonzero((~comment & (stripped != "")).to_numpy(dtype=bool))
    if len(content) == 0:
        raise SeriesFileError(source, "no header line and no data")
    header = str(lines[content[0]])
    sep = next((s for s in (",", ";", "\t") if s in header), None)
    raw_names = _split_header(header, sep)
    names, units = [], {}
    for raw in raw_names:
        m = _UNIT.match(raw)
        name = m.group(1) if m else raw
        names.append(name)
        units[name] = m.group(2) if m else None
    if len(set(names)) != len(names):
        raise SeriesFileError(source, f"repeated column names in {header!r}", 1 + content[0])
    body = content[1:]
    if len(body) == 0:
        raise SeriesFileError(source, "no records (a header but no data rows)")
    rows = body + 1
    data_lines = lines[body]
    counts = (data_lines.str.count(re.escape(sep)) + 1 if sep
              else data_lines.str.strip().str.split().str.len()).to_numpy()
    wrong = counts != len(names)
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        raise SeriesFileError(source, f"{counts[i]} fields where the header has "
                              f"{len(names)}", int(rows[i]))
    frame = pd.read_csv(io.StringIO("\n".join(data_lines.tolist())), header=None,
                        names=names, dtype=str, keep_default_na=False,
                        **({"sep": sep} if sep else {"sep": r"\s+"}))
    if time_column is None:
        found = [n for n in names if n.lower() in TIME_NAMES]
        if not found:
            first = frame[names[0]].iloc[0]
            if np.isfinite(iso_to_unix(np.array([first]))[0]):
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
    t_unit = (units.get(time_column) or "").strip().lower()
    if t_unit in ("s", "sec", "seconds", "unix", "unix s"):
        t = _numbers(frame[time_column], rows, source, time_column)
    else:
        t = iso_to_unix(frame[time_column].to_numpy())
        bad = np.isnan(t)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise SeriesFileError(source, f"{frame[time_column].iloc[i]!r} is not an ISO 8601 "
                                  "UTC time", int(rows[i]), time_column)
    check_times(t, rows, source, time_column, "line")
    xyz = np.stack([_numbers(frame[c], rows, source, c) for c in triple], axis=-1)
    file_unit = common_unit([units.get(c) or meta.get("unit") for c in triple], triple,
                            unit, source)
    return VectorSeries(t, xyz, (triple[0], triple[1], triple[2]), file_unit,
                        (meta.get("frame") or "").upper() or frame_from_names(*triple),
                        meta.get("kind", "").lower() or kind_from(file_unit, triple),
                        time_column, rows, source)


def _numbers(col, rows: np.ndarray, source: str, name: str) -> np.ndarray:
    import pandas as pd

    text = col.str.strip()
    values = pd.to_numeric(text.replace({"": "nan", "NaN": "nan"}), errors="coerce")
    out = values.to_numpy(dtype=float, na_value=np.nan).copy()
    bad = np.isnan(out) & ~text.str.lower().isin(["", "nan", "na", "null"]).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SeriesFileError(source, f"{text.iloc[i]!r} is not a number", int(rows[i]), name)
    return out


def write_csv(series: VectorSeries, frame: str, kind: str, names: list[str]) -> bytes:
    unit = f" [{series.unit}]" if series.unit else ""
    head = [f"# frame: {frame}", f"# kind: {kind}"] + \
        ([f"# unit: {series.unit}"] if series.unit else []) + \
        [f"# source: {series.source}", "# written by storms transform",
         "time," + ",".join(n + unit for n in names)]
    t = (np.round(series.t_unix_s * 1e3).astype("int64")).astype("datetime64[ms]")
    times = np.char.add(t.astype(str), "Z")
    cols = [np.where(np.isnan(c), "", c.astype(str)) for c in series.xyz.T]  # shortest repr
    body = np.char.add(np.char.add(np.char.add(np.char.add(np.char.add(
        np.char.add(times, ","), cols[0]), ","), cols[1]), ","), cols[2])
    return ("\n".join(head + body.tolist()) + "\n").encode()
