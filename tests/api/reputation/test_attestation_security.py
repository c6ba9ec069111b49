"""Issue 12 #3, #8, #11, #16 on a real anvil with EAS: the verification verdict is unambiguous, network
errors leak no provider URL, erasure redacts what Lancer holds beside attestations, and on-chain copies
(Lancer pays the gas) have a quota."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy import text
from web3 import Web3

from api.app import create_app
from api.privacy import service as privacy
from api.settings import ApiSettings
from contracts.eas.lancer_schemas import VERIFIED_SKILL
from contracts.eas.offchain import EasDomain, sign_offchain_attestation
from contracts.eas.onchain import offchain_domain
from indexer.core.registry import registry_json, with_rpc_urls
from tests.support.api_client import bearer, login, login_with_2fa
from tests.support.reputation_env import VERIFIER, Env

PROVIDER_KEY = "sk_live_" + "9f" * 12
DEAD_RPC = f"http://127.0.0.1:9/v3/{PROVIDER_KEY}"


def _skill_package(env: Env, signer_account: object, *, domain: EasDomain | None = None,
                   signer: str | None = None, schema: str = VERIFIED_SKILL.uid) -> dict:
    data = VERIFIED_SKILL.encode({"skill": "rust", "level": 2, "evidenceHash": Web3.keccak(text="x")})
    return sign_offchain_attestation(signer_account, domain or offchain_domain(env.w3, env.eas.address),  # type: ignore[arg-type]
                                     schema=schema, recipient=Account.create().address, data=data,
                                     signer=signer).to_json()


@pytest.fixture(scope="module")
def dead_rpc_client(env: Env) -> Iterator[TestClient]:
    """The same API whose node is unreachable, through a provider URL with a key in it."""
    registry = with_rpc_urls(env.settings.registry(), {31337: [DEAD_RPC]})
    settings = env.settings.model_copy(update={"chain_registry_json": registry_json(registry)})
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def test_a_forged_package_naming_lancer_is_not_issued_by_lancer(env: Env) -> None:
    forger = Account.create()
    package = _skill_package(env, forger, signer=env.settings.attester().address)
    out = env.client.post("/v1/attestations/verify", json=package).json()
    assert out["issued_by_lancer"] is False and out["valid"] is False and out["verdict"] == "invalid"
    assert "bad_signature" in out["problems"]


def test_lancers_own_signature_is_issued_by_lancer(env: Env) -> None:
    out = env.client.post("/v1/attestations/verify", json=_skill_package(env, env.settings.attester())).json()
    assert out["issued_by_lancer"] is True and out["valid"] is True and out["verdict"] == "valid"
    assert out["revocation"] == "not_revoked" and out["problems"] == []


def test_an_unpinned_domain_is_never_valid(env: Env) -> None:
    domain = EasDomain(chain_id=999_999, verifying_contract=env.eas.address, version="1.4.0")
    out = env.client.post("/v1/attestations/verify",
                          json=_skill_package(env, env.settings.attester(), domain=domain)).json()
    assert out["domain_known"] is False and out["valid"] is False and out["verdict"] == "indeterminate"
    assert "domain_not_pinned" in out["problems"]


def test_unreachable_revocation_check_is_indeterminate(env: Env, dead_rpc_client: TestClient) -> None:
    out = dead_rpc_client.post("/v1/attestations/verify", json=_skill_package(env, env.settings.attester())).json()
    assert out["valid"] is False and out["verdict"] == "indeterminate"
    assert out["revocation"] == "unknown" and "revocation_unknown" in out["problems"]


def test_a_failing_rpc_call_leaks_no_provider_url(env: Env, dead_rpc_client: TestClient) -> None:
    # A schema Lancer does not know is looked up in the chain's SchemaRegistry: that call fails.
    package = _skill_package(env, Account.create(), schema="0x" + secrets.token_hex(32))
    r = dead_rpc_client.post("/v1/attestations/verify", json=package)
    assert r.status_code == 503 and r.json()["type"].endswith("chain-unavailable")
    assert PROVIDER_KEY not in r.text and "127.0.0.1:9" not in r.text and "/v3/" not in r.text


def test_erasure_redacts_review_text_and_evidence_and_ids_are_never_public(env: Env) -> None:
    verifier = env.token_for(VERIFIER)
    recipient = Account.create()
    body = {"recipient": recipient.address, "skill": "go", "level": 3, "evidence": "github.com/me/private-repo"}
    r = env.client.post("/v1/attestations/skills", json=body, headers=verifier)
    assert r.status_code == 201, r.text
    uid = r.json()["attestation"]["uid"]
    public = env.client.get(f"/v1/attestations/{uid}").json()
    assert "verifier_user_id" not in (public["details"] or {})
    # The recipient signs up, then erases the account: the evidence about them goes.
    out = login(env.client, recipient)
    assert env.client.delete("/v1/me", headers=bearer(out["tokens"]["access_token"])).status_code == 202
    with env.engine.connect() as conn:
        request_id = conn.execute(text("SELECT id FROM privacy_deletions WHERE user_id = :u"),
                                  {"u": out["user_id"]}).scalar()
    assert privacy.erase_user(env.engine, request_id, now=datetime.now(UTC) + timedelta(days=365))
    after = env.client.get(f"/v1/attestations/{uid}").json()
    assert after["details"] == {"redacted": True} and "private-repo" not in str(after)
    assert after["decoded"]["skill"] == "go"  # the signed fact (hashes only) stays


def test_onchain_copies_have_a_quota(env: Env) -> None:
    settings: ApiSettings = env.settings.model_copy(update={
        "onchain_attestations_per_period": 2, "redis_key_prefix": f"{env.settings.redis_key_prefix}q{secrets.token_hex(2)}:"})
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        auth = bearer(login_with_2fa(client, VERIFIER)["access_token"])  # verifiers sign in with 2FA

        def skill(onchain: bool) -> int:
            body = {"recipient": Account.create().address, "skill": "ml", "level": 1, "evidence": "e",
                    "onchain": onchain}
            return client.post("/v1/attestations/skills", json=body, headers=auth).status_code

        codes = [skill(True) for _ in range(3)]
        assert codes == [201, 201, 429], codes
        assert skill(False) == 201  # offchain attestations cost Lancer nothing
