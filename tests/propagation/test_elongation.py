"""HI elongation geometries and constant-speed fits against closed forms written out here
(Sheeley 1999 FP, Lugaz 2009 HM, Davies 2012 SSE, Moestl & Davies 2013 eq. 18)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propagation import elongation as el
from propagation.constants import AU_KM

D = 0.96 * AU_KM


def _fp(eps, phi):
    return D * np.sin(eps) / np.sin(eps + phi)


def _hm(eps, phi):
    return 2 * D * np.sin(eps) / (1 + np.sin(eps + phi))


def test_formulas_and_sse_limits():
    eps, phi = np.radians(np.linspace(5, 60, 12)), np.radians(70)
    np.testing.assert_allclose(el.fp_distance_km(eps, phi, D), _fp(eps, phi))
    np.testing.assert_allclose(el.hm_distance_km(eps, phi, D), _hm(eps, phi))
    np.testing.assert_allclose(el.sse_distance_km(eps, phi, D, 0.0), _fp(eps, phi))
    np.testing.assert_allclose(el.sse_distance_km(eps, phi, D, np.pi / 2), _hm(eps, phi))
    np.testing.assert_allclose(el.distance_km(eps, phi, D, "FP"), _fp(eps, phi))
    np.testing.assert_allclose(el.distance_km(eps, phi, D, "HM"), _hm(eps, phi))
    lam = np.radians(35)
    sse = D * np.sin(eps) * (1 + np.sin(lam)) / (np.sin(eps + phi) + np.sin(lam))
    np.testing.assert_allclose(el.distance_km(eps, phi, D, "SSE", lam), sse)
    # ordering: FP >= SSE >= HM for these angles (a wider front is seen earlier)
    assert np.all(_fp(eps, phi) >= sse) and np.all(sse >= _hm(eps, phi))


def test_fp_elongation_is_the_tan_formula():
    """tan(eps) = rho sin(phi) / (1 - rho cos(phi)), rho = r / d, including eps > 90 deg."""
    phi = np.radians(65)
    r = np.linspace(0.05, 1.6, 40) * D
    rho = r / D
    expected = np.arctan2(rho * np.sin(phi), 1 - rho * np.cos(phi))
    np.testing.assert_allclose(el.elongation_rad(r, phi, D, "FP"), expected, atol=1e-12)


@settings(max_examples=80, deadline=None)
@given(st.floats(3, 70), st.floats(20, 120), st.floats(0, 90),
       st.sampled_from(["FP", "HM", "SSE"]))
def test_inverse_round_trip(eps_deg, phi_deg, lam_deg, geometry):
    eps, phi, lam = np.radians([eps_deg, phi_deg, lam_deg])
    r = el.distance_km(eps, phi, D, geometry, lam)
    if not np.isfinite(r) or r <= 0:
        return
    assert el.elongation_rad(r, phi, D, geometry, lam) == pytest.approx(eps, abs=1e-9)


def test_fpf_recovers_speed_direction_and_launch():
    """Synthetic track from the FP tan formula (not the module), launched at t = 1e9 s."""
    v, phi, t_l = 750.0, np.radians(65), 1.0e9
    t = t_l + np.arange(6, 60, 2) * 3600.0
    rho = v * (t - t_l) / D
    eps = np.arctan2(rho * np.sin(phi), 1 - rho * np.cos(phi))
    fit = el.fit_track(t, eps, D, "FP")
    assert fit.speed_kms == pytest.approx(v, rel=1e-4)
    assert np.degrees(fit.phi_rad) == pytest.approx(65, abs=0.01)
    assert fit.t_launch_s == pytest.approx(t_l, abs=60)
    assert fit.rms_residual_rad < 1e-6


def test_hmf_recovers_from_the_hm_formula():
    """HM track: invert r = 2 d sin(eps) / (1 + sin(eps + phi)) numerically per point."""
    v, phi = 600.0, np.radians(40)
    t = np.arange(5, 50, 1.5) * 3600.0
    r = v * t
    grid = np.radians(np.linspace(0.1, 120, 200001))
    eps = np.array([grid[np.argmin(np.abs(_hm(grid, phi) - x))] for x in r])
    fit = el.fit_track(t, eps, D, "HM")
    assert fit.speed_kms == pytest.approx(v, rel=2e-3)
    assert np.degrees(fit.phi_rad) == pytest.approx(40, abs=0.2)


def test_ssef_and_arrival_eq18():
    v, phi, lam = 900.0, np.radians(50), np.radians(30)
    t = np.arange(4, 40, 2) * 3600.0
    eps = el.elongation_rad(v * t, phi, D, "SSE", lam)
    fit = el.fit_track(t + 1000.0, eps, D, "SSE", lam)
    assert fit.speed_kms == pytest.approx(v, rel=1e-4)
    hit, t_arr, v_arr = fit.arrival(np.radians([0.0, 20.0, -20.0, 40.0]), AU_KM)
    assert hit.tolist() == [True, True, True, False]
    assert np.isnan(t_arr[3]) and np.isnan(v_arr[3])
    d = np.radians(20)
    expected = v * (np.cos(d) + np.sqrt(np.sin(lam) ** 2 - np.sin(d) ** 2)) / (1 + np.sin(lam))
    assert v_arr[1] == pytest.approx(expected, rel=1e-4)
    assert v_arr[2] == pytest.approx(expected, rel=1e-4)
    assert t_arr[1] == pytest.approx(fit.t_launch_s + AU_KM / expected)
    assert t_arr[0] == pytest.approx(1000.0 + AU_KM / v, abs=120)


def test_hm_and_fp_arrival():
    hit, t_arr, v_arr = el.arrival(1000.0, 0.0, np.radians([0.0, 60.0, 95.0]), AU_KM, "HM")
    assert hit.tolist() == [True, True, False]
    np.testing.assert_allclose(v_arr[:2], [1000.0, 500.0])
    np.testing.assert_allclose(t_arr[:2], [AU_KM / 1000.0, AU_KM / 500.0])
    hit, t_arr, _ = el.arrival(1000.0, 0.0, np.radians([0.0, 5.0]), AU_KM, "FP",
                               fp_tolerance_rad=np.radians(2.0))
    assert hit.tolist() == [True, False] and t_arr[0] == pytest.approx(AU_KM / 1000.0)


def test_bad_geometry():
    with pytest.raises(ValueError, match="geometry"):
        el.distance_km(0.1, 1.0, D, "XX")
    with pytest.raises(ValueError, match="half-width"):
        el.distance_km(0.1, 1.0, D, "SSE", None)
    with pytest.raises(ValueError, match="4 points"):
        el.fit_track(np.arange(3.0), np.ones(3), D, "FP")


def test_read_track_text():
    csv = "TRACK_DATE,ELON\n2012-07-12T18:09Z,4.5\n2012-07-12T20:09Z,6.1\n"
    t, e = el.read_track_text(csv)
    assert t[0] == pytest.approx(1342116540.0)  # 2012-07-12T18:09:00Z
    assert t[1] - t[0] == 7200 and e[0] == pytest.approx(np.radians(4.5))
    t2, e2 = el.read_track_text("# comment\n2012-07-12 18:09 4.5\n2012-07-12 20:09:00 6.1\n")
    np.testing.assert_allclose(t2, t)
    np.testing.assert_allclose(e2, e)
    with pytest.raises(ValueError):
        el.read_track_text("nothing")
    with pytest.raises(ValueError, match="bad track line"):
        el.read_track_text("2012-07-12T18:09Z,abc\n2012-07-12T20:09Z,6.1\n")
