"""The demo backend as a real HTTP server on loopback.

A threading HTTP/1.1 server with keep-alive: each connection gets a thread, so injected
latency overlaps across connections (hundreds at once) and measures the client, not the
server. ``DemoServer`` runs it in a background thread for tests and notebooks.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from rtk_notebook.demo.backend import API_ROOT, DemoBackend, Request


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "rtk-demo"
    sys_version = ""
    backend: DemoBackend  # set on the subclass made per server
    verbose = False

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        query = parse_qsl(url.query, keep_blank_values=True)
        reply = self.backend.answer_blocking(
            Request(self.command, url.path, query, self.headers, body)
        )
        if reply.drop:
            self.close_connection = True  # say nothing: the client sees the connection drop
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's name)
        if self.verbose:
            super().log_message(format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # bursts of many connections at once must not be refused


def make_server(
    backend: DemoBackend, host: str = "127.0.0.1", port: int = 0, *, verbose: bool = False
) -> ThreadingHTTPServer:
    handler = type("Handler", (_Handler,), {"backend": backend, "verbose": verbose})
    return _Server((host, port), handler)


class DemoServer:
    """A loopback demo server in a background thread: ``with DemoServer() as server: ...``."""

    def __init__(self, backend: DemoBackend | None = None, port: int = 0) -> None:
        self.backend = backend or DemoBackend()
        self._server = make_server(self.backend, port=port)
        # A short poll: close() waits up to one poll for the serving loop to notice.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_ROOT}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> DemoServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
