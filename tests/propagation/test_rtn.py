"""RTN of a spacecraft: against the same axes built in sunpy's HGS, and on PSP's real orbit."""

import numpy as np
import pytest

from propagation import geo_frames
from propagation.ephemerides import heliocentric_icrs
from tests.conftest import shared_file

T = np.array([1614556800.0, 1615000000.0, 1577836800.0])
HEEQ_KM = np.array([[4.5e7, 2.0e7, 3.0e6], [-1.0e8, 5.0e7, -8.0e6], [1.2e8, -9.0e7, 1.0e7]])
B_RTN = np.array([[-30.0, 12.0, 4.0], [5.0, -2.0, 1.0], [0.5, 0.5, -3.0]])


def _sunpy_hgs_to_hcrs(xyz_km, t):
    import astropy.units as u
    from astropy.coordinates import HCRS, CartesianRepresentation, SkyCoord
    from astropy.time import Time
    from sunpy.coordinates import frames

    obst = Time(t, format="unix")
    c = SkyCoord(CartesianRepresentation(xyz_km.T * u.km),
                 frame=frames.HeliographicStonyhurst(obstime=obst))
    return c.transform_to(HCRS(obstime=obst)).cartesian.xyz.to_value(u.km).T


def test_rtn_axes_match_the_definition_in_sunpy_heeq(astropy_de421):
    r = HEEQ_KM / np.linalg.norm(HEEQ_KM, axis=1, keepdims=True)
    t_axis = np.cross([0.0, 0.0, 1.0], r)  # HEEQ Z is the solar rotation axis
    t_axis /= np.linalg.norm(t_axis, axis=1, keepdims=True)
    n_axis = np.cross(r, t_axis)
    expected = (r * B_RTN[:, :1] + t_axis * B_RTN[:, 1:2] + n_axis * B_RTN[:, 2:])
    observer = _sunpy_hgs_to_hcrs(HEEQ_KM, T)
    ours = geo_frames.transform_series(T, B_RTN, "RTN", "HEEQ", kind="vector",
                                       observer_icrs_km=observer)
    assert np.abs(ours - expected).max() < 1e-9 * np.abs(B_RTN).max()
    back = geo_frames.transform_series(T, ours, "HEEQ", "RTN", kind="vector",
                                       observer_icrs_km=observer)
    assert np.allclose(back, B_RTN, atol=1e-12)


def test_rtn_positions_are_centred_on_the_spacecraft():
    observer = heliocentric_icrs("Venus", T)[0]
    at_sc = geo_frames.transform_series(T, observer, "ICRS", "RTN", observer_icrs_km=observer)
    assert np.abs(at_sc).max() < 1e-6
    sun = geo_frames.transform_series(T, np.zeros((3, 3)), "HCI", "RTN",
                                      observer_icrs_km=observer)
    assert np.allclose(sun[:, 0], -np.linalg.norm(observer, axis=1), rtol=1e-12)
    assert np.abs(sun[:, 1:]).max() < 1e-6
    with pytest.raises(ValueError, match="trajectory"):
        geo_frames.transform_series(T, B_RTN, "RTN", "GSE", kind="vector")


def test_psp_tangential_axis_follows_its_prograde_orbit(monkeypatch):
    """PSP orbits prograde, 3.4 deg from the solar equator: T carries most of its motion
    near aphelion, N stays within a few degrees of the solar pole."""
    monkeypatch.setenv("STORMS_EPHEMERIS_DIR",
                       str(shared_file("ephemeris/spp_recon_20210226_20210325_v001.bsp").parent))
    t = np.arange(1614384000.0, 1616630400.0, 86400.0)  # 2021-02-27 .. 2021-03-24
    p = heliocentric_icrs("PSP", t)[0]
    v = (heliocentric_icrs("PSP", t + 60)[0] - heliocentric_icrs("PSP", t - 60)[0]) / 120
    v_rtn = geo_frames.transform_series(t, v, "ICRS", "RTN", kind="vector", observer_icrs_km=p)
    assert (v_rtn[:, 1] > 0).all()  # prograde
    pole = geo_frames.transform_series(t, np.tile([0, 0, 1.0], (len(t), 1)), "HEEQ", "RTN",
                                       kind="vector", observer_icrs_km=p)
    assert (np.degrees(np.arccos(pole[:, 2])) < 4.0).all()
    radial_speed = v_rtn[:, 0]  # km/s: outbound, aphelion (0.73 AU) in mid-March, inbound
    assert radial_speed[0] > 5 and radial_speed[-1] < -5
    assert (np.abs(radial_speed) < v_rtn[:, 1]).all()
