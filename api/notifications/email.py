"""Notification emails: rendered from Jinja2 templates (text + HTML, autoescaped), sent over SMTP.

The job (``jobs.send_email``) gets a delivery id only; it reads the address and the notification here,
sends, and records the outcome. A failure raises :class:`EmailFailed` while attempts remain, so rq
retries it (``Retry`` set at enqueue); the last failure marks the delivery ``failed``. Recorded errors
are kinds (``smtp_4xx``, ``connection``...), never the server's text, which may echo addresses.
"""

from __future__ import annotations

import smtplib
import socket
from email.message import EmailMessage
from email.utils import make_msgid
from functools import lru_cache
from pathlib import Path

import structlog
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import Engine
from sqlalchemy.orm import Session as Db

from api.integrations.mail_http import MailApiFailed, send_http
from api.kit.db import utcnow
from api.notifications.models import EmailDelivery, Notification, NotificationSettings
from api.settings import ApiSettings

log = structlog.get_logger(__name__)
TEMPLATES = Path(__file__).parent / "templates"


class EmailFailed(Exception):
    """A retryable failure; the message is the error kind only."""


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(n: Notification, settings: ApiSettings) -> EmailMessage:
    context = {"title": n.title, "kind": n.kind, "event": n.event_kind, "status": n.status,
               "created_at": n.created_at.strftime("%Y-%m-%d %H:%M UTC"),
               "url": f"{settings.app_base_url.rstrip('/')}/notifications"}
    msg = EmailMessage()
    msg["Subject"] = f"[Lancer] {n.title}"
    msg["From"] = settings.email_from
    msg["Message-ID"] = make_msgid(idstring=f"notification-{n.id}", domain="lancer")
    msg.set_content(_env().get_template("notification.txt").render(context))
    msg.add_alternative(_env().get_template("notification.html").render(context), subtype="html")
    return msg


def _error_kind(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"smtp_{exc.smtp_code // 100}xx"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "recipients_refused"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timeout"
    if isinstance(exc, (OSError, smtplib.SMTPServerDisconnected)):
        return "connection"
    return type(exc).__name__[:64]


def configured(settings: ApiSettings) -> bool:
    if settings.email_provider == "http":
        return settings.email_http_url is not None and settings.email_http_token is not None
    return settings.smtp_host is not None


def _send(msg: EmailMessage, to: str, settings: ApiSettings) -> None:
    if settings.email_provider == "http":
        send_http(settings, msg, [to])
        return
    assert settings.smtp_host is not None
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_username, password)
        smtp.send_message(msg, to_addrs=[to])


def deliver(engine: Engine, settings: ApiSettings, delivery_id: int) -> str:
    """One attempt; returns the delivery's status, raises :class:`EmailFailed` to be retried."""
    with Db(engine, expire_on_commit=False) as db:
        delivery = db.get(EmailDelivery, delivery_id, with_for_update={"skip_locked": True})
        if delivery is None or delivery.status != "pending":
            return "gone" if delivery is None else delivery.status  # done already (a duplicate job)
        n = db.get(Notification, delivery.notification_id)
        to = db.get(NotificationSettings, n.user_id) if n else None
        if n is None or to is None or to.email is None or not configured(settings):
            delivery.status, delivery.last_error = "failed", "no_address"
            db.commit()
            return delivery.status
        msg = render(n, settings)
        msg["To"] = to.email
        delivery.attempts += 1
        db.commit()  # the attempt counts even if this process dies during the SMTP exchange
        try:
            _send(msg, to.email, settings)
        except (smtplib.SMTPException, OSError, MailApiFailed) as exc:
            kind = exc.kind if isinstance(exc, MailApiFailed) else _error_kind(exc)
            permanent = kind == "smtp_5xx" or (isinstance(exc, MailApiFailed) and not exc.retryable)
            final = delivery.attempts >= settings.email_max_attempts or permanent
            delivery.last_error = kind
            if final:
                delivery.status = "failed"
            db.commit()
            log.warning("notification email failed", delivery=delivery_id, error=kind, final=final)
            if not final:
                raise EmailFailed(kind) from None
            return delivery.status
        delivery.status, delivery.sent_at, delivery.last_error = "sent", utcnow(), None
        db.commit()
        return delivery.status
