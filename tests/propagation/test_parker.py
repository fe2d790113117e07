"""Parker spiral, footpoints and SEP timing against the published/computed values of
shared/reference/propagation.md section 3 (solarmach and SEPpy formulas), numerical
quadrature of the path length, and round trips."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

from propagation import parker
from propagation.constants import AU_KM, OMEGA_SUN_SIDEREAL_RAD_S, OMEGA_SUN_SYNODIC_RAD_S, R_SUN_KM

C_KMS = 299_792.458


@pytest.mark.parametrize("v, shift", [(300, 83.30), (400, 62.47), (500, 49.98), (600, 41.65),
                                      (800, 31.24)])
def test_solarmach_footpoint_shift(v, shift):
    """1 AU, b = 0, from 1 Rs with 14.50 deg/day (propagation.md section 3)."""
    assert np.degrees(parker.footpoint_lon_rad(0.0, AU_KM, v, preset="solarmach")) == \
        pytest.approx(shift, abs=0.005)


def test_classical_parker_footpoint_and_latitude():
    assert np.degrees(parker.footpoint_lon_rad(0.0, AU_KM, 400)) == pytest.approx(61.11, abs=0.005)
    lat = np.radians(30)
    classic = parker.footpoint_lon_rad(0.0, AU_KM, 400, lat_rad=lat)
    solarmach = parker.footpoint_lon_rad(0.0, AU_KM, 400, lat_rad=lat, preset="solarmach")
    assert classic == parker.footpoint_lon_rad(0.0, AU_KM, 400)  # no latitude factor
    expected = (14.50 - 2.87 * 0.25) * np.pi / 180 / 86400 * (AU_KM - R_SUN_KM) * np.cos(lat) / 400
    assert solarmach == pytest.approx(expected, rel=1e-12)
    flat = parker.footpoint_lon_rad(0.0, AU_KM, 400, lat_rad=lat, preset="solarmach",
                                    differential=False)
    assert flat == pytest.approx(14.50 * np.pi / 180 / 86400 * (AU_KM - R_SUN_KM)
                                 * np.cos(lat) / 400, rel=1e-12)
    with pytest.raises(ValueError, match="preset"):
        parker.footpoint_lon_rad(0.0, AU_KM, 400, preset="wsa")


def test_solarmach_reference_point_case():
    """solarmach test (STEREO-A, 2021-10-28, 400 km/s): body-ref -39.9 deg and
    footpoint-ref 19.33 deg, so alpha ~ 59.2 deg at r = 0.958 AU (latitude ~ -7 deg)."""
    alpha = np.degrees(parker.footpoint_shift_rad(0.958 * AU_KM, 400, np.radians(-7.0),
                                                  preset="solarmach"))
    assert alpha == pytest.approx(59.2, abs=0.3)


def test_source_surface_and_field_line():
    """Footpoint at 2.5 Rs; the field line through the body passes through the footpoint."""
    lon, r, v = 0.3, 0.8 * AU_KM, 450.0
    fp = parker.footpoint_lon_rad(lon, r, v, r_target_km=2.5 * R_SUN_KM)
    assert parker.field_line_lon_rad(2.5 * R_SUN_KM, lon, r, v) == pytest.approx(fp, rel=1e-14)
    assert parker.field_line_lon_rad(r, fp, 2.5 * R_SUN_KM, v) == pytest.approx(lon, abs=1e-14)


@pytest.mark.parametrize("v, length", [(400, 1.1627), (300, 1.2714), (500, 1.1070),
                                       (800, 1.0413)])
def test_spiral_length(v, length):
    """Sidereal rate, exact from 1 Rs (propagation.md section 3)."""
    assert parker.spiral_length_km(AU_KM, v) / AU_KM == pytest.approx(length, abs=0.00005)


def test_spiral_length_seppy_form_synodic_and_latitude():
    # SEPpy calc_spiral_length, the shifted form u = Omega (r - Rs) / V: 1.1605 AU
    om, v = OMEGA_SUN_SIDEREAL_RAD_S, 400.0
    u = om * (AU_KM - R_SUN_KM) / v
    seppy = v / (2 * om) * (u * np.sqrt(u * u + 1) + np.log(u + np.sqrt(u * u + 1)))
    assert seppy / AU_KM == pytest.approx(1.1605, abs=0.00005)
    syn = parker.spiral_length_km(AU_KM, 400, omega=OMEGA_SUN_SYNODIC_RAD_S)
    assert syn / AU_KM == pytest.approx(1.1424, abs=0.00005)
    for lat_deg in (0, 30, 60):  # closed form against quadrature of ds/dr
        b = np.radians(lat_deg)
        ref, _ = quad(lambda r, b=b: np.sqrt(1 + (r * om * np.cos(b) / v) ** 2), R_SUN_KM,
                      1.5 * AU_KM, epsabs=1e-3, epsrel=1e-13)
        assert parker.spiral_length_km(1.5 * AU_KM, v, b) == pytest.approx(ref, rel=1e-10)
    high = parker.spiral_length_km(AU_KM, 400, lat_rad=np.radians(60))
    assert AU_KM - R_SUN_KM < high < parker.spiral_length_km(AU_KM, 400)  # straighter


@pytest.mark.parametrize("energy, species, minutes", [(0.1, "electron", 17.61),
                                                      (1.0, "electron", 10.26),
                                                      (10.0, "proton", 66.63),
                                                      (100.0, "proton", 22.54)])
def test_sep_travel_times(energy, species, minutes):
    """SEPpy formulas over L = 1.1605 AU (propagation.md section 3)."""
    t = parker.travel_time_s(1.1605 * AU_KM, energy, species)
    assert t / 60 == pytest.approx(minutes, abs=0.005)


def test_particle_speed_limits_and_errors():
    assert parker.particle_speed_kms(1e4, "electron") == pytest.approx(C_KMS, rel=1e-8)
    e = 1e-3  # 1 keV proton: classical sqrt(2E/m)
    assert parker.particle_speed_kms(e) == pytest.approx(
        C_KMS * np.sqrt(2 * e / 938.27208816), rel=1e-5)
    with pytest.raises(ValueError, match="particle"):
        parker.particle_speed_kms(1.0, "alpha")
    with pytest.raises(ValueError, match="energy"):
        parker.particle_speed_kms(-1.0)


@settings(max_examples=50, deadline=None)
@given(st.floats(1e9, 2e9), st.floats(0.3, 5.0), st.floats(250, 900), st.floats(0.01, 500),
       st.sampled_from(["proton", "electron"]), st.floats(-1.2, 1.2))
def test_injection_then_onset_round_trip(onset, r_au, v, energy, species, lat):
    path = parker.spiral_length_km(r_au * AU_KM, v, lat)
    inj = parker.injection_time_s(onset, path, energy, species)
    assert inj < onset
    assert parker.onset_time_s(inj, path, energy, species) == pytest.approx(onset, abs=1e-6)
    # longer path, later onset; faster particle, earlier onset
    assert parker.travel_time_s(path * 1.1, energy, species) > parker.travel_time_s(
        path, energy, species) > parker.travel_time_s(path, energy * 2, species)


def test_vectorised_footpoints():
    rng = np.random.default_rng(0)
    n = 1000
    lon, r = rng.uniform(-np.pi, np.pi, n), rng.uniform(0.3, 1.5, n) * AU_KM
    v, lat = rng.uniform(300, 800, n), rng.uniform(-0.3, 0.3, n)
    fp = parker.footpoint_lon_rad(lon, r, v, lat, "solarmach")
    for i in (0, 500, 999):
        om = (14.50 - 2.87 * np.sin(lat[i]) ** 2) * np.pi / 180 / 86400
        assert fp[i] == pytest.approx(lon[i] + om * (r[i] - R_SUN_KM) * np.cos(lat[i]) / v[i],
                                      rel=1e-13)
