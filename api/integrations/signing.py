"""Standard Webhooks signing (https://www.standardwebhooks.com): ``whsec_`` secrets, the ``webhook-id``,
``webhook-timestamp`` and ``webhook-signature`` headers, signed with the ``standardwebhooks`` library that
receivers verify with. Secrets are stored encrypted (AES-256-GCM under the TOTP key ring, bound to the
endpoint's id) because signing needs them back."""

from __future__ import annotations

import base64
import os
import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from standardwebhooks.webhooks import Webhook as StandardWebhook

from api.settings import ApiSettings

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def sign_headers(secrets_: Sequence[str], msg_id: str, body: str, at: datetime | None = None) -> dict[str, str]:
    """The three Standard Webhooks headers; one ``v1,<sig>`` per secret (space-separated) during a rotation."""
    when = (at or datetime.now(UTC)).replace(microsecond=0)
    signatures = [StandardWebhook(s).sign(msg_id, when, body) for s in secrets_]
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(when.timestamp())),
            "webhook-signature": " ".join(signatures)}


def _aad(webhook_id: uuid.UUID) -> bytes:
    return f"lancer.webhook-secret:{webhook_id}".encode()


def seal(settings: ApiSettings, webhook_id: uuid.UUID, secret: str) -> tuple[str, bytes]:
    kid = settings.totp_active_kid or ""
    key = settings.totp_key_ring()[kid]
    nonce = os.urandom(12)
    return kid, nonce + AESGCM(key).encrypt(nonce, secret.encode(), _aad(webhook_id))


class SecretUnavailable(Exception):
    """The stored secret does not open (its key left the ring, or the row was tampered with)."""


def unseal(settings: ApiSettings, webhook_id: uuid.UUID, kid: str, blob: bytes) -> str:
    key = settings.totp_key_ring().get(kid)
    if key is None or len(blob) < 28:
        raise SecretUnavailable(kid)
    try:
        return AESGCM(key).decrypt(blob[:12], blob[12:], _aad(webhook_id)).decode()
    except InvalidTag:
        raise SecretUnavailable(kid) from None
