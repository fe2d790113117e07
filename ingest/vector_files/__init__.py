"""Time series of three-component positions or vectors as files: CSV, VOTable and CDF, read
with errors that name the file, row and column, and written back (the transform service's
input and output). One module per format; the shared model and checks in ``model``."""

from __future__ import annotations

from collections.abc import Sequence

from ingest import compression

from .model import SeriesFileError, VectorSeries, frame_from_names

__all__ = ["FORMATS", "SeriesFileError", "VectorSeries", "read_series", "write_series",
           "sniff_format", "output_names", "frame_from_names"]

FORMATS = ("csv", "votable", "cdf")
#: Largest file accepted once a gzip or bzip2 upload is decompressed.
MAX_DECOMPRESSED_BYTES = 1 << 30
_CDF_MAGIC = (b"\xcd\xf3\x00\x01", b"\xcd\xf2\x60\x02", b"\x00\x00\xff\xff")


def sniff_format(data: bytes, name: str) -> str:
    """``cdf`` by magic number, ``votable`` by its XML start, else ``csv``."""
    if data[:4] in _CDF_MAGIC:
        return "cdf"
    head = data[:400].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<?xml") or head.startswith(b"<votable"):
        return "votable"
    if name.lower().endswith(".cdf"):
        return "cdf"
    return "csv"


def read_series(data: bytes, name: str, *, format: str | None = None,
                time_column: str | None = None, columns: Sequence[str] | None = None,
                unit: str | None = None) -> VectorSeries:
    """Read a file's series (see :class:`VectorSeries`); :class:`SeriesFileError` if bad.
    gzip or bzip2 files are decompressed first (up to :data:`MAX_DECOMPRESSED_BYTES`);
    messages keep the name as given."""
    if not data:
        raise SeriesFileError(name, "empty file")
    inner = name
    if compression.is_compressed(data):
        try:
            data, inner = compression.decompress(data, name, MAX_DECOMPRESSED_BYTES)
        except compression.CompressionError as exc:
            raise SeriesFileError(name, str(exc)) from None
        if not data:
            raise SeriesFileError(name, "empty file once decompressed")
    fmt = format or sniff_format(data, inner)
    if fmt == "csv":
        from .csv_format import read_csv as reader
    elif fmt == "votable":
        from .votable_format import read_votable as reader
    elif fmt == "cdf":
        from .cdf_format import read_cdf as reader
    else:
        raise SeriesFileError(name, f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    return reader(data, name, time_column, columns, unit)


def output_names(series: VectorSeries, frame: str, kind: str) -> list[str]:
    """Component names for ``frame``: x_gse..., bx_gsm... for B fields, r_rtn... in RTN."""
    axes = ("r", "t", "n") if frame == "RTN" else ("x", "y", "z")
    stem = "b" if kind == "vector" and all(c.lower().startswith("b")
                                           for c in series.columns) else ""
    return [f"{stem}{a}_{frame.lower()}" for a in axes]


def write_series(series: VectorSeries, format: str, *, frame: str, kind: str) -> bytes:
    """The series as a ``csv``, ``votable`` or ``cdf`` file (bytes)."""
    names = output_names(series, frame, kind)
    if format == "csv":
        from .csv_format import write_csv

        return write_csv(series, frame, kind, names)
    if format == "votable":
        from .votable_format import write_votable

        return write_votable(series, frame, kind, names)
    if format == "cdf":
        from .cdf_format import write_cdf

        return write_cdf(series, frame, kind, "B" if names[0].startswith("b") else
                         "position" if kind == "position" else "vector")
    raise ValueError(f"unknown format {format!r}; known: {', '.join(FORMATS)}")
