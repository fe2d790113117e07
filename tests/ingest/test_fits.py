"""Solar FITS: CLIMSO names and headers, the real coronagraph substitutes, previews, refusals,
the pipeline end to end, and fetching over HTTP."""

import bz2
import dataclasses
import io
import re
import socket
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from PIL import Image
from sqlalchemy import select

from ingest import fits as fp
from ingest.base import IngestError
from ingest.http import FetchError
from ingest.pipeline import ingest_bytes, parse
from storms import models as m
from tests.http_fixture import LocalServer

FIXTURES = Path(__file__).parents[1] / "fixtures" / "climso"
L1 = FIXTURES / "imoa_06563_l1_20240510_09472619_emi1.fts.bz2"
C1 = FIXTURES / "imoa_06563_c1_20240313_09472619_bri1.fts.bz2"
C2 = FIXTURES / "imoa_10747_c2_20240313_10000050_bri1.fts.bz2"
KCOR = "climso/20181209_180305_kcor_l1.5_rebinned.fits"
LASCO = "climso/lasco_c2_25299383_s.fts"
COR1 = "climso/cor1_20090615_000500_s4c1A.fts"
GONG = "climso/gong_halpha_20240216T000002_BB.header"


def _fits(data, **cards) -> bytes:
    """A FITS file in memory (cards with "-" written as "_" in Python keywords: DATE_OBS
    stays DATE_OBS; use a dict for DATE-OBS)."""
    hdu = fits.PrimaryHDU(data)
    for key, value in cards.items():
        hdu.header[key] = value
    buffer = io.BytesIO()
    hdu.writeto(buffer)
    return buffer.getvalue()


def _with(data, cards: dict) -> bytes:
    return _fits(data, **cards)


def _png(record) -> np.ndarray:
    img = Image.open(io.BytesIO(record.preview_png))
    assert img.format == "PNG" and img.mode == "L"
    return np.asarray(img)


def _one(data: bytes, name: str):
    return fp.parse_fits(data, name).images[0]


# --- CLIMSO names -------------------------------------------------------------------------


@pytest.mark.parametrize("name, channel, wl, when, product", [
    ("imoa_06563_l1_20240510_09472619_emi1.fts", "L1", 656.3, "2024-05-10T09:47:26.19", "emi1"),
    ("imoa_03934_l2_20240510_12000001_emi1.fts", "L2", 393.4, "2024-05-10T12:00:00.01", "emi1"),
    ("imoa_06563_c1_20240313_09472619_bri1.fts.bz2", "C1", 656.3, "2024-03-13T09:47:26.19",
     "bri1"),
    ("IMOA_10830_C2_20231231_23595999_BRI1.FTS", "C2", 1083.0, "2023-12-31T23:59:59.99", "bri1"),
    ("data/C2/imoa_10747_c2_20240313_10000050_bri1.fts", "C2", 1074.7, "2024-03-13T10:00:00.50",
     "bri1"),
])
def test_climso_name(name, channel, wl, when, product):
    meta = fp.climso_name(name)
    assert (meta["channel"], meta["wavelength_nm"], meta["product"]) == (channel, wl, product)
    assert meta["time"] == np.datetime64(when, "ns")


@pytest.mark.parametrize("name", [
    "lasco_c2.fts", "imoa_06563_l3_20240510_09472619_emi1.fts",  # no channel L3
    "imoa_6563_l1_20240510_09472619_emi1.fts",  # 4-digit wavelength
    "imoa_06563_l1_20240510_094726_emi1.fts",  # HHMMSS without hundredths
    "imoa_06563_l1_20240510_09472619_emi2.fts", "imoa_06563_l1_20240510_09472619_emi1.png",
])
def test_not_climso_names(name):
    assert fp.climso_name(name) is None


def test_climso_name_with_an_impossible_date_has_no_time():
    meta = fp.climso_name("imoa_06563_l1_20241332_09472619_emi1.fts")
    assert meta["channel"] == "L1" and meta["time"] is None
    assert fp.climso_name("imoa_06563_l1_20240510_25000000_emi1.fts")["time"] is None


# --- CLIMSO fixtures ----------------------------------------------------------------------


@pytest.mark.parametrize("path, channel, when, source, wl, exposure, units", [
    (L1, "L1", "2024-05-10T09:47:26.19", "DATE_OBS", 656.28, 0.0008, "DN"),
    (C1, "C1", "2024-03-13T09:47:26.19", "file name", 656.3, None, None),
    (C2, "C2", "2024-03-13T10:00:00.50", "DATE_OBS", 1074.7, 1.2, None),  # EXPTIME [ms]
])
def test_climso_fixtures(path, channel, when, source, wl, exposure, units):
    raw = bz2.decompress(path.read_bytes())
    header = fits.getheader(io.BytesIO(raw))
    image = _one(raw, path.name[:-4])
    assert (image.instrument, image.channel, image.observatory) == ("CLIMSO", channel,
                                                                     "Pic du Midi")
    assert image.observation_time == np.datetime64(when, "ns")
    assert image.header["_time_source"] == source
    assert image.wavelength_nm == pytest.approx(wl)
    assert image.exposure_s == (pytest.approx(exposure) if exposure else None)
    assert image.units == units
    assert (image.width, image.height) == (header["NAXIS1"], header["NAXIS2"]) == (64, 64)
    assert image.file_name == path.name[:-4] and image.fits_bytes == raw
    assert image.header["_climso_product"] == path.name.split("_")[-1][:4]
    assert _png(image).shape == (64, 64)


def test_climso_preview_keeps_north_up():
    """CLIMSO stores the top row first: the north marker (rows 4-7) stays at the top."""
    png = _png(parse(L1.read_bytes(), L1.name).images[0])
    assert png[4:8, 30:34].min() == 255 and png[56:60, 30:34].max() < 50


def test_standard_fits_preview_is_flipped():
    """Elsewhere FITS row 0 is the bottom of the picture."""
    data = np.zeros((32, 32), dtype=np.float32)
    data[0:2, :] = 1.0
    image = _one(_with(data, {"DATE-OBS": "2020-01-01T00:00:00", "INSTRUME": "X"}), "x.fits")
    png = _png(image)
    assert png[-2:].min() == 255 and png[:-2].max() == 0


def test_climso_coronagraph_preview_masks_nan_and_stretches():
    image = parse(C2.read_bytes(), C2.name).images[0]
    png = _png(image)
    assert png[28:36, 28:36].max() == 0  # NaN behind the occulter drawn black
    ring = png[31, 53:64]  # r = 21.5 .. 32: brightness falls as r**-3
    assert ring[0] >= 240 and np.all(np.diff(ring.astype(int)) <= 0)
    assert ring[-1] > 30  # asinh keeps the faint outer corona visible


# --- real substitutes (read independently with astropy) ----------------------------------


@pytest.mark.parametrize("rel, when, size, instrument, channel, observatory", [
    (KCOR, "2018-12-09T18:03:05", 128, "COSMO K-Coronagraph", "KCor", "MLSO"),
    (LASCO, "2009-02-28T00:05:33.380", 128, "LASCO", "C2", "SOHO"),
    (COR1, "2009-06-15T00:05:00.004", 512, "SECCHI", "COR1 (STEREO_A)", "STEREO_A"),
])
def test_real_coronagraph_files(shared, rel, when, size, instrument, channel, observatory):
    path = shared(rel)
    header = fits.getheader(path)
    image = _one(path.read_bytes(), path.name)
    assert image.observation_time == np.datetime64(header["DATE-OBS"], "ns")
    assert image.observation_time == np.datetime64(when, "ns")  # the data README
    assert (image.width, image.height) == (header["NAXIS1"], header["NAXIS2"]) == (size, size)
    assert (image.instrument, image.channel, image.observatory) == (instrument, channel,
                                                                    observatory)
    assert image.units == header["BUNIT"] and image.exposure_s == header["EXPTIME"]
    assert image.header["NAXIS1"] == size and image.header["_time_source"] == "DATE-OBS"
    png = _png(image)
    assert png.shape == (size, size)  # all are at most 512
    assert png.min() == 0 and png.max() >= 250 and png.std() > 20


def test_kcor_float64_big_endian(shared):
    path = shared(KCOR)
    header, image = fp.read_image(path.read_bytes(), path.name)
    reference = fits.getdata(path)
    assert reference.dtype == np.dtype(">f8") and image.dtype == np.dtype("float64")
    np.testing.assert_array_equal(image, reference)
    assert _one(path.read_bytes(), path.name).wavelength_nm == 735.0  # WAVEUNIT nanometer
    assert header["BITPIX"] == -64


def test_lasco_both_date_keywords_and_empty_time_obs(shared):
    path = shared(LASCO)
    header = fits.getheader(path)
    assert header["DATE-OBS"] == header["DATE_OBS"] and header["TIME-OBS"] == ""
    image = _one(path.read_bytes(), path.name)
    assert image.wavelength_nm is None  # white light: no WAVELNTH
    assert image.header["TIME-OBS"] == ""


def test_cor1_unsigned_16_bit(shared):
    """BITPIX 16 + BZERO 32768: values 0..65535 as astropy scales them; the kept header still
    has BZERO and BLANK; BLANK=0 is a raw value and no raw pixel is 0 in this file."""
    path = shared(COR1)
    header, image = fp.read_image(path.read_bytes(), path.name)
    scaled = fits.getdata(path)
    raw = fits.getdata(path, do_not_scale_image_data=True)
    assert scaled.dtype == np.uint16 and raw.dtype == np.dtype(">i2")
    np.testing.assert_array_equal(image, scaled.astype(np.float64))
    assert not np.isnan(image).any() and (raw == header["BLANK"]).sum() == 0
    assert image.min() == 674 and image.max() == 10755
    record = _one(path.read_bytes(), path.name)
    assert (record.header["BZERO"], record.header["BLANK"]) == (32768, 0)
    assert record.wavelength_nm is None  # WAVELNTH = 0


def test_blank_pixels_are_masked():
    """BLANK names the raw value: raw 0 with BZERO 32768 is masked, physical 32768 is not."""
    raw = np.full((16, 16), 1000, dtype=np.int16)
    raw[:4, :4] = 0  # BLANK
    raw[-1, -1] = -32768
    hdu = fits.PrimaryHDU(raw)
    hdu.header.update({"BZERO": 32768, "BSCALE": 1, "BLANK": 0, "DATE-OBS": "2020-01-01",
                       "INSTRUME": "SECCHI", "DETECTOR": "COR1"})
    buffer = io.BytesIO()
    hdu.writeto(buffer)
    header, image = fp.read_image(buffer.getvalue(), "b.fts")
    assert np.isnan(image).sum() == 16 and np.isnan(image[:4, :4]).all()
    assert np.nanmax(image) == 33768 and np.nanmin(image) == 0
    png = _png(_one(buffer.getvalue(), "b.fts"))
    assert png[-4:, :4].max() == 0  # masked pixels black (flipped: raw rows 0-3 at the bottom)


def test_bscale_and_nan_floats():
    raw = np.arange(16, dtype=np.int16).reshape(4, 4)
    header, image = fp.read_image(_fits(raw, BSCALE=0.5, BZERO=-1.0), "s.fts")
    np.testing.assert_allclose(image, raw * 0.5 - 1.0)
    floats = np.ones((4, 4), dtype=">f4")
    floats[0, 0], floats[1, 1] = np.nan, np.inf
    header, image = fp.read_image(_fits(floats), "f.fts")
    assert np.isnan(image).sum() == 2 and image.dtype == np.float64


def test_gong_header_text_is_refused_but_its_metadata_is_readable(shared):
    path = shared(GONG)
    with pytest.raises(IngestError) as err:
        fp.parse_fits(path.read_bytes(), path.name)
    assert err.value.file == path.name
    assert "header as text" in err.value.reason and "no image to keep" in err.value.reason
    assert "2048x2048 NSO-GONG" in err.value.reason
    text = path.read_text()
    header = fits.Header.fromstring(text, sep="\n")  # independent reading
    meta = fp.image_metadata(fp.header_from_text(text), path.name)
    assert meta["observation_time"] == np.datetime64(header["DATE-OBS"], "ns") \
        == np.datetime64("2024-02-16T00:00:02", "ns")
    assert (meta["width"], meta["height"]) == (header["NAXIS1"], header["NAXIS2"]) == (2048, 2048)
    assert meta["wavelength_nm"] == pytest.approx(656.2808)  # 6562.808, comment "[A]"
    assert (meta["instrument"], meta["channel"]) == ("NSO-GONG", "H-ALPHA (BB)")
    assert meta["coronagraph"] is False


def test_gong_header_text_through_the_pipeline_is_quarantined(sqlite_ctx, shared):
    path = shared(GONG)
    report = ingest_bytes(sqlite_ctx.factory, sqlite_ctx.settings, path.read_bytes(), str(path))
    assert report.status == "refused"  # (report.kind stays None: the pipeline's choice)
    assert report.errors[0].startswith(f"{path.name}: a FITS header as text")
    assert list(sqlite_ctx.settings.quarantine_dir.glob(f"*_{path.name}"))


# --- times and wavelengths ----------------------------------------------------------------


@pytest.mark.parametrize("cards, when, source", [
    ({"DATE-OBS": "2024-05-10", "TIME-OBS": "09:47:26.19"}, "2024-05-10T09:47:26.19",
     "DATE-OBS+TIME-OBS"),
    ({"DATE_OBS": "2024-05-10", "TIME_OBS": "09:47"}, "2024-05-10T09:47", "DATE_OBS+TIME-OBS"),
    ({"DATE-OBS": "10/05/98", "TIME-OBS": "01:02:03"}, "1998-05-10T01:02:03",
     "DATE-OBS+TIME-OBS"),
    ({"DATE-OBS": "2009/02/28 00:05:33.380Z"}, "2009-02-28T00:05:33.380", "DATE-OBS"),
    ({"DATE-OBS": "2016-12-31T23:59:60.5"}, "2017-01-01T00:00:00.5", "DATE-OBS"),
    ({"DATE-OBS": "2024-05-10T09:47:26.123456789"}, "2024-05-10T09:47:26.123456789", "DATE-OBS"),
    ({"DATE-OBS": "not a date", "DATE_OBS": "2020-01-02T03:04:05"}, "2020-01-02T03:04:05",
     "DATE_OBS"),
    ({"DATE-OBS": "2024-13-01T00:00:00", "DATE-BEG": "2020-01-02T03:04:05"},
     "2020-01-02T03:04:05", "DATE-BEG"),
])
def test_header_times(cards, when, source):
    got, src = fp.header_time(fits.Header(list(cards.items())))
    assert got == np.datetime64(when, "ns") and src == source


@pytest.mark.parametrize("cards, nm", [
    ({"WAVELNTH": 656.28, "WAVEUNIT": "nm"}, 656.28),
    ({"WAVELNTH": 6562.8, "WAVEUNIT": "Angstrom"}, 656.28),
    ({"WAVELNTH": 1.0747, "WAVEUNIT": "micron"}, 1074.7),
    ({"WAVELNTH": (304, "[A] wavelength")}, 30.4),  # unit from the comment
    ({"WAVELNTH": 6563}, 656.3), ({"WAVELNTH": 735}, 735.0),  # SolarSoft habit
    ({"WAVELNTH": 0}, None), ({"WAVELNTH": "Ha"}, None), ({}, None),
])
def test_wavelengths(cards, nm):
    got = fp.header_wavelength_nm(fits.Header([(k, *v) if isinstance(v, tuple) else (k, v)
                                               for k, v in cards.items()]))
    assert got == (pytest.approx(nm) if nm else None)


# --- previews -----------------------------------------------------------------------------


@pytest.mark.parametrize("shape, expected", [((2048, 2048), (512, 512)), ((1024, 2048), (512, 256)),
                                             ((600, 1000), (500, 300)), ((40, 30), (30, 40)),
                                             ((513, 100), (50, 256))])
def test_preview_size(shape, expected):
    png = Image.open(io.BytesIO(fp.preview_png(np.random.default_rng(0).random(shape))))
    assert png.size == expected == fp.preview_size(shape[1], shape[0])


def test_preview_of_flat_or_empty_images():
    for data in (np.zeros((8, 8)), np.full((8, 8), np.nan)):
        png = Image.open(io.BytesIO(fp.preview_png(data)))
        assert png.size == (8, 8) and np.asarray(png).max() == 0


# --- refusals -----------------------------------------------------------------------------


def test_truncated_fits(shared):
    data = shared(COR1).read_bytes()
    with pytest.raises(IngestError, match=r"^cor1\.fts: truncated FITS: the data unit needs "
                                          r"524288 bytes from byte 20160, the file has 100000"):
        fp.parse_fits(data[:100_000], "cor1.fts")
    with pytest.raises(IngestError, match=r"^cor1\.fts: (unreadable FITS|no image)"):
        fp.parse_fits(data[:5000], "cor1.fts")  # cut inside the header


@pytest.mark.parametrize("payload, reason", [
    (_fits(None), "no image: no HDU holds a 2-D array"),
    (_fits(np.arange(10.0)), "no image: no HDU holds a 2-D array"),
    (_fits(np.zeros((4, 4)), INSTRUME="X"), "no observation time"),
    (b"SIMPLE  =                    T" + b" " * 50, "unreadable FITS|no image"),
    (b'{"json": true}', "not a FITS file"),
    (b"\x00\x01garbage" * 100, "not a FITS file"),
])
def test_bad_fits(payload, reason):
    with pytest.raises(IngestError, match=reason) as err:
        fp.parse_fits(payload, "bad.fts")
    assert str(err.value).startswith("bad.fts: ")


def test_image_in_an_extension_and_cubes():
    hdul = fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(np.ones((2, 8, 6), dtype=">f4"))])
    hdul[1].header["DATE-OBS"] = "2020-01-01T00:00:00"
    buffer = io.BytesIO()
    hdul.writeto(buffer)
    image = _one(buffer.getvalue(), "cube.fits")
    assert (image.width, image.height) == (6, 8) and image.instrument == "unknown"


def test_tile_compressed_unsigned_image():
    data = (np.arange(64 * 48).reshape(48, 64) % 3000 + 40000).astype(np.uint16)
    hdu = fits.CompImageHDU(data)
    hdu.header["DATE-OBS"] = "2020-01-01T00:00:00"
    buffer = io.BytesIO()
    fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(buffer)
    header, image = fp.read_image(buffer.getvalue(), "tiles.fits")
    np.testing.assert_array_equal(image, data.astype(np.float64))


@pytest.mark.parametrize("payload, kind, reason", [
    (b'{"json": true}', "fits", "not a FITS file"),
    (b'[{"json": true}]', None, ""),  # whatever parser claims it, it is refused
])
def test_bad_input_through_the_pipeline(sqlite_ctx, payload, kind, reason):
    report = ingest_bytes(sqlite_ctx.factory, sqlite_ctx.settings, payload, "/in/x.json", kind)
    assert report.status == "refused" and report.errors[0].startswith("x.json: ")
    assert re.search(reason, report.errors[0])
    assert not (sqlite_ctx.settings.files_dir / "images").exists()


def test_truncated_fits_through_the_pipeline(ctx, shared):
    data = shared(COR1).read_bytes()
    report = ingest_bytes(ctx.factory, ctx.settings, bz2.compress(data[:100_000]),
                          "/in/cor1.fts.bz2")
    assert report.status == "refused" and report.errors[0].startswith("cor1.fts: truncated")
    assert not (ctx.settings.files_dir / "images").exists()


# --- end to end ---------------------------------------------------------------------------


def test_climso_bz2_through_the_pipeline(ctx):
    report = ingest_bytes(ctx.factory, ctx.settings, L1.read_bytes(), str(L1))
    assert (report.status, report.kind, report.added, report.updated) == ("ok", "fits", 1, 0)
    assert report.dataset == "solar_images"
    with ctx.factory() as s:
        img = s.scalars(select(m.SolarImage)).one()
        assert (img.instrument, img.channel, img.observatory) == ("CLIMSO", "L1", "Pic du Midi")
        assert img.wavelength_nm == 656.28 and img.exposure_s == 0.0008
        assert img.obs_us == int(np.datetime64("2024-05-10T09:47:26.19", "us").astype(np.int64))
        assert (img.width, img.height, img.units) == (64, 64, "DN")
        assert img.file_path == "images/CLIMSO/2024/imoa_06563_l1_20240510_09472619_emi1.fts"
        assert img.preview_path == "images/CLIMSO/2024/imoa_06563_l1_20240510_09472619_emi1.png"
        kept = ctx.settings.files_dir / img.file_path
        assert kept.read_bytes() == bz2.decompress(L1.read_bytes())  # kept decompressed
        assert Image.open(ctx.settings.files_dir / img.preview_path).size == (64, 64)
        assert img.header["DATE_OBS"] == "2024-05-10T09:47:26.19"
        source = s.get(m.SourceFile, img.source_file_id)
        assert source.location == str(L1) and source.kind == "fits"
    again = ingest_bytes(ctx.factory, ctx.settings, L1.read_bytes(), str(L1))
    assert again.status == "unchanged"
    forced = ingest_bytes(ctx.factory, ctx.settings, L1.read_bytes(), str(L1), force=True)
    assert (forced.status, forced.added, forced.updated) == ("ok", 0, 0)


def test_real_files_through_the_pipeline(sqlite_ctx, shared):
    for rel in (KCOR, LASCO, COR1):
        report = ingest_bytes(sqlite_ctx.factory, sqlite_ctx.settings,
                              shared(rel).read_bytes(), str(shared(rel)))
        assert (report.status, report.added) == ("ok", 1), report.errors
    with sqlite_ctx.factory() as s:
        paths = sorted(i.file_path for i in s.scalars(select(m.SolarImage)))
    assert paths == ["images/COSMO_K-Coronagraph/2018/20181209_180305_kcor_l1.5_rebinned.fits",
                     "images/LASCO/2009/lasco_c2_25299383_s.fts",
                     "images/SECCHI/2009/cor1_20090615_000500_s4c1A.fts"]


# --- fetching -----------------------------------------------------------------------------


@pytest.fixture
def quick(settings):
    return dataclasses.replace(settings, http_timeout_s=2.0, http_retries=1)


def test_fetch_climso(tmp_path, quick):
    (tmp_path / L1.name).write_bytes(L1.read_bytes())
    with LocalServer(tmp_path) as srv:
        body = fp.fetch_climso(f"{srv.url}/files/{L1.name}", quick, backoff_s=0.01)
    assert body == L1.read_bytes()
    assert parse(body, L1.name).images[0].channel == "L1"


def test_fetch_climso_500(tmp_path, quick):
    with LocalServer(tmp_path) as srv:
        url = f"{srv.url}/status/500"
        with pytest.raises(FetchError, match=r"HTTP 500 .*after 2 attempts"):
            fp.fetch_climso(url, quick, backoff_s=0.01)
        assert srv.hits["/status/500"] == 2


def test_fetch_climso_dead_port(quick):
    with socket.socket() as sock:  # a port that was free a moment ago, nobody listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError, match="connection failed"):
        fp.fetch_climso(f"http://127.0.0.1:{port}/{L1.name}", quick, backoff_s=0.01)
