"""Review flow end to end: escrow completes on anvil -> indexed and confirmed -> a party posts a review ->
offchain attestation returned and exportable -> rq job puts it on chain exactly once even when run twice
-> the indexer sees it; tampering fails verification; revocation stops it counting."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from eth_account import Account
from sqlalchemy.orm import Session

from api.attestations import jobs as attestation_jobs
from api.attestations.models import OffchainAttestation
from api.attestations.onchain import request_onchain
from contracts.eas.lancer_schemas import MILESTONE_REVIEW, milestone_ref
from contracts.eas.offchain import sign_offchain_attestation
from contracts.eas.onchain import eas_contract, offchain_domain
from tests.api.reputation import independent
from tests.support.reputation_env import ADMIN, Env, completed_escrow

REVIEW_TEXT = "Delivered early, clean Solidity, great communication."


@pytest.fixture(scope="module")
def reviewed(env: Env) -> dict[str, Any]:
    p = env.platform
    client, freelancer = env.account(1), env.account(2)
    escrow, _ = completed_escrow(p, client.address, freelancer.address, p.users[2], [3 * 10**18, 2 * 10**18],
                                 submit=(0,))
    body = {"chain_id": 31337, "escrow": escrow, "rating": 5, "text": REVIEW_TEXT, "onchain": True}
    auth = env.token_for(client)
    # Not indexed yet: the API knows only what the index knows.
    r = env.client.post("/v1/reviews", json=body, headers=auth)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    env.index()
    outsider = env.token_for(env.account(3))
    assert env.client.post("/v1/reviews", json=body, headers=outsider).status_code == 403
    assert env.client.post("/v1/reviews", json={**body, "extra": 1}, headers=auth).status_code == 422
    r = env.client.post("/v1/reviews", json=body, headers=auth)
    assert r.status_code == 201, r.text
    out = r.json()
    return {"escrow": escrow, "client": client, "freelancer": freelancer, "auth": auth, "body": body, **out}


def test_review_is_an_offchain_eas_attestation(env: Env, reviewed: dict[str, Any]) -> None:
    att = reviewed["attestation"]
    attester = env.settings.attester().address
    assert att["kind"] == "offchain" and att["schema_key"] == "milestone_review"
    assert att["recipient"] == reviewed["freelancer"].address and att["attester"] == attester
    independent.check(att["package"], attester, env.eas.address, 31337)
    decoded = MILESTONE_REVIEW.decode(bytes.fromhex(att["package"]["sig"]["message"]["data"][2:]))
    esc = env.platform.escrow(reviewed["escrow"])
    assert decoded["rating"] == 5 and decoded["amount"] == esc.functions.totals().call()[1]
    assert decoded["escrow"] == milestone_ref(31337, reviewed["escrow"])
    assert att["decoded"]["amount"] == str(decoded["amount"])
    # Exported exactly as EAS tools import it, and publicly.
    exported = env.client.get(f"/v1/attestations/{att['uid']}/eas").json()
    assert exported == att["package"]
    # One review per party and escrow.
    again = env.client.post("/v1/reviews", json=reviewed["body"], headers=reviewed["auth"])
    assert again.status_code == 409


@pytest.mark.parametrize("field", ["data", "time", "recipient", "salt", "uid"])
def test_tampering_fails_verification_through_the_api(env: Env, reviewed: dict[str, Any], field: str) -> None:
    package = copy.deepcopy(reviewed["attestation"]["package"])
    ok = env.client.post("/v1/attestations/verify", json=package).json()
    assert ok["valid"] and ok["issued_by_lancer"] and ok["signature_kind"] == "eoa" and ok["domain_known"]
    assert ok["schema"]["lancer_key"] == "milestone_review" and ok["revoked"] is False
    message = package["sig"]["message"]
    if field == "data":
        message["data"] = message["data"][:-2] + ("01" if message["data"][-2:] != "01" else "02")
    elif field == "time":
        message["time"] = int(message["time"]) + 1
    elif field == "recipient":
        message["recipient"] = Account.create().address
    elif field == "salt":
        message["salt"] = "0x" + "11" * 32
    else:
        package["sig"]["uid"] = "0x" + "22" * 32
    bad = env.client.post("/v1/attestations/verify", json=package).json()
    assert not bad["valid"] and ("bad_uid" in bad["problems"] or "bad_signature" in bad["problems"])


def test_verify_accepts_other_issuers_and_rejects_garbage(env: Env) -> None:
    other = Account.create()
    domain = offchain_domain(env.w3, env.eas.address)
    package = sign_offchain_attestation(other, domain, schema=MILESTONE_REVIEW.uid, recipient=other.address,
                                        data=b"\0" * 32).to_json()
    out = env.client.post("/v1/attestations/verify", json=package).json()
    assert out["issued_by_lancer"] is False and out["problems"] == ["undecodable_data"]
    r = env.client.post("/v1/attestations/verify", json={"sig": {"nope": 1}, "signer": other.address})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")


def attested_logs(env: Env) -> list[Any]:
    eas = eas_contract(env.w3, env.eas.address)
    return list(eas.events.Attested().get_logs(from_block=0, argument_filters={
        "attester": env.settings.attester().address, "schemaUID": bytes.fromhex(MILESTONE_REVIEW.uid[2:])}))


def test_onchain_copy_exactly_once_and_indexed(env: Env, reviewed: dict[str, Any]) -> None:
    uid = reviewed["attestation"]["uid"]
    assert reviewed["onchain_job"]
    before = len(attested_logs(env))
    env.run_jobs()
    first = env.client.get(f"/v1/attestations/{uid}").json()["onchain_copy"]
    assert first["status"] == "attested" and first["uid"] and first["tx_hash"]
    # The job runs again (a retry, a duplicate enqueue, a second worker): same UID, no new attestation.
    assert attestation_jobs.attest_onchain(uid) == first["uid"]
    with Session(env.engine) as db:
        request_onchain(db, env.settings, db.get(OffchainAttestation, uid), env.redis)  # type: ignore[arg-type]  # a retry's re-enqueue
    env.run_jobs()
    assert len(attested_logs(env)) == before + 1

    env.index()
    freelancer = reviewed["freelancer"].address
    page = env.client.get(f"/v1/attestations?recipient={freelancer}&schema=milestone_review",
                          headers=reviewed["auth"]).json()
    kinds = {(i["kind"], i["uid"]) for i in page["items"]}
    assert ("offchain", uid) in kinds and ("onchain", first["uid"]) in kinds
    onchain = next(i for i in page["items"] if i["uid"] == first["uid"])
    assert onchain["confirmed"] and onchain["chain_id"] == 31337 and onchain["tx_hash"]
    assert onchain["decoded"] == reviewed["attestation"]["decoded"]
    # Counted once in reputation (the on-chain copy is the same fact).
    rep = env.client.get(f"/v1/reputation/{freelancer}", headers=reviewed["auth"]).json()
    assert rep["parts"]["rating"]["count"] == 1 and rep["attestations_counted"] == [uid]


def test_revocation_stops_counting(env: Env, reviewed: dict[str, Any]) -> None:
    freelancer = reviewed["freelancer"].address
    uid = reviewed["attestation"]["uid"]
    auth = reviewed["auth"]
    assert env.client.post(f"/v1/attestations/{uid}/revoke", json={"reason": "x"}, headers=auth).status_code == 403
    admin_auth = env.token_for(ADMIN)
    r = env.client.post(f"/v1/attestations/{uid}/revoke", json={"reason": "review bought"}, headers=admin_auth)
    assert r.status_code == 202, r.text
    rep = env.client.get(f"/v1/reputation/{freelancer}", headers=auth).json()
    assert rep["cached"] is False and rep["parts"]["rating"]["count"] == 0
    env.run_jobs()  # EAS.revokeOffchain + EAS.revoke of the on-chain copy
    out = env.client.post("/v1/attestations/verify", json=reviewed["attestation"]["package"]).json()
    assert out["valid"] is False and out["problems"] == ["revoked"]
    env.index()
    copy_uid = env.client.get(f"/v1/attestations/{uid}").json()["onchain_copy"]["uid"]
    indexed = env.client.get(f"/v1/attestations/{copy_uid}").json()
    assert indexed["kind"] == "onchain" and indexed["revoked"] is True


def test_verify_with_a_blackholed_rpc_is_bounded(env: Env, reviewed: dict[str, Any]) -> None:
    """Anyone can call /verify and it asks the chain: with the RPC blackholed, the answer comes within
    the deadline after one connection (web3's hidden retries are off), and no 500."""
    import time

    from fastapi.testclient import TestClient

    from api.app import create_app
    from indexer.core.registry import load_registry, registry_json, with_rpc_urls
    from tests.support.blackhole import Blackhole

    hole = Blackhole()
    try:
        registry = with_rpc_urls(load_registry(env.settings.chain_registry_json), {31337: [hole.url]})
        settings = env.settings.model_copy(update={"chain_registry_json": registry_json(registry),
                                                   "siwe_rpc_timeout_seconds": 1})
        with TestClient(create_app(settings)) as c:
            started = time.monotonic()
            r = c.post("/v1/attestations/verify", json=reviewed["attestation"]["package"])
            elapsed = time.monotonic() - started
        assert r.status_code < 500 or r.status_code == 503, r.text
        assert hole.url not in r.text
        assert hole.accepted <= 1 and elapsed < 4, (hole.accepted, elapsed)
    finally:
        hole.close()
