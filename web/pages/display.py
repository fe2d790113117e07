"""Formatting for the pages (Now, Status, Events, CLIMSO): UTC times, ages, durations,
Kp in thirds; registered as Jinja filters on the pages blueprint."""

from __future__ import annotations

import math

import numpy as np

from . import bp


def utc(us: int | None, seconds: bool = False) -> str:
    """``2024-05-10 17:05`` (UTC, minutes; with seconds on request); ``—`` for None."""
    if us is None:
        return "—"
    text = str(np.datetime64(int(us), "us").astype("datetime64[s]")).replace("T", " ")
    return text if seconds else text[:16]


def utc_date(us: int | None) -> str:
    return "—" if us is None else str(np.datetime64(int(us), "us").astype("datetime64[D]"))


def iso(us: int | None) -> str | None:
    """ISO 8601 with a Z, to the second (for links and machine-readable attributes)."""
    if us is None:
        return None
    return str(np.datetime64(int(us), "us").astype("datetime64[s]")) + "Z"


def age(seconds: float | None) -> str:
    """A short age: ``45 s``, ``12 min``, ``5.2 h``, ``3.1 d``, ``2.4 yr``; ``never``."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "never"
    s = abs(float(seconds))
    if s < 120:
        text = f"{s:.0f} s"
    elif s < 7200:
        text = f"{s / 60:.0f} min"
    elif s < 172_800:
        text = f"{s / 3600:.1f} h"
    elif s < 2 * 365.25 * 86400:
        text = f"{s / 86400:.1f} d"
    else:
        text = f"{s / (365.25 * 86400):.1f} yr"
    return ("−" + text) if seconds < 0 else text


def signed_hours(hours: float | None) -> str:
    if hours is None:
        return "—"
    return f"{hours:+.1f} h"


def duration(seconds: float | None) -> str:
    """An interval of a job: ``60 s``, ``15 min``, ``3 h``, ``1 d``."""
    if seconds is None:
        return "—"
    s = float(seconds)
    if s < 120:
        return f"{s:g} s"
    if s < 3600:
        return f"{s / 60:g} min"
    if s < 172_800:
        return f"{s / 3600:g} h"
    return f"{s / 86400:g} d"


def kp_text(kp: float | None) -> str:
    """Kp in thirds as published: 4.667 -> ``5-``, 5.0 -> ``5o``, 5.333 -> ``5+``."""
    if kp is None or not math.isfinite(kp):
        return "—"
    thirds = int(round(kp * 3))
    whole, rest = divmod(thirds, 3)
    if rest == 0:
        return f"{whole}o"
    if rest == 1:
        return f"{whole}+"
    return f"{whole + 1}-"


def number(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return f"{value:.{digits}f}"


#: Filter names carry a ``fmt_`` prefix so that other pages' filters cannot shadow them.
for _name, _fn in {"fmt_utc": utc, "fmt_date": utc_date, "fmt_iso": iso, "fmt_age": age,
                   "fmt_hours": signed_hours, "fmt_every": duration, "fmt_kp": kp_text,
                   "fmt_num": number}.items():
    bp.add_app_template_filter(_fn, _name)
