"""Heliospheric-imager geometry: elongation to distance and constant-speed track fits.

Observer at distance d from the Sun; phi = angle between the CME apex direction and the
observer-Sun line; eps = elongation; lambda = half-width.

- FP  (Sheeley et al. 1999):  r = d sin(eps) / sin(eps + phi)
- HM  (Lugaz et al. 2009):    r = 2 d sin(eps) / (1 + sin(eps + phi))
- SSE (Davies et al. 2012):   r = d sin(eps) (1 + sin l) / (sin(eps + phi) + sin l)
  (l = 0 gives FP, l = 90 deg gives HM)

Fits (FPF, HMF, SSEF) assume r = V (t - t_launch) and solve for V, phi and t_launch by
least squares on the elongation track. Units: km, s, km/s, rad.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GEOMETRY_HALF_WIDTH = {"FP": 0.0, "HM": np.pi / 2}


def _lambda(geometry: str, half_width_rad: float | None) -> float:
    g = geometry.upper()
    if g in GEOMETRY_HALF_WIDTH:
        return GEOMETRY_HALF_WIDTH[g]
    if g == "SSE":
        if half_width_rad is None:
            raise ValueError("SSE needs a half-width")
        return float(half_width_rad)
    raise ValueError(f"unknown geometry {geometry!r}: FP, HM or SSE")


def distance_km(elongation_rad, phi_rad, observer_km, geometry: str = "SSE",
                half_width_rad: float | None = None):
    """Heliocentric distance of the apex from the elongation (SSE family)."""
    lam = _lambda(geometry, half_width_rad)
    eps = np.asarray(elongation_rad, float)
    return observer_km * np.sin(eps) * (1 + np.sin(lam)) / (np.sin(eps + phi_rad) + np.sin(lam))


def elongation_rad(r_km, phi_rad, observer_km, geometry: str = "SSE",
                   half_width_rad: float | None = None):
    """Inverse: the elongation at which an apex at ``r_km`` is seen (closed form of
    Moestl & Davies 2013: a = d(1 + sin l)/r - cos phi, b = sin phi, c = sin l)."""
    lam = _lambda(geometry, half_width_rad)
    a = observer_km * (1 + np.sin(lam)) / np.asarray(r_km, float) - np.cos(phi_rad)
    b, c = np.sin(phi_rad), np.sin(lam)
    return np.arccos((-b * c + a * np.sqrt(a * a + b * b - c * c)) / (a * a + b * b))


@dataclass
class TrackFit:
    speed_kms: float
    phi_rad: float
    launch_s: float
    geometry: str
    half_width_rad: float
    rms_residual_rad: float

    def arrival(self, delta_rad, r_target_km):
        """Hit and arrival time (s) at a target ``delta_rad`` from the apex direction at
        ``r_target_km``: HM hits within 90 deg with V cos(delta) (Moestl et al. 2011); SSE
        within the half-width with V [cos d + sqrt(sin^2 l - sin^2 d)] / (1 + sin l)
        (Moestl & Davies 2013, eq. 18). Returns (hit, arrival_s, speed_kms)."""
        lam = self.half_width_rad
        d = np.abs(np.asarray(delta_rad, float))
        if lam >= np.pi / 2 - 1e-12:
            hit = d < np.pi / 2
            v = self.speed_kms * np.cos(d)
        else:
            hit = d < lam
            root = np.sqrt(np.clip(np.sin(lam) ** 2 - np.sin(d) ** 2, 0, None))
            v = self.speed_kms * (np.cos(d) + root) / (1 + np.sin(lam))
        v = np.where(hit, v, np.nan)
        return hit, self.launch_s + np.asarray(r_target_km, float) / v, v


def fit_track(t_s, elongation, observer_km: float, geometry: str = "SSE",
              half_width_rad: float | None = np.radians(30.0)) -> TrackFit:
    """Fit a constant-speed track (FPF, HMF or SSEF) to elongations (rad) at times (s)."""
    from scipy.optimize import least_squares

    lam = _lambda(geometry, half_width_rad)
    t = np.asarray(t_s, float)
    eps = np.asarray(elongation, float)
    if len(t) < 4:
        raise ValueError("a track fit needs at least 4 points")
    t0 = t[0]

    def model(p):
        v, phi, tl = p
        r = np.maximum(v * (t - t0 - tl), 1.0)
        return elongation_rad(r, phi, observer_km, "SSE", lam)

    def residual(p):
        return np.nan_to_num(model(p) - eps, nan=1.0)

    best = None
    for phi0 in np.radians([30.0, 60.0, 90.0, 120.0]):
        for v0 in (400.0, 800.0, 1500.0):
            tl0 = -observer_km * 0.05 / v0
            res = least_squares(residual, [v0, phi0, tl0],
                                bounds=([50.0, np.radians(1), -5e6], [5000.0, np.radians(179),
                                                                        (t[-1] - t0)]))
            if best is None or res.cost < best.cost:
                best = res
    assert best is not None
    v, phi, tl = best.x
    rms = float(np.sqrt(np.mean(best.fun**2)))
    return TrackFit(float(v), float(phi), float(t0 + tl), geometry.upper(), lam, rms)


def parse_track_text(text: str) -> tuple[np.ndarray, np.ndarray]:
    """A HELCATS/ELEvoHI-style track (``TRACK_DATE ELON`` or CSV ``TRACK_DATE,ELON``): times
    (Unix s) and elongations (rad). Pure: takes the text, reads no file."""
    times, elons = [], []
    for line in text.splitlines():
        parts = line.replace(",", " ").split()
        if len(parts) < 2 or not parts[0][:4].isdigit():
            continue
        stamp = parts[0] if "T" in parts[0] or len(parts) == 2 else f"{parts[0]}T{parts[1]}"
        times.append(np.datetime64(stamp.rstrip("Z"), "ms").astype(np.int64) / 1000.0)
        elons.append(np.radians(float(parts[-1])))
    if len(times) < 2:
        raise ValueError("no TRACK_DATE / ELON rows found")
    return np.array(times), np.array(elons)
