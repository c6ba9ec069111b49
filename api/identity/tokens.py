"""Access and MFA-pending JWTs (PyJWT, HS256, ``kid`` header, key ring) and opaque refresh tokens.

HS256 is enough here: the API is the only party that issues *and* verifies these tokens, so there is
no public key to hand out; rotation works by adding a new kid to ``JWT_KEYS``, switching
``JWT_ACTIVE_KID`` and removing the old kid once the longest token lifetime has passed. The verifier
pins the algorithm (no ``alg`` confusion), the issuer, the audience and the token type.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt

ALGORITHM = "HS256"
ACCESS_AUDIENCE = "lancer-api"
MFA_AUDIENCE = "lancer-mfa"
REFRESH_PREFIX = "lnr_"
# Seconds of clock skew allowed on exp/iat; a token is expired once ``exp + LEEWAY_SECONDS <= now`` (PyJWT's
# rule, which ``api.identity.sessioncache`` applies to the tokens it remembers).
LEEWAY_SECONDS = 5


class TokenError(Exception):
    """The token is malformed, expired, signed by an unknown key or otherwise unacceptable."""


@dataclass(frozen=True)
class AccessClaims:
    sub: str
    sid: str
    scope: list[str]
    jti: str
    iat: int
    exp: int
    # OIDC-style: when the session last proved who it is, and how (RFC 8176 values, e.g. swk, otp).
    auth_time: int
    amr: list[str]


class TokenSigner:
    def __init__(self, keys: dict[str, str], active_kid: str, issuer: str) -> None:
        self._keys = dict(keys)
        self.active_kid = active_kid
        self.issuer = issuer

    def _encode(self, claims: dict[str, Any], ttl: int, audience: str) -> tuple[str, int]:
        now = int(time.time())
        payload = {**claims, "iss": self.issuer, "aud": audience, "iat": now, "exp": now + ttl,
                   "jti": uuid.uuid4().hex}
        token = jwt.encode(payload, self._keys[self.active_kid], algorithm=ALGORITHM,
                           headers={"kid": self.active_kid, "typ": "JWT"})
        return token, now + ttl

    def issue_access(self, user_id: str, session_id: str, scope: list[str], ttl: int, *, auth_time: int,
                     amr: list[str]) -> tuple[str, int]:
        return self._encode({"sub": user_id, "sid": session_id, "scope": " ".join(scope), "auth_time": auth_time,
                             "amr": sorted(set(amr))}, ttl, ACCESS_AUDIENCE)

    def issue_mfa_pending(self, user_id: str, wallet: str, chain_id: int, ttl: int) -> tuple[str, int]:
        return self._encode({"sub": user_id, "wallet": wallet, "chain_id": chain_id}, ttl, MFA_AUDIENCE)

    def _decode(self, token: str, audience: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenError("token is not a JWT") from None
        kid = header.get("kid")
        if not isinstance(kid, str) or kid not in self._keys:
            raise TokenError("token signed with an unknown key")
        try:
            return jwt.decode(
                token, self._keys[kid], algorithms=[ALGORITHM], audience=audience, issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "jti", "aud", "iss"]}, leeway=LEEWAY_SECONDS,
            )
        except jwt.ExpiredSignatureError:
            raise TokenError("token expired") from None
        except jwt.PyJWTError:
            raise TokenError("token is invalid") from None

    def verify_access(self, token: str) -> AccessClaims:
        data = self._decode(token, ACCESS_AUDIENCE)
        if not isinstance(data.get("sid"), str) or not isinstance(data.get("scope"), str):
            raise TokenError("token is invalid")
        auth_time, amr = data.get("auth_time"), data.get("amr")
        if not isinstance(auth_time, int) or not isinstance(amr, list) or not all(isinstance(a, str) for a in amr):
            raise TokenError("token is invalid")
        return AccessClaims(sub=data["sub"], sid=data["sid"], scope=data["scope"].split(), jti=data["jti"],
                            iat=int(data["iat"]), exp=int(data["exp"]), auth_time=auth_time, amr=amr)

    def verify_mfa_pending(self, token: str) -> dict[str, Any]:
        return self._decode(token, MFA_AUDIENCE)

    def __repr__(self) -> str:
        return f"TokenSigner(kids={sorted(self._keys)}, active={self.active_kid!r})"


def new_refresh_token() -> str:
    return REFRESH_PREFIX + secrets.token_urlsafe(32)
