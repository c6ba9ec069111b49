"""RFC 6238 Appendix B test vectors (SHA-1) and the code-window/replay primitives."""

from __future__ import annotations

import base64

import pyotp
import pytest

from api.identity import totp
from api.identity.crypto import DecryptionError, KeyRing

SECRET = base64.b32encode(b"12345678901234567890").decode()
VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


@pytest.mark.parametrize(("when", "expected"), VECTORS)
def test_rfc6238_sha1_vectors(when: int, expected: str) -> None:
    assert pyotp.TOTP(SECRET, digits=8, interval=30).at(when) == expected
    # Our 6-digit codes are the same HOTP value truncated to 6 digits (RFC 4226 section 5.3).
    assert totp.code_at(SECRET, when // 30) == expected[-6:]
    assert totp.match_step(SECRET, expected[-6:], now=when) == when // 30


def test_window_is_plus_minus_one_step() -> None:
    now = 1_700_000_000
    step = now // 30
    for delta in (-1, 0, 1):
        assert totp.match_step(SECRET, totp.code_at(SECRET, step + delta), now=now) == step + delta
    for delta in (-2, 2):
        assert totp.match_step(SECRET, totp.code_at(SECRET, step + delta), now=now) is None
    assert totp.match_step(SECRET, "12345", now=now) is None
    assert totp.match_step(SECRET, "abcdef", now=now) is None


def test_provisioning_uri_speaks_authenticator_defaults() -> None:
    uri = totp.provisioning_uri(SECRET, "0xAbC", "Lancer")
    assert uri.startswith("otpauth://totp/Lancer:0xAbC?") and f"secret={SECRET}" in uri
    assert totp.qr_png_data_url(uri).startswith("data:image/png;base64,iVBOR")


def test_keyring_rotation_and_binding() -> None:
    old, new = b"\x01" * 32, b"\x02" * 32
    ring_old = KeyRing({"a": old}, "a")
    kid, blob = ring_old.encrypt(b"secret", b"user-1")
    ring = KeyRing({"a": old, "b": new}, "b")
    assert ring.decrypt(kid, blob, b"user-1") == b"secret"  # old ciphertexts still open after rotation
    assert ring.encrypt(b"x", b"u")[0] == "b"
    with pytest.raises(DecryptionError):
        ring.decrypt(kid, blob, b"user-2")  # bound to its owner
    with pytest.raises(DecryptionError):
        ring.decrypt("zz", blob, b"user-1")
    assert "\\x01" not in repr(ring)
