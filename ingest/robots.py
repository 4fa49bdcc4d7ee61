"""robots.txt rules and per-host politeness, for anything that fetches many URLs.

:class:`RobotsRules` parses a robots.txt the way RFC 9309 says: consecutive
``User-agent`` lines form one group, the groups naming our product token are merged (the
``*`` groups apply only when none does), the longest matching rule wins, ``Allow`` wins a
tie, and ``*`` / ``$`` work in paths. Python's ``urllib.robotparser`` does none of the last
three before 3.15 (first match wins, wildcards are literal), so ``Disallow: /*?`` would be
silently ignored; hence this small parser.

:class:`RobotsCache` fetches each origin's robots.txt once, with the caller's client (so
the same timeouts, size cap and address policy apply). A missing robots.txt (any 4xx)
allows everything; a server error or an unreachable host disallows everything, as the RFC
asks, because "could not read the rules" is not "there are no rules".

:class:`Politeness` spaces requests to the same host: the configured delay or the site's
``Crawl-delay``, whichever is longer, capped so a hostile robots.txt cannot stall a run.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from ingest.config import FetchConfig
from ingest.fetch import FetchError, fetch_raw

# SEE: https://www.rfc-editor.org/rfc/rfc9309 (robots.txt; 500 KiB is the least a crawler
# must parse, 5 redirects the least it must follow)
ROBOTS_MAX_BYTES = 512 * 1024
ROBOTS_TIMEOUT = 30.0
DEFAULT_DELAY = 1.0
MAX_DELAY = 30.0


def origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL, lower-cased: the unit robots.txt and politeness
    apply to."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    port = "" if parts.port in (None, default) else f":{parts.port}"
    return f"{parts.scheme.lower()}://{host}{port}"


def product_token(user_agent: str) -> str:
    """The name robots.txt groups match against: ``Agora/0.1 (...)`` -> ``agora``."""
    return re.split(r"[/\s]", user_agent.strip(), maxsplit=1)[0].lower() or "*"


@dataclass(frozen=True)
class _Rule:
    allow: bool
    pattern: str
    regex: re.Pattern[str]


def _compile(pattern: str) -> re.Pattern[str]:
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    # Runs of stars collapse to one: "/a***b" is "/a*b" and backtracks far less.
    pieces = [re.escape(piece) for piece in re.sub(r"\*+", "*", body).split("*")]
    return re.compile(".*".join(pieces) + (r"\Z" if anchored else ""), re.DOTALL)


@dataclass
class RobotsRules:
    """The rules of one robots.txt that apply to one user agent."""

    rules: list[_Rule] = field(default_factory=list)
    crawl_delay: float | None = None
    sitemaps: list[str] = field(default_factory=list)
    disallow_all: bool = False
    note: str | None = None  # why everything is disallowed, when it is

    @classmethod
    def allow_everything(cls) -> RobotsRules:
        return cls()

    @classmethod
    def refuse_everything(cls, why: str) -> RobotsRules:
        return cls(disallow_all=True, note=why)

    @classmethod
    def parse(cls, text: str, user_agent: str) -> RobotsRules:
        """Parse robots.txt ``text`` for ``user_agent`` (a full User-Agent header is fine)."""
        token = product_token(user_agent)
        groups: list[tuple[list[str], list[tuple[str, str]]]] = []
        sitemaps: list[str] = []
        agents: list[str] = []
        lines: list[tuple[str, str]] = []
        for raw in text.splitlines():
            line = raw.split("#", 1)[0].strip()
            key, sep, value = line.partition(":")
            if not sep:
                continue
            key, value = key.strip().lower(), value.strip()
            if key == "sitemap":
                sitemaps.append(value)
            elif key in ("user-agent", "useragent"):
                if lines:  # a user-agent line after rules starts the next group
                    groups.append((agents, lines))
                    agents, lines = [], []
                agents.append(value.lower())
            elif agents and key in ("allow", "disallow", "crawl-delay"):
                lines.append((key, value))
        if agents:
            groups.append((agents, lines))

        def names_us(name: str) -> bool:
            return name != "*" and (name == token or token.startswith(name))

        chosen = [body for names, body in groups if any(names_us(n) for n in names)]
        if not chosen:
            chosen = [body for names, body in groups if "*" in names]
        rules, delay = [], None
        for key, value in (entry for body in chosen for entry in body):
            if key == "crawl-delay":
                try:
                    delay = max(delay or 0.0, float(value))
                except ValueError:
                    continue
            elif value:  # an empty Disallow allows everything: no rule at all
                rules.append(_Rule(key == "allow", value, _compile(value)))
        return cls(rules=rules, crawl_delay=delay, sitemaps=sitemaps)

    def allows(self, url: str) -> bool:
        """Whether ``url`` may be fetched: the longest matching rule decides."""
        if self.disallow_all:
            return False
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if path == "/robots.txt":
            return True
        best: _Rule | None = None
        for rule in self.rules:
            if rule.regex.match(path) and (
                best is None
                or len(rule.pattern) > len(best.pattern)
                or (len(rule.pattern) == len(best.pattern) and rule.allow)
            ):
                best = rule
        return best is None or best.allow


class RobotsCache:
    """Each origin's robots.txt, fetched once with the caller's client."""

    def __init__(
        self,
        config: FetchConfig,
        client: httpx.Client,
        *,
        before_fetch: Callable[[str], object] | None = None,
        total_timeout: float = ROBOTS_TIMEOUT,
    ) -> None:
        self._config = config
        self._client = client
        self._before_fetch = before_fetch  # e.g. Politeness.wait, so robots.txt is paced too
        self._timeout = total_timeout
        self._rules: dict[str, RobotsRules] = {}
        self._lock = threading.Lock()

    def rules(self, url: str) -> RobotsRules:
        key = origin(url)
        with self._lock:
            if key not in self._rules:
                self._rules[key] = self._load(key)
            return self._rules[key]

    def allows(self, url: str) -> bool:
        return self.rules(url).allows(url)

    def crawl_delay(self, url: str) -> float | None:
        return self.rules(url).crawl_delay

    def _load(self, key: str) -> RobotsRules:
        robots_url = f"{key}/robots.txt"
        if self._before_fetch is not None:
            self._before_fetch(robots_url)
        try:
            response = fetch_raw(
                robots_url,
                self._config,
                self._client,
                max_bytes=ROBOTS_MAX_BYTES,
                total_timeout=self._timeout,
                truncate=True,  # the RFC: parse what fits, ignore the rest
            )
        except FetchError as exc:
            return RobotsRules.refuse_everything(f"robots.txt unreachable: {exc.reason}")
        if 400 <= response.status < 500:
            return RobotsRules.allow_everything()
        if response.status >= 300:
            return RobotsRules.refuse_everything(f"robots.txt answered HTTP {response.status}")
        text = response.content.decode("utf-8", errors="replace")
        return RobotsRules.parse(text, self._config.user_agent)


class Politeness:
    """Spaces requests to the same host by at least ``delay`` seconds (or the host's
    Crawl-delay, if longer; never more than ``max_delay``). Thread-safe: each caller
    reserves its slot under a lock, then sleeps outside it."""

    def __init__(
        self,
        delay: float = DEFAULT_DELAY,
        *,
        max_delay: float = MAX_DELAY,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        if delay < 0 or max_delay < 0:
            raise ValueError("delays cannot be negative")
        self.delay = delay
        self.max_delay = max_delay
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def gap(self, crawl_delay: float | None = None) -> float:
        """Seconds between two requests to one host."""
        return min(max(self.delay, crawl_delay or 0.0), self.max_delay)

    def wait(self, url: str, crawl_delay: float | None = None) -> float:
        """Block until ``url``'s host may be asked again; returns the seconds slept."""
        host = origin(url)
        with self._lock:
            now = self._clock()
            start = max(now, self._next.get(host, now))
            self._next[host] = start + self.gap(crawl_delay)
        pause = start - now
        if pause > 0:
            self._sleep(pause)
        return pause
