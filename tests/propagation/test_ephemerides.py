"""Ephemerides against independent references: sunpy/astropy on the same DE421 file, the
PSP SPICE kernel read directly with spiceypy, real Horizons output, L-point theory."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from propagation import ephemerides
from propagation.constants import AU_KM
from propagation.ephemerides import EphemerisUnavailable, positions

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ephemeris"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
needs_shared = pytest.mark.skipif(not (SHARED / "ephemeris").exists(),
                                  reason="needs ../shared/data/ephemeris (PSP kernel, LSK)")
PSP_KERNEL = "spp_recon_20210226_20210325_v001.bsp"


def unix(iso: str) -> float:
    return float(np.datetime64(iso, "ms").astype(np.int64)) / 1000.0


@pytest.fixture
def no_ephemeris_dir(monkeypatch):
    monkeypatch.delenv("STORMS_EPHEMERIS_DIR", raising=False)


@pytest.fixture
def psp_dir(monkeypatch):
    monkeypatch.setenv("STORMS_EPHEMERIS_DIR", str(SHARED / "ephemeris"))


def test_planets_match_sunpy_1990_2040(astropy_de421, no_ephemeris_dir):
    """sunpy get_body_heliographic_stonyhurst (astropy on the same DE421), < 1 km."""
    from astropy.time import Time
    from sunpy.coordinates import get_body_heliographic_stonyhurst

    t = np.linspace(unix("1990-01-01"), unix("2040-12-31"), 25)
    names = ["Mercury", "Venus", "Earth", "Moon", "Mars", "Jupiter", "Saturn", "Uranus",
             "Neptune", "Pluto"]
    ours = positions(names, t, "HEEQ")
    for i, name in enumerate(names):
        ref = get_body_heliographic_stonyhurst(name.lower(), Time(t, format="unix"))
        ref_xyz = ref.cartesian.xyz.to_value("km").T
        assert np.linalg.norm(ours.xyz_km[i] - ref_xyz, axis=1).max() < 1.0, name
        lon = ref.lon.to_value("rad")
        assert np.allclose(np.angle(np.exp(1j * (ours.lon_rad[i] - lon))), 0, atol=1e-8)
        assert np.allclose(ours.lat_rad[i], ref.lat.to_value("rad"), atol=1e-8)
    assert set(ours.sources.values()) == {"de421"}
    assert np.all((ours.lon_rad > -np.pi) & (ours.lon_rad <= np.pi))


def test_earth_is_on_the_heeq_x_axis(astropy_de421, no_ephemeris_dir):
    from astropy.time import Time
    from sunpy.coordinates import sun

    t = unix("2024-05-10T17:00")
    p = positions(["earth", "sun"], [t], "HEEQ")
    assert p.lon_rad[0, 0] == pytest.approx(0.0, abs=1e-12)
    ref_km = sun.earth_distance(Time(t, format="unix")).to_value("km")
    assert p.r_km[0, 0] == pytest.approx(ref_km, abs=1.0)
    assert p.lat_rad[0, 0] == pytest.approx(sun.B0(Time(t, format="unix")).to_value("rad"),
                                            abs=1e-8)
    assert p.r_km[1, 0] == 0.0


def test_utc_to_et_matches_spice_leap_seconds(shared):
    import spiceypy

    spiceypy.furnsh(str(shared("ephemeris/naif0012.tls")))
    for iso in ("1995-03-01T00:00:00", "2016-12-31T23:59:59", "2017-01-01T00:00:00",
                "2024-05-10T17:00:00"):
        assert ephemerides.et_seconds([unix(iso)])[0] == pytest.approx(spiceypy.str2et(iso),
                                                                       abs=1e-4)


@needs_shared
def test_psp_kernel(psp_dir):
    p = positions(["PSP"], [unix("2021-03-01T00:00")], "HEEQ")
    assert p.sources["Parker Solar Probe"] == f"spice:{PSP_KERNEL}"
    assert p.r_km[0, 0] / AU_KM == pytest.approx(0.769, abs=0.0005)  # shared/data README


@needs_shared
def test_psp_kernel_against_spiceypy_directly(psp_dir):
    import spiceypy

    folder = SHARED / "ephemeris"
    ours = positions(["Parker Solar Probe"], [unix("2021-03-10T06:00")], "ICRS").xyz_km[0, 0]
    spiceypy.furnsh(str(folder / "naif0012.tls"))
    spiceypy.furnsh(str(folder / PSP_KERNEL))
    ref, _ = spiceypy.spkpos("-96", spiceypy.str2et("2021-03-10T06:00:00"), "J2000", "NONE",
                             "SUN")
    assert np.linalg.norm(ours - np.array(ref)) < 0.01  # km


@needs_shared
def test_outside_kernel_coverage_is_an_error_naming_body_time_and_sources(psp_dir):
    t = [unix("2021-03-01T00:00"), unix("2021-04-01T00:00")]
    with pytest.raises(EphemerisUnavailable) as err:
        positions(["psp"], t)
    msg = str(err.value)
    assert "Parker Solar Probe" in msg and "2021-04-01T00:00:00.000Z" in msg
    assert "spice (" in msg and PSP_KERNEL in msg and "horizons (" in msg
    assert isinstance(err.value, ValueError)


def _folder_with(tmp_path, *names):
    for name in names:
        shutil.copy(FIXTURES / name, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize("name", ["horizons_mars_icrf_km.txt", "horizons_mars_ecliptic_au.txt"])
def test_horizons_tables_against_de421(monkeypatch, tmp_path, name):
    monkeypatch.setenv("STORMS_EPHEMERIS_DIR", str(_folder_with(tmp_path, name)))
    t = np.array([unix("2024-05-10T03:00"), unix("2024-05-11T15:30")])
    from_table = positions(["Mars"], t, "HEEQ")
    assert from_table.sources["Mars"] == f"horizons:{name}"
    monkeypatch.delenv("STORMS_EPHEMERIS_DIR")
    direct = positions(["Mars"], t, "HEEQ")
    assert direct.sources["Mars"] == "de421"
    # 6-hour cubic spline of Mars: well under 1 km
    assert np.linalg.norm(from_table.xyz_km - direct.xyz_km, axis=-1).max() < 1.0


def test_real_horizons_b1950_ecliptic_table(monkeypatch, tmp_path, no_ephemeris_dir):
    """Real Horizons output (DE441, 'Ecliptic of B1950.0', BOM, CRLF, format 3) against
    DE421's Earth: agreement to < 1 km shows the B1950 frame is honoured (ignoring it
    would be off by ~1e6 km; SPICE's built-in B1950 frame would be off by ~370 km)."""
    name = "horizons_earth_ecliptic_b1950_excerpt.txt"
    table = ephemerides.parse_horizons_vectors(
        (FIXTURES / name).read_text(encoding="utf-8"), name)
    assert table.frame == "ECLIPB1950" and table.naif == 399 and len(table.jd_tdb) == 5
    t = [unix("2018-08-12T12:00"), unix("2018-08-13T01:00")]
    direct = positions(["Earth"], t, "ICRS")
    monkeypatch.setenv("STORMS_EPHEMERIS_DIR", str(_folder_with(tmp_path, name)))
    from_table = positions(["Earth"], t, "ICRS")
    assert from_table.sources["Earth"] == f"horizons:{name}"
    assert np.linalg.norm(from_table.xyz_km - direct.xyz_km, axis=-1).max() < 1.0


def test_horizons_time_by_time_fallback(monkeypatch, tmp_path):
    """Inside the table's 2 days Mars comes from it, outside from DE421."""
    monkeypatch.setenv("STORMS_EPHEMERIS_DIR",
                       str(_folder_with(tmp_path, "horizons_mars_icrf_km.txt")))
    p = positions(["Mars"], [unix("2024-05-10T03:00"), unix("2024-06-01T00:00")])
    assert p.sources["Mars"] == "horizons:horizons_mars_icrf_km.txt+de421"


def test_horizons_header_variants_and_refusals():
    text = (FIXTURES / "horizons_mars_icrf_km.txt").read_text(encoding="utf-8")
    ecl = (FIXTURES / "horizons_mars_ecliptic_au.txt").read_text(encoding="utf-8")
    parse = ephemerides.parse_horizons_vectors
    ref = parse(text).xyz_km
    assert parse(text).frame == "ICRF" and parse(text).naif == 499
    # the older two-line header form of the ecliptic frame
    old = ecl.replace("Reference frame : Ecliptic of J2000.0", "Reference frame : ICRF/J2000.0"
                      "\r\nCoordinate systm: Ecliptic and Mean Equinox of Reference Epoch")
    assert parse(old).frame == "ECLIPJ2000"
    assert np.abs(parse(old).xyz_km - ref).max() < 0.01  # km
    assert parse(text.replace("Reference frame : ICRF", "Reference frame : FK4/B1950.0")
                 ).frame == "B1950"
    with pytest.raises(ValueError, match="centre"):
        parse(text.replace("Sun (10)", "Earth (399)"))
    with pytest.raises(ValueError, match="JDTDB"):
        parse(text.replace("JDTDB", "JDUT"))
    with pytest.raises(ValueError, match="body equator"):
        parse(text.replace("Reference frame : ICRF", "Reference frame : Body mean equator"))
    with pytest.raises(ValueError, match="no reference frame"):
        parse(text.replace("Reference frame : ICRF", ""))
    with pytest.raises(ValueError, match="SOE"):
        parse("no data here")


def test_lagrange_points(no_ephemeris_dir):
    """L1/L2 distances: our Newton-solved quintic against a root of the CR3BP force balance
    on the x axis (scipy brentq); Earth-Moon L1 0.1509 as a textbook check."""
    from scipy.optimize import brentq

    from propagation.constants import MU_SUN_EMB

    def force(x, mu):
        return x - (1 - mu) * (x + mu) / abs(x + mu) ** 3 - mu * (x - 1 + mu) / abs(x - 1 + mu) ** 3

    for mu in (MU_SUN_EMB, 0.0121505856):
        g1 = 1 - mu - brentq(force, 0.5, 1 - mu - 1e-9, args=(mu,), xtol=1e-15)
        g2 = brentq(force, 1 - mu + 1e-9, 2.0, args=(mu,), xtol=1e-15) - (1 - mu)
        assert ephemerides.lagrange_gamma("L1", mu) == pytest.approx(g1, rel=1e-9)
        assert ephemerides.lagrange_gamma("L2", mu) == pytest.approx(g2, rel=1e-9)
    assert ephemerides.lagrange_gamma("L1", 0.0121505856) == pytest.approx(0.150934, abs=1e-6)
    t = [unix("2024-05-10T00:00"), unix("2024-11-10T00:00")]
    p = positions(["Earth", "L1", "L2", "L4", "L5"], t, "HEE")
    d1 = np.linalg.norm(p.xyz_km[0] - p.xyz_km[1], axis=-1)
    d2 = np.linalg.norm(p.xyz_km[2] - p.xyz_km[0], axis=-1)
    assert np.all((1.48e6 < d1) & (d1 < 1.52e6)) and np.all((1.49e6 < d2) & (d2 < 1.53e6))
    assert np.allclose(p.lat_rad[1], p.lat_rad[0]) and np.allclose(p.lon_rad[1], 0, atol=1e-12)
    assert np.degrees(p.lon_rad[3]) == pytest.approx([60.0, 60.0], abs=0.01)
    assert np.degrees(p.lon_rad[4]) == pytest.approx([-60.0, -60.0], abs=0.01)
    assert p.r_km[3] == pytest.approx(p.r_km[0]) and p.sources["L4"] == "derived:earth"


def test_l1_monitors_are_reported_as_stand_ins(no_ephemeris_dir):
    p = positions(["ACE", "wind", "L1"], [unix("2024-05-10T00:00")])
    assert p.sources["ACE"] == "approx:L1" and p.sources["Wind"] == "approx:L1"
    np.testing.assert_array_equal(p.xyz_km[0], p.xyz_km[2])


def test_spacecraft_without_ephemeris_is_an_error(no_ephemeris_dir):
    with pytest.raises(EphemerisUnavailable,
                       match=r"no ephemeris for STEREO-A at 2024-05-10T00:00:00.000Z.*"
                             r"STORMS_EPHEMERIS_DIR is not set"):
        positions(["STA"], [unix("2024-05-10T00:00")])


def test_outside_de421_span(no_ephemeris_dir):
    with pytest.raises(EphemerisUnavailable, match="Mars at 2060-01-01.*de421"):
        positions(["Mars"], [unix("2060-01-01T00:00")], "HCI")
    with pytest.raises(EphemerisUnavailable, match="Earth"):
        positions(["Mars"], [unix("2060-01-01T00:00")], "HEEQ")


def test_shapes_frames_and_bad_input(no_ephemeris_dir):
    t = np.linspace(unix("2024-01-01"), unix("2024-12-31"), 7)
    p = positions(["Venus", "Mars", "L5"], t, "hgs")
    assert p.xyz_km.shape == (3, 7, 3) and p.frame == "HEEQ" and p.bodies[2] == "L5"
    assert p.r_km.shape == p.lon_rad.shape == p.lat_rad.shape == (3, 7)
    assert "planets" in p.constants
    hgc = positions("Venus", t, "HGC")
    assert np.all((hgc.lon_rad >= 0) & (hgc.lon_rad < 2 * np.pi))
    np.testing.assert_allclose(hgc.r_km[0], p.r_km[0])
    with pytest.raises(ValueError, match="unknown body 'Vulcan'"):
        positions(["Vulcan"], t)
    with pytest.raises(ValueError, match="known frames"):
        positions(["Venus"], t, "GSM")
    with pytest.raises(ValueError, match="NaN"):
        positions(["Venus"], [np.nan])


def test_long_dense_earth_series_is_splined_within_a_micrometre_of_km():
    from propagation.ephemerides import _earth, _epochs, earth_icrs_km

    t = 1_704_067_200.0 + np.arange(100_000) * 60.0 + 7.3  # 69 days at 1 min
    splined = earth_icrs_km(t)
    idx = np.arange(0, len(t), 331)
    assert np.abs(splined[idx] - _earth(_epochs(t[idx]))).max() < 1e-5  # km
