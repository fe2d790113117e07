"""OMNI2 hourly and HRO ASCII: real excerpts, per-field fills, extended words, the fast
fixed-width reader, bad input, the pipeline and the fetchers."""

import socket
from pathlib import Path

import numpy as np
import pytest

from ingest import omni
from ingest.base import IngestError
from ingest.fixedwidth import fortran_fill
from ingest.formats import detect_kind
from ingest.http import FetchError
from ingest.pipeline import ingest_bytes, parse
from storms import store
from tests.http_fixture import LocalServer

FIXTURES = Path(__file__).parents[1] / "fixtures" / "omni"
OMNI2 = "omni/omni2_2020_excerpt.dat"
HRO = "omni/omni_min2020_excerpt.asc"
T = np.datetime64


def _col(ts, name):
    return [p.name for p in ts.dataset.parameters].index(name)


@pytest.mark.parametrize("fmt, fill", [("F6.1", 999.9), ("I4", 999), ("F9.0", 9999999.0),
                                       ("F6.3", 9.999), ("F10.2", 999999.99), ("I6", 99999),
                                       ("F5.1", 99.9), ("F7.4", 9.9999), ("F6.0", 9999.0),
                                       ("F8.1", 99999.9), ("F8.2", 9999.99), ("I7", 999999),
                                       ("F7.2", 999.99), ("F6.2", 99.99), ("I3", 99)])
def test_fortran_fill_rule_matches_spdf_tables(fmt, fill):
    # values from omni2_format_description.txt and the HRO fills in ../shared/data/README.md
    assert fortran_fill(fmt) == fill


def test_record_lengths():
    assert (omni.OMNI2_LEN, omni.OMNI2_EXT_LEN) == (327, 343)
    assert (omni.HRO_1MIN_LEN, omni.HRO_5MIN_LEN) == (299, 326)
    assert len(omni.OMNI2_SPEC.parameters) == 57 - 3  # every word but year, day, hour
    assert len(omni.HRO_1MIN_SPEC.parameters) == 46 - 4
    assert len(omni.HRO_5MIN_SPEC.parameters) == 49 - 4
    for spec in (omni.OMNI2_SPEC, omni.HRO_1MIN_SPEC, omni.DST_SPEC, omni.KP_SPEC):
        for p in spec.parameters:
            assert p.name == p.name.lower() and " " not in p.name and p.description
            assert p.fill == -1e31


def test_omni2_excerpt(shared):
    data = shared(OMNI2).read_bytes()
    assert not data.endswith(b"\n")  # the upstream file has no trailing newline
    result = parse(data, "omni2_2020.dat")
    assert result.kind == "omni2" and not result.rejected
    main, dst, kp = result.series
    assert main.dataset.id == "omni2_h0" and len(main.times) == 11
    assert main.times[0] == T("2020-01-01T00:00") and main.times[-1] == T("2020-01-01T10:00")
    row = main.values[0]  # read off the first line of the file
    assert row[_col(main, "bartels_rotation")] == 2542
    assert row[_col(main, "imf_sc_id")] == 51 and row[_col(main, "plasma_sc_id")] == 52
    assert row[_col(main, "b_avg")] == 2.5 and row[_col(main, "b_lon_gse")] == 297.1
    assert row[_col(main, "temperature")] == 22067.0 and row[_col(main, "density")] == 10.0
    assert row[_col(main, "speed")] == 295.0 and row[_col(main, "flow_lat")] == 0.0
    assert row[_col(main, "alpha_ratio")] == 0.008 and row[_col(main, "pressure")] == 1.5
    assert row[_col(main, "e_field")] == 0.09 and row[_col(main, "plasma_beta")] == 10.01
    assert row[_col(main, "kp")] == 3  # 0+ stored x10
    assert row[_col(main, "sunspot_number")] == 6 and row[_col(main, "dst")] == -4
    assert np.isnan(row[_col(main, "ae")])  # 9999 (I5)
    assert np.isnan(row[_col(main, "proton_flux_1mev")])  # 999999.99 (F10.2)
    assert np.isnan(row[_col(main, "proton_flux_4mev")])  # 99999.99 (F9.2)
    assert row[_col(main, "proton_flux_10mev")] == 0.3
    assert row[_col(main, "flux_flag")] == -1 and row[_col(main, "ap")] == 2
    assert row[_col(main, "f107")] == 69.4 and row[_col(main, "pc_n")] == 0.2
    assert np.isnan(row[_col(main, "al")]) and np.isnan(row[_col(main, "au")])  # 99999
    assert row[_col(main, "magnetosonic_mach")] == 6.0
    assert np.isnan(row[_col(main, "lyman_alpha")])  # standard file: no extended words
    assert main.values[1][_col(main, "dst")] == 1 and main.values[1][_col(main, "e_field")] == -0.24
    assert dst.dataset.id == "dst_omni" and dst.values[0, 0] == -4 and dst.values[1, 0] == 1
    assert kp.dataset.id == "kp_omni" and kp.values[0, 0] == 3
    assert "x10" in kp.dataset.parameters[0].units


def test_omni2_extended_and_fills():
    data = (FIXTURES / "omni2_extended_2024_storm.dat").read_bytes()
    main = parse(data, "omni2_2024.dat").series[0]
    assert main.times[0] == T("2024-05-11T00:00")  # day 132 of a leap year
    first, second = main.values
    assert first[_col(main, "kp")] == 90 and first[_col(main, "dst")] == -412
    assert first[_col(main, "lyman_alpha")] == 0.009123 and first[_col(main, "proton_qi")] == 0.031
    assert np.isnan(second[_col(main, "lyman_alpha")])  # its own fill 0.999999
    assert np.isnan(second[_col(main, "proton_qi")])  # 9.9999
    assert second[_col(main, "flux_flag")] == 0  # a flag, not a fill
    filled = [p.name for p, v in zip(main.dataset.parameters, second, strict=True) if np.isnan(v)]
    assert "imf_sc_id" in filled and "temperature" in filled and "magnetosonic_mach" in filled
    assert "kp" not in filled and "bartels_rotation" not in filled


def test_hro_1min_excerpt(shared):
    result = parse(shared(HRO).read_bytes(), "omni_min2020.asc")
    ts = result.series[0]
    assert result.kind == "omni-hro" and ts.dataset.id == "omni_hro_1min"
    assert not result.rejected and len(ts.times) == 11
    assert ts.times[0] == T("2020-01-01T00:00") and ts.times[-1] == T("2020-01-01T00:10")
    first = ts.values[0]  # read off the first line
    assert first[_col(ts, "timeshift")] == 7589 and first[_col(ts, "rms_timeshift")] == 353
    assert first[_col(ts, "speed")] == 295.3 and first[_col(ts, "vx_gse")] == -295.3
    assert first[_col(ts, "bx_gse")] == -3.30 and first[_col(ts, "bz_gsm")] == -0.70
    assert first[_col(ts, "density")] == 5.22 and first[_col(ts, "temperature")] == 24613
    assert first[_col(ts, "pressure")] == 0.91
    assert np.isnan(first[_col(ts, "e_field")])  # 999.99 in the real record
    assert np.isnan(first[_col(ts, "time_between_obs")])  # 999999
    assert np.isnan(first[_col(ts, "ae")])  # 99999
    assert first[_col(ts, "sym_h")] == -6 and first[_col(ts, "asy_h")] == 19
    assert first[_col(ts, "pc_n")] == 0.19 and first[_col(ts, "magnetosonic_mach")] == 4.8
    third = ts.values[2]  # the plasma fills of the real file
    for name in ("speed", "vx_gse", "density", "temperature", "pressure", "e_field",
                 "plasma_beta", "alfven_mach", "x_gse", "plasma_sc_id", "plasma_points",
                 "magnetosonic_mach"):
        assert np.isnan(third[_col(ts, name)]), name
    assert third[_col(ts, "b_avg")] == 3.84 and third[_col(ts, "bsn_x_gse")] == 14.31


def test_hro_5min_fixture():
    ts = parse((FIXTURES / "omni_5min_2024_storm.asc").read_bytes(), "omni_5min2024.asc").series[0]
    assert ts.dataset.id == "omni_hro_5min" and ts.times[1] == T("2024-05-11T17:40")
    assert ts.values[0][_col(ts, "proton_flux_10mev")] == 215.4
    assert ts.values[0][_col(ts, "sym_h")] == -215
    assert np.isnan(ts.values[1][_col(ts, "proton_flux_10mev")])


def test_fast_reader_equals_float_of_each_field():
    rng = np.random.default_rng(1)
    formats = ["I4", "I6", "F6.1", "F9.0", "F10.2", "F7.4", "F8.2", "F6.3", "F5.1"]
    rows, expected = [], []
    for _ in range(3000):
        cells = []
        for f in formats:
            kind, w, d = omni._parse_format(f)
            top = 10 ** (w - 2 - (d + 1 if kind == "F" else 0))
            v = int(rng.integers(-top + 1, top))
            text = str(v) if kind == "I" else f"{v / 10**d:.{d}f}" if d else f"{v}."
            cells.append(text.rjust(w))
        line = "".join(cells)
        rows.append(line)
        expected.append([float(c) for c in cells])
    rows[7] = rows[7][:4] + "1.5E+3".rjust(6) + rows[7][10:]  # not plain: slow path
    expected[7][1] = 1500.0
    values, lines, rejected = omni.read_records("\n".join(rows).encode(), formats, "x")
    assert not rejected and len(lines) == 3000
    np.testing.assert_array_equal(values, np.array(expected))  # bit for bit


def test_day_366_only_in_leap_years(shared):
    lines = shared(OMNI2).read_bytes().splitlines()
    leap = b"2000 366" + lines[0][8:]
    plain = b"2021 366" + lines[1][8:]
    result = omni.parse_omni2(b"\n".join([leap, plain, lines[2]]), "omni2.dat")
    assert list(result.series[0].times) == [T("2000-12-31T00:00"), T("2020-01-01T02:00")]
    assert [str(r) for r in result.rejected] == ["line 2: day of year or hour out of range"]


def test_bad_lines_rejected_good_kept(shared):
    lines = shared(HRO).read_bytes().splitlines()
    lines[3] = lines[3][:100]  # short record
    lines[5] = lines[5][:60] + b"  abcd" + lines[5][66:]  # garbage in word 14 (|B|, 59-66)
    lines[7] = lines[7][:8] + b" 25" + lines[7][11:]  # hour 25
    result = omni.parse_hro(b"\r\n".join(lines) + b"\r\n", "hro.asc")  # CRLF too
    assert len(result.series[0].times) == 8
    assert [str(r) for r in result.rejected] == [
        "line 4: 100 characters, expected 299",
        "line 6: field 14 (F8.2) unreadable: '   abcd4'",
        "line 8: day of year, hour or minute out of range"]


@pytest.mark.parametrize("parser, payload, reason", [
    (omni.parse_omni2, b"2020 1 2 3\n", "first record has 10 characters"),
    (omni.parse_omni2, b"x" * 327 + b"\n" + b"y" * 327, "field 1 .* unreadable"),
    (omni.parse_hro, b"\x00\xff" * 300, "first record has"),
    (omni.parse_hro, b"", "first record has 0"),
])
def test_whole_file_refused(parser, payload, reason):
    with pytest.raises(IngestError, match=reason) as err:
        result = parser(payload, "bad.dat")
        if not len(result.series[0].times):  # every line rejected
            raise IngestError("bad.dat", "; ".join(str(r) for r in result.rejected))
    assert err.value.file == "bad.dat"


def test_truncated_and_wrong_type_refused(shared):
    data = shared(HRO).read_bytes()
    with pytest.raises(IngestError, match="hro.asc at line 6: truncated file: the last "
                                          "record has 200 of 299 characters"):
        omni.parse_hro(data[:1700], "hro.asc")  # 5 lines of 299 + newline, then 200
    with pytest.raises(IngestError, match="first record has 299 characters; OMNI2 has"):
        omni.parse_omni2(data, "omni2.dat")
    with pytest.raises(IngestError, match="first record has 327 characters; HRO has"):
        omni.parse_hro(shared(OMNI2).read_bytes(), "hro.asc")
    with pytest.raises(IngestError, match="first record has"):
        omni.parse_omni2(shared("swpc/rtsw_mag_1m.json").read_bytes()[:5000], "o.dat")


def test_detection(shared):
    assert detect_kind(shared(OMNI2).read_bytes(), "a") == "omni2"
    assert detect_kind(shared(HRO).read_bytes(), "a") == "omni-hro"
    assert detect_kind((FIXTURES / "omni2_extended_2024_storm.dat").read_bytes(), "a") == "omni2"
    assert detect_kind((FIXTURES / "omni_5min_2024_storm.asc").read_bytes(), "a") == "omni-hro"
    assert not omni.sniff_omni2(b"x" * 327 + b"\n", "a") and not omni.sniff_hro(b"", "a")


def test_pipeline_dst_and_kp_datasets(ctx, shared):
    data = shared(OMNI2).read_bytes()
    report = ingest_bytes(ctx.factory, ctx.settings, data, "omni2_2020.dat")
    assert report.status == "ok" and report.added == 33  # 11 rows x 3 datasets
    assert report.dataset == "omni2_h0,dst_omni,kp_omni"
    with ctx.factory() as s:
        t, dst = store.read_parameter(s, "dst_omni", "dst", 0, 2**62)
        _, speed = store.read_parameter(s, "omni2_h0", "speed", 0, 2**62)
        _, ae = store.read_parameter(s, "omni2_h0", "ae", 0, 2**62)
    assert dst[0] == -4 and speed[0] == 295.0 and len(t) == 11 and np.isnan(ae).all()
    assert ingest_bytes(ctx.factory, ctx.settings, data, "x").status == "unchanged"
    forced = ingest_bytes(ctx.factory, ctx.settings, data, "x", force=True)
    assert (forced.status, forced.added, forced.updated) == ("ok", 0, 0)


def test_pipeline_hro(ctx, shared):
    data = shared(HRO).read_bytes()
    report = ingest_bytes(ctx.factory, ctx.settings, data, "omni_min2020.asc")
    assert (report.status, report.kind, report.added) == ("ok", "omni-hro", 11)
    with ctx.factory() as s:
        t, sym_h = store.read_parameter(s, "omni_hro_1min", "sym_h", 0, 2**62)
    assert len(t) == 11 and sym_h[0] == -6
    bad = ingest_bytes(ctx.factory, ctx.settings, data[:1700], "omni_min2020.asc")
    assert bad.status == "refused" and "truncated" in bad.errors[0]


# --- fetchers -----------------------------------------------------------------------------


@pytest.fixture
def server(tmp_path, shared):
    (tmp_path / "omni2_2020.dat").write_bytes(shared(OMNI2).read_bytes())
    (tmp_path / "omni_min2020.asc").write_bytes(shared(HRO).read_bytes())
    (tmp_path / "omni_5min2024.asc").write_bytes(
        (FIXTURES / "omni_5min_2024_storm.asc").read_bytes())
    with LocalServer(tmp_path) as srv:
        yield srv


def _settings(settings, urls):
    return settings.__class__(**{**settings.__dict__, "source_urls": urls, "http_retries": 0,
                                 "http_timeout_s": 5.0})


def test_fetch_years_from_local_server(server, settings):
    s = _settings(settings, {"omni2": f"{server.url}/files/omni2_{{year}}.dat",
                             "omni_hro_1min": f"{server.url}/files/omni_min{{year}}.asc"})
    assert len(parse(omni.fetch_omni2(2020, s), "o.dat").series[0].times) == 11
    assert len(parse(omni.fetch_hro(2020, s), "h.asc").series[0].times) == 11
    five = parse(omni.fetch_hro(2024, s, cadence="5min"), "h.asc").series[0]
    assert five.dataset.id == "omni_hro_5min"
    with pytest.raises(FetchError, match="HTTP 404"):
        omni.fetch_omni2(1999, s)


def test_fetch_failures(server, settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    s = _settings(settings, {"omni2": f"{server.url}/status/500",
                             "omni_hro_1min": f"http://127.0.0.1:{dead}/omni_min{{year}}.asc"})
    with pytest.raises(FetchError, match="HTTP 500"):
        omni.fetch_omni2(2020, s)
    with pytest.raises(FetchError, match="connection failed"):
        omni.fetch_hro(2020, s)
