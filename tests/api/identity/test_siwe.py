"""Sign-In with Ethereum through the HTTP API: first login, checks with their own errors, nonce reuse."""

from __future__ import annotations

from typing import Any

from eth_account import Account
from fastapi.testclient import TestClient

from tests.support.api_client import DOMAIN, URI, bearer, build_message, future, login, new_nonce, past, sign, siwe_body


def _post(client: TestClient, body: dict[str, str]) -> Any:
    return client.post("/v1/auth/siwe", json=body)


def test_first_login_creates_user_and_links_wallet(client: TestClient, account: Any) -> None:
    out = login(client, account)
    assert out["new_user"] is True and out["mfa_required"] is False
    tokens = out["tokens"]
    me = client.get("/v1/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200, me.text
    assert [w["address"] for w in me.json()["wallets"]] == [account.address]
    again = login(client, account)
    assert again["new_user"] is False and again["user_id"] == out["user_id"]


def test_nonce_is_single_use_even_after_failure(client: TestClient, account: Any) -> None:
    body = siwe_body(client, account)
    assert _post(client, body).status_code == 200
    replay = _post(client, body)
    assert replay.status_code == 401 and replay.json()["type"] == "/problems/siwe-nonce"
    # A failed attempt (wrong signer) spends the nonce too.
    nonce = new_nonce(client)
    message = build_message(account.address, nonce)
    bad = _post(client, {"message": message, "signature": sign(Account.create(), message)})
    assert bad.status_code == 401 and bad.json()["type"] == "/problems/siwe-signature"
    good = _post(client, {"message": message, "signature": sign(account, message)})
    assert good.status_code == 401 and good.json()["type"] == "/problems/siwe-nonce"


def test_each_check_has_its_own_problem(client: TestClient, account: Any) -> None:
    cases = {
        "siwe-expired": dict(issued_at=past(120), expiration=past(90)),
        "siwe-not-yet-valid": dict(not_before=future(600)),
        "siwe-issued-at": dict(issued_at=future(600)),
        "siwe-domain": dict(domain="evil.example"),
        "siwe-uri": dict(uri="https://evil.example"),
        "siwe-chain": dict(chain_id=999_999),
    }
    for expected, kwargs in cases.items():
        r = _post(client, siwe_body(client, account, **kwargs))
        assert r.status_code == 401, (expected, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["type"] == f"/problems/{expected}", (expected, r.json())
        assert r.json()["detail"]


def test_clock_skew_is_allowed(client: TestClient, account: Any) -> None:
    r = _post(client, siwe_body(client, account, issued_at=future(20), not_before=future(20),
                                expiration=future(3600)))
    assert r.status_code == 200, r.text


def test_malformed_input_is_a_4xx_problem(client: TestClient, account: Any) -> None:
    nonce = new_nonce(client)
    message = build_message(account.address, nonce)
    for body, status in [
        ({"message": "hello", "signature": "0x" + "11" * 65}, 400),
        ({"message": message, "signature": "0xzz"}, 422),
        ({"message": message.replace(account.address, account.address.lower()), "signature": "0x" + "11" * 65}, 400),
        ({"message": message, "signature": "0x" + "11" * 65, "extra": 1}, 422),
        ({"message": 5, "signature": []}, 422),
        ({"message": "x" * 5000, "signature": "0x11"}, 422),
        ({"message": "x" * 2049, "signature": "0x11"}, 422),  # past the bound (SiweText)
        ({"message": "x" * 2048, "signature": "0x" + "11" * 65}, 400),  # junk: refused by the linear parser
        # Over-long domain: refused before the (quadratic) ABNF parse.
        ({"message": message.replace(DOMAIN, "a" * 300, 1), "signature": "0x" + "11" * 65}, 400),
        # Well shaped for the regular-expression parser, not for the EIP's ABNF (a tab in the statement):
        # the ABNF parser still judges.
        ({"message": message.replace("Sign in to Lancer", "Sign in\tto Lancer"), "signature": "0x" + "11" * 65}, 400),
    ]:
        r = _post(client, body)
        assert r.status_code == status, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "Traceback" not in r.text
    r = client.post("/v1/auth/siwe", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")


def test_hand_built_message_per_abnf(client: TestClient, account: Any) -> None:
    """A message written by hand from the EIP-4361 ABNF (with scheme, resources, request id)."""
    nonce = new_nonce(client)
    issued = past(5).strftime("%Y-%m-%dT%H:%M:%SZ")
    expires = future(300).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    message = (
        f"https://{DOMAIN} wants you to sign in with your Ethereum account:\n"
        f"{account.address}\n"
        "\n"
        "I accept the Lancer Terms of Service.\n"
        "\n"
        f"URI: {URI}\n"
        "Version: 1\n"
        "Chain ID: 31338\n"
        f"Nonce: {nonce}\n"
        f"Issued At: {issued}\n"
        f"Expiration Time: {expires}\n"
        "Request ID: req-42\n"
        "Resources:\n"
        "- ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/\n"
        f"- {URI}/terms"
    )
    r = _post(client, {"message": message, "signature": sign(account, message)})
    assert r.status_code == 200, r.text
    # No statement at all is valid too.
    nonce = new_nonce(client)
    bare = (f"{DOMAIN} wants you to sign in with your Ethereum account:\n{account.address}\n\n\n"
            f"URI: {URI}\nVersion: 1\nChain ID: 31337\nNonce: {nonce}\nIssued At: {issued}")
    r = _post(client, {"message": bare, "signature": sign(account, bare)})
    assert r.status_code == 200, r.text


def test_signature_over_other_text_is_rejected(client: TestClient, account: Any) -> None:
    nonce = new_nonce(client)
    message = build_message(account.address, nonce)
    tampered = message.replace("Sign in to Lancer", "Sign in to Lancer!")
    r = _post(client, {"message": tampered, "signature": sign(account, message)})
    assert r.status_code == 401 and r.json()["type"] == "/problems/siwe-signature"
