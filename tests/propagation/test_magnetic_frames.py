"""GSM and SM against sunpy and astropy, and against the GSE/GSM pairs SWPC publishes."""

import json

import numpy as np
import pytest

from propagation import earth_rotation, geo_frames, igrf
from propagation.ephemerides import earth_icrs_km
from tests.conftest import shared_file

# 2024-05-10 12:00, 2020-01-01, 2010-01-01, 2014-05-13 16:53:20 (no leap-second day: astropy's
# "unix" times stretch those days to 86,401 s, POSIX times do not)
T = np.array([1715342400.0, 1577836800.0, 1262304000.0, 1400000000.0])
V = np.array([[3.0, -4.0, 12.0], [-1.5, 0.5, 2.0], [0.0, 7.0, -1.0], [1.0, 1.0, 1.0]])


def _iers(t):
    import astropy.units as u
    from astropy.time import Time
    from astropy.utils import iers

    obst = Time(t, format="unix")
    table = iers.earth_orientation_table.get()
    xp, yp = table.pm_xy(obst)
    return obst, geo_frames.EarthOrientation(table.ut1_utc(obst).to_value(u.s),
                                             xp.to_value(u.rad), yp.to_value(u.rad))


def _sunpy_vectors(v, t, src, dst):
    """sunpy's transform of vectors, as the difference of two far-apart geocentric points."""
    import astropy.units as u
    from astropy.coordinates import CartesianRepresentation, SkyCoord
    from astropy.time import Time

    obst = Time(t, format="unix")
    scale = 1e6

    def at(p):
        c = SkyCoord(CartesianRepresentation(p.T * u.km), frame=src(obstime=obst))
        return c.transform_to(dst(obstime=obst)).cartesian.xyz.to_value(u.km).T

    return (at(v * scale) - at(np.zeros_like(v))) / scale


def test_igrf_dipole_pole_matches_sunpy_and_the_published_2025_pole():
    from astropy.time import Time
    from sunpy.coordinates import frames

    lon, lat = frames.Geomagnetic(obstime=Time(T, format="unix"),
                                  magnetic_model="igrf13").dipole_lonlat
    d = igrf.dipole_axis_geo(T, "igrf13")
    assert np.allclose(np.degrees(np.arctan2(d[:, 1], d[:, 0])), lon.deg, atol=1e-9)
    assert np.allclose(np.degrees(np.arcsin(d[:, 2])), lat.deg, atol=1e-9)
    # IGRF-14 at 2025.0: geomagnetic north pole 80.8 N, 72.8 W (as published, to 0.1 deg)
    d25 = igrf.dipole_axis_geo(np.array([1735689600.0]))[0]
    assert np.degrees(np.arcsin(d25[2])) == pytest.approx(80.8, abs=0.05)
    assert np.degrees(np.arctan2(d25[1], d25[0])) == pytest.approx(-72.8, abs=0.05)


def test_igrf_after_its_last_epoch_follows_the_secular_variation():
    t2028 = np.array([1830297600.0])  # 2028-01-01
    g10, g11, h11 = igrf.dipole_coefficients(t2028)
    years = igrf.decimal_year(t2028)[0] - 2025.0
    assert g10[0] == pytest.approx(-29350.0 + 12.6 * years)
    assert h11[0] == pytest.approx(4545.5 - 21.5 * years)
    assert igrf.dipole_validity(t2028) is None
    assert "valid until 2030.0" in igrf.dipole_validity(np.array([1925000000.0]))  # 2031
    assert "2025.0" in igrf.dipole_validity(t2028, "igrf13")
    with pytest.raises(ValueError, match="1900"):
        igrf.dipole_coefficients(np.array([-2300000000.0]))


def test_earth_rotation_matches_astropy_itrs_to_gcrs():
    import astropy.units as u
    from astropy.coordinates import GCRS, ITRS, CartesianRepresentation

    rng = np.random.default_rng(3)
    t = np.sort(rng.uniform(1262304000, 1735603200, 6000))  # 2010-2024, knots path
    t = t[~np.isin(np.floor(t / 86400), [15521, 16617, 17166])]  # the leap-second days
    v = rng.normal(size=(len(t), 3))
    obst, eo = _iers(t)
    ref = ITRS(CartesianRepresentation(v.T * u.km), obstime=obst).transform_to(
        GCRS(obstime=obst)).cartesian.xyz.to_value(u.km).T
    ours = earth_rotation.itrs_to_gcrs(t, v, eo.dut1_s, eo.xp_rad, eo.yp_rad)
    assert np.abs(ours - ref).max() < 1e-9 * np.abs(v).max()
    # without IERS values: within 0.9 s of rotation and the pole offset
    rough = earth_rotation.itrs_to_gcrs(t, v)
    assert 1e-7 < np.abs(rough - ref).max() / np.linalg.norm(v, axis=1).max() < 1e-4


@pytest.mark.parametrize("frame", ["GSM", "SM"])
def test_gsm_sm_match_the_definition_built_from_sunpy_and_astropy(frame, astropy_de421):
    """Every ingredient from sunpy/astropy (dipole pole, ITRS -> GCRS, GSE), the axes then
    built by the Hapgood (1992) definition: agreement < 1e-9."""
    import astropy.units as u
    from astropy.coordinates import GCRS, HCRS, ITRS, SphericalRepresentation
    from sunpy.coordinates import frames

    obst, eo = _iers(T)
    lon, lat = frames.Geomagnetic(obstime=obst, magnetic_model="igrf13").dipole_lonlat
    pole = SphericalRepresentation(lon, lat, 1e4 * u.km).to_cartesian()
    pole_gcrs = ITRS(pole, obstime=obst).transform_to(GCRS(obstime=obst))
    pole_icrs = pole_gcrs.cartesian.xyz.to_value(u.km).T / 1e4
    d = _sunpy_vectors(pole_icrs, T, HCRS, frames.GeocentricSolarEcliptic)  # ICRS axes
    z = np.stack([np.zeros(len(T)), d[:, 1], d[:, 2]], -1)
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    x = np.tile([1.0, 0.0, 0.0], (len(T), 1))
    if frame == "SM":
        z, x = d, x - d[:, :1] * d
        x /= np.linalg.norm(x, axis=1, keepdims=True)
    axes = np.stack([x, np.cross(z, x), z], axis=1)
    expected = np.einsum("nij,nj->ni", axes, V)
    ours = geo_frames.transform_series(T, V, "GSE", frame, kind="vector",
                                       magnetic_model="igrf13", orientation=eo,
                                       earth_icrs_km=earth_icrs_km(T))
    assert np.abs(ours - expected).max() < 1e-9 * np.abs(V).max()


@pytest.mark.parametrize("frame", ["GSM", "SM"])
def test_sunpy_magnetic_frames_differ_by_annual_aberration(frame, astropy_de421):
    """sunpy reaches MAG, SM and GSM through astropy's GCRS, which carries annual aberration
    (v/c = 9.9e-5 rad, 20.5 arcsec): there the Sun, the dipole and the points themselves are
    apparent directions; in Hapgood's frames (and here) they are geometric. So sunpy differs
    by up to v/c, and its dipole is ours moved by exactly that aberration (< 1e-7)."""
    import astropy.units as u
    from astropy.coordinates import CartesianRepresentation, SkyCoord
    from sunpy.coordinates import frames

    from propagation.constants import C_KMS

    cls = {"GSM": frames.GeocentricSolarMagnetospheric, "SM": frames.SolarMagnetic}[frame]
    obst, eo = _iers(T)
    theirs = _sunpy_vectors(V, T, frames.GeocentricSolarEcliptic,
                            lambda obstime: cls(obstime=obstime, magnetic_model="igrf13"))
    ours = geo_frames.transform_series(T, V, "GSE", frame, kind="vector",
                                       magnetic_model="igrf13", orientation=eo)
    relative = np.abs(ours - theirs).max() / np.linalg.norm(V, axis=1).max()
    assert 2e-5 < relative < 1.1e-4

    def hcrs(z_km):
        c = SkyCoord(CartesianRepresentation(np.tile([0, 0, z_km], (len(T), 1)).T * u.km),
                     frame=frames.Geomagnetic(obstime=obst, magnetic_model="igrf13"))
        return c.transform_to("hcrs").cartesian.xyz.to_value(u.km).T

    their_pole = (hcrs(1e4) - hcrs(0.0)) / 1e4
    beta = (earth_icrs_km(T + 30) - earth_icrs_km(T - 30)) / 60 / C_KMS
    pole = earth_rotation.itrs_to_gcrs(T, igrf.dipole_axis_geo(T, "igrf13"), eo.dut1_s,
                                       eo.xp_rad, eo.yp_rad)
    assert np.abs(pole - their_pole).max() > 5e-5
    moved = pole - (beta - np.sum(pole * beta, axis=1, keepdims=True) * pole)
    assert np.abs(moved - their_pole).max() < 1e-7


@pytest.mark.parametrize("frame", ["GSM", "SM"])
@pytest.mark.parametrize("other", ["GSE", "HCI", "HEEQ", "GSM", "SM"])
def test_round_trips_and_lengths(frame, other):
    there = geo_frames.transform_series(T, V, other, frame, kind="vector")
    assert np.allclose(np.linalg.norm(there, axis=1), np.linalg.norm(V, axis=1), rtol=1e-12)
    back = geo_frames.transform_series(T, there, frame, other, kind="vector")
    assert np.allclose(back, V, rtol=1e-12, atol=1e-12)
    p = V * 1e4
    back = geo_frames.transform_series(
        T, geo_frames.transform_series(T, p, other, frame), frame, other)
    assert np.allclose(back, p, rtol=1e-9, atol=1e-5)


def test_gsm_shares_x_with_gse_and_the_dipole_tilt_stays_within_its_range():
    t = 1715342400.0 + np.arange(0, 365 * 86400, 3600.0)
    x = geo_frames.transform_series(t, np.tile([1.0, 0, 0], (len(t), 1)), "GSE", "GSM",
                                    kind="vector")
    assert np.allclose(x, [1.0, 0, 0], atol=1e-15)
    d = geo_frames.dipole_gse(t, earth_icrs_km(t))
    tilt = np.degrees(np.arcsin(d[:, 0]))  # dipole tilt: +-(23.4 + 9.7) deg at most
    assert 30 < tilt.max() < 34 and -34 < tilt.min() < -30


def test_gse_to_gsm_reproduces_swpc_real_time_solar_wind_gsm():
    """SWPC's RTSW product carries ACE and DSCOVR field in GSE and in GSM (0.01 nT)."""
    rows = json.loads(shared_file("swpc/rtsw_mag_1m.json").read_text())
    rows = [r for r in rows if r["bx_gse"] is not None and r["bx_gsm"] is not None]
    t = np.array([np.datetime64(r["time_tag"], "s").astype(float) for r in rows])
    gse = np.array([[r["bx_gse"], r["by_gse"], r["bz_gse"]] for r in rows])
    gsm = np.array([[r["bx_gsm"], r["by_gsm"], r["bz_gsm"]] for r in rows])
    ours = geo_frames.transform_series(t, gse, "GSE", "GSM", kind="vector")
    diff = np.abs(ours - gsm)
    assert len(rows) == 2850
    assert np.median(diff) < 0.01 and diff.max() < 0.1  # nT
    assert np.median(np.abs(gse - gsm)[:, 1:]) > 0.3  # the rotation is not negligible


def test_geo_to_mag_matches_sunpy_geomagnetic():
    """GEO -> MAG is Earth-fixed on both sides (no GCRS, no aberration): exact."""
    import astropy.units as u
    from astropy.coordinates import ITRS, CartesianRepresentation, SkyCoord
    from astropy.time import Time
    from sunpy.coordinates import frames

    obst = Time(T, format="unix")
    c = SkyCoord(ITRS(CartesianRepresentation(V.T * 1e4 * u.km), obstime=obst))
    theirs = c.transform_to(frames.Geomagnetic(obstime=obst, magnetic_model="igrf13"))
    ours = geo_frames.transform_series(T, V * 1e4, "GEO", "MAG", kind="vector",
                                       magnetic_model="igrf13")
    assert np.abs(ours - theirs.cartesian.xyz.to_value(u.km).T).max() < 1e-9 * 1e4 * 13


def test_gei_matches_sunpy_and_geo_matches_astropy_itrs(astropy_de421):
    """GEI is the mean equator of J2000 (frame bias from ICRS, 1e-7 rad) like sunpy's:
    positions < 1 m; GEO from GEI is astropy's GCRS -> ITRS rotation, < 1e-9."""
    import astropy.units as u
    from astropy.coordinates import GCRS, ITRS, CartesianRepresentation, SkyCoord
    from sunpy.coordinates import frames

    hee = np.array([[1.5e8, 2e7, 3e6], [-4e7, 1e8, -2e6], [2.2e8, -1.3e8, 5e6],
                    [1.4e8, 1e6, 0.0]])
    gei = geo_frames.transform_series(T, hee, "HEE", "GEI")
    obst, eo = _iers(T)
    c = SkyCoord(CartesianRepresentation(hee.T * u.km),
                 frame=frames.HeliocentricEarthEcliptic(obstime=obst))
    direct = c.transform_to(frames.GeocentricEarthEquatorial(obstime=obst))
    assert np.linalg.norm(gei - direct.cartesian.xyz.to_value(u.km).T, axis=1).max() < 1e-3
    gcrs = geo_frames.transform_series(T, V, "GEI", "ICRS", kind="vector")  # GCRS axes
    geo = geo_frames.transform_series(T, V, "GEI", "GEO", kind="vector", orientation=eo)
    ref = GCRS(CartesianRepresentation(gcrs.T * u.km), obstime=obst).transform_to(
        ITRS(obstime=obst)).cartesian.xyz.to_value(u.km).T
    assert np.abs(geo - ref).max() < 1e-9 * np.abs(V).max()


@pytest.mark.parametrize("frame", ["GEI", "GEO", "MAG"])
@pytest.mark.parametrize("other", ["GSM", "HCI", "GEO"])
def test_earth_fixed_round_trips(frame, other):
    for kind, data in (("vector", V), ("position", V * 1e4)):
        there = geo_frames.transform_series(T, data, other, frame, kind=kind)
        back = geo_frames.transform_series(T, there, frame, other, kind=kind)
        assert np.allclose(back, data, rtol=1e-9, atol=1e-5 if kind == "position" else 1e-12)
    earth = geo_frames.transform_series(T, np.zeros((4, 3)), frame, "GSE")
    assert np.abs(earth).max() < 1e-6  # the origin is Earth's centre
