"""Drag-based model (DBM, Vrsnak et al. 2013) with cone geometries and ensembles (DBEM).

Equation of motion dv/dt = -gamma (v - w) |v - w|. With S = +1 if v0 >= w, else -1, so
that S (v0 - w) = |v0 - w| (shared/reference/propagation.md section 2.5):

    r(t) = (S / gamma) ln(1 + S gamma (v0 - w) t) + w t + r0
    v(t) = (v0 - w) / (1 + S gamma (v0 - w) t) + w

and r(t) = r0 + w t when v0 = w. Units: km, s, km/s, gamma in 1/km, angles in radians.
Every public function broadcasts over its array arguments, so events x targets x ensemble
members are plain array axes.

Arrival: r(t) is strictly increasing, so r(t) = R has one root, and it lies between the
constant-speed times (R - r0) / max(v0, w) and (R - r0) / min(v0, w). :func:`transit`
solves it in the dimensionless variable x = gamma |v0 - w| t, where the equation reads

    f(x) = k x + S ln(1 + x) - c = 0,    k = w / |v0 - w|,   c = gamma (R - r0),

with the bracket [c / (k + max(S, 0)), c / (k + min(S, 0))] (the two constant-speed
times). From the mean-speed guess refined by one fixed-point step, two Halley steps
(clipped to the bracket) run over cache-sized blocks of the broadcast arrays; elements
whose last step is not yet negligible (~0.01 % in typical ensembles) take up to three more
on their own, and any left are finished by a vectorised safeguarded Newton-bisection that
shrinks the bracket at every step, so the solve always converges. The residual
r(t) - R stays below 1e-3 s x v (tests/propagation/test_drag.py).

References
----------
Vrsnak, B. et al. 2013, Sol. Phys. 285, 295 (the DBM).
Zic, T. et al. 2015, ApJS 218, 32 (cone geometry, "flattening" leading edge).
Dumbovic, M. et al. 2021, Front. Astron. Space Sci. 8, 639986 (DBM tools, DBEM).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Elements per block of the vectorised solve: the block and its temporaries stay in the
#: L2/L3 cache, and the per-block Python overhead is amortised (measured best among
#: 4096-65536 on a 2 MiB-L2 EPYC core).
BLOCK = 32768
#: Halley steps taken by every element before the convergence test.
HALLEY_STEPS = 2
#: Further Halley steps for the elements not yet converged, before the fallback.
EXTRA_HALLEY_STEPS = 3
#: Convergence: the last Halley step is below this fraction of x. Halley converges
#: cubically, so the error left after such a step is ~(1e-4)^3 relative; measured by the
#: residual r(t) - R: < 1e-7 s over v0 50-4000 km/s, w 150-900 km/s, gamma 1e-12-1e-5 /km,
#: 1e-4-100 AU (tests/propagation/test_drag.py checks it against scipy and Lambert W).
STEP_TOLERANCE = 1e-4
#: Iteration cap of the safeguarded Newton-bisection fallback (bisection alone would need
#: ~60 steps to reach double precision from the initial bracket).
FALLBACK_ITERATIONS = 200
#: Largest half-width (rad) the cone shape accepts; tan(half-width) diverges at 90 deg.
MAX_HALF_WIDTH_RAD = np.radians(89.9)


def distance_km(t_s, r0_km, v0_kms, w_kms, gamma_per_km):
    """Heliocentric distance of a DBM front ``t_s`` seconds after it was at ``r0_km``.

    Parameters
    ----------
    t_s : float or ndarray, s
        Time since the front was at r0 (>= 0).
    r0_km : float or ndarray, km
        Starting distance.
    v0_kms : float or ndarray, km/s
        Speed at r0.
    w_kms : float or ndarray, km/s
        Ambient solar-wind speed.
    gamma_per_km : float or ndarray, 1/km
        Drag parameter (> 0).

    Returns
    -------
    ndarray, km
        r(t), broadcast over the arguments.
    """
    t = np.asarray(t_s, dtype=float)
    dv = np.asarray(v0_kms, dtype=float) - np.asarray(w_kms, dtype=float)
    g = np.asarray(gamma_per_km, dtype=float)
    return np.sign(dv) * np.log1p(g * np.abs(dv) * t) / g + np.asarray(w_kms) * t + r0_km


def speed_kms(t_s, v0_kms, w_kms, gamma_per_km):
    """Speed of a DBM front ``t_s`` seconds after it had speed ``v0_kms``.

    Parameters
    ----------
    t_s : float or ndarray, s
        Time since launch.
    v0_kms : float or ndarray, km/s
        Initial speed.
    w_kms : float or ndarray, km/s
        Ambient solar-wind speed.
    gamma_per_km : float or ndarray, 1/km
        Drag parameter.

    Returns
    -------
    ndarray, km/s
        v(t) = (v0 - w) / (1 + gamma |v0 - w| t) + w.
    """
    dv = np.asarray(v0_kms, dtype=float) - np.asarray(w_kms, dtype=float)
    g = np.asarray(gamma_per_km, dtype=float)
    return dv / (1.0 + g * np.abs(dv) * np.asarray(t_s, dtype=float)) + w_kms


def _halley(x, k, s, c):
    """One Halley step on f(x) = k x + s ln(1 + x) - c; returns (new x, step)."""
    q = 1.0 / (1.0 + x)
    f = k * x
    f += s * np.log1p(x)
    f -= c
    f1 = s * q
    f1 += k
    h = f / f1
    # f'' = -s q^2: x - h / (1 - h f'' / (2 f')) = x - h / (1 + h s q^2 / (2 f'))
    q *= q
    q *= s
    q *= h
    q /= f1
    q *= 0.5
    q += 1.0
    h /= q
    return x - h, h


def _safeguarded(x, k, s, c, lo, hi):
    """Newton with bisection fallback on the few elements Halley did not settle."""
    for _ in range(FALLBACK_ITERATIONS):
        f = k * x + s * np.log1p(x) - c
        lo = np.where(f < 0, x, lo)
        hi = np.where(f > 0, x, hi)
        new = x - f / (k + s / (1.0 + x))
        outside = ~((new > lo) & (new < hi))
        new = np.where(outside, 0.5 * (lo + hi), new)
        done = (np.abs(new - x) <= 1e-14 * np.abs(new)) | (f == 0) | (hi - lo <= 1e-15 * hi)
        x = new
        if np.all(done):
            break
    return x


def _transit_block(r_t, r0, v0, w, g):
    """Transit time and arrival speed for one block of flat float64 arrays."""
    d = r_t - r0
    dv = v0 - w
    s = np.sign(dv)
    adv = np.abs(dv)
    adv[adv == 0.0] = 1.0  # v0 = w: s = 0, f is linear and the start below is exact
    k = w / adv
    c = g * d
    lo = c / (k + np.maximum(s, 0.0))
    hi = c / (k + np.minimum(s, 0.0))
    # start: the mean-speed guess x_m = c / (k + s/2), refined once by the mean slope of
    # ln(1 + x) over [0, x_m] (a fixed-point step), then clipped to the bracket
    x = c / (k + 0.5 * s)
    x = c / (k + s * (np.log1p(x) / x))
    np.clip(x, lo, hi, out=x)
    np.fmax(x, 0.0, out=x)  # R = r0: 0/0 above; x = 0 is the root
    step = x
    for _ in range(HALLEY_STEPS):
        x, step = _halley(x, k, s, c)
        np.clip(x, lo, hi, out=x)
    bad = ~(np.abs(step) <= STEP_TOLERANCE * x) & (d > 0)
    if bad.any():
        idx = np.flatnonzero(bad)
        xb, kb, sb, cb, lob, hib = x[idx], k[idx], s[idx], c[idx], lo[idx], hi[idx]
        for _ in range(EXTRA_HALLEY_STEPS):
            xb, step = _halley(xb, kb, sb, cb)
            np.clip(xb, lob, hib, out=xb)
        left = ~(np.abs(step) <= STEP_TOLERANCE * xb)
        if left.any():
            xb[left] = _safeguarded(xb[left], kb[left], sb[left], cb[left], lob[left],
                                    hib[left])
        x[idx] = xb
    t = x / (g * adv)
    v = dv / (1.0 + x) + w
    behind = d < 0
    if behind.any():
        t[behind] = np.nan
        v[behind] = np.nan
    return t, v


def transit(r_target_km, r0_km, v0_kms, w_kms, gamma_per_km):
    """Transit time from r0 to ``r_target_km`` and the speed there (vectorised root solve).

    Parameters
    ----------
    r_target_km : float or ndarray, km
        Target heliocentric distance.
    r0_km : float or ndarray, km
        Distance where the front had speed v0.
    v0_kms : float or ndarray, km/s
        Speed at r0 (> 0).
    w_kms : float or ndarray, km/s
        Ambient solar-wind speed (> 0).
    gamma_per_km : float or ndarray, 1/km
        Drag parameter (> 0).

    Returns
    -------
    transit_s : ndarray, s
        Time from r0 to the target; 0 at r0, NaN for targets inside r0.
    speed_kms : ndarray, km/s
        Speed on arrival.

    Raises
    ------
    ValueError
        If any v0, w or gamma is not positive.

    Notes
    -----
    Works over the broadcast of the arguments in blocks of :data:`BLOCK` elements, so
    (members, 1) against (1, targets) never materialises more than the two outputs.
    """
    ops = [np.asarray(a, dtype=float) for a in (r_target_km, r0_km, v0_kms, w_kms,
                                                 gamma_per_km)]
    for name, a in zip(("v0", "w", "gamma"), ops[2:], strict=True):
        if not np.all(a > 0):
            raise ValueError(f"{name} must be positive (v0, w in km/s, gamma in 1/km)")
    shape = np.broadcast_shapes(*(a.shape for a in ops))
    t = np.empty(shape)
    v = np.empty(shape)
    if t.size == 0:
        return t, v
    # blocks of whole rows of the broadcast (members x targets: a few thousand members at
    # a time), each operand copied flat into the block so the work stays in cache
    flat_shape = (1,) if not shape else shape
    ops = [np.broadcast_to(a, shape).reshape(flat_shape) if not shape else
           np.broadcast_to(a, shape) for a in ops]
    t_out, v_out = t.reshape(flat_shape), v.reshape(flat_shape)
    per_row = int(np.prod(flat_shape[1:], dtype=np.int64))
    rows = max(1, BLOCK // max(per_row, 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        for i in range(0, flat_shape[0], rows):
            block = [np.ascontiguousarray(a[i:i + rows]).reshape(-1) for a in ops]
            tb, vb = _transit_block(*block)
            n_rows = min(rows, flat_shape[0] - i)
            t_out[i:i + rows] = tb.reshape((n_rows,) + flat_shape[1:])
            v_out[i:i + rows] = vb.reshape((n_rows,) + flat_shape[1:])
    return t, v


def arrival_speed_kms(r_target_km, r0_km, v0_kms, w_kms, gamma_per_km):
    """Speed (km/s) of the front when it reaches ``r_target_km`` (see :func:`transit`)."""
    return transit(r_target_km, r0_km, v0_kms, w_kms, gamma_per_km)[1]


def launch_time_s(arrival_s, r_target_km, r0_km, v0_kms, w_kms, gamma_per_km):
    """Backward: when the front was at r0, given its arrival at ``r_target_km``.

    Parameters
    ----------
    arrival_s : float or ndarray, s
        Arrival time at the target (Unix seconds, or any common origin).
    r_target_km, r0_km : float or ndarray, km
        Target and starting distances.
    v0_kms, w_kms : float or ndarray, km/s
        Speed at r0 and ambient wind speed.
    gamma_per_km : float or ndarray, 1/km
        Drag parameter.

    Returns
    -------
    ndarray, s
        Launch time at r0 (same origin as ``arrival_s``).
    """
    t, _ = transit(r_target_km, r0_km, v0_kms, w_kms, gamma_per_km)
    return np.asarray(arrival_s, dtype=float) - t


def backward(arrival_s, r_from_km, r_to_km, r0_km, v0_kms, w_kms, gamma_per_km):
    """Backward to another body: from an arrival at ``r_from_km`` to the launch time at
    r0 and the arrival time and speed at ``r_to_km`` (same radial front).

    Parameters
    ----------
    arrival_s : float or ndarray, s
        Observed arrival time at the first body.
    r_from_km : float or ndarray, km
        Distance of that body.
    r_to_km : float or ndarray, km
        Distance of the other body (NaN results if inside r0).
    r0_km : float or ndarray, km
        Launch distance.
    v0_kms, w_kms : float or ndarray, km/s
        Speed at r0 and ambient wind speed.
    gamma_per_km : float or ndarray, 1/km
        Drag parameter.

    Returns
    -------
    launch_s : ndarray, s
        Time at r0.
    other_s : ndarray, s
        Arrival time at ``r_to_km`` (earlier than ``arrival_s`` if that body is closer).
    other_speed_kms : ndarray, km/s
        Speed at ``r_to_km``.
    """
    launch = launch_time_s(arrival_s, r_from_km, r0_km, v0_kms, w_kms, gamma_per_km)
    t_other, v_other = transit(r_to_km, r0_km, v0_kms, w_kms, gamma_per_km)
    return launch, launch + t_other, v_other


# --- cone geometry ------------------------------------------------------------------------


def angular_separation_rad(lon1_rad, lat1_rad, lon2_rad, lat2_rad):
    """Great-circle angle between two directions (haversine, exact near 0 and pi).

    Parameters
    ----------
    lon1_rad, lat1_rad, lon2_rad, lat2_rad : float or ndarray, rad
        Longitudes and latitudes of the two directions (any heliocentric frame).

    Returns
    -------
    ndarray, rad
        Separation in [0, pi].
    """
    dlon = np.asarray(lon2_rad, dtype=float) - lon1_rad
    dlat = np.asarray(lat2_rad, dtype=float) - lat1_rad
    h = np.sin(dlat / 2) ** 2 + np.cos(lat1_rad) * np.cos(lat2_rad) * np.sin(dlon / 2) ** 2
    return 2.0 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def cone_shape_factor(delta_rad, half_width_rad):
    """Distance of the leading edge at angle ``delta`` from the apex, over the apex
    distance, for the DBM cone: (cos d + sqrt(tan^2 w - sin^2 d)) / (1 + tan w).

    A semicircle whose ends lie on the cone flanks at half-width w (Zic et al. 2015; the
    Hvar DBM tools, Dumbovic et al. 2021). NaN outside the half-width (a miss).

    Parameters
    ----------
    delta_rad : float or ndarray, rad
        Angle between the CME apex direction and the target.
    half_width_rad : float or ndarray, rad
        Cone half-width (capped at :data:`MAX_HALF_WIDTH_RAD`).

    Returns
    -------
    ndarray
        Factor in (0, 1] inside the cone, NaN outside.
    """
    d = np.abs(np.asarray(delta_rad, dtype=float))
    lam = np.asarray(half_width_rad, dtype=float)
    tan_w = np.tan(np.minimum(lam, MAX_HALF_WIDTH_RAD))
    sin_d = np.sin(d)
    with np.errstate(invalid="ignore"):
        root = np.sqrt(np.maximum(tan_w * tan_w - sin_d * sin_d, 0.0))
        factor = (np.cos(d) + root) / (1.0 + tan_w)
    return np.where(d < lam, factor, np.nan)


@dataclass
class Arrival:
    """Per target (and member): hit, transit (s) and arrival speed (km/s); NaN on a miss."""

    hit: np.ndarray
    transit_s: np.ndarray
    speed_kms: np.ndarray


GEOMETRIES = ("self-similar", "flattening")


def cone_arrival(r_target_km, delta_rad, half_width_rad, r0_km, v0_kms, w_kms, gamma_per_km,
                 geometry: str = "self-similar") -> Arrival:
    """DBM arrival at a target at angle ``delta_rad`` from the CME apex (2-D cone DBM).

    ``self-similar``: the leading edge keeps its shape; the apex follows the DBM from
    (r0, v0) and the edge point towards the target is at factor x apex distance, so the
    target at R is reached when the apex is at R / factor, with speed factor x apex speed.
    ``flattening`` (Zic et al. 2015): each point of the initial edge starts at
    (factor r0, factor v0) and moves radially with its own DBM; the flanks, slower, are
    braked less and the edge flattens. Both reduce to the 1-D DBM on the axis. A target is
    hit only strictly inside the half-width.

    Parameters
    ----------
    r_target_km : float or ndarray, km
        Target heliocentric distance.
    delta_rad : float or ndarray, rad
        Angle between the apex direction and the target.
    half_width_rad : float or ndarray, rad
        Cone half-width.
    r0_km : float or ndarray, km
        Apex distance at launch.
    v0_kms, w_kms : float or ndarray, km/s
        Apex speed at r0 and ambient wind speed.
    gamma_per_km : float or ndarray, 1/km
        Drag parameter.
    geometry : {"self-similar", "flattening"}
        Leading-edge evolution.

    Returns
    -------
    Arrival
        hit (bool), transit_s (s after the apex was at r0) and speed_kms, NaN on a miss.
    """
    if geometry not in GEOMETRIES:
        raise ValueError(f"unknown geometry {geometry!r}: one of {', '.join(GEOMETRIES)}")
    factor = cone_shape_factor(delta_rad, half_width_rad)
    hit = np.isfinite(factor)
    safe = np.where(hit, factor, 1.0)
    if geometry == "self-similar":
        t, v_apex = transit(np.asarray(r_target_km, dtype=float) / safe, r0_km, v0_kms, w_kms,
                            gamma_per_km)
        v = v_apex * safe
    else:
        t, v = transit(r_target_km, np.asarray(r0_km, dtype=float) * safe,
                       np.asarray(v0_kms, dtype=float) * safe, w_kms, gamma_per_km)
    return Arrival(hit, np.where(hit, t, np.nan), np.where(hit, v, np.nan))


def cone_launch_time_s(arrival_s, r_target_km, delta_rad, half_width_rad, r0_km, v0_kms,
                       w_kms, gamma_per_km, geometry: str = "self-similar"):
    """Backward for the cone DBM: when the apex was at r0, given an arrival at a target.

    Parameters
    ----------
    arrival_s : float or ndarray, s
        Arrival time at the target.
    r_target_km : float or ndarray, km
        Target distance.
    delta_rad, half_width_rad : float or ndarray, rad
        Target angle from the apex and cone half-width.
    r0_km : float or ndarray, km
        Apex launch distance.
    v0_kms, w_kms : float or ndarray, km/s
        Apex speed at r0 and ambient wind speed.
    gamma_per_km : float or ndarray, 1/km
        Drag parameter.
    geometry : {"self-similar", "flattening"}
        Leading-edge evolution.

    Returns
    -------
    ndarray, s
        Launch time; NaN where the target lies outside the cone (it could not have been
        hit).
    """
    a = cone_arrival(r_target_km, delta_rad, half_width_rad, r0_km, v0_kms, w_kms,
                     gamma_per_km, geometry)
    return np.asarray(arrival_s, dtype=float) - a.transit_s


# --- ensembles ----------------------------------------------------------------------------


@dataclass
class Spread:
    """One-sigma spreads of the DBEM inputs (0 = fixed).

    Attributes: v0_kms (km/s), w_kms (km/s), gamma_per_km (1/km), lon_rad, lat_rad,
    half_width_rad (rad), r0_km (km), t0_s (s, launch-time spread).
    """

    v0_kms: float = 0.0
    w_kms: float = 0.0
    gamma_per_km: float = 0.0
    lon_rad: float = 0.0
    lat_rad: float = 0.0
    half_width_rad: float = 0.0
    r0_km: float = 0.0
    t0_s: float = 0.0


#: Lower bounds of drawn members (DBEMv3 style truncation of the normal draws).
MIN_SPEED_KMS = 50.0
MIN_GAMMA_PER_KM = 1e-10
MIN_HALF_WIDTH_RAD = np.radians(1.0)


def draw_members(n: int, v0_kms, w_kms, gamma_per_km, lon_rad, lat_rad, half_width_rad, r0_km,
                 spread: Spread, seed: int | None = None,
                 t0_s: float = 0.0) -> dict[str, np.ndarray]:
    """Draw ``n`` DBEM members from normal distributions around the given values.

    Draws are truncated to physical values (speeds >= 50 km/s, gamma >= 1e-10 /km,
    1 deg <= half-width <= 89.9 deg, latitude within +/-90 deg, r0 >= 1 km). A zero sigma
    gives exactly the central value for every member.

    Parameters
    ----------
    n : int
        Number of members.
    v0_kms, w_kms : float, km/s
        Central launch and wind speeds.
    gamma_per_km : float, 1/km
        Central drag parameter.
    lon_rad, lat_rad : float, rad
        Central apex direction.
    half_width_rad : float, rad
        Central half-width.
    r0_km : float, km
        Central launch distance.
    spread : Spread
        One-sigma spreads.
    seed : int, optional
        Random seed (numpy ``default_rng``).
    t0_s : float, s
        Central launch-time offset (members get t0_s + N(0, spread.t0_s)).

    Returns
    -------
    dict of str to ndarray
        Keys v0_kms, w_kms, gamma_per_km, lon_rad, lat_rad, half_width_rad, r0_km, t0_s.
    """
    if n < 1:
        raise ValueError(f"ensemble size must be >= 1, not {n}")
    rng = np.random.default_rng(seed)

    def draw(mean, sigma, low=None, high=None):
        if sigma < 0:
            raise ValueError(f"sigma must be >= 0, not {sigma}")
        x = np.full(n, float(mean)) if not sigma else rng.normal(float(mean), sigma, n)
        return np.clip(x, low, high) if (low is not None or high is not None) else x

    return {
        "v0_kms": draw(v0_kms, spread.v0_kms, MIN_SPEED_KMS),
        "w_kms": draw(w_kms, spread.w_kms, MIN_SPEED_KMS),
        "gamma_per_km": draw(gamma_per_km, spread.gamma_per_km, MIN_GAMMA_PER_KM),
        "lon_rad": draw(lon_rad, spread.lon_rad),
        "lat_rad": draw(lat_rad, spread.lat_rad, -np.pi / 2, np.pi / 2),
        "half_width_rad": draw(half_width_rad, spread.half_width_rad, MIN_HALF_WIDTH_RAD,
                               MAX_HALF_WIDTH_RAD),
        "r0_km": draw(r0_km, spread.r0_km, 1.0),
        "t0_s": draw(t0_s, spread.t0_s),
    }


@dataclass
class EnsembleSummary:
    """Per target: hit probability, arrival-time (s after the nominal t0) and arrival-speed
    percentiles over the members that hit (NaN where none hit)."""

    hit_probability: np.ndarray
    transit_p05_s: np.ndarray
    transit_p50_s: np.ndarray
    transit_p95_s: np.ndarray
    speed_p05_kms: np.ndarray
    speed_p50_kms: np.ndarray
    speed_p95_kms: np.ndarray
    members: int = 0
    hits: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))


def _unit(lon, lat):
    c = np.cos(lat)
    return np.stack([c * np.cos(lon), c * np.sin(lon), np.sin(lat)], axis=-1)


def ensemble(members: dict[str, np.ndarray], r_target_km, lon_target_rad, lat_target_rad,
             geometry: str = "self-similar") -> tuple[Arrival, EnsembleSummary]:
    """Run every member against every target and summarise (DBEM).

    Parameters
    ----------
    members : dict of str to ndarray
        From :func:`draw_members`, each of shape (n,). ``t0_s`` (optional) shifts each
        member's launch; transits are counted from the nominal t0.
    r_target_km : array_like, km
        Target distances, shape (m,).
    lon_target_rad, lat_target_rad : array_like, rad
        Target directions, shape (m,), in the frame of the members' directions.
    geometry : {"self-similar", "flattening"}
        Cone geometry.

    Returns
    -------
    arrival : Arrival
        Arrays (n, m).
    summary : EnsembleSummary
        Arrays (m,).
    """
    if geometry not in GEOMETRIES:
        raise ValueError(f"unknown geometry {geometry!r}: one of {', '.join(GEOMETRIES)}")
    col = {k: np.asarray(v, dtype=float) for k, v in members.items()}
    n = len(col["v0_kms"])
    r_t = np.atleast_1d(np.asarray(r_target_km, dtype=float))
    m = len(r_t)
    u_t = _unit(np.atleast_1d(lon_target_rad), np.atleast_1d(lat_target_rad))  # (m, 3)
    tan_w = np.tan(np.minimum(col["half_width_rad"], MAX_HALF_WIDTH_RAD))
    cos_hw = np.cos(col["half_width_rad"])
    t0 = col.get("t0_s")
    # target-major (m, n): each target's members contiguous for the percentiles; the
    # Arrival holds (n, m) views of these
    hit = np.empty((m, n), dtype=bool)
    t = np.empty((m, n))
    v = np.empty((m, n))
    rows = max(1, BLOCK // max(m, 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        for i0 in range(0, n, rows):
            sl = slice(i0, i0 + rows)
            cos_d = u_t @ _unit(col["lon_rad"][sl], col["lat_rad"][sl]).T  # (m, rows)
            h = cos_d > cos_hw[sl]
            hit[:, sl] = h
            t[:, sl] = np.nan
            v[:, sl] = np.nan
            flat = np.flatnonzero(h)
            if not flat.size:
                continue
            nr = h.shape[1]
            j, i = np.divmod(flat, nr)  # target, member in the block: only the hits run
            c = np.minimum(cos_d.reshape(-1)[flat], 1.0)
            tw = tan_w[sl][i]
            # the shape factor straight from cos(delta): sin^2(delta) = 1 - cos^2(delta)
            f = np.sqrt(np.maximum(tw * tw - (1.0 - c * c), 0.0))
            f += c
            f /= 1.0 + tw
            r0, v0 = col["r0_km"][sl][i], col["v0_kms"][sl][i]
            w, g = col["w_kms"][sl][i], col["gamma_per_km"][sl][i]
            if geometry == "self-similar":
                tb, vb = _transit_block(r_t[j] / f, r0, v0, w, g)
                vb *= f
            else:
                tb, vb = _transit_block(r_t[j], r0 * f, v0 * f, w, g)
            if t0 is not None:
                tb += t0[sl][i]
            t[j, i0 + i] = tb
            v[j, i0 + i] = vb
    arrival = Arrival(hit.T, t.T, v.T)
    return arrival, summarise(arrival)


def _percentiles(values: np.ndarray, hit: np.ndarray) -> np.ndarray:
    """5/50/95th percentiles (linear interpolation) of each column's hitting members."""
    out = np.full((3, values.shape[1]), np.nan)
    by_target = np.ascontiguousarray(values.T)  # no copy for ensemble() output
    hit_t = np.ascontiguousarray(hit.T)
    for j in range(values.shape[1]):
        x = by_target[j][hit_t[j]]
        if x.size:
            out[:, j] = np.percentile(x, [5.0, 50.0, 95.0], overwrite_input=True)
    return out


def summarise(arrival: Arrival) -> EnsembleSummary:
    """Summary over members (axis 0): hit fraction and percentiles of the hits.

    Parameters
    ----------
    arrival : Arrival
        Arrays (n, m) of an ensemble run.

    Returns
    -------
    EnsembleSummary
        Arrays (m,); percentiles NaN for targets no member hits.
    """
    hit = np.asarray(arrival.hit, dtype=bool)
    t = np.asarray(arrival.transit_s, dtype=float)
    v = np.asarray(arrival.speed_kms, dtype=float)
    if t.ndim == 1:
        hit, t, v = hit[:, None], t[:, None], v[:, None]
    ok = hit & np.isfinite(t)
    tq, vq = _percentiles(t, ok), _percentiles(v, ok)
    n = t.shape[0]
    prob = ok.sum(axis=0) / n if n else np.full(t.shape[1], np.nan)
    return EnsembleSummary(prob, tq[0], tq[1], tq[2], vq[0], vq[1], vq[2], members=n,
                           hits=ok.sum(axis=0))
