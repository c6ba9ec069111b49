"""RFC 6238 TOTP (SHA-1, 30 s steps, 6 digits: what every authenticator app speaks) via pyotp.

``match_step`` says *which* time step a code belongs to (within +-1 step), so the caller can accept
each step once and refuse replays.
"""

from __future__ import annotations

import base64
import hmac
import io
import secrets
import time

import pyotp
import qrcode
import qrcode.image.pure

DIGITS = 6
PERIOD = 30
WINDOW = 1
BACKUP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def new_secret() -> str:
    return pyotp.random_base32(32)  # 160 bits, RFC 4226's recommended length


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD)


def code_at(secret: str, step: int) -> str:
    return _totp(secret).generate_otp(step)


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // PERIOD)


def match_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step (now-1, now, now+1) whose code equals ``code``; None when none does."""
    if len(code) != DIGITS or not code.isdigit():
        return None
    step = current_step(now)
    found = None
    for candidate in (step - WINDOW, step, step + WINDOW):
        # Compare every candidate (no early exit) in constant time.
        if hmac.compare_digest(code_at(secret, candidate), code):
            found = candidate
    return found


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    return _totp(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_png_data_url(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.pure.PyPNGImage, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def new_backup_code() -> str:
    raw = "".join(secrets.choice(BACKUP_ALPHABET) for _ in range(10))  # ~49.5 bits
    return f"{raw[:5]}-{raw[5:]}"


def normalize_backup_code(code: str) -> str:
    raw = "".join(ch for ch in code.lower() if ch.isalnum())
    return f"{raw[:5]}-{raw[5:]}" if len(raw) == 10 else ""
