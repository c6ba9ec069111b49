"""The hashes used for secrets we store, and (re-exported from ``api.kit.crypto``) the key ring.

- Secrets we must read back (TOTP seeds): AES-256-GCM with a key ring (``api.kit.crypto``): a fresh
  96-bit nonce per encryption, the key id stored beside the ciphertext so keys can rotate, and
  associated data binding it to its owner.
- High-entropy tokens (refresh tokens, API key secrets: 256 random bits): SHA-256 is enough.
- Low-entropy codes (backup codes): scrypt with a per-code salt.
"""

from __future__ import annotations

import hashlib
import hmac

from api.kit.crypto import DecryptionError, KeyRing

__all__ = ["DecryptionError", "KeyRing", "token_hash", "slow_hash", "equal"]

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def slow_hash(code: str, salt: bytes) -> bytes:
    return hashlib.scrypt(code.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)


def equal(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)
