"""ISTP CDF files: epochs, fills, valid ranges, zero records, two time axes.

Independent truth: spacepy.pycdf (the NASA CDF C library) re-reads every real file;
TT2000 -> UTC is checked against astropy (TT scale -> UTC with its own leap-second
table); expected values were read with ``cdfdump``-style inspection of the files and are
written out literally.
"""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest
from astropy.time import Time, TimeDelta

from ingest import cdf
from ingest.base import IngestError
from ingest.formats import detect_kind
from ingest.http import FetchError
from ingest.pipeline import ingest_bytes, parse
from storms import store
from tests.http_fixture import LocalServer

FIXTURES = Path(__file__).parents[1] / "fixtures" / "cdf"
WIND = FIXTURES / "wi_h1_swe_like_20240510_v01.cdf"
LEAP = FIXTURES / "tt2000_leap_compressed_v01.cdf"
EPOCH16 = FIXTURES / "epoch16_two_axes_v01.cdf"
ACE = "cdf/ac_k2_mfi_20220101_v03.cdf"
PSP = "cdf/psp_fld_l2_mag_rtn_1min_20200104_v02.cdf"
SOLO = "cdf/solo_L1_swa-pas-mom_20200706_V01.cdf"
J2000_TT = Time("2000-01-01T12:00:00", scale="tt")


@pytest.fixture(scope="module")
def pycdf(tmp_path_factory):
    import os

    os.environ.setdefault("SPACEPY", str(tmp_path_factory.mktemp("spacepy")))
    from spacepy import pycdf as module

    return module


@pytest.fixture
def server(shared):
    """A real HTTP server (ThreadingHTTPServer, 127.0.0.1, port 0) over ../shared/data."""
    root = shared(ACE).parents[1]
    with LocalServer(root) as srv:
        yield srv


@pytest.fixture
def quick(settings):
    """Settings that retry once, so failure tests stay short."""
    return settings.__class__(**{**settings.__dict__, "http_retries": 1, "http_timeout_s": 5})


def tt2000_to_utc_astropy(raw: np.ndarray) -> np.ndarray:
    """TT2000 (ns since J2000 TT) -> UTC datetime64[ns] through astropy's leap seconds."""
    raw = np.asarray(raw, dtype=np.int64)
    secs, nanos = np.divmod(raw, 1_000_000_000)
    t = J2000_TT + TimeDelta(secs.astype(float), nanos / 1e9, format="sec")
    return np.array(t.utc.isot, dtype="datetime64[ns]")


# --- real files -------------------------------------------------------------------------

def test_ace_k2_cdf_epoch_column_major(shared, pycdf):
    path = shared(ACE)
    result = parse(path.read_bytes(), path.name)
    assert result.kind == "cdf" and len(result.series) == 1 and not result.rejected
    ts = result.series[0]
    assert ts.dataset.id == "ac_k2_mfi"
    assert ts.dataset.title == "K2 - ACE Magnetic Field 1-Hour Key Parameters"
    # Weight and Time_PB5 (zero records) are support_data: not parameters
    assert [(p.name, p.size, p.units) for p in ts.dataset.parameters] == [
        ("Magnitude", 1, "nT"), ("BGSEc", 3, "nT")]
    assert ts.dataset.parameters[1].description == "Magnetic Field, Cartesian GSE coord"
    assert ts.dataset.parameters[0].fill == pytest.approx(-1e31, rel=1e-6)
    assert len(ts.times) == 24 and ts.dataset.cadence_s == 3600.0
    assert ts.times[0] == np.datetime64("2022-01-01T00:00")
    assert ts.times[-1] == np.datetime64("2022-01-01T23:00")
    assert ts.values[0].tolist() == [8.349, -6.069, 4.097, -2.176]
    assert ts.values[23].tolist() == [6.981, -2.832, 5.644, -0.14]
    assert not np.isnan(ts.values).any()
    with pycdf.CDF(str(path)) as ref:
        np.testing.assert_array_equal(ts.times, np.array(ref["Epoch"][...], "datetime64[ns]"))
        np.testing.assert_allclose(ts.values[:, 0], ref["Magnitude"][...], rtol=1e-6)
        np.testing.assert_allclose(ts.values[:, 1:], ref["BGSEc"][...], rtol=1e-6)
        # the quirk: Epoch's own VALIDMAX is 2020-01-01, before every record of this file
        assert ref["Epoch"].attrs["VALIDMAX"] < ref["Epoch"][0]


def test_psp_tt2000_nan_and_two_time_axes(shared, pycdf):
    path = shared(PSP)
    result = parse(path.read_bytes(), path.name)
    assert not result.rejected
    mag, flags = result.series
    assert mag.dataset.id == "psp_fld_l2_mag_rtn_1min"
    assert flags.dataset.id == "psp_fld_l2_mag_rtn_1min_epoch_quality_flags"
    assert [(p.name, p.size, p.units) for p in mag.dataset.parameters] == [
        ("psp_fld_l2_mag_RTN_1min", 3, "nT")]
    assert len(mag.times) == 118 and mag.dataset.cadence_s == 60.0
    assert mag.times[0] == np.datetime64("2020-01-04T02:33:30")
    assert mag.times[-1] == np.datetime64("2020-01-04T19:33:30")
    gaps = np.diff(mag.times)[np.diff(mag.times) > np.timedelta64(1, "m")]
    assert (gaps / np.timedelta64(1, "s")).tolist() == [27300.0, 27000.0]  # 7.6 h, 7.5 h
    # the file holds NaN (not FILLVAL) at the edges of its three segments
    assert np.flatnonzero(np.isnan(mag.values).any(axis=1)).tolist() == [0, 40, 41, 76, 77, 117]
    assert mag.values[1].tolist() == [-4.2466445, 6.0301323, 2.818119]
    with pycdf.CDF(str(path)) as ref:
        raw = ref.raw_var("epoch_mag_RTN_1min")[...]
        lib_utc = np.array(ref["epoch_mag_RTN_1min"][...], dtype="datetime64[ns]")
        b = ref["psp_fld_l2_mag_RTN_1min"][...]
    assert np.abs(mag.times - lib_utc).max() < np.timedelta64(1, "us")
    np.testing.assert_array_equal(mag.times, tt2000_to_utc_astropy(raw))
    np.testing.assert_allclose(mag.values, b, rtol=1e-6)  # NaN where the file has NaN
    # the quality flags (support_data on their own 1-min axis): a whole day, all zero
    assert [p.name for p in flags.dataset.parameters] == ["psp_fld_l2_quality_flags"]
    assert flags.dataset.parameters[0].units is None  # UNITS "None" in the file
    assert flags.dataset.parameters[0].fill == 4294967295.0
    assert len(flags.times) == 1440
    assert (flags.times[0], flags.times[-1]) == (np.datetime64("2020-01-04T00:00"),
                                                  np.datetime64("2020-01-04T23:59"))
    assert (flags.values == 0).all()


def test_solar_orbiter_zero_records_row_major(shared, pycdf):
    path = shared(SOLO)
    result = parse(path.read_bytes(), path.name)
    assert not result.rejected and len(result.series) == 1
    ts = result.series[0]
    assert ts.dataset.id == "solo_l1_swa-pas-mom" and len(ts.times) == 0
    assert ts.values.shape == (0, 11) and ts.dataset.cadence_s is None
    assert [(p.name, p.size, p.units) for p in ts.dataset.parameters] == [
        ("density", 1, "particles cm^-3"), ("velocity", 3, "km/s"), ("pressure", 6, "J.cm^-3"),
        ("temperature", 1, "eV")]
    with pycdf.CDF(str(path)) as ref:
        assert len(ref["Epoch"]) == 0 and ref.backward is False


def test_sniffer_on_every_shared_file(shared):
    root = shared(ACE).parents[1]
    files = [p for p in sorted(root.rglob("*")) if p.is_file() and p.suffix != ".md"]
    assert len(files) > 20
    for p in files:
        head = p.read_bytes()[:65536]
        assert cdf.sniff_cdf(head, p.name) == (p.suffix == ".cdf"), p
        if p.suffix == ".cdf":
            assert detect_kind(head, p.name) == "cdf"
    for p in (WIND, LEAP, EPOCH16):
        assert detect_kind(p.read_bytes(), p.name) == "cdf"


# --- fixtures written with cdflib (tests/fixtures/cdf/make_fixtures.py) ------------------

def test_fill_and_valid_range_row_major():
    ts = parse(WIND.read_bytes(), WIND.name).series[0]
    assert ts.dataset.id == "wi_h1_swe_like"
    assert ts.times[1] == np.datetime64("2024-05-10T17:10")
    v = ts.values[:, 0]
    assert v[0] == 650.0 and v[3] == 720.5
    assert np.isnan(v[1]) and np.isnan(v[4])  # 99999.9 and 101000: outside VALIDMAX 3000
    assert np.isnan(v[2])  # FILLVAL -1e31
    b = ts.values[:, 1:]
    assert np.isnan(b[2]).all() and np.isnan(b[3, 2]) and b[3, 0] == 7  # 900 > 500
    assert b[1].tolist() == [4.0, 5.0, 6.0]


def test_tt2000_leap_second_compressed_file():
    data = LEAP.read_bytes()
    assert data[4:8] == b"\xcc\xcc\x00\x01"  # file-level compression
    result = cdf.parse_cdf(data, LEAP.name)
    ts = result.series[0]
    expected = np.array(["2016-12-31T23:59:58", "2016-12-31T23:59:59", "2017-01-01T00:00:00",
                         "2017-01-01T00:00:01", "2017-01-01T00:00:02"], dtype="datetime64[ns]")
    np.testing.assert_array_equal(ts.times, expected)
    import cdflib

    raw = cdflib.CDF(str(LEAP)).varget("Epoch")
    kept = [0, 1, 3, 4, 6]
    np.testing.assert_array_equal(ts.times, tt2000_to_utc_astropy(raw[kept]))
    # astropy agrees that record 2 lies inside the leap second
    assert Time(J2000_TT + TimeDelta(raw[2] / 1e9, format="sec")).utc.isot.startswith(
        "2016-12-31T23:59:60.5")
    assert [(r.record, r.reason.split(" (")[0]) for r in result.rejected] == [
        ("Epoch record 2", "time inside the leap second 2016-12-31T23:59:60"),
        ("Epoch record 5", "time is the fill/pad value"),
        ("Epoch record 7", "repeats the time 2017-01-01T00:00:01.000000000 of an earlier record")]
    assert ts.dataset.cadence_s == 1.0
    # B_RTN: record 1 has a fill in By; record 6 has Bn 20.5 > VALIDMAX 20 (per component)
    assert ts.values[:, :3][[0, 2, 3]].tolist() == [[0.5, 1.5, 2.5], [9.5, 10.5, 11.5],
                                                     [12.5, 13.5, 14.5]]
    assert np.isnan(ts.values[1, 1]) and ts.values[1, 2] == 5.5
    assert ts.values[4, 0] == 18.5 and np.isnan(ts.values[4, 2])
    assert ts.values[:, 3].tolist() == [5.1, 5.2, 5.4, 5.5, 5.7]  # REAL4 as written
    assert ts.dataset.parameters[1].description == "Np"  # FIELDNAM when no CATDESC


def test_epoch16_and_several_time_axes():
    result = cdf.parse_cdf(EPOCH16.read_bytes(), EPOCH16.name)
    main, hk, flags = result.series
    assert main.dataset.id == "test_epoch16"
    np.testing.assert_array_equal(main.times, np.array(
        ["2024-05-10T17:00:00.000001002", "2024-05-10T17:00:01.5", "2024-05-10T17:00:03"],
        dtype="datetime64[ns]"))  # picoseconds beyond the nanosecond dropped
    # CDF_CHAR, non-record-varying and 2-D data variables are not parameters
    assert [p.name for p in main.dataset.parameters] == ["flux"]
    assert main.values[0].tolist() == [1.0, 2.0] and np.isnan(main.values[1, 1])  # < VALIDMIN
    assert hk.dataset.id == "test_epoch16_epoch_hk" and hk.values[:, 0].tolist() == [21.5, 22.5]
    assert [(r.record, r.reason) for r in result.rejected] == [
        ("Epoch_hk record 2", "time is the fill/pad value (-1e+31)")]
    assert flags.dataset.id == "test_epoch16_epoch_flags" and flags.dataset.cadence_s == 60.0
    assert flags.values[0, 0] == 0 and np.isnan(flags.values[1, 0])  # FILLVAL 255


# --- refused files ----------------------------------------------------------------------

def test_refused_files(shared):
    ace = shared(ACE).read_bytes()
    donki = shared("donki/GST_2024-05-01_2024-05-31.json").read_bytes()
    cases = [
        (b"", "empty file"),
        (b"\x00" * 300, "not a CDF file"),
        (donki, "not a CDF file"),
        (ace[:6000], "truncated CDF: 6000 of 31252 bytes"),
        (ace[:31000], "truncated CDF: 31000 of 31252 bytes"),
        (ace[:30], "truncated CDF: 30 bytes"),
        (LEAP.read_bytes()[:700], "truncated CDF: 700 of"),
    ]
    for payload, reason in cases:
        with pytest.raises(IngestError, match=reason) as err:
            cdf.parse_cdf(payload, "bad.cdf")
        assert err.value.file == "bad.cdf"


def test_corrupt_entry_count_refused_at_once(shared):
    """One flipped count made cdflib seek for hours; it is refused before cdflib runs."""
    data = bytearray(shared(ACE).read_bytes())
    gdr = int.from_bytes(data[20:28], "big")
    adr = int.from_bytes(data[gdr + 28:gdr + 36], "big")
    data[adr + 56:adr + 60] = (2**31 - 1).to_bytes(4, "big")  # NzEntries of attribute 0
    with pytest.raises(IngestError, match="corrupt CDF: attribute 0 claims"):
        cdf.parse_cdf(bytes(data), "ac.cdf")
    data = bytearray(shared(PSP).read_bytes())
    vdr = int.from_bytes(data[gdr + 20:gdr + 28], "big")  # first zVariable
    vxr = int.from_bytes(data[vdr + 28:vdr + 36], "big")
    data[vxr + 20:vxr + 24] = (2**31 - 1).to_bytes(4, "big")  # its VXR's entry count
    with pytest.raises(IngestError, match="corrupt CDF: index record at"):
        cdf.parse_cdf(bytes(data), "psp.cdf")
    data = bytearray(shared(ACE).read_bytes())
    data[400:4000] = b"\x7f" * 3600  # descriptors overwritten
    with pytest.raises(IngestError, match="ac.cdf"):
        cdf.parse_cdf(bytes(data), "ac.cdf")


def test_refused_through_pipeline(sqlite_ctx, shared):
    icmecat = shared("catalogs/HELIO4CAST_ICMECAT_v23.csv").read_bytes()
    for payload, reason in [(b"", "empty file"), (b"garbage\x00\x01", "format not recognised")]:
        report = ingest_bytes(sqlite_ctx.factory, sqlite_ctx.settings, payload, "x.cdf")
        assert report.status == "refused" and reason in report.errors[0]
    report = ingest_bytes(sqlite_ctx.factory, sqlite_ctx.settings, icmecat, "x.cdf", kind="cdf")
    assert report.status == "refused" and "x.cdf: not a CDF file" in report.errors[0]
    report = ingest_bytes(sqlite_ctx.factory, sqlite_ctx.settings,
                          shared(ACE).read_bytes()[:9000], "ac.cdf")
    assert report.status == "refused" and "truncated CDF: 9000 of 31252" in report.errors[0]
    assert list(sqlite_ctx.settings.quarantine_dir.glob("*ac.cdf"))


# --- pipeline on SQLite and PostgreSQL --------------------------------------------------

def test_pipeline_real_files(ctx, shared):
    f, s = ctx.factory, ctx.settings
    ace = shared(ACE).read_bytes()
    report = ingest_bytes(f, s, ace, "ac_k2_mfi_20220101_v03.cdf")  # kind detected
    assert (report.kind, report.status, report.added, report.dataset) == (
        "cdf", "ok", 24, "ac_k2_mfi")
    assert ingest_bytes(f, s, ace, "again.cdf").status == "unchanged"
    again = ingest_bytes(f, s, ace, "again.cdf", force=True)
    assert (again.status, again.added, again.updated) == ("ok", 0, 0)
    psp = ingest_bytes(f, s, shared(PSP).read_bytes(), "psp.cdf")
    assert psp.added == 118 + 1440
    assert psp.dataset == "psp_fld_l2_mag_rtn_1min,psp_fld_l2_mag_rtn_1min_epoch_quality_flags"
    solo = ingest_bytes(f, s, shared(SOLO).read_bytes(), "solo.cdf")
    assert (solo.status, solo.added, solo.rejected) == ("ok", 0, 0)
    with f() as session:
        t, b = store.read_parameter(session, "ac_k2_mfi", "BGSEc", 0, 2**62)
        assert len(t) == 24 and b[23].tolist() == [-2.832, 5.644, -0.14]
        assert t[0] == 1640995200 * 10**6  # 2022-01-01T00:00Z in µs
        t, b = store.read_parameter(session, "psp_fld_l2_mag_rtn_1min",
                                    "psp_fld_l2_mag_RTN_1min", 0, 2**62)
        assert np.isnan(b[0]).all() and b[1].tolist() == [-4.2466445, 6.0301323, 2.818119]
        ds = store.get_dataset(session, "solo_l1_swa-pas-mom")
        assert [p.size for p in ds.parameters] == [1, 3, 6, 1] and ds.start_us is None


def test_pipeline_counts_rejected_records(ctx):
    report = ingest_bytes(ctx.factory, ctx.settings, LEAP.read_bytes(), LEAP.name)
    assert (report.status, report.added, report.rejected) == ("ok", 5, 3)
    assert report.errors[0].startswith("Epoch record 2: time inside the leap second")
    with ctx.factory() as session:
        t, _ = store.read_parameter(session, "test_tt2000_leap", "density", 0, 2**62)
    assert t[2] - t[1] == 1_000_000  # 23:59:59 -> 00:00:00 UTC is one second of UTC


# --- fetcher against a real local HTTP server -------------------------------------------

def test_fetch_real_file(server, shared, quick, ctx):
    body = cdf.fetch_cdf(f"{server.url}/files/{ACE}", quick)
    assert body == shared(ACE).read_bytes()
    report = ingest_bytes(ctx.factory, ctx.settings, body, f"{server.url}/files/{ACE}")
    assert report.added == 24


def test_fetch_failures(server, quick):
    with pytest.raises(FetchError, match="HTTP 500"):
        cdf.fetch_cdf(f"{server.url}/status/500", quick)
    assert server.hits["/status/500"] == 2  # retried once
    with pytest.raises(FetchError, match="HTTP 404"):
        cdf.fetch_cdf(f"{server.url}/files/cdf/absent.cdf", quick)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there any more
    with pytest.raises(FetchError, match="connection failed"):
        cdf.fetch_cdf(f"http://127.0.0.1:{port}/x.cdf", quick)
