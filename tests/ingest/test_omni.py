"""OMNI2 hourly and HRO ASCII: real excerpts, fills, extended words, bad lines."""

from pathlib import Path

import numpy as np
import pytest

from ingest import omni
from ingest.base import IngestError
from ingest.fixedwidth import fortran_fill
from ingest.pipeline import ingest_bytes, parse
from storms import store
from tests.http_fixture import LocalServer

FIXTURES = Path(__file__).parents[1] / "fixtures" / "omni"


def _col(ts, name):
    return [p.name for p in ts.dataset.parameters].index(name)


@pytest.mark.parametrize("fmt, fill", [("F6.1", 999.9), ("I4", 999), ("F9.0", 9999999.0),
                                       ("F6.3", 9.999), ("F10.2", 999999.99), ("I6", 99999),
                                       ("F5.1", 99.9), ("F7.4", 9.9999), ("F6.0", 9999.0)])
def test_fortran_fill_rule_matches_spdf_table(fmt, fill):
    assert fortran_fill(fmt) == fill  # values from omni2_format_description.txt


def test_omni2_excerpt(shared):
    data = shared("omni/omni2_2020_excerpt.dat").read_bytes()
    assert not data.endswith(b"\n")  # the upstream file has no trailing newline
    result = parse(data, "omni2_2020.dat")
    assert result.kind == "omni2" and not result.rejected
    main, dst, kp = result.series
    assert main.dataset.id == "omni2_h0" and len(main.times) == 11
    assert main.times[0] == np.datetime64("2020-01-01T00:00")
    assert main.times[-1] == np.datetime64("2020-01-01T10:00")
    row = main.values[0]
    assert row[_col(main, "bartels_rotation")] == 2542
    assert row[_col(main, "b_avg")] == 2.5 and row[_col(main, "temperature")] == 22067.0
    assert row[_col(main, "speed")] == 295.0 and row[_col(main, "density")] == 10.0
    assert row[_col(main, "kp")] == 3  # 0+ stored x10
    assert np.isnan(row[_col(main, "ae")])  # 9999 fill
    assert np.isnan(row[_col(main, "proton_flux_1mev")])  # 999999.99 fill
    assert np.isnan(row[_col(main, "lyman_alpha")])  # standard file: no extended words
    assert dst.dataset.id == "dst_omni" and dst.values[0, 0] == -4
    assert kp.values[0, 0] == 3


def test_omni2_extended_and_fills():
    data = (FIXTURES / "omni2_extended_2024_storm.dat").read_bytes()
    main = parse(data, "omni2_2024.dat").series[0]
    assert main.times[0] == np.datetime64("2024-05-11T00:00")  # day 132 of a leap year
    first, second = main.values
    assert first[_col(main, "kp")] == 90 and first[_col(main, "dst")] == -412
    assert first[_col(main, "lyman_alpha")] == 0.009123 and first[_col(main, "proton_qi")] == 0.031
    assert np.isnan(second[_col(main, "lyman_alpha")])  # its own fill 0.999999
    assert np.isnan(second[_col(main, "proton_qi")])
    assert second[_col(main, "flux_flag")] == 0  # a flag, not a fill
    filled = [p.name for p, v in zip(main.dataset.parameters, second, strict=True) if np.isnan(v)]
    assert "imf_sc_id" in filled and "temperature" in filled and "magnetosonic_mach" in filled
    assert "kp" not in filled


def test_hro_1min_excerpt(shared):
    result = parse(shared("omni/omni_min2020_excerpt.asc").read_bytes(), "omni_min2020.asc")
    ts = result.series[0]
    assert result.kind == "omni-hro" and ts.dataset.id == "omni_hro_1min"
    assert len(ts.times) == 11 and ts.times[-1] == np.datetime64("2020-01-01T00:10")
    first = ts.values[0]
    assert first[_col(ts, "timeshift")] == 7589 and first[_col(ts, "speed")] == 295.3
    assert np.isnan(first[_col(ts, "time_between_obs")])  # 999999
    assert np.isnan(first[_col(ts, "ae")])  # 99999
    assert first[_col(ts, "sym_h")] == -6
    third = ts.values[2]  # plasma fills in the real file
    assert np.isnan(third[_col(ts, "speed")]) and np.isnan(third[_col(ts, "density")])
    assert np.isnan(third[_col(ts, "plasma_sc_id")])  # 99
    assert third[_col(ts, "b_avg")] == 3.84


def test_hro_5min_fixture():
    ts = parse((FIXTURES / "omni_5min_2024_storm.asc").read_bytes(), "omni_5min2024.asc").series[0]
    assert ts.dataset.id == "omni_hro_5min" and ts.times[1] == np.datetime64("2024-05-11T17:40")
    assert ts.values[0][_col(ts, "proton_flux_10mev")] == 215.4
    assert np.isnan(ts.values[1][_col(ts, "proton_flux_10mev")])


def test_bad_lines_rejected_good_kept(shared):
    lines = shared("omni/omni_min2020_excerpt.asc").read_bytes().splitlines()
    lines[3] = lines[3][:100]  # truncated record
    lines[5] = lines[5][:60] + b"  abcd" + lines[5][66:]  # garbage field
    lines[7] = lines[7][:8] + b" 25" + lines[7][11:]  # hour 25
    result = omni.parse_hro(b"\n".join(lines), "hro.asc")
    assert len(result.series[0].times) == 8
    text = " | ".join(str(r) for r in result.rejected)
    assert "line 4: 100 characters, expected 299" in text
    assert "line 6: field" in text and "line 8: day of year, hour or minute" in text


@pytest.mark.parametrize("payload, reason", [
    (b"2020 1 2 3\n", "first record has 10 characters"),
    (b"x" * 327 + b"\n", "unreadable|no record"),
])
def test_whole_file_refused(payload, reason):
    with pytest.raises(IngestError, match=reason):
        result = omni.parse_omni2(payload, "omni2_bad.dat")
        if not len(result.series[0].times):
            raise IngestError("omni2_bad.dat", "unreadable")


def test_pipeline_dst_and_kp_datasets(ctx, shared):
    data = shared("omni/omni2_2020_excerpt.dat").read_bytes()
    report = ingest_bytes(ctx.factory, ctx.settings, data, "omni2_2020.dat")
    assert report.status == "ok" and report.added == 33  # 11 rows x 3 datasets
    assert report.dataset == "omni2_h0,dst_omni,kp_omni"
    with ctx.factory() as s:
        t, dst = store.read_parameter(s, "dst_omni", "dst", 0, 2**62)
        _, speed = store.read_parameter(s, "omni2_h0", "speed", 0, 2**62)
    assert dst[0] == -4 and speed[0] == 295.0 and len(t) == 11
    assert ingest_bytes(ctx.factory, ctx.settings, data, "x").status == "unchanged"


def test_fetch_year_from_local_server(shared, tmp_path, settings):
    (tmp_path / "omni2_2020.dat").write_bytes(shared("omni/omni2_2020_excerpt.dat").read_bytes())
    with LocalServer(tmp_path) as srv:
        s = settings.__class__(**{**settings.__dict__, "source_urls": {
            "omni2": f"{srv.url}/files/omni2_{{year}}.dat"}})
        assert len(parse(omni.fetch_omni2(2020, s), "o.dat").series[0].times) == 11
