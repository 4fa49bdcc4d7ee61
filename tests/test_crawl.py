"""Crawling a small site on loopback: bounds, robots.txt, politeness, duplicates, the
relevance filter, misbehaving pages, and the `agora library crawl` command."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from helpers import LOREM_AI, article_html, open_library
from loopback import LoopbackServer
from typer.testing import CliRunner

import agora.cli.common as cli
import ingest
from ingest import Library, Outcome
from ingest.crawl import CrawlOptions, PageStatus, canonical_url, crawl
from ingest.embedding import Embedder
from ingest.robots import Politeness, RobotsCache, RobotsRules
from ingest.types import SourceStatus

SOURDOUGH = (
    "Feed the starter twice a day with equal weights of flour and water. Keep it warm and "
    "discard half before each feeding. A lively starter doubles within six hours. "
)
REVIEWS = (
    "Code review latency fell once assistants drafted the first version of each change; "
    "reviewers spent their time on design questions instead of formatting and naming. "
)


def page(title: str, body: str, links: list[str], head: str = "") -> bytes:
    anchors = " ".join(f'<a href="{link}">{link}</a>' for link in links)
    html = article_html(title, body)
    return (
        html.replace("</head>", f"{head}</head>")
        .replace("</footer>", anchors + "</footer>")
        .encode()
    )


def build_site(server: LoopbackServer) -> str:
    """A small site: an index, articles, a robots-forbidden area, duplicates, and links to
    the server's redirect loop and slow-drip page. Returns the index URL."""
    server.add(
        "/robots.txt",
        b"User-agent: *\nDisallow: /private/\nCrawl-delay: 2\n",
        content_type="text/plain",
    )
    index = [
        "/a.html",
        "/b.html?utm_source=newsletter&utm_medium=email",
        "/private/secret.html",
        "/a.html#methods",
        "/c.html",
        "/redirect-loop",
        "/slow-drip",
        "http://elsewhere.invalid/offsite.html",
        "mailto:team@example.org",
    ]
    server.add("/", page("Research index", LOREM_AI * 2, index))
    server.add(
        "/a.html", page("Assistants and cycle time", LOREM_AI * 3, ["/", "/b-print.html", "/d1"])
    )
    server.add("/b.html", page("Review latency", REVIEWS * 3, ["/copy.html"]))
    # Same page under another URL, declared with rel=canonical: a duplicate by URL.
    canonical = f'<link rel="canonical" href="{server.url("/b.html")}">'
    server.add("/b-print.html", page("Review latency", REVIEWS * 3, [], head=canonical))
    # Same text, no canonical: the library's content hash catches it.
    server.add("/copy.html", page("Assistants and cycle time", LOREM_AI * 3, []))
    server.add("/c.html", page("Sourdough starters", SOURDOUGH * 3, ["/d1"]))
    server.add("/d1", page("Deeper one", REVIEWS * 2 + LOREM_AI, ["/d2"]))
    server.add("/d2", page("Deeper two", LOREM_AI * 2 + REVIEWS, ["/d3"]))
    server.add("/private/secret.html", page("Secret", LOREM_AI * 3, []))
    return server.url("/")


class Sleeps:
    """A clock that stands still and a sleep that only records: politeness without waiting."""

    def __init__(self) -> None:
        self.pauses: list[float] = []

    def politeness(self, delay: float = 0.0) -> Politeness:
        return Politeness(delay, clock=lambda: 0.0, sleep=self.pauses.append)


def fetched_paths(server: LoopbackServer) -> Counter[str]:
    return Counter(request.path for request in server.requests)


@pytest.fixture
def lib(tmp_path: Path, embedder: Embedder) -> Library:
    # Short timeouts so the slow-drip page fails in about a second.
    return open_library(tmp_path / "lib", embedder, connect_timeout=1.0, read_timeout=1.0)


def test_crawl_a_site(lib: Library, loopback: LoopbackServer) -> None:
    index = build_site(loopback)
    sleeps = Sleeps()
    options = CrawlOptions(max_pages=30, max_depth=2, delay=0, total_timeout=1.5)
    report = crawl(lib, [index], options, politeness=sleeps.politeness())
    statuses = {p.url.removeprefix(loopback.url("")): p.status for p in report.pages}

    assert statuses == {
        "/": PageStatus.ADDED,
        "/a.html": PageStatus.ADDED,
        "/b.html": PageStatus.ADDED,  # tracking parameters stripped
        "/private/secret.html": PageStatus.DISALLOWED,
        "/c.html": PageStatus.ADDED,
        "/redirect-loop": PageStatus.FAILED,
        "/slow-drip": PageStatus.FAILED,
        "/b-print.html": PageStatus.DUPLICATE,
        "/d1": PageStatus.ADDED,
        "/copy.html": PageStatus.SKIPPED,
        "/about": PageStatus.FAILED,  # the navigation links of article_html: 404 here
        "/blog": PageStatus.FAILED,
    }, statuses  # /d2 is depth 3: beyond max_depth

    # Each page was fetched exactly once (links read from the bytes the library stored),
    # robots.txt once, the forbidden page and the off-site link never.
    paths = fetched_paths(loopback)
    assert paths["/robots.txt"] == 1
    for path in ("/", "/a.html", "/b.html", "/c.html", "/d1", "/b-print.html", "/copy.html"):
        assert paths[path] == 1, (path, paths)
    assert "/private/secret.html" not in paths and "/d2" not in paths
    assert all(not path.startswith("/b.html?") for path in paths)

    # Crawl-delay: 2 spaced every request to the host (the clock stands still, so the
    # reserved start times grow by exactly 2 s per request).
    assert sleeps.pauses == [2.0 * n for n in range(1, len(sleeps.pauses) + 1)]
    fetches = [p for p in report.pages if p.status != PageStatus.DISALLOWED]
    # One pause before each page but the first: robots.txt is read with the default
    # delay (0 here), as its Crawl-delay is only known once it has been read.
    assert len(sleeps.pauses) == len(fetches) - 1

    by_url = {p.url.removeprefix(loopback.url("")): p for p in report.pages}
    assert "took longer than 1.5 s" in (by_url["/slow-drip"].reason or "")
    assert "redirects" in (by_url["/redirect-loop"].reason or "")
    assert "same text as source" in (by_url["/copy.html"].reason or "")
    assert "canonical" in (by_url["/b-print.html"].reason or "")
    assert "robots.txt" in (by_url["/private/secret.html"].reason or "")

    # Every page that reached the library has its number, failures included.
    sources = {s.location: s for s in lib.sources()}
    for entry in report.pages:
        if entry.status in (PageStatus.ADDED, PageStatus.FAILED, PageStatus.SKIPPED):
            assert entry.number == sources[entry.url].number
    assert sources[loopback.url("/slow-drip")].status == SourceStatus.FAILED
    assert loopback.url("/b-print.html") not in sources
    assert report.summary.count(Outcome.ADDED) == 5


def test_bounds_and_filters(lib: Library, loopback: LoopbackServer) -> None:
    index = build_site(loopback)
    options = CrawlOptions(max_pages=3, delay=0, respect_robots=False)
    report = crawl(lib, [index], options, politeness=Sleeps().politeness())
    assert sum(fetched_paths(loopback).values()) == 3  # no robots.txt when ignoring it
    # Breadth-first in page order: the index, then its first two links (the navigation).
    assert [p.url.removeprefix(loopback.url("")) for p in report.pages] == ["/", "/about", "/blog"]

    loopback.requests.clear()
    options = CrawlOptions(max_depth=1, include=r"\.html", exclude="print|private", delay=0)
    report = crawl(lib, [index], options, politeness=Sleeps().politeness())
    urls = {p.url.removeprefix(loopback.url("")) for p in report.pages}
    assert urls == {"/", "/a.html", "/b.html", "/c.html"}  # the seed passes any filter
    assert report.count(PageStatus.UNCHANGED) == 1  # the index was crawled before
    assert report.count(PageStatus.ADDED) == 3


def test_relevance_filter_reports_similarity(lib: Library, loopback: LoopbackServer) -> None:
    index = build_site(loopback)
    options = CrawlOptions(
        max_depth=1,
        exclude="redirect|slow|private",
        topic="AI coding assistants and engineering team productivity",
        min_similarity=0.3,
        delay=0,
    )
    report = crawl(lib, [index], options, politeness=Sleeps().politeness())
    by_url = {p.url.removeprefix(loopback.url("")): p for p in report.pages}
    sourdough = by_url["/c.html"]
    assert sourdough.status == PageStatus.OFF_TOPIC
    assert sourdough.similarity is not None and sourdough.similarity < 0.3
    assert "below 0.3" in (sourdough.reason or "")
    assert by_url["/a.html"].status == PageStatus.ADDED
    assert (by_url["/a.html"].similarity or 0) >= 0.3
    assert loopback.url("/c.html") not in {s.location for s in lib.sources()}


def test_robots_rules_follow_rfc_9309() -> None:
    rules = RobotsRules.parse(
        "\n".join(
            [
                "User-agent: googlebot",
                "Disallow: /",
                "",
                "User-agent: *",
                "Disallow: /private/",
                "Disallow: /*.pdf$",
                "Disallow: /*?session=",
                "Allow: /private/open/",
                "",
                "User-agent: other",  # a second group for * elsewhere is merged with it
                "User-agent: *",
                "Disallow: /tmp",
                "Crawl-delay: 3",
                "Sitemap: https://example.org/sitemap.xml",
            ]
        ),
        "Agora/0.1 (+https://example.invalid)",
    )
    url = "https://example.org"
    assert rules.allows(f"{url}/")
    assert not rules.allows(f"{url}/private/x.html")
    assert rules.allows(f"{url}/private/open/x.html")  # the longer rule wins
    assert not rules.allows(f"{url}/docs/a.pdf") and rules.allows(f"{url}/docs/a.pdfx")
    assert not rules.allows(f"{url}/page?session=1") and rules.allows(f"{url}/page")
    assert not rules.allows(f"{url}/tmp/file")
    assert rules.allows(f"{url}/robots.txt")
    assert rules.crawl_delay == 3.0
    assert rules.sitemaps == ["https://example.org/sitemap.xml"]

    ours = RobotsRules.parse("User-agent: agora\nDisallow: /\n\nUser-agent: *\nAllow: /\n", "Agora")
    assert not ours.allows(f"{url}/anything")  # our own group replaces the * group
    tie = RobotsRules.parse("User-agent: *\nDisallow: /a\nAllow: /a\n", "Agora")
    assert tie.allows(f"{url}/a")  # equal length: Allow wins
    assert RobotsRules.parse("User-agent: *\nDisallow:\n", "Agora").allows(f"{url}/x")


def test_robots_cache_missing_and_broken_files(lib: Library, loopback: LoopbackServer) -> None:
    import httpx

    with httpx.Client(timeout=2) as client:
        cache = RobotsCache(lib.config.fetch, client)
        assert cache.allows(loopback.url("/anything"))  # 404: no rules, everything allowed
        loopback.add("/robots.txt", b"oops", status=500)
        fresh = RobotsCache(lib.config.fetch, client)
        assert not fresh.allows(loopback.url("/anything"))  # 5xx: assume everything forbidden
        assert "500" in (fresh.rules(loopback.url("/")).note or "")
        assert cache.allows(loopback.url("/other"))  # cached per origin: fetched once
    assert fetched_paths(loopback)["/robots.txt"] == 2


def test_politeness_spaces_requests_per_host() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    polite = Politeness(1.0, max_delay=5.0, clock=lambda: now[0], sleep=sleep)
    assert polite.wait("https://a.example/1") == 0
    assert polite.wait("https://b.example/1") == 0  # another host does not wait
    assert polite.wait("https://a.example/2") == 1.0
    assert polite.wait("https://a.example/3", crawl_delay=3) == 1.0  # gap set by the last
    assert polite.wait("https://a.example/4", crawl_delay=60) == 3.0
    assert polite.wait("https://a.example/5") == 5.0  # Crawl-delay 60 capped at max_delay
    now[0] += 10
    assert polite.wait("https://A.example:443/6") == 0  # same origin, normalised
    assert slept == [1.0, 1.0, 3.0, 5.0]


def test_canonical_url() -> None:
    assert canonical_url("/b.html?utm_source=x&b=2&a=1#top", "http://Example.org:80/dir/") == (
        "http://example.org/b.html?a=1&b=2"
    )
    assert (
        canonical_url("../up.html", "https://example.org/a/b/") == "https://example.org/a/up.html"
    )
    assert canonical_url("mailto:x@example.org") is None
    assert canonical_url("javascript:void(0)", "https://example.org/") is None


def test_crawl_command(
    tmp_path: Path, loopback: LoopbackServer, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command opens its own Library; hand it the session's loaded model.
    # commands import Library where they open one (agora/cli/common.py)
    monkeypatch.setattr(ingest, "Library", lambda settings: Library(settings, embedder=embedder))
    index = build_site(loopback)
    # The same rules without the Crawl-delay of 2 s, which --delay 0 does not override.
    loopback.add("/robots.txt", b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    runner = CliRunner()
    args = ["library", "crawl", index, "--max-pages", "4", "--delay", "0", "--max-depth", "1"]
    args += ["--exclude", "slow|redirect|about|blog", "--library", str(tmp_path / "lib")]
    result = runner.invoke(cli.app, [*args, "--json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    statuses = Counter(p["status"] for p in report["pages"])
    assert statuses == {"added": 4, "disallowed": 1}  # max-pages 4; robots.txt refused one
    assert sorted(p["number"] for p in report["pages"] if p["number"]) == [1, 2, 3, 4]

    result = runner.invoke(cli.app, args)  # the table for people, on stderr
    assert result.exit_code == 0, result.stderr
    assert "disallowed" in result.stderr and "4 unchanged, 1 disallowed" in result.stderr

    result = runner.invoke(cli.app, ["library", "crawl", index, "--include", "(", "--delay", "0"])
    assert result.exit_code == 2 and "--include is not a valid regular expression" in result.stderr
    result = runner.invoke(cli.app, ["library", "crawl", "notes.txt", *args[3:]])
    assert result.exit_code == 2 and "seeds must be http(s) URLs: notes.txt" in result.stderr
