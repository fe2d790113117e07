"""The CLIMSO page: latest image per channel, the date browser, and the FITS and PNG
routes (by image id only; paths outside the data directory are never served)."""

import bz2
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from ingest.pipeline import ingest_path
from storms import models as m
from web import create_app

from .page_data import us

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "climso"
L1 = "imoa_06563_l1_20240510_09472619_emi1.fts.bz2"
C1 = "imoa_06563_c1_20240313_09472619_bri1.fts.bz2"
C2 = "imoa_10747_c2_20240313_10000050_bri1.fts.bz2"


@pytest.fixture
def app(ctx):
    return create_app(context=ctx)


@pytest.fixture
def images(ctx):
    """The three CLIMSO fixtures ingested (FITS kept, PNG previews made): ids by channel."""
    for name in (L1, C1, C2):
        report = ingest_path(ctx.factory, ctx.settings, FIXTURES / name)
        assert report.status == "ok", report.errors
    with ctx.factory() as s:
        return {img.channel: img.id for img in s.scalars(select(m.SolarImage))}


def _card_ids(html: str, grid: str) -> list[int]:
    block = re.search(rf'id="{grid}">(.*?)</div>\s*(?:</section>|<h2|$)', html, re.S)
    return [int(x) for x in re.findall(r'data-image-id="(\d+)"', block.group(1))] if block \
        else []


def test_latest_image_of_each_channel(app, images):
    resp = app.test_client().get("/climso")
    assert resp.status_code == 200
    html = resp.data.decode()
    latest = re.search(r'id="climso-latest">(.*?)</section>', html, re.S).group(1)
    assert set(int(x) for x in re.findall(r'data-image-id="(\d+)"', latest)) == \
        {images["L1"], images["C1"], images["C2"]}
    assert 'data-channel="L2"' in latest and "no image yet" in latest  # no Ca II K stored
    assert "H-alpha prominences, coronagraph" in latest
    assert f'/climso/image/{images["L1"]}/preview.png' in latest
    assert f'/climso/image/{images["C2"]}/fits' in latest


def test_other_instruments_are_shown_under_their_name(app, ctx, images):
    with ctx.factory() as s, s.begin():
        s.add(m.SolarImage(instrument="LASCO", observatory="SOHO", channel="C2",
                           obs_us=us("2009-02-28T00:05:33"), width=128, height=128,
                           file_path="images/LASCO/2009/x.fts", header={}))
    html = app.test_client().get("/climso").data.decode()
    other = re.search(r'id="other-latest">(.*?)</section>', html, re.S).group(1)
    assert "LASCO · C2" in other and "SOHO" in other


def test_date_browser(app, images):
    client = app.test_client()
    html = client.get("/climso").data.decode()  # the latest day by default
    assert "2024-05-10: 1 image" in html
    assert _card_ids(html, "day-images") == [images["L1"]]
    assert 'href="/climso?date=2024-03-13" id="prev-day"' in html
    html = client.get("/climso?date=2024-03-13").data.decode()
    assert "2024-03-13: 2 images" in html
    assert _card_ids(html, "day-images") == [images["C1"], images["C2"]]  # in time order
    assert 'id="next-day"' in html and "2024-05-10 →" in html
    html = client.get("/climso?date=2024-04-01").data.decode()
    assert "No image on 2024-04-01." in html
    assert "← 2024-03-13" in html and "2024-05-10 →" in html
    days = re.findall(r'<a href="/climso\?date=([\d-]+)"[^>]*>\1</a>', html)
    assert days == ["2024-05-10", "2024-03-13"]


@pytest.mark.parametrize("value", ["2024-13-01", "yesterday", "2024-05-10T00:00", "../etc"])
def test_bad_date_gives_the_page_with_a_message(app, images, value):
    resp = app.test_client().get("/climso", query_string={"date": value})
    assert resp.status_code == 400 and resp.mimetype == "text/html"
    assert b"is not a day (YYYY-MM-DD)" in resp.data and b'id="date-form"' in resp.data


def test_fits_download_is_the_stored_file(app, ctx, images):
    client = app.test_client()
    resp = client.get(f"/climso/image/{images['L1']}/fits")
    assert resp.status_code == 200
    assert resp.mimetype == "application/fits"
    assert "attachment" in resp.headers["Content-Disposition"]
    assert "imoa_06563_l1_20240510_09472619_emi1.fts" in resp.headers["Content-Disposition"]
    with ctx.factory() as s:
        row = s.get(m.SolarImage, images["L1"])
        kept = ctx.settings.files_dir / row.file_path
    assert resp.data == kept.read_bytes()
    assert resp.data == bz2.decompress((FIXTURES / L1).read_bytes())  # byte for byte
    resp.close()


def test_preview_png(app, images):
    resp = app.test_client().get(f"/climso/image/{images['C2']}/preview.png")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    assert resp.data.startswith(b"\x89PNG\r\n\x1a\n")
    resp.close()


def test_image_page(app, images):
    resp = app.test_client().get(f"/climso/image/{images['C1']}")
    assert resp.status_code == 200
    html = resp.data.decode()
    assert "CLIMSO · C1" in html and "2024-03-13 09:47:26 UTC" in html
    assert 'id="fits-link"' in html and 'id="fits-header"' in html
    assert "<code>NAXIS1</code>" in html


@pytest.fixture
def hostile(ctx, tmp_path):
    """Rows whose stored paths point outside the files directory (a corrupted or hostile
    database): the pages must not serve them."""
    secret = ctx.settings.data_dir / "secret.txt"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text("not for download")
    files = ctx.settings.files_dir
    (files / "images").mkdir(parents=True, exist_ok=True)
    (files / "images" / "link.fts").symlink_to(secret)
    rows = {"dotdot": "../secret.txt", "absolute": str(secret), "symlink": "images/link.fts",
            "missing": "images/none.fts", "directory": "images"}
    with ctx.factory() as s, s.begin():
        out = {}
        for i, (name, path) in enumerate(rows.items()):
            img = m.SolarImage(instrument="X", channel=name, obs_us=us("2020-01-01") + i,
                               width=1, height=1, file_path=path, preview_path=path, header={})
            s.add(img)
            s.flush()
            out[name] = img.id
    return out


@pytest.mark.parametrize("name", ["dotdot", "absolute", "symlink", "missing", "directory"])
def test_paths_outside_the_files_dir_are_404(app, hostile, name):
    client = app.test_client()
    for suffix in ("fits", "preview.png"):
        resp = client.get(f"/climso/image/{hostile[name]}/{suffix}")
        assert resp.status_code == 404, (name, suffix)
        assert b"not for download" not in resp.data
    assert client.get(f"/climso/image/{hostile[name]}").status_code == 200  # page, no file


@pytest.mark.parametrize("path", [
    "/climso/image/..%2F..%2Fsecret.txt/fits", "/climso/image/../../secret.txt",
    "/climso/image/%2e%2e/%2e%2e/secret.txt", "/climso/image/1/../../../etc/passwd",
    "/climso/image/99999/fits", "/climso/image/99999999999999999999/fits",
    "/climso/image/99999", "/climso/image/-1/fits",
])
def test_traversal_and_unknown_ids_are_404(app, images, hostile, path):
    resp = app.test_client().get(path, headers={"Accept": "text/html"})
    assert resp.status_code == 404, path
    assert b"not for download" not in resp.data and b"Traceback" not in resp.data
    assert resp.mimetype == "text/html"


def test_empty_store(app, ctx):
    resp = app.test_client().get("/climso")
    assert resp.status_code == 200
    assert b"No image stored yet" in resp.data and resp.data.count(b"no image yet") == 4
