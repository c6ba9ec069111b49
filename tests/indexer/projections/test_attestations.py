"""EAS attestations of Lancer's schemas are indexed (decoded, revocations folded in), foreign schemas are
not fetched, a rebuild from raw events gives the same rows, and reorgs remove what they orphan."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, text
from web3 import Web3

from indexer import read_models
from contracts.eas.lancer_schemas import MILESTONE_REVIEW, VERIFIED_SKILL, milestone_ref
from contracts.eas.schemas import schema_uid
from indexer.projections import rebuild
from tests.support.chainkit import Platform
from tests.support.indexing import chain_config, sync
from tests.support.easkit import add_eas, attest, mine, revoke


def rows(engine: Engine, chain_id: int) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT uid, schema, attester, recipient, time, decoded::text, revoked_at, block_number, tx_hash "
            "FROM attestations WHERE chain_id = :c ORDER BY uid"), {"c": chain_id})]


def test_attestations_indexed_decoded_revoked_and_rebuilt(fresh_engine: Engine, tmp_path: Path,
                                                         platform_factory: Callable[..., Platform]) -> None:
    p = platform_factory(31337, seed=11)
    eas = add_eas(p, tmp_path / "deployments")
    chain = chain_config(p.node, confirmations=2)
    lancer, alice, bob = p.admin, p.users[0], p.users[1]
    skill = VERIFIED_SKILL.encode({"skill": "solidity", "level": 4, "evidenceHash": Web3.keccak(text="ev")})
    skill_uid = attest(p, eas, lancer, VERIFIED_SKILL.uid, alice, skill)
    review = MILESTONE_REVIEW.encode({"client": bob, "freelancer": alice, "escrow": milestone_ref(31337, bob, 0),
                                      "rating": 5, "amount": 2**200 + 1, "reviewHash": Web3.keccak(text="great")})
    review_uid = attest(p, eas, lancer, MILESTONE_REVIEW.uid, alice, review)
    # A schema that is not Lancer's: never fetched, never stored.
    foreign = "string note"
    p.tx(p.w3.eth.contract(address=add_registry(p), abi=eas_registry_abi()).functions.register(
        foreign, "0x" + "00" * 20, True), lancer)
    attest(p, eas, bob, schema_uid(foreign), alice, b"\0" * 64)
    p.random_activity(5)
    revoke(p, eas, lancer, MILESTONE_REVIEW.uid, review_uid)
    mine(p, 3)
    sync(fresh_engine, chain, p)

    with fresh_engine.connect() as conn:
        found = {a.uid: a for a in read_models.attestations(conn, recipient=alice)}
        assert set(found) == {skill_uid, review_uid}
        s, r = found[skill_uid], found[review_uid]
        assert s.schema_uid == VERIFIED_SKILL.uid and s.attester == lancer and s.confirmed
        assert s.decoded == {"skill": "solidity", "level": "4", "evidenceHash": Web3.keccak(text="ev").to_0x_hex()}
        assert s.revoked_at is None and s.data == "0x" + skill.hex()
        assert r.decoded is not None and r.decoded["amount"] == str(2**200 + 1) and r.decoded["rating"] == "5"
        assert r.revoked_at is not None and r.revocation_confirmed
        assert read_models.attestations(conn, schema=VERIFIED_SKILL.uid, recipient=alice)[0].uid == skill_uid
        stored = conn.execute(text("SELECT count(*) FROM events WHERE contract = 'EAS'")).scalar()
        assert stored == 3  # two Attested, one Revoked: the foreign schema's log was never fetched
    before = rows(fresh_engine, 31337)
    with fresh_engine.begin() as conn:
        rebuild(conn, 31337)
    assert rows(fresh_engine, 31337) == before


def test_reorg_removes_an_attestation_and_undoes_a_revocation(fresh_engine: Engine, tmp_path: Path,
                                                             platform_factory: Callable[..., Platform]) -> None:
    p = platform_factory(31337, seed=12)
    eas = add_eas(p, tmp_path / "deployments")
    chain = chain_config(p.node, confirmations=1)
    lancer, alice = p.admin, p.users[0]
    data = VERIFIED_SKILL.encode({"skill": "rust", "level": 3, "evidenceHash": Web3.keccak(text="x")})
    kept = attest(p, eas, lancer, VERIFIED_SKILL.uid, alice, data)
    mine(p, 2)
    sync(fresh_engine, chain, p)
    revoke(p, eas, lancer, VERIFIED_SKILL.uid, kept)
    doomed = attest(p, eas, lancer, VERIFIED_SKILL.uid, p.users[2], data)
    sync(fresh_engine, chain, p)
    with fresh_engine.connect() as conn:
        assert {a.uid for a in read_models.attestations(conn)} == {kept, doomed}
        assert read_models.attestations(conn, uid=kept)[0].revoked_at is not None
    p.reorg(2)  # drops the revocation's block and the second attestation's block
    sync(fresh_engine, chain, p)
    with fresh_engine.connect() as conn:
        left = read_models.attestations(conn)
    assert [a.uid for a in left] == [kept] and left[0].revoked_at is None


def add_registry(p: Platform) -> str:
    assert p.deployment.eas is not None
    return p.deployment.eas.schema_registry


def eas_registry_abi() -> list[dict[str, object]]:
    from contracts.artifacts import load_artifact

    return load_artifact("SchemaRegistry")["abi"]  # type: ignore[no-any-return]
