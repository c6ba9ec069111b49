"""Talking to the API as a dApp would: SIWE messages built with the ``siwe`` library, signed with
``eth-account``; sign-in, bearer headers. Shared by every API test package (import it; conftest files
only hold fixtures)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from eth_account import Account
from eth_account.messages import encode_defunct
from fastapi.testclient import TestClient
from siwe import SiweMessage

DOMAIN = "app.lancer.test"
URI = "https://app.lancer.test"
ADMIN = Account.from_key("0x" + "a1" * 32)


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


def new_nonce(client: TestClient) -> str:
    r = client.get("/v1/auth/nonce")
    assert r.status_code == 200, r.text
    return r.json()["nonce"]


def siwe_body(client: TestClient, account: Any, **kwargs: Any) -> dict[str, str]:
    message = build_message(account.address, kwargs.pop("nonce", None) or new_nonce(client), **kwargs)
    return {"message": message, "signature": sign(account, message)}


def login(client: TestClient, account: Any, ua: str = "pytest-device", **kwargs: Any) -> dict[str, Any]:
    r = client.post("/v1/auth/siwe", json=siwe_body(client, account, **kwargs), headers={"User-Agent": ua})
    assert r.status_code == 200, r.text
    return r.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def past(seconds: int) -> datetime:
    return datetime.now(UTC) - timedelta(seconds=seconds)


def future(seconds: int) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


# Backup codes of the accounts this test process enrolled in 2FA ((database, address) -> unused codes). A backup code
# gives a session with amr "otp" at once, where a TOTP code would need a fresh 30 s time step each time.
_BACKUP_CODES: dict[tuple[str, str], list[str]] = {}


def backup_codes(client: TestClient, account: Any) -> list[str]:
    return _BACKUP_CODES[(client.app.state.settings.database_url.get_secret_value(), account.address)]


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
    assert codes, "out of backup codes for this account"
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
