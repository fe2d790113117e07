"""POST /api/v1/transform: the upload (raw or multipart) in another frame as JSON or as a
file, errors as problems naming the row; no token needed, nothing stored."""

from __future__ import annotations

import io

import numpy as np
import pytest

from ingest.vector_files import read_series
from propagation import geo_frames
from tests.conftest import shared_file
from web import MAX_UPLOAD_BYTES, create_app

FIELD = b"""# frame: GSE
time,bx [nT],by [nT],bz [nT]
2024-05-10T00:00:00Z,1.0,-4.0,12.0
2024-05-10T01:00:00Z,2.0,,3.0
"""


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from storms import app_context, config

    settings = config.load({"STORMS_DATA_DIR": str(tmp_path_factory.mktemp("transform"))})
    ctx = app_context.build(settings)
    yield create_app(context=ctx).test_client()
    ctx.engine.dispose()


def test_json_answer_carries_both_series_matching_the_engine(client):
    resp = client.post("/api/v1/transform?to=GSM", data=FIELD,
                       content_type="text/csv")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert (body["from"], body["to"], body["kind"], body["rows"]) == ("GSE", "GSM", "vector", 2)
    assert body["time"] == ["2024-05-10T00:00:00.000Z", "2024-05-10T01:00:00.000Z"]
    assert body["input"]["columns"] == ["bx", "by", "bz"]
    assert body["output"]["columns"] == ["bx_gsm", "by_gsm", "bz_gsm"]
    t = np.array([1715299200.0, 1715302800.0])
    from storms.transform import _orientation  # the IERS values the service uses

    expected = geo_frames.transform_series(t, [[1.0, -4.0, 12.0], [2.0, np.nan, 3.0]], "GSE",
                                           "GSM", kind="vector", orientation=_orientation(t)[0])
    got = np.array(body["output"]["values"], dtype=float).T
    assert np.allclose(got[0], expected[0], rtol=1e-12)
    assert body["output"]["values"][1][1] is None  # a missing component stays missing
    assert any("IGRF14" in n for n in body["notes"])


@pytest.mark.parametrize("fmt, mime", [("csv", "text/csv"), ("votable",
                                        "application/x-votable+xml"),
                                       ("cdf", "application/x-cdf")])
def test_file_answers_read_back(client, fmt, mime):
    path = shared_file("cdf/ac_k2_mfi_20220101_v03.cdf")
    resp = client.post(f"/api/v1/transform?to=SM&format={fmt}",
                       data={"file": (io.BytesIO(path.read_bytes()), path.name)},
                       content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == mime
    suffix = {'csv': 'csv', 'votable': 'xml', 'cdf': 'cdf'}[fmt]
    assert f'filename="ac_k2_mfi_20220101_v03_sm.{suffix}"' in resp.headers["Content-Disposition"]
    back = read_series(resp.data, f"x.{fmt}")
    assert back.frame == "SM" and len(back.t_unix_s) == 24 and back.unit == "nT"


@pytest.mark.parametrize("query, data, detail", [
    ("to=GSM", b"time,x,y,z\n2024-01-01T00:00Z,1,2,3\n2024-01-01T00:01Z,1,zz,3\n",
     "upload, line 3, column 'y': 'zz' is not a number"),
    ("to=GSM&name=b.csv", b"time,x,y,z\n2024-01-01T00:00Z,1,2,3\n", "b.csv: the file does "
     "not say its frame"),
    ("to=GSM", b"", "body: empty"),
    ("to=RTN&from=GSE&kind=vector", FIELD, "RTN needs the spacecraft"),
])
def test_bad_uploads_are_problems_naming_the_row(client, query, data, detail):
    resp = client.post(f"/api/v1/transform?{query}", data=data,
                       content_type="application/octet-stream")
    assert resp.status_code == 400
    assert resp.mimetype == "application/problem+json"
    assert detail in resp.get_json()["detail"]


@pytest.mark.parametrize("query, parameter", [
    ("", "to"), ("to=XYZ", "to"), ("to=GSM&kind=scalar", "kind"), ("to=GSM&frame=GSE", "frame"),
    ("to=GSM&magnetic_model=igrf99", "magnetic_model"),
])
def test_bad_parameters_name_the_parameter(client, query, parameter):
    resp = client.post(f"/api/v1/transform?{query}", data=FIELD)
    assert resp.status_code == 400
    assert resp.get_json()["errors"][0]["parameter"] == parameter


def test_series_files_may_be_larger_than_other_bodies_up_to_their_own_limit(client, tmp_path):
    """A year of 1-min data is ~45 MB as CSV: the transform takes bodies beyond the 20 MB of
    the other endpoints (comment lines pad this one), and refuses past its own limit."""
    pad = b"# " + b"x" * 98 + b"\n"
    big = pad * (MAX_UPLOAD_BYTES // len(pad) + 1) + FIELD
    assert len(big) > MAX_UPLOAD_BYTES
    resp = client.post("/api/v1/transform?to=GSM&from=GSE", data=big)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert resp.get_json()["rows"] == 2
    from storms import app_context, config

    ctx = app_context.build(config.load({"STORMS_DATA_DIR": str(tmp_path)}))
    small = create_app({"STORMS_TRANSFORM_MAX_BYTES": 2**20}, context=ctx).test_client()
    resp = small.post("/api/v1/transform?to=GSM", data=b"x" * 2**21)
    assert resp.status_code == 413
    assert "the upload is 2.0 MiB, more than the 1 MiB a transform takes: send the file " \
        "gzip-compressed" in resp.get_json()["detail"]
    assert small.post("/api/v1/transform?to=GSM&from=GSE", data=FIELD).status_code == 200
    ctx.engine.dispose()
    doc = client.get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/transform"]["post"]
    assert "application/octet-stream" in op["requestBody"]["content"]
    assert "security" not in op


def test_gzip_and_bzip2_uploads_are_read_as_the_plain_file(client):
    import bz2
    import gzip

    plain = client.post("/api/v1/transform?to=GSM", data=FIELD).get_json()
    for packed, name in ((gzip.compress(FIELD), "b.csv.gz"), (bz2.compress(FIELD), "b.csv.bz2")):
        resp = client.post(f"/api/v1/transform?to=GSM&name={name}", data=packed)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert resp.get_json()["output"] == plain["output"]
    resp = client.post("/api/v1/transform?to=GSM&name=b.csv.gz", data=gzip.compress(FIELD)[:-12])
    assert resp.status_code == 400
    assert "b.csv.gz: corrupt gzip data" in resp.get_json()["detail"]


def test_max_points_keeps_the_extremes_of_every_component_for_the_plot(client):
    n = 20_000
    t = np.datetime64("2024-05-10T00:00", "s") + np.arange(n) * 60
    rng = np.random.default_rng(3)
    b = rng.normal(size=(n, 3)) * 5
    b[12_345] = [40.0, -35.0, 30.0]  # a spike the plot must not lose
    text = "# frame: GSE\ntime,bx [nT],by [nT],bz [nT]\n" + "".join(
        f"{x}Z,{u!r},{v!r},{w!r}\n" for x, (u, v, w) in zip(t, b.tolist(), strict=True))
    full = client.post("/api/v1/transform?to=GSM", data=text.encode()).get_json()
    resp = client.post("/api/v1/transform?to=GSM&max_points=1000", data=text.encode())
    body = resp.get_json()
    assert body["rows"] == n and 1000 <= body["plotted_rows"] <= 6 * 1000
    assert len(body["time"]) == body["plotted_rows"]
    assert set(body["time"]) <= set(full["time"])
    for side in ("input", "output"):
        for got, every in zip(body[side]["values"], full[side]["values"], strict=True):
            assert max(got) == max(every) and min(got) == min(every)
    assert client.post("/api/v1/transform?to=GSM&max_points=5",
                       data=FIELD).status_code == 400


def test_json_answers_in_full_are_bounded(client, monkeypatch):
    from web.api import frames

    monkeypatch.setattr(frames, "JSON_MAX_ROWS", 1)
    resp = client.post("/api/v1/transform?to=GSM", data=FIELD)
    assert resp.status_code == 400
    problem = resp.get_json()
    assert problem["errors"][0]["parameter"] == "max_points"
    assert "2 rows is more than 1 for a JSON answer" in problem["detail"]
    assert client.post("/api/v1/transform?to=GSM&format=csv", data=FIELD).status_code == 200
    assert client.post("/api/v1/transform?to=GSM&max_points=100",
                       data=FIELD).status_code == 200


def _venus_hee_au():
    """Four daily times from 2024-05-10 and Venus's HEE positions then (AU, DE421)."""
    from propagation.constants import AU_KM
    from propagation.ephemerides import heliocentric_icrs

    days = 1715299200.0 + np.arange(0, 4) * 86400.0
    hee = geo_frames.transform_series(days, heliocentric_icrs("Venus", days)[0], "ICRS",
                                      "HEE") / AU_KM
    return days, hee


def test_multipart_trajectory_gives_the_rtn_of_that_spacecraft(client):
    days, hee = _venus_hee_au()
    track = "# frame: HEE\ntime,x [AU],y [AU],z [AU]\n" + "".join(
        f"{np.datetime64(int(d), 's')}Z,{x!r},{y!r},{z!r}\n"
        for d, (x, y, z) in zip(days, hee.tolist(), strict=True))
    field = b"# frame: RTN\ntime,br,bt,bn\n2024-05-11T06:00Z,10,-5,2\n2024-05-12T18:00Z,9,-4,1\n"
    resp = client.post("/api/v1/transform?to=HEEQ",
                       data={"file": (io.BytesIO(field), "b.csv"),
                             "trajectory": (io.BytesIO(track.encode()), "venus.csv")},
                       content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    by_track = np.array(resp.get_json()["output"]["values"]).T
    ref = client.post("/api/v1/transform?to=HEEQ&body=Venus", data=field).get_json()
    assert np.allclose(by_track, np.array(ref["output"]["values"]).T, atol=1e-4)


def test_out_unit_converts_the_answer_and_a_wrong_one_is_a_problem(client):
    track = b"# frame: HEE\ntime,x [AU],y [AU],z [AU]\n2024-05-10T00:00Z,1,0,0\n"
    resp = client.post("/api/v1/transform?to=HCI&out_unit=AU", data=track)
    out = resp.get_json()["output"]
    assert out["unit"] == "AU"
    assert np.linalg.norm([v[0] for v in out["values"]]) == pytest.approx(1.0, rel=1e-12)
    resp = client.post("/api/v1/transform?to=GSM&out_unit=km", data=FIELD)
    assert resp.status_code == 400
    assert "out_unit: 'km' cannot be reached from 'nT'" in resp.get_json()["detail"]


def test_trajectory_columns_of_the_upload_give_the_rtn_of_that_spacecraft(client):
    days, hee = _venus_hee_au()
    text = "# frame: RTN\ntime,br,bt,bn,x_hee [AU],y_hee [AU],z_hee [AU]\n" + "".join(
        f"{np.datetime64(int(d), 's')}Z,10,-5,2,{x!r},{y!r},{z!r}\n"
        for d, (x, y, z) in zip(days, hee.tolist(), strict=True))
    resp = client.post("/api/v1/transform?to=HEEQ&kind=vector&columns=br,bt,bn"
                       "&trajectory_columns=x_hee,y_hee,z_hee", data=text.encode())
    assert resp.status_code == 200, resp.get_data(as_text=True)
    ref = client.post("/api/v1/transform?to=HEEQ&kind=vector&columns=br,bt,bn&body=Venus",
                      data=text.encode()).get_json()
    assert np.allclose(np.array(resp.get_json()["output"]["values"]),
                       np.array(ref["output"]["values"]), atol=1e-4)
