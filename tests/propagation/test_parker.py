"""Parker spiral, footpoints and SEP timing against the published/computed values of
shared/reference/propagation.md section 3 (solarmach and SEPpy formulas)."""

import numpy as np
import pytest

from propagation import cone, corotation, parker
from propagation.constants import AU_KM, OMEGA_SUN_SYNODIC_RAD_S, R_SUN_KM


@pytest.mark.parametrize("v, shift", [(300, 83.30), (400, 62.47), (500, 49.98), (600, 41.65),
                                      (800, 31.24)])
def test_solarmach_footpoint_shift(v, shift):
    assert np.degrees(parker.footpoint_lon_rad(0.0, AU_KM, v, preset="solarmach")) == \
        pytest.approx(shift, abs=0.005)


def test_classical_parker_footpoint_and_latitude():
    assert np.degrees(parker.footpoint_lon_rad(0.0, AU_KM, 400)) == pytest.approx(61.11, abs=0.005)
    lat = np.radians(30)
    classic = parker.footpoint_lon_rad(0.0, AU_KM, 400, lat_rad=lat)
    solarmach = parker.footpoint_lon_rad(0.0, AU_KM, 400, lat_rad=lat, preset="solarmach")
    assert classic == parker.footpoint_lon_rad(0.0, AU_KM, 400)  # no latitude factor
    expected = (14.50 - 2.87 * 0.25) * np.pi / 180 / 86400 * (AU_KM - R_SUN_KM) * np.cos(lat) / 400
    assert solarmach == pytest.approx(expected)


def test_solarmach_reference_point_case():
    """solarmach test: reference at 273 deg with 400 km/s, body-ref -39.9, footpoint-ref 19.33
    means the shift alpha is ~59.2 deg for that body (r = 0.958 AU, lat ~ -7 deg)."""
    alpha = np.degrees(parker.footpoint_lon_rad(0.0, 0.958 * AU_KM, 400, preset="solarmach",
                                                lat_rad=np.radians(-7.0)))
    assert alpha == pytest.approx(59.2, abs=0.3)


@pytest.mark.parametrize("v, length", [(400, 1.1627), (300, 1.2714), (500, 1.1070),
                                       (800, 1.0413)])
def test_spiral_length(v, length):
    assert parker.spiral_length_km(AU_KM, v) / AU_KM == pytest.approx(length, abs=0.00006)


def test_spiral_length_synodic_and_latitude():
    syn = parker.spiral_length_km(AU_KM, 400, omega=OMEGA_SUN_SYNODIC_RAD_S)
    assert syn / AU_KM == pytest.approx(1.1424, abs=0.0003)
    high = parker.spiral_length_km(AU_KM, 400, lat_rad=np.radians(60))
    assert AU_KM - R_SUN_KM < high < parker.spiral_length_km(AU_KM, 400)  # straighter


@pytest.mark.parametrize("energy, species, minutes", [(0.1, "electron", 17.61),
                                                      (1.0, "electron", 10.26),
                                                      (10.0, "proton", 66.63),
                                                      (100.0, "proton", 22.54)])
def test_sep_travel_times(energy, species, minutes):
    t = parker.travel_time_s(1.1605 * AU_KM, energy, species)
    assert t / 60 == pytest.approx(minutes, abs=0.01)
    onset = 1_700_000_000.0
    assert parker.onset_time_s(parker.injection_time_s(onset, 1.1605 * AU_KM, energy, species),
                               1.1605 * AU_KM, energy, species) == pytest.approx(onset)


def test_corotation_60_degrees():
    d = corotation.delay_s(0.0, AU_KM, np.radians(60), AU_KM, 400, OMEGA_SUN_SYNODIC_RAD_S)
    assert d / 86400 == pytest.approx(4.55, abs=0.005)
    sid = corotation.delay_s(0.0, AU_KM, np.radians(60), AU_KM, 400,
                             corotation.rate_for_frame("HCI"))
    assert sid / 86400 == pytest.approx(4.23, abs=0.005)
    assert corotation.prograde_angle(np.radians(350), np.radians(10)) == pytest.approx(
        np.radians(20))


def test_corotation_moving_target_iterates():
    omega = corotation.rate_for_frame("HCI")
    speed = np.radians(4.09) / 86400  # Mercury-like motion (rad/s)

    def target(t):
        return np.full(np.shape(t), 0.39 * AU_KM), np.radians(90) + speed * np.asarray(t)

    t = corotation.arrival_s(0.0, 0.0, AU_KM, target, 450.0, omega)
    r, lon = target(t)
    assert t == pytest.approx(lon / omega + (r - AU_KM) / 450.0, abs=1.0)
    back = corotation.departure_s(t, 0.0, AU_KM, lon, r, 450.0, omega)
    assert back == pytest.approx(0.0, abs=1.0)
    with pytest.raises(ValueError, match="inertial"):
        corotation.rate_for_frame("HGC")


def test_constant_speed_cone():
    a = cone.arrival(AU_KM, 0.2, 0.0, 0.0, 0.0, np.radians(30), 1000.0, 20 * R_SUN_KM)
    assert a.hit and a.transit_s == pytest.approx((AU_KM - 20 * R_SUN_KM) / 1000.0)
    miss = cone.arrival(AU_KM, 0.8, 0.0, 0.0, 0.0, np.radians(30), 1000.0, 20 * R_SUN_KM)
    assert not miss.hit
    assert cone.launch_time_s(a.transit_s, AU_KM, 1000.0, 20 * R_SUN_KM) == pytest.approx(0.0)
