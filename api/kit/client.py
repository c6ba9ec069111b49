"""Who is on the other end of a request: client IP (behind a trusted proxy or not) and user agent.

Routers turn a request into a :class:`ClientContext`; services (audit, identity) take that, never the
request itself.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from fastapi import Request


def forwarded_client(peer: str, forwarded_for: list[str], hops: int) -> str:
    """The client address behind ``hops`` trusted proxies.

    Each proxy appends the address it received the request from, so only the last ``hops`` entries of
    X-Forwarded-For were written by proxies we trust; anything to their left is whatever the client sent.
    The entry the outermost trusted proxy appended (``hops`` from the right) is the client. With no
    trusted hops the TCP peer is the client and the header is ignored.
    """
    if hops <= 0:
        return peer
    entries = [e.strip() for value in forwarded_for for e in value.split(",") if e.strip()]
    if not entries:
        return peer
    # Fewer entries than hops: the request skipped an outer proxy; the left-most entry was still
    # written by a trusted one (the next closest to the client).
    candidate = entries[-hops] if len(entries) >= hops else entries[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer


def client_ip(request: Request) -> str:
    peer = request.client.host if request.client else "unknown"
    return forwarded_client(peer, request.headers.getlist("x-forwarded-for"),
                            request.app.state.settings.trusted_proxy_hops)


def rate_identity(ip: str) -> str:
    """What per-IP limits count: the address itself for IPv4, its /64 for IPv6 (one subscriber's LAN
    usually gets a whole /64, so counting single v6 addresses would give a client 2^64 budgets)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def user_agent(request: Request) -> str:
    return request.headers.get("user-agent", "")[:512]


@dataclass(frozen=True, slots=True)
class ClientContext:
    """What the audit trail and the session records keep about the caller."""

    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None


def client_context(request: Request) -> ClientContext:
    return ClientContext(ip=client_ip(request), user_agent=user_agent(request) or None,
                         request_id=getattr(request.state, "request_id", None))
