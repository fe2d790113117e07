"""Now (``/``): the latest L1 solar wind, Kp, open alerts and the age of each source.

The window (6 h, 24 h, 7 d) ends at the latest record in the store, not at the wall
clock: the data may be old, and the page says how old. The freshest L1 source is taken
among the SWPC products (``swpc_rt_plasma``/``swpc_rt_mag``) and RTSW
(``swpc_rtsw_wind``/``swpc_rtsw_mag``, rows with a non-zero ``overall_quality`` dropped).
``/now/data.json?window=24h`` gives the same as JSON (plotly figures as plain dicts, long
series min/max-reduced to ~5,000 points per trace); the page fetches it every 60 s.
Times go to plotly as ISO strings without a zone (``2024-05-10T17:05:00``): plotly shows
date strings as written, whereas it would shift epoch milliseconds into the browser's
time zone; the axes are UTC whatever the wall screen's zone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from flask import Response, current_app, render_template, request
from markupsafe import Markup
from sqlalchemy.orm import Session

from propagation.constants import PROTON_MASS_KG
from storms import catalogue as queries
from storms import store
from storms.catalogue import DAY_US, HOUR_US
from storms.timeutil import now_us
from web.reduce import minmax_reduce

from . import bp, display

WINDOWS = {"6h": 6 * HOUR_US, "24h": DAY_US, "7d": 7 * DAY_US}
DEFAULT_WINDOW = "24h"
MAX_POINTS = 5000
REFRESH_S = 60
#: P [nPa] = m_p n v^2 with n in cm^-3 and v in km/s: m_p [kg] * 1e6 * 1e6 * 1e9.
PRESSURE_NPA_PER_CM3_KMS2 = PROTON_MASS_KG * 1e21
KP_INTERVAL_US = 3 * HOUR_US
KP_MIN_SPAN_US = 3 * DAY_US


@dataclass(frozen=True)
class Source:
    """A dataset that can feed the page: quantity -> (parameter, component)."""

    dataset_id: str
    columns: dict[str, tuple[str, int]]
    quality: str | None = None  # rows where this is finite and non-zero are dropped
    scale: float = 1.0
    label: str = ""


PLASMA_SOURCES = (
    Source("swpc_rtsw_wind", {"density": ("proton_density", 0), "speed": ("proton_speed", 0),
                              "temperature": ("proton_temperature", 0)},
           quality="overall_quality", label="SWPC RTSW"),
    Source("swpc_rt_plasma", {"density": ("density", 0), "speed": ("speed", 0),
                              "temperature": ("temperature", 0)}, label="SWPC products"),
)
MAG_SOURCES = (
    Source("swpc_rtsw_mag", {"bt": ("bt", 0), "bz": ("b_gsm", 2)}, quality="overall_quality",
           label="SWPC RTSW"),
    Source("swpc_rt_mag", {"bt": ("bt", 0), "bz": ("b_gsm", 2)}, label="SWPC products"),
)
KP_SOURCES = (
    Source("gfz_kp", {"kp": ("kp", 0)}, label="GFZ Potsdam"),
    Source("celestrak_kp", {"kp": ("kp", 0)}, scale=0.1, label="CelesTrak"),
    Source("kp_omni", {"kp": ("kp", 0)}, scale=0.1, label="OMNI2"),
)

#: NOAA G-scale: (lowest Kp in thirds, label, colour). G1 from Kp 5- (SWPC rounds), G4
#: includes 9-, G5 is Kp 9o.
G_SCALE = ((0, "G0", "#3ccf7a"), (14, "G1", "#f6eb14"), (17, "G2", "#ffc800"),
           (20, "G3", "#ff9600"), (23, "G4", "#ff3b30"), (27, "G5", "#c80000"))

# panel id, title, units, log axis, traces: (quantity, label, colour, decimals)
PANELS = (
    ("b", "IMF |B| and Bz (GSM)", "nT", False,
     (("bt", "|B|", "#d7dde5", 2), ("bz", "Bz", "#ff5c5c", 2))),
    ("v", "Speed", "km/s", False, (("speed", "Speed", "#f2c14e", 1),)),
    ("n", "Density", "cm⁻³", False, (("density", "Density", "#3ccf7a", 2),)),
    ("p", "Dynamic pressure", "nPa", False, (("pressure", "Pressure", "#c78bff", 3),)),
    ("t", "Temperature", "K", True, (("temperature", "Temperature", "#4fb3ff", 0),)),
)
UNITS = {"bt": "nT", "bz": "nT", "speed": "km/s", "density": "cm⁻³", "pressure": "nPa",
         "temperature": "K"}


class BadRequest(ValueError):
    """A query parameter the page cannot use (answered with a message, never a 500)."""


@dataclass
class Series:
    source: Source | None
    times: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    values: dict[str, np.ndarray] = field(default_factory=dict)
    latest_us: int | None = None
    cadence_s: float | None = None
    title: str | None = None


def g_level(kp: np.ndarray) -> np.ndarray:
    """Index into :data:`G_SCALE` of each Kp (NaN -> G0)."""
    thirds = np.round(np.nan_to_num(np.asarray(kp, dtype=float)) * 3)
    return np.searchsorted(np.array([g[0] for g in G_SCALE]), thirds, side="right") - 1


def dynamic_pressure_npa(density_cm3: np.ndarray, speed_kms: np.ndarray) -> np.ndarray:
    """Proton dynamic pressure m_p n v^2 in nPa (1.6726e-6 n v^2)."""
    return PRESSURE_NPA_PER_CM3_KMS2 * np.asarray(density_cm3) * np.asarray(speed_kms) ** 2


def _pick(sources: tuple[Source, ...], latest: dict[str, int | None]) -> Source | None:
    """The source whose latest record is the newest (the first listed on a tie)."""
    best, best_t = None, None
    for s in sources:
        t = latest.get(s.dataset_id)
        if t is not None and (best_t is None or t > best_t):
            best, best_t = s, t
    return best


def _read(session: Session, src: Source | None, start_us: int, stop_us: int,
          latest: dict[str, int | None]) -> Series:
    """The source's quantities over [start, stop] (NaN = missing)."""
    if src is None:
        return Series(None)
    ds = store.get_dataset(session, src.dataset_id)
    t, v = store.read_series(session, src.dataset_id, start_us, stop_us + 1)
    values = {}
    for quantity, (param, comp) in src.columns.items():
        col = store.parameter_columns(ds, [param])[comp]
        values[quantity] = v[:, col] * src.scale if len(t) else np.empty(0)
    if src.quality and len(t):
        q = v[:, store.parameter_columns(ds, [src.quality])[0]]
        bad = np.isfinite(q) & (q != 0)
        if bad.any():
            for arr in values.values():
                arr[bad] = np.nan
    return Series(src, t, values, latest.get(src.dataset_id), ds.cadence_s, ds.title)


def _floats(y: np.ndarray, decimals: int) -> list:
    """A JSON-ready list: rounded, NaN as None."""
    y = np.round(np.asarray(y, dtype=float), decimals)
    out = y.tolist()
    nan = np.flatnonzero(np.isnan(y))
    for i in nan.tolist():
        out[i] = None
    return out


def plot_times(t_us) -> list[str]:
    """UTC times (us) as zone-less ISO strings to the second, which plotly shows as is."""
    t = np.asarray(t_us, dtype=np.int64).astype("datetime64[us]").astype("datetime64[s]")
    return np.datetime_as_string(t, unit="s").tolist()


def _trace_xy(t_us: np.ndarray, y: np.ndarray, cadence_s: float | None, span_us: int
              ) -> tuple[np.ndarray, np.ndarray]:
    """Reduced to MAX_POINTS (min/max per bucket), with a NaN after each data gap so the
    line breaks there instead of bridging it (at the time of the point before the gap)."""
    t, y = minmax_reduce(t_us, y, MAX_POINTS)
    gap_us = 5 * int((cadence_s or 60) * 1e6)
    if len(t_us) > MAX_POINTS:
        gap_us = max(gap_us, 3 * span_us // (MAX_POINTS // 2))
    if len(t) > 1:
        where = np.flatnonzero(np.diff(t) > gap_us) + 1
        if len(where):
            t = np.insert(t, where, t[where - 1])
            y = np.insert(y, where, np.nan)
    return t, y


def _last_finite(t: np.ndarray, y: np.ndarray) -> tuple[float | None, int | None]:
    ok = np.flatnonzero(np.isfinite(y))
    if not len(ok):
        return None, None
    return float(y[ok[-1]]), int(t[ok[-1]])


def _tile_class(quantity: str, value: float | None) -> str:
    """Colour of a latest-value tile (thresholds forecasters watch)."""
    if value is None:
        return "muted"
    limits = {"bz": (-5, -10, True), "speed": (500, 700, False), "density": (20, 40, False),
              "pressure": (5, 10, False), "bt": (15, 25, False)}
    if quantity not in limits:
        return ""
    warn, bad, below = limits[quantity]
    if (value <= bad) if below else (value >= bad):
        return "bad"
    if (value <= warn) if below else (value >= warn):
        return "warn"
    return "ok"


def parse_window(value: str | None) -> str:
    key = (value or DEFAULT_WINDOW).strip().lower()
    if key not in WINDOWS:
        raise BadRequest(f"unknown window {value!r}: choose one of {', '.join(WINDOWS)}")
    return key


def build(session: Session, window: str, wall_us: int) -> dict[str, Any]:
    """Everything the page shows, as plain JSON-ready data (figures, tiles, tables)."""
    span = WINDOWS[window]
    all_ids = [s.dataset_id for s in (*PLASMA_SOURCES, *MAG_SOURCES, *KP_SOURCES)]
    latest = queries.latest_times(session, all_ids)
    plasma_src, mag_src = _pick(PLASMA_SOURCES, latest), _pick(MAG_SOURCES, latest)
    kp_src = _pick(KP_SOURCES, latest)
    l1_ends = [latest[s.dataset_id] for s in (plasma_src, mag_src) if s is not None]
    kp_latest = latest.get(kp_src.dataset_id) if kp_src else None
    end = max(l1_ends) if l1_ends else (kp_latest or wall_us)
    start = end - span
    plasma = _read(session, plasma_src, start, end, latest)
    mag = _read(session, mag_src, start, end, latest)
    if plasma.source is not None:
        plasma.values["pressure"] = dynamic_pressure_npa(plasma.values["density"],
                                                         plasma.values["speed"])
    series_of = {q: (plasma if q in ("speed", "density", "temperature", "pressure") else mag)
                 for q in UNITS}

    figure = _l1_figure(series_of, start, end, span, window)
    tiles = []
    for quantity, label in (("speed", "Speed"), ("density", "Density"), ("pressure", "Pressure"),
                            ("bt", "|B|"), ("bz", "Bz"), ("temperature", "Temperature")):
        s = series_of[quantity]
        value, t = (_last_finite(s.times, s.values[quantity]) if quantity in s.values
                    else (None, None))
        digits = {"temperature": 0, "speed": 0, "pressure": 2}.get(quantity, 1)
        tiles.append({"quantity": quantity, "label": label, "units": UNITS[quantity],
                      "value": value, "text": display.number(value, digits), "time_us": t,
                      "class": _tile_class(quantity, value)})

    kp = _kp(session, kp_src, latest, start, end, span, window)
    if kp["latest"] is not None:
        value, t = kp["latest"]
        level = G_SCALE[int(g_level(np.array([value]))[0])]
        tiles.append({"quantity": "kp", "label": "Kp", "units": level[1], "value": value,
                      "text": display.kp_text(value), "time_us": t,
                      "class": "ok" if level[1] == "G0" else ("warn" if level[1] in ("G1", "G2")
                                                             else "bad")})

    used = [s.source.dataset_id for s in (plasma, mag) if s.source is not None]
    used += [kp_src.dataset_id] if kp_src else []
    return {
        "window": window, "windows": list(WINDOWS), "refresh_s": REFRESH_S,
        "start_ms": start // 1000, "end_ms": end // 1000,
        "start": display.iso(start), "end": display.iso(end),
        "generated": display.iso(wall_us), "data_age_s": (wall_us - end) / 1e6,
        "has_l1": bool(l1_ends),
        "sources": {name: None if s.source is None else
                    {"id": s.source.dataset_id, "label": s.source.label, "title": s.title,
                     "latest": display.iso(s.latest_us)}
                    for name, s in (("plasma", plasma), ("mag", mag))},
        "kp_source": None if kp_src is None else {"id": kp_src.dataset_id,
                                                  "label": kp_src.label,
                                                  "latest": display.iso(kp_latest)},
        "figure": figure, "kp": kp, "tiles": tiles, "used_datasets": used,
    }


def _l1_figure(series_of: dict[str, Series], start: int, end: int, span: int,
               window: str) -> dict[str, Any]:
    """Stacked panels on one shared, zoomable date axis (one x axis, one y axis each)."""
    n = len(PANELS)
    gap = 0.035
    height = 1.0 / n
    data: list[dict[str, Any]] = []
    layout: dict[str, Any] = {
        "height": 150 * n + 70, "showlegend": False, "hovermode": "x unified",
        "uirevision": window, "margin": {"l": 70, "r": 20, "t": 10, "b": 40},
        "xaxis": {"type": "date", "range": plot_times([start, end]),
                  "anchor": f"y{n}", "domain": [0, 1], "showspikes": True,
                  "spikemode": "across", "spikethickness": 1, "spikedash": "dot",
                  "spikecolor": "#8b97a5", "gridcolor": "#26303b", "hoverformat": "%Y-%m-%d %H:%M"},
        "annotations": [],
    }
    for i, (pid, title, units, log, traces) in enumerate(PANELS):
        axis = "y" if i == 0 else f"y{i + 1}"
        key = "yaxis" if i == 0 else f"yaxis{i + 1}"
        top = 1.0 - i * height
        layout[key] = {"domain": [top - height + gap / 2, top - gap / 2],
                       "title": {"text": units, "font": {"size": 11}}, "anchor": "x",
                       "gridcolor": "#26303b", "zerolinecolor": "#5a6878",
                       "type": "log" if log else "linear", "fixedrange": False}
        if pid == "b":
            layout[key]["zeroline"] = True
        if log:  # 10k 20k 50k 100k ... rather than plotly's bare mantissas
            ticks = [k * 10.0**e for e in range(3, 8) for k in (1, 2, 5)]
            layout[key].update(tickvals=ticks, tickformat="~s")
        layout["annotations"].append({
            "text": title, "xref": "paper", "yref": "paper", "x": 0.005, "y": top - gap / 2,
            "xanchor": "left", "yanchor": "top", "showarrow": False,
            "font": {"size": 12, "color": "#8b97a5"}})
        for quantity, label, colour, decimals in traces:
            s = series_of[quantity]
            if quantity in s.values and len(s.times):
                x, y = _trace_xy(s.times, s.values[quantity], s.cadence_s, span)
            else:
                x, y = np.empty(0, np.int64), np.empty(0)
            data.append({"type": "scatter", "mode": "lines", "name": label,
                         "x": plot_times(x), "y": _floats(y, decimals), "xaxis": "x",
                         "yaxis": axis, "line": {"color": colour, "width": 1.3},
                         "hovertemplate": f"%{{y}} {units}<extra>{label}</extra>"})
    return {"data": data, "layout": layout}


def _kp(session: Session, src: Source | None, latest: dict[str, int | None], start: int,
        end: int, span: int, window: str) -> dict[str, Any]:
    """Kp bars coloured by G-scale over the window (3 days at least), aligned with the
    solar wind when the Kp data reaches it, else ending at the last Kp (with a note)."""
    kp_span = max(span, KP_MIN_SPAN_US)
    out: dict[str, Any] = {"figure": None, "latest": None, "note": None}
    if src is None:
        out["note"] = "No Kp dataset in the store."
        return out
    kp_latest = latest[src.dataset_id] or end
    if kp_latest + KP_INTERVAL_US >= start:
        kp_end = end
    else:
        kp_end = kp_latest + KP_INTERVAL_US
        out["note"] = (f"Kp data end {display.utc(kp_latest)} UTC, before this solar-wind "
                       "window: shown up to its last value.")
    kp_start = kp_end - kp_span
    s = _read(session, src, kp_start - KP_INTERVAL_US, kp_end, latest)
    t, kp = s.times, s.values.get("kp", np.empty(0))
    keep = np.isfinite(kp) & (t % KP_INTERVAL_US == 0)  # hourly copies (OMNI): one per 3 h
    t, kp = t[keep], np.round(kp[keep] * 3) / 3
    if len(t):
        out["latest"] = (float(kp[-1]), int(t[-1]))
    levels = g_level(kp)
    colours = [G_SCALE[i][2] for i in levels.tolist()]
    custom = [[display.kp_text(k), G_SCALE[g][1]] for k, g in zip(kp.tolist(), levels.tolist(),
                                                                    strict=True)]
    trace = {"type": "bar", "x": plot_times(t + KP_INTERVAL_US // 2),
             "y": _floats(kp, 3), "width": [KP_INTERVAL_US // 1000 * 0.92] * len(t),
             "marker": {"color": colours}, "customdata": custom, "name": "Kp",
             "hovertemplate": "Kp %{customdata[0]} (%{customdata[1]})<extra></extra>"}
    layout = {"height": 230, "showlegend": False, "uirevision": window, "bargap": 0,
              "margin": {"l": 70, "r": 20, "t": 10, "b": 40},
              "xaxis": {"type": "date", "range": plot_times([kp_start, kp_end]),
                        "gridcolor": "#26303b"},
              "yaxis": {"range": [0, 9], "dtick": 1, "title": {"text": "Kp"},
                        "gridcolor": "#26303b"},
              "shapes": [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y",
                          "y0": 14 / 3, "y1": 14 / 3,
                          "line": {"color": "#f6eb14", "width": 1, "dash": "dot"}}]}
    out["figure"] = {"data": [trace], "layout": layout}
    out["legend"] = [{"label": g[1], "colour": g[2]} for g in G_SCALE]
    return out


def _status_context(session: Session, data: dict[str, Any], wall_us: int) -> dict[str, Any]:
    """The tables under the plots: open alerts and the age of each source."""
    from jobs.tasks import JOBS

    settings = current_app.extensions["storms"].settings
    intervals = {j.name: j.every_s for j in JOBS}
    return {
        "alerts": queries.open_alerts(session),
        "datasets": queries.dataset_freshness(session, wall_us, ids=data["used_datasets"]),
        "feeds": queries.source_statuses(session, settings, wall_us, intervals),
        "now": data,
    }


def _fragments(ctx: dict[str, Any]) -> dict[str, str]:
    return {"tiles": render_template("now_tiles.html", **ctx),
            "alerts": render_template("now_alerts.html", **ctx),
            "ages": render_template("now_ages.html", **ctx)}


def _collect(window: str) -> tuple[dict[str, Any], dict[str, str]]:
    ctx = current_app.extensions["storms"]
    wall = now_us()
    with ctx.factory() as session:
        data = build(session, window, wall)
        fragments = _fragments(_status_context(session, data, wall))
    return data, fragments


def _script_safe(text: str) -> Markup:
    """JSON to embed in a ``<script type="application/json">`` block: no ``</script>``,
    no ``<!--``, no entity can end or change the block."""
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e")
                  .replace("&", "\\u0026"))


def _json(body: Any, status: int = 200) -> Response:
    resp = Response(json.dumps(body, separators=(",", ":"), allow_nan=False),
                    status=status, mimetype="application/json")
    resp.cache_control.no_store = True
    return resp


@bp.get("/")
def now():
    error = None
    try:
        window = parse_window(request.args.get("window"))
    except BadRequest as exc:
        error, window = str(exc), DEFAULT_WINDOW
    data, fragments = _collect(window)
    payload = _script_safe(json.dumps({**data, "html": fragments}, separators=(",", ":"),
                                      allow_nan=False))
    html = render_template("now.html", title="Now", data=data, fragments=fragments,
                           payload=payload, error=error)
    return html, (400 if error else 200)


@bp.get("/now/data.json")
def now_data():
    try:
        window = parse_window(request.args.get("window"))
    except BadRequest as exc:
        return _json({"error": str(exc), "status": 400}, 400)
    data, fragments = _collect(window)
    return _json({**data, "html": fragments})
