"""The data layer: every protocol (CLI, REST, HAPI, TAP, pages) reads and writes here.

Time-series records are written in bulk (executemany on SQLite, COPY on PostgreSQL)
and read back in chunks as numpy arrays, so memory stays flat whatever the range.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from ingest.base import DatasetSpec, EventRecord, TimeSeries
from storms import models as m
from storms.timeutil import datetime64_to_us, now_us

WRITE_CHUNK_ROWS = 50_000
READ_CHUNK_ROWS = 100_000
Progress = Callable[[int], None]


class StoreError(ValueError):
    """A request the store cannot satisfy (unknown dataset, inconsistent schema)."""


@dataclass
class WriteCounts:
    added: int = 0
    updated: int = 0

    def __iadd__(self, other: WriteCounts) -> WriteCounts:
        self.added += other.added
        self.updated += other.updated
        return self


# --- datasets ---------------------------------------------------------------------------


def ensure_dataset(session: Session, spec: DatasetSpec) -> m.Dataset:
    """Create the dataset, or check that its stored parameters match ``spec``."""
    ds = session.get(m.Dataset, spec.id)
    if ds is None:
        ds = m.Dataset(
            id=spec.id,
            title=spec.title,
            source=spec.source,
            cadence_s=spec.cadence_s,
            description=spec.description,
            kind=spec.kind,
        )
        for i, p in enumerate(spec.parameters):
            ds.parameters.append(
                m.Parameter(
                    position=i,
                    name=p.name,
                    units=p.units,
                    fill=p.fill,
                    size=p.size,
                    description=p.description,
                )
            )
        session.add(ds)
        session.flush()
        return ds
    stored = [(p.name, p.size) for p in ds.parameters]
    wanted = [(p.name, p.size) for p in spec.parameters]
    if stored != wanted:
        raise StoreError(
            f"dataset {spec.id}: parameters {wanted} differ from the stored {stored}"
        )
    return ds


def get_dataset(session: Session, dataset_id: str) -> m.Dataset:
    ds = session.get(m.Dataset, dataset_id)
    if ds is None:
        raise StoreError(f"unknown dataset {dataset_id!r}")
    return ds


def list_datasets(session: Session) -> list[m.Dataset]:
    return list(session.scalars(select(m.Dataset).order_by(m.Dataset.id)))


def dataset_width(ds: m.Dataset) -> int:
    return sum(p.size for p in ds.parameters)


# --- time-series records ----------------------------------------------------------------


def upsert_series(
    session: Session,
    ts: TimeSeries,
    source_file_id: int | None,
    progress: Progress | None = None,
) -> WriteCounts:
    """Insert new records and update changed ones; identical records are left alone.

    Within one file, a repeated time keeps its last row.
    """
    ds = ensure_dataset(session, ts.dataset)
    counts = WriteCounts()
    if len(ts.times) == 0:
        return counts
    t_us = datetime64_to_us(ts.times)
    order = np.argsort(t_us, kind="stable")
    t_us, values = t_us[order], ts.values[order]
    last = np.ones(len(t_us), dtype=bool)
    last[:-1] = t_us[1:] != t_us[:-1]
    t_us, values = t_us[last], np.ascontiguousarray(values[last], dtype="<f8")

    existing = _existing_blobs(session, ds.id, int(t_us[0]), int(t_us[-1]))
    blobs = [row.tobytes() for row in values]
    new_rows: list[tuple] = []
    changed: list[tuple] = []
    for t, blob in zip(t_us.tolist(), blobs, strict=True):
        old = existing.get(t)
        if old is None:
            new_rows.append((ds.id, t, blob, source_file_id))
        elif old != blob:
            changed.append((blob, source_file_id, ds.id, t))
    conn = session.connection()
    if new_rows:
        _bulk_insert(session, new_rows, progress)
    for i in range(0, len(changed), WRITE_CHUNK_ROWS):
        part = changed[i : i + WRITE_CHUNK_ROWS]
        conn.exec_driver_sql(
            _param_style(
                session,
                "UPDATE records SET vals = ?, source_file_id = ? "
                "WHERE dataset_id = ? AND time_us = ?",
            ),
            part,
        )
        if progress:
            progress(len(part))
    counts.added, counts.updated = len(new_rows), len(changed)
    if counts.added or counts.updated:
        ds.start_us = min(int(t_us[0]), ds.start_us if ds.start_us is not None else 2**62)
        ds.stop_us = max(int(t_us[-1]), ds.stop_us if ds.stop_us is not None else -(2**62))
        ds.modified_us = now_us()
    return counts


def _param_style(session: Session, sql: str) -> str:
    if session.get_bind().dialect.name == "postgresql":
        return sql.replace("?", "%s")
    return sql


def _existing_blobs(session: Session, dataset_id: str, t0: int, t1: int) -> dict[int, bytes]:
    rows = session.connection().exec_driver_sql(
        _param_style(
            session,
            "SELECT time_us, vals FROM records "
            "WHERE dataset_id = ? AND time_us >= ? AND time_us <= ?",
        ),
        (dataset_id, t0, t1),
    )
    return {t: bytes(b) for t, b in rows}


def _bulk_insert(session: Session, rows: list[tuple], progress: Progress | None) -> None:
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        raw: Any = conn.connection.dbapi_connection
        with raw.cursor() as cur:
            for i in range(0, len(rows), WRITE_CHUNK_ROWS):
                part = rows[i : i + WRITE_CHUNK_ROWS]
                with cur.copy(
                    "COPY records (dataset_id, time_us, vals, source_file_id) FROM STDIN"
                ) as copy:
                    for row in part:
                        copy.write_row(row)
                if progress:
                    progress(len(part))
        return
    for i in range(0, len(rows), WRITE_CHUNK_ROWS):
        part = rows[i : i + WRITE_CHUNK_ROWS]
        conn.exec_driver_sql(
            "INSERT INTO records (dataset_id, time_us, vals, source_file_id) "
            "VALUES (?, ?, ?, ?)",
            part,
        )
        if progress:
            progress(len(part))


def iter_series(
    session: Session,
    dataset_id: str,
    start_us: int,
    stop_us: int,
    chunk_rows: int = READ_CHUNK_ROWS,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(time_us int64 (n,), values float64 (n, width))`` chunks, start inclusive,
    stop exclusive, in time order. PostgreSQL streams with a server-side cursor."""
    ds = get_dataset(session, dataset_id)
    width = dataset_width(ds)
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn = conn.execution_options(stream_results=True, max_row_buffer=chunk_rows)
    result = conn.execute(
        text(
            "SELECT time_us, vals FROM records WHERE dataset_id = :d "
            "AND time_us >= :a AND time_us < :b ORDER BY time_us"
        ),
        {"d": dataset_id, "a": start_us, "b": stop_us},
    )
    try:
        while True:
            rows = result.fetchmany(chunk_rows)
            if not rows:
                break
            times = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            blob = b"".join(bytes(r[1]) for r in rows)
            yield times, np.frombuffer(blob, dtype="<f8").reshape(len(rows), width)
    finally:
        result.close()


def read_series(
    session: Session, dataset_id: str, start_us: int, stop_us: int
) -> tuple[np.ndarray, np.ndarray]:
    """Whole range at once (for modest ranges); see :func:`iter_series` for streaming."""
    ds = get_dataset(session, dataset_id)
    chunks = list(iter_series(session, dataset_id, start_us, stop_us))
    if not chunks:
        return np.empty(0, np.int64), np.empty((0, dataset_width(ds)))
    return np.concatenate([c[0] for c in chunks]), np.concatenate([c[1] for c in chunks])


def parameter_columns(ds: m.Dataset, names: list[str] | None = None) -> list[int]:
    """Column indices in a record for the given parameters (all when ``names`` is None)."""
    cols: list[int] = []
    offset = 0
    index = {}
    for p in ds.parameters:
        index[p.name] = list(range(offset, offset + p.size))
        offset += p.size
    for name in names if names is not None else list(index):
        if name not in index:
            raise StoreError(f"dataset {ds.id} has no parameter {name!r}")
        cols.extend(index[name])
    return cols


def read_parameter(
    session: Session, dataset_id: str, name: str, start_us: int, stop_us: int
) -> tuple[np.ndarray, np.ndarray]:
    """One parameter over a range: ``(time_us (n,), values (n,) or (n, size))``."""
    ds = get_dataset(session, dataset_id)
    cols = parameter_columns(ds, [name])
    times, values = read_series(session, dataset_id, start_us, stop_us)
    out = values[:, cols]
    return times, out[:, 0] if len(cols) == 1 else out


def delete_dataset(session: Session, dataset_id: str) -> None:
    session.execute(delete(m.Record).where(m.Record.dataset_id == dataset_id))
    session.execute(delete(m.Dataset).where(m.Dataset.id == dataset_id))


# --- events -----------------------------------------------------------------------------


def _us(t) -> int | None:
    return None if t is None else int(np.datetime64(t, "us").astype(np.int64))


def upsert_events(
    session: Session, events: list[EventRecord], source_file_id: int | None
) -> WriteCounts:
    """Insert or update events by (source, source_id), with analyses and links."""
    counts = WriteCounts()
    existing = _existing_events(session, events)
    for ev in events:
        row = existing.get((ev.source, ev.source_id))
        fields = dict(
            kind=ev.kind,
            start_us=_us(ev.start),
            peak_us=_us(ev.peak),
            end_us=_us(ev.end),
            location=ev.location,
            summary=ev.summary,
            attributes=ev.attributes,
        )
        analyses = [
            dict(
                time21_5_us=_us(a.time21_5),
                speed_kms=a.speed_kms,
                longitude_deg=a.longitude_deg,
                latitude_deg=a.latitude_deg,
                half_width_deg=a.half_width_deg,
                most_accurate=a.most_accurate,
                catalog=a.catalog,
                attributes=a.attributes,
            )
            for a in ev.analyses
        ]
        links = sorted(set(ev.linked_ids))
        if row is None:
            row = m.Event(source=ev.source, source_id=ev.source_id, **fields)
            row.source_file_id = source_file_id
            row.analyses = [m.CMEAnalysis(**a) for a in analyses]
            row.links = [m.EventLink(linked_source_id=s) for s in links]
            session.add(row)
            existing[(ev.source, ev.source_id)] = row
            counts.added += 1
            continue
        old = {k: getattr(row, k) for k in fields}
        old_analyses = [
            {k: getattr(a, k) for k in analyses[0]} for a in row.analyses
        ] if analyses else [{} for _ in row.analyses]
        old_links = sorted(link.linked_source_id for link in row.links)
        if old != fields or old_analyses != analyses or old_links != links:
            for k, v in fields.items():
                setattr(row, k, v)
            row.analyses.clear()
            row.links.clear()
            session.flush()
            row.analyses = [m.CMEAnalysis(**a) for a in analyses]
            row.links = [m.EventLink(linked_source_id=s) for s in links]
            row.source_file_id = source_file_id
            counts.updated += 1
    session.flush()
    return counts


def _existing_events(session: Session, events: list[EventRecord]) -> dict[tuple[str, str], m.Event]:
    """The stored events with the same (source, source_id), fetched in a few queries."""
    from sqlalchemy.orm import selectinload

    out: dict[tuple[str, str], m.Event] = {}
    by_source: dict[str, list[str]] = {}
    for ev in events:
        by_source.setdefault(ev.source, []).append(ev.source_id)
    for source, ids in by_source.items():
        for i in range(0, len(ids), 500):
            rows = session.scalars(
                select(m.Event)
                .where(m.Event.source == source, m.Event.source_id.in_(ids[i : i + 500]))
                .options(selectinload(m.Event.analyses), selectinload(m.Event.links))
            )
            out.update({(r.source, r.source_id): r for r in rows})
    return out
