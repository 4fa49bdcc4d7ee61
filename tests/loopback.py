"""A real HTTP server on 127.0.0.1 for tests that fetch; nothing leaves the machine.

``LoopbackServer`` serves a dict of routes (path -> :class:`Route`) and a set of
misbehaving endpoints that every fetcher must survive:

==================  ===========================================================
``/hello``          a small HTML article
``/redirect/N``     N redirects, then ``/hello``
``/redirect-loop``  two paths redirecting to each other forever
``/to-ftp``         a redirect to an ftp:// URL
``/slow-drip``      headers at once, then one body byte per 0.5 s (for minutes)
``/slow-headers``   the status line itself, one byte per 0.25 s
``/stall``          headers, then silence (for a read timeout)
``/huge``           200 MB streamed without Content-Length
``/huge-declared``  Content-Length of 100 MB, then a slow drip
``/wrong-type``     PDF bytes declared as ``text/html``
``/png``            PNG bytes declared as ``text/html``
``/empty``          200 with an empty body
``/404``, ``/500``  error statuses with an HTML body
==================  ===========================================================

The ``loopback`` fixture (imported by ``conftest.py``) yields a fresh server per test;
``server.url("/path")`` builds a URL, ``server.add(...)`` adds a route, and the server
records requests, connections and bytes sent so tests can assert on the wire.
"""

from __future__ import annotations

import contextlib
import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fpdf import FPDF

DRIP_INTERVAL = 0.5
HEADER_DRIP_INTERVAL = 0.25
HUGE_BYTES = 200 * 1024 * 1024
HUGE_DECLARED_BYTES = 100 * 1024 * 1024

HELLO_HTML = (
    b"<!DOCTYPE html><html><head><title>Hello</title></head><body><article>"
    b"<h1>Hello</h1><p>A small page served over loopback for fetch tests.</p>"
    b"</article></body></html>"
)

# The smallest valid PNG header; enough for magic-byte sniffing.
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)


def make_pdf(
    pages: list[str],
    *,
    title: str | None = None,
    author: str | None = None,
    created: datetime | None = None,
) -> bytes:
    """A real PDF with one page per string (Helvetica, so latin-1 text only)."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    pdf.set_creation_date(created or datetime(2023, 6, 1, 12, 0, tzinfo=UTC))
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


@dataclass
class Route:
    """A canned response."""

    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    """What the server saw of one request."""

    path: str
    headers: dict[str, str]


class LoopbackServer:
    """A threaded HTTP/1.1 server on an ephemeral port of 127.0.0.1."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {
            "/hello": Route(HELLO_HTML, headers={"Content-Type": "text/html; charset=utf-8"}),
            "/wrong-type": Route(
                make_pdf(["A PDF that the server calls HTML. " * 10]),
                headers={"Content-Type": "text/html"},
            ),
            "/png": Route(PNG_BYTES, headers={"Content-Type": "text/html"}),
            "/empty": Route(b"", headers={"Content-Type": "text/html"}),
            "/404": Route(b"<html><body>gone</body></html>", status=404),
            "/500": Route(b"<html><body>oops</body></html>", status=500),
        }
        self.requests: list[Request] = []
        self.connections = 0
        self.bytes_sent: dict[str, int] = defaultdict(int)
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        # A short poll interval keeps shutdown() (and so each test's teardown) quick.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(
        self,
        path: str,
        body: bytes,
        *,
        status: int = 200,
        content_type: str | None = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> str:
        """Serve ``body`` at ``path``; returns the route's URL."""
        all_headers = {"Content-Type": content_type} if content_type else {}
        all_headers.update(headers or {})
        self.routes[path] = Route(body, status, all_headers)
        return self.url(path)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self.stopping.set()  # ends every drip loop promptly
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _record(self, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append(Request(path, headers))

    def _count_connection(self) -> None:
        with self._lock:
            self.connections += 1

    def _count_bytes(self, path: str, n: int) -> None:
        with self._lock:
            self.bytes_sent[path] += n


def _make_handler(server: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            server._count_connection()

        def handle(self) -> None:
            # A client hanging up between requests is normal here, not an error.
            with contextlib.suppress(ConnectionError):
                super().handle()

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

        def do_GET(self) -> None:
            path = self.path
            server._record(path, {key.lower(): value for key, value in self.headers.items()})
            try:
                self._dispatch(path)
            except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
                self.close_connection = True  # the client gave up, as it should

        def _dispatch(self, path: str) -> None:
            if path.startswith("/redirect/"):
                remaining = int(path.rsplit("/", 1)[1])
                target = f"/redirect/{remaining - 1}" if remaining > 1 else "/hello"
                self._redirect(target)
            elif path == "/redirect-loop":
                self._redirect("/redirect-loop-2")
            elif path == "/redirect-loop-2":
                self._redirect("/redirect-loop")
            elif path == "/to-ftp":
                self._redirect("ftp://127.0.0.1/file.txt")
            elif path == "/slow-drip":
                self._start_stream({"Content-Type": "text/html"})
                self._drip(path, DRIP_INTERVAL)
            elif path == "/slow-headers":
                self._drip_raw(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n")
            elif path == "/stall":
                self._start_stream({"Content-Type": "text/html"})
                server.stopping.wait(60)
            elif path == "/huge":
                self._start_stream({"Content-Type": "text/plain"})
                self._stream_huge(path)
            elif path == "/huge-declared":
                self._start_stream(
                    {"Content-Type": "text/plain", "Content-Length": str(HUGE_DECLARED_BYTES)}
                )
                self._drip(path, DRIP_INTERVAL)
            elif path in server.routes:
                route = server.routes[path]
                self.send_response(route.status)
                for key, value in route.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)
                server._count_bytes(path, len(route.body))
            else:
                body = b"<html><body>no such route</body></html>"
                self.send_response(404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        def _redirect(self, location: str) -> None:
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _start_stream(self, headers: dict[str, str]) -> None:
            # No Content-Length: the body ends when the connection closes.
            self.send_response(200)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True

        def _drip(self, path: str, interval: float) -> None:
            for _ in range(600):
                if server.stopping.wait(interval):
                    return
                self.wfile.write(b"a")
                server._count_bytes(path, 1)

        def _drip_raw(self, data: bytes) -> None:
            self.close_connection = True
            for byte in data:
                if server.stopping.wait(HEADER_DRIP_INTERVAL):
                    return
                self.wfile.write(bytes([byte]))
            self.wfile.write(b"never complete")

        def _stream_huge(self, path: str) -> None:
            chunk = b"a" * 65536
            for _ in range(HUGE_BYTES // len(chunk)):
                if server.stopping.is_set():
                    return
                self.wfile.write(chunk)
                server._count_bytes(path, len(chunk))

    return Handler


@pytest.fixture
def loopback() -> Iterator[LoopbackServer]:
    """A fresh loopback HTTP server for one test."""
    server = LoopbackServer()
    server.start()
    try:
        yield server
    finally:
        server.close()


__all__ = ["HELLO_HTML", "PNG_BYTES", "LoopbackServer", "Route", "loopback", "make_pdf"]
