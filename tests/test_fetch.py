"""Fetching over real loopback HTTP, and kind sniffing from magic bytes."""

from __future__ import annotations

import socket
import time

import httpx
import pytest
from loopback import HELLO_HTML, PNG_BYTES, LoopbackServer, make_pdf

from agora.settings import Settings
from ingest.config import FetchConfig
from ingest.fetch import (
    FetchError,
    default_total_timeout,
    fetch,
    make_client,
    sniff_kind,
)
from ingest.types import SourceKind

# Short limits keep every failure test well under a few seconds.
DEADLINE = 1.5


@pytest.fixture
def settings() -> FetchConfig:
    return Settings(
        max_download_bytes=64 * 1024, connect_timeout=2.0, read_timeout=2.0, max_redirects=5
    ).fetch_config()


def fetch_error(url: str, settings: FetchConfig, **kwargs: object) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetch(url, settings, total_timeout=DEADLINE, **kwargs)  # type: ignore[arg-type]
    return caught.value


# ------------------------------------------------------------------------- successes
def test_fetches_html_with_final_url_kind_and_user_agent(
    loopback: LoopbackServer, settings: FetchConfig
) -> None:
    fetched = fetch(loopback.url("/hello"), settings)

    assert fetched.url == loopback.url("/hello")
    assert fetched.content == HELLO_HTML
    assert fetched.kind is SourceKind.HTML
    assert fetched.declared_type == "text/html; charset=utf-8"
    assert loopback.requests[-1].headers["user-agent"] == settings.user_agent


def test_fetches_pdf(loopback: LoopbackServer, settings: FetchConfig) -> None:
    pdf = make_pdf(["A short report on heat pumps."])
    url = loopback.add("/report", pdf, content_type="application/pdf")

    fetched = fetch(url, settings)

    assert fetched.kind is SourceKind.PDF
    assert fetched.content == pdf


def test_pdf_declared_as_html_is_detected_as_pdf(
    loopback: LoopbackServer, settings: FetchConfig
) -> None:
    fetched = fetch(loopback.url("/wrong-type"), settings)

    assert fetched.declared_type == "text/html"
    assert fetched.kind is SourceKind.PDF


def test_follows_redirects_and_reports_the_final_url(
    loopback: LoopbackServer, settings: FetchConfig
) -> None:
    fetched = fetch(loopback.url("/redirect/3"), settings)

    assert fetched.url == loopback.url("/hello")
    assert [r.path for r in loopback.requests] == [
        "/redirect/3",
        "/redirect/2",
        "/redirect/1",
        "/hello",
    ]


def test_markdown_url_is_sniffed_as_markdown(
    loopback: LoopbackServer, settings: FetchConfig
) -> None:
    url = loopback.add("/notes/readme.md", b"# Notes\n\nPlain words.", content_type="text/plain")

    assert fetch(url, settings).kind is SourceKind.MARKDOWN


def test_one_client_reuses_its_connection(loopback: LoopbackServer, settings: FetchConfig) -> None:
    with make_client(settings) as client:
        first = fetch(loopback.url("/hello"), settings, client)
        second = fetch(loopback.url("/redirect/1"), settings, client)

    assert first.content == second.content == HELLO_HTML
    assert loopback.connections == 1


# -------------------------------------------------------------------------- failures
def test_connection_refused(settings: FetchConfig) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now

    error = fetch_error(f"http://127.0.0.1:{port}/page", settings)

    assert error.reason == f"could not connect to 127.0.0.1:{port} (connection refused)"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/404", "HTTP 404 Not Found from {url}"),
        ("/500", "HTTP 500 Internal Server Error from {url} (a server error; try again later)"),
    ],
)
def test_http_error_statuses(
    loopback: LoopbackServer, settings: FetchConfig, path: str, expected: str
) -> None:
    url = loopback.url(path)

    assert fetch_error(url, settings).reason == expected.format(url=url)


def test_redirect_loop_stops_at_the_cap(loopback: LoopbackServer, settings: FetchConfig) -> None:
    error = fetch_error(loopback.url("/redirect-loop"), settings)

    assert error.reason.startswith("more than 5 redirects")
    assert len(loopback.requests) == 6  # the first request and five redirects


def test_redirect_cap_comes_from_settings(loopback: LoopbackServer) -> None:
    strict = Settings(max_redirects=1).fetch_config()

    assert fetch(loopback.url("/redirect/1"), strict).url == loopback.url("/hello")
    assert fetch_error(loopback.url("/redirect/2"), strict).reason.startswith(
        "more than 1 redirects"
    )


def test_redirect_to_another_scheme_is_refused(
    loopback: LoopbackServer, settings: FetchConfig
) -> None:
    error = fetch_error(loopback.url("/to-ftp"), settings)

    assert error.reason == "redirected to unsupported URL scheme 'ftp' (only http and https)"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ftp://example.org/file.txt", "unsupported URL scheme 'ftp' (only http and https)"),
        (
            "file:///etc/passwd",
            "unsupported URL scheme 'file' (only http and https; give local files as paths)",
        ),
        ("example.org/page", "not a web address (it must start with http:// or https://)"),
        ("http:///nohost", "not a valid URL (no host name)"),
    ],
)
def test_only_http_and_https_urls(settings: FetchConfig, url: str, expected: str) -> None:
    assert fetch_error(url, settings).reason == expected


def test_streamed_body_over_the_cap_stops_early(
    loopback: LoopbackServer, settings: FetchConfig
) -> None:
    started = time.monotonic()
    error = fetch_error(loopback.url("/huge"), settings)

    assert error.reason == ("larger than the 64 KB download limit (raise AGORA_MAX_DOWNLOAD_BYTES)")
    assert time.monotonic() - started < 2
    # The server streams 200 MB; the client hung up after little more than the cap
    # (what the kernel buffered aside).
    assert loopback.bytes_sent["/huge"] < 20 * 1024 * 1024


def test_declared_content_length_over_the_cap_fails_before_reading(
    loopback: LoopbackServer, settings: FetchConfig
) -> None:
    started = time.monotonic()
    error = fetch_error(loopback.url("/huge-declared"), settings)

    assert error.reason == (
        "100 MB, larger than the 64 KB download limit (raise AGORA_MAX_DOWNLOAD_BYTES)"
    )
    # The body drips one byte per 0.5 s: reading any of it would take longer.
    assert time.monotonic() - started < 0.5


def test_slow_drip_body_hits_the_total_deadline(
    loopback: LoopbackServer, settings: FetchConfig
) -> None:
    started = time.monotonic()
    error = fetch_error(loopback.url("/slow-drip"), settings)
    elapsed = time.monotonic() - started

    assert error.reason == "took longer than 1.5 s in total (the server sends too slowly)"
    assert DEADLINE - 0.1 < elapsed < DEADLINE + 1


def test_slow_drip_status_line_hits_the_total_deadline(
    loopback: LoopbackServer, settings: FetchConfig
) -> None:
    # Each byte arrives well within the read timeout; only a socket-level deadline
    # stops this before the headers are complete (about 11 s at this pace).
    started = time.monotonic()
    error = fetch_error(loopback.url("/slow-headers"), settings)

    assert error.reason.startswith("took longer than 1.5 s in total")
    assert time.monotonic() - started < DEADLINE + 1


def test_deadline_also_applies_to_a_callers_own_client(
    loopback: LoopbackServer, settings: FetchConfig
) -> None:
    started = time.monotonic()
    with httpx.Client(timeout=5.0) as client:
        error = fetch_error(loopback.url("/slow-headers"), settings, client=client)

    assert error.reason.startswith("took longer than 1.5 s in total")
    assert time.monotonic() - started < DEADLINE + 1


def test_silent_server_hits_the_read_timeout(loopback: LoopbackServer) -> None:
    impatient = Settings(read_timeout=0.5).fetch_config()

    error = fetch_error(loopback.url("/stall"), impatient)

    assert error.reason == "no data for 0.5 s (read timeout)"


def test_settings_timeouts_override_a_callers_client(loopback: LoopbackServer) -> None:
    impatient = Settings(read_timeout=0.5).fetch_config()

    with httpx.Client(timeout=30.0) as client:
        error = fetch_error(loopback.url("/stall"), impatient, client=client)

    assert error.reason == "no data for 0.5 s (read timeout)"


def test_binary_content_is_refused(loopback: LoopbackServer, settings: FetchConfig) -> None:
    assert fetch_error(loopback.url("/png"), settings).reason == "unsupported content: PNG image"


def test_empty_body_is_refused(loopback: LoopbackServer, settings: FetchConfig) -> None:
    assert fetch_error(loopback.url("/empty"), settings).reason == "empty response body"


def test_default_total_timeout_scales_with_read_timeout() -> None:
    assert default_total_timeout(Settings().fetch_config()) == 130.0  # 10 s connect + 4 x 30 s read
    assert default_total_timeout(Settings(read_timeout=1, connect_timeout=1).fetch_config()) == 60.0


# ----------------------------------------------------------------------------- sniff
@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.7\n...",
        b"\xef\xbb\xbf  \n%PDF-1.4\n",
        b"garbage from a buggy generator\r\n%PDF-1.5\n",
    ],
)
def test_sniffs_pdf_even_after_a_bom_whitespace_or_junk(content: bytes) -> None:
    assert sniff_kind(content, "text/html") is SourceKind.PDF


@pytest.mark.parametrize(
    "content",
    [
        b"<!DOCTYPE html><html><body>x</body></html>",
        b"\xef\xbb\xbf\n  <!doctype HTML>\n<HTML>",
        b"<!-- generated -->\n<html lang='en'><head></head>",
        b"<head><title>no html tag</title></head>",
        "\ufeff<html><body>wide</body></html>".encode("utf-16-le"),
    ],
)
def test_sniffs_html_from_markers_whatever_the_declared_type(content: bytes) -> None:
    assert sniff_kind(content, "text/plain", "notes.txt") is SourceKind.HTML


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (PNG_BYTES, "PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG image"),
        (b"GIF89a\x01\x00", "GIF image"),
        (b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml word/document.xml", "Word document"),
        (b"PK\x03\x04\x14\x00\x00\x00plain.txt", "ZIP archive"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "gzip archive"),
        (b"\x7fELF\x02\x01\x01\x00", "ELF executable"),
        (b"<?xml version='1.0'?><rss version='2.0'><channel>", "RSS/Atom feed"),
        (bytes(range(256)) * 4, "binary data"),
    ],
)
def test_refuses_binary_content_and_names_it(content: bytes, what: str) -> None:
    with pytest.raises(FetchError) as caught:
        sniff_kind(content, "text/html")

    assert caught.value.reason.startswith(f"unsupported content: {what}")


def test_text_kinds_follow_name_and_declared_type() -> None:
    words = b"Plain words, no markup at all.\n"

    assert sniff_kind(words, None, "notes.md") is SourceKind.MARKDOWN
    assert sniff_kind(words, None, "NOTES.MARKDOWN") is SourceKind.MARKDOWN
    assert sniff_kind(words, "text/markdown; charset=utf-8") is SourceKind.MARKDOWN
    assert sniff_kind(words, None, "page.htm") is SourceKind.HTML
    assert sniff_kind(words, "text/html") is SourceKind.TEXT  # bytes beat the header
    assert sniff_kind("Café crème, déjà vu.".encode("cp1252")) is SourceKind.TEXT
