"""Attestation business logic: sign offchain attestations as Lancer, revoke, list/export, and verify
anyone's. Putting them on chain exactly once is ``api.attestations.onchain``.

Lancer's attester key (``ATTESTER_PRIVATE_KEY``) signs every attestation; who asked for it (the
reviewing party, the skill verifier) is recorded in ``details`` and ``created_by``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from collections.abc import Callable
from typing import Any

import structlog
from redis import Redis
from sqlalchemy import Engine, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as Db
from web3 import Web3

from api.attestations import schemas as s
from api.attestations.eas_chains import ChainEas, chain_eas, lancer_attesters, require_chain_eas, skill_chain
from api.attestations.models import OffchainAttestation
from api.identity.models import Wallet
from api.kit.pagination import decode_cursor, encode_cursor
from api.kit.problems import Problem
from api.settings import ApiSettings
from indexer import read_models
from contracts.eas.lancer_schemas import MILESTONE_REVIEW, VERIFIED_SKILL, by_uid, milestone_ref
from contracts.eas.offchain import OffchainFormatError, sign_offchain_attestation
from contracts.eas.verify import parse_package, verify_offchain_attestation
from contracts.eas.onchain import (
    eip1271_checker,
    offchain_revocation_checker,
    registry_schema_lookup,
)
from contracts.eas.schemas import EasSchema, exact_json
from indexer.core.errors import UnknownChainError
from indexer.core.addresses import checksum

log = structlog.get_logger(__name__)


# --- cache invalidation ------------------------------------------------------------------------------

def version_key(settings: ApiSettings) -> str:
    return f"{settings.redis_key_prefix}rep:attestations-version"


def bump_version(redis: Redis, settings: ApiSettings) -> None:
    """Every change to Lancer's attestations moves this counter; reputation cache keys include it."""
    redis.incr(version_key(settings))


def attestation_version(redis: Redis, settings: ApiSettings) -> int:
    return int(redis.get(version_key(settings)) or 0)


# --- issuing -----------------------------------------------------------------------------------------

def issue_attestation(db: Db, redis: Redis, settings: ApiSettings, *, kind: str, fact_key: str, where: ChainEas,
           schema: EasSchema, values: dict[str, Any], recipient: str, details: dict[str, Any],
           created_by: uuid.UUID | None) -> OffchainAttestation:
    existing = db.scalar(select(OffchainAttestation.uid).where(OffchainAttestation.fact_key == fact_key))
    if existing is not None:
        raise Problem(409, f"this was attested already: {existing}", type_="already-attested", uid=existing)
    signed = sign_offchain_attestation(settings.attester(), where.domain, schema=schema.uid, recipient=recipient,
                                       data=schema.encode(values))
    row = OffchainAttestation(
        uid=signed.uid, fact_key=fact_key, kind=kind, chain_id=where.chain.chain_id, schema_uid=schema.uid,
        attester=signed.signer, recipient=checksum(recipient), time=signed.message.time,
        expiration_time=signed.message.expiration_time, package=signed.to_json(),
        decoded=exact_json(schema.decode(signed.message.data)), details=details, created_by=created_by,
        onchain_status="none")
    db.add(row)
    try:
        db.commit()
    except IntegrityError:  # a concurrent request for the same fact won the race
        db.rollback()
        raise Problem(409, "this was attested already", type_="already-attested") from None
    bump_version(redis, settings)
    return row


def create_review(db: Db, engine: Engine, redis: Redis, settings: ApiSettings, user_id: uuid.UUID,
                  body: s.ReviewIn) -> OffchainAttestation:
    escrow = checksum(body.escrow)
    with engine.connect() as conn:
        try:
            engagement = read_models.confirmed_engagement(conn, body.chain_id, escrow)
        except UnknownChainError:
            engagement = None
    if engagement is None:
        raise Problem(404, "no confirmed escrow with this address on this chain in the index", type_="escrow-not-found")
    if not engagement.completed:
        raise Problem(409, "the escrow is not completed (confirmed) yet; review it once it is", type_="escrow-not-completed")
    wallets = set(db.scalars(select(Wallet.address).where(Wallet.user_id == user_id)))
    if engagement.client in wallets and engagement.freelancer in wallets:
        # Both parties are wallets of this user: a review of oneself, whichever wallet signs it.
        raise Problem(403, "both parties of this escrow are your wallets: you cannot review yourself",
                      type_="self-review")
    if engagement.client in wallets:
        reviewer, reviewee = engagement.client, engagement.freelancer
    elif engagement.freelancer in wallets:
        reviewer, reviewee = engagement.freelancer, engagement.client
    else:
        raise Problem(403, "only the escrow's client or freelancer can review it", type_="not-a-party")
    where = require_chain_eas(settings, body.chain_id)
    values = {"client": engagement.client, "freelancer": engagement.freelancer,
              "escrow": milestone_ref(body.chain_id, escrow), "rating": body.rating, "amount": engagement.released,
              "reviewHash": Web3.keccak(text=body.text)}
    return issue_attestation(db, redis, settings, kind="review", fact_key=f"review:{body.chain_id}:{escrow}:{reviewer}",
                  where=where, schema=MILESTONE_REVIEW, values=values, recipient=reviewee,
                  details={"text": body.text, "chain_id": body.chain_id, "escrow": escrow, "reviewer": reviewer,
                           "role": "client" if reviewer == engagement.client else "freelancer"},
                  created_by=user_id)


def eas_for(settings: ApiSettings, chain_id: int) -> ChainEas | None:
    """The EAS Lancer signs for on a chain, None when the chain has none (for other domains' issuers)."""
    return chain_eas(settings, chain_id)


def is_verifier(db: Db, settings: ApiSettings, user_id: uuid.UUID, is_admin: bool) -> bool:
    if is_admin:
        return True
    wallets = set(db.scalars(select(Wallet.address).where(Wallet.user_id == user_id)))
    return bool(wallets & set(settings.verifier_addresses) or wallets & set(settings.admin_addresses))


def create_skill(db: Db, redis: Redis, settings: ApiSettings, user_id: uuid.UUID, is_admin: bool,
                 body: s.SkillIn) -> OffchainAttestation:
    if not is_verifier(db, settings, user_id, is_admin):
        raise Problem(403, "only verifiers (VERIFIER_ADDRESSES) and admins can verify skills", type_="not-a-verifier")
    return issue_verified_skill(db, redis, settings, recipient=body.recipient, skill=body.skill, level=body.level,
                                evidence=body.evidence, created_by=user_id)


def issue_verified_skill(db: Db, redis: Redis, settings: ApiSettings, *, recipient: str, skill: str, level: int,
                         evidence: str, created_by: uuid.UUID | None,
                         details: dict[str, Any] | None = None) -> OffchainAttestation:
    """The one path that signs verified_skill: a verifier's request above, and passed skill
    verifications (api.verification) with the verification named in ``evidence``."""
    recipient = checksum(recipient)
    evidence_hash = Web3.keccak(text=evidence)
    values = {"skill": skill, "level": level, "evidenceHash": evidence_hash}
    return issue_attestation(db, redis, settings, kind="skill",
                  fact_key=f"skill:{recipient}:{skill}:{level}:{evidence_hash.to_0x_hex()}",
                  where=skill_chain(settings), schema=VERIFIED_SKILL, values=values, recipient=recipient,
                  details={"evidence": evidence, **(details or {})}, created_by=created_by)


# --- revocation --------------------------------------------------------------------------------------

def revoke_attestation(db: Db, engine: Engine, redis: Redis, settings: ApiSettings, uid: str,
                       user_id: uuid.UUID | None, body: s.RevokeIn) -> s.RevokedOut:
    uid = uid.lower()
    row = db.get(OffchainAttestation, uid)
    chain_id: int | None = None
    if row is not None:
        if row.revoked_at is None:
            row.revoked_at, row.revoked_by, row.revocation_reason = datetime.now(UTC), user_id, body.reason
            db.commit()
            bump_version(redis, settings)
        revoked_at = row.revoked_at
        chain_id = row.onchain_chain_id or row.chain_id
    else:
        with engine.connect() as conn:
            indexed = read_models.attestations(conn, uid=uid)
        ours = [a for a in indexed if a.attester in lancer_attesters(settings)]
        if not ours:
            raise Problem(404, "no attestation by Lancer with this UID", type_="attestation-not-found")
        revoked_at, chain_id = ours[0].revoked_at, ours[0].chain_id
    job_id = None
    if body.onchain:
        from api.kit.queue import get_queue

        job = get_queue(settings, redis).enqueue("api.attestations.jobs.revoke_onchain", uid, chain_id,
                                                 job_id=f"revoke-{uid[2:]}")
        job_id = str(job.id)
    return s.RevokedOut(uid=uid, revoked_at=revoked_at, onchain_job=job_id)


# --- listing and export ------------------------------------------------------------------------------

def _schema_key(uid: str) -> str | None:
    schema = by_uid(uid)
    return schema.key if schema else None


# Lancer's internal identifiers never leave through the public attestation routes (older rows kept
# the verifier's user id in details; the issuer is in created_by).
INTERNAL_DETAILS = ("verifier_user_id", "user_id", "created_by")
REDACTED_DETAILS = {"redacted": True}


def public_details(details: dict[str, Any] | None) -> dict[str, Any] | None:
    if details is None:
        return None
    return {k: v for k, v in details.items() if k not in INTERNAL_DETAILS}


def redact_personal_data(db: Db, user_id: uuid.UUID, wallets: list[str]) -> int:
    """Erasure: drop the personal data Lancer holds beside attestations the user wrote (review texts,
    evidence they gave as verifier) or received (evidence about their skills). The signed packages stay:
    they hold only hashes of that text, and recipients may have exported them."""
    ours = (OffchainAttestation.created_by == user_id) | OffchainAttestation.recipient.in_(wallets)
    rows = list(db.scalars(select(OffchainAttestation).where(ours)))
    for row in rows:
        kept = {k: v for k, v in (row.details or {}).items() if k in ("chain_id", "escrow", "role")}
        row.details = {**kept, **REDACTED_DETAILS}
        row.created_by = None
    return len(rows)


def offchain_out(row: OffchainAttestation) -> s.AttestationOut:
    return s.AttestationOut(
        uid=row.uid, kind="offchain", schema_uid=row.schema_uid, schema_key=_schema_key(row.schema_uid),
        attester=row.attester, recipient=row.recipient, time=row.time, expiration_time=row.expiration_time,
        revoked=row.revoked_at is not None, revoked_at=row.revoked_at, decoded=row.decoded,
        package=s.EasPackage(**row.package), chain_id=row.chain_id, details=public_details(row.details),
        onchain_copy=None if row.onchain_status == "none" else s.OnchainRef(
            chain_id=row.onchain_chain_id or row.chain_id, uid=row.onchain_uid, tx_hash=row.onchain_tx,
            status=row.onchain_status))


def onchain_out(a: read_models.IndexedAttestation) -> s.AttestationOut:
    return s.AttestationOut(
        uid=a.uid, kind="onchain", schema_uid=a.schema_uid, schema_key=_schema_key(a.schema_uid), attester=a.attester,
        recipient=a.recipient, time=a.time, expiration_time=a.expiration_time, revoked=a.revoked_at is not None,
        revoked_at=a.revoked_at, decoded=a.decoded, chain_id=a.chain_id, tx_hash=a.tx_hash,
        block_number=a.block_number, confirmed=a.confirmed)


def resolve_schema(value: str | None) -> str | None:
    if value is None:
        return None
    if value.startswith("0x"):
        return value.lower()
    from contracts.eas.lancer_schemas import by_key

    try:
        return by_key(value).uid
    except KeyError:
        raise Problem(422, f"unknown schema {value!r}: give a schema UID or one of Lancer's keys",
                      type_="unknown-schema") from None


def _cursor(out: s.AttestationOut) -> str:
    return encode_cursor([out.time, out.uid])


def _parse_cursor(cursor: str | None) -> tuple[int, str] | None:
    key = decode_cursor(cursor, (int, str))
    return (key[0], key[1]) if key else None


def list_attestations(db: Db, engine: Engine, *, recipient: str | None, schema: str | None, limit: int,
                      cursor: str | None) -> s.AttestationPage:
    """Offchain (Lancer's database) and on-chain (index) attestations, newest first by (time, uid)."""
    before = _parse_cursor(cursor)
    recipient = checksum(recipient) if recipient else None
    schema_uid = resolve_schema(schema)
    q = select(OffchainAttestation)
    if recipient:
        q = q.where(OffchainAttestation.recipient == recipient)
    if schema_uid:
        q = q.where(OffchainAttestation.schema_uid == schema_uid)
    if before:
        q = q.where(tuple_(OffchainAttestation.time, OffchainAttestation.uid) < before)
    offchain = [offchain_out(r) for r in db.scalars(
        q.order_by(OffchainAttestation.time.desc(), OffchainAttestation.uid.desc()).limit(limit + 1))]
    with engine.connect() as conn:
        onchain = [onchain_out(a) for a in read_models.attestations(
            conn, recipient=recipient, schema=schema_uid, before=before, limit=limit + 1)]
    merged = sorted(offchain + onchain, key=lambda o: (o.time, o.uid), reverse=True)
    page = merged[:limit]
    return s.AttestationPage(items=page, next_cursor=_cursor(page[-1]) if len(merged) > limit and page else None)


def get_attestation(db: Db, engine: Engine, uid: str) -> s.AttestationOut:
    row = db.get(OffchainAttestation, uid.lower())
    if row is not None:
        return offchain_out(row)
    with engine.connect() as conn:
        found = read_models.attestations(conn, uid=uid)
    if not found:
        raise Problem(404, "no attestation with this UID", type_="attestation-not-found")
    return onchain_out(found[0])


def list_skills(db: Db, engine: Engine, settings: ApiSettings, addresses: list[str]) -> list[s.SkillOut]:
    """Verified skills (highest level per skill) of these wallets: Lancer's live verified_skill attestations."""
    best: dict[str, s.SkillOut] = {}
    for a in counted_attestations(db, engine, settings, addresses, schema=VERIFIED_SKILL.uid):
        out = s.SkillOut(skill=str(a.decoded["skill"]), level=int(a.decoded["level"]), uid=a.uid, kind=a.kind,
                         attester=a.attester, time=a.time)
        if out.skill not in best or out.level > best[out.skill].level:
            best[out.skill] = out
    return sorted(best.values(), key=lambda o: o.skill)


def counted_attestations(db: Db, engine: Engine, settings: ApiSettings, addresses: list[str],
                         schema: str | None = None, now: int | None = None) -> list[s.AttestationOut]:
    """The attestations reputation counts: by Lancer's attesters, not revoked, not expired; on-chain ones
    only when confirmed, and never the on-chain copy of an offchain one (counted once)."""
    now = int(datetime.now(UTC).timestamp()) if now is None else now
    attesters = lancer_attesters(settings)
    q = select(OffchainAttestation).where(OffchainAttestation.recipient.in_(addresses))
    if schema:
        q = q.where(OffchainAttestation.schema_uid == schema)
    rows = list(db.scalars(q))
    copies = {r.onchain_uid for r in rows if r.onchain_uid}
    out = [offchain_out(r) for r in rows if r.revoked_at is None and r.attester in attesters]
    with engine.connect() as conn:
        for address in addresses:
            for a in read_models.attestations(conn, recipient=address, schema=schema, confirmed_only=True, limit=1000):
                if a.uid not in copies and a.attester in attesters and a.revoked_at is None:
                    out.append(onchain_out(a))
    return [o for o in out if (o.expiration_time == 0 or o.expiration_time > now) and o.decoded is not None]


# --- verification ------------------------------------------------------------------------------------

def verify(db: Db, settings: ApiSettings, body: s.VerifyIn,
           web3_for: Callable[[str], Web3] | None = None) -> s.VerifyOut:
    """Check any EAS offchain attestation. The verdict is ``valid`` only when every check passed, the
    domain is pinned to a chain and EAS contract Lancer knows, and revocation was actually checked;
    ``indeterminate`` when nothing failed but one of those two could not be established. ``web3_for``
    makes the chain client (the router's is bounded: no retries, one deadline)."""
    try:
        att = parse_package(body.model_dump())
    except OffchainFormatError as exc:
        raise Problem(422, f"not an EAS offchain attestation: {exc}", type_="invalid-attestation") from None
    where = chain_eas(settings, att.domain.chain_id)
    kwargs: dict[str, Any] = {}
    if where is not None:
        w3 = where.web3() if web3_for is None else web3_for(where.chain.rpc_url_strings[0])
        onchain_revoked = offchain_revocation_checker(w3, where.eas.eas)
        kwargs = {"chain_id": where.chain.chain_id, "eas_address": where.eas.eas,
                  "schema_lookup": registry_schema_lookup(w3, where.eas.schema_registry),
                  "eip1271_check": eip1271_checker(w3)}
    else:
        onchain_revoked = None

    def is_revoked(uid: str, attester: str) -> bool | None:
        row = db.get(OffchainAttestation, uid)
        if row is not None and row.attester == attester and row.revoked_at is not None:
            return True
        if onchain_revoked is None:
            return None  # no chain to ask: an EAS.revokeOffchain is unknowable here
        try:
            return bool(onchain_revoked(uid, attester))
        except Exception as exc:  # the node is unreachable: the revocation state is unknown, not "no"
            log.warning("attestation verify: revocation check failed", chain_id=att.domain.chain_id,
                        error=type(exc).__name__)
            return None

    try:
        result = verify_offchain_attestation(att, is_revoked=is_revoked, **kwargs)
    except Exception as exc:  # an RPC failure while asking the chain; its text may hold the provider URL
        log.warning("attestation verify: chain unreachable", chain_id=att.domain.chain_id, error=type(exc).__name__)
        raise Problem(503, f"could not reach chain {att.domain.chain_id} to verify; try again later",
                      type_="chain-unavailable") from None
    problems = [p.value for p in result.problems]
    unverified = []
    if where is None:
        unverified.append(s.DOMAIN_NOT_PINNED)
    if result.revoked is None:
        unverified.append(s.REVOCATION_UNKNOWN)
    verdict = "invalid" if problems else ("indeterminate" if unverified else "valid")
    # Lancer signs with an EOA: a package merely naming Lancer's address as signer proves nothing.
    signed_by_lancer = result.signature_kind == "eoa" and result.signer in lancer_attesters(settings)
    schema = result.schema
    return s.VerifyOut(
        valid=verdict == "valid", verdict=verdict, uid=result.uid, signer=result.signer,
        problems=problems + unverified, signature_kind=result.signature_kind, chain_id=att.domain.chain_id,
        domain_known=where is not None,
        schema=s.SchemaOut(uid=att.message.schema.lower(), definition=schema.definition,
                           lancer_key=_schema_key(att.message.schema)) if schema else None,
        decoded=exact_json(result.decoded) if result.decoded is not None else None, revoked=result.revoked,
        revocation="unknown" if result.revoked is None else ("revoked" if result.revoked else "not_revoked"),
        issued_by_lancer=signed_by_lancer)
