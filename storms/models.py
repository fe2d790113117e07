"""Database models (SQLAlchemy 2 typed ORM).

Times are stored as integer microseconds since 1970-01-01T00:00:00 UTC
(``*_us`` columns): identical on SQLite and PostgreSQL, exact, and fast to
move in bulk to and from numpy ``datetime64[us]``.
Time-series values are stored per record as a little-endian float64 blob
holding every parameter (vectors flattened) in the order of the dataset's
parameters; NaN means missing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class SourceFile(Base):
    """Provenance: one ingested file or URL, its checksum and outcome."""

    __tablename__ = "source_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    location: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    ingested_us: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))  # ok | rejected
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)
    #: the copy of the file kept under the data dir (``raw/…`` or ``quarantine/…``)
    kept_path: Mapped[str | None] = mapped_column(Text)
    #: when the retention job deleted that copy (the row, the provenance, stays)
    purged_us: Mapped[int | None] = mapped_column(BigInteger)


class Dataset(Base):
    """A time-series dataset (one instrument product, or one prediction target)."""

    __tablename__ = "datasets"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(100))
    cadence_s: Mapped[float | None] = mapped_column(Float)
    start_us: Mapped[int | None] = mapped_column(BigInteger)
    stop_us: Mapped[int | None] = mapped_column(BigInteger)
    description: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), default="measured")  # measured|predicted
    modified_us: Mapped[int | None] = mapped_column(BigInteger)

    parameters: Mapped[list[Parameter]] = relationship(
        back_populates="dataset", order_by="Parameter.position", cascade="all, delete-orphan"
    )


class Parameter(Base):
    """One parameter of a dataset; ``size`` > 1 for vectors."""

    __tablename__ = "parameters"
    __table_args__ = (UniqueConstraint("dataset_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    units: Mapped[str | None] = mapped_column(String(60))
    fill: Mapped[float | None] = mapped_column(Float)
    size: Mapped[int] = mapped_column(Integer, default=1)
    description: Mapped[str | None] = mapped_column(Text)

    dataset: Mapped[Dataset] = relationship(back_populates="parameters")


class RecordBlock(Base):
    """The records of one dataset in one UTC day, stored as arrays.

    ``times``: int64 microseconds (n,); ``vals``: float64 column-major (width, n), so one
    parameter is a contiguous byte range that SQL can cut out; ``source_ids``: int32
    provenance (``source_files.id``) of each record. Records stay unique by
    (dataset, time): writes merge into the day's block.
    """

    __tablename__ = "record_blocks"

    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    block_us: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    first_us: Mapped[int] = mapped_column(BigInteger)
    last_us: Mapped[int] = mapped_column(BigInteger)
    times: Mapped[bytes] = mapped_column(LargeBinary)
    vals: Mapped[bytes] = mapped_column(LargeBinary)
    source_ids: Mapped[bytes] = mapped_column(LargeBinary)


class Event(Base):
    """A solar or heliospheric event: CME, FLR, SEP, IPS, ICME, GST, HSS, ..."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        Index("ix_events_kind_start", "kind", "start_us"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[str] = mapped_column(String(120))
    start_us: Mapped[int] = mapped_column(BigInteger)
    peak_us: Mapped[int | None] = mapped_column(BigInteger)
    end_us: Mapped[int | None] = mapped_column(BigInteger)
    location: Mapped[str | None] = mapped_column(String(60))  # e.g. N12E34, or spacecraft
    summary: Mapped[str | None] = mapped_column(Text)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source_file_id: Mapped[int | None] = mapped_column(ForeignKey("source_files.id"))

    analyses: Mapped[list[CMEAnalysis]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="CMEAnalysis.id"
    )
    links: Mapped[list[EventLink]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventLink.id"
    )


class CMEAnalysis(Base):
    """One analysis of a CME (e.g. DONKI CMEAnalysis) at 21.5 solar radii."""

    __tablename__ = "cme_analyses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    time21_5_us: Mapped[int | None] = mapped_column(BigInteger)
    speed_kms: Mapped[float | None] = mapped_column(Float)
    longitude_deg: Mapped[float | None] = mapped_column(Float)
    latitude_deg: Mapped[float | None] = mapped_column(Float)
    half_width_deg: Mapped[float | None] = mapped_column(Float)
    most_accurate: Mapped[bool] = mapped_column(Boolean, default=False)
    catalog: Mapped[str | None] = mapped_column(String(40))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    event: Mapped[Event] = relationship(back_populates="analyses")


class EventLink(Base):
    """A link from an event to another, by the other's source id (it may come later)."""

    __tablename__ = "event_links"
    __table_args__ = (UniqueConstraint("event_id", "linked_source_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    linked_source_id: Mapped[str] = mapped_column(String(120), index=True)

    event: Mapped[Event] = relationship(back_populates="links")


class SolarImage(Base):
    """A solar image (CLIMSO first): metadata, the kept FITS and its PNG preview."""

    __tablename__ = "solar_images"
    __table_args__ = (
        UniqueConstraint("instrument", "channel", "obs_us"),
        Index("ix_solar_images_obs", "obs_us"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    observatory: Mapped[str | None] = mapped_column(String(60))
    instrument: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(40))
    wavelength_nm: Mapped[float | None] = mapped_column(Float)
    obs_us: Mapped[int] = mapped_column(BigInteger)
    exposure_s: Mapped[float | None] = mapped_column(Float)
    units: Mapped[str | None] = mapped_column(String(40))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    file_path: Mapped[str] = mapped_column(Text)
    preview_path: Mapped[str | None] = mapped_column(Text)
    header: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source_file_id: Mapped[int | None] = mapped_column(ForeignKey("source_files.id"))


class SourceStatus(Base):
    """Health of a remote source, as the fetchers last saw it."""

    __tablename__ = "source_status"

    source: Mapped[str] = mapped_column(String(200), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))  # ok | failing
    last_attempt_us: Mapped[int] = mapped_column(BigInteger)
    last_success_us: Mapped[int | None] = mapped_column(BigInteger)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)


class Prediction(Base):
    """A propagated arrival of an event (or solar-wind structure) at one target."""

    __tablename__ = "predictions"
    __table_args__ = (
        UniqueConstraint("model", "event_key", "target"),
        Index("ix_predictions_target_arrival", "target", "arrival_us"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model: Mapped[str] = mapped_column(String(40))  # cme | dbm | dbem | cir | sep | sw
    model_version: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    event_key: Mapped[str] = mapped_column(String(160))  # source id of the event, or a run key
    target: Mapped[str] = mapped_column(String(60))
    issued_us: Mapped[int] = mapped_column(BigInteger)
    departure_us: Mapped[int] = mapped_column(BigInteger)
    hit: Mapped[bool] = mapped_column(Boolean)
    hit_probability: Mapped[float | None] = mapped_column(Float)
    arrival_us: Mapped[int | None] = mapped_column(BigInteger)
    arrival_p05_us: Mapped[int | None] = mapped_column(BigInteger)
    arrival_p95_us: Mapped[int | None] = mapped_column(BigInteger)
    arrival_speed_kms: Mapped[float | None] = mapped_column(Float)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class JobRun(Base):
    """One run of a scheduled job: when, how it ended, what it did."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_job_started", "job", "started_us"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(80))
    worker: Mapped[str] = mapped_column(String(120))
    started_us: Mapped[int] = mapped_column(BigInteger)
    finished_us: Mapped[int | None] = mapped_column(BigInteger)
    # running | ok | failed | interrupted (its worker died; the job was run again)
    status: Mapped[str] = mapped_column(String(16))
    records: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)


class SchedulerLease(Base):
    """Who may run the scheduled jobs: one holder at a time, renewed before it expires."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_us: Mapped[int] = mapped_column(BigInteger)


class AlertRule(Base):
    """A rule watched on a dataset: ``parameter`` (component ``component`` of a vector)
    compared with ``threshold`` by ``operator`` for at least ``duration_s``."""

    __tablename__ = "alert_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    dataset_id: Mapped[str] = mapped_column(String(100))
    parameter: Mapped[str] = mapped_column(String(100))
    component: Mapped[int] = mapped_column(Integer, default=0)
    operator: Mapped[str] = mapped_column(String(2))  # < <= > >=
    threshold: Mapped[float] = mapped_column(Float)
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    severity: Mapped[str] = mapped_column(String(16), default="warning")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    webhook_url: Mapped[str | None] = mapped_column(Text)
    email_to: Mapped[str | None] = mapped_column(Text)  # comma-separated addresses


class Alert(Base):
    """An alert raised by a rule: open, acknowledged, closed; one open alert per rule."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_rule_state", "rule_id", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16))  # open | acknowledged | closed
    opened_us: Mapped[int] = mapped_column(BigInteger)  # when the condition began (data time)
    closed_us: Mapped[int | None] = mapped_column(BigInteger)
    peak_value: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text)
    notified: Mapped[bool] = mapped_column(Boolean, default=False)
