"""Reputation for a seeded history equals lancer-rep-v2 computed by hand here; on-chain attestations are
indexed and count (by Lancer only), a reorg that removes one removes it from reputation; the cache
serves repeats and a data change makes a new key; EIP-1271 attesters verify; production needs the key."""

from __future__ import annotations

import math
from collections.abc import Callable
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from eth_account import Account
from sqlalchemy import text
from web3 import Web3

from api.attestations.service import version_key as attestation_version_key
from api.settings import ApiSettings
from contracts.artifacts import load_artifact
from devtools.accounts import local_dev_account
from contracts.eas.lancer_schemas import VERIFIED_SKILL
from contracts.eas.offchain import sign_offchain_attestation
from contracts.eas.onchain import offchain_domain
from indexer.core.errors import ConfigError
from tests.support.easkit import attest
from tests.support.reputation_env import VERIFIER, Env, completed_escrow

DAY = 86_400
# The chain starts 400 days ago; escrow A happens then, escrow B 200 days later: decay is visible.
ANVIL_ARGS = ["--timestamp", str(int(time.time()) - 400 * DAY)]


def block_time(env: Env, receipt: Any) -> datetime:
    return datetime.fromtimestamp(env.w3.eth.get_block(receipt["blockNumber"])["timestamp"], UTC)


def decay(at: datetime, now: datetime) -> float:
    return float(0.5 ** (max(0.0, (now - at).total_seconds()) / DAY / 180))


@pytest.fixture(scope="module")
def history(env: Env) -> dict[str, Any]:
    p = env.platform
    freelancer, client, arbiter = env.account(4), env.account(5), p.users[2]
    a, ra = completed_escrow(p, client.address, freelancer.address, arbiter, [4 * 10**18, 6 * 10**18], submit=(0,))
    env.platform.node.rpc("evm_increaseTime", [200 * DAY])
    b, rb = completed_escrow(p, client.address, freelancer.address, arbiter, [10**18, 2 * 10**18], native=True,
                             dispute={1: 3000})
    # Lancer attests a skill on chain itself; someone else's attestation must not count.
    lancer = env.settings.attester().address
    skill = VERIFIED_SKILL.encode({"skill": "rust", "level": 2, "evidenceHash": Web3.keccak(text="rust pr")})
    onchain_skill = attest(p, env.eas, lancer, VERIFIED_SKILL.uid, freelancer.address, skill)
    fake = VERIFIED_SKILL.encode({"skill": "haskell", "level": 5, "evidenceHash": Web3.keccak(text="trust me")})
    attest(p, env.eas, p.users[5], VERIFIED_SKILL.uid, freelancer.address, fake)
    env.index()

    verifier = env.token_for(VERIFIER)
    skill_body = {"recipient": freelancer.address, "skill": "solidity", "level": 4, "evidence": "audit report #12"}
    assert env.client.post("/v1/attestations/skills", json=skill_body, headers=env.token_for(client)).status_code == 403
    r = env.client.post("/v1/attestations/skills", json=skill_body, headers=verifier)
    assert r.status_code == 201, r.text
    skill_uid = r.json()["attestation"]["uid"]
    client_auth = env.token_for(client)
    reviews = []
    for escrow, rating in ((a, 4), (b, 2)):
        r = env.client.post("/v1/reviews", json={"chain_id": 31337, "escrow": escrow, "rating": rating,
                                                 "text": f"rated {rating}"}, headers=client_auth)
        assert r.status_code == 201, r.text
        reviews.append(r.json()["attestation"])
    return {"freelancer": freelancer, "client": client, "a": a, "b": b, "ra": ra, "rb": rb, "reviews": reviews,
            "skill_uid": skill_uid, "onchain_skill": onchain_skill, "auth": client_auth}


def test_seeded_history_equals_the_formula_by_hand(env: Env, history: dict[str, Any]) -> None:
    f = history["freelancer"].address
    r = env.client.get(f"/v1/reputation/{f}", headers=history["auth"])
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["formula_version"] == "lancer-rep-v2"
    now = datetime.fromisoformat(rep["as_of"])
    ra, rb = history["ra"], history["rb"]
    # Receipts: A = [create, fund, accept, submit 0, release 0, release 1 (Completed)];
    #           B = [create, fund, accept, release 0, dispute 1, resolve 1 (Completed)].
    done_a, done_b = block_time(env, ra[-1]), block_time(env, rb[-1])
    _, released_a, refunded_a, _ = env.platform.escrow(history["a"]).functions.totals().call()
    _, released_b, refunded_b, _ = env.platform.escrow(history["b"]).functions.totals().call()
    # lancer-rep-v2: each completion counts by the share released to the freelancer (B refunded 70% of 2 ETH).
    share_a, share_b = released_a / (released_a + refunded_a), released_b / (released_b + refunded_b)
    assert share_a == 1 and 0.5 < share_b < 0.6

    completed = 4 * (share_a * decay(done_a, now) + share_b * decay(done_b, now))
    units = released_a / 1e18 * decay(done_a, now) + released_b / 1e18 * decay(done_b, now)
    volume = min(20, 5 * math.log10(1 + units))
    on_time = decay(block_time(env, ra[4]), now) + decay(block_time(env, ra[5]), now) + decay(block_time(env, rb[3]), now)
    disputes = -5 * decay(block_time(env, rb[5]), now)  # the client won 70%: lost by the freelancer, not opened by him
    times = [datetime.fromtimestamp(rv["time"], UTC) for rv in history["reviews"]]
    weight = decay(times[0], now) + decay(times[1], now)
    average = (4 * decay(times[0], now) + 2 * decay(times[1], now)) / weight
    rating = 4 * (average - 1) * min(1, weight / 3)
    skills = 2 * 2  # solidity (offchain, by a verifier) and rust (on chain, by Lancer); not haskell
    age = 5 * min(1, (now - block_time(env, ra[0])).total_seconds() / DAY / 365)
    total = completed + volume + on_time + disputes + rating + skills + age

    parts = rep["parts"]
    assert parts["completed_escrows"]["count"] == 2 and parts["completed_escrows"]["points"] == pytest.approx(completed, abs=1e-3)
    assert parts["volume"]["points"] == pytest.approx(volume, abs=1e-3)
    tokens = {t["token"]: t["amount"] for t in parts["volume"]["per_chain"][0]["tokens"]}
    assert tokens == {env.platform.token.address: str(released_a), "0x" + "00" * 20: str(released_b)}
    assert parts["on_time_releases"]["count"] == 3 and parts["on_time_releases"]["points"] == pytest.approx(on_time, abs=1e-3)
    assert (parts["disputes"]["opened"], parts["disputes"]["won"], parts["disputes"]["lost"]) == (0, 0, 1)
    assert parts["disputes"]["points"] == pytest.approx(disputes, abs=1e-3)
    assert parts["rating"]["count"] == 2 and parts["rating"]["points"] == pytest.approx(rating, abs=1e-3)
    assert parts["verified_skills"]["skills"] == [{"skill": "rust", "level": 2}, {"skill": "solidity", "level": 4}]
    assert parts["account_age"]["points"] == pytest.approx(age, abs=1e-3)
    assert rep["score"] == pytest.approx(round(total, 2), abs=0.011)
    assert 0.15 < decay(done_a, now) < 0.3 < decay(done_b, now) < 0.6  # decay is at work (400 and 200 days)
    assert set(rep["attestations_counted"]) == {history["skill_uid"], history["onchain_skill"],
                                                *(rv["uid"] for rv in history["reviews"])}

    # The client's side: two completed escrows, one dispute opened and won.
    c = env.client.get(f"/v1/reputation/{history['client'].address}", headers=history["auth"]).json()
    assert (c["parts"]["disputes"]["opened"], c["parts"]["disputes"]["won"], c["parts"]["disputes"]["lost"]) == (1, 1, 0)


def test_skills_listed_for_the_user_and_publicly(env: Env, history: dict[str, Any]) -> None:
    f = history["freelancer"]
    mine = env.client.get("/v1/me/skills", headers=env.token_for(f)).json()
    assert [(s["skill"], s["level"], s["kind"]) for s in mine] == [("rust", 2, "onchain"), ("solidity", 4, "offchain")]
    public = env.client.get(f"/v1/reputation/{f.address}/skills", headers=history["auth"]).json()
    assert public == mine


def test_cache_serves_repeats_and_changes_with_the_data(env: Env, history: dict[str, Any]) -> None:
    f = history["freelancer"].address
    first = env.client.get(f"/v1/reputation/{f}", headers=history["auth"]).json()
    second = env.client.get(f"/v1/reputation/{f}", headers=history["auth"]).json()
    assert second["cached"] is True and second["score"] == first["score"] and second["as_of"] == first["as_of"]
    r = env.client.post("/v1/attestations/skills", headers=env.token_for(VERIFIER),
                        json={"recipient": f, "skill": "go", "level": 3, "evidence": "kata"})
    assert r.status_code == 201
    third = env.client.get(f"/v1/reputation/{f}", headers=history["auth"]).json()
    assert third["cached"] is False and third["index_version"] != first["index_version"]
    assert {"skill": "go", "level": 3} in third["parts"]["verified_skills"]["skills"]


def test_a_wallet_linked_elsewhere_is_seen_within_the_version_ttl(env: Env, history: dict[str, Any]) -> None:
    """Linked wallets decide which escrows and reviews count: a link written by another process (here SQL on
    the test's engine) moves the answer's key (the ``reputation`` data version) as soon as this process
    reads its versions again: within CACHE_VERSION_TTL_SECONDS (0.5 s; a repeat is answered under the
    read cache's version, ``api.reputation.service.remembered``). Well before the hour-long Redis cache
    (REPUTATION_CACHE_TTL_SECONDS) or the next hour could refresh it. About 1 s."""
    f = history["freelancer"].address
    env.token_for(history["freelancer"])  # signing in makes the freelancer a user
    env.client.get(f"/v1/reputation/{f}", headers=history["auth"])
    assert env.client.get(f"/v1/reputation/{f}", headers=history["auth"]).json()["cached"] is True
    other = Account.create().address
    with env.engine.begin() as conn:
        conn.execute(text("INSERT INTO user_wallets (id, user_id, address, chain_id, kind, linked_at) SELECT "
                          "gen_random_uuid(), user_id, :a, 31337, 'eoa', now() FROM user_wallets WHERE address = :f"),
                     {"a": other, "f": f})
    try:
        deadline = time.monotonic() + 5  # the bound is 0.5 s; the rest is room for a loaded machine
        while env.client.get(f"/v1/reputation/{f}", headers=history["auth"]).json()["cached"] is True:
            assert time.monotonic() < deadline, "the new link was not seen"
            time.sleep(0.02)
    finally:
        with env.engine.begin() as conn:
            conn.execute(text("DELETE FROM user_wallets WHERE address = :a"), {"a": other})


def test_an_attestation_counter_moved_elsewhere_is_seen_within_the_version_ttl(env: Env,
                                                                              history: dict[str, Any]) -> None:
    """The attestation counter (Redis, moved by another process issuing or revoking an attestation) is
    part of the read cache's version: a repeat answered under it changes within CACHE_VERSION_TTL_SECONDS."""
    f = history["freelancer"].address
    env.client.get(f"/v1/reputation/{f}", headers=history["auth"])
    first = env.client.get(f"/v1/reputation/{f}", headers=history["auth"]).json()
    assert first["cached"] is True
    moved = env.redis.incr(attestation_version_key(env.settings))
    deadline = time.monotonic() + 5  # the bound is 0.5 s; the rest is room for a loaded machine
    while (now := env.client.get(f"/v1/reputation/{f}", headers=history["auth"]).json())["index_version"] == \
            first["index_version"]:
        assert time.monotonic() < deadline, "the moved counter was not seen"
        time.sleep(0.02)
    assert now["index_version"].endswith(f".{moved}") and now["score"] == first["score"]


def _within_the_version_ttl(env: Env, history: dict[str, Any], address: str,
                            seen: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The first answer for which ``seen`` holds, polling: a change written by another process is seen
    within CACHE_VERSION_TTL_SECONDS (0.5 s); the deadline leaves room for a loaded machine."""
    deadline = time.monotonic() + 5
    while not seen(answer := env.client.get(f"/v1/reputation/{address}", headers=history["auth"]).json()):
        assert time.monotonic() < deadline, "the change was not seen"
        time.sleep(0.02)
    return answer


def test_reorg_removes_an_onchain_attestation_from_reputation(env: Env, history: dict[str, Any]) -> None:
    f = history["freelancer"].address
    p = env.platform
    data = VERIFIED_SKILL.encode({"skill": "cairo", "level": 5, "evidenceHash": Web3.keccak(text="starknet")})
    uid = attest(p, env.eas, env.settings.attester().address, VERIFIED_SKILL.uid, f, data)
    env.index()  # mines 3 blocks on top and indexes: the attestation is confirmed
    # The indexer is another process: its commits are seen within CACHE_VERSION_TTL_SECONDS (0.5 s).
    rep = _within_the_version_ttl(env, history, f, lambda r: uid in r["attestations_counted"])
    assert {"skill": "cairo", "level": 5} in rep["parts"]["verified_skills"]["skills"] and uid in rep["attestations_counted"]
    p.reorg(4)  # replaces the attestation's block and the 3 above it with empty blocks
    env.index()
    after = _within_the_version_ttl(env, history, f, lambda r: uid not in r["attestations_counted"])
    assert after["cached"] is False and uid not in after["attestations_counted"]
    assert all(s["skill"] != "cairo" for s in after["parts"]["verified_skills"]["skills"])
    assert env.client.get(f"/v1/attestations/{uid}").status_code == 404


def test_verify_eip1271_attester(env: Env) -> None:
    w3, owner = env.w3, local_dev_account(8)
    artifact = load_artifact("SmartWallet1271")
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["deploymentBytecode"]["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor(owner.address).transact({"from": owner.address}))
    wallet = receipt["contractAddress"]
    data = VERIFIED_SKILL.encode({"skill": "design", "level": 3, "evidenceHash": Web3.keccak(text="portfolio")})
    package = sign_offchain_attestation(owner, offchain_domain(w3, env.eas.address), schema=VERIFIED_SKILL.uid,
                                        recipient=owner.address, data=data, signer=wallet).to_json()
    out = env.client.post("/v1/attestations/verify", json=package).json()
    assert out["valid"] and out["signature_kind"] == "eip1271" and out["issued_by_lancer"] is False
    assert out["decoded"] == {"skill": "design", "level": "3", "evidenceHash": Web3.keccak(text="portfolio").to_0x_hex()}


def test_production_refuses_to_start_without_the_attester_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATTESTER_PRIVATE_KEY", raising=False)
    secrets = {"jwt_keys": '{"a": "' + "x" * 40 + '"}', "totp_encryption_keys": '{"a": "' + "A" * 43 + '="}',
               "data_encryption_keys": '{"a": "' + "B" * 43 + '="}',
               "siwe_domain": "app.lancer.example", "siwe_uri": "https://app.lancer.example"}
    with pytest.raises(ConfigError, match="ATTESTER_PRIVATE_KEY"):
        ApiSettings(environment="production", _env_file=None, **secrets)  # type: ignore[arg-type]
    with pytest.warns(UserWarning, match="ATTESTER_PRIVATE_KEY not set"):
        dev = ApiSettings(environment="test", _env_file=None, **secrets)  # type: ignore[arg-type]
    assert dev.attester().address == local_dev_account(9).address and "0x" not in repr(dev.attester_private_key)
    key = "0x" + "5a" * 32
    prod = ApiSettings(environment="production", _env_file=None, attester_private_key=key, **secrets)  # type: ignore[arg-type]
    assert prod.attester().key.to_0x_hex() == key
