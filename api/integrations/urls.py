"""Webhook URL policy (server-side request forgery): in production only ``https`` to public addresses;
development and test may allow ``http`` and private/loopback hosts (``WEBHOOK_ALLOW_PRIVATE_URLS``).

Checked when an endpoint is saved and again before every attempt (DNS may change in between). A host
that resolves to any non-public address is refused. The check and the connection resolve separately, so
a DNS answer that changes within that window is not caught (an egress proxy is the complete answer).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

# Hosts the chat providers' incoming webhooks live on (checked in production).
PROVIDER_HOSTS = {
    "slack": ("hooks.slack.com",),
    "discord": ("discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com"),
}


class UrlRefused(ValueError):
    """Why a URL may not be used, in words safe to show its owner (never the URL itself)."""


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_shape(url: str, provider: str, allow_private: bool) -> None:
    """Scheme, host, no credentials, provider host; no DNS."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UrlRefused("the URL must be an absolute http(s) URL")
    if parts.scheme != "https" and not allow_private:
        raise UrlRefused("webhook URLs must use https")
    if parts.username or parts.password:
        raise UrlRefused("the URL must not carry a user name or password")
    if parts.fragment:
        raise UrlRefused("the URL must not carry a fragment")
    allowed_hosts = PROVIDER_HOSTS.get(provider)
    if allowed_hosts and not allow_private and parts.hostname.lower() not in allowed_hosts:
        raise UrlRefused(f"a {provider} incoming webhook URL must be on {' or '.join(allowed_hosts)}")


def check_target(url: str, allow_private: bool) -> None:
    """Every address the host resolves to must be public (unless private targets are allowed)."""
    if allow_private:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UrlRefused("the URL's host does not resolve") from None
    if not infos or not all(_public(str(info[4][0])) for info in infos):
        raise UrlRefused("the URL's host resolves to a private, loopback or reserved address")


def check(url: str, provider: str, allow_private: bool) -> None:
    check_shape(url, provider, allow_private)
    check_target(url, allow_private)
