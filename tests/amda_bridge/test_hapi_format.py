"""HAPI times and numbers: parsing both ISO forms, vectorised formatting that reads back."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amda_bridge.hapi import (
    format_numbers,
    format_time,
    format_times,
    iso_duration,
    parse_duration,
    parse_time,
)

T0 = int(np.datetime64("2017-01-15T00:00", "us").astype(np.int64))


@pytest.mark.parametrize("text, expected", [
    ("2017-01-15T00:00:00.000Z", "2017-01-15T00:00:00.000000Z"),
    ("2017-01-15T23Z", "2017-01-15T23:00:00.000000Z"),
    ("2017-01-15T23:05Z", "2017-01-15T23:05:00.000000Z"),
    ("2017-01-15Z", "2017-01-15T00:00:00.000000Z"),
    ("2017-01-15", "2017-01-15T00:00:00.000000Z"),
    ("2017-01Z", "2017-01-01T00:00:00.000000Z"),
    ("2017Z", "2017-01-01T00:00:00.000000Z"),
    ("2017-015Z", "2017-01-15T00:00:00.000000Z"),
    ("2016-366T12:30:15.25Z", "2016-12-31T12:30:15.250000Z"),
    ("2016-060", "2016-02-29T00:00:00.000000Z"),
    ("2016-12-31T24:00Z", "2017-01-01T00:00:00.000000Z"),
    ("2016-12-31T23:59:60Z", "2017-01-01T00:00:00.000000Z"),
    ("2020-01-01T00:00:00.123456789Z", "2020-01-01T00:00:00.123457Z"),
])
def test_parse_both_forms_truncated_and_without_z(text, expected):
    assert format_time(parse_time(text), 6) == expected


@pytest.mark.parametrize("text", [
    "", "2017-13-01", "2017-02-29", "2017-00-10", "2017-366", "2016-367", "2017-000",
    "2017-01-01T25:00", "2017-01-01T24:01", "2017-01-01T10:60", "2017-01-01T10:00:61",
    "2017-01-01T00:00:00+01:00", "2017/01/01", "17-01-01", "２０１７-01-01", "now",
    "2017-01-01T", "2017-01-01 00:00", "1e9", "2017-01-01T00:00:00.Z", "x" * 100,
    "'; DROP TABLE datasets; --",
])
def test_bad_times_are_refused(text):
    with pytest.raises(ValueError):
        parse_time(text)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-62_135_596_800_000_000, max_value=253_402_300_799_999_999))
def test_format_times_matches_numpy(us):
    ours = format_times(np.array([us], dtype=np.int64), 6)[0].tobytes().decode()
    ref = str(np.datetime64(us, "us")) + "Z"
    assert ours == ref
    assert parse_time(ours) == us


def test_format_times_on_a_year_of_minutes():
    t = T0 + np.arange(0, 525_600, 7, dtype=np.int64) * 60_000_000 + 123_000
    text = format_times(t, 3)
    ms = t.astype("datetime64[us]").astype("datetime64[ms]")
    ref = np.char.add(np.datetime_as_string(ms, unit="ms"), "Z")
    assert (text.view("S24").ravel() == ref.astype("S24")).all()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=False),
                          st.integers(-10**6, 10**6).map(lambda i: i / 100)),
                min_size=1, max_size=40))
def test_numbers_read_back_exactly(values):
    x = np.array(values, dtype=float)
    out = format_numbers(x, b"-1e+31")
    texts = [row[row != 0].tobytes().decode() for row in out]
    for text, v in zip(texts, x, strict=True):
        if np.isnan(v):
            assert text == "-1e+31"
        else:
            assert float(text) == v


def test_numbers_use_one_number_of_decimals_per_column():
    out = format_numbers(np.array([1.5, -20.25, 300.0, 0.05, -0.5]), b"NaN")
    assert [r[r != 0].tobytes().decode() for r in out] == [
        "1.50", "-20.25", "300.00", "0.05", "-0.50"]


def test_durations():
    assert iso_duration(60) == "PT1M" and iso_duration(16) == "PT16S"
    assert iso_duration(86400 * 3) == "P3D" and iso_duration(3600) == "PT1H"
    assert parse_duration("PT16S") == 16 and parse_duration("P1DT1H") == 90000
    with pytest.raises(ValueError):
        parse_duration("P")
