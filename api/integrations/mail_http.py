"""The HTTP API email provider option: send an ``email.message.EmailMessage`` through a provider's JSON
API instead of SMTP. The body is the widely shared shape ``{from, to[], subject, text, html, headers}``
with ``Authorization: Bearer <EMAIL_HTTP_TOKEN>`` (Resend's ``POST /emails``; Postmark, SendGrid and
Mailgun sit behind the same three fields with a thin relay). The notification email job picks it when
``EMAIL_PROVIDER=http``; SMTP stays the default.

Failures raise :class:`MailApiFailed` with a kind only (``http_5xx``, ``timeout``...): the provider's text
may echo addresses, and its URL may carry a key.
"""

from __future__ import annotations

from email.message import EmailMessage

import httpx

from api.settings import ApiSettings


class MailApiFailed(Exception):
    """``retryable`` is False for answers a retry cannot fix (4xx other than 408/429)."""

    def __init__(self, kind: str, retryable: bool) -> None:
        super().__init__(kind)
        self.kind, self.retryable = kind, retryable


def _part(msg: EmailMessage, subtype: str) -> str | None:
    body = msg.get_body(preferencelist=(subtype,))
    return None if body is None else str(body.get_content())


def payload(msg: EmailMessage, to: list[str]) -> dict[str, object]:
    data: dict[str, object] = {"from": str(msg["From"]), "to": to, "subject": str(msg["Subject"] or "")}
    if (text := _part(msg, "plain")) is not None:
        data["text"] = text
    if (html := _part(msg, "html")) is not None:
        data["html"] = html
    if msg["Message-ID"]:
        data["headers"] = {"Message-ID": str(msg["Message-ID"])}
    return data


def send_http(settings: ApiSettings, msg: EmailMessage, to: list[str]) -> str | None:
    """POST the message; returns the provider's message id when it gives one."""
    if settings.email_http_url is None or settings.email_http_token is None:
        raise MailApiFailed("not_configured", retryable=False)
    try:
        r = httpx.post(settings.email_http_url.get_secret_value(), json=payload(msg, to),
                       headers={"Authorization": f"Bearer {settings.email_http_token.get_secret_value()}"},
                       timeout=settings.email_http_timeout_seconds)
    except httpx.TimeoutException:
        raise MailApiFailed("timeout", retryable=True) from None
    except httpx.HTTPError:
        raise MailApiFailed("connection", retryable=True) from None
    if r.status_code >= 300:
        retryable = r.status_code >= 500 or r.status_code in (408, 429)
        raise MailApiFailed(f"http_{r.status_code // 100}xx", retryable=retryable)
    try:
        ident = r.json().get("id")
    except (ValueError, AttributeError):
        ident = None
    return None if ident is None else str(ident)[:200]
