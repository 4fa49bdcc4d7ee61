"""Where a source lives: an http(s) URL or a local path, and the id derived from it.

A location that names another scheme (``ftp://...``) or a URL without a host
(``http://``) is refused before anything is fetched or stored: read as a path it would
become a made-up file that is then "not found".
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit, urlunsplit

from ingest.errors import LibraryError

WEB_SCHEMES = ("http", "https")
# `scheme://...`, or `http:`/`https:` with the slashes mistyped. Anything else with a
# colon (`notes:2024.md`, `C:\docs`) is a path.
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(//)?")


def is_url(location: str) -> bool:
    return location.lower().startswith(("http://", "https://"))


def url_scheme(location: str) -> str | None:
    """The scheme a location is written with, lower-cased, or None for a path."""
    match = _SCHEME.match(location.strip())
    if match is None:
        return None
    scheme = match.group(1).lower()
    return scheme if match.group(2) or scheme in WEB_SCHEMES else None


def check_location(location: str) -> None:
    """Raise :class:`LibraryError` for a location that is neither a usable http(s) URL
    nor a path."""
    scheme = url_scheme(location)
    if scheme is None:
        return
    if scheme not in WEB_SCHEMES:
        raise LibraryError(
            f"{location}: unsupported scheme '{scheme}' (http, https and local paths are supported)"
        )
    if not is_url(location.strip()):
        raise LibraryError(f"{location} is not a valid URL (write {scheme}://HOST/...)")
    parts = urlsplit(location.strip())
    try:
        parts.port  # noqa: B018 -- parsing the port raises for a malformed one
    except ValueError as exc:
        raise LibraryError(f"{location} is not a valid URL ({exc})") from None
    if not parts.hostname:
        raise LibraryError(f"{location} is not a valid URL (no host name)")


def normalise_url(url: str) -> str:
    """Lower-case scheme and host, drop the fragment and default ports."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    default_port = {"http": 80, "https": 443}.get(parts.scheme.lower())
    netloc = host if parts.port in (None, default_port) else f"{host}:{parts.port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def source_id_for(location: str) -> str:
    """The design's stable id: a hash of the normalised URL or absolute path."""
    key = f"url:{normalise_url(location)}" if is_url(location) else f"file:{location}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]
