"""A real local HTTP server for fetcher tests: serves files, and fails on purpose.

Paths: ``/files/<name>`` serves a file from the given directory; ``/status/<code>``
answers that status; ``/flaky/<n>/<name>`` fails with 503 n times then serves the file;
``/truncated/<name>`` promises the whole file but sends half and closes;
``/slow/<seconds>/<name>`` waits before answering; ``/index/<folder>/`` lists a folder as
an Apache-style HTML index (files under it are served too). ``faults[name]`` makes a
file (by its name, on any path) fail: ``"truncated"``, ``"status:<code>"``,
``"flaky:<n>"`` (503 n times) or ``"slow:<seconds>"``.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit


class LocalServer:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.hits: Counter[str] = Counter()
        self.faults: dict[str, str] = {}
        handler = self._handler()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _file(self, name: str) -> bytes | None:
                path = (server.root / name).resolve()
                if server.root.resolve() not in path.parents or not path.is_file():
                    return None
                return path.read_bytes()

            def _send(self, code: int, body: bytes, length: int | None = None) -> None:
                self.send_response(code)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first: part of some tests

            def do_GET(self):  # noqa: N802 - http.server API
                server.hits[self.path] += 1
                parts = urlsplit(self.path).path.strip("/").split("/")
                kind = parts[0]
                if kind == "status":
                    self._send(int(parts[1]), b"failure on purpose")
                    return
                if kind == "flaky":
                    n, name = int(parts[1]), "/".join(parts[2:])
                    if server.hits[self.path] <= n:
                        self._send(503, b"busy")
                        return
                    parts = ["files", name]
                if kind == "slow":
                    time.sleep(float(parts[1]))
                    parts = ["files", *parts[2:]]
                if kind == "index":
                    folder = (server.root / "/".join(parts[1:])).resolve()
                    if server.root.resolve() in [folder, *folder.parents] and folder.is_dir():
                        from storms.replay import directory_index

                        self._send(200, directory_index(folder, urlsplit(self.path).path))
                        return
                fault = server.faults.get(parts[-1], "")
                if fault.startswith("status:"):
                    self._send(int(fault.split(":")[1]), b"failure on purpose")
                    return
                if fault.startswith("flaky:"):
                    server.hits["fault:" + parts[-1]] += 1
                    if server.hits["fault:" + parts[-1]] <= int(fault.split(":")[1]):
                        self._send(503, b"busy")
                        return
                if fault.startswith("slow:"):
                    time.sleep(float(fault.split(":")[1]))
                if kind == "truncated" or fault == "truncated":
                    body = self._file("/".join(parts[1:])) or b""
                    self._send(200, body[: len(body) // 2], length=len(body))
                    self.close_connection = True
                    return
                body = self._file("/".join(parts[1:]))
                if body is None:
                    self._send(404, b"not found")
                    return
                self._send(200, body)

        return Handler
