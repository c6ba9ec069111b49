"""Talking to the API as a dApp would: SIWE messages built with the ``siwe`` library, signed with
``eth-account``; sign-in, bearer headers. Shared by every API test package (import it; conftest files
only hold fixtures)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from eth_account import Account
from fastapi.testclient import TestClient

# The sign-in helpers live in devtools (the benchmarks use them against real servers); re-exported here.
from devtools.signin import DOMAIN, URI, bearer, build_message, iso, login, new_nonce, sign, siwe_body

__all__ = ["ADMIN", "DOMAIN", "URI", "all_pages", "backup_codes", "bearer", "build_message", "future", "iso",
           "login", "login_with_2fa", "new_nonce", "past", "sign", "siwe_body"]

ADMIN = Account.from_key("0x" + "a1" * 32)


def past(seconds: int) -> datetime:
    return datetime.now(UTC) - timedelta(seconds=seconds)


def future(seconds: int) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


# Backup codes of the accounts this test process enrolled in 2FA ((database, address) -> unused codes). A backup code
# gives a session with amr "otp" at once, where a TOTP code would need a fresh 30 s time step each time.
_BACKUP_CODES: dict[tuple[str, str], list[str]] = {}


def backup_codes(client: TestClient, account: Any) -> list[str]:
    return _BACKUP_CODES[(client.app.state.settings.database_url.get_secret_value(), account.address)]


def _renew_backup_codes(client: TestClient, account: Any) -> list[str]:
    """A fresh set of backup codes, made as the API makes them, for an account that used up the ten it was
    given: many modules sign the same admin in on one database."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from api.identity import mfa
    from api.identity.models import Wallet

    with Session(client.app.state.engine) as db:
        user_id = db.scalar(select(Wallet.user_id).where(Wallet.address == account.address))
        assert user_id is not None, "the account never signed in"
        codes = mfa.new_backup_codes(db, user_id)
        db.commit()
    return codes


def login_with_2fa(client: TestClient, account: Any) -> dict[str, Any]:
    """Tokens of a session that signed in with a second factor (admins and verifiers need one); enrols the
    account in TOTP on first use."""
    from api.identity import totp

    first = login(client, account)
    if not first["mfa_required"]:
        h = bearer(first["tokens"]["access_token"])
        setup = client.post("/v1/me/2fa/setup", headers=h)
        assert setup.status_code == 200, setup.text
        code = totp.code_at(setup.json()["secret"], totp.current_step())
        enabled = client.post("/v1/me/2fa/enable", json={"code": code}, headers=h)
        assert enabled.status_code == 200, enabled.text
        _BACKUP_CODES[(client.app.state.settings.database_url.get_secret_value(), account.address)] = enabled.json()["backup_codes"]
        first = login(client, account)
    codes = backup_codes(client, account)
    if not codes:
        codes[:] = _renew_backup_codes(client, account)
    r = client.post("/v1/auth/mfa", json={"mfa_token": first["mfa_token"], "backup_code": codes.pop()})
    assert r.status_code == 200, r.text
    return dict(r.json())


def all_pages(client: TestClient, url: str, headers: dict[str, str]) -> list[Any]:
    """Every item of a keyset-paginated list route, following ``next_cursor`` (``url`` has a query)."""
    items: list[Any] = []
    cursor = ""
    while True:
        r = client.get(url + (f"&cursor={cursor}" if cursor else ""), headers=headers)
        assert r.status_code == 200, (url, r.status_code, r.text[:300])
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if not cursor:
            return items


class LastingSession:
    """One signed-in session shared by many tests (e.g. an admin's, whose TOTP sign-in uses up a backup
    code): access tokens live minutes (ACCESS_TOKEN_TTL_SECONDS), so ``headers()`` refreshes the pair
    (rotating the refresh token; the session keeps its second factor) once half the token's life is gone."""

    def __init__(self, client: TestClient, tokens: dict[str, Any]) -> None:
        self.client, self.tokens, self.issued = client, tokens, time.monotonic()

    def headers(self) -> dict[str, str]:
        if time.monotonic() - self.issued > self.tokens["expires_in"] / 2:
            r = self.client.post("/v1/auth/refresh", json={"refresh_token": self.tokens["refresh_token"]})
            assert r.status_code == 200, r.text
            self.tokens, self.issued = dict(r.json()), time.monotonic()
        return bearer(self.tokens["access_token"])
