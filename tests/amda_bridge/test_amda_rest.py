"""AMDA REST client against a local fake AMDA (real HTTP, AMDA-shaped answers written from
the AMDA API documentation), and the time-table exports."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from amda_bridge import timetables
from amda_bridge.amda import AmdaError, AmdaRestClient, MissingCredentials
from amda_bridge.amda.client import parse_ascii
from storms import models as m

ASCII = (b"# AMDA INTERNAL PARAMETER : imf\n# time imf_x imf_y imf_z\n"
         b"2024-05-10T17:00:00.000 -5.1 10.2 -30.5\n"
         b"2024-05-10T17:01:00.000 -1.00000e+31 -1.00000e+31 -1.00000e+31\n"
         b"2024-05-10T17:02:00.000 -6.0 11.0 -41.75\n")


class FakeAmda:
    def __init__(self, polls=2):
        self.polls_left = polls
        self.seen = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, body: bytes, code=200):
                self.send_response(code)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802
                url = urlsplit(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                fake.seen.append((url.path, q))
                if url.path.endswith("auth.php"):
                    self._send(b"a1b2c3token")
                elif url.path.endswith(("getParameter.php", "getDataset.php")):
                    if q.get("token") != "a1b2c3token":
                        self._send(json.dumps({"success": False, "message": "bad token"})
                                   .encode())
                    else:
                        self._send(json.dumps({"success": True, "status": "in progress",
                                               "id": "job42"}).encode())
                elif url.path.endswith("getStatus.php"):
                    if fake.polls_left > 0:
                        fake.polls_left -= 1
                        self._send(json.dumps({"success": True, "status": "in progress",
                                               "id": q["id"]}).encode())
                    else:
                        self._send(json.dumps({"success": True, "status": "done",
                                               "dataFileURLs": f"{fake.url}/data/job42.txt"})
                                   .encode())
                elif url.path.endswith("job42.txt"):
                    self._send(ASCII)
                else:
                    self._send(b"not found", 404)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def amda():
    fake = FakeAmda()
    yield fake
    fake.close()


def test_parameter_with_polling(amda):
    client = AmdaRestClient(amda.url + "/php/rest/", poll_every_s=0.01)
    body = client.get_parameter("imf", "2024-05-10T17:00:00", "2024-05-10T17:03:00")
    assert body == ASCII
    calls = [path.rsplit("/", 1)[-1] for path, _ in amda.seen]
    assert calls == ["auth.php", "getParameter.php", "getStatus.php", "getStatus.php",
                     "getStatus.php", "job42.txt"]
    first = dict(amda.seen[1][1])
    assert first["parameterID"] == "imf" and first["token"] == "a1b2c3token"
    assert first["outputFormat"] == "ASCII" and first["timeFormat"] == "ISO8601"
    times, values, names = parse_ascii(body)
    assert names == ["imf_x", "imf_y", "imf_z"] and len(times) == 3
    assert np.isnan(values[1]).all() and values[2].tolist() == [-6.0, 11.0, -41.75]


def test_polling_budget_and_errors(amda):
    from amda_bridge.amda import AmdaJobTimeout

    client = AmdaRestClient(amda.url, poll_every_s=0.0, max_polls=1)
    with pytest.raises(AmdaJobTimeout):
        client.get_dataset("ace-imf-all", "2024-05-10", "2024-05-11")
    with pytest.raises(MissingCredentials):
        client.get_parameter("private_param", "2024-05-10", "2024-05-11", private=True)
    dead = AmdaRestClient("http://127.0.0.1:9/", retries=0)
    from ingest.http import FetchError

    with pytest.raises(FetchError):
        dead.token()
    with pytest.raises(AmdaError):
        AmdaRestClient._json(b"<html>maintenance</html>")


def test_time_tables_from_events_and_predictions(sqlite_ctx):
    from astropy.io.votable import parse_single_table

    t0 = int(np.datetime64("2024-05-10T17:05", "us").astype(np.int64))
    hour = 3_600_000_000
    with sqlite_ctx.factory() as s, s.begin():
        s.add(m.Event(kind="IPS", source="DONKI", source_id="2024-05-10T17:05:00-IPS-001",
                      start_us=t0, location="Earth", attributes={}))
        s.add(m.Prediction(model="dbem", model_version="t", event_key="CME-1", target="Earth",
                           issued_us=t0, departure_us=t0 - 40 * hour, hit=True,
                           hit_probability=0.8, arrival_us=t0, arrival_p05_us=t0 - 6 * hour,
                           arrival_p95_us=t0 + 9 * hour, parameters={}))
    with sqlite_ctx.factory() as s:
        events = timetables.event_intervals(s, "IPS", t0 - hour, t0 + hour)
        windows = timetables.prediction_windows(s, "Earth", t0 - hour, t0 + hour)
    text = timetables.to_amda_text(events, "ips", "DONKI shocks")
    assert text.splitlines()[-1] == "2024-05-10T17:05:00.000 2024-05-10T18:05:00.000"
    assert text.startswith("# Time table generated by Storms")
    table = parse_single_table(__import__("io").BytesIO(
        timetables.to_votable(windows, "earth_arrivals", "DBEM windows"))).to_table()
    assert list(table["Start"]) == ["2024-05-10T11:05:00.000"]
    assert list(table["Stop"]) == ["2024-05-11T02:05:00.000"]
    assert table["hit_probability"][0] == "0.8"
    link = timetables.amda_parameter_link("imf", t0, t0 + hour)
    assert link.startswith("https://amda.irap.omp.eu/php/rest/getParameter.php?")
    assert "startTime=2024-05-10T17%3A05%3A00.000" in link
