"""Fetch one web source over HTTP, safely, and decide what its bytes are.

A fetch fails with a :class:`FetchError` whose ``reason`` is a sentence a person can act
on; the ingest stage stores that sentence as the source's failure reason. Every way a
download can go wrong is bounded:

- connect and read timeouts come from the caller's :class:`~ingest.config.FetchConfig`;
- a total deadline (:func:`default_total_timeout`) stops a server that drips one byte
  at a time, which a per-read timeout never catches. httpx has no total timeout, so
  fetch enforces it at the socket level, status line and headers included;
- the body is streamed and reading stops as soon as it passes the size cap;
- redirects are followed by hand, so the cap holds whatever client is passed in, and
  every hop is checked to still be http or https;
- every connection (each redirect hop included) is refused when its host resolves to a
  private, loopback or link-local address, unless ``allow_private`` is set: a URL in a
  shared reading list must not reach into the user's own network.

What a source *is* comes from its magic bytes (``ingest.sniff``), never from the
declared Content-Type. The deadline and the address policy live in ``ingest.transport``.
"""

from __future__ import annotations

import socket
import ssl
import time
from dataclasses import dataclass
from http import HTTPStatus

import httpx

from ingest.config import FetchConfig
from ingest.errors import FetchError
from ingest.sniff import sniff_kind
from ingest.transport import DEADLINE, install_deadline_backend
from ingest.types import SourceKind

# A total deadline never shorter than this, so a large document on a slow but steady
# link still gets through; see default_total_timeout().
MIN_TOTAL_TIMEOUT = 60.0

ACCEPT = "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8,*/*;q=0.5"

_ALLOWED_SCHEMES = ("http", "https")


@dataclass(frozen=True)
class Fetched:
    """A downloaded document: its final URL, raw bytes and sniffed kind."""

    url: str
    content: bytes
    declared_type: str | None
    kind: SourceKind


def default_total_timeout(config: FetchConfig) -> float:
    """Seconds one fetch may take from first connect to last byte.

    Generous on purpose (130 s with the default 10 s connect and 30 s read timeouts): it
    exists to stop slow-drip servers, not to cut off a large PDF on a slow line.
    """
    return max(MIN_TOTAL_TIMEOUT, config.connect_timeout + 4 * config.read_timeout)


def _timeouts(config: FetchConfig) -> httpx.Timeout:
    return httpx.Timeout(
        connect=config.connect_timeout,
        read=config.read_timeout,
        write=config.read_timeout,
        pool=config.connect_timeout,
    )


def _headers(config: FetchConfig) -> dict[str, str]:
    return {"User-Agent": config.user_agent, "Accept": ACCEPT}


def make_client(config: FetchConfig) -> httpx.Client:
    """An HTTP client for :func:`fetch`; reuse one for many URLs to share connections.

    The caller closes it (``with make_client(config) as client: ...``).
    """
    client = httpx.Client(
        timeout=_timeouts(config),
        headers=_headers(config),
        # fetch() follows redirects itself, one checked hop at a time.
        follow_redirects=False,
        max_redirects=config.max_redirects,
    )
    install_deadline_backend(client, config.allow_private)
    return client


# ------------------------------------------------------------------------------ fetch
def fetch(
    url: str,
    config: FetchConfig,
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
    budget = default_total_timeout(config) if total_timeout is None else total_timeout
    deadline = time.monotonic() + budget
    token = DEADLINE.set(deadline)
    if client is not None:
        install_deadline_backend(client, config.allow_private)  # no-op for make_client's
    http = client if client is not None else make_client(config)
    try:
        return _download(http, url, config, deadline, budget)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        if isinstance(exc, httpx.TimeoutException) and time.monotonic() >= deadline:
            raise FetchError(_deadline_reason(budget)) from exc
        raise FetchError(_describe_http_error(exc, url, config)) from exc
    finally:
        DEADLINE.reset(token)
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
    config: FetchConfig,
    client: httpx.Client,
    *,
    max_bytes: int,
    total_timeout: float = LISTING_TIMEOUT,
    truncate: bool = False,
) -> RawResponse:
    """GET ``url`` following redirects (at most ``config.max_redirects``), reading at
    most ``max_bytes`` (``truncate``: keep the first ``max_bytes`` instead of failing).
    Raises :class:`FetchError` for transport failures, never for an HTTP status.

    The total deadline holds at the socket level, as in :func:`fetch`, for a client from
    :func:`make_client` (which also keeps its per-read timeouts and address policy), and
    between body chunks for any client.
    """
    deadline = time.monotonic() + total_timeout
    token = DEADLINE.set(deadline)
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
        raise FetchError(f"more than {config.max_redirects} redirects (a redirect loop?)") from exc
    except httpx.TimeoutException as exc:
        if time.monotonic() >= deadline:
            raise FetchError(f"took longer than {total_timeout:g} s in total") from exc
        raise FetchError(f"timed out ({type(exc).__name__})") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"request failed ({type(exc).__name__}: {exc})") from exc
    finally:
        DEADLINE.reset(token)


def _download(
    client: httpx.Client, url: str, config: FetchConfig, deadline: float, budget: float
) -> Fetched:
    # Set per request as well, so a caller's own client still uses our User-Agent and
    # timeouts; httpx carries both over to each redirect it builds.
    request = client.build_request("GET", url, headers=_headers(config), timeout=_timeouts(config))
    redirects = 0
    while True:
        response = client.send(request, stream=True, follow_redirects=False)
        try:
            if response.next_request is not None:
                if redirects >= config.max_redirects:
                    raise FetchError(
                        f"more than {config.max_redirects} redirects (a redirect loop?); "
                        f"the last one pointed to {response.next_request.url}"
                    )
                redirects += 1
                request = response.next_request
                _check_url(str(request.url), what="redirected to ")
                _drain(response)
                continue
            final_url = str(response.url)
            _check_status(response, final_url)
            content = _read_capped(response, config.max_download_bytes, deadline, budget)
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


def _describe_http_error(exc: Exception, url: str, config: FetchConfig) -> str:
    try:
        parsed = httpx.URL(url)
        host = parsed.host + (f":{parsed.port}" if parsed.port else "")
    except httpx.InvalidURL:
        host = url
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return f"not a valid URL ({exc})"
    if isinstance(exc, httpx.ConnectTimeout):
        return f"could not connect to {host} within {config.connect_timeout:g} s (connect timeout)"
    if isinstance(exc, httpx.ReadTimeout):
        return f"no data for {config.read_timeout:g} s (read timeout)"
    if isinstance(exc, httpx.WriteTimeout):
        return f"could not send the request to {host} within {config.read_timeout:g} s"
    if isinstance(exc, httpx.PoolTimeout):
        return "no free connection in the client's pool (pool timeout)"
    if isinstance(exc, httpx.ConnectError):
        return _describe_connect_error(exc, host)
    if isinstance(exc, httpx.DecodingError):
        return f"{host} sent a body that could not be decompressed ({exc})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{host} closed the connection or sent invalid HTTP ({exc})"
    if isinstance(exc, httpx.TooManyRedirects):
        return f"more than {config.max_redirects} redirects (a redirect loop?)"
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
