"""HI elongation geometries and constant-speed fits against their closed forms."""

import numpy as np
import pytest

from propagation import elongation as el
from propagation.constants import AU_KM

D = 0.96 * AU_KM


def test_sse_limits_are_fp_and_hm():
    eps, phi = np.radians(np.linspace(5, 60, 12)), np.radians(70)
    fp = D * np.sin(eps) / np.sin(eps + phi)
    hm = 2 * D * np.sin(eps) / (1 + np.sin(eps + phi))
    np.testing.assert_allclose(el.distance_km(eps, phi, D, "SSE", 0.0), fp)
    np.testing.assert_allclose(el.distance_km(eps, phi, D, "FP"), fp)
    np.testing.assert_allclose(el.distance_km(eps, phi, D, "SSE", np.pi / 2), hm)
    np.testing.assert_allclose(el.distance_km(eps, phi, D, "HM"), hm)


@pytest.mark.parametrize("geometry, lam", [("FP", None), ("HM", None), ("SSE", 0.5)])
def test_inverse(geometry, lam):
    eps = np.radians(np.linspace(4, 50, 10))
    r = el.distance_km(eps, np.radians(80), D, geometry, lam)
    np.testing.assert_allclose(el.elongation_rad(r, np.radians(80), D, geometry, lam), eps)


def test_fpf_recovers_speed_and_direction_from_the_fp_closed_form():
    """Synthetic track from tan(eps) = rho sin(phi) / (1 - rho cos(phi)), rho = V t / d."""
    v, phi = 750.0, np.radians(65)
    t = np.arange(6, 60, 2) * 3600.0
    rho = v * t / D
    eps = np.arctan2(rho * np.sin(phi), 1 - rho * np.cos(phi))
    fit = el.fit_track(t, eps, D, "FP")
    assert fit.speed_kms == pytest.approx(v, rel=1e-3)
    assert np.degrees(fit.phi_rad) == pytest.approx(65, abs=0.1)
    assert fit.launch_s == pytest.approx(0.0, abs=600)


def test_ssef_and_arrival():
    v, phi, lam = 900.0, np.radians(50), np.radians(30)
    t = np.arange(4, 40, 2) * 3600.0
    eps = el.elongation_rad(v * t, phi, D, "SSE", lam)
    fit = el.fit_track(t + 1000.0, eps, D, "SSE", lam)
    assert fit.speed_kms == pytest.approx(v, rel=1e-3)
    hit, t_arr, v_arr = fit.arrival(np.radians([0.0, 20.0, 40.0]), AU_KM)
    assert hit.tolist() == [True, True, False]
    assert t_arr[0] == pytest.approx(1000.0 + AU_KM / v, rel=1e-3)
    expected = v * (np.cos(np.radians(20)) + np.sqrt(np.sin(lam) ** 2 - np.sin(
        np.radians(20)) ** 2)) / (1 + np.sin(lam))
    assert v_arr[1] == pytest.approx(expected, rel=1e-3)


def test_track_text():
    t, e = el.parse_track_text("TRACK_DATE,ELON\n2012-07-12T18:09Z,4.5\n2012-07-12T20:09Z,6.1\n")
    assert t[1] - t[0] == 7200 and e[0] == pytest.approx(np.radians(4.5))
    with pytest.raises(ValueError):
        el.parse_track_text("nothing")
