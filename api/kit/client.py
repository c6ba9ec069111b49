"""Who is on the other end of a request: client IP (behind a trusted proxy or not) and user agent.

Routers turn a request into a :class:`ClientContext`; services (audit, identity) take that, never the
request itself.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from fastapi import Request


def client_ip(request: Request) -> str:
    settings = request.app.state.settings
    if settings.trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "")
        first = forwarded.split(",")[0].strip()
        try:
            return str(ipaddress.ip_address(first))
        except ValueError:
            pass
    return request.client.host if request.client else "unknown"


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
