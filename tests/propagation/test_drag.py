"""Drag-based model: published values (shared/reference/propagation.md section 3), an
independent ODE integration (scipy solve_ivp), the Lambert-W closed form of the inverse,
cone geometry from first principles, and ensemble statistics from the normal law."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp
from scipy.special import lambertw
from scipy.stats import norm

from propagation import drag
from propagation.constants import AU_KM, R_SUN_KM

HOUR = 3600.0
R0 = 20 * R_SUN_KM


def _ivp(r0, v0, w, g, r_target):
    """Arrival time and speed by integrating dv/dt = -gamma (v - w)|v - w| (independent)."""
    def rhs(_t, y):
        return [y[1], -g * (y[1] - w) * abs(y[1] - w)]

    def reach(_t, y):
        return y[0] - r_target

    reach.terminal = True
    sol = solve_ivp(rhs, (0, 1e8), [r0, v0], events=reach, rtol=1e-11, atol=1e-6,
                    method="DOP853")
    return sol.t_events[0][0], sol.y_events[0][0][1]


def _lambert(r_target, r0, v0, w, g):
    """The inverse in closed form: with k = w/|dv|, c = g D and y = 1 + g|dv| t,
    s k y = W(s k e^{s(c + k)}): principal branch for v0 > w, the -1 branch for v0 < w."""
    dv = v0 - w
    k, c = w / abs(dv), g * (r_target - r0)
    if dv > 0:
        y = lambertw(k * math.exp(c + k)).real / k
    else:
        y = -lambertw(-k * math.exp(-(c + k)), -1).real / k
    return (y - 1) / (g * abs(dv))


def test_published_worked_example():
    """astronish16/DBM--Drag-Based-Model DBM_Forecast.ipynb (ODE): 46.87 h, 621.235 km/s,
    2012-10-29 15:46 UT from 2012-10-27 16:54 at R0 = 19.33 Rs to 215 Rs."""
    t, v = drag.transit(215 * R_SUN_KM, 19.33 * R_SUN_KM, 1273.0, 400.0, 0.2e-7)
    assert t / HOUR == pytest.approx(46.87, abs=0.005)
    assert v == pytest.approx(621.235, abs=0.001)
    arrival = np.datetime64("2012-10-27T16:54", "s") + np.timedelta64(int(round(float(t))), "s")
    assert str(arrival)[:16] == "2012-10-29T15:46"


@pytest.mark.parametrize("v0, w, gamma, hours, speed", [
    (1000, 400, 0.2e-7, 52.92, 582.6), (1000, 400, 1e-7, 74.51, 435.1),
    (500, 400, 0.2e-7, 78.65, 463.8), (300, 400, 0.2e-7, 115.20, 345.3),
    (300, 400, 1e-7, 105.09, 379.1), (1500, 450, 0.1e-7, 33.38, 914.3),
])
def test_reference_table(v0, w, gamma, hours, speed):
    """propagation.md section 3: R0 = 20 Rs to 1 AU (values to the printed digits)."""
    t, v = drag.transit(AU_KM, R0, v0, w, gamma)
    assert t / HOUR == pytest.approx(hours, abs=0.005)
    assert v == pytest.approx(speed, abs=0.05)


def test_vectorised_against_solve_ivp():
    """One vectorised call against one ODE integration per case (v0 above and below w)."""
    rng = np.random.default_rng(3)
    v0 = np.r_[rng.uniform(600, 2500, 6), rng.uniform(120, 300, 4)]
    w = rng.uniform(320, 700, 10)
    g = rng.uniform(0.1e-7, 2e-7, 10)
    r_t = rng.uniform(0.3, 5.0, 10) * AU_KM
    t, v = drag.transit(r_t, R0, v0, w, g)
    for i in range(10):
        t_ref, v_ref = _ivp(R0, v0[i], w[i], g[i], r_t[i])
        assert t[i] == pytest.approx(t_ref, abs=0.5)  # s
        assert v[i] == pytest.approx(v_ref, abs=1e-4)


def test_against_lambert_w_closed_form():
    rng = np.random.default_rng(4)
    v0, w = rng.uniform(100, 3000, 300), rng.uniform(200, 800, 300)
    g = 10 ** rng.uniform(-9, -6.7, 300)
    r_t = rng.uniform(0.1, 2.0, 300) * AU_KM
    t, _ = drag.transit(r_t, R0, v0, w, g)
    ref = np.array([_lambert(r_t[i], R0, v0[i], w[i], g[i]) for i in range(300)])
    # the -1 branch near -1/e loses digits in scipy, hence a relative 1e-6
    np.testing.assert_allclose(t, ref, rtol=1e-6)


def test_residual_over_extreme_ranges():
    """r(t) - R over 5 decades of gamma and distance, v0 from 50 to 4000 km/s."""
    rng = np.random.default_rng(5)
    n = 50_000
    v0, w = rng.uniform(50, 4000, n), rng.uniform(150, 900, n)
    g = 10 ** rng.uniform(-11, -6, n)
    r_t = R0 + 10 ** rng.uniform(-4, 2, n) * AU_KM
    t, v = drag.transit(r_t, R0, v0, w, g)
    dt = np.abs(drag.distance_km(t, R0, v0, w, g) - r_t) / v
    assert np.all(np.isfinite(t)) and dt.max() < 1e-3  # s
    np.testing.assert_allclose(v, drag.speed_kms(t, v0, w, g), rtol=1e-12)
    lo, hi = np.minimum(v0, w), np.maximum(v0, w)
    assert np.all((v >= lo - 1e-9) & (v <= hi + 1e-9))


def test_equal_speeds_at_and_inside_r0_and_bad_input():
    t, v = drag.transit(AU_KM, R0, 400.0, 400.0, 1e-7)
    assert t == pytest.approx((AU_KM - R0) / 400.0, rel=1e-14) and v == 400.0
    assert drag.distance_km(100.0, R0, 400.0, 400.0, 1e-7) == pytest.approx(R0 + 40_000.0)
    t, v = drag.transit(R0, R0, 800.0, 400.0, 1e-7)
    assert t == 0.0 and v == pytest.approx(800.0)
    t, _ = drag.transit(10 * R_SUN_KM, R0, 800.0, 400.0, 1e-7)
    assert np.isnan(t)
    for bad in ({"v0_kms": -5.0}, {"w_kms": 0.0}, {"gamma_per_km": -1e-7},
                {"v0_kms": np.nan}):
        args = {"v0_kms": 900.0, "w_kms": 400.0, "gamma_per_km": 1e-7, **bad}
        with pytest.raises(ValueError, match="positive"):
            drag.transit(AU_KM, R0, **args)


def test_broadcast_events_targets_members():
    """(events, targets, members) axes give the same numbers as scalar calls."""
    v0 = np.array([700.0, 1500.0])[:, None, None]
    r_t = np.array([0.4, 1.0, 5.2])[None, :, None] * AU_KM
    g = np.array([0.1e-7, 0.5e-7, 1e-7, 2e-7])[None, None, :]
    t, v = drag.transit(r_t, R0, v0, 420.0, g)
    assert t.shape == v.shape == (2, 3, 4)
    for i, j, k in [(0, 0, 0), (1, 2, 3), (0, 1, 2), (1, 0, 1)]:
        ts, vs = drag.transit(r_t[0, j, 0], R0, v0[i, 0, 0], 420.0, g[0, 0, k])
        assert t[i, j, k] == ts and v[i, j, k] == vs
    big_t, _ = drag.transit(np.full((3, 20_000), AU_KM), R0, 900.0, 400.0, 1e-7)
    assert np.all(big_t == big_t[0, 0])  # blocks split rows consistently


@settings(max_examples=60, deadline=None)
@given(st.floats(150, 3000), st.floats(200, 800), st.floats(1e-9, 3e-7),
       st.floats(0.3, 10.0), st.floats(0.0, 1e9))
def test_forward_then_backward_returns_start(v0, w, g, r_au, t0):
    t, _ = drag.transit(r_au * AU_KM, R0, v0, w, g)
    back = drag.launch_time_s(t0 + t, r_au * AU_KM, R0, v0, w, g)
    assert back == pytest.approx(t0, abs=1e-3)
    launch, at_mars, _ = drag.backward(t0 + t, r_au * AU_KM, 1.52 * AU_KM, R0, v0, w, g)
    t_mars, _ = drag.transit(1.52 * AU_KM, R0, v0, w, g)
    assert launch == pytest.approx(t0, abs=1e-3)
    assert at_mars == pytest.approx(t0 + t_mars, abs=1e-3)


@settings(max_examples=60, deadline=None)
@given(st.floats(150, 3000), st.floats(200, 800), st.floats(1e-9, 3e-7))
def test_arrival_grows_with_distance_and_shrinks_with_speed(v0, w, g):
    r = np.array([0.3, 0.5, 1.0, 1.5, 5.2, 30.0]) * AU_KM
    t, _ = drag.transit(r, R0, v0, w, g)
    assert np.all(np.diff(t) > 0)
    faster, _ = drag.transit(AU_KM, R0, v0 * 1.2, w, g)
    slower, _ = drag.transit(AU_KM, R0, v0, w, g)
    assert faster < slower


# --- cone geometry ------------------------------------------------------------------------


@pytest.mark.parametrize("half_width_deg, delta_deg", [(30, 0), (30, 20), (45, 44),
                                                       (60, 10), (80, 70)])
def test_cone_shape_factor_is_the_semicircle(half_width_deg, delta_deg):
    """Semicircle centred at a = 1/(1 + tan w) on the axis, radius a tan w (its ends on
    the flanks): the ray at delta meets it where |rho u - a e| = a tan w."""
    lam, d = np.radians(half_width_deg), np.radians(delta_deg)
    a = 1.0 / (1.0 + np.tan(lam))
    roots = np.roots([1.0, -2 * a * np.cos(d), a * a - (a * np.tan(lam)) ** 2])
    rho = max(roots.real)
    assert drag.cone_shape_factor(d, lam) == pytest.approx(rho, rel=1e-12)
    assert np.isnan(drag.cone_shape_factor(np.radians(half_width_deg + 1), lam))


def test_cone_geometries_against_ode():
    lam, r_t, v0, w, g = np.radians(45), AU_KM, 1000.0, 400.0, 0.2e-7
    apex_t, apex_v = drag.transit(r_t, R0, v0, w, g)
    for geometry in drag.GEOMETRIES:  # on the axis both are the 1-D DBM
        a = drag.cone_arrival(r_t, 0.0, lam, R0, v0, w, g, geometry)
        assert a.hit and a.transit_s == pytest.approx(apex_t) and a.speed_kms == apex_v
    flank = np.radians(30)
    f = (np.cos(flank) + np.sqrt(np.tan(lam) ** 2 - np.sin(flank) ** 2)) / (1 + np.tan(lam))
    ss = drag.cone_arrival(r_t, flank, lam, R0, v0, w, g)
    t_apex, v_apex = _ivp(R0, v0, w, g, r_t / f)  # the apex reaches R/f
    assert ss.transit_s == pytest.approx(t_apex, abs=0.5)
    assert ss.speed_kms == pytest.approx(f * v_apex, abs=1e-3)
    fl = drag.cone_arrival(r_t, flank, lam, R0, v0, w, g, "flattening")
    t_fl, v_fl = _ivp(f * R0, f * v0, w, g, r_t)  # astronish16 ADBM_Flattening_Cone
    assert fl.transit_s == pytest.approx(t_fl, abs=0.5)
    assert fl.speed_kms == pytest.approx(v_fl, abs=1e-3)
    assert apex_t < fl.transit_s < ss.transit_s  # the flattened front lags less
    miss = drag.cone_arrival(r_t, np.radians(50), lam, R0, v0, w, g)
    assert not miss.hit and np.isnan(miss.transit_s) and np.isnan(miss.speed_kms)
    with pytest.raises(ValueError, match="geometry"):
        drag.cone_arrival(r_t, 0.0, lam, R0, v0, w, g, "pancake")


# --- ensembles ----------------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(st.floats(300, 2500), st.floats(250, 700), st.floats(1e-8, 2e-7),
       st.floats(-0.5, 0.5), st.floats(0.2, 1.2), st.sampled_from(drag.GEOMETRIES))
def test_ensemble_of_zero_spread_equals_single_run(v0, w, g, lon, hw, geometry):
    members = drag.draw_members(64, v0, w, g, lon, 0.0, hw, R0, drag.Spread(), seed=1)
    targets_lon = np.array([0.0, lon + hw + 0.1])
    _, s = drag.ensemble(members, [AU_KM, 1.5 * AU_KM], targets_lon, [0.0, 0.0], geometry)
    single = drag.cone_arrival(AU_KM, abs(lon), hw, R0, v0, w, g, geometry)
    assert s.hit_probability[0] == float(single.hit)
    if single.hit:
        for q in (s.transit_p05_s, s.transit_p50_s, s.transit_p95_s):
            assert q[0] == pytest.approx(float(single.transit_s), rel=1e-12)
        assert s.speed_p50_kms[0] == pytest.approx(float(single.speed_kms), rel=1e-12)
    assert s.hit_probability[1] == 0.0 and np.isnan(s.transit_p50_s[1])


def test_ensemble_members_equal_single_runs():
    members = drag.draw_members(3000, 1100, 420, 0.3e-7, 0.1, 0.05, np.radians(40), R0,
                                drag.Spread(250, 60, 0.1e-7, 0.2, 0.1, 0.1, R_SUN_KM),
                                seed=7)
    lon_t, lat_t = np.array([0.0, 0.5, -0.3]), np.array([0.0, 0.05, -0.02])
    r_t = np.array([AU_KM, 1.52 * AU_KM, 0.72 * AU_KM])
    for geometry in drag.GEOMETRIES:
        arr, _ = drag.ensemble(members, r_t, lon_t, lat_t, geometry)
        for i in (0, 17, 2999):
            for j in range(3):
                m = {k: v[i] for k, v in members.items()}
                d = drag.angular_separation_rad(m["lon_rad"], m["lat_rad"], lon_t[j], lat_t[j])
                one = drag.cone_arrival(r_t[j], d, m["half_width_rad"], m["r0_km"],
                                        m["v0_kms"], m["w_kms"], m["gamma_per_km"], geometry)
                assert arr.hit[i, j] == one.hit
                if one.hit:
                    assert arr.transit_s[i, j] == pytest.approx(float(one.transit_s), rel=1e-9)
                    assert arr.speed_kms[i, j] == pytest.approx(float(one.speed_kms), rel=1e-9)


def test_hit_probability_follows_the_normal_law():
    """Direction spread in longitude only: P(hit) = Phi((d + w)/s) - Phi((d - w)/s)."""
    n, sigma, hw = 200_000, np.radians(20), np.radians(30)
    members = drag.draw_members(n, 1000, 400, 0.2e-7, 0.0, 0.0, hw, R0,
                                drag.Spread(lon_rad=sigma), seed=2)
    lon_t = np.radians([0.0, 25.0, 50.0])
    _, s = drag.ensemble(members, np.full(3, AU_KM), lon_t, np.zeros(3))
    expected = norm.cdf((lon_t + hw) / sigma) - norm.cdf((lon_t - hw) / sigma)
    np.testing.assert_allclose(s.hit_probability, expected, atol=0.004)  # ~4 binomial sd
    assert s.transit_p05_s[1] < s.transit_p50_s[1] < s.transit_p95_s[1]
    assert s.speed_p05_kms[1] < s.speed_p95_kms[1]


def test_launch_time_spread_shifts_percentiles():
    n, sigma_t = 100_000, 3 * HOUR
    members = drag.draw_members(n, 900, 400, 0.3e-7, 0.0, 0.0, np.radians(45), R0,
                                drag.Spread(t0_s=sigma_t), seed=3)
    _, s = drag.ensemble(members, [AU_KM], [0.0], [0.0])
    t_single, _ = drag.transit(AU_KM, R0, 900, 400, 0.3e-7)
    assert s.transit_p50_s[0] == pytest.approx(t_single, abs=0.02 * sigma_t)
    assert s.transit_p95_s[0] - s.transit_p05_s[0] == pytest.approx(
        2 * 1.6449 * sigma_t, rel=0.02)
    with pytest.raises(ValueError, match="sigma"):
        drag.draw_members(10, 900, 400, 0.3e-7, 0, 0, 0.5, R0, drag.Spread(v0_kms=-1))


def test_fallback_solver_converges_from_the_bracket_ends():
    """The safeguarded Newton-bisection alone, started at the worst end of the bracket,
    reaches the same root as the Halley path (the bracket always holds the root)."""
    rng = np.random.default_rng(8)
    v0, w = rng.uniform(100, 3000, 500), rng.uniform(200, 800, 500)
    g, d = 10 ** rng.uniform(-10, -6, 500), rng.uniform(0.01, 30, 500) * AU_KM
    dv = v0 - w
    s, k, c = np.sign(dv), w / np.abs(dv), g * d
    lo, hi = c / (k + np.maximum(s, 0)), c / (k + np.minimum(s, 0))
    x = drag._safeguarded(np.where(s > 0, hi, lo), k, s, c, lo, hi)
    t, _ = drag.transit(R0 + d, R0, v0, w, g)
    np.testing.assert_allclose(x / (g * np.abs(dv)), t, rtol=1e-10)


@settings(max_examples=40, deadline=None)
@given(st.floats(300, 2500), st.floats(250, 700), st.floats(1e-8, 2e-7), st.floats(0.0, 0.7),
       st.floats(0.3, 5.0), st.sampled_from(drag.GEOMETRIES))
def test_cone_forward_then_backward(v0, w, g, delta, r_au, geometry):
    hw = 0.8
    a = drag.cone_arrival(r_au * AU_KM, delta, hw, R0, v0, w, g, geometry)
    back = drag.cone_launch_time_s(1e9 + a.transit_s, r_au * AU_KM, delta, hw, R0, v0, w, g,
                                   geometry)
    assert back == pytest.approx(1e9, abs=1e-3)
    farther = drag.cone_arrival(r_au * AU_KM, min(delta + 0.05, 0.79), hw, R0, v0, w, g,
                                geometry)
    assert farther.transit_s >= a.transit_s  # the flanks lag the apex
