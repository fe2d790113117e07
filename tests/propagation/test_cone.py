"""Constant-speed cone CME: hit/miss geometry in 3-D, t = (R - r0) / V, backward mode."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propagation import cone, drag
from propagation.constants import AU_KM, R_SUN_KM

R0 = 21.5 * R_SUN_KM


def test_forward_inside_and_outside():
    a = cone.arrival(AU_KM, 0.2, 0.0, 0.0, 0.0, np.radians(30), 1000.0, R0)
    assert a.hit and a.transit_s == pytest.approx((AU_KM - R0) / 1000.0, rel=1e-15)
    assert a.speed_kms == 1000.0
    miss = cone.arrival(AU_KM, 0.8, 0.0, 0.0, 0.0, np.radians(30), 1000.0, R0)
    assert not miss.hit and np.isnan(miss.transit_s) and np.isnan(miss.speed_kms)
    # latitude counts: 35 deg north of an equatorial 30 deg cone is a miss
    assert not cone.arrival(AU_KM, 0.0, np.radians(35), 0.0, 0.0, np.radians(30), 1000.0,
                            R0).hit
    # a target inside r0 is not hit
    assert not cone.arrival(10 * R_SUN_KM, 0.0, 0.0, 0.0, 0.0, 0.5, 1000.0, R0).hit
    with pytest.raises(ValueError, match="speed"):
        cone.arrival(AU_KM, 0.0, 0.0, 0.0, 0.0, 0.5, 0.0, R0)


def test_great_circle_separation_across_the_wrap():
    """Apex at lon 175 deg, target at -175 deg: 10 deg apart, not 350."""
    assert cone.hit(np.radians(-175), 0.0, np.radians(175), 0.0, np.radians(15))
    sep = drag.angular_separation_rad(np.radians(175), 0.0, np.radians(-175), 0.0)
    assert np.degrees(sep) == pytest.approx(10.0, abs=1e-12)
    # pole to equator is 90 deg whatever the longitudes
    assert np.degrees(drag.angular_separation_rad(1.0, np.pi / 2, -2.0, 0.0)) == \
        pytest.approx(90.0, abs=1e-12)


def test_vectorised_targets_and_members():
    lon_t = np.radians([0.0, 40.0, -20.0, 100.0])
    r_t = np.array([1.0, 1.52, 0.72, 5.2]) * AU_KM
    speeds = np.array([500.0, 1000.0, 2000.0])[:, None]
    a = cone.arrival(r_t[None, :], lon_t[None, :], 0.0, 0.0, 0.0, np.radians(45), speeds, R0)
    assert a.hit.shape == (3, 4)
    assert a.hit[:, :3].all() and not a.hit[:, 3].any()
    np.testing.assert_allclose(a.transit_s[:, :3], (r_t[None, :3] - R0) / speeds, rtol=1e-15)


def test_agrees_with_the_drag_model_without_drag():
    """v0 = w: the DBM front moves at constant speed, as the cone does."""
    a = cone.arrival(1.3 * AU_KM, 0.0, 0.0, 0.0, 0.0, 0.5, 650.0, R0)
    t, v = drag.transit(1.3 * AU_KM, R0, 650.0, 650.0, 1e-7)
    assert a.transit_s == pytest.approx(t, rel=1e-13) and v == 650.0


@settings(max_examples=60, deadline=None)
@given(st.floats(0.1, 40.0), st.floats(100, 3500), st.floats(0.0, 2e9), st.floats(0.1, 40.0))
def test_forward_then_backward_and_monotonic(r_au, speed, t0, other_au):
    r, other = r_au * AU_KM, other_au * AU_KM
    a = cone.arrival(r, 0.0, 0.0, 0.0, 0.0, 0.5, speed, R0)
    assert cone.launch_time_s(t0 + a.transit_s, r, speed, R0) == pytest.approx(t0, abs=1e-4)
    launch, at_other = cone.backward(t0 + a.transit_s, r, other, speed, R0)
    assert launch == pytest.approx(t0, abs=1e-4)
    assert at_other - launch == pytest.approx((other - R0) / speed, abs=1e-5)
    farther = cone.arrival(r * 1.1, 0.0, 0.0, 0.0, 0.0, 0.5, speed, R0)
    faster = cone.arrival(r, 0.0, 0.0, 0.0, 0.0, 0.5, speed * 1.1, R0)
    assert farther.transit_s > a.transit_s > faster.transit_s
