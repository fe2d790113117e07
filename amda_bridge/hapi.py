"""HAPI 3.3 server logic: pure functions over the store, no web framework.

Each endpoint maps ``(query, store session)`` to a :class:`HapiResponse` (status line,
media type, headers, body); the Flask blueprint in :mod:`amda_bridge.hapi_blueprint`
only passes the query in and the response out. Bad requests raise
:class:`~amda_bridge.hapi_errors.HapiError`, which :func:`error_response` turns into the
JSON status body.

Data are streamed: records come from :func:`storms.store.iter_series` in day-block chunks
and are formatted per column with numpy (times and numbers written as digit matrices,
no per-value Python formatting), so a year of one-minute records leaves in well under a
second and memory stays flat whatever the range.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import formatdate

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from amda_bridge.hapi_errors import HAPI_VERSION, HapiError, status_body, status_line
from amda_bridge.hapi_errors import status_object as _status
from storms import models as m
from storms import store

FORMATS = ("csv", "binary", "json")
TIME_NAME = "Time"
#: a request may carry at most this many numbers (records x columns); sets maxRequestDuration
MAX_REQUEST_VALUES = 50_000_000
#: records per formatted chunk after the first (the first one leaves at once)
BATCH_ROWS = 20_000
SERVER_ID = "storms"

Query = Mapping[str, Sequence[str]]


@dataclass
class HapiResponse:
    """What a HAPI endpoint answers, independent of the web framework.

    Attributes
    ----------
    status : str
        Full HTTP status line (e.g. ``"200 OK; HAPI 1201 OK - no data for time range"``).
    content_type : str
        Media type of the body.
    body : bytes or iterable of bytes
        The whole body, or a stream of chunks.
    headers : dict
        Extra headers (Last-Modified, Content-Encoding, ...).
    """

    status: str
    content_type: str
    body: bytes | Iterable[bytes]
    headers: dict[str, str] = field(default_factory=dict)


# --- time ------------------------------------------------------------------------------

_HMS = r"(?:T(\d{2})(?::?(\d{2})(?::?(\d{2})(?:\.(\d{1,9}))?)?)?)?"
_CALENDAR = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2})" + _HMS + r")?)?Z?")
_ORDINAL = re.compile(r"(\d{4})-(\d{3})" + _HMS + r"Z?")
_US_PER_DAY = 86_400_000_000


def _is_leap(year: int) -> bool:
    return (year % 4 == 0 and year % 100 != 0) or year % 400 == 0


def _days_from_civil(y: int, mo: int, d: int) -> int:
    y -= mo <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (mo + (-3 if mo > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_time(text: str) -> int:
    """Read a HAPI time (restricted ISO 8601) as integer microseconds since 1970 UTC.

    Parameters
    ----------
    text : str
        ``yyyy-mm-ddThh:mm:ss.sssZ`` or ``yyyy-dddThh:mm:ss.sssZ``, possibly truncated
        (``2017-01-15T23Z``, ``1999-001Z``, ``1999-01Z``, ``1999Z``) and with or without
        the trailing ``Z``. Hour 24 (``24:00``) is the next midnight, second 60 (a leap
        second) is read as the first instant of the next minute. Fractions below a
        microsecond round up, so that inclusive starts and exclusive stops stay exact.

    Returns
    -------
    int
        Microseconds since 1970-01-01T00:00:00Z.

    Raises
    ------
    ValueError
        For anything else (the message does not echo the input).
    """
    if not isinstance(text, str) or len(text) > 40 or not text.isascii():
        raise ValueError("not a HAPI time")
    match = _ORDINAL.fullmatch(text)
    if match:
        year, doy = int(match[1]), int(match[2])
        if not 1 <= doy <= (366 if _is_leap(year) else 365):
            raise ValueError("day of year out of range")
        days = _days_from_civil(year, 1, 1) + doy - 1
        rest = match.groups()[2:]
    else:
        match = _CALENDAR.fullmatch(text)
        if not match:
            raise ValueError("not a HAPI time")
        year, month, day = int(match[1]), int(match[2] or 1), int(match[3] or 1)
        if not 1 <= month <= 12:
            raise ValueError("month out of range")
        month_days = (31, 29 if _is_leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
        if not 1 <= day <= month_days[month - 1]:
            raise ValueError("day out of range")
        days = _days_from_civil(year, month, day)
        rest = match.groups()[3:]
    hour, minute, second = (int(x) if x else 0 for x in rest[:3])
    fraction = rest[3] or ""
    if hour > 24 or minute > 59 or second > 60:
        raise ValueError("time of day out of range")
    if hour == 24 and (minute or second or fraction.strip("0")):
        raise ValueError("hour 24 only as 24:00")
    micro = int(fraction[:6].ljust(6, "0")) if fraction else 0
    if fraction[6:].strip("0"):
        micro += 1  # round sub-microsecond fractions up
    return days * _US_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1_000_000 + micro


def _civil_from_days(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised proleptic Gregorian (year, month, day) of days since 1970-01-01."""
    z = days + 719468
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day


def time_length(fraction_digits: int) -> int:
    """Length of our time strings: ``yyyy-mm-ddThh:mm:ss[.f...]Z``."""
    return 20 + (fraction_digits + 1 if fraction_digits else 0)


_TOD: np.ndarray | None = None  # "hh:mm:ss" of every second of a day, as 2 words


def _time_of_day_words() -> np.ndarray:
    global _TOD
    if _TOD is None:
        sec = np.arange(86400)
        out = np.zeros((86400, 8), dtype=np.uint8)
        for col, value in ((0, sec // 3600), (3, sec // 60 % 60), (6, sec % 60)):
            out[:, col] = value // 10 + 48
            out[:, col + 1] = value % 10 + 48
        out[:, 2] = out[:, 5] = ord(":")
        _TOD = out.view("<u4").reshape(86400, 2).copy()
    return _TOD


def _date_words(days: np.ndarray) -> np.ndarray:
    """``yyyy`` ``-mm-`` ``ddT`` words (n, 3) of days since 1970 (years 0000-9999)."""
    year, month, day = _civil_from_days(days)
    out = np.zeros((len(days), 12), dtype=np.uint8)
    for j in range(3, -1, -1):
        out[:, j] = year % 10 + 48
        year = year // 10
    out[:, 4] = out[:, 7] = ord("-")
    out[:, 5], out[:, 6] = month // 10 + 48, month % 10 + 48
    out[:, 8], out[:, 9] = day // 10 + 48, day % 10 + 48
    out[:, 10] = ord("T")
    return out.view("<u4").reshape(len(days), 3)


def time_words(times_us: np.ndarray, fraction_digits: int = 3) -> np.ndarray:
    """Times as uint32 words (n, k) of NUL-padded ASCII ``yyyy-mm-ddThh:mm:ss.sssZ``.

    Dates are computed once per day present and times of day come from a table, so a
    year of one-minute times takes a few milliseconds. Times are truncated to
    ``fraction_digits`` (0, 3 or 6) decimals of a second.
    """
    t = np.asarray(times_us, dtype=np.int64)
    n = len(t)
    k = 6 + (0 if not fraction_digits else 1 if fraction_digits <= 3 else 2)
    out = np.empty((n, k), dtype="<u4")
    if not n:
        return out
    days = np.floor_divide(t, _US_PER_DAY)
    in_day = t - days * _US_PER_DAY
    first, last = int(days[0]), int(days[-1])
    if 0 <= last - first <= 4 * n and (np.diff(days) >= 0).all():
        table = _date_words(np.arange(first, last + 1, dtype=np.int64))
        out[:, 0:3] = np.take(table, days - first, axis=0)
    else:
        out[:, 0:3] = _date_words(days)
    seconds = in_day // 1_000_000
    out[:, 3:5] = np.take(_time_of_day_words(), seconds, axis=0)
    micro = in_day - seconds * 1_000_000
    if fraction_digits == 3:
        out[:, 5] = np.take(_partial_table(3, True), micro // 1000)
    elif fraction_digits == 6:
        out[:, 5] = np.take(_partial_table(3, True), micro // 1000)
        out[:, 6] = np.take(_partial_table(3, False), micro % 1000)
    out[:, -1] = _word(b"Z")
    return out


def _time_columns(fraction_digits: int) -> np.ndarray:
    """Byte positions of the characters (not the NUL pads) in :func:`time_words`."""
    probe = time_words(np.array([0], dtype=np.int64), fraction_digits).view(np.uint8)[0]
    return np.flatnonzero(probe)


def format_times(times_us: np.ndarray, fraction_digits: int = 3) -> np.ndarray:
    """Times as a ``uint8`` matrix (n, length) of ASCII ``yyyy-mm-ddThh:mm:ss.sssZ``."""
    words = time_words(times_us, fraction_digits)
    return np.take(words.view(np.uint8), _time_columns(fraction_digits), axis=1)


def format_time(us: int, fraction_digits: int = 3) -> str:
    """One time as a HAPI string (see :func:`format_times`)."""
    return format_times(np.array([us], dtype=np.int64), fraction_digits)[0].tobytes().decode()


def iso_duration(seconds: float) -> str:
    """An ISO 8601 duration (``P1D``, ``PT1H``, ``PT16S``, ``PT0.5S``)."""
    if seconds >= 86400 and seconds % 86400 == 0:
        return f"P{int(seconds // 86400)}D"
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"PT{int(seconds // 3600)}H"
    if seconds >= 60 and seconds % 60 == 0:
        return f"PT{int(seconds // 60)}M"
    return f"PT{seconds:g}S"


_DURATION = re.compile(
    r"P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?"
)


def parse_duration(text: str) -> float:
    """Seconds in an ISO 8601 duration (years of 365.25 days, months of 30 days)."""
    match = _DURATION.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match or text.strip() in ("P", "PT"):
        raise ValueError("not an ISO 8601 duration")
    factors = (365.25 * 86400, 30 * 86400, 7 * 86400, 86400, 3600, 60, 1)
    return sum(float(v) * f for v, f in zip(match.groups(), factors, strict=True) if v)


# --- numbers ---------------------------------------------------------------------------

_POW10 = 10 ** np.arange(19, dtype=np.int64)
_MAX_EXACT = float(2**53)
_MAX_DECIMALS = 17


def fill_text(fill: float | None) -> str:
    """How a fill value is written, in ``info`` (as a JSON string) and in CSV."""
    if fill is None or math.isnan(fill):
        return "NaN"
    if float(fill).is_integer() and abs(fill) < 1e16:
        return str(int(fill))
    return repr(float(fill))


def _word(text: bytes) -> int:
    """Up to four bytes as one little-endian uint32 word (NUL-padded)."""
    return int(np.frombuffer(text.ljust(4, b"\0"), dtype="<u4")[0])


def _words_table(width: int, blank_leading: bool, keep_last: bool = True) -> np.ndarray:
    """uint32 words holding the ASCII digits of 0 .. 10**width - 1 (width <= 4).

    With ``blank_leading`` the leading zeros are NUL (and 0 itself is ``"0"`` only when
    ``keep_last``, else all NUL); otherwise the digits are zero-padded.
    """
    k = np.arange(10**width, dtype=np.int64)
    out = np.zeros((10**width, 4), dtype=np.uint8)
    for j in range(width - 1, -1, -1):
        out[:, j] = k % 10 + 48
        k //= 10
    if blank_leading:
        vals = np.arange(10**width)
        for j in range(width - 1):
            out[vals < 10 ** (width - 1 - j), j] = 0
        if not keep_last:
            out[0] = 0
    return out.view("<u4").ravel().copy()


_FULL4 = _words_table(4, False)
_TOP4 = _words_table(4, True)
_MID4 = _words_table(4, True, keep_last=False)
_PARTIAL: dict[int, np.ndarray] = {}  # digits left-aligned, NUL after: '.ddd' or 'dd'


def _partial_table(digits: int, dot: bool) -> np.ndarray:
    key = digits * 2 + dot
    if key not in _PARTIAL:
        k = np.arange(10**digits, dtype=np.int64)
        out = np.zeros((10**digits, 4), dtype=np.uint8)
        if dot:
            out[:, 0] = ord(".")
        for j in range(digits - 1, -1, -1):
            out[:, j + dot] = k % 10 + 48
            k //= 10
        _PARTIAL[key] = out.view("<u4").ravel().copy()
    return _PARTIAL[key]


def _decimals_needed(a: np.ndarray) -> tuple[int, np.ndarray] | None:
    """Fewest decimals ``d`` such that every value of ``a`` (>= 0) is exactly
    ``rint(a * 10**d) / 10**d`` with a mantissa below 2**53, and those mantissas
    (float64); None when there is no such ``d``."""
    if not len(a):
        return 0, a
    top = float(a.max())
    sample = a[:: max(1, len(a) // 512)]
    for d in range(_MAX_DECIMALS + 1):
        p = 10.0**d
        if top * p >= _MAX_EXACT:
            return None
        if not (np.rint(sample * p) / p == sample).all():
            continue
        if d == 0:
            mant = np.rint(a)
            if (mant == a).all():
                return 0, mant
            continue
        mant = np.rint(a * p)
        if (mant / p == a).all():
            return d, mant
    return None


class NumberField:
    """One column of numbers, laid out as uint32 words of NUL-padded ASCII.

    The first word holds ``prefix`` (the separator, at most 3 bytes) and the sign. Then
    come the integer digits in groups of four (leading zeros NUL) and the decimals. A
    column is written with one number of decimals, the fewest with which every value
    reads back as the very same double, using integer arithmetic and table look-ups on
    the whole column. NaN is written as ``missing``. Columns that no expansion of up to
    17 decimals and 2**53 can write exactly fall back to ``repr`` per value.
    """

    def __init__(self, x: np.ndarray, prefix: bytes, missing: bytes):
        x = np.asarray(x, dtype=np.float64)
        self.n = len(x)
        self.prefix, self.missing = prefix, missing
        self.nan = np.isnan(x)
        self.any_nan = bool(self.nan.any())
        xv = np.where(self.nan, 0.0, x) if self.any_nan else x
        a = np.abs(xv)
        found = _decimals_needed(a) if np.isfinite(a).all() else None
        self.text: np.ndarray | None = None
        if found is None:
            self.d = None
            self.text = _format_repr(x, self.nan, missing)
            self.words = 1 + -(-self.text.shape[1] // 4)
            return
        self.d, mant = found
        self.neg = xv < 0
        if self.d:
            whole = np.floor(a)
            self.frac = (mant - whole * 10.0**self.d).astype(np.int64)
            self.int_part = whole.astype(np.int64)
            if len(self.frac) and (self.frac.min() < 0 or self.frac.max() >= 10**self.d):
                self.d, self.text = None, _format_repr(x, self.nan, missing)
                self.words = 1 + -(-self.text.shape[1] // 4)
                return
        else:
            self.int_part = mant.astype(np.int64)
            self.frac = None  # type: ignore[assignment]
        top = int(self.int_part.max()) if self.n else 0
        self.groups = max(1, -(-len(str(top)) // 4))
        self.frac_words = 0 if not self.d else (1 if self.d <= 3 else 1 + -(-self.d // 4))
        need = len(prefix) + len(missing) if self.any_nan else 0
        self.words = max(1 + self.groups + self.frac_words, -(-need // 4))

    def write(self, out: np.ndarray, col: int) -> None:
        """Write the column's words into ``out[:, col: col + self.words]``."""
        if self.text is not None:
            out[:, col] = _word(self.prefix)
            out[:, col + 1: col + self.words] = 0
            view = out[:, col + 1: col + self.words].view(np.uint8)
            view[:, : self.text.shape[1]] = self.text
            return
        pw, nw = _word(self.prefix), _word(self.prefix + b"-")
        out[:, col] = np.where(self.neg, nw, pw) if self.neg.any() else pw
        q = self.int_part
        higher_zero = None
        for g in range(self.groups):
            div = 10 ** (4 * (self.groups - 1 - g))
            v = q // div if div > 1 else q
            if div > 1:
                q = q - v * div
            last = g == self.groups - 1
            blank = _TOP4 if last else _MID4
            if g == 0:
                out[:, col + 1 + g] = np.take(blank, v)
                higher_zero = v == 0
            else:
                out[:, col + 1 + g] = np.where(higher_zero, np.take(blank, v), np.take(_FULL4, v))  # type: ignore[arg-type]
                if not last:
                    higher_zero &= v == 0
        c = col + 1 + self.groups
        if self.d:
            if self.d <= 3:
                out[:, c] = np.take(_partial_table(self.d, True), self.frac)
            else:
                out[:, c] = _word(b".")
                f = self.frac
                rest = self.d
                for k in range(self.frac_words - 1):
                    width = min(4, rest)
                    div = 10 ** (rest - width)
                    v = f // div
                    f = f - v * div
                    out[:, c + 1 + k] = np.take(_partial_table(width, False), v)
                    rest -= width
            c += self.frac_words
        if col + self.words > c:
            out[:, c: col + self.words] = 0
        if self.any_nan:
            rows = np.flatnonzero(self.nan)
            text = np.frombuffer((self.prefix + self.missing).ljust(4 * self.words, b"\0"),
                                 dtype="<u4")
            out[rows, col: col + self.words] = text


def format_numbers(x: np.ndarray, missing: bytes) -> np.ndarray:
    """Numbers as a ``uint8`` matrix (n, w) of NUL-padded ASCII (see :class:`NumberField`)."""
    field = NumberField(x, b"", missing)
    out = np.empty((field.n, field.words), dtype="<u4")
    field.write(out, 0)
    return out.view(np.uint8)


def _format_repr(x: np.ndarray, nan: np.ndarray, missing: bytes) -> np.ndarray:
    text = [missing.decode() if bad else repr(v) for v, bad in zip(x.tolist(), nan.tolist(),
                                                                       strict=True)]
    arr = np.array(text, dtype="S")
    if arr.dtype.itemsize == 0 or not len(arr):
        return np.zeros((len(x), 1), dtype=np.uint8)
    return arr.view(np.uint8).reshape(len(x), arr.dtype.itemsize)


# --- datasets and info -----------------------------------------------------------------


@dataclass
class ParamView:
    """One served parameter: name, its columns in a stored record, and its metadata."""

    name: str
    columns: list[int]
    units: str | None
    fill: float | None
    size: int
    description: str | None

    @property
    def fill_str(self) -> str:
        return fill_text(self.fill)


@dataclass
class DatasetView:
    """A dataset as HAPI serves it (a detached copy of the store's metadata)."""

    id: str
    title: str
    source: str
    kind: str
    description: str | None
    cadence_s: float | None
    start_us: int
    last_us: int
    modified_us: int | None
    width: int
    parameters: list[ParamView]

    @property
    def fraction_digits(self) -> int:
        return 6 if self.cadence_s is not None and self.cadence_s < 0.01 else 3

    @property
    def stop_us(self) -> int:
        """``stopDate``: just after the last record, so ``stop=stopDate`` includes it."""
        step = self.cadence_s * 1e6 if self.cadence_s else 10 ** (6 - self.fraction_digits)
        return self.last_us + max(int(step), 1)

    @property
    def max_duration_s(self) -> float | None:
        if not self.cadence_s:
            return None
        return min((MAX_REQUEST_VALUES // max(self.width, 1)) * self.cadence_s,
                   100 * 365 * 86400.0)

    def param(self, name: str) -> ParamView | None:
        for p in self.parameters:
            if p.name == name:
                return p
        return None


def view_of(ds: m.Dataset) -> DatasetView | None:
    """The served view of a stored dataset, or None while it holds no records."""
    if ds.start_us is None or ds.stop_us is None:
        return None
    params, offset = [], 0
    for p in ds.parameters:
        size = int(p.size or 1)
        params.append(ParamView(p.name, list(range(offset, offset + size)),
                                p.units or None, p.fill, size, p.description))
        offset += size
    return DatasetView(ds.id, ds.title, ds.source, ds.kind or "measured", ds.description,
                       ds.cadence_s, int(ds.start_us), int(ds.stop_us), ds.modified_us, offset,
                       params)


def _usable_id(dataset_id: str) -> bool:
    return 0 < len(dataset_id) <= 100 and dataset_id.isprintable()


def load_dataset(session: Session, dataset_id: str) -> DatasetView:
    """The dataset ``dataset_id``, or HAPI 1406."""
    if not _usable_id(dataset_id):
        raise HapiError(1406)
    ds = session.get(m.Dataset, dataset_id)
    view = view_of(ds) if ds is not None else None
    if view is None:
        raise HapiError(1406)
    return view


TITLE_MAX = 40


def short_title(title: str) -> str:
    """A catalog title of at most 40 characters (HAPI's advice), cut at a word; the full
    title stays in ``info.description``."""
    if len(title) <= TITLE_MAX:
        return title
    cut = title[: TITLE_MAX - 3].rsplit(" ", 1)[0].rstrip(" ,-(")
    return cut + "..."


def all_datasets(session: Session) -> list[DatasetView]:
    """Every dataset that holds records, by id."""
    return [v for v in (view_of(ds) for ds in store.list_datasets(session)) if v is not None]


def _param_info(p: ParamView) -> dict:
    info: dict = {"name": p.name, "type": "double", "units": p.units, "fill": p.fill_str}
    if p.size > 1:
        info["size"] = [p.size]
    if p.description:
        info["description"] = p.description
    return info


def info_object(ds: DatasetView, params: list[ParamView] | None = None,
                code: int = 1200) -> dict:
    """The ``info`` response of ``ds`` (all parameters, or the subset ``params``)."""
    digits = ds.fraction_digits
    info: dict = {"HAPI": HAPI_VERSION, "status": _status(code)}
    info["startDate"] = format_time(ds.start_us, digits)
    info["stopDate"] = format_time(ds.stop_us, digits)
    if ds.cadence_s:  # a day, or 20 records when they are sparser
        span_s = max(min(86400.0, 1440 * ds.cadence_s), 20 * ds.cadence_s)
        sample_span = int(min(span_s, ds.max_duration_s or span_s) * 1e6)
    else:  # irregular or monthly records: a sample of about 20 of them
        sample_span = 20 * 31 * 86_400_000_000
    info["sampleStartDate"] = format_time(max(ds.start_us, ds.stop_us - sample_span), digits)
    info["sampleStopDate"] = info["stopDate"]
    if ds.cadence_s:
        info["cadence"] = iso_duration(ds.cadence_s)
    elif ds.id.endswith("monthly_predicted"):
        info["cadence"] = "P1M"  # calendar months: no fixed number of seconds
    if ds.max_duration_s:
        info["maxRequestDuration"] = iso_duration(86400 * max(1, int(ds.max_duration_s
                                                                     // 86400)))
    description = ds.description or ds.title
    if ds.kind == "predicted":
        description = (f"{description} PREDICTED values (model output or forecast), not "
                       "measurements; the records may run into the future.")
        info["note"] = ("Predicted dataset: stopDate is the time just after the last "
                        "predicted record and may lie in the future; it moves as new "
                        "predictions are issued.")
    info["description"] = description
    info["x_kind"] = ds.kind
    info["x_source"] = ds.source
    if ds.modified_us:
        info["modificationDate"] = format_time(ds.modified_us, 3)
    chosen = ds.parameters if params is None else params
    info["parameters"] = [
        {"name": TIME_NAME, "type": "isotime", "units": "UTC", "fill": None,
         "length": time_length(digits)},
        *(_param_info(p) for p in chosen),
    ]
    return info


# --- query checks ----------------------------------------------------------------------


def _one(query: Query, allowed: Iterable[str]) -> dict[str, str]:
    """Single values of the request parameters; 1401 for unknown names, 1400 for repeats."""
    allowed = set(allowed)
    out: dict[str, str] = {}
    for key, values in query.items():
        if key not in allowed:
            raise HapiError(1401)
        if len(values) != 1:
            raise HapiError(1400, "a request parameter is given more than once")
        out[key] = values[0]
    return out


def _alias(args: dict[str, str], new: str, old: str) -> str | None:
    if new in args and old in args:
        raise HapiError(1400, f"give either {new} or {old}, not both")
    return args.get(new, args.get(old))


def select_parameters(ds: DatasetView, text: str | None) -> list[ParamView]:
    """The parameters of a ``parameters=`` value, checked (1407 unknown, 1411 order)."""
    if text is None or text == "":
        return list(ds.parameters)
    names = text.split(",")
    order = {p.name: i for i, p in enumerate(ds.parameters)}
    seen: list[int] = []
    chosen: list[ParamView] = []
    time_seen = False
    for i, name in enumerate(names):
        if name == TIME_NAME:
            if i != 0 or time_seen:
                raise HapiError(1411)
            time_seen = True
            continue
        if name not in order:
            raise HapiError(1407)
        idx = order[name]
        if seen and idx <= seen[-1]:
            raise HapiError(1411)
        seen.append(idx)
        chosen.append(ds.parameters[idx])
    return chosen


@dataclass
class DataRequest:
    """A checked ``data`` request."""

    dataset: DatasetView
    params: list[ParamView]
    start_us: int
    stop_us: int
    fmt: str
    header: bool


def parse_data_request(session: Session, query: Query) -> DataRequest:
    """Check a ``data`` query in the order the spec's codes suggest; raise HapiError."""
    args = _one(query, ("dataset", "id", "start", "time.min", "stop", "time.max",
                        "parameters", "include", "format"))
    dataset_id = _alias(args, "dataset", "id")
    start = _alias(args, "start", "time.min")
    stop = _alias(args, "stop", "time.max")
    if dataset_id is None:
        raise HapiError(1400, "dataset is required")
    ds = load_dataset(session, dataset_id)
    if start is None:
        raise HapiError(1402, "start is required")
    if stop is None:
        raise HapiError(1403, "stop is required")
    try:
        start_us = parse_time(start)
    except ValueError:
        raise HapiError(1402) from None
    try:
        stop_us = parse_time(stop)
    except ValueError:
        raise HapiError(1403) from None
    params = select_parameters(ds, args.get("parameters"))
    fmt = args.get("format") or "csv"
    if fmt not in FORMATS:
        raise HapiError(1409, "formats are csv, binary and json")
    include = args.get("include")
    if include not in (None, "", "header"):
        raise HapiError(1410, "the only include value is header")
    if start_us >= stop_us:
        raise HapiError(1404)
    if start_us < ds.start_us or stop_us > ds.stop_us:
        digits = ds.fraction_digits
        raise HapiError(1405, f"this dataset spans {format_time(ds.start_us, digits)} to "
                              f"{format_time(ds.stop_us, digits)}")
    limit = ds.max_duration_s
    if limit:
        width = max(sum(p.size for p in params), 1)
        allowed_s = limit * ds.width / width
        if (stop_us - start_us) / 1e6 > allowed_s:
            most = iso_duration(86400 * max(1, int(allowed_s // 86400)))
            raise HapiError(1408, f"ask for at most {most} at a time (see maxRequestDuration)")
    return DataRequest(ds, params, start_us, stop_us, fmt, include == "header")


# --- responses -------------------------------------------------------------------------

JSON_TYPE = "application/json"


def _last_modified(datasets: list[DatasetView]) -> dict[str, str]:
    modified = [d.modified_us for d in datasets if d.modified_us]
    return {"Last-Modified": http_date(max(modified)) or ""} if modified else {}


def _json(obj: dict, code: int = 1200, headers: dict[str, str] | None = None) -> HapiResponse:
    return HapiResponse(status_line(code) if code != 1200 else "200 OK", JSON_TYPE,
                        (json.dumps(obj, indent=1) + "\n").encode(), headers or {})


def http_date(us: int | None) -> str | None:
    """An HTTP date (Last-Modified) from microseconds since 1970."""
    return None if us is None else formatdate(us / 1e6, usegmt=True)


def error_response(err: HapiError) -> HapiResponse:
    """The JSON status body of a HAPI error, with the matching HTTP status line."""
    return HapiResponse(status_line(err.code), JSON_TYPE,
                        (json.dumps(status_body(err.code, err.detail)) + "\n").encode())


def about(query: Query, datasets: list[DatasetView], contact: str = "") -> HapiResponse:
    """``/hapi/about``."""
    _one(query, ())
    body: dict = {
        "HAPI": HAPI_VERSION, "status": _status(1200), "id": SERVER_ID,
        "title": "Storms space-weather HAPI server",
        "contact": contact or "storms administrators",
        "description": "Solar-wind, magnetic-field and index time series, measured and "
                       "predicted (propagated), from the Storms monitoring service.",
    }
    measured = [d for d in datasets if d.kind != "predicted"]
    sample = next(iter(measured or datasets), None)
    if sample is not None:
        info = info_object(sample)
        body["dataTest"] = {"name": f"{sample.id} sample", "query": {
            "dataset": sample.id, "start": info["sampleStartDate"],
            "stop": info["sampleStopDate"],
            "parameters": ",".join(p.name for p in sample.parameters[:1])}}
    return _json(body, headers=_last_modified(datasets))


def capabilities(query: Query, datasets: list[DatasetView] | None = None) -> HapiResponse:
    """``/hapi/capabilities``."""
    _one(query, ())
    return _json({"HAPI": HAPI_VERSION, "status": _status(1200), "outputFormats": list(FORMATS),
                  "catalogDepthOptions": ["dataset", "all"]},
                 headers=_last_modified(datasets or []))


def _check_resolve(args: dict[str, str]) -> None:
    if args.get("resolve_references", "true") not in ("true", "false"):
        raise HapiError(1412, "resolve_references is true or false")


def catalog(query: Query, datasets: list[DatasetView]) -> HapiResponse:
    """``/hapi/catalog`` (``depth=dataset`` or ``depth=all``)."""
    args = _one(query, ("depth", "resolve_references"))
    depth = args.get("depth", "dataset")
    if depth not in ("dataset", "all"):
        raise HapiError(1413, "depth is dataset or all")
    _check_resolve(args)
    entries = []
    for ds in datasets:
        entry: dict = {"id": ds.id, "title": short_title(ds.title)}
        if depth == "all":
            info = info_object(ds)
            del info["HAPI"], info["status"]
            entry["info"] = info
        entries.append(entry)
    return _json({"HAPI": HAPI_VERSION, "status": _status(1200), "catalog": entries},
                 headers=_last_modified(datasets))


def info(session: Session, query: Query) -> HapiResponse:
    """``/hapi/info``."""
    args = _one(query, ("dataset", "id", "parameters", "resolve_references"))
    dataset_id = _alias(args, "dataset", "id")
    if dataset_id is None:
        raise HapiError(1400, "dataset is required")
    ds = load_dataset(session, dataset_id)
    params = select_parameters(ds, args.get("parameters"))
    _check_resolve(args)
    headers = {"Last-Modified": http_date(ds.modified_us)} if ds.modified_us else {}
    return _json(info_object(ds, params if args.get("parameters") else None),
                 headers=headers)  # type: ignore[arg-type]


# --- data ------------------------------------------------------------------------------


class _Layout:
    """How a record of the chosen parameters is laid out, per output format."""

    def __init__(self, req: DataRequest):
        self.req = req
        cols = [c for p in req.params for c in p.columns]
        self.cols = cols
        if cols:
            self.first, self.last = min(cols), max(cols) + 1
            self.local = [c - self.first for c in cols]
        else:  # time only: read one column, format none
            self.first, self.last, self.local = 0, 1, []
        self.fills = np.array([(p.fill if p.fill is not None else np.nan)
                               for p in req.params for _ in p.columns], dtype=np.float64)
        self.fill_text = [p.fill_str.encode() for p in req.params for _ in p.columns]
        self.sizes = [p.size for p in req.params]
        self.digits = req.dataset.fraction_digits

    def select(self, values: np.ndarray) -> np.ndarray:
        if not self.local:
            return values[:, :0]
        if self.local == list(range(values.shape[1])):
            return values
        return values[:, self.local]

    def _text(self, times: np.ndarray, values: np.ndarray, row_start: bytes,
              after_time: bytes, json: bool) -> bytes:
        """Rows as text: time words, then one :class:`NumberField` per column."""
        n = len(times)
        tw = time_words(times, self.digits)
        fields: list[tuple[NumberField | None, int]] = []
        j = 0
        for size in self.sizes:
            for k in range(size):
                prefix = b",[" if json and size > 1 and k == 0 else b","
                missing = self.fill_text[j]
                if json and missing == b"NaN":
                    missing = b"null"
                fields.append((NumberField(values[:, j], prefix, missing), 0))
                j += 1
                if json and size > 1 and k == size - 1:
                    fields.append((None, _word(b"]")))
        width = (1 if row_start else 0) + tw.shape[1] + (1 if after_time else 0) + sum(
            f.words if f is not None else 1 for f, _ in fields) + 1
        out = np.empty((n, width), dtype="<u4")
        col = 0
        if row_start:
            out[:, 0] = _word(row_start)
            col = 1
        out[:, col: col + tw.shape[1]] = tw
        col += tw.shape[1]
        if after_time:
            out[:, col] = _word(after_time)
            col += 1
        for f, const in fields:
            if f is None:
                out[:, col] = const
                col += 1
            else:
                f.write(out, col)
                col += f.words
        out[:, col] = _word(b"]" if json else b"\n")
        flat = out.view(np.uint8).ravel()
        return flat[flat != 0].tobytes()

    def csv(self, times: np.ndarray, values: np.ndarray) -> bytes:
        return self._text(times, values, b"", b"", False)

    def json(self, times: np.ndarray, values: np.ndarray) -> bytes:
        return self._text(times, values, b',\n["', b'"', True)

    def binary(self, times: np.ndarray, values: np.ndarray) -> bytes:
        n, k = values.shape
        t = format_times(times, self.digits)
        out = np.empty((n, t.shape[1] + 8 * k), dtype=np.uint8)
        out[:, : t.shape[1]] = t
        if k:
            v = np.array(values, dtype="<f8", order="C")
            bad = np.isnan(v)
            if bad.any():
                v[bad] = np.broadcast_to(self.fills, v.shape)[bad]
            out[:, t.shape[1]:] = v.view(np.uint8).reshape(n, 8 * k)
        return out.tobytes()


def _batches(chunks: Iterator[tuple[np.ndarray, np.ndarray]],
             first_rows: int = 0) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Regroup the store's chunks: the first at once, then about BATCH_ROWS records."""
    pend_t: list[np.ndarray] = []
    pend_v: list[np.ndarray] = []
    count = 0
    first = True
    for t, v in chunks:
        pend_t.append(t)
        pend_v.append(v)
        count += len(t)
        if first or count >= BATCH_ROWS:
            first = False
            yield (pend_t[0], pend_v[0]) if len(pend_t) == 1 else (
                np.concatenate(pend_t), np.concatenate(pend_v))
            pend_t, pend_v, count = [], [], 0
    if pend_t:
        yield np.concatenate(pend_t), np.concatenate(pend_v)


def _header_lines(info_obj: dict) -> bytes:
    text = json.dumps(info_obj, indent=1)
    return ("".join(f"#{line}\n" for line in text.splitlines())).encode()


def data(factory: sessionmaker[Session], query: Query, gzip: bool = False) -> HapiResponse:
    """``/hapi/data``: check the request, then stream the records.

    The session stays open while the body streams and closes when the stream ends or is
    abandoned (client gone). HAPI 1201 is reported when the range holds no records.
    """
    session = factory()
    try:
        req = parse_data_request(session, query)
        layout = _Layout(req)
        chunks = store.prefetched(store.iter_series_stream(
            session, req.dataset.id, req.start_us, req.stop_us, chunk_rows=1,
            columns=slice(layout.first, layout.last)))
        batches = _batches(chunks)
        first = next(batches, None)
    except BaseException:
        chunks_close = locals().get("chunks")
        if chunks_close is not None:
            chunks_close.close()
        session.close()
        raise
    code = 1201 if first is None else 1200
    formatter = getattr(layout, req.fmt)

    def render(times: np.ndarray, values: np.ndarray) -> bytes:
        return formatter(times, layout.select(values))

    prologue = b""
    epilogue = b""
    if req.fmt == "json":
        info_obj = info_object(req.dataset, req.params, code)
        info_obj["format"] = "json"
        prologue = json.dumps(info_obj, indent=1)[:-1].rstrip().encode() + b',\n"data":['
        epilogue = b"\n]}\n"
    elif req.header:
        info_obj = info_object(req.dataset, req.params, code)
        info_obj["format"] = req.fmt
        prologue = _header_lines(info_obj)

    def stream() -> Iterator[bytes]:
        try:
            pieces: Iterator[bytes] = _render_all(first, batches, render, req.fmt == "json")
            if prologue:
                yield prologue
            yield from pieces
            if epilogue:
                yield epilogue
        finally:
            batches.close()  # type: ignore[attr-defined]
            chunks.close()  # stops the reading thread before the session closes
            session.close()

    body: Iterable[bytes] = stream()
    headers = {}
    if req.dataset.modified_us:
        headers["Last-Modified"] = http_date(req.dataset.modified_us) or ""
    if gzip:
        body = gzip_stream(body)
        headers["Content-Encoding"] = "gzip"
    content_type = {"csv": "text/csv; charset=utf-8", "binary": "application/octet-stream",
                    "json": JSON_TYPE}[req.fmt]
    status = "200 OK" if code == 1200 else status_line(code)
    return HapiResponse(status, content_type, body, headers)


def _render_all(first, batches, render, strip_first_comma: bool) -> Iterator[bytes]:
    if first is None:
        return
    text = render(first[0], first[1])
    yield text[2:] if strip_first_comma else text
    for t, v in batches:
        yield render(t, v)


def gzip_stream(chunks: Iterable[bytes], level: int = 1) -> Iterator[bytes]:
    """Compress a stream of chunks as one gzip member, chunk by chunk."""
    comp = zlib.compressobj(level, zlib.DEFLATED, 31)
    try:
        for chunk in chunks:
            out = comp.compress(chunk)
            if out:
                yield out
        yield comp.flush()
    finally:
        close = getattr(chunks, "close", None)
        if close:
            close()
