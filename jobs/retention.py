"""Retention of old raw files: copies of fetched files (``raw/``, kept with
``STORMS_KEEP_RAW``) and refused files (``quarantine/``) older than
``STORMS_RAW_RETENTION_DAYS`` are deleted; their provenance rows in ``source_files`` stay,
marked with ``purged_us``. Image files that no row points to (left by an ingest killed
before its commit) are removed once a day old."""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

from sqlalchemy import select, update

from storms import app_context
from storms import models as m
from storms.timeutil import now_us

from .tasks import JobResult

log = logging.getLogger(__name__)
#: an image file no row points to is an orphan once older than this (a running ingest's
#: files are younger: they get their row when it commits)
ORPHAN_MIN_AGE_S = 86400.0
#: the pipeline's quarantine names: <YYYY-MM-DDTHHMMSS>_<sha256[:12]>_<name>
_QUARANTINED = re.compile(r"^\d{4}-?\d{2}-?\d{2}T\d{6}_(?P<sha>[0-9a-f]{12})_")
CHUNK = 500


def _old_files(folder: Path, cutoff_s: float) -> list[Path]:
    if not folder.is_dir():
        return []
    out = []
    for path in folder.rglob("*"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff_s:
                out.append(path)
        except OSError:  # gone meanwhile
            continue
    return sorted(out)


def _remove_empty_dirs(folder: Path) -> None:
    if not folder.is_dir():
        return
    for sub in sorted((p for p in folder.rglob("*") if p.is_dir()), reverse=True):
        try:
            sub.rmdir()
        except OSError:
            pass  # not empty


def _mark(ctx: app_context.Context, deleted: list[str], cutoff_us: int) -> int:
    """Mark the provenance rows whose kept copy is gone: by ``kept_path``; quarantined
    files from before ``kept_path`` existed by the checksum in their name; and any row
    whose copy has disappeared otherwise (deleted by hand, or by a run killed between
    the deletion and this update)."""
    data_dir = ctx.settings.data_dir
    stamp = now_us()
    marked = 0
    with ctx.factory() as session, session.begin():
        for i in range(0, len(deleted), CHUNK):
            chunk = deleted[i:i + CHUNK]
            result = session.execute(
                update(m.SourceFile).where(m.SourceFile.kept_path.in_(chunk),
                                           m.SourceFile.purged_us.is_(None))
                .values(purged_us=stamp))
            marked += result.rowcount  # type: ignore[attr-defined]
        for rel in deleted:
            found = _QUARANTINED.match(Path(rel).name)
            if not rel.startswith("quarantine/") or found is None or rel.endswith(".reason.txt"):
                continue
            result = session.execute(
                update(m.SourceFile).where(
                    m.SourceFile.status == "rejected", m.SourceFile.kept_path.is_(None),
                    m.SourceFile.sha256.startswith(found["sha"], autoescape=True))
                .values(kept_path=rel, purged_us=stamp))
            marked += result.rowcount  # type: ignore[attr-defined]
        stale = session.scalars(select(m.SourceFile).where(
            m.SourceFile.kept_path.is_not(None), m.SourceFile.purged_us.is_(None),
            m.SourceFile.ingested_us < cutoff_us))
        for row in stale:
            if not (data_dir / (row.kept_path or "")).is_file():
                row.purged_us = stamp
                marked += 1
    return marked


def _orphan_images(ctx: app_context.Context, now_s: float) -> int:
    root = ctx.settings.files_dir
    folder = root / "images"
    candidates = _old_files(folder, now_s - ORPHAN_MIN_AGE_S)
    if not candidates:
        return 0
    with ctx.factory() as session:
        used: set[str] = set()
        for file_path, preview_path in session.execute(
                select(m.SolarImage.file_path, m.SolarImage.preview_path)):
            used.add(file_path)
            if preview_path:
                used.add(preview_path)
    removed = 0
    for path in candidates:
        if path.relative_to(root).as_posix() not in used:
            path.unlink(missing_ok=True)
            removed += 1
    if removed:
        log.info("removed %d image files no row points to", removed)
        _remove_empty_dirs(folder)
    return removed


def prune_raw_files(ctx: app_context.Context, now_s: float | None = None) -> JobResult:
    """The retention job: returns the number of files deleted, with a note."""
    s = ctx.settings
    now_s = time.time() if now_s is None else now_s
    days = s.raw_retention_days
    deleted: list[str] = []
    cutoff_s = now_s - days * 86400.0
    if days > 0:
        for folder in (s.raw_dir, s.quarantine_dir):
            for path in _old_files(folder, cutoff_s):
                path.unlink(missing_ok=True)
                deleted.append(path.relative_to(s.data_dir).as_posix())
            if folder == s.raw_dir:
                _remove_empty_dirs(folder)
    marked = _mark(ctx, deleted, int(cutoff_s * 1e6)) if days > 0 else 0
    orphans = _orphan_images(ctx, now_s)
    note = (f"{len(deleted)} raw or quarantined files older than {days:g} days deleted, "
            f"{marked} provenance rows marked" if days > 0 else "retention off")
    if orphans:
        note += f"; {orphans} orphaned image files removed"
    return JobResult(len(deleted) + orphans, note)
