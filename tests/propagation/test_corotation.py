"""Corotation of CIR/SIR structures: the computed 60 deg example (propagation.md section
2.3), frame-dependent rates, safe angle interpolation, moving targets and round trips."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propagation import corotation
from propagation.constants import AU_KM, OMEGA_SUN_SIDEREAL_RAD_S, OMEGA_SUN_SYNODIC_RAD_S

DAY = 86400.0


def test_sixty_degrees_synodic_and_sidereal():
    """propagation.md: 60 deg at equal r is 4.55 d synodic, 4.23 d sidereal (7.6 h apart)."""
    syn = corotation.delay_s(0.0, AU_KM, np.radians(60), AU_KM, 400,
                             corotation.rate_for_frame("HEEQ"))
    sid = corotation.delay_s(0.0, AU_KM, np.radians(60), AU_KM, 400,
                             corotation.rate_for_frame("HCI"))
    assert syn / DAY == pytest.approx(4.55, abs=0.005)
    assert sid / DAY == pytest.approx(4.23, abs=0.005)
    assert (syn - sid) / 3600 == pytest.approx(7.6, abs=0.05)
    # independent: 60 / 13.1988 and 60 / 14.1844 days
    assert syn / DAY == pytest.approx(60 / (360 / 27.2753), rel=1e-12)
    assert sid / DAY == pytest.approx(60 / 14.1844, rel=1e-12)
    with pytest.raises(ValueError, match="inertial"):
        corotation.rate_for_frame("HGC")


def test_prograde_angle_and_radial_term():
    assert corotation.prograde_angle(np.radians(350), np.radians(10)) == pytest.approx(
        np.radians(20))
    assert corotation.prograde_angle(np.radians(10), np.radians(350)) == pytest.approx(
        np.radians(340))
    assert corotation.prograde_angle(1.0, 1.0) == 0.0
    d = corotation.delay_s(0.0, 0.99 * AU_KM, 0.0, 1.52 * AU_KM, 500.0, OMEGA_SUN_SYNODIC_RAD_S)
    assert d == pytest.approx(0.53 * AU_KM / 500.0, rel=1e-14)


def test_interp_angle_unwraps():
    t = np.array([0.0, 1.0, 2.0, 3.0])
    lon = np.radians([350.0, 355.0, 5.0, 10.0])  # crosses 0 between samples 1 and 2
    mid = corotation.interp_angle_rad(1.5, t, lon)
    assert np.degrees(mid) == pytest.approx(0.0, abs=1e-12)  # not 180
    assert np.degrees(corotation.interp_angle_rad(1.5, t, lon, wrap_at_rad=2 * np.pi)) == \
        pytest.approx(0.0, abs=1e-12) or np.degrees(corotation.interp_angle_rad(
            1.5, t, lon, wrap_at_rad=2 * np.pi)) == pytest.approx(360.0, abs=1e-9)
    stonyhurst = np.radians([170.0, 179.0, -172.0])
    got = np.degrees(corotation.interp_angle_rad(0.5 + np.arange(2), np.arange(3.0), stonyhurst))
    np.testing.assert_allclose(got, [174.5, -176.5], atol=1e-12)


def _mercury_track(t0, days=60):
    tt = t0 + np.arange(0, days * DAY, 0.25 * DAY)
    rate = np.radians(4.09) / DAY  # Mercury-like prograde motion
    lon = np.mod(np.radians(90) + rate * (tt - t0) + np.pi, 2 * np.pi) - np.pi  # wrapped
    r = 0.39 * AU_KM * (1 + 0.1 * np.sin(2 * np.pi * (tt - t0) / (88 * DAY)))
    return tt, r, lon


def test_moving_target_iteration_satisfies_the_equation():
    t0 = 1.7e9
    tt, r, lon = _mercury_track(t0)
    t = corotation.arrival_from_track_s(t0, 0.0, AU_KM, tt, r[None], lon[None], 450.0,
                                        OMEGA_SUN_SIDEREAL_RAD_S)[0]
    r_i = np.interp(t, tt, r)
    lon_i = corotation.interp_angle_rad(t, tt, lon)
    expected = t0 + np.mod(lon_i, 2 * np.pi) / OMEGA_SUN_SIDEREAL_RAD_S + (r_i - AU_KM) / 450.0
    assert t == pytest.approx(expected, abs=1e-2)
    # the callable form gives the same answer
    def where(x):
        return np.interp(x, tt, r), corotation.interp_angle_rad(x, tt, lon)

    assert corotation.arrival_s(t0, 0.0, AU_KM, where, 450.0) == pytest.approx(t, abs=1e-2)
    # a target that moved ahead is reached later than a fixed one at its starting longitude
    fixed = corotation.delay_s(0.0, AU_KM, lon[0], r[0], 450.0, OMEGA_SUN_SIDEREAL_RAD_S)
    assert t - t0 > fixed


def test_backward_from_moving_bodies_returns_the_start():
    """Forward from a fixed observer to Mercury, then backward from Mercury's observation
    to the observer (given as a constant track): the start time again."""
    t0 = 1.7e9
    tt, r, lon = _mercury_track(t0 - 30 * DAY, days=90)
    t = corotation.arrival_from_track_s(t0, 0.4, AU_KM, tt, r[None], lon[None], 380.0,
                                        OMEGA_SUN_SIDEREAL_RAD_S)[0]
    lon_i, r_i = corotation.interp_angle_rad(t, tt, lon), np.interp(t, tt, r)
    still = np.ones((1, len(tt)))
    back = corotation.departure_from_track_s(t, lon_i, r_i, tt, AU_KM * still, 0.4 * still,
                                             380.0, OMEGA_SUN_SIDEREAL_RAD_S)[0]
    assert back == pytest.approx(t0, abs=1e-2)


@settings(max_examples=80, deadline=None)
@given(st.floats(-np.pi, np.pi), st.floats(-np.pi, np.pi), st.floats(0.3, 5.0),
       st.floats(0.3, 5.0), st.floats(250, 900), st.floats(0.0, 2e9),
       st.sampled_from(["HEEQ", "HCI"]))
def test_forward_then_backward_fixed_bodies(lon_s, lon_t, r_s, r_t, v, t0, frame):
    om = corotation.rate_for_frame(frame)
    d = corotation.delay_s(lon_s, r_s * AU_KM, lon_t, r_t * AU_KM, v, om)
    back = corotation.departure_s(t0 + d, lon_s, r_s * AU_KM, lon_t, r_t * AU_KM, v, om)
    assert back == pytest.approx(t0, abs=1e-4)
    # farther in rotation or in distance arrives later; faster wind shortens the radial part
    more = corotation.delay_s(lon_s, r_s * AU_KM, lon_t, r_t * AU_KM * 1.1, v, om)
    assert more > d
    if r_t > r_s + 1e-6:  # a radial part that floats can see (r_t = r_s + 1 ulp is none)
        assert corotation.delay_s(lon_s, r_s * AU_KM, lon_t, r_t * AU_KM, v * 1.2, om) < d
