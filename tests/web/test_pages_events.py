"""The Events catalogue (filters, pages) and the page of one event."""

import html as htmllib
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from storms import models as m
from web import create_app

from .page_data import cme, flare, icme, ips, put_events, us


@pytest.fixture
def app(ctx):
    return create_app(context=ctx)


@pytest.fixture
def ids(ctx):
    ids = put_events(ctx, [
        flare("FLR-1", "2024-05-09T12:00"),
        cme("CME-1", "2024-05-10T06:54", speed=1200, lon=10, lat=-5, half_width=40,
            t21="2024-05-10T10:00", links=["FLR-1", "NOT-STORED-1"]),
        cme("CME-2", "2024-05-11T01:00", speed=None),
        ips("IPS-1", "2024-05-12T10:00", "Earth"),
        icme("ICME-1", "2024-05-13T00:00", "STEREO-A"),
        cme("CME-3", "2024-05-20T00:00", speed=500),
    ])
    with ctx.factory() as s, s.begin():
        common = dict(model="dbem", model_version="dbm-1", event_id=ids["CME-1"],
                      event_key="CME-1", issued_us=us("2024-05-10T11:00"),
                      departure_us=us("2024-05-10T10:00"), hit=True)
        s.add_all([
            m.Prediction(target="Earth", hit_probability=0.9, arrival_us=us("2024-05-12T12:00"),
                         arrival_p05_us=us("2024-05-12T00:00"),
                         arrival_p95_us=us("2024-05-13T00:00"), arrival_speed_kms=700.0,
                         **common),
            m.Prediction(target="Mars", hit_probability=0.6, arrival_us=us("2024-05-14T00:00"),
                         **common),
            m.SolarImage(instrument="CLIMSO", channel="L1", obs_us=us("2024-05-10T07:30"),
                         width=64, height=64, file_path="images/CLIMSO/2024/a.fts",
                         preview_path="images/CLIMSO/2024/a.png", header={}),
            m.SolarImage(instrument="LASCO", channel="C2", obs_us=us("2009-01-01T00:00"),
                         width=64, height=64, file_path="images/LASCO/2009/b.fts", header={}),
        ])
    return ids


def _rows(html: str) -> list[tuple[str, str]]:
    """(kind, source id) of the listed events, in order."""
    return re.findall(r'<tr class="event-row" data-href="/events/\d+" data-kind="(\w+)">.*?'
                      r'<a href="/events/\d+">([^<]+)</a>', html, re.S)


def _get(app, query=""):
    resp = app.test_client().get("/events" + query)
    return resp, resp.data.decode()


def test_catalogue_newest_first(app, ids):
    resp, html = _get(app)
    assert resp.status_code == 200
    assert [sid for _k, sid in _rows(html)] == ["CME-3", "ICME-1", "IPS-1", "CME-2", "CME-1",
                                                "FLR-1"]
    assert "6 events" in html
    assert re.search(r'<td class="num">1200</td>', html)  # the CME's best speed


@pytest.mark.parametrize("query, expected", [
    ("?type=CME", ["CME-3", "CME-2", "CME-1"]),
    ("?type=cme", ["CME-3", "CME-2", "CME-1"]),  # case does not matter
    ("?source=ICMECAT", ["ICME-1"]),
    ("?start=2024-05-10&end=2024-05-12", ["IPS-1", "CME-2", "CME-1"]),  # whole days
    ("?start=2024-05-10T07:00&end=2024-05-12T09:59", ["CME-2"]),
    ("?target=Earth", ["IPS-1", "CME-1"]),  # observed there, or predicted to hit it
    ("?target=Mars", ["CME-1"]),
    ("?target=STEREO-A", ["ICME-1"]),
    ("?type=CME&start=2024-05-15", ["CME-3"]),
    ("?type=GST", []),
])
def test_filters_filter(app, ids, query, expected):
    resp, html = _get(app, query)
    assert resp.status_code == 200
    assert [sid for _k, sid in _rows(html)] == expected
    if not expected:
        assert "No event matches these filters." in html


def test_filters_are_kept_in_the_form(app, ids):
    _resp, html = _get(app, "?type=CME&target=Earth&start=2024-05-01")
    assert '<option value="CME" selected>' in html
    assert '<option value="Earth" selected>' in html
    assert 'name="start" value="2024-05-01"' in html


def test_pagination_keeps_filters(app, ctx, ids):
    put_events(ctx, [flare(f"FLR-X{i:03d}", f"2024-04-{1 + i % 28:02d}T{i % 24:02d}:00")
                     for i in range(60)])
    resp, html = _get(app, "?type=FLR")
    assert "61 events · page 1 of 2" in html
    assert len(_rows(html)) == 50
    nxt = htmllib.unescape(re.search(r'<a href="([^"]+)" rel="next">', html).group(1))
    assert parse_qs(urlsplit(nxt).query) == {"type": ["FLR"], "page": ["2"]}
    resp, html = _get(app, nxt.removeprefix("/events"))
    assert resp.status_code == 200 and len(_rows(html)) == 11
    assert all(kind == "FLR" for kind, _sid in _rows(html))
    _resp, html = _get(app, "?type=FLR&page=9")  # past the end: an empty page, no error
    assert _rows(html) == []


@pytest.mark.parametrize("query, message", [
    ("?type=XYZ", "unknown event type &#39;XYZ&#39;"),
    ("?source=nowhere", "unknown source &#39;nowhere&#39;"),
    ("?target=Pluto-ish", "unknown target &#39;Pluto-ish&#39;"),
    ("?start=yesterday", "from: &#39;yesterday&#39; is not a date"),
    ("?end=2024-13-45", "to: &#39;2024-13-45&#39; is not a date"),
    ("?start=2024-05-10&end=2024-05-01", "the time range ends before it starts"),
    ("?page=abc", "page &#39;abc&#39; is not a page number"),
    ("?page=0", "page &#39;0&#39; is not a page number"),
    ("?page=99999999999999999999", "is not a page number"),
    ("?start=99999-01-01", "is not a date"),
])
def test_bad_filters_give_the_page_with_a_message(app, ids, query, message):
    resp, html = _get(app, query)
    assert resp.status_code == 400 and resp.mimetype == "text/html"
    assert message in html
    assert 'id="filter-errors"' in html and "Traceback" not in html
    assert 'id="event-filters"' in html  # the form is there to fix it


def test_event_page_of_a_cme(app, ids):
    resp = app.test_client().get(f"/events/{ids['CME-1']}")
    assert resp.status_code == 200
    html = resp.data.decode()
    assert "CME-1" in html and "S20W10" in html
    # analyses: both, the most accurate highlighted
    assert re.search(r'<tr class="ok">\s*<td>2024-05-10 10:00</td>\s*<td class="num">1200</td>',
                     html)
    # the propagate link, from the best analysis
    href = htmllib.unescape(re.search(r'id="propagate-link" href="([^"]+)"', html).group(1))
    parts = urlsplit(href)
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert parts.path == "/propagate"
    assert q == {"model": "cme", "source": "sun", "time": "2024-05-10T10:00:00Z",
                 "speed": "1200", "lon": "10", "lat": "-5", "half_width": "40",
                 "targets": "Earth,Mars"}
    # the propagated arrivals against those observed
    earth = re.search(r'data-target="Earth">(.*?)</tr>', html, re.S).group(1)
    assert "2024-05-12 12:00" in earth and "90 %" in earth and "700" in earth
    assert f'<a href="/events/{ids["IPS-1"]}">2024-05-12 10:00</a>' in earth
    assert "+2.0 h" in earth and ">hit<" in earth
    mars = re.search(r'data-target="Mars">(.*?)</tr>', html, re.S).group(1)
    assert "false alarm" in mars
    # arrivals observed at Earth within 5 days, with the transit time
    observed = re.search(r'<table id="observed".*?</table>', html, re.S).group(0)
    assert "2024-05-12 10:00" in observed and "51.1 h" in observed
    # linked events: the stored one is a link, the other is named
    links = re.search(r'<ul id="linked-events">(.*?)</ul>', html, re.S).group(1)
    assert f'href="/events/{ids["FLR-1"]}"' in links and "NOT-STORED-1" in links
    # the images nearest in time, with their thumbnail and FITS links
    images = re.search(r'<div class="image-grid" id="event-images">(.*?)</section>', html,
                       re.S).group(1)
    assert "CLIMSO · L1" in images and "/climso/image/" in images and "/preview.png" in images
    assert images.index("LASCO") < images.index("CLIMSO")  # in time order


def test_event_without_analysis_or_predictions(app, ids):
    html = app.test_client().get(f"/events/{ids['CME-2']}").data.decode()
    assert "propagate-link" not in html
    assert "No analysis with a speed" in html
    assert "No stored propagation of this event." in html


def test_flare_page_shows_attributes(app, ids):
    html = app.test_client().get(f"/events/{ids['FLR-1']}").data.decode()
    assert "X1.0" in html and "propagate-link" not in html
    assert 'href="https://kauai.ccmc.gsfc.nasa.gov/DONKI/x"' in html
    back = re.search(r'<ul id="linked-events">(.*?)</ul>', html, re.S).group(1)
    assert f'href="/events/{ids["CME-1"]}"' in back  # linked from the CME


@pytest.mark.parametrize("path", ["/events/999999", "/events/0",
                                  "/events/99999999999999999999", "/events/abc"])
def test_unknown_event_is_an_html_404(app, ids, path):
    resp = app.test_client().get(path, headers={"Accept": "text/html"})
    assert resp.status_code == 404 and resp.mimetype == "text/html"
    assert b"Traceback" not in resp.data

