"""Stored solar images: one row per (instrument, channel, time), kept files never clobbered,
safe names, counts, and clean-up after failed or committed transactions."""

import bz2
import dataclasses
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from ingest import images_store
from ingest.fits import parse_fits
from ingest.images_store import safe_name, upsert_images
from ingest.pipeline import ingest_bytes
from storms import models as m

FIXTURES = Path(__file__).parents[1] / "fixtures" / "climso"
L1 = FIXTURES / "imoa_06563_l1_20240510_09472619_emi1.fts.bz2"
C1 = FIXTURES / "imoa_06563_c1_20240313_09472619_bri1.fts.bz2"
L1_NAME = L1.name[:-4]


def _record(path=L1):
    return parse_fits(bz2.decompress(path.read_bytes()), path.name[:-4]).images[0]


def _changed(record, fits_bytes=None, **changes):
    """Same key, other FITS bytes (a different final header card padding) or metadata."""
    if fits_bytes is None:
        fits_bytes = record.fits_bytes.replace(b"DN      ", b"adu     ", 1)
        assert fits_bytes != record.fits_bytes
    return dataclasses.replace(record, fits_bytes=fits_bytes, **changes)


def _store(ctx, images, source=None):
    written: list[Path] = []
    with ctx.factory() as s, s.begin():
        counts = upsert_images(s, ctx.settings, images, source, written)
    return counts, written


def _rows(ctx):
    with ctx.factory() as s:
        return list(s.scalars(select(m.SolarImage).order_by(m.SolarImage.obs_us)))


def test_add_then_same_then_changed(ctx):
    record = _record()
    counts, written = _store(ctx, [record])
    assert (counts.added, counts.updated) == (1, 0)
    root = ctx.settings.files_dir
    fits_path = root / "images" / "CLIMSO" / "2024" / L1_NAME
    assert written == [fits_path, fits_path.with_suffix(".png")]
    row = _rows(ctx)[0]
    assert row.file_path == f"images/CLIMSO/2024/{L1_NAME}"  # relative to files_dir
    assert row.obs_us == int(np.datetime64("2024-05-10T09:47:26.19", "us").astype(np.int64))
    assert fits_path.read_bytes() == record.fits_bytes
    assert row.header["_sha256"] and row.header["DATE_OBS"] == "2024-05-10T09:47:26.19"

    counts, written = _store(ctx, [_record()])  # parsed again: identical
    assert (counts.added, counts.updated, written) == (0, 0, [])

    new = _changed(record)
    counts, written = _store(ctx, [new])
    assert (counts.added, counts.updated) == (0, 1)
    row = _rows(ctx)[0]
    assert len(_rows(ctx)) == 1
    kept = root / row.file_path
    assert kept.read_bytes() == new.fits_bytes and kept != fits_path
    assert kept.name.startswith(L1_NAME[:-4] + "_") and kept.suffix == ".fts"
    assert written == [kept, kept.with_suffix(".png")]  # the preview follows the FITS name
    assert row.preview_path == Path(row.file_path).with_suffix(".png").as_posix()
    # the replaced files went once the update committed
    assert not fits_path.exists() and not fits_path.with_suffix(".png").exists()


def test_metadata_change_alone_updates_without_new_files(ctx):
    record = _record()
    _store(ctx, [record])
    counts, written = _store(ctx, [dataclasses.replace(record, exposure_s=0.001)])
    assert (counts.added, counts.updated, written) == (0, 1, [])
    assert _rows(ctx)[0].exposure_s == 0.001


def test_missing_kept_file_is_rewritten(ctx):
    record = _record()
    _store(ctx, [record])
    kept = ctx.settings.files_dir / _rows(ctx)[0].file_path
    kept.unlink()
    counts, written = _store(ctx, [record])
    assert (counts.updated, written) == (1, [kept]) and kept.read_bytes() == record.fits_bytes


def test_same_file_name_for_two_images_never_clobbers(ctx):
    """Two different images whose input names are the same: both files survive."""
    first = _record()
    second = dataclasses.replace(
        _changed(first), observation_time=first.observation_time + np.timedelta64(60, "s"))
    counts, _ = _store(ctx, [first, second])
    assert counts.added == 2
    a, b = _rows(ctx)
    root = ctx.settings.files_dir
    assert a.file_path != b.file_path
    assert (root / a.file_path).read_bytes() == first.fits_bytes
    assert (root / b.file_path).read_bytes() == second.fits_bytes


def test_rolled_back_update_keeps_the_committed_files(ctx):
    record = _record()
    _store(ctx, [record])
    old = _rows(ctx)[0]
    written: list[Path] = []
    with pytest.raises(RuntimeError), ctx.factory() as s, s.begin():
        upsert_images(s, ctx.settings, [_changed(record)], None, written)
        raise RuntimeError("later failure in the same transaction")
    for path in written:  # what the pipeline does on failure
        path.unlink()
    root = ctx.settings.files_dir
    assert _rows(ctx)[0].file_path == old.file_path
    assert (root / old.file_path).read_bytes() == record.fits_bytes
    assert (root / old.preview_path).exists()


def test_failed_pipeline_update_removes_only_new_files(ctx, monkeypatch):
    ingest_bytes(ctx.factory, ctx.settings, L1.read_bytes(), str(L1))
    old = _rows(ctx)[0]
    real = images_store.upsert_images

    def failing(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(images_store, "upsert_images", failing)
    changed = bz2.compress(_changed(_record()).fits_bytes)
    report = ingest_bytes(ctx.factory, ctx.settings, changed, "/in/" + L1.name)
    assert report.status == "refused" and "disk full" in report.errors[0]
    root = ctx.settings.files_dir
    files = sorted(p.name for p in (root / "images" / "CLIMSO" / "2024").iterdir())
    assert files == [L1_NAME, L1_NAME[:-4] + ".png"]
    assert _rows(ctx)[0].file_path == old.file_path


def test_hostile_names_stay_inside_files_dir(ctx):
    record = dataclasses.replace(_record(), instrument="../../etc", file_name="../../passwd",
                                 channel="x/../../y")
    counts, written = _store(ctx, [record])
    root = ctx.settings.files_dir.resolve()
    assert counts.added == 1
    for path in written:
        assert root in path.resolve().parents
    row = _rows(ctx)[0]
    assert row.file_path == "images/etc/2024/passwd" and ".." not in row.file_path


@pytest.mark.parametrize("name, safe", [
    ("../../etc/passwd", "passwd"), ("a b/..\\c d.fts", "c_d.fts"), ("..", "image"),
    ("", "image"), ("...hidden", "hidden"), ("x..y.fts", "x.y.fts"), ("C:\\w\\é v.fits", "v.fits"),
    ("imoa_06563_l1_20240510_09472619_emi1.fts", "imoa_06563_l1_20240510_09472619_emi1.fts"),
    ("-rf .fits", "rf_.fits"), ("a\x00b.fts", "a_b.fts"),
])
def test_safe_names(name, safe):
    assert safe_name(name) == safe


def test_long_names_keep_their_extension():
    name = safe_name("x" * 400 + ".fts")
    assert len(name) == 150 and name.endswith(".fts")


def test_two_channels_same_time_are_two_rows(ctx):
    counts, _ = _store(ctx, [_record(L1), _record(C1)])
    assert counts.added == 2
    assert {(r.channel, r.wavelength_nm) for r in _rows(ctx)} == {("L1", 656.28), ("C1", 656.3)}
