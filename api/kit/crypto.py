"""Encryption at rest: AES-256-GCM key rings, and the sealed-string format of encrypted columns.

One design for every secret or personal value Lancer must read back (TOTP seeds, review texts, skill
evidence, audit IPs):

- AES-256-GCM, a fresh 96-bit nonce per encryption;
- the key id stored with each ciphertext, so keys rotate: add a key, make it active, re-encrypt
  (`lancer keys reencrypt`), then drop the old key;
- associated data naming the table, the column and the row, so a ciphertext copied to another row or
  column does not open.

TOTP seeds keep their own columns (key id + bytes). Other columns hold a *sealed string*
``enc1:<kid>:<base64url(nonce || ciphertext || tag)>``; JSON columns hold ``{"$enc": <sealed string>}``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

if TYPE_CHECKING:
    from api.settings import ApiSettings

SEALED_PREFIX = "enc1:"
JSON_ENVELOPE = "$enc"


class DecryptionError(Exception):
    """The ciphertext does not open with the named key (wrong key, tampered data, another row's
    ciphertext, or a key id the key ring does not hold)."""


class KeyRing:
    def __init__(self, keys: dict[str, bytes], active_kid: str, *, name: str = "key ring") -> None:
        if active_kid not in keys:
            raise ValueError("active key id not in key ring")
        self._keys = dict(keys)
        self.active_kid = active_kid
        self.name = name

    @property
    def kids(self) -> list[str]:
        return sorted(self._keys)

    def encrypt(self, plaintext: bytes, associated_data: bytes) -> tuple[str, bytes]:
        nonce = os.urandom(12)
        sealed = AESGCM(self._keys[self.active_kid]).encrypt(nonce, plaintext, associated_data)
        return self.active_kid, nonce + sealed

    def decrypt(self, kid: str, blob: bytes, associated_data: bytes) -> bytes:
        key = self._keys.get(kid)
        if key is None:
            raise DecryptionError(f"encrypted with key id {kid!r}, which {self.name} does not hold "
                                  f"(it holds {', '.join(map(repr, self.kids))})")
        if len(blob) < 12 + 16:
            raise DecryptionError("truncated ciphertext")
        try:
            return AESGCM(key).decrypt(blob[:12], blob[12:], associated_data)
        except InvalidTag:
            raise DecryptionError(f"ciphertext does not authenticate with key {kid!r} "
                                  "(wrong key, tampered, or moved from another row)") from None

    # --- sealed strings (text and JSON columns) ---------------------------------------------------

    def seal(self, plaintext: str, associated_data: str) -> str:
        kid, blob = self.encrypt(plaintext.encode(), associated_data.encode())
        return f"{SEALED_PREFIX}{kid}:{base64.urlsafe_b64encode(blob).decode().rstrip('=')}"

    def open(self, sealed: str, associated_data: str) -> str:
        kid, blob = parse_sealed(sealed)
        return self.decrypt(kid, blob, associated_data.encode()).decode()

    def seal_json(self, value: Any, associated_data: str) -> dict[str, str]:
        return {JSON_ENVELOPE: self.seal(json.dumps(value, separators=(",", ":")), associated_data)}

    def open_json(self, envelope: Any, associated_data: str) -> Any:
        if not is_sealed_json(envelope):
            raise DecryptionError("value is not encrypted (expected {\"$enc\": ...})")
        return json.loads(self.open(envelope[JSON_ENVELOPE], associated_data))

    def __repr__(self) -> str:  # never show key material
        return f"KeyRing({self.name}, kids={self.kids}, active={self.active_kid!r})"


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(SEALED_PREFIX)


def is_sealed_json(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {JSON_ENVELOPE} and is_sealed(value[JSON_ENVELOPE])


def sealed_kid(value: Any) -> str | None:
    """The key id of a sealed string or JSON envelope; None for anything else (plaintext)."""
    if is_sealed_json(value):
        value = value[JSON_ENVELOPE]
    if not is_sealed(value):
        return None
    return str(value[len(SEALED_PREFIX):].split(":", 1)[0])


def parse_sealed(sealed: str) -> tuple[str, bytes]:
    if not is_sealed(sealed):
        raise DecryptionError("value is not encrypted (no enc1: prefix)")
    try:
        kid, data = sealed[len(SEALED_PREFIX):].split(":", 1)
        return kid, base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except (ValueError, binascii.Error):
        raise DecryptionError("malformed encrypted value") from None


def new_key_b64() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def data_key_ring(settings: ApiSettings) -> KeyRing:
    """Review texts, skill evidence, audit IPs: DATA_ENCRYPTION_KEYS / DATA_ACTIVE_KID."""
    return KeyRing(settings.data_key_ring(), settings.data_active_kid or "", name="DATA_ENCRYPTION_KEYS")


def totp_key_ring(settings: ApiSettings) -> KeyRing:
    """TOTP seeds: TOTP_ENCRYPTION_KEYS / TOTP_ACTIVE_KID (their own ring, as before)."""
    return KeyRing(settings.totp_key_ring(), settings.totp_active_kid or "", name="TOTP_ENCRYPTION_KEYS")
