"""The data layer: every protocol (CLI, REST, HAPI, TAP, pages) reads and writes here.

Time-series records are written in bulk (executemany on SQLite, COPY on PostgreSQL)
and read back in chunks as numpy arrays, so memory stays flat whatever the range.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ingest.base import DatasetSpec, EventRecord, TimeSeries
from storms import models as m
from storms.timeutil import datetime64_to_us, now_us

READ_CHUNK_ROWS = 100_000
Progress = Callable[[int], None]

T = TypeVar("T")


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

BLOCK_US = 86_400_000_000  # one UTC day per block


@dataclass
class _Block:
    times: np.ndarray  # int64 (n,)
    values: np.ndarray  # float64 (n, width)
    sources: np.ndarray  # int32 (n,)


def _decode(n: int, width: int, times: bytes, vals: bytes, sources: bytes) -> _Block:
    t = np.frombuffer(times, dtype="<i8")
    v = np.frombuffer(vals, dtype="<f8").reshape(width, n).T
    return _Block(t, v, np.frombuffer(sources, dtype="<i4"))


def _encode(block: _Block) -> tuple[int, int, int, bytes, bytes, bytes]:
    return (
        len(block.times), int(block.times[0]), int(block.times[-1]),
        block.times.astype("<i8").tobytes(),
        np.ascontiguousarray(block.values.T, dtype="<f8").tobytes(),
        block.sources.astype("<i4").tobytes(),
    )


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise equality that treats NaN == NaN (bitwise on float64)."""
    return (a.view(np.int64) == b.view(np.int64)).all(axis=1)


def upsert_series(
    session: Session,
    ts: TimeSeries,
    source_file_id: int | None,
    progress: Progress | None = None,
) -> WriteCounts:
    """Insert new records and update changed ones; identical records are left alone.

    Records are merged into day blocks; within one file a repeated time keeps its last row.
    """
    ds = ensure_dataset(session, ts.dataset)
    counts = WriteCounts()
    if len(ts.times) == 0:
        return counts
    t_us = datetime64_to_us(ts.times)
    order = np.argsort(t_us, kind="stable")
    t_us = t_us[order]
    values = np.ascontiguousarray(ts.values[order], dtype=np.float64)
    values[np.isnan(values)] = np.nan  # one NaN bit pattern, so comparisons are exact
    last = np.ones(len(t_us), dtype=bool)
    last[:-1] = t_us[1:] != t_us[:-1]
    t_us, values = t_us[last], values[last]
    width = ts.dataset.width
    block_ids = t_us // BLOCK_US
    edges = np.flatnonzero(np.diff(block_ids)) + 1
    starts = np.concatenate([[0], edges])
    stops = np.concatenate([edges, [len(t_us)]])
    existing = _existing_blocks(session, ds.id, int(block_ids[0]) * BLOCK_US,
                                int(block_ids[-1]) * BLOCK_US, width)
    src = np.int32(source_file_id if source_file_id is not None else -1)
    inserts, updates = [], []
    for a, b in zip(starts.tolist(), stops.tolist(), strict=True):
        block_us = int(block_ids[a]) * BLOCK_US
        new = _Block(t_us[a:b], values[a:b], np.full(b - a, src, dtype=np.int32))
        old = existing.get(block_us)
        if old is None:
            inserts.append((ds.id, block_us, *_encode(new)))
            counts.added += b - a
        else:
            merged, added, updated = _merge(old, new)
            counts.added += added
            counts.updated += updated
            if added or updated:
                updates.append((*_encode(merged), ds.id, block_us))
        if progress:
            progress(b - a)
    conn = session.connection()
    columns = "dataset_id, block_us, n, first_us, last_us, times, vals, source_ids"
    if inserts:
        conn.exec_driver_sql(
            _param_style(session, f"INSERT INTO record_blocks ({columns}) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"), inserts)
    if updates:
        conn.exec_driver_sql(
            _param_style(session, "UPDATE record_blocks SET n = ?, first_us = ?, last_us = ?, "
                                  "times = ?, vals = ?, source_ids = ? "
                                  "WHERE dataset_id = ? AND block_us = ?"), updates)
    if counts.added or counts.updated:
        ds.start_us = min(int(t_us[0]), ds.start_us if ds.start_us is not None else 2**62)
        ds.stop_us = max(int(t_us[-1]), ds.stop_us if ds.stop_us is not None else -(2**62))
        ds.modified_us = now_us()
    return counts


def _merge(old: _Block, new: _Block) -> tuple[_Block, int, int]:
    """Merge ``new`` records into ``old``; returns the block and the added/updated counts."""
    pos = np.searchsorted(old.times, new.times)
    pos_clipped = np.minimum(pos, len(old.times) - 1)
    present = old.times[pos_clipped] == new.times
    changed = present.copy()
    changed[present] = ~_same(old.values[pos_clipped[present]], new.values[present])
    added = int((~present).sum())
    updated = int(changed.sum())
    if not added and not updated:
        return old, 0, 0
    values, sources = old.values.copy(), old.sources.copy()
    values[pos_clipped[changed]] = new.values[changed]
    sources[pos_clipped[changed]] = new.sources[changed]
    times = np.concatenate([old.times, new.times[~present]])
    values = np.concatenate([values, new.values[~present]])
    sources = np.concatenate([sources, new.sources[~present]])
    order = np.argsort(times, kind="stable")
    return _Block(times[order], values[order], sources[order]), added, updated


def _param_style(session: Session, sql: str) -> str:
    if session.get_bind().dialect.name == "postgresql":
        return sql.replace("?", "%s")
    return sql


def _existing_blocks(
    session: Session, dataset_id: str, first_block_us: int, last_block_us: int, width: int
) -> dict[int, _Block]:
    rows = session.connection().exec_driver_sql(
        _param_style(session, "SELECT block_us, n, times, vals, source_ids FROM record_blocks "
                              "WHERE dataset_id = ? AND block_us >= ? AND block_us <= ?"),
        (dataset_id, first_block_us, last_block_us),
    )
    return {b: _decode(n, width, bytes(t), bytes(v), bytes(s)) for b, n, t, v, s in rows}


def iter_series(
    session: Session,
    dataset_id: str,
    start_us: int,
    stop_us: int,
    chunk_rows: int = READ_CHUNK_ROWS,
    columns: slice | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(time_us int64 (n,), values float64 (n, k))`` chunks in time order, start
    inclusive, stop exclusive, about ``chunk_rows`` records each (whole day blocks).

    ``columns`` (a slice of the record's columns) is cut out of each block in SQL, so only
    those bytes travel; memory stays flat whatever the range (PostgreSQL reads through a
    server-side cursor)."""
    ds = get_dataset(session, dataset_id)
    width = dataset_width(ds)
    first, last, _ = (columns or slice(0, width)).indices(width)
    k = max(last - first, 0)
    payload = "vals" if k == width else f"substr(vals, {first} * n * 8 + 1, n * {k * 8})"
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres and k != width:
        payload = f"substring(vals from {first} * n * 8 + 1 for n * {k * 8})"
    sql = _param_style(session, f"SELECT n, times, {payload} FROM record_blocks "
                                "WHERE dataset_id = ? AND block_us >= ? AND block_us < ? "
                                "AND last_us >= ? ORDER BY block_us")
    first_block = (start_us // BLOCK_US) * BLOCK_US
    raw: Any = session.connection().connection.dbapi_connection
    if postgres:  # a named (server-side) cursor: blocks arrive a few at a time
        import uuid

        cursor = raw.cursor(name=f"series_{uuid.uuid4().hex[:12]}", binary=True)
        cursor.itersize = 16
    else:
        cursor = raw.cursor()
    try:
        cursor.execute(sql, (dataset_id, first_block, stop_us, start_us))
        pending_t: list[np.ndarray] = []
        pending_v: list[np.ndarray] = []
        count = 0
        while True:
            rows = cursor.fetchmany(16)
            for n, t_blob, v_blob in rows:
                times = np.frombuffer(t_blob, dtype="<i8")
                values = np.frombuffer(v_blob, dtype="<f8").reshape(k, n).T
                if times[0] < start_us or times[-1] >= stop_us:
                    keep = (times >= start_us) & (times < stop_us)
                    times, values = times[keep], values[keep]
                if len(times):
                    pending_t.append(times)
                    pending_v.append(values)
                    count += len(times)
                if count >= chunk_rows:
                    yield np.concatenate(pending_t), np.concatenate(pending_v)
                    pending_t, pending_v, count = [], [], 0
            if not rows:
                break
        if pending_t:
            yield np.concatenate(pending_t), np.concatenate(pending_v)
    finally:
        cursor.close()


def read_series(
    session: Session, dataset_id: str, start_us: int, stop_us: int
) -> tuple[np.ndarray, np.ndarray]:
    """Whole range at once (for modest ranges); see :func:`iter_series` for streaming."""
    ds = get_dataset(session, dataset_id)
    chunks = list(iter_series(session, dataset_id, start_us, stop_us))
    if not chunks:
        return np.empty(0, np.int64), np.empty((0, dataset_width(ds)))
    return np.concatenate([c[0] for c in chunks]), np.concatenate([c[1] for c in chunks])


def count_records(session: Session, dataset_id: str) -> int:
    total = session.connection().exec_driver_sql(
        _param_style(session, "SELECT COALESCE(SUM(n), 0) FROM record_blocks "
                              "WHERE dataset_id = ?"), (dataset_id,)).scalar()
    return int(total or 0)


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
    chunks = list(iter_series(session, dataset_id, start_us, stop_us,
                              columns=slice(cols[0], cols[-1] + 1)))
    if not chunks:
        return np.empty(0, np.int64), np.empty((0,) if len(cols) == 1 else (0, len(cols)))
    times = np.concatenate([c[0] for c in chunks])
    out = np.concatenate([c[1] for c in chunks])
    return times, out[:, 0] if len(cols) == 1 else out


def delete_dataset(session: Session, dataset_id: str) -> None:
    session.execute(delete(m.RecordBlock).where(m.RecordBlock.dataset_id == dataset_id))
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


#: Kept for the HAPI layer: :func:`iter_series` streams on PostgreSQL too.
iter_series_stream = iter_series


def prefetched(chunks: Iterator[T], depth: int = 2) -> Generator[T, None, None]:
    """The items of ``chunks``, produced by a background thread up to ``depth`` ahead.

    While the consumer formats and sends one chunk, the next one is already being read
    (the database driver waits on the socket without the GIL). Closing the returned
    generator stops the thread and closes ``chunks`` before returning, so the caller may
    then close the session the chunks were read from. Exceptions reach the consumer.
    """
    import queue
    import threading

    box: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for item in chunks:
                while not stop.is_set():
                    try:
                        box.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    break
        except BaseException as exc:  # handed to the consumer
            box.put((done, exc))
            return
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        box.put((done, None))

    worker = threading.Thread(target=produce, name="prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item, exc = box.get()
            if item is done:
                if exc is not None:
                    raise exc
                return
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                box.get(timeout=0.05)
            except queue.Empty:
                pass
        worker.join()
