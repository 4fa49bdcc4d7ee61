"""Breadth-first crawling from seed URLs into a library.

A crawl is bounded by pages fetched, link depth, domain and include/exclude patterns;
it honours robots.txt (Crawl-delay included) and spaces requests per host. Each page is
fetched once: its links are read from the bytes, and the same bytes go into
``Library.add`` (see :func:`_add_fetched`), so every page gets the usual status, reason
and number. A crawl adds nothing else to the library: pages robots.txt forbids, pages
whose canonical URL was already crawled, and pages below the relevance threshold are
listed in the :class:`CrawlReport` only.

Duplicates are caught twice: by URL (tracking parameters stripped, query sorted,
``<link rel="canonical">`` honoured on the same host) before anything is added, and by
content hash inside the library (identical text becomes "skipped").

Pages are fetched one at a time: politeness serialises the requests to one host anyway,
and a crawl mostly stays on a few hosts.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urljoin, urlsplit

import courlan
import httpx
import numpy as np
from lxml import etree
from lxml import html as lxml_html
from pydantic import BaseModel, ConfigDict, Field

from ingest.decoding import decode_text
from ingest.errors import FetchError
from ingest.extract import ExtractionError, extract
from ingest.fetch import Fetched, fetch, make_client
from ingest.library import Library
from ingest.locations import is_url, normalise_url
from ingest.progress import Progress, SilentProgress
from ingest.requests import SourceRequest
from ingest.results import IngestResult, IngestSummary
from ingest.robots import Politeness, RobotsCache
from ingest.types import SourceKind

BATCH_SIZE = 8  # pages per Library.add: small enough that progress moves, big enough to batch
RELEVANCE_WINDOW = 1000  # characters per embedded window of a page (MiniLM reads ~256 tokens)
RELEVANCE_WINDOWS = 3


class CrawlOptions(BaseModel):
    """The bounds and filters of one crawl."""

    model_config = ConfigDict(extra="forbid")

    max_pages: int = Field(50, ge=1, description="Pages fetched at most (seeds included).")
    max_depth: int = Field(3, ge=0, description="Links followed from a seed; 0: seeds only.")
    same_domain: bool = Field(
        True, description="Follow links only to the seeds' hosts (www. ignored)."
    )
    include: str | None = Field(None, description="Regex a followed link's URL must match.")
    exclude: str | None = Field(None, description="Regex a followed link's URL must not match.")
    topic: str | None = Field(None, description="Keep only pages close to this statement.")
    min_similarity: float = Field(
        0.25, ge=-1, le=1, description="Cosine similarity to the topic a kept page needs."
    )
    delay: float = Field(1.0, ge=0, description="Seconds between requests to one host.")
    respect_robots: bool = Field(True, description="Honour robots.txt and its Crawl-delay.")
    total_timeout: float | None = Field(
        None, gt=0, description="Seconds one page fetch may take in all (default: fetch's)."
    )
    batch_size: int = Field(BATCH_SIZE, ge=1, description="Pages handed to the library at once.")


class PageStatus(StrEnum):
    """What happened to one crawled URL: the library's outcomes, and three of the crawl's."""

    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"
    FAILED = "failed"
    DISALLOWED = "disallowed"  # robots.txt forbids it; never fetched
    DUPLICATE = "duplicate"  # its canonical URL was already crawled
    OFF_TOPIC = "off_topic"  # below the relevance threshold; not added


class CrawlPage(BaseModel):
    """One URL the crawl reached."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="The URL as queued (tracking parameters stripped).")
    depth: int = Field(description="Links from the nearest seed; seeds are 0.")
    status: PageStatus
    reason: str | None = Field(None, description="Why it was not added, for a person.")
    similarity: float | None = Field(None, description="Similarity to the topic, if asked.")
    number: int | None = Field(None, description="Its library number, once in the library.")


class CrawlReport(BaseModel):
    """Everything one crawl did."""

    model_config = ConfigDict(extra="forbid")

    pages: list[CrawlPage] = Field(default_factory=list)
    summary: IngestSummary = Field(default_factory=IngestSummary)

    def count(self, status: PageStatus) -> int:
        return sum(1 for page in self.pages if page.status == status)

    @property
    def anything_usable(self) -> bool:
        return self.summary.anything_usable


def canonical_url(url: str, base: str | None = None) -> str | None:
    """The key a URL is deduplicated by: absolute, http(s) only, tracking parameters
    (utm_*, fbclid, gclid, session ids...) dropped, query sorted, host lower-cased,
    fragment and default port dropped. None for anything that is not a web page link."""
    absolute = urljoin(base, url.strip()) if base else url.strip()
    if not is_url(absolute) or not urlsplit(absolute).hostname:
        return None
    try:
        # SEE: https://github.com/adbar/courlan (clean_url: scrub + normalise; keeps hosts
        # that check_url would reject, such as IP addresses)
        cleaned = courlan.clean_url(absolute) or absolute
    except ValueError:
        return None
    return normalise_url(cleaned)


def same_site_host(url: str) -> str:
    """A host for the same-domain check: ``www.`` does not make a different site."""
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


@dataclass
class _Page:
    """A fetched page waiting for the library (or a fetch that failed)."""

    location: str
    depth: int
    fetched: Fetched | None = None
    error: str | None = None
    similarity: float | None = None


def read_links(fetched: Fetched) -> tuple[list[str], str | None]:
    """The http(s) links of an HTML page (absolute, in page order) and its canonical URL."""
    if fetched.kind != SourceKind.HTML:
        return [], None
    text = decode_text(fetched.content, fetched.declared_type, is_html=True)
    try:
        tree = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return [], None
    base = fetched.url
    for element in tree.iterfind(".//base[@href]"):
        base = urljoin(fetched.url, element.get("href", ""))
        break
    canonical = None
    for element in tree.iterfind(".//link[@href]"):
        if "canonical" in (element.get("rel") or "").lower().split():
            canonical = urljoin(base, element.get("href", ""))
            break
    links = []
    for element in tree.iterfind(".//a[@href]"):
        if "nofollow" in (element.get("rel") or "").lower().split():
            continue  # the site asks crawlers not to follow this one
        links.append(urljoin(base, element.get("href", "")))
    return links, canonical


class _Crawler:
    """One crawl's state: the breadth-first queue, what was seen, and pages waiting for
    the library."""

    def __init__(
        self,
        library: Library,
        options: CrawlOptions,
        progress: Progress,
        politeness: Politeness,
    ) -> None:
        self.library = library
        self.config = library.config
        self.options = options
        self.progress = progress
        self.politeness = politeness
        self.include = re.compile(options.include) if options.include else None
        self.exclude = re.compile(options.exclude) if options.exclude else None
        self.report = CrawlReport()
        self.queue: deque[tuple[str, int]] = deque()
        self.seen: set[str] = set()  # every key queued, fetched or refused
        self.crawled: set[str] = set()  # keys of pages fetched (final and canonical URLs)
        self.hosts: set[str] = set()
        self.fetches = 0
        self.pending: list[_Page] = []
        self.topic_vector: np.ndarray | None = None
        self.robots: RobotsCache | None = None

    def run(self, seeds: Sequence[str]) -> CrawlReport:
        for phase in ("queued", "fetched", "added", "failed"):
            self.progress.start(phase, 0)
        if self.options.topic:
            self.topic_vector = self.library.embedder.embed([self.options.topic])[0]
        keys = [key for seed in seeds if (key := canonical_url(seed))]
        self.hosts = {same_site_host(key) for key in keys}
        with make_client(self.config.fetch) as http:
            if self.options.respect_robots:
                self.robots = RobotsCache(
                    self.config.fetch, http, before_fetch=self.politeness.wait
                )
            for key in keys:
                self._enqueue(key, 0, seed=True)
            while self.queue:
                url, depth = self.queue.popleft()
                self._visit(url, depth, http)
                if len(self.pending) >= self.options.batch_size:
                    self._flush()
            self._flush()
        return self.report

    # -- the frontier -------------------------------------------------------------------

    def _enqueue(self, key: str, depth: int, *, seed: bool = False) -> None:
        if key in self.seen or self.fetches + len(self.queue) >= self.options.max_pages:
            return
        if not seed:
            if self.options.same_domain and same_site_host(key) not in self.hosts:
                return
            if self.include is not None and not self.include.search(key):
                return
            if self.exclude is not None and self.exclude.search(key):
                return
        self.seen.add(key)
        # Checked here, not at fetch time, so a forbidden URL never holds a place in the
        # queue that max_pages would count.
        if self.robots is not None and not self.robots.allows(key):
            why = self.robots.rules(key).note or "robots.txt forbids it"
            self._record(CrawlPage(url=key, depth=depth, status=PageStatus.DISALLOWED, reason=why))
            return
        self.queue.append((key, depth))
        self.progress.grow("queued", 1)
        self.progress.advance("queued")
        self.progress.grow("fetched", 1)

    def _visit(self, url: str, depth: int, http: httpx.Client) -> None:
        delay = self.robots.crawl_delay(url) if self.robots is not None else None
        self.politeness.wait(url, delay)
        self.fetches += 1
        try:
            fetched = fetch(
                url, self.config.fetch, client=http, total_timeout=self.options.total_timeout
            )
        except FetchError as exc:
            self.crawled.add(url)
            self.pending.append(_Page(url, depth, error=exc.reason))
            return
        finally:
            self.progress.advance("fetched")
        links, canonical = read_links(fetched)
        final = canonical_url(fetched.url) or url
        location = final
        if canonical and (key := canonical_url(canonical)) and origin_of(key) == origin_of(final):
            location = key  # a canonical on another host could hide a real page: ignored
        if depth == 0:
            self.hosts.add(same_site_host(final))  # a seed that redirects to www. or https
        duplicate_of = next((k for k in (location, final) if k in self.crawled), None)
        self.crawled.update({url, final, location})
        self.seen.update({final, location})
        if duplicate_of is not None:
            reason = f"same page as {duplicate_of} (by canonical URL or redirect)"
            self._record(
                CrawlPage(url=url, depth=depth, status=PageStatus.DUPLICATE, reason=reason)
            )
            return
        if depth < self.options.max_depth:
            for link in links:
                if (key := canonical_url(link)) is not None:
                    self._enqueue(key, depth + 1)
        page = _Page(location, depth, fetched=fetched)
        # Off-topic pages are not added, but their links were followed above: hub and
        # navigation pages are exactly the ones that lead to the relevant articles.
        if self.topic_vector is not None and not self._relevant(page):
            return
        self.pending.append(page)

    # -- relevance ----------------------------------------------------------------------

    def _relevant(self, page: _Page) -> bool:
        assert page.fetched is not None and self.topic_vector is not None
        fetched = page.fetched
        try:
            document = extract(
                fetched.content,
                fetched.kind,
                url=fetched.url,
                declared_type=fetched.declared_type,
                min_text_chars=self.config.min_text_chars,
            )
        except ExtractionError:
            return True  # the library will fail it with the extractor's reason
        # The library extracts the page again when it is added: milliseconds, next to the
        # fetch and the politeness delay, and it keeps Library.add the only ingest path.
        page.similarity = similarity(
            self.library.embedder.embed, self.topic_vector, document.title, document.text
        )
        if page.similarity >= self.options.min_similarity:
            return True
        threshold = self.options.min_similarity
        reason = f"similarity {page.similarity:.2f} to the topic is below {threshold:g}"
        self._record(
            CrawlPage(
                url=page.location,
                depth=page.depth,
                status=PageStatus.OFF_TOPIC,
                reason=reason,
                similarity=page.similarity,
            )
        )
        return False

    # -- into the library ---------------------------------------------------------------

    def _flush(self) -> None:
        if not self.pending:
            return
        pages, self.pending = self.pending, []
        summary = _add_fetched(self.library, pages)
        self.report.summary.results += summary.results
        self.report.summary.chunks_embedded += summary.chunks_embedded
        self.report.summary.characters_embedded += summary.characters_embedded
        outcomes = {normalise_url(r.source.location): r for r in summary.results}
        for page in pages:
            result: IngestResult | None = outcomes.get(normalise_url(page.location))
            status = PageStatus(result.outcome.value) if result else PageStatus.FAILED
            self._record(
                CrawlPage(
                    url=page.location,
                    depth=page.depth,
                    status=status,
                    reason=result.reason if result else "not stored by the library",
                    similarity=page.similarity,
                    number=result.source.number if result else None,
                )
            )

    def _record(self, page: CrawlPage) -> None:
        self.report.pages.append(page)
        ok = page.status in (PageStatus.ADDED, PageStatus.UPDATED, PageStatus.UNCHANGED)
        if page.status in (PageStatus.FAILED, PageStatus.SKIPPED) or ok:
            phase = "added" if ok else "failed"
            self.progress.grow(phase, 1)
            self.progress.advance(phase)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def similarity(embed: Any, topic: np.ndarray, title: str | None, text: str) -> float:
    """Cosine similarity of a page to the topic: the best of its first few windows, so a
    long page whose subject appears after the introduction still scores."""
    windows = [
        f"{title}\n{window}" if title else window
        for start in range(0, max(len(text), 1), RELEVANCE_WINDOW)
        if (window := text[start : start + RELEVANCE_WINDOW]) or title
    ][:RELEVANCE_WINDOWS]
    vectors = embed(windows)
    return float(np.max(vectors @ topic)) if len(vectors) else 0.0


def _add_fetched(library: Library, pages: list[_Page]) -> IngestSummary:
    """Hand crawled pages to the library's normal ingest path, with the bytes already
    downloaded for link discovery, so no page is fetched twice."""
    served = {normalise_url(page.location): page for page in pages}
    prefetched: dict[str, Fetched | FetchError] = {
        url: page.fetched if page.fetched is not None else FetchError(page.error or "not fetched")
        for url, page in served.items()
    }
    return library.add([SourceRequest(location=url) for url in served], prefetched=prefetched)


def crawl(
    library: Library,
    seeds: Sequence[str],
    options: CrawlOptions | None = None,
    progress: Progress | None = None,
    *,
    politeness: Politeness | None = None,
) -> CrawlReport:
    """Crawl breadth-first from ``seeds`` into ``library``; never raises for a bad page
    (:class:`ValueError` only when a seed is not an http(s) URL).

    ``progress`` gets four phases: queued, fetched (of queued), added, failed.
    ``politeness`` defaults to one built from ``options.delay``.
    """
    options = options or CrawlOptions()
    invalid = [seed for seed in seeds if canonical_url(seed) is None]
    if invalid or not seeds:
        raise ValueError(f"seeds must be http(s) URLs: {', '.join(invalid) or 'none given'}")
    politeness = politeness or Politeness(options.delay)
    crawler = _Crawler(library, options, progress or SilentProgress(), politeness)
    return crawler.run(seeds)


__all__ = [
    "CrawlOptions",
    "CrawlPage",
    "CrawlReport",
    "PageStatus",
    "canonical_url",
    "crawl",
    "read_links",
]
