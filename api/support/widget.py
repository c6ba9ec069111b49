"""The support widget's configuration for the frontend, with the user's identity proof, and the
provider's REST API for chatbot escalations.

Identity verification keeps one user from opening another's conversations in the widget:
- Intercom: ``user_hash`` = HMAC-SHA256(identity verification secret, user_id), hex.
- Zendesk messaging: a JWT (HS256, header ``kid``) with ``external_id`` and ``scope: "user"``.

Escalation creates a conversation (Intercom ``POST /conversations``) or a ticket (Zendesk
``POST /api/v2/tickets.json``) under SUPPORT_PROVIDER_API_URL with a Bearer token, from an rq job (not in
the request). Errors are reported by kind only: a provider URL or token never reaches a response or a log.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from typing import Any

import httpx
import jwt

from api.settings import ApiSettings
from api.support.schemas import WidgetOut

TOKEN_TTL_SECONDS = 3600


def intercom_hash(secret: str, user_id: str) -> str:
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def widget_for(settings: ApiSettings, user_id: uuid.UUID) -> WidgetOut:
    provider = settings.support_widget
    if provider == "none":
        return WidgetOut(provider="none", app_id=None, user_id=None)
    uid = str(user_id)
    secret = settings.support_widget_secret.get_secret_value() if settings.support_widget_secret else None
    out = WidgetOut(provider=provider, app_id=settings.support_widget_app_id, user_id=uid)  # type: ignore[arg-type]
    if secret and provider == "intercom":
        out.user_hash = intercom_hash(secret, uid)
    elif secret and provider == "zendesk":
        now = int(time.time())
        headers = {"kid": settings.support_widget_key_id} if settings.support_widget_key_id else None
        out.token = jwt.encode({"external_id": uid, "scope": "user", "iat": now, "exp": now + TOKEN_TTL_SECONDS},
                               secret, algorithm="HS256", headers=headers)
    return out


def provider_configured(settings: ApiSettings) -> bool:
    return settings.support_widget != "none" and settings.support_provider_api_url is not None \
        and settings.support_provider_api_token is not None


def _request(settings: ApiSettings, user_id: uuid.UUID, subject: str, text: str) -> tuple[str, dict[str, Any]]:
    if settings.support_widget == "intercom":
        return "/conversations", {"from": {"type": "user", "user_id": str(user_id)}, "body": text}
    return "/api/v2/tickets.json", {"ticket": {"subject": subject, "comment": {"body": text},
                                               "requester": {"external_id": str(user_id)},
                                               "tags": ["lancer-chatbot"]}}


def _ref(provider: str, r: httpx.Response) -> str | None:
    """The created conversation's (Intercom) or ticket's (Zendesk) id from a success answer."""
    if not r.is_success:
        return None
    try:
        data = r.json()
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if provider == "intercom":
        found = data.get("conversation_id") or data.get("id")
    else:
        ticket = data.get("ticket")
        found = ticket.get("id") if isinstance(ticket, dict) else None
    return str(found)[:100] if found is not None else None


class ProviderFailed(Exception):
    """An escalation attempt failed; ``kind`` is a short code (never the URL or the exception's text)."""

    def __init__(self, kind: str, retryable: bool) -> None:
        super().__init__(kind)
        self.kind, self.retryable = kind, retryable


def escalate(settings: ApiSettings, user_id: uuid.UUID, subject: str, text: str) -> str:
    """Hand a question to the provider's live agents (one attempt, run by the rq job in ``api.support.jobs``);
    returns the provider's conversation/ticket id or raises :class:`ProviderFailed`."""
    if not provider_configured(settings):
        raise ProviderFailed("not_configured", retryable=False)
    assert settings.support_provider_api_url is not None and settings.support_provider_api_token is not None
    path, body = _request(settings, user_id, subject, text)
    headers = {"Authorization": f"Bearer {settings.support_provider_api_token.get_secret_value()}",
               "Accept": "application/json"}
    if settings.support_widget == "intercom":
        headers["Intercom-Version"] = "2.11"
    url = settings.support_provider_api_url.get_secret_value().rstrip("/") + path
    try:
        r = httpx.post(url, json=body, headers=headers, timeout=settings.support_provider_timeout_seconds)
    except httpx.HTTPError:
        raise ProviderFailed("unreachable", retryable=True) from None
    ref = _ref(settings.support_widget, r)
    if ref is None:
        # Throttling and server errors may pass; any other refusal (auth, validation) will not.
        retryable = r.status_code == 429 or r.status_code >= 500 or r.is_success
        raise ProviderFailed("bad_answer" if r.is_success else f"http_{r.status_code}", retryable=retryable)
    return ref
