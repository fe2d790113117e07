"""Ephemerides: DE421 against sunpy, the PSP SPICE kernel, Horizons tables, L-points, errors."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from propagation import ephemerides
from propagation.bodies import BODIES, resolve_body
from propagation.constants import AU_KM
from propagation.ephemerides import EphemerisUnavailable, positions

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ephemeris"


def unix(iso: str) -> float:
    return float(np.datetime64(iso, "ms").astype(np.int64)) / 1000.0


@pytest.fixture
def no_ephemeris_dir(monkeypatch):
    monkeypatch.delenv("STORMS_EPHEMERIS_DIR", raising=False)


def test_planets_match_sunpy(astropy_de421, no_ephemeris_dir):
    from astropy.time import Time
    from sunpy.coordinates import get_body_heliographic_stonyhurst

    t = np.array([unix("1995-03-01T00:00"), unix("2024-05-10T17:00"), unix("2040-12-31")])
    names = ["Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn", "Neptune", "Moon"]
    ours = positions(names, t, "HEEQ")
    for i, name in enumerate(names):
        ref = get_body_heliographic_stonyhurst(name.lower(), Time(t, format="unix"))
        ref_xyz = ref.cartesian.xyz.to_value("km").T
        assert np.linalg.norm(ours.xyz_km[i] - ref_xyz, axis=1).max() < 1.0, name
    assert set(ours.sources.values()) == {"de421"}


def test_psp_kernel(monkeypatch, shared):
    folder = shared("ephemeris/spp_recon_20210226_20210325_v001.bsp").parent
    monkeypatch.setenv("STORMS_EPHEMERIS_DIR", str(folder))
    p = positions(["PSP"], [unix("2021-03-01T00:00")], "HEEQ")
    assert p.sources["Parker Solar Probe"] == "spice:spp_recon_20210226_20210325_v001.bsp"
    assert p.r_km[0, 0] / AU_KM == pytest.approx(0.769, abs=0.0005)  # data README check
    with pytest.raises(EphemerisUnavailable, match="Parker Solar Probe.*2021-04-01"):
        positions(["PSP"], [unix("2021-04-01T00:00")])


def test_psp_kernel_against_spiceypy_directly(monkeypatch, shared):
    import spiceypy

    folder = shared("ephemeris/naif0012.tls").parent
    monkeypatch.setenv("STORMS_EPHEMERIS_DIR", str(folder))
    t = unix("2021-03-10T06:00")
    ours = positions(["PSP"], [t], "ICRS").xyz_km[0, 0]
    spiceypy.furnsh(str(folder / "naif0012.tls"))
    spiceypy.furnsh(str(folder / "spp_recon_20210226_20210325_v001.bsp"))
    ref, _ = spiceypy.spkpos("-96", spiceypy.str2et("2021-03-10T06:00:00"), "J2000", "NONE",
                             "SUN")
    assert np.linalg.norm(ours - np.array(ref)) < 0.01  # km


@pytest.mark.parametrize("name", ["horizons_mars_icrf_km.txt", "horizons_mars_ecliptic_au.txt"])
def test_horizons_tables(monkeypatch, tmp_path, name):
    shutil.copy(FIXTURES / name, tmp_path / name)
    monkeypatch.setenv("STORMS_EPHEMERIS_DIR", str(tmp_path))
    t = np.array([unix("2024-05-10T03:00"), unix("2024-05-11T15:30")])
    from_table = positions(["Mars"], t, "HEEQ")
    assert from_table.sources["Mars"] == "horizons:Mars (499)"
    monkeypatch.delenv("STORMS_EPHEMERIS_DIR")
    direct = positions(["Mars"], t, "HEEQ")
    assert direct.sources["Mars"] == "de421"
    assert np.linalg.norm(from_table.xyz_km - direct.xyz_km, axis=-1).max() < 1.0  # km


def test_horizons_parser_refuses_b1950_and_other_centres():
    text = (FIXTURES / "horizons_mars_icrf_km.txt").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="B1950"):
        ephemerides.parse_horizons_vectors(text.replace("Reference frame : ICRF",
                                                        "Reference frame : FK4/B1950"))
    with pytest.raises(ValueError, match="centre"):
        ephemerides.parse_horizons_vectors(text.replace("Sun (10)", "Earth (399)"))
    with pytest.raises(ValueError, match="SOE"):
        ephemerides.parse_horizons_vectors("no data here")


def test_lagrange_points(no_ephemeris_dir):
    t = [unix("2024-05-10T00:00")]
    p = positions(["Earth", "L1", "L2", "L4", "L5"], t, "HEE")
    earth = p.xyz_km[0, 0]
    d1 = np.linalg.norm(earth - p.xyz_km[1, 0])
    d2 = np.linalg.norm(p.xyz_km[2, 0] - earth)
    assert 1.47e6 < d1 < 1.53e6 and 1.47e6 < d2 < 1.53e6  # ~0.01 AU sunward / anti-sunward
    assert np.degrees(p.lon_rad[3, 0]) == pytest.approx(60.0, abs=0.01)
    assert np.degrees(p.lon_rad[4, 0]) == pytest.approx(-60.0, abs=0.01)
    assert p.sources["L1"] == "derived:earth"


def test_l1_monitors_are_reported_as_stand_ins(no_ephemeris_dir):
    p = positions(["ACE", "L1"], [unix("2024-05-10T00:00")])
    assert p.sources["ACE"] == "approx:L1"
    np.testing.assert_array_equal(p.xyz_km[0], p.xyz_km[1])


def test_spacecraft_without_ephemeris_is_an_error(no_ephemeris_dir):
    with pytest.raises(EphemerisUnavailable, match="no ephemeris for STEREO-A at 2024-05-10"):
        positions(["STEREO-A"], [unix("2024-05-10T00:00")])


def test_registry():
    assert resolve_body("psp").name == "Parker Solar Probe"
    assert resolve_body("STEREO A").name == "STEREO-A"
    assert resolve_body("solo").name == "Solar Orbiter"
    with pytest.raises(ValueError, match="unknown body 'Vulcan'; known bodies: Sun"):
        resolve_body("Vulcan")
    names = {b.name for b in BODIES}
    assert {"Juno", "JUICE", "Europa Clipper", "BepiColombo", "SOHO", "DSCOVR"} <= names


def test_outside_de421_span(no_ephemeris_dir):
    with pytest.raises(EphemerisUnavailable, match="DE421"):
        positions(["Mars"], [unix("2060-01-01T00:00")])
