"""Writing solar images: the row in ``solar_images`` and the kept FITS and PNG files.

Files live under ``settings.files_dir / "images" / <instrument> / <YYYY> /``; the rows
store paths relative to ``settings.files_dir`` (POSIX separators).

A file already on disk is never overwritten: the name taken from the input is used when
it is free (or holds the same bytes), else ``<stem>_<sha256[:12]><suffix>``. So a failed
transaction, whose new files the pipeline deletes, can never remove or alter a file that
a committed row points to. Files that an update replaces are deleted only once the
transaction has committed (nothing is deleted after a rollback).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import event, func, or_, select
from sqlalchemy.orm import Session

from ingest.base import ImageRecord
from storms import models as m
from storms.config import Settings
from storms.store import WriteCounts
from storms.timeutil import datetime64_to_us

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 150


def safe_name(name: str, default: str = "image") -> str:
    """A file name safe to join to a directory: no directory part, no "..", and only
    ``[A-Za-z0-9._-]``; at most 150 characters with the extension kept.

    Examples
    --------
    >>> safe_name("../../etc/passwd")
    'passwd'
    >>> safe_name("a b/..\\\\c d.fts")
    'c_d.fts'
    """
    base = re.split(r"[\\/]", name)[-1]
    cleaned = _UNSAFE.sub("_", base)
    cleaned = re.sub(r"\.{2,}", ".", cleaned).strip("._-")
    if not cleaned:
        return default
    if len(cleaned) > MAX_NAME:
        stem, dot, suffix = cleaned.rpartition(".")
        suffix = f".{suffix}" if dot and 0 < len(suffix) <= 10 else ""
        cleaned = cleaned[: MAX_NAME - len(suffix)].rstrip("._-") + suffix
    return cleaned


def _place(folder: Path, name: str, content: bytes, written: list[Path]) -> Path:
    """Write ``content`` as ``folder/name`` unless that is taken by other bytes; then as
    ``<stem>_<sha12><suffix>``. Returns the path holding ``content``; new files are
    appended to ``written``."""
    digest = hashlib.sha256(content).hexdigest()[:12]
    stem, suffix = Path(name).stem, Path(name).suffix
    folder.mkdir(parents=True, exist_ok=True)
    for candidate in (name, f"{stem}_{digest}{suffix}", f"{stem}_{digest}_2{suffix}"):
        path = folder / candidate
        try:
            with open(path, "xb") as fh:  # exclusive: never replaces an existing file
                written.append(path)
                fh.write(content)
            return path
        except FileExistsError:
            if path.is_file() and path.stat().st_size == len(content) \
                    and path.read_bytes() == content:
                return path
    raise OSError(f"{folder}: no free name for {name}")


def _obs_us(image: ImageRecord) -> int:
    return int(datetime64_to_us(np.asarray([image.observation_time]))[0])


def _fields(image: ImageRecord, digest: str) -> dict[str, Any]:
    return {
        "observatory": image.observatory,
        "wavelength_nm": image.wavelength_nm,
        "exposure_s": image.exposure_s,
        "units": image.units,
        "width": image.width,
        "height": image.height,
        "header": {**image.header, "_sha256": digest},
    }


_PENDING = "storms.images.delete_after_commit"


def _delete_after_commit(session: Session, paths: list[Path]) -> None:
    """Delete ``paths`` when the session commits; forget them on any rollback (then the
    files stay, possibly orphaned, but no committed row can lose its file)."""
    if _PENDING not in session.info:
        session.info[_PENDING] = []
        event.listen(session, "after_commit", _on_commit)
        event.listen(session, "after_soft_rollback", _on_rollback)
    session.info[_PENDING].extend(paths)


def _on_commit(session: Session) -> None:
    paths, session.info[_PENDING] = session.info.get(_PENDING, []), []
    for path in paths:
        path.unlink(missing_ok=True)


def _on_rollback(session: Session, previous_transaction) -> None:
    session.info[_PENDING] = []


def upsert_images(
    session: Session,
    settings: Settings,
    images: list[ImageRecord],
    source_file_id: int | None,
    written_files: list[Path],
) -> WriteCounts:
    """Store images keyed by (instrument, channel, observation time).

    Parameters
    ----------
    session : Session
        Inside the caller's transaction.
    settings : Settings
        ``files_dir`` is where the FITS and PNG files go.
    images : list of ImageRecord
        From :func:`ingest.fits.parse_fits`.
    source_file_id : int or None
        Provenance (``source_files.id``).
    written_files : list of Path
        Every file written is appended, so that the caller can delete them if the
        transaction fails.

    Returns
    -------
    WriteCounts
        Added rows, and rows whose FITS bytes or metadata changed. The same image again
        (same FITS bytes, same metadata, files present) counts as neither.
    """
    counts = WriteCounts()
    root = settings.files_dir
    replaced: list[Path] = []
    for image in images:
        obs_us = _obs_us(image)
        row = session.scalars(
            select(m.SolarImage).where(
                m.SolarImage.instrument == image.instrument,
                m.SolarImage.channel == image.channel,
                m.SolarImage.obs_us == obs_us,
            )
        ).one_or_none()
        digest = hashlib.sha256(image.fits_bytes).hexdigest()
        fields = _fields(image, digest)
        if row is not None and _unchanged(row, fields, root):
            continue
        year = str(np.datetime64(obs_us, "us").astype("datetime64[Y]"))
        folder = Path("images") / safe_name(image.instrument, "instrument") / year
        kept = _place(root / folder, safe_name(image.file_name), image.fits_bytes,
                      written_files)
        fields["file_path"] = kept.relative_to(root).as_posix()
        fields["preview_path"] = None
        if image.preview_png:
            preview = _place(kept.parent, f"{kept.stem}.png", image.preview_png,
                             written_files)
            fields["preview_path"] = preview.relative_to(root).as_posix()
        fields["source_file_id"] = source_file_id
        if row is None:
            session.add(m.SolarImage(instrument=image.instrument, channel=image.channel,
                                     obs_us=obs_us, **fields))
            counts.added += 1
        else:
            new_paths = (fields["file_path"], fields["preview_path"])
            old = [p for p in (row.file_path, row.preview_path) if p and p not in new_paths]
            for key, value in fields.items():
                setattr(row, key, value)
            session.flush()
            replaced += [root / p for p in old if not _still_used(session, p)]
            counts.updated += 1
    session.flush()
    if replaced:
        _delete_after_commit(session, replaced)
    return counts


def _unchanged(row: m.SolarImage, fields: dict[str, Any], root: Path) -> bool:
    if any(getattr(row, key) != value for key, value in fields.items()):
        return False
    paths = [row.file_path] + ([row.preview_path] if row.preview_path else [])
    return all((root / p).is_file() for p in paths)


def _still_used(session: Session, path: str) -> bool:
    used = session.scalar(
        select(func.count()).select_from(m.SolarImage).where(
            or_(m.SolarImage.file_path == path, m.SolarImage.preview_path == path)))
    return bool(used)
