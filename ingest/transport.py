"""The socket layer under every fetch: a total deadline and the private-address policy.

httpx has no total timeout, so a server that drips one byte at a time is never stopped by
the per-read timeouts. Every network stream of a client from ``ingest.fetch.make_client``
reads the deadline of the fetch running in its thread (a context variable) before each
socket operation, status line and headers included, so one pooled client can serve many
fetches, each with its own deadline. The same backend refuses connections to private,
loopback and link-local addresses unless they are allowed.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

from ingest.errors import FetchError

# The deadline of the fetch running in this thread (or task). The network streams of
# make_client()'s clients read it before every socket operation, so one pooled client
# can serve many fetches, each with its own deadline.
DEADLINE: ContextVar[float | None] = ContextVar("agora_fetch_deadline", default=None)


def _bounded(timeout: float | None, exc_type: type[Exception]) -> float | None:
    """The per-operation timeout shrunk to what is left of the deadline."""
    deadline = DEADLINE.get()
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise exc_type("total deadline passed")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every read and write also respects the fetch deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


def _connectable_address(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to for `host`, refusing private, loopback, link-local and
    other non-public addresses unless allowed. Connecting to the address that was checked
    (not re-resolving the name) closes the DNS-rebinding gap between check and connect."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return host  # let the real connect fail with its usual, well-described error
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not allow_private:
        for address in addresses:
            mapped = getattr(address, "ipv4_mapped", None) or address
            if not mapped.is_global:
                raise FetchError(
                    f"refused: {host} is {address}, a private or local address (use "
                    "--allow-private or AGORA_ALLOW_PRIVATE=true for sources on your own "
                    "network)"
                )
    return str(addresses[0]) if addresses else host


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's socket backend with every stream wrapped in :class:`_DeadlineStream`,
    and every connection checked against the private-address policy."""

    def __init__(self, allow_private: bool) -> None:
        self._inner = httpcore.SyncBackend()
        self._allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        address = _connectable_address(host, port, self._allow_private)
        stream = self._inner.connect_tcp(address, port, bounded, local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.connect_unix_socket(path, bounded, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def install_deadline_backend(client: httpx.Client, allow_private: bool) -> None:
    """Swap the socket backend of every connection pool inside ``client``.

    httpx exposes no hook for this, so it reaches into ``HTTPTransport._pool`` and the
    pool's ``_network_backend`` (httpx 0.28, httpcore 1.0); test_fetch's slow-header test
    fails if an upgrade moves them. Connections opened before the swap keep the plain
    backend; only the body-chunk check bounds those. Harmless outside fetch(): with no
    deadline set, the wrapped streams behave exactly like the stock ones.
    """
    # SEE: https://github.com/encode/httpx/issues/1450 (no total timeout in httpx)
    transports = [client._transport, *client._mounts.values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        # Only httpcore's stock backend is replaced: a caller's custom backend stays.
        backend = getattr(pool, "_network_backend", None)
        if pool is not None and type(backend) is httpcore.SyncBackend:
            pool._network_backend = _DeadlineBackend(allow_private)
