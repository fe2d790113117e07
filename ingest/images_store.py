"""Writing solar images: the row in ``solar_images`` and the kept FITS and PNG files."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.base import ImageRecord
from storms import models as m
from storms.config import Settings
from storms.store import WriteCounts

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str) -> str:
    """A file name with no directory part and only [A-Za-z0-9._-] (never '..')."""
    base = Path(name.replace("\\", "/")).name
    cleaned = _UNSAFE.sub("_", base).strip("._") or "image"
    return cleaned.replace("..", "_")[:150]


def upsert_images(
    session: Session,
    settings: Settings,
    images: list[ImageRecord],
    source_file_id: int | None,
    written_files: list[Path],
) -> WriteCounts:
    """Store images keyed by (instrument, channel, observation time).

    Files go to ``files_dir/images/<instrument>/<YYYY>/``; every path written is added to
    ``written_files`` so that the caller can delete them if the transaction fails.
    """
    counts = WriteCounts()
    for image in images:
        obs_us = int(np.asarray(image.observation_time, dtype="datetime64[us]").astype(np.int64))
        row = session.scalars(
            select(m.SolarImage).where(
                m.SolarImage.instrument == image.instrument,
                m.SolarImage.channel == image.channel,
                m.SolarImage.obs_us == obs_us,
            )
        ).one_or_none()
        digest = hashlib.sha256(image.fits_bytes).hexdigest()
        if row is not None and row.header.get("_sha256") == digest:
            continue
        year = str(np.asarray(image.observation_time, dtype="datetime64[Y]"))
        folder = Path("images") / safe_name(image.instrument) / year
        fits_rel = folder / safe_name(image.file_name)
        target = settings.files_dir / fits_rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(image.fits_bytes)
        written_files.append(target)
        preview_rel = None
        if image.preview_png:
            preview_rel = fits_rel.with_suffix(".png")
            (settings.files_dir / preview_rel).write_bytes(image.preview_png)
            written_files.append(settings.files_dir / preview_rel)
        fields = dict(
            observatory=image.observatory, wavelength_nm=image.wavelength_nm,
            exposure_s=image.exposure_s, units=image.units, width=image.width,
            height=image.height, file_path=str(fits_rel),
            preview_path=str(preview_rel) if preview_rel else None,
            header={**image.header, "_sha256": digest}, source_file_id=source_file_id,
        )
        if row is None:
            session.add(m.SolarImage(instrument=image.instrument, channel=image.channel,
                                     obs_us=obs_us, **fields))
            counts.added += 1
        else:
            for key, value in fields.items():
                setattr(row, key, value)
            counts.updated += 1
    session.flush()
    return counts
