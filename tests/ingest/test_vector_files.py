"""Series files for the transform service: CSV, VOTable and CDF read (real CDFs checked
with spacepy's independent reader), written and read back, and every bad file refused with
the file, row and column named."""

from __future__ import annotations

import os

import numpy as np
import pytest

from ingest.vector_files import SeriesFileError, read_series, sniff_format, write_series
from tests.conftest import shared_file

GOOD = b"""# frame: GSE
time,x [km],y [km],z [km]
2024-05-10T00:00:00Z,1.5e6,2.0e5,-3.0e4
2024-05-10T00:01:00Z,1.5e6,2.1e5,-3.1e4
2024-05-10T00:02:00.500Z,1.5e6,,-3.2e4
"""


@pytest.fixture(scope="module", autouse=True)
def offline(tmp_path_factory):
    from storms.config import prepare_offline_science_stack

    prepare_offline_science_stack(tmp_path_factory.mktemp("storms-data"))


def _csv(text: str) -> bytes:
    return text.encode()


def test_csv_is_read_with_units_frame_kind_and_line_numbers():
    s = read_series(GOOD, "traj.csv")
    assert s.columns == ("x", "y", "z") and s.unit == "km" and s.frame == "GSE"
    assert s.kind == "position" and s.time_column == "time"
    assert s.t_unix_s[0] == 1715299200.0 and s.t_unix_s[2] == 1715299320.5
    assert np.isnan(s.xyz[2, 1]) and s.xyz[1, 1] == 2.1e5
    assert s.rows.tolist() == [3, 4, 5]


@pytest.mark.parametrize("header, unit", [
    ("time,x [km],y [km],z [km]", "km"), ("time,x (AU),y (AU),z (AU)", "AU"),
    ("time,x [dex(km)],y [dex(km)],z [dex(km)]", "dex(km)"),
    ("time,x (10^3 km),y (10^3 km),z (10^3 km)", "1000 km")])  # astropy's name
def test_csv_header_units_in_brackets_or_parentheses(header, unit):
    s = read_series(f"{header}\n2024-01-01T00:00Z,1,2,3\n".encode(), "u.csv")
    assert s.columns == ("x", "y", "z") and s.unit == unit


def test_day_of_year_times_read_as_astropy_reads_them():
    """HAPI and CDAWeb write ordinal dates (2024-131T06:30:00Z); astropy's yday format is the
    independent reference."""
    from astropy.time import Time

    times = ["2024-001T00:00:00Z", "2024-131T06:30:00.250Z", "2024-366T23:59Z", "2025-001"]
    text = "time,x [km],y [km],z [km]\n" + "".join(f"{t},1,2,3\n" for t in times)
    s = read_series(text.encode(), "doy.csv")
    yday = ["2024:001:00:00:00", "2024:131:06:30:00.250", "2024:366:23:59:00",
            "2025:001:00:00:00"]
    assert np.allclose(s.t_unix_s, Time(yday, format="yday", scale="utc").unix, atol=1e-6)
    bad = text.replace("2024-366T23:59Z", "2023-366T23:59Z").replace("2025-001", "2023-367")
    with pytest.raises(SeriesFileError, match=r"doy\.csv, line 4, column 'time': "
                       r"'2023-366T23:59Z' is not an ISO 8601 time"):
        read_series(bad.encode(), "doy.csv")


def test_csv_finds_component_triples_by_name_and_other_separators():
    text = "epoch;Bt;Bx_GSM;By_GSM;Bz_GSM\n2024-01-01T00:00;5;1;2;3\n2024-01-01T00:01;5;1;2;4\n"
    s = read_series(_csv(text), "b.csv")
    assert s.columns == ("Bx_GSM", "By_GSM", "Bz_GSM") and s.frame == "GSM"
    assert s.kind == "vector" and s.xyz[1].tolist() == [1, 2, 4]
    ws = "time x y z\n2024-01-01T00:00Z 1 2 3\n2024-01-01T00:01Z 4 5 6\n"
    assert read_series(_csv(ws), "w.txt").xyz[1].tolist() == [4, 5, 6]


@pytest.mark.parametrize("text, kwargs, match", [
    ("time,x,y,z\n2024-01-01T00:00Z,1,2,3\n", {"columns": ["x", "y", "w"]},
     r"unknown column 'w'; columns: time, x, y, z"),
    ("when,x,y,z\nyesterday,1,2,3\n", {}, "no time column found"),
    ("time,a,b,c,d\n2024-01-01T00:00Z,1,2,3,4\n", {}, "cannot tell which three columns"),
    ("time,x,y,z\n2024-01-01T00:00Z,1,2,3\n2024-01-01T00:01Z,1,abc,3\n", {},
     r"b.csv, line 3, column 'y': 'abc' is not a number"),
    ("time,x,y,z\n2024-01-01T00:00Z,1,2,3\n2024-13-01T00:01Z,1,2,3\n", {},
     r"line 3, column .time.: .2024-13-01T00:01Z. is not an ISO 8601 time"),
    ("time,x,y,z\n2024-01-01T02:00+02:00,1,2,3\n2024-01-01T00:00Z,1,2,3\n", {},
     r"line 3, column .time.: repeats the time of line 2"),
    ("time,x [km],y [AU],z [km]\n2024-01-01T00:00Z,1,2,3\n", {},
     r"mixed units: x \[km\], y \[AU\], z \[km\]"),
    ("time,x [km],y [km],z [km]\n2024-01-01T00:00Z,1,2,3\n", {"unit": "AU"},
     "the file gives unit km, the request declares AU"),
    ("time,x,y,z\n2024-01-01T00:01Z,1,2,3\n2024-01-01T00:00Z,1,2,3\n", {},
     r"line 3, column 'time': times are not sorted: earlier than the line before it \(2\)"),
    ("time,x,y,z\n2024-01-01T00:00Z,1,2,3\n#\n2024-01-01T00:00Z,1,2,3\n", {},
     r"line 4, column 'time': repeats the time of line 2"),
    ("time,x,y,z\n2024-01-01T00:00Z,1,2,3\n2024-01-01T00:01Z,1,2\n", {},
     r"line 3: 3 fields where the header has 4"),
    ("time,x,y,z\n", {}, "no records"),
    ("# only a comment\n", {}, "no header line"),
])
def test_bad_csv_files_are_refused_naming_the_row(text, kwargs, match):
    with pytest.raises(SeriesFileError, match=match):
        read_series(_csv(text), "b.csv", **kwargs)


def test_empty_and_binary_garbage_are_refused():
    with pytest.raises(SeriesFileError, match="empty file"):
        read_series(b"", "e.csv")
    with pytest.raises(SeriesFileError, match="not UTF-8"):
        read_series(b"\xff\xfe\x00garbage", "g.csv")
    with pytest.raises(SeriesFileError, match="unreadable VOTable"):
        read_series(b"<?xml version='1.0'?><VOTABLE><RESOURCE><TABLE>", "v.xml")


@pytest.mark.parametrize("fmt", ["csv", "votable", "cdf"])
def test_every_format_round_trips(fmt):
    series = read_series(GOOD, "traj.csv")
    series.t_unix_s = series.t_unix_s + np.array([0.0, 0.0, 0.25])  # a leap-free ms time
    data = write_series(series, fmt, frame="GSE", kind="position")
    assert sniff_format(data, "x") == fmt
    back = read_series(data, f"out.{fmt}")
    assert np.allclose(back.t_unix_s, series.t_unix_s, atol=1e-3, rtol=0)
    assert np.array_equal(np.isnan(back.xyz), np.isnan(series.xyz))
    ok = ~np.isnan(series.xyz)
    assert np.array_equal(back.xyz[ok], series.xyz[ok])
    assert (back.unit, back.frame, back.kind) == ("km", "GSE", "position")


def test_cdf_times_cross_a_leap_second_as_cdflib_counts_them():
    """TT2000 counts the SI second 2016-12-31T23:59:60; Unix time does not."""
    import cdflib

    t = np.array([1483228799.0, 1483228800.0])  # 23:59:59 and 00:00:00 around the leap
    series = read_series(GOOD, "traj.csv")
    series.t_unix_s, series.xyz, series.rows = t, series.xyz[:2], series.rows[:2]
    data = write_series(series, "cdf", frame="GSE", kind="position")
    back = read_series(data, "leap.cdf")
    assert back.t_unix_s.tolist() == t.tolist()
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"leap-{os.getpid()}.cdf")
    with open(path, "wb") as handle:
        handle.write(data)
    try:
        raw = cdflib.CDF(path).varget("Epoch")
    finally:
        os.unlink(path)
    assert int(raw[1] - raw[0]) == 2_000_000_000  # 23:59:59 -> 23:59:60 -> 00:00:00


def _pycdf():
    import spacepy

    os.environ.setdefault("CDF_LIB", os.path.dirname(spacepy.__file__))
    from spacepy import pycdf

    return pycdf


def test_real_ace_cdf_matches_spacepy():
    path = shared_file("cdf/ac_k2_mfi_20220101_v03.cdf")
    s = read_series(path.read_bytes(), path.name)
    assert s.columns[0] == "BGSEc[0]" and s.frame == "GSE" and s.kind == "vector"
    assert s.unit == "nT" and len(s.t_unix_s) == 24 and s.row_word == "record"
    with _pycdf().CDF(str(path)) as cdf:
        ref = np.asarray(cdf["BGSEc"][...], dtype=float)
        epoch = cdf["Epoch"][...]
    assert np.allclose(s.xyz, ref, rtol=1e-6)
    assert s.t_unix_s[0] == 1640995200.0 and s.t_unix_s[-1] == 1640995200.0 + 23 * 3600
    assert [e.hour for e in epoch] == list(range(24))


def test_compressed_files_read_as_the_plain_ones_and_keep_their_name():
    import bz2
    import gzip

    path = shared_file("cdf/ac_k2_mfi_20220101_v03.cdf")
    plain = read_series(path.read_bytes(), path.name)
    packed = read_series(gzip.compress(path.read_bytes()), path.name + ".gz")
    assert np.array_equal(packed.xyz, plain.xyz) and packed.frame == "GSE"
    assert packed.source == "ac_k2_mfi_20220101_v03.cdf.gz"
    bad = GOOD.replace(b"2.1e5", b"oops")
    with pytest.raises(SeriesFileError, match=r"^b\.csv\.bz2, line 4, column 'y': 'oops'"):
        read_series(bz2.compress(bad), "b.csv.bz2")
    with pytest.raises(SeriesFileError, match=r"^e\.gz: empty file once decompressed"):
        read_series(gzip.compress(b""), "e.gz")


def test_real_psp_rtn_cdf_keeps_its_nan_and_picks_the_field():
    path = shared_file("cdf/psp_fld_l2_mag_rtn_1min_20200104_v02.cdf")
    s = read_series(path.read_bytes(), path.name)
    assert s.frame == "RTN" and len(s.t_unix_s) == 118 and s.unit == "nT"
    with _pycdf().CDF(str(path)) as cdf:
        ref = np.asarray(cdf["psp_fld_l2_mag_RTN_1min"][...], dtype=float)
    assert np.allclose(s.xyz, ref, equal_nan=True)
    assert s.time_column == "epoch_mag_RTN_1min"


def test_real_solar_orbiter_cdf_with_zero_records_is_refused():
    path = shared_file("cdf/solo_L1_swa-pas-mom_20200706_V01.cdf")
    with pytest.raises(SeriesFileError, match="no records"):
        read_series(path.read_bytes(), path.name)


@pytest.mark.parametrize("fmt, match", [
    ("votable", r"bad\.votable, record 2, column 'time': times are not sorted"),
    ("cdf", r"bad\.cdf, record 2, column 'Epoch': times are not sorted"),
])
def test_unsorted_votable_and_cdf_records_are_named(fmt, match):
    series = read_series(GOOD, "traj.csv")
    series.t_unix_s = series.t_unix_s[[0, 2, 1]]
    data = write_series(series, fmt, frame="GSE", kind="position")
    with pytest.raises(SeriesFileError, match=match):
        read_series(data, f"bad.{fmt}")


def test_repeated_cdf_time_and_unknown_variable_are_named():
    series = read_series(GOOD, "traj.csv")
    series.t_unix_s = series.t_unix_s[[0, 1, 1]]
    data = write_series(series, "cdf", frame="GSE", kind="position")
    with pytest.raises(SeriesFileError, match=r"dup\.cdf: Epoch record 2: repeats the time"):
        read_series(data, "dup.cdf")
    good = write_series(read_series(GOOD, "traj.csv"), "cdf", frame="GSE", kind="position")
    with pytest.raises(SeriesFileError, match=r"unknown variable 'BGSM'; three-component "
                                              r"variables: position"):
        read_series(good, "g.cdf", columns=["BGSM"])
    votable = write_series(read_series(GOOD, "traj.csv"), "votable", frame="GSE",
                           kind="position")
    with pytest.raises(SeriesFileError, match=r"unknown column 'X'; columns: time, x_gse"):
        read_series(votable, "g.xml", columns=["X", "y_gse", "z_gse"])
