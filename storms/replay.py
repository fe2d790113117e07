"""A local HTTP server replaying real files (``../shared/data``) at the paths of the
default source URLs, so that the scheduled jobs run end to end with no network.

Each source of :data:`storms.config.DEFAULT_SOURCE_URLS` is served at the path of its
default URL (``/products/solar-wind/plasma-7-day.json``, ``/DONKI/WS/get/CME``, …) from
the file of :data:`ROUTES` (a glob under the root, the last match), whatever the query
(DONKI's date range) or the year asked (OMNI): it is a replay. The CLIMSO archive is an
Apache-style HTML index of the root's ``climso/`` folder. A source with no file answers
404 and :func:`environment` switches it off.

``live_from``: the SWPC real-time files are shifted in time so that ``live_from`` (or,
for a file that does not contain it, the file's last record) falls on the moment the
server started, and only records up to the present are served: the feeds look live and
advance with the clock, so the real-time chain (solar-wind forecast, shock detection,
alerts) sees "current" data. Values are untouched; every other file is served byte for
byte.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import numpy as np

from storms.config import DEFAULT_SOURCE_URLS

#: source key -> file glob under the root ({year}/{kind} filled from the request path)
ROUTES: dict[str, str] = {
    "swpc_plasma": "swpc/plasma-7-day*.json",
    "swpc_mag": "swpc/mag-7-day*.json",
    "swpc_rtsw_mag": "swpc/rtsw_mag_1m*.json",
    "swpc_rtsw_wind": "swpc/rtsw_wind_1m*.json",
    "omni2": "omni/omni2_*.dat",
    "omni_hro_1min": "omni/omni_min*.asc",
    "donki": "donki/{kind}_*.json",
    "gfz_kp": "indices/Kp_ap_Ap_SN_F107_nowcast*.txt",
    "celestrak_sw": "indices/SW-Last5Years*.txt",
    "icmecat": "catalogs/HELIO4CAST_ICMECAT_v23*.csv",
    "climso_archive": "climso/",
}
#: the real-time files that ``live_from`` shifts
LIVE_KEYS = ("swpc_plasma", "swpc_mag", "swpc_rtsw_mag", "swpc_rtsw_wind")
#: DONKI kinds the jobs ask for (the path's last segment)
DONKI_KINDS = ("CME", "FLR", "SEP", "IPS", "GST", "HSS", "MPC", "RBE", "notifications")


@dataclass(frozen=True)
class Route:
    key: str
    pattern: re.Pattern[str]  # on the request path
    glob: str
    is_dir: bool


def _routes() -> list[Route]:
    out = []
    for key, glob in ROUTES.items():
        path = urlsplit(DEFAULT_SOURCE_URLS[key]).path
        if glob.endswith("/"):
            out.append(Route(key, re.compile("^" + re.escape(path.rstrip("/")) + "(/.*)?$"),
                             glob, True))
            continue
        regex = re.escape(path).replace(r"\{year\}", r"(?P<year>\d{4})")
        regex = regex.replace(r"\{kind\}", r"(?P<kind>[A-Za-z]+)")
        out.append(Route(key, re.compile("^" + regex + "$"), glob, False))
    return out


def source_file(root: Path, key: str, kind: str | None = None) -> Path | None:
    """The file served for source ``key`` (DONKI: of ``kind``), or None."""
    glob = ROUTES[key]
    if glob.endswith("/"):
        folder = root / glob
        return folder if folder.is_dir() else None
    if "{kind}" in glob:
        if kind is None or not re.fullmatch(r"[A-Za-z]+", kind):
            return None
        glob = glob.replace("{kind}", kind)
    matches = sorted(root.glob(glob))
    return matches[-1] if matches else None


def available(root: Path) -> dict[str, bool]:
    """Which sources the root can serve."""
    return {key: source_file(root, key, "CME" if key == "donki" else None) is not None
            for key in ROUTES}


def environment(base_url: str, root: Path) -> dict[str, str]:
    """The ``STORMS_URL_*`` variables pointing every source at the replay server (``off``
    for a source with no file under ``root``)."""
    base_url = base_url.rstrip("/")
    have = available(root)
    env = {}
    for key in ROUTES:
        default = urlsplit(DEFAULT_SOURCE_URLS[key])
        path = unquote(default.path)
        env[f"STORMS_URL_{key.upper()}"] = base_url + path if have[key] else "off"
    return env


def shell_lines(env: dict[str, str]) -> str:
    """``export K='v'`` lines, for ``eval`` in a shell."""
    import shlex

    return "".join(f"export {k}={shlex.quote(v)}\n" for k, v in env.items())


def _minute(t: Any) -> Any:
    return np.asarray(t, dtype="datetime64[m]").astype("datetime64[ms]")[()]


class _Live:
    """The time shift of one real-time file, fixed when the server starts."""

    def __init__(self, path: Path, live_from: np.datetime64, started: np.datetime64):
        records = json.loads(path.read_bytes())
        times = self._times(records)
        self.offset: Any = np.timedelta64(0, "ms")
        if len(times):
            first, last = times.min(), times.max()
            anchor = live_from if first <= live_from <= last else last
            self.offset = _minute(started) - _minute(anchor)

    @staticmethod
    def _times(records: Any) -> np.ndarray:
        if isinstance(records, list) and records and isinstance(records[0], list):
            texts = [str(r[0]).replace(" ", "T") for r in records[1:]]
        elif isinstance(records, list):
            texts = [str(r.get("time_tag", "")).rstrip("Z") for r in records
                     if isinstance(r, dict)]
        else:
            texts = []
        return np.array(texts, dtype="datetime64[ms]")

    def render(self, path: Path, now: np.datetime64) -> bytes:
        records = json.loads(path.read_bytes())
        if isinstance(records, list) and records and isinstance(records[0], list):
            out: list[Any] = [records[0]]
            for row in records[1:]:
                t = np.datetime64(str(row[0]).replace(" ", "T"), "ms") + self.offset
                if t <= now:
                    out.append([str(t).replace("T", " "), *row[1:]])
        else:
            out = []
            for rec in records:
                text = str(rec.get("time_tag", ""))
                t = np.datetime64(text.rstrip("Z"), "ms") + self.offset
                if t <= now:
                    shifted = str(t.astype("datetime64[s]")) + ("Z" if text.endswith("Z")
                                                                else "")
                    out.append({**rec, "time_tag": shifted})
        return json.dumps(out, separators=(",", ":")).encode()


def directory_index(folder: Path, url_path: str) -> bytes:
    """An Apache ``mod_autoindex``-style page listing ``folder`` (sub-folders with a
    trailing slash, then files, with their date and size)."""
    if not url_path.endswith("/"):
        url_path += "/"
    title = html.escape(f"Index of {url_path}")
    rows = ['<tr><th><a href="?C=N;O=D">Name</a></th><th><a href="?C=M;O=A">Last '
            'modified</a></th><th><a href="?C=S;O=A">Size</a></th></tr>',
            '<tr><td><a href="../">Parent Directory</a></td><td>&nbsp;</td>'
            '<td align="right">-</td></tr>']
    entries = sorted(folder.iterdir(), key=lambda p: (not p.is_dir(), p.name))
    for p in entries:
        if p.name.startswith("."):
            continue
        name = p.name + ("/" if p.is_dir() else "")
        stamp = dt.datetime.fromtimestamp(p.stat().st_mtime, dt.UTC).strftime("%Y-%m-%d %H:%M")
        size = "-" if p.is_dir() else f"{p.stat().st_size}"
        rows.append(f'<tr><td><a href="{quote(name)}">{html.escape(name)}</a></td>'
                    f'<td align="right">{stamp}  </td><td align="right">{size}</td></tr>')
    page = (f"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<html><head>"
            f"<title>{title}</title></head><body><h1>{title}</h1><table>\n"
            + "\n".join(rows) + "\n</table></body></html>\n")
    return page.encode()


class ReplayServer:
    """The replay over HTTP on ``host:port`` (port 0: any free one), in a thread."""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 0,
                 live_from: str | None = None):
        self.root = Path(root).resolve()
        self.routes = _routes()
        self.started = np.datetime64(dt.datetime.now(dt.UTC).replace(tzinfo=None), "ms")
        self.live: dict[Path, _Live] = {}
        if live_from:
            anchor = np.datetime64(live_from.rstrip("Z"), "ms")
            for key in LIVE_KEYS:
                path = source_file(self.root, key)
                if path is not None:
                    self.live[path] = _Live(path, anchor, self.started)
        self.hits: dict[str, int] = {}
        self.httpd = ThreadingHTTPServer((host, port), self._handler())
        self.httpd.daemon_threads = True
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def environment(self) -> dict[str, str]:
        return environment(self.url, self.root)

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def __enter__(self) -> ReplayServer:
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def answer(self, path: str) -> tuple[int, bytes, str]:
        """(status, body, content type) for a request path."""
        path = unquote(urlsplit(path).path)
        for route in self.routes:
            found = route.pattern.match(path)
            if found is None:
                continue
            if route.is_dir:
                return self._folder(route, path, found.group(1) or "/")
            kind = found.groupdict().get("kind")
            file = source_file(self.root, route.key, kind)
            if file is None:
                return 404, f"no file for {route.key} in the replay\n".encode(), "text/plain"
            if file in self.live:
                now = np.datetime64(dt.datetime.now(dt.UTC).replace(tzinfo=None), "ms")
                return 200, self.live[file].render(file, now), "application/json"
            kind_of = "application/json" if file.suffix == ".json" else "text/plain"
            return 200, file.read_bytes(), kind_of
        return 404, b"not a replayed source\n", "text/plain"

    def _folder(self, route: Route, path: str, rest: str) -> tuple[int, bytes, str]:
        folder = (self.root / route.glob).resolve()
        target = (folder / rest.lstrip("/")).resolve()
        if target != folder and folder not in target.parents:
            return 404, b"outside the archive\n", "text/plain"
        if target.is_dir():
            if not path.endswith("/"):
                return 301, (path + "/").encode(), "redirect"
            return 200, directory_index(target, path), "text/html"
        if target.is_file():
            return 200, target.read_bytes(), "application/octet-stream"
        return 404, b"not found\n", "text/plain"

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "storms-replay"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802 - http.server API
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                try:
                    code, body, kind = server.answer(self.path)
                except Exception as exc:  # a broken file: say so, keep serving
                    code, body, kind = 500, f"{type(exc).__name__}: {exc}\n".encode(), \
                        "text/plain"
                self.send_response(code)
                if code == 301:
                    self.send_header("Location", body.decode())
                    body, kind = b"", "text/plain"
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler
