"""Solar wind to the planets: ballistic mapping and the HUX upwind model, against analytic
solutions (constant wind, the Burgers shock speed) and conservation laws."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propagation import solarwind as sw
from propagation.constants import AU_KM, OMEGA_SUN_SYNODIC_RAD_S

DAY = 86400.0
T = np.arange(0, 27 * DAY, 3600.0)
ONES = np.ones_like(T)


def test_ballistic_delay_is_radial_plus_corotation():
    r = np.array([1.0, 1.52, 5.2]) * AU_KM
    lon = np.radians([0.0, 60.0, -30.0])
    p = sw.ballistic(T, 400 * ONES, 5 * ONES, 5 * ONES, 0.99 * AU_KM, 0.0, 0.0, r, lon,
                     np.zeros(3))
    expected = (r - 0.99 * AU_KM) / 400 + lon / OMEGA_SUN_SYNODIC_RAD_S
    np.testing.assert_allclose(p.t_unix_s - T[None, :], np.broadcast_to(expected[:, None],
                                                                       p.t_unix_s.shape))
    assert p.angle_deg.tolist() == pytest.approx([0.0, 60.0, 30.0])
    np.testing.assert_allclose(p.density_cm3[1], 5 * (0.99 / 1.52) ** 2)
    np.testing.assert_allclose(p.pressure_npa[0], 1.6726219e-6 * 5 * (0.99) ** 2 * 400**2)


def test_parker_field_scaling():
    # at 1 AU and 400 km/s the spiral angle is ~45 deg: |B| = sqrt(2) B_r
    b = sw.parker_b_nt(5.0, AU_KM, 2 * AU_KM, 400.0)
    tan1 = OMEGA_SUN_SYNODIC_RAD_S * AU_KM / 400
    br2 = 5.0 / np.sqrt(1 + tan1**2) / 4
    assert b == pytest.approx(br2 * np.sqrt(1 + (2 * tan1) ** 2))


def test_ballistic_counts_overtaking():
    v = np.where(T < 10 * DAY, 350.0, 700.0)
    p = sw.ballistic(T, v, ONES, ONES, 0.99 * AU_KM, 0.0, 0.0, np.array([0.99, 3.0]) * AU_KM,
                     np.zeros(2), np.zeros(2))
    assert p.overtaken[0] == 0 and p.overtaken[1] > 0
    assert np.all(np.diff(p.t_unix_s[1]) >= 0)


@settings(max_examples=40, deadline=None)
@given(st.floats(250, 900), st.floats(0.3, 30.0), st.floats(-3.0, 3.0), st.floats(0, 1e9))
def test_ballistic_forward_backward(v, r_au, lon, t0):
    p = sw.ballistic(np.array([t0]), np.array([v]), np.ones(1), np.ones(1), 0.99 * AU_KM, 0.0,
                     0.0, np.array([r_au * AU_KM]), np.array([lon]), np.zeros(1))
    back = sw.ballistic_source_time(p.t_unix_s[0, 0], v, 0.99 * AU_KM, 0.0, r_au * AU_KM, lon)
    assert back == pytest.approx(t0, abs=1e-3)


def test_hux_constant_wind_is_unchanged_and_density_falls_as_r2():
    r = np.array([0.39, 1.0, 5.2]) * AU_KM
    p = sw.hux(T, 450 * ONES, 6 * ONES, 5 * ONES, 0.99 * AU_KM, 0.0, 0.0, r, np.zeros(3),
               np.zeros(3))
    for k in range(3):
        s = p.speed_kms[k][np.isfinite(p.speed_kms[k])]
        assert len(s) > 24 * 20 and np.allclose(s, 450.0)
        d = p.density_cm3[k][np.isfinite(p.density_cm3[k])]
        assert np.allclose(d, 6 * (0.99 * AU_KM / r[k]) ** 2)


def test_hux_matches_ballistic_timing_without_interactions():
    v = 420 + 40 * np.sin(2 * np.pi * T / (9 * DAY))  # gentle: no stream interaction yet
    r = np.array([1.2]) * AU_KM
    p = sw.hux(T, v, ONES, ONES, 0.99 * AU_KM, 0.0, 0.0, r, np.radians([20.0]), np.zeros(1))
    b = sw.ballistic(T, v, ONES, ONES, 0.99 * AU_KM, 0.0, 0.0, r, np.radians([20.0]),
                     np.zeros(1))
    grid = p.t_unix_s[0]
    ok = np.isfinite(p.speed_kms[0]) & (grid > b.t_unix_s[0, 0]) & (grid < b.t_unix_s[0, -1])
    ref = np.interp(grid[ok], b.t_unix_s[0], b.speed_kms[0])
    assert np.abs(p.speed_kms[0][ok] - ref).max() < 8.0  # km/s, first-order upwind smoothing


def test_hux_shock_moves_at_burgers_speed():
    """A 350 -> 700 km/s step at the inner boundary steepens into a shock whose speed is the
    Rankine-Hugoniot (vL + vR) / 2 = 525 km/s of inviscid Burgers."""
    t = np.arange(0, 40 * DAY, 3600.0)
    v = np.where(t < 10 * DAY, 350.0, 700.0)
    r = np.array([1.0, 5.0]) * AU_KM
    p = sw.hux(t, v, np.ones_like(t), np.ones_like(t), sw.HUX_INNER_KM, 0.0, 0.0, r,
               np.zeros(2), np.zeros(2))
    for k in range(2):
        s = p.speed_kms[k]
        j = np.flatnonzero((s[:-1] < 525) & (s[1:] >= 525))[0]
        expected = 10 * DAY + (r[k] - sw.HUX_INNER_KM) / 525.0
        assert abs(p.t_unix_s[k][j] - expected) < 3 * 3600  # within 3 h at 1 and 5 AU
    assert np.nanmax(p.speed_kms) <= 700.0 + 1e-6 and np.nanmin(p.speed_kms) >= 350 - 1e-6


def test_hux_needs_data():
    with pytest.raises(ValueError, match="two valid"):
        sw.hux(T[:1], ONES[:1], ONES[:1], ONES[:1], AU_KM, 0, 0, np.array([AU_KM]), [0.0], [0.0])
