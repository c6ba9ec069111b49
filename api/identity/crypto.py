"""Encryption at rest (AES-256-GCM with a key ring) and the hashes used for secrets we store.

- Secrets we must read back (TOTP seeds): AES-GCM, a fresh 96-bit nonce per encryption, the key id
  stored beside the ciphertext so keys can rotate, and associated data binding it to its owner.
- High-entropy tokens (refresh tokens, API key secrets: 256 random bits): SHA-256 is enough.
- Low-entropy codes (backup codes): scrypt with a per-code salt.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


class DecryptionError(Exception):
    """The ciphertext does not open with the named key (wrong key, tampered data or unknown key id)."""


class KeyRing:
    def __init__(self, keys: dict[str, bytes], active_kid: str) -> None:
        if active_kid not in keys:
            raise ValueError("active key id not in key ring")
        self._keys = dict(keys)
        self.active_kid = active_kid

    def encrypt(self, plaintext: bytes, associated_data: bytes) -> tuple[str, bytes]:
        nonce = os.urandom(12)
        sealed = AESGCM(self._keys[self.active_kid]).encrypt(nonce, plaintext, associated_data)
        return self.active_kid, nonce + sealed

    def decrypt(self, kid: str, blob: bytes, associated_data: bytes) -> bytes:
        key = self._keys.get(kid)
        if key is None or len(blob) < 12 + 16:
            raise DecryptionError("unknown key id or truncated ciphertext")
        try:
            return AESGCM(key).decrypt(blob[:12], blob[12:], associated_data)
        except InvalidTag:
            raise DecryptionError("ciphertext does not authenticate") from None

    def __repr__(self) -> str:  # never show key material
        return f"KeyRing(kids={sorted(self._keys)}, active={self.active_kid!r})"


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def slow_hash(code: str, salt: bytes) -> bytes:
    return hashlib.scrypt(code.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)


def equal(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)
