"""What parsers return, and the errors they raise.

Times leave the parsers as UTC ``datetime64[ns]``; values as float64 with NaN
for missing (each source's own fill values already turned into NaN).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


class IngestError(ValueError):
    """A whole file is refused: names the file, the record or line, and the reason."""

    def __init__(self, file: str, reason: str, record: str | int | None = None):
        self.file = file
        self.reason = reason
        self.record = record
        where = f" at {record}" if record is not None else ""
        super().__init__(f"{file}{where}: {reason}")


@dataclass(frozen=True)
class ParameterSpec:
    """One parameter: ``size`` > 1 for a vector; ``fill`` is what feeds write for NaN."""

    name: str
    units: str | None
    description: str = ""
    size: int = 1
    fill: float | None = -1.0e31


@dataclass(frozen=True)
class DatasetSpec:
    """A time-series dataset as stored and served (HAPI ``info``)."""

    id: str
    title: str
    source: str
    cadence_s: float | None
    parameters: tuple[ParameterSpec, ...]
    description: str = ""
    kind: str = "measured"

    @property
    def width(self) -> int:
        """Number of float64 columns in a record (vectors flattened)."""
        return sum(p.size for p in self.parameters)


@dataclass
class TimeSeries:
    """Rows of one dataset: ``times`` datetime64[ns] UTC (n,), ``values`` float64 (n, width)."""

    dataset: DatasetSpec
    times: np.ndarray
    values: np.ndarray

    def __post_init__(self) -> None:
        self.times = np.asarray(self.times, dtype="datetime64[ns]")
        self.values = np.asarray(self.values, dtype=np.float64).reshape(
            len(self.times), self.dataset.width
        )


@dataclass
class RecordError:
    """A bad record inside a good file: rejected and counted, the rest kept."""

    record: str | int
    reason: str

    def __str__(self) -> str:
        return f"{self.record}: {self.reason}"


@dataclass
class CMEAnalysisRecord:
    time21_5: np.datetime64 | None
    speed_kms: float | None
    longitude_deg: float | None
    latitude_deg: float | None
    half_width_deg: float | None
    most_accurate: bool = False
    catalog: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class EventRecord:
    """An event; ``kind`` is one of CME, FLR, SEP, IPS, ICME, GST, HSS, MPC, RBE, NOTE."""

    kind: str
    source: str
    source_id: str
    start: np.datetime64
    peak: np.datetime64 | None = None
    end: np.datetime64 | None = None
    location: str | None = None
    summary: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    analyses: list[CMEAnalysisRecord] = field(default_factory=list)
    linked_ids: list[str] = field(default_factory=list)


@dataclass
class ImageRecord:
    """A solar image: metadata plus the bytes of the FITS to keep and its PNG preview."""

    instrument: str
    channel: str
    observation_time: np.datetime64
    width: int
    height: int
    fits_bytes: bytes
    file_name: str
    preview_png: bytes | None = None
    observatory: str | None = None
    wavelength_nm: float | None = None
    exposure_s: float | None = None
    units: str | None = None
    header: dict[str, Any] = field(default_factory=dict)


@dataclass
class ParseResult:
    """Everything one file yields."""

    kind: str
    series: list[TimeSeries] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    images: list[ImageRecord] = field(default_factory=list)
    rejected: list[RecordError] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.series or self.events or self.images)


def to_datetime64_ns(values: Any, file: str, what: str = "time") -> np.ndarray:
    """Parse ISO-like strings to UTC datetime64[ns]; a trailing Z is accepted."""
    arr = np.asarray(values, dtype=object)
    try:
        cleaned = np.array([str(v).rstrip("Z").replace(" ", "T") for v in arr], dtype="U32")
        return cleaned.astype("datetime64[ns]")
    except ValueError as exc:
        raise IngestError(file, f"unreadable {what}: {exc}") from exc
