"""Sitemaps (indexes, gzip, plain text), RSS / Atom / JSON feeds, and `library add
--sitemap / --feed`, against a loopback site."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from helpers import LOREM_AI, article_html
from loopback import LoopbackServer
from typer.testing import CliRunner

import agora.cli.common as cli
import ingest
from agora.settings import Settings
from ingest import Library
from ingest.embedding import Embedder
from ingest.feeds import ListingError, parse_listing, read_listings

SITEMAP_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def urlset(urls: list[str]) -> bytes:
    entries = "".join(f"<url><loc>{u}</loc><lastmod>2025-09-01</lastmod></url>" for u in urls)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {SITEMAP_NS}>{entries}</urlset>'.encode()


def sitemap_index(urls: list[str]) -> bytes:
    entries = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in urls)
    body = f'<?xml version="1.0"?><sitemapindex {SITEMAP_NS}>{entries}</sitemapindex>'
    return body.encode()


def rss(items: list[tuple[str, str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{t}</title><link>{u}</link><pubDate>{d}</pubDate></item>"
        for t, u, d in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title>'
        f"<link>https://example.org/</link>{entries}"
        '<item><title>Only a guid</title><guid isPermaLink="true">https://example.org/g</guid>'
        '</item><item><title>Not a link</title><guid isPermaLink="false">id-7</guid></item>'
        "</channel></rss>"
    ).encode()


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Research notes</title>
  <link href="https://example.org/" rel="alternate"/>
  <link href="https://example.org/atom.xml" rel="self"/>
  <entry>
    <title>Cycle time after assistants</title>
    <link rel="edit" href="https://example.org/edit/1"/>
    <link rel="alternate" type="text/html" href="/notes/cycle-time"/>
    <published>2025-10-02T09:00:00Z</published>
    <author><name>Platform Team</name></author>
  </entry>
  <entry>
    <title>No rel means alternate</title>
    <link href="https://example.org/notes/two"/>
    <updated>2025-10-05T09:00:00Z</updated>
  </entry>
</feed>"""


def test_parse_every_listing_format() -> None:
    feed = parse_listing(ATOM, "https://example.org/atom.xml")
    assert [(p.location, p.title, p.date, p.author) for p in feed.pages] == [
        (
            "https://example.org/notes/cycle-time",
            "Cycle time after assistants",
            "2025-10-02",
            "Platform Team",
        ),
        ("https://example.org/notes/two", "No rel means alternate", "2025-10-05", None),
    ]

    items = rss([("First", "https://example.org/1", "Wed, 01 Oct 2025 10:00:00 GMT")])
    pages = parse_listing(items, "https://example.org/feed").pages
    assert [(p.location, p.date) for p in pages] == [
        ("https://example.org/1", "2025-10-01"),
        ("https://example.org/g", None),  # a permalink guid stands in for a missing link
    ]

    rdf = b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
      xmlns="http://purl.org/rss/1.0/"><channel><title>x</title></channel>
      <item><title>R</title><link>https://example.org/r</link></item></rdf:RDF>"""
    assert [p.location for p in parse_listing(rdf, "https://example.org/").pages] == [
        "https://example.org/r"
    ]

    json_feed = b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", '
    json_feed += b'"url": "https://example.org/j", "title": "J", "date_published": "2025-01-02"}]}'
    (entry,) = parse_listing(json_feed, "https://example.org/feed.json").pages
    assert (entry.location, entry.title, entry.date) == ("https://example.org/j", "J", "2025-01-02")

    index = parse_listing(
        sitemap_index(["/s1.xml", "https://example.org/s2.xml.gz"]), "https://example.org/"
    )
    assert index.sitemaps == ["https://example.org/s1.xml", "https://example.org/s2.xml.gz"]
    assert not index.pages

    text = parse_listing(b"https://example.org/a\nhttps://example.org/b\n", "https://example.org/t")
    assert [p.location for p in text.pages] == ["https://example.org/a", "https://example.org/b"]

    home = b'<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml">'
    home += b"</head><body>hi</body></html>"
    assert parse_listing(home, "https://example.org/").feeds == ["https://example.org/feed.xml"]


def test_hostile_and_wrong_listings() -> None:
    # An external entity is never resolved: its text does not appear, nothing is read.
    xxe = b"""<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>
    <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <url><loc>https://example.org/&x;</loc></url></urlset>"""
    locations = [p.location for p in parse_listing(xxe, "https://example.org/").pages]
    assert all("root:" not in location for location in locations)

    with pytest.raises(ListingError, match="links to no feed"):
        parse_listing(b"<html><body><p>just a page</p></body></html>", "https://example.org/")
    with pytest.raises(ListingError, match="not a sitemap or a feed"):
        parse_listing(b'<?xml version="1.0"?><svg><g/></svg>', "https://example.org/x.xml")
    with pytest.raises(ListingError, match="neither XML"):
        parse_listing(b"hello there", "https://example.org/x")
    with pytest.raises(ListingError, match="neither XML"):  # not mined for its Sitemap: URL
        parse_listing(b"User-agent: *\nSitemap: https://example.org/s.xml\n", "https://e.org/")


def serve_site(server: LoopbackServer) -> dict[str, str]:
    posts = [server.url(f"/posts/{n}.html") for n in range(1, 4)]
    pages = [server.url("/pages/about-us.html"), server.url("/pages/method.html")]
    for n, url in enumerate(posts + pages):
        path = url.removeprefix(server.url(""))
        server.add(
            path, article_html(f"Article {n}", f"Article number {n}. " + LOREM_AI * 2).encode()
        )
    server.add("/sitemap-posts.xml", urlset(posts), content_type="application/xml")
    # A .gz sitemap served as a file (no Content-Encoding): fetched compressed, unpacked here.
    server.add(
        "/sitemap-pages.xml.gz", gzip.compress(urlset(pages)), content_type="application/gzip"
    )
    index = sitemap_index(
        [
            server.url("/sitemap-posts.xml"),
            server.url("/sitemap-pages.xml.gz"),
            server.url("/sitemap-missing.xml"),
            server.url("/sitemap_index.xml"),  # listing itself: read once
        ]
    )
    server.add("/sitemap_index.xml", index, content_type="application/xml")
    items = [(f"Post {n}", u, "Thu, 02 Oct 2025 08:00:00 GMT") for n, u in enumerate(posts, 1)]
    server.add("/feed.rss", rss(items), content_type="application/rss+xml")
    link = f'<link rel="alternate" type="application/rss+xml" href="{server.url("/feed.rss")}">'
    server.add("/home", f"<html><head>{link}</head><body>Home</body></html>".encode())
    return {"posts": posts[0], "pages": pages[0]}


def test_read_sitemap_index_and_feeds(loopback: LoopbackServer) -> None:
    serve_site(loopback)
    settings = Settings().fetch_config()
    pages, problems = read_listings([loopback.url("/sitemap_index.xml")], settings)
    assert [p.location.rsplit("/", 1)[1] for p in pages] == [
        "1.html",
        "2.html",
        "3.html",
        "about-us.html",
        "method.html",
    ]
    assert problems == [f"{loopback.url('/sitemap-missing.xml')}: HTTP 404"]
    assert sum(1 for r in loopback.requests if r.path == "/sitemap_index.xml") == 1

    limited, _ = read_listings([loopback.url("/sitemap_index.xml")], settings, limit=2)
    assert len(limited) == 2

    # A home page that points to its feed: the feed's entries, with their metadata.
    from_home, _ = read_listings([loopback.url("/home")], settings)
    assert [(p.title, p.date) for p in from_home][:3] == [
        ("Post 1", "2025-10-02"),
        ("Post 2", "2025-10-02"),
        ("Post 3", "2025-10-02"),
    ]

    with pytest.raises(ListingError, match="HTTP 404"):
        read_listings([loopback.url("/nowhere.xml")], settings)
    with pytest.raises(ListingError, match="redirects"):
        read_listings([loopback.url("/redirect-loop")], settings)


def test_gzip_bomb_and_slow_listing_stop_early(loopback: LoopbackServer) -> None:
    bomb = gzip.compress(b"<" * (8 * 1024 * 1024))
    url = loopback.add("/bomb.xml.gz", bomb, content_type="application/gzip")
    settings = Settings(max_download_bytes=256 * 1024).fetch_config()
    assert len(bomb) < settings.max_download_bytes
    with pytest.raises(ListingError, match="once decompressed"):
        read_listings([url], settings)
    with pytest.raises(ListingError, match="took longer than 1 s"):
        read_listings([loopback.url("/slow-drip")], settings, total_timeout=1.0)


def test_add_sitemap_and_feed_commands(
    tmp_path: Path, loopback: LoopbackServer, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # commands import Library where they open one (agora/cli/common.py)
    monkeypatch.setattr(ingest, "Library", lambda settings: Library(settings, embedder=embedder))
    serve_site(loopback)
    lib = ["--library", str(tmp_path / "lib")]
    runner = CliRunner()

    result = runner.invoke(
        cli.app,
        ["library", "add", "--sitemap", loopback.url("/sitemap_index.xml"), "--max", "9", *lib],
    )
    assert result.exit_code == 0, result.stderr
    assert "5 pages listed" in result.stderr and "5 added" in result.stderr
    assert "sitemap-missing.xml: HTTP 404" in result.stderr  # a warning, not an error

    # --max 3: the feed's fourth entry is on example.org, and tests never leave loopback.
    feed = ["library", "add", "--feed", loopback.url("/feed.rss"), "--max", "3"]
    result = runner.invoke(cli.app, [*feed, *lib])
    assert result.exit_code == 0, result.stderr
    with Library(Settings(library=tmp_path / "lib").library_config(), embedder=embedder) as library:
        titles = {s.location.rsplit("/", 1)[1]: s.title for s in library.sources()}
    # The feed's titles override the extracted ones.
    assert titles["1.html"] == "Post 1" and titles["about-us.html"] == "Article 3"

    result = runner.invoke(
        cli.app, ["library", "add", "--sitemap", loopback.url("/nope.xml"), *lib]
    )
    assert result.exit_code == 2 and "nope.xml: HTTP 404" in result.stderr
