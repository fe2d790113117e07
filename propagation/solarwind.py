"""Solar-wind time series from one observer (L1 or any spacecraft) to many targets.

Two forward models, as CDPP Heliopropa offers for the planets, plus back-mapping:

- :func:`ballistic`: every parcel keeps its speed and moves radially; a target at
  (r_t, phi_t) sees the parcel measured at (r_s, phi_s) at time t at
  ``t + (r_t - r_s) / v + dphi / Omega`` (corotation, ``propagation.md`` §2.2-2.3). Parcels
  that overtake slower ones are flagged; :func:`resample` says how they are resolved.
- :func:`hux`: the series is mapped back to an inner boundary (30 Rs) and marched outward
  with a conservative upwind scheme for inviscid Burgers along the radial line (HUX/HUXt:
  Riley & Lionello 2011; Owens et al. 2020), so fast streams run into slow ones and the
  compressions move at the Rankine-Hugoniot speed (vL + vR) / 2. :func:`hux_solve` is the
  kernel for a boundary given at many longitudes (or ensemble members) at once.
- :func:`backmap`: each parcel measured at a spacecraft back to the source surface (2.5 Rs):
  departure time and source longitude (Carrington with the sidereal rate).

Units: times float Unix seconds (UTC), distances km, speeds km/s, angles rad (the angle
flag in deg), density cm^-3, B nT, pressure nPa. Arrays in, arrays out; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from propagation.constants import (
    AU_KM,
    HUX_ALPHA,
    HUX_R0_KM,
    HUX_R_ACCEL_KM,
    OMEGA_SUN_SIDEREAL_RAD_S,
    OMEGA_SUN_SYNODIC_RAD_S,
    PROTON_MASS_KG,
    R_SUN_KM,
)

#: m_p n v^2 in nPa for n in cm^-3 and v in km/s (m_p * 1e6 cm^-3->m^-3 * 1e6 (km/s)^2 * 1e9).
PRESSURE_NPA_PER_CM3_KMS2 = PROTON_MASS_KG * 1e21
#: Default HUX inner boundary (km): HUXt's acceleration anchor, inside Mercury's perihelion.
HUX_INNER_KM = 30.0 * R_SUN_KM
#: Default HUX radial step (km), about 0.01 AU or 2.2 Rs (HUXt uses 1.5 Rs).
HUX_DR_KM = 1.5e6
#: Source surface of the PFSS/WSA back-mapping (km).
SOURCE_SURFACE_KM = 2.5 * R_SUN_KM

Corotation = Literal["prograde", "nearest"]


@dataclass(frozen=True)
class Prediction:
    """Predicted series at ``m`` targets; every array has shape (m, k).

    Attributes
    ----------
    t_unix_s : ndarray (m, k), s
        :func:`ballistic`: arrival time of each parcel (k = n parcels, in measurement
        order, not sorted). :func:`hux` and :func:`resample`: regular time grid per target.
    speed_kms : ndarray (m, k), km/s
    density_cm3 : ndarray (m, k), cm^-3
        NaN when no density was given.
    b_nt : ndarray (m, k), nT
        |B| (Parker scaling, see :func:`parker_b_nt`); NaN when no field was given.
    pressure_npa : ndarray (m, k), nPa
        Proton dynamic pressure m_p n v^2.
    angle_deg : ndarray (m, k), deg
        Target-Sun-source angle, an accuracy flag (the larger, the less reliable).
    t_source_s : ndarray (m, k), s
        Time at which the predicted parcel was measured at the source observer.
    overtaken : ndarray (m, k), bool
        :func:`ballistic` only: the parcel arrives after a parcel measured later (a faster
        parcel overtook it). All False for :func:`hux`, which resolves the interaction.
    """

    t_unix_s: np.ndarray
    speed_kms: np.ndarray
    density_cm3: np.ndarray
    b_nt: np.ndarray
    pressure_npa: np.ndarray
    angle_deg: np.ndarray
    t_source_s: np.ndarray
    overtaken: np.ndarray


@dataclass(frozen=True)
class Backmap:
    """Parcels mapped back ballistically to the source surface; arrays of shape (n,).

    Attributes
    ----------
    t_departure_s : ndarray (n,), s
        Time the parcel left the source surface.
    lon_source_rad : ndarray (n,), rad in [0, 2 pi)
        Longitude of the source-surface footpoint in the frame of ``lon_rad`` rotating
        at ``omega_rad_s`` (Carrington longitude for Carrington input and the sidereal rate).
    lon_inertial_rad : ndarray (n,), rad in [0, 2 pi)
        The parcel's own longitude (unchanged by radial motion), i.e. the longitude in the
        input frame at departure if that frame is inertial.
    """

    t_departure_s: np.ndarray
    lon_source_rad: np.ndarray
    lon_inertial_rad: np.ndarray


# --- angles and small physics helpers -----------------------------------------------------
def wrap_pi(angle_rad):
    """Wrap angles to (-pi, pi] (rad)."""
    return np.pi - np.mod(np.pi - np.asarray(angle_rad, float), 2.0 * np.pi)


def wrap_2pi(angle_rad):
    """Wrap angles to [0, 2 pi) (rad)."""
    return np.mod(np.asarray(angle_rad, float), 2.0 * np.pi)


def interp_angle_rad(x_new, x, angle_rad):
    """Interpolate an angle series safely: unwrap, interpolate, wrap to [0, 2 pi).

    Parameters
    ----------
    x_new : ndarray (k,)
    x : ndarray (n,), increasing
    angle_rad : ndarray (n,), rad

    Returns
    -------
    ndarray (k,), rad in [0, 2 pi)
    """
    return wrap_2pi(np.interp(x_new, x, np.unwrap(np.asarray(angle_rad, float))))


def separation_deg(lon1_rad, lat1_rad, lon2_rad, lat2_rad):
    """Great-circle angle between two heliocentric directions (deg), broadcasting."""
    c = np.sin(lat1_rad) * np.sin(lat2_rad) + np.cos(lat1_rad) * np.cos(lat2_rad) * np.cos(
        np.asarray(lon2_rad, float) - lon1_rad)
    return np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))


def pressure_npa(n_cm3, v_kms):
    """Proton dynamic pressure m_p n v^2 (nPa) from n (cm^-3) and v (km/s)."""
    return PRESSURE_NPA_PER_CM3_KMS2 * np.asarray(n_cm3, float) * np.asarray(v_kms, float) ** 2


def parker_b_nt(b_src_nt, r_src_km, r_km, v_kms, lat_rad=0.0,
                omega_rad_s: float = OMEGA_SUN_SIDEREAL_RAD_S):
    """|B| at ``r_km`` from |B| at ``r_src_km`` on a Parker spiral of speed ``v_kms``.

    The source magnitude is split into B_r and B_phi with the spiral angle
    tan(psi) = Omega r cos(lat) / v; then B_r ~ r^-2 and B_phi ~ r^-1 (so that
    tan(psi) ~ r), and |B| = sqrt(B_r^2 + B_phi^2). Omega is the sidereal rate: the spiral
    winds in inertial space whatever frame the longitudes use. All inputs broadcast.

    Returns
    -------
    ndarray, nT
    """
    r_src = np.asarray(r_src_km, float)
    r = np.asarray(r_km, float)
    k = omega_rad_s * np.cos(lat_rad) / np.asarray(v_kms, float)
    br_src = np.asarray(b_src_nt, float) / np.sqrt(1.0 + (k * r_src) ** 2)
    br = br_src * (r_src / r) ** 2
    bphi = br_src * k * r_src * (r_src / r)
    return np.hypot(br, bphi)


def _delta_lon(lon_tgt, lon_src, corotation: Corotation):
    d = np.asarray(lon_tgt, float) - lon_src
    if corotation == "prograde":
        return wrap_2pi(d)
    if corotation == "nearest":
        return wrap_pi(d)
    raise ValueError(f"corotation must be 'prograde' or 'nearest', not {corotation!r}")


# --- ballistic ------------------------------------------------------------------------------
def ballistic(t_unix_s, v_kms, r_src_km, lon_src_rad, r_tgt_km, lon_tgt_rad,
              omega_rad_s: float = OMEGA_SUN_SYNODIC_RAD_S, *, n_cm3=None, b_nt=None,
              lat_src_rad=0.0, lat_tgt_rad=0.0, corotation: Corotation = "prograde",
              omega_spiral_rad_s: float = OMEGA_SUN_SIDEREAL_RAD_S) -> Prediction:
    """Ballistic (constant-speed, radial) mapping of a series to ``m`` targets.

    Parameters
    ----------
    t_unix_s : ndarray (n,), s
        Measurement times at the source observer, non-decreasing.
    v_kms : ndarray (n,), km/s
        Radial speed (NaN allowed: that parcel's outputs are NaN).
    r_src_km, lon_src_rad : float or ndarray (n,), km and rad
        Source observer position at each measurement (e.g. L1: 0.99 AU, HEEQ lon 0).
    r_tgt_km, lon_tgt_rad : ndarray (m,) or (m, n), km and rad
        Target positions, fixed (m,) or per parcel (m, n): the position of target i when
        parcel j arrives. For moving targets call once with positions at mid-series,
        then again with positions evaluated at the returned arrival times (one iteration
        suffices: planets move far slower than the wind).
    omega_rad_s : float, rad/s
        Corotation rate of the longitude frame: synodic (default) for Earth-fixed frames
        (HEEQ/HEE), sidereal for inertial frames (HCI), ``propagation.md`` §2.3.
    n_cm3, b_nt : ndarray (n,), optional, cm^-3 and nT
        Density and |B| at the source; outputs NaN when omitted.
    lat_src_rad, lat_tgt_rad : float or ndarray broadcasting to (n,) / (m, n), rad
        Latitudes, used only for the angle flag and the spiral angle.
    corotation : {"prograde", "nearest"}
        How the longitude difference dphi = lon_tgt - lon_src is taken: "prograde" in
        [0, 2 pi), the structure's next passage (always a delay; a target just behind
        the source in rotation waits almost a rotation); "nearest" in (-pi, pi] (a target
        behind sees the structure before the source: a hindcast).
    omega_spiral_rad_s : float, rad/s
        Rotation rate for the Parker spiral angle in :func:`parker_b_nt`.

    Returns
    -------
    Prediction
        Arrays (m, n) in measurement order: ``t_unix_s`` is
        ``t + (r_tgt - r_src) / v + dphi / omega_rad_s`` exactly; speed unchanged;
        density ``n (r_src / r_tgt)^2``; |B| by :func:`parker_b_nt`; pressure m_p n v^2;
        ``angle_deg`` between target and source directions; ``overtaken`` marks parcels
        that arrive after a parcel measured later.
    """
    t = np.asarray(t_unix_s, float)
    v = np.asarray(v_kms, float)
    if t.ndim != 1 or v.shape != t.shape:
        raise ValueError("t_unix_s and v_kms must be 1-D arrays of the same length")
    if np.any(np.diff(t) < 0):
        raise ValueError("t_unix_s must be non-decreasing")
    n_par = t.size
    r_src = np.broadcast_to(np.asarray(r_src_km, float), (n_par,))
    lon_src = np.broadcast_to(np.asarray(lon_src_rad, float), (n_par,))
    r_tgt = _per_target(r_tgt_km, n_par, "r_tgt_km")
    m = r_tgt.shape[0]
    lon_tgt = np.broadcast_to(_per_target(lon_tgt_rad, n_par, "lon_tgt_rad"), (m, n_par))
    dphi = _delta_lon(lon_tgt, lon_src[None, :], corotation)
    arrival = t[None, :] + (r_tgt - r_src[None, :]) / v[None, :] + dphi / omega_rad_s
    shape = arrival.shape
    speed = np.broadcast_to(v, shape).copy()
    ratio = r_src[None, :] / r_tgt
    dens = _optional(n_cm3, n_par)[None, :] * ratio**2 * np.ones(shape)
    lat_t = np.broadcast_to(np.asarray(lat_tgt_rad, float), shape)
    field = parker_b_nt(_optional(b_nt, n_par)[None, :], r_src[None, :], r_tgt, v[None, :],
                        np.asarray(lat_src_rad, float), omega_spiral_rad_s) * np.ones(shape)
    angle = separation_deg(lon_src[None, :], np.asarray(lat_src_rad, float), lon_tgt, lat_t)
    later_min = np.fmin.accumulate(arrival[:, ::-1], axis=1)[:, ::-1]
    overtaken = np.zeros(shape, bool)
    overtaken[:, :-1] = arrival[:, :-1] > later_min[:, 1:]
    return Prediction(arrival, speed, dens, field, pressure_npa(dens, speed),
                      angle * np.ones(shape), np.broadcast_to(t, shape).copy(), overtaken)


def _per_target(x, n_par, name):
    a = np.asarray(x, float)
    if a.ndim == 0:
        a = a[None]
    if a.ndim == 1:
        return a[:, None]
    if a.ndim == 2 and a.shape[1] in (1, n_par):
        return a
    raise ValueError(f"{name} must have shape (m,) or (m, {n_par}), not {a.shape}")


def _optional(x, n):
    if x is None:
        return np.full(n, np.nan)
    a = np.asarray(x, float)
    if a.shape != (n,):
        raise ValueError(f"expected shape ({n},), got {a.shape}")
    return a


def ballistic_source_time(t_tgt_s, v_kms, r_src_km, lon_src_rad, r_tgt_km, lon_tgt_rad,
                          omega_rad_s: float = OMEGA_SUN_SYNODIC_RAD_S,
                          corotation: Corotation = "prograde"):
    """Backward: when a parcel seen at a target passed the source observer (s).

    Exact inverse of :func:`ballistic`'s arrival time for the same arguments; all inputs
    broadcast (e.g. a target's series (k,) with scalar positions).
    """
    dphi = _delta_lon(lon_tgt_rad, lon_src_rad, corotation)
    return (np.asarray(t_tgt_s, float) - (np.asarray(r_tgt_km, float) - r_src_km)
            / np.asarray(v_kms, float) - dphi / omega_rad_s)


def backmap(t_unix_s, v_kms, r_km, lon_rad, r_source_km: float = SOURCE_SURFACE_KM,
            omega_rad_s: float = OMEGA_SUN_SIDEREAL_RAD_S) -> Backmap:
    """Map each parcel measured at a spacecraft back to the source surface (2.5 Rs).

    tau = (r - r_ss) / v; departure = t - tau; footpoint longitude = lon + Omega tau
    (``propagation.md`` §2.2: phi_ss = phi_sc + Omega_sid tau in Carrington longitude).

    Parameters
    ----------
    t_unix_s, v_kms : ndarray (n,), s and km/s
    r_km, lon_rad : float or ndarray (n,), km and rad
        Spacecraft distance and longitude at each measurement, in a frame rotating with
        the Sun at ``omega_rad_s``: Carrington longitude with the sidereal rate (default),
        or HEEQ/Stonyhurst with the synodic rate (footpoint's Stonyhurst longitude as seen
        at the measurement time). ``omega_rad_s=0`` for an inertial frame.
    r_source_km : float, km
    omega_rad_s : float, rad/s

    Returns
    -------
    Backmap
    """
    t = np.asarray(t_unix_s, float)
    v = np.asarray(v_kms, float)
    tau = (np.asarray(r_km, float) - r_source_km) / v
    lon = np.asarray(lon_rad, float) * np.ones_like(t)
    return Backmap(t - tau, wrap_2pi(lon + omega_rad_s * tau), wrap_2pi(lon))


def backmap_longitude_rad(lon_rad, r_km, v_kms, r_source_km: float = SOURCE_SURFACE_KM,
                          omega_rad_s: float = OMEGA_SUN_SYNODIC_RAD_S):
    """Footpoint longitude lon + Omega (r - r_ss) / v, wrapped to (-pi, pi] (rad).

    Kept for ``storms propagate --backward``: HEEQ input with the synodic rate gives the
    footpoint's Stonyhurst longitude at the measurement time; see :func:`backmap`.
    """
    dr = np.asarray(r_km, float) - r_source_km
    return wrap_pi(np.asarray(lon_rad, float) + omega_rad_s * dr / np.asarray(v_kms, float))


def resample(pred: Prediction, t_grid_unix_s, overtaking: Literal["sort", "drop"] = "sort",
             max_gap_s: float | None = None) -> Prediction:
    """Interpolate a ballistic prediction onto a regular time grid, per target.

    Arrival times must increase for interpolation; when fast parcels overtake slow ones
    (``pred.overtaken``) the stream is multi-valued, and:

    - ``"sort"``: every parcel is kept and ordered by arrival time (interleaved streams,
      as Heliopropa-style ballistic series do);
    - ``"drop"``: the overtaken (slower, earlier) parcels are discarded, leaving the
      monotone sequence of parcels that no later parcel beat (the fast stream sweeps the
      slow one). Neither is the compression itself: use :func:`hux` for that.

    Parameters
    ----------
    pred : Prediction
        From :func:`ballistic`, arrays (m, n).
    t_grid_unix_s : ndarray (k,) or (m, k), s
    overtaking : {"sort", "drop"}
    max_gap_s : float, optional, s
        Grid points between two consecutive arrivals further apart than this are NaN.

    Returns
    -------
    Prediction
        Arrays (m, k); NaN outside each target's first and last arrival; pressure
        recomputed from the interpolated density and speed; ``overtaken`` all False.
    """
    if overtaking not in ("sort", "drop"):
        raise ValueError("overtaking must be 'sort' or 'drop'")
    m = pred.t_unix_s.shape[0]
    grid = np.broadcast_to(np.asarray(t_grid_unix_s, float), (m, np.shape(t_grid_unix_s)[-1]))
    names = ("speed_kms", "density_cm3", "b_nt", "angle_deg", "t_source_s")
    out = {k: np.full(grid.shape, np.nan) for k in names}
    for i in range(m):  # targets are few; each row is one np.interp per quantity
        arr = pred.t_unix_s[i]
        ok = np.isfinite(arr) & np.isfinite(pred.speed_kms[i])
        if overtaking == "drop":
            ok &= ~pred.overtaken[i]
        order = np.flatnonzero(ok)[np.argsort(arr[ok], kind="stable")]
        if order.size < 2:
            continue
        x = arr[order]
        g = grid[i]
        inside = (g >= x[0]) & (g <= x[-1])
        if max_gap_s is not None:
            j = np.clip(np.searchsorted(x, g), 1, x.size - 1)
            inside &= (x[j] - x[j - 1]) <= max_gap_s
        for k in names:
            out[k][i] = np.where(inside, np.interp(g, x, getattr(pred, k)[i][order]), np.nan)
    return Prediction(grid.copy(), out["speed_kms"], out["density_cm3"], out["b_nt"],
                      pressure_npa(out["density_cm3"], out["speed_kms"]), out["angle_deg"],
                      out["t_source_s"], np.zeros(grid.shape, bool))


# --- HUX: upwind kinematic model --------------------------------------------------------------
def accel_factor(r_km, acceleration: bool = True, alpha: float = HUX_ALPHA,
                 r_accel_km: float = HUX_R_ACCEL_KM, r0_km: float = HUX_R0_KM):
    """A(r) = 1 + alpha (1 - exp(-(r - r0) / rH)), the HUXt residual acceleration profile.

    A steady wind has v(r) = v(r_a) A(r) / A(r_a) (Riley & Lionello 2011; Owens et al.
    2020). Below r0 the factor is 1 (HUXt would decelerate there). 1 when off.
    """
    r = np.asarray(r_km, float)
    if not acceleration:
        return np.ones_like(r)
    return 1.0 + alpha * (1.0 - np.exp(-np.maximum(r - r0_km, 0.0) / r_accel_km))


def _accel_integral(r_km, acceleration, alpha, r_accel_km, r0_km):
    """G(r) = integral of dr / A(r), closed form: x/c + (rH/c) ln(c - alpha e^(-x/rH)),
    x = r - r0, c = 1 + alpha (and r itself below r0 or without acceleration)."""
    r = np.asarray(r_km, float)
    if not acceleration:
        return r
    c = 1.0 + alpha
    x = np.maximum(r - r0_km, 0.0)
    g = x / c + r_accel_km / c * np.log(c - alpha * np.exp(-x / r_accel_km))
    return g + np.minimum(r - r0_km, 0.0)


def travel_time_s(r1_km, r2_km, v1_kms, acceleration: bool = True, alpha: float = HUX_ALPHA,
                  r_accel_km: float = HUX_R_ACCEL_KM, r0_km: float = HUX_R0_KM):
    """Time for a steady parcel of speed ``v1_kms`` at ``r1_km`` to reach ``r2_km`` (s).

    With the acceleration, v(r) = v1 A(r) / A(r1), so t = A(r1)/v1 [G(r2) - G(r1)];
    without, (r2 - r1) / v1. Broadcasts.
    """
    a = (acceleration, alpha, r_accel_km, r0_km)
    return (accel_factor(r1_km, *a) / np.asarray(v1_kms, float)
            * (_accel_integral(r2_km, *a) - _accel_integral(r1_km, *a)))


@dataclass(frozen=True)
class HuxGrid:
    """Radial grid and time step of a HUX run: ``r_km`` (nr,), ``dr_km``, ``dt_s``."""

    r_km: np.ndarray
    dr_km: float
    dt_s: float


def hux_grid(r_inner_km: float, r_outer_km: float, v_max_kms: float,
             dr_km: float = HUX_DR_KM, cfl: float = 0.9) -> HuxGrid:
    """Uniform radial grid from ``r_inner_km`` past ``r_outer_km`` and the CFL time step
    dt = cfl dr / v_max (the upwind scheme is stable for v dt / dr <= 1)."""
    if not 0 < cfl <= 1:
        raise ValueError("cfl must be in (0, 1]")
    if r_outer_km <= r_inner_km:
        raise ValueError("targets must lie outside the HUX inner boundary")
    nr = int(np.ceil((r_outer_km - r_inner_km) / dr_km)) + 2
    return HuxGrid(r_inner_km + dr_km * np.arange(nr), float(dr_km),
                   float(cfl * dr_km / v_max_kms))


def _march(state, boundary, dtdr, accel_sq, cells, front_cells_per_step=None,
           dt_s=0.0):
    """Advance the HUX state and record it at ``cells``; pure numpy, rows vectorised.

    state : (5, L, nr) v, N = n (r/AU)^2, then tracers q_r, q_phi, label; modified in place.
    boundary : (S + 1, 5, L) values imposed at cell 0 at each step.
    accel_sq : (nr - 1,) (A_i / A_{i-1})^2 for the acceleration source.
    front_cells_per_step : float, optional
        v_max dt / dr: cells beyond the fastest signal still hold the initial steady state
        (an exact discrete steady state), so they are not updated; the label tracer (last
        one), which grows by dt per step there (label = t - travel time), gets the elapsed
        ``k dt_s`` added when its cell joins the active window.
    Returns the record (S + 1, 5, L, len(cells)).

    Burgers, conservative upwind (v > 0): v_i += -dt/dr (v_i^2/2 - v_{i-1}^2/2) + S_i with
    S_i = dt/dr v_{i-1}^2 ((A_i/A_{i-1})^2 - 1)/2, whose steady state is v_i = v_{i-1}
    A_i/A_{i-1} exactly. Mass: N_i -= dt/dr (N_i v_i - N_{i-1} v_{i-1}). Tracers: advective
    upwind q_i -= dt/dr v_i (q_i - q_{i-1}).
    """
    n_steps = boundary.shape[0] - 1
    nr = state.shape[-1]
    rec = np.empty((n_steps + 1,) + state.shape[:2] + (cells.size,))
    v, mass, tracers = state[0], state[1], state[2:]
    a = 0.5 * dtdr
    b = a * accel_sq
    sq, flux = np.empty_like(v), np.empty_like(v)
    t1, t2 = np.empty_like(v[:, 1:]), np.empty_like(v[:, 1:])
    dq = np.empty_like(tracers[:, :, 1:])
    hi_prev = nr if front_cells_per_step is None else 0
    for k in range(n_steps):
        state[:, :, 0] = boundary[k]
        rec[k] = state[:, :, cells]
        hi = nr if front_cells_per_step is None else min(
            nr, int(front_cells_per_step * (k + 1)) + 3)
        if hi > hi_prev:
            tracers[-1][:, max(hi_prev, 1):hi] += k * dt_s
            hi_prev = hi
        vs, ms, ts = v[:, :hi], mass[:, :hi], tracers[:, :, :hi]
        w = hi - 1
        sqs, fl, u1, u2, d = sq[:, :w + 1], flux[:, :w + 1], t1[:, :w], t2[:, :w], dq[:, :, :w]
        np.multiply(vs, vs, out=sqs)
        np.multiply(ms, vs, out=fl)
        np.subtract(ts[:, :, 1:], ts[:, :, :-1], out=d)
        np.multiply(vs[:, 1:], dtdr, out=u1)
        d *= u1
        np.multiply(sqs[:, :-1], b[:w], out=u1)
        np.multiply(sqs[:, 1:], a, out=u2)
        u1 -= u2
        vs[:, 1:] += u1
        np.subtract(fl[:, 1:], fl[:, :-1], out=u2)
        u2 *= dtdr
        ms[:, 1:] -= u2
        ts[:, :, 1:] -= d
    state[:, :, 0] = boundary[n_steps]
    rec[n_steps] = state[:, :, cells]
    return rec


def _initial_state(bnd0, grid, accel):
    """Steady wind of the first boundary values: v A(r)/A(r0), flux constant, tracers
    constant, label = boundary time minus the travel time (set by the caller)."""
    ratio = accel[None, :]
    v = bnd0[0][:, None] * ratio
    state = np.empty((5, bnd0.shape[1], grid.r_km.size))
    state[0] = v
    state[1] = bnd0[1][:, None] * bnd0[0][:, None] / v
    state[2:] = bnd0[2:, :, None]
    return state


def hux_solve(t_boundary_s, v_boundary_kms, r_inner_km: float, r_out_km, *,
              n_boundary=None, acceleration: bool = True, alpha: float = HUX_ALPHA,
              r_accel_km: float = HUX_R_ACCEL_KM, dr_km: float = HUX_DR_KM,
              cfl: float = 0.9, t_end_s: float | None = None,
              v_max_kms: float | None = None):
    """HUX kernel for a boundary given along many radial lines (longitudes or members).

    Solves dv/dt + d(v^2/2)/dr = (residual acceleration) and the continuity equation
    d(n r^2)/dt + d(n r^2 v)/dr = 0 on every line at once (lines are an array axis).

    Parameters
    ----------
    t_boundary_s : ndarray (nb,), s, increasing
        Times of the boundary samples.
    v_boundary_kms : ndarray (L, nb), km/s
        Speed at ``r_inner_km`` on each of L lines (held at the first/last value outside).
    r_inner_km : float, km
    r_out_km : ndarray (p,), km
        Radii at which the solution is returned (all > ``r_inner_km``).
    n_boundary : ndarray (L, nb), optional, cm^-3
        Density at the inner boundary (default: 1, i.e. the compression factor relative
        to a steady r^-2 wind from that boundary).
    acceleration, alpha, r_accel_km : HUXt residual acceleration (on by default).
    dr_km, cfl : float
        Radial step (km) and Courant number (dt = cfl dr / v_max).
    t_end_s : float, optional, s
        End of the run (default: last boundary time plus the slowest transit to max r).
    v_max_kms : float, optional, km/s
        Speed bound for the CFL step (default: the fastest boundary speed, accelerated);
        give it to make runs with different boundaries share one time grid.

    Returns
    -------
    t_s : ndarray (S,), s
        Model times (every step dt).
    v_kms : ndarray (L, p, S), km/s
    n_cm3 : ndarray (L, p, S), cm^-3
    """
    tb = np.asarray(t_boundary_s, float)
    vb = np.atleast_2d(np.asarray(v_boundary_kms, float))
    if vb.shape[1] != tb.size or tb.size < 2 or np.any(np.diff(tb) <= 0):
        raise ValueError("v_boundary_kms must be (L, nb) on increasing t_boundary_s, nb >= 2")
    if not np.all(np.isfinite(vb)) or np.any(vb <= 0):
        raise ValueError("boundary speeds must be finite and positive")
    nb = np.ones_like(vb) if n_boundary is None else np.atleast_2d(np.asarray(n_boundary,
                                                                                float))
    r_out = np.atleast_1d(np.asarray(r_out_km, float))
    acc = (acceleration, alpha, r_accel_km, HUX_R0_KM)
    a_in = accel_factor(r_inner_km, *acc)
    if v_max_kms is None:
        v_max_kms = float(vb.max() * accel_factor(r_out.max(), *acc) / a_in)
    elif v_max_kms < vb.max() * accel_factor(r_out.max(), *acc) / a_in:
        raise ValueError("v_max_kms is below the fastest (accelerated) boundary speed")
    grid = hux_grid(r_inner_km, float(r_out.max()), float(v_max_kms), dr_km, cfl)
    if t_end_s is None:
        t_end_s = tb[-1] + float(travel_time_s(r_inner_km, r_out.max(), vb.min(), *acc))
    n_steps = int(np.ceil((t_end_s - tb[0]) / grid.dt_s))
    t = tb[0] + grid.dt_s * np.arange(n_steps + 1)
    lines = vb.shape[0]
    bnd = np.ones((n_steps + 1, 5, lines))
    bnd[:, 0] = _interp_rows(t, tb, vb).T
    bnd[:, 1] = (_interp_rows(t, tb, nb) * (r_inner_km / AU_KM) ** 2).T
    accel = accel_factor(grid.r_km, *acc) / a_in
    state = _initial_state(bnd[0], grid, accel)
    g = (r_out - r_inner_km) / grid.dr_km
    i0 = np.minimum(np.floor(g).astype(int), grid.r_km.size - 2)
    cells = np.unique(np.concatenate([i0, i0 + 1]))
    rec = _march(state, bnd, grid.dt_s / grid.dr_km, (accel[1:] / accel[:-1]) ** 2, cells,
                 v_max_kms * grid.dt_s / grid.dr_km, grid.dt_s)
    j0 = np.searchsorted(cells, i0)
    w = (g - i0)[None, :, None]
    lo = np.moveaxis(rec[:, :2, :, j0], 0, -1)  # (2, L, p, S)
    hi = np.moveaxis(rec[:, :2, :, j0 + 1], 0, -1)
    val = (1 - w) * lo + w * hi
    return t, val[0], val[1] / (r_out[None, :, None] / AU_KM) ** 2


def _interp_rows(x_new, x, rows):
    """np.interp of each row of ``rows`` (L, n) onto ``x_new`` (S,) -> (L, S), vectorised:
    rows are placed end to end on one increasing axis (offset trick)."""
    rows = np.asarray(rows, float)
    n_rows = rows.shape[0]
    if n_rows == 1:
        return np.interp(x_new, x, rows[0])[None, :]
    x0 = x[0]
    span = 2.0 * (max(x[-1], x_new[-1]) - min(x0, x_new[0])) + 1.0
    off = span * np.arange(n_rows)[:, None]
    xs = np.clip(x_new, x[0], x[-1])
    return np.interp((xs - x0)[None, :] + off, ((x - x0)[None, :] + off).ravel(),
                     rows.ravel()).reshape(n_rows, -1)


def hux(t_unix_s, v_kms, r_src_km, lon_src_rad, r_tgt_km, lon_tgt_rad,
        omega_rad_s: float = OMEGA_SUN_SYNODIC_RAD_S, *, n_cm3=None, b_nt=None,
        lat_src_rad=0.0, lat_tgt_rad=0.0, t_out_unix_s=None, cadence_s: float = 3600.0,
        corotation: Corotation = "prograde", acceleration: bool = True,
        alpha: float = HUX_ALPHA, r_accel_km: float = HUX_R_ACCEL_KM,
        r_inner_km: float = HUX_INNER_KM, dr_km: float = HUX_DR_KM, cfl: float = 0.9,
        omega_spiral_rad_s: float = OMEGA_SUN_SIDEREAL_RAD_S) -> Prediction:
    """Propagate a series measured at one observer to ``m`` targets with the HUX model.

    Method
    ------
    1. Each valid sample (t_j, v_j) at the source (r_s, phi_s) is mapped back to the inner
       boundary ``r_inner_km`` (30 Rs): steady travel time with the residual acceleration
       (:func:`travel_time_s`), boundary speed v_j A(r_in)/A(r_s). Samples whose
       back-mapped times cross are re-ordered in time (a limit of any back-mapping).
    2. Corotation: the inner boundary is a pattern rotating at ``omega_rad_s``, so the line
       at longitude phi sees at time t what the line at longitude 0 saw at
       t - phi/Omega. One radial line (longitude 0) is solved with :func:`hux_solve`'s
       scheme, and target i reads it at t - dphi_i/Omega, dphi_i taken per
       ``corotation`` relative to the source (as in :func:`ballistic`). This is exact for
       1-D HUX (lines do not interact) and costs one line for any number of targets.
    3. Density from mass-flux conservation: the continuity equation for N = n r^2 is
       solved in conservative form, with n v r^2 at the boundary equal to its value at
       the source; a steady wind keeps n ~ r^-2, compressions pile mass up, and the mass
       flux through every radius integrates to the injected mass.
    4. Field: B_r r^2 and B_phi / (n r) are advected as tracers (frozen-in, radial flow),
       split at the source with the Parker angle (:func:`parker_b_nt`); |B| =
       hypot(B_r, B_phi), so |B| follows B_r ~ r^-2, B_phi ~ r^-1 in a steady wind and is
       enhanced with n in compressions.
    5. A label tracer carries each parcel's boundary time: outputs whose parcel left the
       boundary outside the series (spin-up state, or after the last sample) are NaN.

    Parameters
    ----------
    t_unix_s, v_kms : ndarray (n,), s and km/s
        The measured series (NaN or non-positive speeds are dropped; n >= 2 valid).
    r_src_km, lon_src_rad : float or ndarray (n,), km and rad
        Source observer position per sample.
    r_tgt_km, lon_tgt_rad : ndarray (m,), or (m, k) with ``t_out_unix_s``, km and rad
        Target positions (> ``r_inner_km``); per output time for moving targets.
    omega_rad_s : float, rad/s
        Corotation rate of the longitude frame (synodic for HEEQ/HEE, sidereal for HCI).
    n_cm3, b_nt : ndarray (n,), optional
        Density (cm^-3) and |B| (nT) at the source; NaN samples are interpolated over;
        outputs NaN when omitted.
    lat_src_rad, lat_tgt_rad : float or arrays (n,) / (m,) or (m, k), rad
        For the angle flag and the spiral angle.
    t_out_unix_s : ndarray (k,) or (m, k), optional, s
        Output times. Default: per target, a regular grid of ``cadence_s`` covering the
        arrival of the series (rows start at different times, padded with NaN values).
    corotation : {"prograde", "nearest"}
        See :func:`ballistic`.
    acceleration : bool, default True
        HUXt residual acceleration (alpha = 0.15, rH = 50 Rs, r0 = 30 Rs), on by default
        like HUXt: the back-mapping to 30 Rs then uses the slower near-Sun wind.
    r_inner_km, dr_km, cfl : float
        Inner boundary (km), radial step (km), Courant number.
    omega_spiral_rad_s : float, rad/s
        Rotation rate for the Parker spiral angle.

    Returns
    -------
    Prediction
        Arrays (m, k): ``t_unix_s`` the output times; speed, density, |B|, pressure;
        ``angle_deg`` between the target and the source (at its median position);
        ``t_source_s`` when the predicted parcel was measured at the source; NaN where the
        target is not reached by the series.
    """
    t = np.asarray(t_unix_s, float)
    v = np.asarray(v_kms, float)
    if t.ndim != 1 or v.shape != t.shape:
        raise ValueError("t_unix_s and v_kms must be 1-D arrays of the same length")
    n_all = t.size
    r_src = np.broadcast_to(np.asarray(r_src_km, float), (n_all,))
    lon_src = np.broadcast_to(np.asarray(lon_src_rad, float), (n_all,))
    lat_src = np.broadcast_to(np.asarray(lat_src_rad, float), (n_all,))
    dens = _optional(n_cm3, n_all)
    bmag = _optional(b_nt, n_all)
    good = np.isfinite(t) & np.isfinite(v) & (v > 0) & np.isfinite(r_src) & np.isfinite(lon_src)
    if good.sum() < 2:
        raise ValueError("need at least two valid speed samples")
    order = np.flatnonzero(good)[np.argsort(t[good], kind="stable")]
    t, v, r_src, lat_src, dens, bmag = (x[order] for x in (t, v, r_src, lat_src, dens, bmag))
    lon_src = np.unwrap(lon_src[order])
    acc = (acceleration, alpha, r_accel_km, HUX_R0_KM)
    if np.any(r_src <= r_inner_km):
        raise ValueError("the source must lie outside the HUX inner boundary")

    # 1. back to the inner boundary, onto the longitude-0 line (time s)
    tau = travel_time_s(r_inner_km, r_src, v * accel_factor(r_inner_km, *acc)
                        / accel_factor(r_src, *acc), *acc)
    s = t - tau - lon_src / omega_rad_s
    v_in = v * accel_factor(r_inner_km, *acc) / accel_factor(r_src, *acc)
    has_n = np.isfinite(dens).any()
    n_fill = _fill_nan(dens) if has_n else np.ones_like(v)
    r_au = r_src / AU_KM
    flux = n_fill * v * r_au**2  # n v r^2 at the source = at the boundary
    k_sp = omega_spiral_rad_s * np.cos(lat_src) / v
    br = _fill_nan(bmag) / np.sqrt(1.0 + (k_sp * r_src) ** 2) if np.isfinite(bmag).any() \
        else np.full_like(v, np.nan)
    q_r = br * r_au**2
    q_phi = br * k_sp * r_src / (n_fill * r_au)
    srt = np.argsort(s, kind="stable")
    s_sorted = s[srt]
    if np.any(np.diff(s_sorted) <= 0):  # equal boundary times: nudge (rare, exact ties)
        s_sorted = s_sorted + 1e-6 * np.arange(s_sorted.size)

    # targets and output times
    lon_mid = lon_src[lon_src.size // 2]
    r_t, lon_t, t_out = _targets(r_tgt_km, lon_tgt_rad, t_out_unix_s)
    m = r_t.shape[0]
    if np.any(r_t <= r_inner_km):
        raise ValueError("targets must lie outside the HUX inner boundary")
    lon_t = np.unwrap(lon_t, axis=1)
    lon_t = lon_t + (lon_mid + _delta_lon(lon_t[:, :1], lon_mid, corotation) - lon_t[:, :1])
    shift = lon_t / omega_rad_s  # (m, k or 1): line time = t - shift
    r_max = float(r_t.max())
    v_fast = float(v_in.max())
    v_slow = float(v_in.min())
    grid = hux_grid(r_inner_km, r_max, v_fast * float(accel_factor(r_max, *acc))
                    / float(accel_factor(r_inner_km, *acc)), dr_km, cfl)
    default_grid = t_out is None
    if t_out is None:
        r_lo, r_hi = r_t.min(axis=1), r_t.max(axis=1)
        first = s_sorted[0] + shift[:, 0] + travel_time_s(r_inner_km, r_lo, v_fast, *acc)
        last = s_sorted[-1] + shift[:, 0] + travel_time_s(r_inner_km, r_hi, v_slow, *acc)
        start = np.floor(first / cadence_s) * cadence_s
        k = int(np.ceil((last - start).max() / cadence_s)) + 1
        t_out = start[:, None] + cadence_s * np.arange(k)[None, :]
    t_out = np.broadcast_to(t_out, (m, t_out.shape[-1]))
    r_t = np.broadcast_to(r_t, t_out.shape)
    s_need = t_out - shift
    t_end = max(float(np.nanmax(s_need)), s_sorted[0] + grid.dt_s)

    # 2. one line, boundary on the model time grid
    n_steps = int(np.ceil((t_end - s_sorted[0]) / grid.dt_s))
    t_line = s_sorted[0] + grid.dt_s * np.arange(n_steps + 1)
    bnd = np.empty((n_steps + 1, 5, 1))
    for j, q in enumerate((v_in, flux / v_in, q_r, q_phi)):  # N = n r^2 (r in AU)
        bnd[:, j, 0] = np.interp(t_line, s_sorted, q[srt])
    bnd[:, 4, 0] = t_line
    accel = accel_factor(grid.r_km, *acc) / accel_factor(r_inner_km, *acc)
    state = _initial_state(bnd[0], grid, accel)
    state[4, 0] = t_line[0] - travel_time_s(r_inner_km, grid.r_km, bnd[0, 0, 0], *acc)
    g = (r_t - r_inner_km) / grid.dr_km
    i0 = np.minimum(np.floor(g).astype(int), grid.r_km.size - 2)
    cells = np.unique(np.concatenate([i0.ravel(), i0.ravel() + 1]))
    rec = _march(state, bnd, grid.dt_s / grid.dr_km, (accel[1:] / accel[:-1]) ** 2, cells,
                 cfl, grid.dt_s)
    rec = rec[:, :, 0, :]  # (S+1, 5, ncells)

    # bilinear read-out at (r_i(t), t - shift_i)
    f = (s_need - t_line[0]) / grid.dt_s
    in_time = (f >= 0) & (f <= n_steps)
    f = np.clip(f, 0, n_steps)
    it = np.minimum(np.floor(f).astype(int), max(n_steps - 1, 0))
    wt = (f - it)[..., None]
    ic = np.searchsorted(cells, i0)
    wr = (g - i0)[..., None]
    it1 = np.minimum(it + 1, n_steps)
    val = ((1 - wt) * ((1 - wr) * rec[it, :, ic] + wr * rec[it, :, ic + 1])
           + wt * ((1 - wr) * rec[it1, :, ic] + wr * rec[it1, :, ic + 1]))  # (m, k, 5)
    label = val[..., 4]
    valid = in_time & (label >= s_sorted[0]) & (label <= s_sorted[-1])
    nan = np.nan
    speed = np.where(valid, val[..., 0], nan)
    rr = r_t / AU_KM
    n_out = val[..., 1] / rr**2
    b_r = val[..., 2] / rr**2
    b_phi = val[..., 3] * n_out * rr
    field = np.where(valid, np.hypot(b_r, b_phi), nan)
    n_out = np.where(valid & has_n, n_out, nan)
    t_src = np.where(valid, np.interp(label, s_sorted, t[srt]), nan)
    lat_t = np.asarray(lat_tgt_rad, float)
    lat_t = np.broadcast_to(lat_t[:, None] if lat_t.ndim == 1 else lat_t, t_out.shape)
    angle = separation_deg(lon_mid, float(np.median(lat_src)), lon_t, lat_t) * np.ones(
        t_out.shape)
    keep = slice(None)
    if default_grid:  # drop the trailing columns no target reaches
        hit = np.flatnonzero(valid.any(axis=0))
        keep = slice(0, int(hit[-1]) + 1 if hit.size else 0)
    return Prediction(np.array(t_out[:, keep]), speed[:, keep], n_out[:, keep],
                      field[:, keep], pressure_npa(n_out, speed)[:, keep], angle[:, keep],
                      t_src[:, keep], np.zeros(t_out[:, keep].shape, bool))


def _fill_nan(x):
    ok = np.isfinite(x)
    if ok.all():
        return x
    idx = np.arange(x.size)
    return np.interp(idx, idx[ok], x[ok])


def _targets(r_tgt_km, lon_tgt_rad, t_out_unix_s):
    """Targets as (m, 1) or (m, k) arrays, and the output times (None or (k,)/(m, k))."""
    r = np.asarray(r_tgt_km, float)
    lon = np.asarray(lon_tgt_rad, float)
    r = r.reshape(-1, 1) if r.ndim <= 1 else r
    lon = lon.reshape(-1, 1) if lon.ndim <= 1 else lon
    t_out = None if t_out_unix_s is None else np.atleast_1d(np.asarray(t_out_unix_s, float))
    if r.shape[0] != lon.shape[0]:
        raise ValueError("r_tgt_km and lon_tgt_rad must have the same number of targets")
    if (r.shape[1] > 1 or lon.shape[1] > 1) and (t_out is None
                                                 or t_out.shape[-1] != max(r.shape[1],
                                                                           lon.shape[1])):
        raise ValueError("moving targets (m, k) need t_out_unix_s with k times")
    lon = np.broadcast_to(lon, (lon.shape[0], max(lon.shape[1], r.shape[1])))
    return r, np.array(lon), t_out
