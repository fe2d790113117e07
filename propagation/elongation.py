"""Heliospheric-imager geometry: elongation to distance, constant-speed track fits, arrival.

Observer at distance d from the Sun; phi = angle between the CME apex direction and the
observer-Sun line (phi > 0); eps = elongation; lambda = half-width (``propagation.md`` §2.6):

- FP  (Sheeley et al. 1999):  r = d sin(eps) / sin(eps + phi)
- HM  (Lugaz et al. 2009):    r = 2 d sin(eps) / (1 + sin(eps + phi))
- SSE (Davies et al. 2012):   r = d sin(eps) (1 + sin l) / (sin(eps + phi) + sin l)
  (l = 0 gives FP, l = 90 deg gives HM)

Fits (FPF, HMF, SSEF) assume r = V (t - t_launch) and solve for V, phi and t_launch by
least squares on the elongation track, the model evaluated in closed form (Moestl & Davies
2013) on all points at once. Units: km, s, km/s, rad. Pure functions; :func:`read_track_text`
parses text it is given and opens no file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

Geometry = str  # "FP", "HM" or "SSE"


def half_width_rad(geometry: Geometry, half_width: float | None = None) -> float:
    """The SSE half-width lambda (rad) of a geometry: FP 0, HM pi/2, SSE as given."""
    g = geometry.upper()
    if g == "FP":
        return 0.0
    if g == "HM":
        return np.pi / 2
    if g == "SSE":
        if half_width is None or not 0.0 <= half_width <= np.pi / 2:
            raise ValueError("SSE needs a half-width in [0, pi/2] rad")
        return float(half_width)
    raise ValueError(f"unknown geometry {geometry!r}: FP, HM or SSE")


def fp_distance_km(elongation_rad, phi_rad, observer_km):
    """Fixed-phi: r = d sin(eps) / sin(eps + phi) (km); broadcasts."""
    eps = np.asarray(elongation_rad, float)
    return observer_km * np.sin(eps) / np.sin(eps + phi_rad)


def hm_distance_km(elongation_rad, phi_rad, observer_km):
    """Harmonic mean: r = 2 d sin(eps) / (1 + sin(eps + phi)) (km); broadcasts."""
    eps = np.asarray(elongation_rad, float)
    return 2.0 * observer_km * np.sin(eps) / (1.0 + np.sin(eps + phi_rad))


def sse_distance_km(elongation_rad, phi_rad, observer_km, half_width):
    """Self-similar expansion: r = d sin(eps)(1 + sin l) / (sin(eps + phi) + sin l) (km)."""
    eps = np.asarray(elongation_rad, float)
    sl = np.sin(half_width)
    return observer_km * np.sin(eps) * (1.0 + sl) / (np.sin(eps + phi_rad) + sl)


def distance_km(elongation_rad, phi_rad, observer_km, geometry: Geometry = "SSE",
                half_width: float | None = None):
    """Apex distance (km) from elongation (rad) for FP, HM or SSE (half-width rad)."""
    return sse_distance_km(elongation_rad, phi_rad, observer_km,
                           half_width_rad(geometry, half_width))


def elongation_rad(r_km, phi_rad, observer_km, geometry: Geometry = "SSE",
                   half_width: float | None = None):
    """Inverse of :func:`distance_km`: the elongation (rad) of an apex at ``r_km``.

    Closed form (Moestl & Davies 2013): a = d (1 + sin l) / r - cos phi, b = sin phi,
    c = sin l, eps = arccos[(-b c + a sqrt(a^2 + b^2 - c^2)) / (a^2 + b^2)]. NaN where the
    apex is not visible (a^2 + b^2 < c^2). Broadcasts over all arguments.
    """
    lam = half_width_rad(geometry, half_width)
    a = observer_km * (1.0 + np.sin(lam)) / np.asarray(r_km, float) - np.cos(phi_rad)
    b, c = np.sin(phi_rad), np.sin(lam)
    disc = a * a + b * b - c * c
    with np.errstate(invalid="ignore"):
        x = (-b * c + a * np.sqrt(disc)) / (a * a + b * b)
        return np.where(disc >= 0, np.arccos(np.clip(x, -1.0, 1.0)), np.nan)


@dataclass(frozen=True)
class TrackFit:
    """Constant-speed fit of an elongation track.

    Attributes: ``speed_kms`` (km/s), ``phi_rad`` (rad, apex from the observer-Sun line),
    ``t_launch_s`` (Unix s, r = 0), ``geometry``, ``half_width_rad`` (rad),
    ``rms_residual_rad`` (rad), ``observer_km`` (km).
    """

    speed_kms: float
    phi_rad: float
    t_launch_s: float
    geometry: str
    half_width_rad: float
    rms_residual_rad: float
    observer_km: float

    def arrival(self, delta_rad, r_target_km):
        """Arrival at targets (see :func:`arrival`); returns (hit, t_arrival_s, speed_kms)."""
        return arrival(self.speed_kms, self.t_launch_s, delta_rad, r_target_km,
                       self.geometry, self.half_width_rad)


def fit_track(t_unix_s, elongation, observer_km: float, geometry: Geometry = "SSE",
              half_width: float | None = np.radians(30.0),
              phi_bounds_rad: tuple[float, float] = (np.radians(1.0), np.radians(179.0)),
              speed_bounds_kms: tuple[float, float] = (50.0, 5000.0)) -> TrackFit:
    """Fit r = V (t - t_launch) to an elongation track (FPF, HMF or SSEF).

    Parameters
    ----------
    t_unix_s : ndarray (n,), s
    elongation : ndarray (n,), rad
    observer_km : float, km
        Observer's distance from the Sun (taken constant over the track).
    geometry : {"FP", "HM", "SSE"}
    half_width : float, rad
        SSE half-width (ignored for FP and HM).

    Returns
    -------
    TrackFit
        Least squares (scipy ``least_squares``, trust region with bounds) from a small grid
        of starting points, best cost kept.
    """
    lam = half_width_rad(geometry, half_width)
    t = np.asarray(t_unix_s, float)
    eps = np.asarray(elongation, float)
    ok = np.isfinite(t) & np.isfinite(eps)
    t, eps = t[ok], eps[ok]
    if t.size < 4:
        raise ValueError("a track fit needs at least 4 points")
    t0 = t[0]
    scale = 1e5  # s: launch-time parameter in units of ~1 day, for conditioning

    def residual(p):
        v, phi, tl = p
        r = np.maximum(v * (t - t0 - tl * scale), 1.0)
        return np.nan_to_num(elongation_rad(r, phi, observer_km, "SSE", lam) - eps,
                             nan=1.0)

    lo = [speed_bounds_kms[0], phi_bounds_rad[0], -30.0]
    hi = [speed_bounds_kms[1], phi_bounds_rad[1], (t[-1] - t0) / scale]
    best = None
    for phi0 in np.radians([30.0, 60.0, 90.0, 120.0]):
        for v0 in (400.0, 900.0, 1800.0):
            start = [v0, float(np.clip(phi0, lo[1], hi[1])), -0.05 * observer_km / v0 / scale]
            res = least_squares(residual, start, bounds=(lo, hi), x_scale=[100.0, 0.1, 0.1])
            if best is None or res.cost < best.cost:
                best = res
    assert best is not None
    v, phi, tl = best.x
    rms = float(np.sqrt(np.mean(best.fun**2)))
    return TrackFit(float(v), float(phi), float(t0 + tl * scale), geometry.upper(), lam, rms,
                    float(observer_km))


def arrival(speed_kms, t_launch_s, delta_rad, r_target_km, geometry: Geometry = "SSE",
            half_width: float | None = None, fp_tolerance_rad: float = 0.0):
    """Hit, arrival time and speed at targets ``delta_rad`` from the apex direction.

    - HM: hit if |Delta| < 90 deg, V_t = V cos(Delta) (Moestl et al. 2011).
    - SSE: hit if |Delta| < lambda, V_t = V [cos D + sqrt(sin^2 l - sin^2 D)] / (1 + sin l)
      (Moestl & Davies 2013, eq. 18).
    - FP: a point-like front: hit if |Delta| <= ``fp_tolerance_rad``, V_t = V.

    t_arrival = t_launch + r_target / V_t.

    Parameters
    ----------
    speed_kms, t_launch_s : float, km/s and s
    delta_rad : ndarray (m,), rad
    r_target_km : float or ndarray (m,), km

    Returns
    -------
    hit : ndarray (m,), bool
    t_arrival_s : ndarray (m,), s (NaN for misses)
    speed_kms : ndarray (m,), km/s (NaN for misses)
    """
    d = np.abs(wrap_delta(delta_rad))
    g = geometry.upper()
    if g == "FP":
        hit = d <= fp_tolerance_rad
        v = np.full(d.shape, float(speed_kms))
    elif g == "HM":
        hit = d < np.pi / 2
        v = speed_kms * np.cos(d)
    else:
        lam = half_width_rad(g, half_width)
        hit = d < lam
        root = np.sqrt(np.clip(np.sin(lam) ** 2 - np.sin(d) ** 2, 0.0, None))
        v = speed_kms * (np.cos(d) + root) / (1.0 + np.sin(lam))
    v = np.where(hit, v, np.nan)
    return hit, t_launch_s + np.asarray(r_target_km, float) / v, v


def wrap_delta(delta_rad):
    """Angle to (-pi, pi] (rad)."""
    return np.pi - np.mod(np.pi - np.asarray(delta_rad, float), 2.0 * np.pi)


def read_track_text(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Parse a HELCATS/ELEvoHI-style track given as text (no file is opened).

    Accepts whitespace rows ``TRACK_DATE ELON`` (date ``YYYY-MM-DDTHH:MM[:SS][Z]`` or
    ``YYYY-MM-DD HH:MM[:SS]``) and CSV ``TRACK_DATE,ELON[,...]`` with a header; lines that
    do not start with a year (headers, comments) are skipped. Elongations in degrees.

    Returns
    -------
    t_unix_s : ndarray (n,), s (UTC)
    elongation_rad : ndarray (n,), rad
    """
    times, elons = [], []
    for line in text.splitlines():
        parts = line.replace(",", " ").split()
        if len(parts) < 2 or not parts[0][:4].isdigit():
            continue
        if "T" not in parts[0] and len(parts) >= 3 and ":" in parts[1]:
            stamp, value = f"{parts[0]}T{parts[1]}", parts[2]
        else:
            stamp, value = parts[0], parts[1]
        try:
            when = np.datetime64(stamp.rstrip("Z"), "ms")
            elon = float(value)
        except ValueError as exc:
            raise ValueError(f"bad track line: {line!r}") from exc
        times.append(when.astype(np.int64) / 1000.0)
        elons.append(np.radians(elon))
    if len(times) < 2:
        raise ValueError("no TRACK_DATE / ELON rows found")
    return np.array(times), np.array(elons)


parse_track_text = read_track_text
