"""Web search providers behind one small interface: a topic in, result URLs out.

- ``searxng``: a self-hosted SearXNG instance through its JSON API (``/search?format=json``).
  The instance must allow the JSON format (``search.formats: [html, json]`` in its
  settings.yml); otherwise it answers 403, and the error says so.
- ``brave``: the Brave Search web API with a subscription token, over plain httpx (its
  only Python clients are unofficial).

Providers only find URLs; the caller sends them through the normal ingest path. A
provider's endpoint is chosen by the user, so it may live on a private network (a SearXNG
on localhost is the usual setup): requests go through a plain httpx client with timeouts
and a size cap, not through ``ingest.fetch``'s public-address policy, which applies to the
pages found.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Protocol

import httpx
from pydantic import BaseModel, ConfigDict, Field

from ingest.crawl import canonical_url

SEARXNG_VARIABLE = "AGORA_SEARXNG_URL"
BRAVE_VARIABLE = "AGORA_BRAVE_API_KEY"
BRAVE_ENDPOINT = "https://api.search.brave.com/res/v1/web/search"
MAX_RESPONSE_BYTES = 5 * 1024 * 1024
MAX_RESULT_PAGES = 5  # SearXNG returns ~10-20 results a page; Brave at most 20


class SearchResult(BaseModel):
    """One hit: a URL to ingest, and what the provider said about it."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="The result's URL (tracking parameters stripped).")
    title: str | None = Field(None, description="Title as the provider gave it.")
    snippet: str | None = Field(None, description="The provider's excerpt, if any.")
    provider: str = Field(description="Which provider found it.")


class ProviderNotConfigured(Exception):
    """The chosen provider needs a setting; the message names the variable to set."""


class ProviderError(Exception):
    """The provider was reached but the search failed; the message says why."""


class SearchProvider(Protocol):
    """What `discover` needs from a provider."""

    name: str

    def search(self, query: str, limit: int) -> list[SearchResult]: ...

    def close(self) -> None: ...


class _JsonClient:
    """Shared plumbing: one GET that returns parsed JSON or raises ProviderError."""

    def __init__(self, name: str, client: httpx.Client | None, timeout: float) -> None:
        self.name = name
        self._owns_client = client is None
        self._client = client or httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=True)

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def get_json(self, url: str, params: dict[str, Any], headers: dict[str, str]) -> Any:
        try:
            with self._client.stream("GET", url, params=params, headers=headers) as response:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_RESPONSE_BYTES:
                        raise ProviderError(f"{self.name} sent more than 5 MB for one page")
                status = response.status_code
        except httpx.HTTPError as exc:
            raise ProviderError(f"{self.name} could not be reached at {url} ({exc})") from exc
        if status != 200:
            raise ProviderError(self.explain(status))
        try:
            return json.loads(bytes(body))
        except (ValueError, RecursionError) as exc:
            raise ProviderError(f"{self.name} did not answer with JSON ({exc})") from exc

    def explain(self, status: int) -> str:
        return f"{self.name} answered HTTP {status}"


class SearXNG(_JsonClient):
    """A SearXNG instance's JSON API."""

    def __init__(
        self, base_url: str, *, client: httpx.Client | None = None, timeout: float = 20.0
    ) -> None:
        super().__init__("searxng", client, timeout)
        self.base_url = base_url.rstrip("/")

    def explain(self, status: int) -> str:
        if status == 403:
            return (
                "searxng refused the JSON format (HTTP 403): add json to search.formats in "
                "the instance's settings.yml"
            )
        if status == 429:
            return "searxng rate-limited us (HTTP 429): check its limiter settings"
        return super().explain(status)

    def search(self, query: str, limit: int) -> list[SearchResult]:
        return _collect(self._pages(query), limit)

    def _pages(self, query: str) -> Iterator[list[SearchResult]]:
        for page in range(1, MAX_RESULT_PAGES + 1):
            data = self.get_json(
                f"{self.base_url}/search",
                {"q": query, "format": "json", "pageno": page},
                {"Accept": "application/json"},
            )
            raw = data.get("results") if isinstance(data, dict) else None
            yield [
                SearchResult(
                    url=str(hit["url"]),
                    title=hit.get("title") or None,
                    snippet=hit.get("content") or None,
                    provider=self.name,
                )
                for hit in raw or []
                if isinstance(hit, dict) and isinstance(hit.get("url"), str)
            ]


class Brave(_JsonClient):
    """The Brave Search web API."""

    def __init__(
        self,
        api_key: str,
        *,
        endpoint: str = BRAVE_ENDPOINT,
        client: httpx.Client | None = None,
        timeout: float = 20.0,
    ) -> None:
        super().__init__("brave", client, timeout)
        self.api_key = api_key
        self.endpoint = endpoint

    def explain(self, status: int) -> str:
        if status in (401, 403):
            return f"brave rejected the API key (HTTP {status}): check {BRAVE_VARIABLE}"
        if status == 429:
            return "brave rate-limited us (HTTP 429): the plan's quota or rate is used up"
        return super().explain(status)

    def search(self, query: str, limit: int) -> list[SearchResult]:
        return _collect(self._pages(query, min(limit, 20)), limit)

    def _pages(self, query: str, count: int) -> Iterator[list[SearchResult]]:
        # SEE: https://api-dashboard.search.brave.com/app/documentation/web-search/query
        # (count <= 20 per page; offset counts pages, not results, and stops at 9)
        for offset in range(min(MAX_RESULT_PAGES, 10)):
            data = self.get_json(
                self.endpoint,
                {"q": query, "count": count, "offset": offset},
                {"Accept": "application/json", "X-Subscription-Token": self.api_key},
            )
            web = data.get("web") if isinstance(data, dict) else None
            raw = web.get("results") if isinstance(web, dict) else None
            yield [
                SearchResult(
                    url=str(hit["url"]),
                    title=hit.get("title") or None,
                    snippet=hit.get("description") or None,
                    provider=self.name,
                )
                for hit in raw or []
                if isinstance(hit, dict) and isinstance(hit.get("url"), str)
            ]


def _collect(pages: Iterator[list[SearchResult]], limit: int) -> list[SearchResult]:
    """Results from successive pages, deduplicated by canonical URL, until ``limit`` or a
    page that brings nothing new (providers repeat their last page rather than end)."""
    found: dict[str, SearchResult] = {}
    for page in pages:
        new = 0
        for result in page:
            key = canonical_url(result.url)
            if key is not None and key not in found:
                found[key] = result.model_copy(update={"url": key})
                new += 1
        if new == 0 or len(found) >= limit:
            break
    return list(found.values())[:limit]


PROVIDERS = ("searxng", "brave")


def make_provider(
    name: str,
    *,
    searxng_url: str | None = None,
    brave_api_key: str | None = None,
    client: httpx.Client | None = None,
    timeout: float = 20.0,
) -> SearchProvider:
    """The provider called ``name``, or :class:`ProviderNotConfigured` naming the setting
    it needs."""
    if name == "searxng":
        if not searxng_url:
            raise ProviderNotConfigured(
                f"the searxng provider needs {SEARXNG_VARIABLE}: set it to your SearXNG "
                f"instance, e.g. {SEARXNG_VARIABLE}=http://localhost:8888 (or pass "
                "--searxng-url); the instance must allow the json format"
            )
        return SearXNG(searxng_url, client=client, timeout=timeout)
    if name == "brave":
        if not brave_api_key:
            raise ProviderNotConfigured(
                f"the brave provider needs {BRAVE_VARIABLE}: set it to your Brave Search API "
                "subscription token (or pass --brave-api-key)"
            )
        return Brave(brave_api_key, client=client, timeout=timeout)
    raise ProviderNotConfigured(
        f"unknown search provider {name!r}; choose one of: {', '.join(PROVIDERS)}"
    )
