"""Drag-based model against published values and an independent ODE integration."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propagation import drag
from propagation.constants import AU_KM, R_SUN_KM

HOUR = 3600.0


def test_published_worked_example():
    """astronish16/DBM--Drag-Based-Model DBM_Forecast.ipynb: 46.87 h and 621.235 km/s."""
    t, v = drag.transit(215 * R_SUN_KM, 19.33 * R_SUN_KM, 1273.0, 400.0, 0.2e-7)
    assert t / HOUR == pytest.approx(46.87, abs=0.005)
    assert v == pytest.approx(621.235, abs=0.01)
    t0 = np.datetime64("2012-10-27T16:54", "s")
    arrival = t0 + np.timedelta64(int(round(float(t))), "s")
    assert str(arrival)[:16] == "2012-10-29T15:46"


@pytest.mark.parametrize("v0, w, gamma, hours, speed", [
    (1000, 400, 0.2e-7, 52.92, 582.6), (1000, 400, 1e-7, 74.51, 435.1),
    (500, 400, 0.2e-7, 78.65, 463.8), (300, 400, 0.2e-7, 115.20, 345.3),
    (300, 400, 1e-7, 105.09, 379.1), (1500, 450, 0.1e-7, 33.38, 914.3),
])
def test_reference_table(v0, w, gamma, hours, speed):
    """shared/reference/propagation.md section 3: R0 = 20 Rs to 1 AU."""
    t, v = drag.transit(AU_KM, 20 * R_SUN_KM, v0, w, gamma)
    assert t / HOUR == pytest.approx(hours, abs=0.006)
    assert v == pytest.approx(speed, abs=0.06)


def test_against_solve_ivp():
    from scipy.integrate import solve_ivp

    rng = np.random.default_rng(3)
    for v0, w, g in zip(rng.uniform(200, 2500, 8), rng.uniform(250, 700, 8),
                        rng.uniform(0.1e-7, 2e-7, 8), strict=True):
        def rhs(_t, y, w=w, g=g):
            return [y[1], -g * (y[1] - w) * abs(y[1] - w)]

        def hit(_t, y):
            return y[0] - AU_KM

        hit.terminal = True
        sol = solve_ivp(rhs, (0, 3e6), [20 * R_SUN_KM, v0], events=hit, rtol=1e-10,
                        atol=1e-6)
        t, v = drag.transit(AU_KM, 20 * R_SUN_KM, v0, w, g)
        assert t == pytest.approx(sol.t_events[0][0], abs=1.0)
        assert v == pytest.approx(sol.y_events[0][0][1], abs=1e-3)


def test_equal_speeds_and_inside_r0():
    t, v = drag.transit(AU_KM, 20 * R_SUN_KM, 400.0, 400.0, 1e-7)
    assert t == pytest.approx((AU_KM - 20 * R_SUN_KM) / 400.0) and v == 400.0
    t, _ = drag.transit(10 * R_SUN_KM, 20 * R_SUN_KM, 800.0, 400.0, 1e-7)
    assert np.isnan(t)
    with pytest.raises(ValueError, match="positive"):
        drag.transit(AU_KM, 20 * R_SUN_KM, -5.0, 400.0, 1e-7)


@settings(max_examples=60, deadline=None)
@given(st.floats(150, 3000), st.floats(200, 800), st.floats(1e-9, 3e-7),
       st.floats(0.3, 10.0), st.floats(0.0, 1e7))
def test_forward_then_backward_returns_start(v0, w, g, r_au, t0):
    t, _ = drag.transit(r_au * AU_KM, 20 * R_SUN_KM, v0, w, g)
    back = drag.launch_time_s(t0 + t, r_au * AU_KM, 20 * R_SUN_KM, v0, w, g)
    assert back == pytest.approx(t0, abs=1e-3)


@settings(max_examples=60, deadline=None)
@given(st.floats(150, 3000), st.floats(200, 800), st.floats(1e-9, 3e-7))
def test_monotonic_in_distance_and_speed(v0, w, g):
    r = np.array([0.5, 1.0, 1.5, 5.2]) * AU_KM
    t, _ = drag.transit(r, 20 * R_SUN_KM, v0, w, g)
    assert np.all(np.diff(t) > 0)
    faster, _ = drag.transit(AU_KM, 20 * R_SUN_KM, v0 * 1.2, w, g)
    slower, _ = drag.transit(AU_KM, 20 * R_SUN_KM, v0, w, g)
    assert faster < slower


def test_cone_geometries():
    lam = np.radians(45)
    # on the axis both geometries are the plain DBM
    apex = drag.transit(AU_KM, 20 * R_SUN_KM, 1000, 400, 0.2e-7)
    for geometry in ("self-similar", "flattening"):
        a = drag.cone_arrival(AU_KM, 0.0, lam, 20 * R_SUN_KM, 1000, 400, 0.2e-7, geometry)
        assert a.hit and a.transit_s == pytest.approx(apex[0])
    flank = np.radians(30)
    ss = drag.cone_arrival(AU_KM, flank, lam, 20 * R_SUN_KM, 1000, 400, 0.2e-7)
    fl = drag.cone_arrival(AU_KM, flank, lam, 20 * R_SUN_KM, 1000, 400, 0.2e-7, "flattening")
    assert ss.transit_s > apex[0] and fl.transit_s > apex[0]
    assert fl.transit_s < ss.transit_s  # the flattening front lags less on the flanks
    factor = (np.cos(flank) + np.sqrt(np.sin(lam) ** 2 - np.sin(flank) ** 2)) / (1 + np.sin(lam))
    t_eff, v_apex = drag.transit(AU_KM / factor, 20 * R_SUN_KM, 1000, 400, 0.2e-7)
    assert ss.transit_s == pytest.approx(t_eff) and ss.speed_kms == pytest.approx(
        v_apex * factor)
    miss = drag.cone_arrival(AU_KM, np.radians(50), lam, 20 * R_SUN_KM, 1000, 400, 0.2e-7)
    assert not miss.hit and np.isnan(miss.transit_s)


def test_ensemble_of_zero_spread_equals_single_run():
    members = drag.draw_members(50, 1000, 400, 0.2e-7, 0.1, 0.0, np.radians(40), 20 * R_SUN_KM,
                                drag.Spread(), seed=1)
    arrival, summary = drag.ensemble(members, [AU_KM, 1.5 * AU_KM], [0.0, 2.0], [0.0, 0.0])
    single = drag.cone_arrival(AU_KM, 0.1, np.radians(40), 20 * R_SUN_KM, 1000, 400, 0.2e-7)
    assert summary.hit_probability.tolist() == [1.0, 0.0]
    assert summary.transit_p05_s[0] == pytest.approx(single.transit_s)
    assert summary.transit_p95_s[0] == pytest.approx(single.transit_s)
    assert np.isnan(summary.transit_p50_s[1])


def test_ensemble_spread_gives_ordered_percentiles_and_probability():
    members = drag.draw_members(20000, 1000, 400, 0.2e-7, 0.0, 0.0, np.radians(30),
                                20 * R_SUN_KM, drag.Spread(v0_kms=150, lon_rad=np.radians(20)),
                                seed=2)
    _, s = drag.ensemble(members, [AU_KM], [np.radians(25)], [0.0])
    assert 0.2 < s.hit_probability[0] < 0.8
    assert s.transit_p05_s[0] < s.transit_p50_s[0] < s.transit_p95_s[0]
    assert s.speed_p05_kms[0] < s.speed_p95_kms[0]
