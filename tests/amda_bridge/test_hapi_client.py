"""ingest_hapi: our own server round trip (csv, binary) and a fake AMDA HAPI 2.0 server."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from amda_bridge.hapi_client import decode_data, ingest_hapi, local_id, parse_spec
from storms import store


@pytest.mark.parametrize("fmt", ["csv", "binary"])
def test_round_trip_through_our_own_server(live, fmt):
    url, series = live
    from tests.amda_bridge.conftest import SW  # noqa: F401  (documents the source)

    ctx = live_ctx[0]
    report = ingest_hapi(ctx, f"{url}#test_sw?start=2024-05-10T00:00Z&stop=2024-05-12T00:00Z"
                              f"&format={fmt}&as=copy_sw_{fmt}")
    assert report.status == "ok", report.errors
    assert report.added == 2880
    with ctx.factory() as s:
        t, v = store.read_series(s, f"copy_sw_{fmt}", 0, 2**62)
    ref = series["test_sw"].values[:2880]
    np.testing.assert_array_equal(v, ref)  # NaN (fill) where NaN
    again = ingest_hapi(ctx, f"{url}#test_sw?start=2024-05-10T00:00Z&stop=2024-05-12T00:00Z"
                             f"&format={fmt}&as=copy_sw_{fmt}")
    assert again.status == "unchanged"


live_ctx: list = []


@pytest.fixture(autouse=True)
def _remember_ctx(request):
    if "live" in request.fixturenames:
        live_ctx[:] = [request.getfixturevalue("loaded")[0]]
    yield


AMDA_INFO = {
    "HAPI": "2.0", "status": {"code": 1200, "message": "OK"},
    "startDate": "1997-09-02T00:00:12Z", "stopDate": "2024-05-12T00:00:00Z",
    "cadence": "PT16S", "resourceID": "spase://CNES/NumericalData/CDPP-AMDA/ACE/MFI/ace-imf-all",
    "parameters": [
        {"name": "Time", "type": "isotime", "units": "UTC", "fill": None, "length": 24},
        {"name": "imf_mag", "type": "double", "units": "nT", "fill": "-1e31"},
        {"name": "imf", "type": "double", "units": "nT", "fill": "-1e31", "size": [3]},
    ],
}
N = 200
T0 = np.datetime64("2024-05-11T00:00:00", "us")


def _records():
    times = T0 + np.arange(N) * np.timedelta64(16, "s")
    v = np.column_stack([np.linspace(1, 10, N), np.linspace(-5, 5, N), np.full(N, 2.5),
                         np.linspace(0, 1, N)])
    v[3, 0] = -1e31
    v[4, 1:] = np.float32(-1e31)  # a fill in float32 precision
    return times, v


class FakeAmdaHapi(BaseHTTPRequestHandler):
    """Answers like AMDA's HAPI 2.0 server: v2 names only, a header that says csv."""

    seen: list[str] = []

    def log_message(self, *args):
        pass

    def _send(self, code, body, ctype="application/json"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        u = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        self.seen.append(self.path)
        if u.path.endswith("/capabilities"):
            return self._send(200, json.dumps({"HAPI": "2.0", "status": {"code": 1200},
                                               "outputFormats": ["csv", "binary"]}).encode())
        if "dataset" in q or "start" in q:
            return self._send(400, json.dumps({"HAPI": "2.0", "status": {"code": 1401}}).encode())
        if u.path.endswith("/info") and q.get("id") == "ace-imf-all":
            return self._send(200, json.dumps(AMDA_INFO).encode())
        if u.path.endswith("/data") and q.get("id") == "ace-imf-all":
            times, v = _records()
            t0, t1 = (np.datetime64(q[k].rstrip("Z"), "us") for k in ("time.min", "time.max"))
            keep = (times >= t0) & (times < t1)
            header = dict(AMDA_INFO, format="csv")  # wrong: the body is binary
            head = "".join(f"#{line}\n" for line in json.dumps(header, indent=1).splitlines())
            if q.get("format") == "binary":
                rec = np.zeros(keep.sum(), dtype=[("t", "S24"), ("v", "<f8", (4,))])
                rec["t"] = [str(t)[:23].encode() + b"Z" for t in times[keep]]
                rec["v"] = v[keep]
                body = head.encode() + rec.tobytes()
            else:
                body = "".join(f"{str(t)[:23]}Z,{','.join(f'{x:.6e}' for x in row)}\n"
                               for t, row in zip(times[keep], v[keep], strict=True)).encode()
            return self._send(200, body, "text/csv")
        return self._send(404, json.dumps({"HAPI": "2.0", "status": {"code": 1406}}).encode())


@pytest.fixture
def fake_amda():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAmdaHapi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeAmdaHapi.seen = []
    yield f"http://127.0.0.1:{server.server_port}/amda/service/hapi"
    server.shutdown()


@pytest.mark.parametrize("fmt", ["binary", "csv"])
def test_amda_hapi2_quirks(ctx, fake_amda, fmt):
    report = ingest_hapi(ctx, f"{fake_amda}#ace-imf-all?start=2024-05-11T00:00:00Z"
                              f"&stop=2024-05-11T01:00:00Z&format={fmt}")
    assert report.status == "ok", report.errors
    assert report.dataset == "hapi_127_ace_imf_all" and report.added == N
    assert all("time.min=" in p for p in FakeAmdaHapi.seen if "/data" in p)
    with ctx.factory() as s:
        ds = store.get_dataset(s, report.dataset)
        assert [(p.name, p.size, p.units) for p in ds.parameters] == [
            ("imf_mag", 1, "nT"), ("imf", 3, "nT")]
        assert ds.cadence_s == 16
        t, v = store.read_series(s, report.dataset, 0, 2**62)
        src = s.get(store.m.SourceFile, 1)
        assert src.kind == "hapi" and src.added == N
    _, ref = _records()
    ref = ref.copy()
    ref[np.isclose(ref, -1e31, rtol=1e-6)] = np.nan
    np.testing.assert_allclose(v, ref, rtol=1e-6)
    assert np.isnan(v[3, 0]) and np.isnan(v[4, 1:]).all()


def test_unknown_dataset_and_bad_specs_are_refused(ctx, fake_amda):
    r = ingest_hapi(ctx, f"{fake_amda}#nope")
    assert r.status == "refused" and "404" in r.errors[0]
    assert ingest_hapi(ctx, "no-fragment").status == "refused"
    assert ingest_hapi(ctx, f"{fake_amda}#ace-imf-all?colour=red").status == "refused"


def test_helpers():
    assert local_id("https://amda.irap.omp.eu/service/hapi", "ace-imf-all") == "amda_ace_imf_all"
    s = parse_spec("https://x.org/hapi#DS?start=2020-001&parameters=a,b")
    assert (s.dataset, s.start, s.parameters) == ("DS", "2020-001", "a,b")
    params = AMDA_INFO["parameters"]
    t, v = decode_data(b"2020-001T00:00:00Z,1,2,3,4\n2020-001T00:00:16Z,-1e31,2,3,4\n", params)
    assert str(t[1]) == "2020-01-01T00:00:16.000000000" and np.isnan(v[1, 0])
