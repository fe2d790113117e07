"""One file in, one transaction out: parse, write, count, and keep refused files aside."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ingest import compression
from ingest.base import IngestError, ParseResult
from ingest.formats import detect_kind, get_format
from storms import models as m
from storms import store
from storms.config import Settings
from storms.database import is_unavailable
from storms.timeutil import now_us

log = logging.getLogger(__name__)
ProgressFactory = Callable[[int, str], Callable[[int], None]]


@dataclass
class IngestReport:
    """What ``storms ingest --json`` prints."""

    kind: str | None
    file: str
    dataset: str | None = None
    added: int = 0
    updated: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)
    status: str = "ok"  # ok | unchanged | refused

    def to_json(self) -> str:
        return json.dumps(asdict(self))


def decompress(data: bytes, name: str) -> tuple[bytes, str]:
    """Undo bzip2 or gzip (by magic number); the name loses its .bz2/.gz suffix."""
    try:
        return compression.decompress(data, name)
    except compression.CompressionError as exc:
        raise IngestError(name, str(exc)) from exc


def parse(data: bytes, name: str, kind: str | None = None) -> ParseResult:
    """Decompress, detect the kind when not given, and parse."""
    if not data:
        raise IngestError(name, "empty file")
    raw, inner = decompress(data, name)
    kind = kind or detect_kind(raw, inner)
    result = get_format(kind).load_parser()(raw, inner)
    result.kind = kind
    return result


def ingest_bytes(
    factory: sessionmaker[Session],
    settings: Settings,
    data: bytes,
    location: str,
    kind: str | None = None,
    force: bool = False,
    progress: ProgressFactory | None = None,
) -> IngestReport:
    """Ingest one file's bytes; ``location`` is its path or URL (kept as provenance)."""
    name = Path(location.split("?")[0]).name or location
    sha = hashlib.sha256(data).hexdigest()
    report = IngestReport(kind=kind, file=location)
    if not force:
        with factory() as session:
            seen = session.scalars(
                select(m.SourceFile).where(m.SourceFile.sha256 == sha, m.SourceFile.status == "ok")
            ).first()
        if seen is not None:
            report.kind, report.status = seen.kind, "unchanged"
            return report
    written_files: list[Path] = []
    try:
        result = parse(data, name, kind)
        report.kind = result.kind
        if result.empty and not result.rejected:
            log.info("%s: no records", location)
        try:  # files written for this file go if anything fails, the commit included
            with factory() as session, session.begin():
                src = m.SourceFile(
                    location=location, sha256=sha, kind=result.kind, ingested_us=now_us(),
                    status="ok",
                )
                session.add(src)
                session.flush()
                _write(session, settings, result, src.id, report, progress, written_files)
                report.rejected = len(result.rejected)
                report.errors = [str(e) for e in result.rejected[:50]]
                src.added, src.updated, src.rejected = (report.added, report.updated,
                                                        report.rejected)
                if result.rejected:
                    src.message = "; ".join(report.errors[:10])
        except BaseException:
            for p in written_files:
                p.unlink(missing_ok=True)
            raise
    except (IngestError, store.StoreError) as exc:
        if report.kind is None:  # say which format was refused, when it is recognisable
            try:
                report.kind = detect_kind(*decompress(data, name))
            except IngestError:
                pass
        _refuse(factory, settings, data, location, name, sha, report, str(exc))
    except Exception as exc:  # a parser bug must not lose the file either
        if is_unavailable(exc):  # the database, not the file: nothing written, retry later
            raise
        log.exception("unexpected error ingesting %s", location)
        _refuse(factory, settings, data, location, name, sha, report,
                f"{name}: unexpected {type(exc).__name__}: {exc}")
    return report


def _write(session, settings, result, src_id, report, progress, written_files) -> None:
    datasets = []
    for ts in result.series:
        cb = progress(len(ts.times), ts.dataset.id) if progress else None
        counts = store.upsert_series(session, ts, src_id, cb)
        report.added += counts.added
        report.updated += counts.updated
        datasets.append(ts.dataset.id)
    if result.events:
        counts = store.upsert_events(session, result.events, src_id)
        report.added += counts.added
        report.updated += counts.updated
        datasets.append("events")
    if result.images:
        from ingest.images_store import upsert_images

        counts = upsert_images(session, settings, result.images, src_id, written_files)
        report.added += counts.added
        report.updated += counts.updated
        datasets.append("solar_images")
    report.dataset = ",".join(dict.fromkeys(datasets)) or None


def _refuse(factory, settings, data, location, name, sha, report, reason) -> None:
    """Keep the refused file aside with its reason, and record the refusal."""
    report.status = "refused"
    report.added = report.updated = 0
    report.errors = [reason]
    stamp = str(np.datetime64("now", "s")).replace(":", "")
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:120] or "unnamed"
    qdir = settings.quarantine_dir
    qdir.mkdir(parents=True, exist_ok=True)
    kept = qdir / f"{stamp}_{sha[:12]}_{safe}"
    kept.write_bytes(data)
    kept.with_name(kept.name + ".reason.txt").write_text(f"{location}\n{reason}\n")
    log.warning("refused %s: %s (kept as %s)", location, reason, kept)
    with factory() as session, session.begin():
        session.add(
            m.SourceFile(
                location=location, sha256=sha, kind=report.kind or "unknown",
                ingested_us=now_us(), status="rejected", message=reason[:2000],
                kept_path=kept.relative_to(settings.data_dir).as_posix(),
            )
        )


def ingest_path(factory, settings, path: str | Path, kind=None, force=False, progress=None):
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        return IngestReport(kind=kind, file=str(p), status="refused",
                            errors=[f"{p}: cannot read: {exc.strerror or exc}"])
    return ingest_bytes(factory, settings, data, str(p), kind, force, progress)
