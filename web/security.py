"""What keeps the local server local: a token check, same-origin writes, body size caps,
and headers that stop the page from loading anything from elsewhere.

These are plain ASGI middlewares (not `BaseHTTPMiddleware`) so that they can cap a body
while it streams in and never buffer the event streams going out.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "agora_token"
# Open without a token: the page and its assets hold no library data, and the session
# endpoint is where the token is entered.
PUBLIC_PATHS = ("/", "/index.html", "/favicon.ico", "/api/health", "/api/session")
PUBLIC_PREFIXES = ("/static/",)
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# The page's own policy: everything from this server, nothing from anywhere else.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


async def _send_json(send: Send, status: int, detail: str, extra: list[Any] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def token_matches(given: str | None, token: str) -> bool:
    """Constant-time comparison, so response timing does not leak the token."""
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


class Guard:
    """Token authentication for the API, and same-origin checks for writes.

    With a token, every API call needs ``Authorization: Bearer TOKEN`` or the cookie the
    page sets after the token is entered (event streams and download links cannot send
    headers). Without one, the server only listens on loopback (see `web.serve`).
    Either way a write whose Origin is another site is refused: a page elsewhere must
    not drive this server through the user's browser.
    """

    def __init__(self, app: ASGIApp, token: str | None):
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        if scope["method"] in UNSAFE_METHODS and not _same_origin(headers):
            await _send_json(send, 403, "cross-origin request refused")
            return
        path: str = scope["path"]
        public = path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)
        if self.token and not public and not self._authorised(headers):
            await _send_json(
                send,
                401,
                "this server needs a token: send 'Authorization: Bearer TOKEN' "
                "(or enter it on the page)",
                [(b"www-authenticate", b"Bearer")],
            )
            return
        await self.app(scope, receive, send)

    def _authorised(self, headers: dict[str, str]) -> bool:
        assert self.token is not None
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token_matches(value.strip(), self.token):
            return True
        return token_matches(_cookie(headers.get("cookie", ""), COOKIE), self.token)


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _same_origin(headers: dict[str, str]) -> bool:
    """True unless the browser says the request comes from another origin. Tools that
    send no Origin (curl, scripts) are not browsers acting for someone else."""
    origin = headers.get("origin")
    if origin is None:
        return True
    if origin == "null":
        return False
    return urlsplit(origin).netloc.lower() == headers.get("host", "").lower()


class BodyLimit:
    """Refuse request bodies over a limit with 413: by Content-Length up front, and by
    counting while they stream (a chunked upload declares no length)."""

    def __init__(self, app: ASGIApp, limit: int, upload_limit: int, upload_paths: tuple[str, ...]):
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit
        self.upload_paths = upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_limit if scope["path"] in self.upload_paths else self.limit
        declared = _headers(scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _send_json(send, 413, _too_large(limit))
            return
        received = 0
        started = False  # the app began its response
        refused = False  # we answered 413 ourselves; whatever the app sends is dropped

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit and not started:
                    # Answer now rather than raise: frameworks turn errors while reading
                    # a body into their own 400. The app then sees the client leave.
                    refused = True
                    await _send_json(send, 413, _too_large(limit))
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counting_receive, tracking_send)


def _too_large(limit: int) -> str:
    return f"request body larger than the {limit // 1024} KB limit"


class SecurityHeaders:
    """Headers for every response; the page's content policy forbids anything remote."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        page = scope["path"] in ("/", "/index.html") or scope["path"].startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                ]
                if page:
                    extra.append((b"content-security-policy", PAGE_CSP.encode()))
                headers += [(name, value) for name, value in extra if name not in names]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
