"""Fetch one web source over HTTP, safely, and decide what its bytes are.

A fetch fails with a :class:`FetchError` whose ``reason`` is a sentence a person can act
on; the ingest stage stores that sentence as the source's failure reason. Every way a
download can go wrong is bounded:

- connect and read timeouts come from :class:`~agora.settings.Settings`;
- a total deadline (:func:`default_total_timeout`) stops a server that drips one byte
  at a time, which a per-read timeout never catches. httpx has no total timeout, so
  fetch enforces it at the socket level, status line and headers included;
- the body is streamed and reading stops as soon as it passes the size cap;
- redirects are followed by hand, so the cap holds whatever client is passed in, and
  every hop is checked to still be http or https;
- every connection (each redirect hop included) is refused when its host resolves to a
  private, loopback or link-local address, unless ``allow_private`` is set: a URL in a
  shared reading list must not reach into the user's own network.

What a source *is* comes from its magic bytes (:func:`sniff_kind`), never from the
declared Content-Type: servers routinely send PDFs as ``text/html`` or
``application/octet-stream``. Local files use the same sniffing (see ``ingest.local``).
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import httpcore
import httpx

from agora.settings import Settings
from ingest.types import SourceKind

# A total deadline never shorter than this, so a large document on a slow but steady
# link still gets through; see default_total_timeout().
MIN_TOTAL_TIMEOUT = 60.0

ACCEPT = "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8,*/*;q=0.5"

_ALLOWED_SCHEMES = ("http", "https")


class FetchError(Exception):
    """A source could not be fetched or read; ``reason`` says why, for a person.

    Local files raise it too (``ingest.local``), so the ingest stage catches one type.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Fetched:
    """A downloaded document: its final URL, raw bytes and sniffed kind."""

    url: str
    content: bytes
    declared_type: str | None
    kind: SourceKind


def default_total_timeout(settings: Settings) -> float:
    """Seconds one fetch may take from first connect to last byte.

    Generous on purpose (130 s with the default 10 s connect and 30 s read timeouts): it
    exists to stop slow-drip servers, not to cut off a large PDF on a slow line.
    """
    return max(MIN_TOTAL_TIMEOUT, settings.connect_timeout + 4 * settings.read_timeout)


# --------------------------------------------------------------------------- deadline
# The deadline of the fetch running in this thread (or task). The network streams of
# make_client()'s clients read it before every socket operation, so one pooled client
# can serve many fetches, each with its own deadline.
_DEADLINE: ContextVar[float | None] = ContextVar("agora_fetch_deadline", default=None)


def _bounded(timeout: float | None, exc_type: type[Exception]) -> float | None:
    """The per-operation timeout shrunk to what is left of the deadline."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise exc_type("total deadline passed")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every read and write also respects the fetch deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


def _connectable_address(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to for `host`, refusing private, loopback, link-local and
    other non-public addresses unless allowed. Connecting to the address that was checked
    (not re-resolving the name) closes the DNS-rebinding gap between check and connect."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return host  # let the real connect fail with its usual, well-described error
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not allow_private:
        for address in addresses:
            mapped = getattr(address, "ipv4_mapped", None) or address
            if not mapped.is_global:
                raise FetchError(
                    f"refused: {host} is {address}, a private or local address (use "
                    "--allow-private or AGORA_ALLOW_PRIVATE=true for sources on your own "
                    "network)"
                )
    return str(addresses[0]) if addresses else host


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's socket backend with every stream wrapped in :class:`_DeadlineStream`,
    and every connection checked against the private-address policy."""

    def __init__(self, allow_private: bool) -> None:
        self._inner = httpcore.SyncBackend()
        self._allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        address = _connectable_address(host, port, self._allow_private)
        stream = self._inner.connect_tcp(address, port, bounded, local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.connect_unix_socket(path, bounded, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _install_deadline_backend(client: httpx.Client, allow_private: bool) -> None:
    """Swap the socket backend of every connection pool inside ``client``.

    httpx exposes no hook for this, so it reaches into ``HTTPTransport._pool`` and the
    pool's ``_network_backend`` (httpx 0.28, httpcore 1.0); test_fetch's slow-header test
    fails if an upgrade moves them. Connections opened before the swap keep the plain
    backend; only the body-chunk check bounds those. Harmless outside fetch(): with no
    deadline set, the wrapped streams behave exactly like the stock ones.
    """
    # SEE: https://github.com/encode/httpx/issues/1450 (no total timeout in httpx)
    transports = [client._transport, *client._mounts.values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        # Only httpcore's stock backend is replaced: a caller's custom backend stays.
        backend = getattr(pool, "_network_backend", None)
        if pool is not None and type(backend) is httpcore.SyncBackend:
            pool._network_backend = _DeadlineBackend(allow_private)


def _timeouts(settings: Settings) -> httpx.Timeout:
    return httpx.Timeout(
        connect=settings.connect_timeout,
        read=settings.read_timeout,
        write=settings.read_timeout,
        pool=settings.connect_timeout,
    )


def _headers(settings: Settings) -> dict[str, str]:
    return {"User-Agent": settings.user_agent, "Accept": ACCEPT}


def make_client(settings: Settings) -> httpx.Client:
    """An HTTP client for :func:`fetch`; reuse one for many URLs to share connections.

    The caller closes it (``with make_client(settings) as client: ...``).
    """
    client = httpx.Client(
        timeout=_timeouts(settings),
        headers=_headers(settings),
        # fetch() follows redirects itself, one checked hop at a time.
        follow_redirects=False,
        max_redirects=settings.max_redirects,
    )
    _install_deadline_backend(client, settings.allow_private)
    return client


# ------------------------------------------------------------------------------ fetch
def fetch(
    url: str,
    settings: Settings,
    client: httpx.Client | None = None,
    *,
    total_timeout: float | None = None,
) -> Fetched:
    """Download ``url`` and sniff what it is; raise :class:`FetchError` on any failure.

    ``client`` (best from :func:`make_client`) lets many fetches share a connection
    pool; without one a client is made and closed for this call. A caller's own client
    gets the deadline installed on its stock socket backend. ``total_timeout`` overrides
    :func:`default_total_timeout` (tests use a short one).
    """
    _check_url(url, what="")
    budget = default_total_timeout(settings) if total_timeout is None else total_timeout
    deadline = time.monotonic() + budget
    token = _DEADLINE.set(deadline)
    if client is not None:
        _install_deadline_backend(client, settings.allow_private)  # no-op for make_client's
    http = client if client is not None else make_client(settings)
    try:
        return _download(http, url, settings, deadline, budget)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        if isinstance(exc, httpx.TimeoutException) and time.monotonic() >= deadline:
            raise FetchError(_deadline_reason(budget)) from exc
        raise FetchError(_describe_http_error(exc, url, settings)) from exc
    finally:
        _DEADLINE.reset(token)
        if client is None:
            http.close()


# A listing (sitemap, feed) or robots.txt may take this long at most.
LISTING_TIMEOUT = 60.0


@dataclass(frozen=True)
class RawResponse:
    """A response as it came, whatever its status."""

    url: str
    status: int
    content: bytes
    content_type: str | None


def fetch_raw(
    url: str,
    settings: Settings,
    client: httpx.Client,
    *,
    max_bytes: int,
    total_timeout: float = LISTING_TIMEOUT,
    truncate: bool = False,
) -> RawResponse:
    """GET ``url`` following redirects (at most ``settings.max_redirects``), reading at
    most ``max_bytes`` (``truncate``: keep the first ``max_bytes`` instead of failing).
    Raises :class:`FetchError` for transport failures, never for an HTTP status.

    The total deadline holds at the socket level, as in :func:`fetch`, for a client from
    :func:`make_client` (which also keeps its per-read timeouts and address policy), and
    between body chunks for any client.
    """
    deadline = time.monotonic() + total_timeout
    token = _DEADLINE.set(deadline)
    try:
        with client.stream("GET", url, follow_redirects=True) as response:
            chunks: list[bytes] = []
            received = 0
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                received += len(chunk)
                if received > max_bytes:
                    if truncate:
                        break
                    raise FetchError(f"larger than the {human_size(max_bytes)} limit for {url}")
                if time.monotonic() > deadline:
                    raise FetchError(f"took longer than {total_timeout:g} s in total")
            return RawResponse(
                url=str(response.url),
                status=response.status_code,
                content=b"".join(chunks)[:max_bytes],
                content_type=response.headers.get("content-type"),
            )
    except httpx.TooManyRedirects as exc:
        raise FetchError(
            f"more than {settings.max_redirects} redirects (a redirect loop?)"
        ) from exc
    except httpx.TimeoutException as exc:
        if time.monotonic() >= deadline:
            raise FetchError(f"took longer than {total_timeout:g} s in total") from exc
        raise FetchError(f"timed out ({type(exc).__name__})") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"request failed ({type(exc).__name__}: {exc})") from exc
    finally:
        _DEADLINE.reset(token)


def _download(
    client: httpx.Client, url: str, settings: Settings, deadline: float, budget: float
) -> Fetched:
    # Set per request as well, so a caller's own client still uses our User-Agent and
    # timeouts; httpx carries both over to each redirect it builds.
    request = client.build_request(
        "GET", url, headers=_headers(settings), timeout=_timeouts(settings)
    )
    redirects = 0
    while True:
        response = client.send(request, stream=True, follow_redirects=False)
        try:
            if response.next_request is not None:
                if redirects >= settings.max_redirects:
                    raise FetchError(
                        f"more than {settings.max_redirects} redirects (a redirect loop?); "
                        f"the last one pointed to {response.next_request.url}"
                    )
                redirects += 1
                request = response.next_request
                _check_url(str(request.url), what="redirected to ")
                _drain(response)
                continue
            final_url = str(response.url)
            _check_status(response, final_url)
            content = _read_capped(response, settings.max_download_bytes, deadline, budget)
            declared_type = response.headers.get("content-type")
        finally:
            response.close()
        if not content:
            raise FetchError("empty response body")
        name = response.url.path.rsplit("/", 1)[-1] or None
        kind = sniff_kind(content, declared_type, name)
        return Fetched(url=final_url, content=content, declared_type=declared_type, kind=kind)


def _drain(response: httpx.Response, limit: int = 64 * 1024) -> None:
    """Read a redirect's small body so its connection goes back to the pool; closing a
    response with unread body makes httpcore drop the connection."""
    received = 0
    for chunk in response.iter_raw():
        received += len(chunk)
        if received > limit:
            return  # not worth it: let close() drop the connection


def _check_url(url: str, *, what: str) -> None:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchError(f"{what}not a valid URL ({exc})") from exc
    if not parsed.scheme:
        raise FetchError(f"{what}not a web address (it must start with http:// or https://)")
    if parsed.scheme not in _ALLOWED_SCHEMES:
        hint = "; give local files as paths" if parsed.scheme == "file" else ""
        raise FetchError(
            f"{what}unsupported URL scheme '{parsed.scheme}' (only http and https{hint})"
        )
    if not parsed.host:
        raise FetchError(f"{what}not a valid URL (no host name)")


_STATUS_HINTS = {
    401: "the page needs a login",
    403: "the site refuses access, perhaps to automated clients",
    407: "a proxy needs a login",
    429: "rate limited; try again later",
}


def _check_status(response: httpx.Response, url: str) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    try:
        phrase = response.reason_phrase or HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    hint = _STATUS_HINTS.get(status)
    if hint is None and status >= 500:
        hint = "a server error; try again later"
    if hint is None and 300 <= status < 400:
        hint = "a redirect without a usable Location header"
    suffix = f" ({hint})" if hint else ""
    raise FetchError(f"HTTP {status} {phrase} from {url}{suffix}".replace("  ", " "))


def _read_capped(response: httpx.Response, cap: int, deadline: float, budget: float) -> bytes:
    too_large = f"larger than the {human_size(cap)} download limit (raise AGORA_MAX_DOWNLOAD_BYTES)"
    declared = response.headers.get("content-length", "")
    if declared.strip().isdigit() and int(declared) > cap:
        # Refuse before reading a byte: the server says it is too big.
        raise FetchError(f"{human_size(int(declared))}, {too_large}")
    chunks: list[bytes] = []
    received = 0
    # iter_bytes() yields decompressed data, so the cap also bounds a gzip bomb (one
    # decompressed network chunk at most overshoots it).
    for chunk in response.iter_bytes():
        received += len(chunk)
        if received > cap:
            raise FetchError(too_large)
        if time.monotonic() > deadline:
            # Reached only with a client whose sockets lack the deadline (custom backend).
            raise FetchError(_deadline_reason(budget))
        chunks.append(chunk)
    return b"".join(chunks)


def _deadline_reason(budget: float) -> str:
    return f"took longer than {budget:g} s in total (the server sends too slowly)"


def human_size(n: int) -> str:
    """A byte count for people: "25 MB", "64 KB", "512 bytes"."""
    if n >= 1024 * 1024:
        return f"{round(n / (1024 * 1024), 1):g} MB"
    if n >= 1024:
        return f"{round(n / 1024, 1):g} KB"
    return f"{n} bytes"


def _root_os_error(exc: BaseException) -> BaseException | None:
    """The socket-level error under httpx's and httpcore's wrappers, if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError):
            return current
        current = current.__cause__ or current.__context__
    return None


def _describe_http_error(exc: Exception, url: str, settings: Settings) -> str:
    try:
        parsed = httpx.URL(url)
        host = parsed.host + (f":{parsed.port}" if parsed.port else "")
    except httpx.InvalidURL:
        host = url
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return f"not a valid URL ({exc})"
    if isinstance(exc, httpx.ConnectTimeout):
        return (
            f"could not connect to {host} within {settings.connect_timeout:g} s (connect timeout)"
        )
    if isinstance(exc, httpx.ReadTimeout):
        return f"no data for {settings.read_timeout:g} s (read timeout)"
    if isinstance(exc, httpx.WriteTimeout):
        return f"could not send the request to {host} within {settings.read_timeout:g} s"
    if isinstance(exc, httpx.PoolTimeout):
        return "no free connection in the client's pool (pool timeout)"
    if isinstance(exc, httpx.ConnectError):
        return _describe_connect_error(exc, host)
    if isinstance(exc, httpx.DecodingError):
        return f"{host} sent a body that could not be decompressed ({exc})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{host} closed the connection or sent invalid HTTP ({exc})"
    if isinstance(exc, httpx.TooManyRedirects):
        return f"more than {settings.max_redirects} redirects (a redirect loop?)"
    if isinstance(exc, httpx.NetworkError):
        detail = _root_os_error(exc)
        why = getattr(detail, "strerror", None) or str(exc) or type(exc).__name__
        return f"the connection to {host} failed ({why})"
    return f"request to {host} failed ({type(exc).__name__}: {exc})"


def _describe_connect_error(exc: Exception, host: str) -> str:
    root = _root_os_error(exc)
    bare_host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    if isinstance(root, socket.gaierror):
        return f"could not resolve host name {bare_host} (DNS lookup failed)"
    if isinstance(root, ConnectionRefusedError):
        return f"could not connect to {host} (connection refused)"
    if isinstance(root, ssl.SSLCertVerificationError):
        return f"could not verify the TLS certificate of {bare_host} ({root.verify_message})"
    if isinstance(root, ssl.SSLError):
        return f"TLS handshake with {bare_host} failed ({root.reason or root})"
    if isinstance(root, OSError) and root.strerror:
        return f"could not connect to {host} ({root.strerror.lower()})"
    return f"could not connect to {host} ({exc or type(exc).__name__})"


# ----------------------------------------------------------------------------- sniff
_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with UTF-16's.
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

# (signature, offset, what it is). Checked before the text heuristics, so a PNG whose
# first bytes happen to look printable is still refused by name.
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "PNG image"),
    (b"\xff\xd8\xff", 0, "JPEG image"),
    (b"GIF87a", 0, "GIF image"),
    (b"GIF89a", 0, "GIF image"),
    (b"II*\x00", 0, "TIFF image"),
    (b"MM\x00*", 0, "TIFF image"),
    (b"\x00\x00\x01\x00", 0, "icon image"),
    (b"8BPS", 0, "Photoshop image"),
    (b"wOFF", 0, "web font"),
    (b"wOF2", 0, "web font"),
    (b"\x1f\x8b", 0, "gzip archive"),
    (b"1AY&SY", 4, "bzip2 archive"),
    (b"\xfd7zXZ\x00", 0, "xz archive"),
    (b"7z\xbc\xaf\x27\x1c", 0, "7-Zip archive"),
    (b"Rar!\x1a\x07", 0, "RAR archive"),
    (b"\x28\xb5\x2f\xfd", 0, "zstd archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "legacy Office document (.doc, .xls or .ppt)"),
    (b"{\\rtf", 0, "RTF document"),
    (b"\x7fELF", 0, "ELF executable"),
    (b"\xca\xfe\xba\xbe", 0, "Java class or Mach-O executable"),
    (b"\xcf\xfa\xed\xfe", 0, "Mach-O executable"),
    (b"\x00asm", 0, "WebAssembly module"),
    (b"SQLite format 3\x00", 0, "SQLite database"),
    (b"ID3\x03", 0, "MP3 audio"),
    (b"ID3\x04", 0, "MP3 audio"),
    (b"OggS", 0, "Ogg audio or video"),
    (b"fLaC", 0, "FLAC audio"),
    (b"\x1aE\xdf\xa3", 0, "Matroska/WebM video"),
    (b"ftyp", 4, "MP4/QuickTime video or HEIF/AVIF image"),
)

_ZIP_KINDS: tuple[tuple[bytes, str], ...] = (
    (b"word/", "Word document (.docx)"),
    (b"xl/", "Excel workbook (.xlsx)"),
    (b"ppt/", "PowerPoint presentation (.pptx)"),
    (b"application/epub+zip", "EPUB e-book"),
    (b"application/vnd.oasis.opendocument", "OpenDocument file"),
)

_HTML_MARKERS = ("<!doctype html", "<html", "<head", "<body")
_MARKDOWN_NAMES = (".md", ".markdown")
_HTML_NAMES = (".html", ".htm", ".xhtml")
# Control bytes that do occur in real text: tab, newline, vertical tab, form feed,
# carriage return, escape (ANSI colours in logs).
_TEXT_CONTROLS = frozenset(b"\t\n\x0b\x0c\r\x1b")


def sniff_kind(
    content: bytes, declared_type: str | None = None, name: str | None = None
) -> SourceKind:
    """What ``content`` is, decided from its bytes; the declared type and name only
    choose between the text kinds (markdown, HTML by extension, plain text).

    Raises :class:`FetchError` ("unsupported content: <what>") for images, archives,
    executables, Office files and other binary data.
    """
    head = content[:1024]
    encoding = next((enc for bom, enc in _BOMS if head.startswith(bom)), None)
    if encoding in (None, "utf-8"):
        body = head[3:] if encoding == "utf-8" else head
        stripped = body.lstrip()
        if stripped.startswith(b"%PDF-"):
            return SourceKind.PDF
        _refuse_binary(content)
        text_head = stripped.decode("latin-1").lower()
    else:
        text_head = head.decode(encoding, errors="ignore").lstrip("\ufeff \t\r\n").lower()

    if text_head.startswith("<"):
        if any(marker in text_head for marker in _HTML_MARKERS):
            return SourceKind.HTML
        if text_head.startswith("<svg") or "<svg" in text_head[:300]:
            raise FetchError("unsupported content: SVG image")
        if text_head.startswith(("<rss", "<feed")) or (
            text_head.startswith("<?xml") and ("<rss" in text_head or "<feed" in text_head)
        ):
            raise FetchError("unsupported content: RSS/Atom feed (give the article URLs)")
    # The PDF header may follow some junk; readers accept it within the first 1024 bytes.
    if encoding is None and b"%PDF-" in head:
        return SourceKind.PDF

    lowered_name = (name or "").lower()
    mime = (declared_type or "").split(";", 1)[0].strip().lower()
    if lowered_name.endswith(_MARKDOWN_NAMES) or mime in ("text/markdown", "text/x-markdown"):
        return SourceKind.MARKDOWN
    if lowered_name.endswith(_HTML_NAMES):
        return SourceKind.HTML
    return SourceKind.TEXT


def _refuse_binary(content: bytes) -> None:
    for signature, offset, what in _SIGNATURES:
        if content[offset : offset + len(signature)] == signature:
            raise FetchError(f"unsupported content: {what}")
    if content[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        head = content[:4096]
        what = next((kind for marker, kind in _ZIP_KINDS if marker in head), "ZIP archive")
        raise FetchError(f"unsupported content: {what}")
    if content[:4] == b"RIFF" and content[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        riff = {b"WEBP": "WebP image", b"WAVE": "WAV audio", b"AVI ": "AVI video"}
        raise FetchError(f"unsupported content: {riff[content[8:12]]}")
    if content[:2] == b"MZ" and b"\x00" in content[:64]:
        raise FetchError("unsupported content: Windows executable")
    sample = content[:4096]
    if not sample:
        return
    nul = sample.count(0)
    control = sum(1 for byte in sample if byte < 0x20 and byte not in _TEXT_CONTROLS)
    # Text almost never holds NUL bytes; a few stray control bytes happen (bad copies).
    if nul / len(sample) > 0.01 or control / len(sample) > 0.10:
        raise FetchError("unsupported content: binary data (not text, HTML or PDF)")
