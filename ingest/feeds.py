"""URLs from the lists sites publish about themselves: XML sitemaps (and sitemap indexes,
gzipped or not) and RSS / Atom / JSON feeds.

The lists are fetched with our own client and limits, then parsed here with lxml.
trafilatura's ``sitemaps`` and ``feeds`` helpers do not fit: they download with their own
urllib3 pool (none of our timeouts, size cap or address policy), and their link filters
(courlan's ``check_url``) drop every URL whose host is an IP address or has no public
suffix, which rules out intranet sites and the loopback sites the tests run.

They are downloaded with :func:`ingest.fetch.fetch_raw`, which keeps the status code and
does not refuse XML feeds or gzip, as ``fetch`` rightly does for documents.
"""

from __future__ import annotations

import json
import zlib
from collections import deque
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx
from lxml import etree
from lxml import html as lxml_html

from ingest.config import FetchConfig
from ingest.fetch import LISTING_TIMEOUT, FetchError, fetch_raw, human_size, make_client
from ingest.requests import SourceRequest

MAX_SITEMAPS = 50  # sitemap files read for one --sitemap, indexes included

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")


class ListingError(Exception):
    """A sitemap or feed could not be read at all; ``reason`` says why, for a person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ------------------------------------------------------------------------------ parse
def _gunzip(content: bytes, cap: int) -> bytes:
    """Decompress a .gz sitemap, stopping at ``cap`` bytes (a gzip bomb stays small)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(content, cap + 1)
    except zlib.error as exc:
        raise ListingError(f"a broken gzip file ({exc})") from exc
    if len(data) > cap:
        raise ListingError(f"larger than the {human_size(cap)} limit once decompressed")
    return data


# No entities, no DTDs from the network, no huge trees: listings come from strangers.
_XML_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, recover=True, remove_comments=True
)


def _local(tag: object) -> str:
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in element if _local(child.tag) == name]


def _text(element: etree._Element | None) -> str | None:
    text = (element.text or "").strip() if element is not None else ""
    return text or None


def _http_url(base: str, candidate: str | None) -> str | None:
    if not candidate:
        return None
    url = urljoin(base, candidate.strip())
    return url if urlsplit(url).scheme in ("http", "https") else None


def _iso_date(value: str | None) -> str | None:
    """RSS dates are RFC 822 ("Tue, 01 Oct 2025 10:00:00 GMT"), Atom's are ISO 8601."""
    if not value:
        return None
    if value[:4].isdigit():
        return value[:10]
    try:
        return parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError):
        return None


@dataclass
class Listing:
    """What one sitemap or feed file holds."""

    pages: list[SourceRequest] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)  # nested sitemaps (from an index)
    feeds: list[str] = field(default_factory=list)  # feeds an HTML page points to


def parse_listing(content: bytes, url: str) -> Listing:
    """Parse a sitemap, sitemap index, RSS 2.0 / RSS 1.0 / Atom / JSON feed, a plain-text
    sitemap, or an HTML page that links to its feeds. Raises :class:`ListingError` for
    anything else."""
    head = content.lstrip()[:1].decode("latin-1")
    if head in ("{", "["):
        return _parse_json_feed(content, url)
    if head != "<":
        # The plain-text sitemap format: one URL per line and nothing else (so a robots.txt
        # or a page of prose is refused rather than mined for URLs).
        lines = [line.strip() for line in content.decode("utf-8", "replace").splitlines()]
        urls = [line for line in lines if line]
        if urls and all(u.startswith(("http://", "https://")) and " " not in u for u in urls):
            return Listing(pages=[SourceRequest(location=u) for u in urls])
        raise ListingError("neither XML, a feed nor a list of URLs")
    try:
        root = etree.fromstring(content, _XML_PARSER)
    except etree.XMLSyntaxError:
        root = None
    kind = _local(root.tag) if root is not None else ""
    if kind in ("html", "") or root is None:
        return _parse_html_page(content, url)
    if kind == "sitemapindex":
        locs = (_text(e) for s in _children(root, "sitemap") for e in _children(s, "loc"))
        return Listing(sitemaps=[u for loc in locs if (u := _http_url(url, loc))])
    if kind == "urlset":
        locs = (_text(e) for item in _children(root, "url") for e in _children(item, "loc"))
        return Listing(
            pages=[SourceRequest(location=u) for loc in locs if (u := _http_url(url, loc))]
        )
    if kind in ("rss", "rdf", "feed"):
        return Listing(pages=_feed_entries(root, url))
    raise ListingError(f"an XML file but not a sitemap or a feed (root element <{kind}>)")


# Publication first; Atom's <updated> only when nothing says when it was published.
_DATE_FIELDS = ("pubdate", "published", "date", "updated")


def _feed_entries(root: etree._Element, url: str) -> list[SourceRequest]:
    entries = [e for e in root.iter() if _local(e.tag) in ("item", "entry")]
    requests = []
    for entry in entries:
        fields = {_local(child.tag): child for child in entry}
        link = None
        for candidate in _children(entry, "link"):
            href = candidate.get("href")
            if href is None:  # RSS: <link>URL</link>
                link = _http_url(url, _text(candidate))
            elif candidate.get("rel", "alternate") == "alternate":  # Atom's rel defaults so
                link = _http_url(url, href)
            if link:
                break
        guid = fields.get("guid")
        if link is None and guid is not None and guid.get("isPermaLink", "true") == "true":
            link = _http_url(url, _text(guid))
        if link is None:
            continue
        dates = (_iso_date(_text(fields.get(name))) for name in _DATE_FIELDS)
        date = next((d for d in dates if d), None)
        author = fields.get("author")
        author_name = _text(author) or (
            _text(next(iter(_children(author, "name")), None)) if author is not None else None
        )
        requests.append(
            SourceRequest(
                location=link,
                title=_text(fields.get("title")),
                author=author_name,
                date=date,
            )
        )
    return requests


def _parse_json_feed(content: bytes, url: str) -> Listing:
    # SEE: https://www.jsonfeed.org/version/1.1/
    try:
        data = json.loads(content)
    except (ValueError, RecursionError) as exc:
        raise ListingError(f"not valid JSON ({exc})") from exc
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ListingError("JSON without a feed's 'items' list")
    pages = []
    for item in items:
        if isinstance(item, dict) and (link := _http_url(url, item.get("url") or item.get("id"))):
            title = item.get("title") if isinstance(item.get("title"), str) else None
            date = _iso_date(str(item.get("date_published") or "")) or None
            pages.append(SourceRequest(location=link, title=title or None, date=date))
    return Listing(pages=pages)


def _parse_html_page(content: bytes, url: str) -> Listing:
    try:
        tree = lxml_html.document_fromstring(content)
    except (etree.ParserError, ValueError) as exc:
        raise ListingError(f"unreadable markup ({exc})") from exc
    feeds = [
        link
        for element in tree.iterfind(".//link[@href]")
        if "alternate" in (element.get("rel") or "").lower().split()
        and (element.get("type") or "").split(";")[0].strip().lower() in FEED_TYPES
        and (link := _http_url(url, element.get("href")))
    ]
    if not feeds:
        raise ListingError("a web page, not a sitemap or a feed (and it links to no feed)")
    return Listing(feeds=feeds)


# ------------------------------------------------------------------------------ read
def read_listings(
    urls: list[str],
    config: FetchConfig,
    *,
    limit: int = 200,
    client: httpx.Client | None = None,
    total_timeout: float = LISTING_TIMEOUT,
    max_files: int = MAX_SITEMAPS,
) -> tuple[list[SourceRequest], list[str]]:
    """Pages listed by the sitemaps / feeds at ``urls``, nested sitemaps and feeds that a
    page links to followed breadth-first, at most ``limit`` pages and ``max_files`` files.

    Returns the requests (duplicates dropped, order kept) and one problem sentence per
    nested file that could not be read. Raises :class:`ListingError` when one of
    ``urls`` itself cannot be read: the user named it, so that is an error, not a note.
    """
    http = client if client is not None else make_client(config)
    pages: dict[str, SourceRequest] = {}
    problems: list[str] = []
    todo: deque[tuple[str, bool]] = deque((url, True) for url in urls)
    seen: set[str] = set()
    try:
        while todo and len(pages) < limit and len(seen) < max_files:
            url, named = todo.popleft()
            if url in seen:
                continue
            seen.add(url)
            try:
                listing = _read_one(url, config, http, total_timeout)
            except ListingError as exc:
                if named:
                    raise ListingError(f"{url}: {exc.reason}") from exc
                problems.append(f"{url}: {exc.reason}")
                continue
            for request in listing.pages:
                pages.setdefault(request.location, request)
            todo.extend((nested, False) for nested in [*listing.sitemaps, *listing.feeds])
    finally:
        if client is None:
            http.close()
    return list(pages.values())[:limit], problems


def _read_one(url: str, config: FetchConfig, client: httpx.Client, timeout: float) -> Listing:
    try:
        response = fetch_raw(
            url, config, client, max_bytes=config.max_download_bytes, total_timeout=timeout
        )
    except FetchError as exc:
        raise ListingError(exc.reason) from exc
    if response.status >= 400:
        raise ListingError(f"HTTP {response.status}")
    content = response.content
    if content[:2] == b"\x1f\x8b":  # sitemap.xml.gz served as a file, not Content-Encoding
        content = _gunzip(content, config.max_download_bytes)
    if not content.strip():
        raise ListingError("empty response body")
    return parse_listing(content, response.url)
