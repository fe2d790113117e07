"""Solar FITS: CLIMSO names and headers, real coronagraph files, previews, kept files."""

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from ingest import fits as fits_parser
from ingest.base import IngestError
from ingest.images_store import safe_name
from ingest.pipeline import ingest_bytes, parse
from storms import models as m
from tests.http_fixture import LocalServer

FIXTURES = Path(__file__).parents[1] / "fixtures" / "climso"
L1 = FIXTURES / "imoa_06563_l1_20240510_09472619_emi1.fts.bz2"
C1 = FIXTURES / "imoa_06563_c1_20240313_09472619_bri1.fts.bz2"


def _header(shared, name):
    from astropy.io import fits

    return fits.getheader(shared(f"climso/{name}"))


def test_climso_name():
    meta = fits_parser.climso_name("imoa_06563_c1_20240313_09472619_bri1.fts")
    assert meta == {"channel": "C1", "wavelength_nm": 656.3,
                    "time": np.datetime64("2024-03-13T09:47:26.190"), "product": "bri1"}
    assert fits_parser.climso_name("imoa_03934_l2_20240510_12000000_emi1.fts")[
        "wavelength_nm"] == 393.4
    assert fits_parser.climso_name("lasco_c2.fts") is None


def test_climso_bz2_through_the_pipeline(ctx):
    report = ingest_bytes(ctx.factory, ctx.settings, L1.read_bytes(), str(L1))
    assert report.status == "ok" and report.kind == "fits" and report.added == 1
    with ctx.factory() as s:
        img = s.scalars(select(m.SolarImage)).one()
        assert (img.instrument, img.channel, img.observatory) == ("CLIMSO", "L1", "Pic du Midi")
        assert img.wavelength_nm == 656.3 and img.exposure_s == 0.0008
        assert img.obs_us == int(np.datetime64("2024-05-10T09:47:26.190", "us").astype(np.int64))
        assert (img.width, img.height, img.units) == (64, 64, "DN")
        kept = ctx.settings.files_dir / img.file_path
        assert kept.name == "imoa_06563_l1_20240510_09472619_emi1.fts"
        assert kept.read_bytes().startswith(b"SIMPLE  =")  # kept decompressed for download
        preview = Image.open(ctx.settings.files_dir / img.preview_path)
        assert preview.format == "PNG" and preview.size == (64, 64)
    again = ingest_bytes(ctx.factory, ctx.settings, L1.read_bytes(), str(L1), force=True)
    assert (again.added, again.updated) == (0, 0)


def test_time_from_name_when_header_has_none():
    image = parse(C1.read_bytes(), C1.name).images[0]
    assert image.channel == "C1" and image.observation_time == np.datetime64(
        "2024-03-13T09:47:26.190")


@pytest.mark.parametrize("name, when, size, instrument, channel, units", [
    ("20181209_180305_kcor_l1.5_rebinned.fits", "2018-12-09T18:03:05", 128,
     "COSMO K-Coronagraph", "KCor", "B/Bsun"),
    ("lasco_c2_25299383_s.fts", "2009-02-28T00:05:33.380", 128, "LASCO", "C2", "MSB"),
    ("cor1_20090615_000500_s4c1A.fts", "2009-06-15T00:05:00.004", 512, "SECCHI", "COR1", "DN"),
])
def test_real_coronagraph_files(shared, name, when, size, instrument, channel, units):
    header = _header(shared, name)
    image = parse(shared(f"climso/{name}").read_bytes(), name).images[0]
    assert image.observation_time == np.datetime64(when)
    assert (image.width, image.height) == (header["NAXIS1"], header["NAXIS2"]) == (size, size)
    assert (image.instrument, image.channel, image.units) == (instrument, channel, units)
    png = Image.open(io.BytesIO(image.preview_png))
    assert png.size == (size, size) if size <= 512 else (512, 512)
    assert np.asarray(png).std() > 5  # not a blank preview


def test_kcor_wavelength_and_cor1_blank(shared):
    kcor = parse(shared("climso/20181209_180305_kcor_l1.5_rebinned.fits").read_bytes(), "k.fits")
    assert kcor.images[0].wavelength_nm == 735.0  # WAVEUNIT nanometer
    from astropy.io import fits

    data = fits.getdata(shared("climso/cor1_20090615_000500_s4c1A.fts"))
    assert data.dtype.kind in "fu" or data.min() >= 0  # BZERO 32768: unsigned 16-bit values


def test_gong_header_only_is_refused(shared):
    path = shared("climso/gong_halpha_20240216T000002_BB.header")
    with pytest.raises(IngestError, match="header as text with no data"):
        fits_parser.parse_fits(path.read_bytes(), path.name)


@pytest.mark.parametrize("payload, reason", [
    (b"SIMPLE  =                    T" + b" " * 50, "unreadable FITS|no 2-D"),
    (b'{"json": true}', "not a FITS"),
])
def test_bad_fits(payload, reason):
    with pytest.raises(IngestError, match=reason):
        fits_parser.parse_fits(payload, "x.fts")


def test_truncated_fits_refused_and_nothing_written(ctx, shared):
    data = shared("climso/cor1_20090615_000500_s4c1A.fts").read_bytes()
    report = ingest_bytes(ctx.factory, ctx.settings, data[:100_000], "cor1.fts")
    assert report.status == "refused" and "cor1.fts" in report.errors[0]
    assert not (ctx.settings.files_dir / "images").exists()


@pytest.mark.parametrize("name, safe", [("../../etc/passwd", "passwd"),
                                        ("a b/..\\c.fts", "c.fts"), ("..", "image")])
def test_safe_names(name, safe):
    assert safe_name(name) == safe


def test_fetch_climso(tmp_path, settings):
    (tmp_path / L1.name).write_bytes(L1.read_bytes())
    with LocalServer(tmp_path) as srv:
        body = fits_parser.fetch_climso(f"{srv.url}/files/{L1.name}", settings)
    assert parse(body, L1.name).images[0].channel == "L1"
