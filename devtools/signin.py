"""Signing in to a running API as a dApp would: a SIWE message built with the ``siwe`` library, signed with
``eth-account``, posted to ``/v1/auth/siwe``. Shared by the benchmarks (against a real server over httpx)
and the tests (``tests/support/api_client.py`` re-exports it for FastAPI's TestClient, an httpx client too),
so ``bench/`` never needs the tests package on its path."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from eth_account.messages import encode_defunct
from siwe import SiweMessage

# The SIWE domain and URI the tests and benchmarks configure the API with (SIWE_DOMAIN, SIWE_URI).
DOMAIN = "app.lancer.test"
URI = "https://app.lancer.test"


class SignInFailed(AssertionError):
    """The API refused a step of signing in. An AssertionError so pytest reports it like a failed check."""


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build_message(address: str, nonce: str, *, chain_id: int = 31337, domain: str = DOMAIN, uri: str = URI,
                  issued_at: datetime | None = None, expiration: datetime | None = None,
                  not_before: datetime | None = None, statement: str | None = "Sign in to Lancer") -> str:
    fields: dict[str, Any] = {
        "domain": domain, "address": address, "uri": uri, "version": "1", "chain_id": chain_id,
        "nonce": nonce, "issued_at": iso(issued_at or datetime.now(UTC)), "statement": statement,
    }
    if expiration:
        fields["expiration_time"] = iso(expiration)
    if not_before:
        fields["not_before"] = iso(not_before)
    return SiweMessage(**fields).prepare_message()


def sign(account: Any, message: str) -> str:
    return "0x" + account.sign_message(encode_defunct(text=message)).signature.hex().removeprefix("0x")


def _ok(r: httpx.Response) -> httpx.Response:
    if r.status_code != 200:
        raise SignInFailed(f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text[:500]}")
    return r


def new_nonce(client: httpx.Client) -> str:
    return str(_ok(client.get("/v1/auth/nonce")).json()["nonce"])


def siwe_body(client: httpx.Client, account: Any, **kwargs: Any) -> dict[str, str]:
    message = build_message(account.address, kwargs.pop("nonce", None) or new_nonce(client), **kwargs)
    return {"message": message, "signature": sign(account, message)}


def login(client: httpx.Client, account: Any, ua: str = "pytest-device", **kwargs: Any) -> dict[str, Any]:
    """The sign-in response (``tokens``, or ``mfa_token`` for a 2FA account) of ``account``."""
    r = client.post("/v1/auth/siwe", json=siwe_body(client, account, **kwargs), headers={"User-Agent": ua})
    return dict(_ok(r).json())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
