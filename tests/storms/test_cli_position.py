"""``storms position`` through click's CliRunner, against independent values."""

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from storms.cli import cli

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("STORMS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("STORMS_EPHEMERIS_DIR", raising=False)

    def invoke(*args):
        return CliRunner().invoke(cli, ["position", *args])

    return invoke


def test_json_earth_heeq_and_hgc_against_sunpy(run):
    from astropy.coordinates import solar_system_ephemeris
    from astropy.time import Time
    from sunpy.coordinates import get_body_heliographic_stonyhurst, sun

    from propagation.ephemerides import de421_path

    result = run("earth", "--time", "2024-05-10T17:00,2024-05-11T17:00Z", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["time"] for r in rows] == ["2024-05-10T17:00:00.000Z", "2024-05-11T17:00:00.000Z"]
    assert set(rows[0]) == {"body", "time", "frame", "x_au", "y_au", "z_au", "r_au",
                            "lon_deg", "lat_deg", "source"}
    with solar_system_ephemeris.set(de421_path()):
        t = Time(["2024-05-10T17:00", "2024-05-11T17:00"], scale="utc")
        ref = get_body_heliographic_stonyhurst("earth", t)
        l0 = sun.L0(t).to_value("deg")
    for row, r_ref, b0 in zip(rows, ref.radius.to_value("AU"), ref.lat.to_value("deg"),
                              strict=True):
        assert row["body"] == "Earth" and row["frame"] == "HEEQ" and row["source"] == "de421"
        assert row["r_au"] == pytest.approx(r_ref, abs=1e-8)
        assert row["lat_deg"] == pytest.approx(b0, abs=1e-6)
        assert row["lon_deg"] == pytest.approx(0.0, abs=1e-9)
    hgc = json.loads(run("Earth", "--time", "2024-05-10T17:00", "--frame", "hgc",
                         "--json").output)
    assert hgc[0]["frame"] == "HGC"
    assert hgc[0]["lon_deg"] == pytest.approx(l0[0], abs=1e-6)  # Earth's HGC lon is L0


def test_table_output(run):
    result = run("L1", "--time", "2024-05-10")
    assert result.exit_code == 0, result.output
    assert "L1 in HEEQ (source: derived:earth)" in result.output
    assert "2024-05-10T00:00:00.000Z" in result.output and "lon_deg" in result.output


@pytest.mark.skipif(not (SHARED / "ephemeris").exists(), reason="needs ../shared/data")
def test_psp_from_kernel(run, monkeypatch):
    monkeypatch.setenv("STORMS_EPHEMERIS_DIR", str(SHARED / "ephemeris"))
    rows = json.loads(run("PSP", "--time", "2021-03-01T00:00", "--json").output)
    assert rows[0]["r_au"] == pytest.approx(0.769, abs=0.0005)  # shared/data README check
    assert rows[0]["source"] == "spice:spp_recon_20210226_20210325_v001.bsp"
    assert np.hypot(np.hypot(rows[0]["x_au"], rows[0]["y_au"]), rows[0]["z_au"]) == \
        pytest.approx(rows[0]["r_au"])


@pytest.mark.parametrize("args, message", [
    (("Vulcan", "--time", "2024-05-10"), "unknown body 'Vulcan'; known bodies: Sun"),
    (("Earth", "--time", "yesterday"), "'yesterday' is not an ISO 8601 UTC time"),
    (("Earth", "--time", ","), "at least one"),
    (("Earth", "--time", "2024-05-10", "--frame", "GSM"), "unknown frame 'GSM'"),
    (("STEREO-A", "--time", "2024-05-10"), "no ephemeris for STEREO-A at 2024-05-10"),
])
def test_errors_are_clean(run, args, message):
    result = run(*args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, ValueError)  # handled as ClickException
