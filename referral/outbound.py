"""Outbound HTTP to addresses that users give (webhook URLs), guarded against server-side request
forgery: never to a loopback, private, link-local, shared (CGNAT), reserved or multicast address —
the database host, the cloud metadata endpoint, the intranet — unless configured, and never
following a redirect.

Two checks. ``url_problem`` refuses, when a subscription is made, a URL whose host is such an address
written out, or a name that can only be local (``localhost``, ``*.localhost``, ``*.local``,
``*.internal``, ``*.home.arpa``). ``opener`` checks the address actually connected to, before a
byte is sent, on every delivery: a public name that resolves (or is re-pointed later) to a private
address is refused then. Must not depend on Flask.
"""

from __future__ import annotations

import functools
import http.client
import ipaddress
import socket
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from referral.errors import N_

LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa")


class RefusedAddress(OSError):
    """The host resolved to an address outbound requests may not reach."""


def public(address: str) -> bool:
    """Whether ``address`` (IPv4 or IPv6, an IPv4-mapped one read as IPv4) is a public unicast address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def url_problem(url: str, allow_private: bool = False) -> str | None:
    """Why ``url`` may not receive outbound requests (in English), or None. Names are not resolved here
    (no network when a subscription is made): the connection check covers what they resolve to."""
    refusal = url_refusal(url, allow_private)
    return refusal[0].format(host=refusal[1]) if refusal else None


def url_refusal(url: str, allow_private: bool = False) -> tuple[str, str] | None:
    """:func:`url_problem` as its template (marked for the API's catalogue) and the host it names."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if not host:
        return N_("The URL has no host."), host
    if allow_private:
        return None
    if host == "localhost" or host.endswith(LOCAL_SUFFIXES):
        return N_("The host {host} is local to this server's network; use a public address."), host
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return None
    if not public(host):
        return N_("The address {host} is loopback, private, link-local or reserved; use a public address."), host
    return None


def _connect(address: tuple[str, int], *args: Any, allow_private: bool = False, **kwargs: Any) -> socket.socket:
    """socket.create_connection, then refuse the peer unless it is public (before any byte is sent)."""
    sock = socket.create_connection(address, *args, **kwargs)
    peer = sock.getpeername()[0]
    if not allow_private and not public(peer):
        sock.close()
        raise RefusedAddress(f"refused: {address[0]} resolved to a non-public address ({peer})")
    return sock


class _GuardedHTTP(http.client.HTTPConnection):
    def __init__(self, *args: Any, allow_private: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._create_connection = functools.partial(_connect, allow_private=allow_private)


class _GuardedHTTPS(http.client.HTTPSConnection):
    def __init__(self, *args: Any, allow_private: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._create_connection = functools.partial(_connect, allow_private=allow_private)


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, allow_private: bool):
        super().__init__()
        self._allow = allow_private

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(functools.partial(_GuardedHTTP, allow_private=self._allow), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, allow_private: bool):
        super().__init__()
        self._allow = allow_private

    def https_open(self, req: urllib.request.Request) -> Any:
        context = getattr(self, "_context", None)  # HTTPSHandler's own TLS context (a private attribute)
        return self.do_open(functools.partial(_GuardedHTTPS, allow_private=self._allow), req, context=context)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx answer is the receiver's answer, never a request to another address."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def opener(allow_private: bool = False) -> urllib.request.OpenerDirector:
    """An opener for http(s) only (no file:, ftp: or data:, no proxy from the environment), that
    connects to public addresses only and follows no redirect."""
    director = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.UnknownHandler(),
        _HTTPHandler(allow_private),
        _HTTPSHandler(allow_private),
        _NoRedirect(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        director.add_handler(handler)
    return director
