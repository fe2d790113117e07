"""The transform service (storms.transform) and ``storms transform``: real ACE and PSP files,
units, the ephemerides behind RTN, and refusals that name the row."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from click.testing import CliRunner

from ingest.vector_files import read_series
from propagation import geo_frames
from propagation.constants import AU_KM
from propagation.ephemerides import heliocentric_icrs
from storms.cli import cli
from storms.transform import TransformError, transform_file, write_result
from tests.conftest import shared_file


@pytest.fixture(autouse=True)
def offline(tmp_path, monkeypatch):
    from storms.config import prepare_offline_science_stack

    monkeypatch.setenv("STORMS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("STORMS_EPHEMERIS_DIR", raising=False)
    prepare_offline_science_stack(tmp_path)


def _csv(rows, header="time,x [AU],y [AU],z [AU]", extra=""):
    return (extra + header + "\n" + "\n".join(rows) + "\n").encode()


def test_real_ace_field_to_gsm_and_back_through_every_format():
    path = shared_file("cdf/ac_k2_mfi_20220101_v03.cdf")
    gsm = transform_file(path.read_bytes(), path.name, "GSM")
    assert (gsm.from_frame, gsm.kind, gsm.result.unit) == ("GSE", "vector", "nT")
    assert any("IGRF14" in n for n in gsm.notes)
    b_in, b_out = gsm.source.xyz, gsm.result.xyz
    assert np.allclose(b_out[:, 0], b_in[:, 0])  # GSE and GSM share X
    assert np.allclose(np.linalg.norm(b_out, axis=1), np.linalg.norm(b_in, axis=1))
    assert np.abs(b_out[:, 1:] - b_in[:, 1:]).max() > 1.0  # nT: January tilt is large
    for fmt in ("csv", "votable", "cdf"):
        data = write_result(gsm, fmt)
        back = transform_file(data, f"ace_gsm.{fmt}", "GSE")
        assert back.from_frame == "GSM"
        assert np.allclose(back.result.xyz, b_in, atol=1e-9)


def test_real_psp_file_is_outside_the_orbit_the_service_has(monkeypatch):
    """The PSP MAG file (2020-01-04) and the PSP SPK (2021-02/03) do not overlap: the refusal
    names the first record and what the kernel covers."""
    monkeypatch.setenv("STORMS_EPHEMERIS_DIR",
                       str(shared_file("ephemeris/spp_recon_20210226_20210325_v001.bsp").parent))
    path = shared_file("cdf/psp_fld_l2_mag_rtn_1min_20200104_v02.cdf")
    with pytest.raises(TransformError) as err:
        transform_file(path.read_bytes(), path.name, "HEEQ", body="PSP")
    text = str(err.value)
    assert text.startswith(f"{path.name}, record 0 (2020-01-04T02:33:30.000Z): ")
    assert "covers NAIF -96 only 2021-02-25T23:59 to 2021-03-25T16:00" in text
    with pytest.raises(TransformError, match="RTN needs the spacecraft"):
        transform_file(path.read_bytes(), path.name, "HEEQ")


def test_rtn_field_on_psp_orbit_matches_the_engine(monkeypatch):
    monkeypatch.setenv("STORMS_EPHEMERIS_DIR",
                       str(shared_file("ephemeris/spp_recon_20210226_20210325_v001.bsp").parent))
    rows = [f"2021-03-0{d}T00:00Z,-40.5,10.25,{d}" for d in range(1, 6)]
    data = _csv(rows, "time,br [nT],bt [nT],bn [nT]", "# frame: RTN\n")
    out = transform_file(data, "psp.csv", "HCI", body="PSP")
    t = out.source.t_unix_s
    expected = geo_frames.transform_series(t, out.source.xyz, "RTN", "HCI", kind="vector",
                                           observer_icrs_km=heliocentric_icrs("PSP", t)[0])
    assert np.allclose(out.result.xyz, expected, rtol=1e-12)
    assert any("spp_recon" in n for n in out.notes)
    late = _csv(rows + ["2021-04-02T00:00Z,1,2,3"], "time,br [nT],bt [nT],bn [nT]",
                "# frame: RTN\n")
    with pytest.raises(TransformError, match=r"psp\.csv, line 8 \(2021-04-02T00:00:00.000Z\)"):
        transform_file(late, "psp.csv", "HCI", body="PSP")


def test_positions_in_au_are_moved_to_the_new_origin_in_km():
    rows = ["2024-05-10T00:00Z,1.0,0.0,0.0", "2024-05-10T06:00Z,0.99,0.01,0.0"]
    out = transform_file(_csv(rows, extra="# frame: HEE\n"), "t.csv", "GSE")
    assert out.kind == "position" and out.result.unit == "km"
    t = out.source.t_unix_s
    expected = geo_frames.transform_series(t, out.source.xyz * AU_KM, "HEE", "GSE")
    assert np.allclose(out.result.xyz, expected, rtol=1e-12, atol=1e-6)
    # 1 AU from the Sun on the Sun-Earth line: sunward of Earth by Earth's distance - 1 AU
    from propagation.ephemerides import earth_icrs_km

    r_earth = np.linalg.norm(earth_icrs_km(t[:1]), axis=1)[0]
    assert out.result.xyz[0, 0] == pytest.approx(r_earth - AU_KM, abs=1e-3)
    assert np.abs(out.result.xyz[0, 1:]).max() < 1e-3


def test_output_units_are_converted_by_astropy_and_read_back():
    rows = ["2024-05-10T00:00Z,1.0,0.0,0.0", "2024-05-10T06:00Z,0.99,0.01,0.0"]
    data = _csv(rows, extra="# frame: HEE\n")
    km = transform_file(data, "t.csv", "GSE")
    re_ = transform_file(data, "t.csv", "GSE", out_unit="earthRad")
    assert re_.result.unit == "earthRad"
    assert np.allclose(re_.result.xyz * 6378.1, km.result.xyz, rtol=1e-12)  # IAU 2015 R_E
    back = read_series(write_result(re_, "csv"), "gse.csv")
    assert back.unit == "earthRad" and np.allclose(back.xyz, re_.result.xyz, rtol=1e-15)
    field = b"# frame: GSE\ntime,bx [nT],by [nT],bz [nT]\n2024-05-10T00:00Z,1e5,0,0\n"
    assert transform_file(field, "b.csv", "GSM", out_unit="G").result.xyz[0, 0] == \
        pytest.approx(1.0)  # 1 G = 1e5 nT
    with pytest.raises(TransformError, match=r"out_unit: 'km' cannot be reached from 'nT'"):
        transform_file(field, "b.csv", "GSM", out_unit="km")
    with pytest.raises(TransformError, match=r"out_unit: 'dex\(nT\)' .*logarithmic"):
        transform_file(field, "b.csv", "GSM", out_unit="dex(nT)")
    header = b"# frame: HEE\ntime,x [dex(km)],y [dex(km)],z [dex(km)]\n2024-01-01T00:00Z,1,2,3\n"
    with pytest.raises(TransformError, match=r"unit 'dex\(km\)' of columns x, y, z is not a"):
        transform_file(header, "t.csv", "GSE", kind="position")
    with pytest.raises(TransformError, match=r"out_unit: 'parsec-ish' cannot be reached"):
        transform_file(data, "t.csv", "GSE", out_unit="parsec-ish")


@pytest.mark.parametrize("data, kwargs, match", [
    (b"time,x [nT],y [nT],z [nT]\n2024-01-01T00:00Z,1,2,3\n", {"to_frame": "GSM"},
     "does not say its frame"),
    (b"time,x,y,z\n2024-01-01T00:00Z,1,2,3\n", {"to_frame": "GSM", "from_frame": "GSE"},
     "position or a vector"),
    (b"time,x [nT],y [nT],z [nT]\n2024-01-01T00:00Z,1,2,3\n",
     {"to_frame": "GSM", "from_frame": "GSE", "kind": "position"}, "is not a length"),
    (b"time,x [km],y [km],z [km]\n2024-01-01T00:00Z,1,2,3\n",
     {"to_frame": "XYZ", "from_frame": "GSE"}, "to: unknown frame 'XYZ'"),
    (b"time,x,y,z\n2024-01-01T00:00Z,1,2,3\n",
     {"to_frame": "GSM", "from_frame": "GSE", "kind": "position", "unit": "dex(km)"},
     "is not a length"),
    (b"time,x [km],y [km],z [km]\n2024-01-01T00:00Z,1,2,3\n2060-01-01T00:00Z,1,2,4\n",
     {"to_frame": "HEE", "from_frame": "GSE"},
     r"t\.csv, line 3 \(2060-01-01T00:00:00.000Z\): no ephemeris for Earth"),
])
def test_requests_that_cannot_be_done_are_refused_with_the_reason(data, kwargs, match):
    with pytest.raises(TransformError, match=match):
        transform_file(data, "t.csv", **kwargs)


def test_gsm_after_the_igrf_validity_says_so():
    data = b"# frame: GSE\ntime,bx [nT],by [nT],bz [nT]\n2031-06-01T00:00Z,1,2,3\n"
    out = transform_file(data, "late.csv", "GSM")
    assert any("IGRF14 is valid until 2030.0" in n for n in out.notes)


def test_hgc_vectors_are_served_and_say_which_carrington_axes():
    data = b"# frame: GSE\ntime,bx [nT],by [nT],bz [nT]\n2024-05-10T00:00Z,1,2,3\n"
    out = transform_file(data, "b.csv", "HGC")
    assert any("Carrington axes seen from Earth" in n for n in out.notes)
    assert np.allclose(np.linalg.norm(out.result.xyz, axis=1), np.sqrt(14.0), rtol=1e-12)
    heeq = geo_frames.transform_series(out.source.t_unix_s, out.source.xyz, "GSE", "HEEQ",
                                       kind="vector")
    assert out.result.xyz[0, 2] == pytest.approx(heeq[0, 2], rel=1e-12)  # turned about Z


def test_cli_writes_the_file_and_refuses_bad_input(tmp_path):
    path = shared_file("cdf/ac_k2_mfi_20220101_v03.cdf")
    out = tmp_path / "ace_gsm.cdf"
    res = CliRunner().invoke(cli, ["transform", str(path), "--to", "GSM", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "24 rows vector GSE -> GSM" in res.output
    back = read_series(out.read_bytes(), out.name)
    assert back.frame == "GSM" and len(back.t_unix_s) == 24
    bad = tmp_path / "bad.csv"
    bad.write_text("time,x,y,z\n2024-01-01T00:00Z,1,2,3\n2024-01-01T00:00Z,1,2,3\n")
    res = CliRunner().invoke(cli, ["transform", str(bad), "--from", "GSE", "--to", "GSM",
                                   "--kind", "vector"])
    assert res.exit_code == 1
    assert "bad.csv, line 3, column 'time': repeats the time of line 2" in res.output
    packed = tmp_path / "ace.cdf.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    res = CliRunner().invoke(cli, ["transform", str(packed), "--to", "GSM", "-o",
                                   str(tmp_path / "b.xml.gz")])
    assert res.exit_code == 0, res.output
    again = read_series(gzip.decompress((tmp_path / "b.xml.gz").read_bytes()), "b.xml")
    assert np.array_equal(again.xyz, back.xyz) and again.frame == "GSM"  # VOTable inside
    res = CliRunner().invoke(cli, ["transform", str(tmp_path / "none.csv"), "--to", "GSM"])
    assert res.exit_code == 1 and "No such file" in res.output


def test_rtn_from_a_trajectory_file_matches_the_kernel(monkeypatch):
    """A spacecraft the service has no kernel for: its trajectory as a file (HEE, AU,
    hourly), splined to the data times, gives the RTN the kernel gives."""
    monkeypatch.setenv("STORMS_EPHEMERIS_DIR",
                       str(shared_file("ephemeris/spp_recon_20210226_20210325_v001.bsp").parent))
    hours = 1614556800.0 + np.arange(0, 49) * 3600.0  # 2021-03-01 .. 03-03, hourly
    hee = geo_frames.transform_series(hours, heliocentric_icrs("PSP", hours)[0], "ICRS",
                                      "HEE") / AU_KM
    iso = [str(np.datetime64(int(h), "s")) + "Z" for h in hours]
    track = _csv([f"{s},{x!r},{y!r},{z!r}" for s, (x, y, z) in zip(iso, hee.tolist(),
                                                                   strict=True)],
                 extra="# frame: HEE\n")
    data = _csv([f"2021-03-0{d}T{h:02d}:17:00Z,-40.5,10.25,3" for d in (1, 2) for h in (3, 15)],
                "time,br [nT],bt [nT],bn [nT]", "# frame: RTN\n")
    from_file = transform_file(data, "b.csv", "HCI", trajectory=(track, "psp_hee.csv"))
    from_kernel = transform_file(data, "b.csv", "HCI", body="PSP")
    assert np.allclose(from_file.result.xyz, from_kernel.result.xyz, rtol=0, atol=1e-6)
    assert any("psp_hee.csv" in n for n in from_file.notes)
    late = data.replace(b"2021-03-02T15", b"2021-03-05T15")
    with pytest.raises(TransformError, match=r"b\.csv, line 6 .*outside the span of "
                                             r"psp_hee\.csv \(2021-03-01T00:00:00.000Z"):
        transform_file(late, "b.csv", "HCI", trajectory=(track, "psp_hee.csv"))


def test_rtn_from_position_columns_of_the_same_file_matches_the_kernel(monkeypatch, tmp_path):
    """One file with the field in RTN and the spacecraft's HEE position (as AMDA exports
    both): the position columns are the trajectory, and give the RTN the kernel gives."""
    monkeypatch.setenv("STORMS_EPHEMERIS_DIR",
                       str(shared_file("ephemeris/spp_recon_20210226_20210325_v001.bsp").parent))
    hours = 1614556800.0 + np.arange(0, 49) * 3600.0
    hee = geo_frames.transform_series(hours, heliocentric_icrs("PSP", hours)[0], "ICRS",
                                      "HEE") / AU_KM
    rows = [f"{np.datetime64(int(h), 's')}Z,{-40 + i * 0.1!r},10.25,3,{x!r},{y!r},{z!r}"
            for i, (h, (x, y, z)) in enumerate(zip(hours, hee.tolist(), strict=True))]
    data = _csv(rows, "time,br [nT],bt [nT],bn [nT],x_hee [AU],y_hee [AU],z_hee [AU]",
                "# frame: RTN\n")
    cols = ["x_hee", "y_hee", "z_hee"]
    same = transform_file(data, "psp.csv", "HCI", columns=["br", "bt", "bn"],
                          trajectory_columns=cols)
    kernel = transform_file(data, "psp.csv", "HCI", columns=["br", "bt", "bn"], body="PSP")
    assert np.allclose(same.result.xyz, kernel.result.xyz, rtol=0, atol=1e-6)
    with pytest.raises(TransformError, match=r"trajectory positions \(x_hee, y_hee, z_hee\) "
                                             r"are in RTN, which they are to define"):
        transform_file(data, "psp.csv", "HCI", columns=["br", "bt", "bn"],
                       trajectory_columns=cols, trajectory_frame="RTN")
    with pytest.raises(TransformError, match="not both"):
        transform_file(data, "psp.csv", "HCI", trajectory_columns=cols,
                       trajectory=(data, "psp.csv"))
    path = tmp_path / "psp.csv"
    path.write_bytes(data)
    res = CliRunner().invoke(cli, ["transform", str(path), "--columns", "br,bt,bn", "--to",
                                   "HCI", "--trajectory-columns", ",".join(cols), "-o",
                                   str(tmp_path / "hci.csv")])
    assert res.exit_code == 0, res.output
    back = read_series((tmp_path / "hci.csv").read_bytes(), "hci.csv")
    assert np.allclose(back.xyz, kernel.result.xyz, atol=1e-9)
