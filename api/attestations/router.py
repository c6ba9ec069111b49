"""Attestation routes: reviews, skill verification, export (EAS format), verification, revocation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session as Db

from api.attestations import schemas as s
from api.attestations import onchain, service
from api.audit import service as audit
from api.auth import Principal, Scope, admin, public, scope, user
from api.kit.deps import get_db, get_engine
from api.identity.models import Wallet
from api.kit.pagination import Cursor, Limit
from api.kit.client import client_context
from api.kit.client import client_ip
from api.kit.problems import Problem

router = APIRouter(tags=["attestations"])
DbDep = Annotated[Db, Depends(get_db)]
EngineDep = Annotated[Engine, Depends(get_engine)]
Uid = Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{64}$")]
AddressQuery = Annotated[str | None, Query(pattern=r"^0x[0-9a-fA-F]{40}$", description="Recipient wallet")]


def _record(request: Request, principal: Principal, db: Db, action: str, **details: object) -> None:
    audit.record(db, client_context(request), action, actor_user_id=principal.user_id, target=str(details.get("uid")),
                 details=details)
    db.commit()


@contextmanager
def _onchain_quota(state: Any, user_id: uuid.UUID, wanted: bool) -> Iterator[None]:
    """Reserve a slot of the user's on-chain quota before issuing; give it back if issuing fails."""
    if not wanted:
        yield
        return
    onchain.reserve_onchain_quota(state.redis, state.settings, user_id)
    try:
        yield
    except BaseException:
        onchain.release_onchain_quota(state.redis, state.settings, user_id)
        raise


@router.post("/v1/reviews", response_model=s.IssuedOut, status_code=201,
             summary="Review the other party of a completed escrow (offchain EAS attestation)",
             responses={403: {"description": "Not a party of the escrow"}, 404: {"description": "Escrow not indexed"},
                        409: {"description": "Not completed yet, or already reviewed"},
                        429: {"description": "On-chain attestation quota used up"}})
def create_review(body: s.ReviewIn, principal: Annotated[Principal, user()], request: Request, db: DbDep,
                  engine: EngineDep) -> s.IssuedOut:
    state = request.app.state
    assert principal.user_id is not None
    with _onchain_quota(state, principal.user_id, body.onchain):
        row = service.create_review(db, engine, state.redis, state.settings, principal.user_id, body)
    job = onchain.request_onchain(db, state.settings, row, state.redis) if body.onchain else None
    _record(request, principal, db, "attestation.review", uid=row.uid)
    db.refresh(row)
    return s.IssuedOut(attestation=service.offchain_out(row), onchain_job=job)


@router.post("/v1/attestations/skills", response_model=s.IssuedOut, status_code=201,
             summary="Verify a user's skill (verifiers and admins, signed in with TOTP 2FA)",
             responses={403: {"description": "Not a verifier, or no 2FA"}, 409: {"description": "Already attested"},
                        429: {"description": "On-chain attestation quota used up"}})
def create_skill(body: s.SkillIn, principal: Annotated[Principal, user(mfa=True)], request: Request, db: DbDep) -> s.IssuedOut:
    state = request.app.state
    assert principal.user_id is not None
    with _onchain_quota(state, principal.user_id, body.onchain):
        row = service.create_skill(db, state.redis, state.settings, principal.user_id, principal.is_admin, body)
    job = onchain.request_onchain(db, state.settings, row, state.redis) if body.onchain else None
    _record(request, principal, db, "attestation.skill", uid=row.uid)
    db.refresh(row)
    return s.IssuedOut(attestation=service.offchain_out(row), onchain_job=job)


@router.get("/v1/me/skills", response_model=list[s.SkillOut], summary="My verified skills (all my wallets)")
def my_skills(principal: Annotated[Principal, user()], request: Request, db: DbDep,
              engine: EngineDep) -> list[s.SkillOut]:
    wallets = list(db.scalars(select(Wallet.address).where(Wallet.user_id == principal.user_id)))
    return service.list_skills(db, engine, request.app.state.settings, wallets)


@router.get("/v1/attestations", response_model=s.AttestationPage,
            summary="Attestations (offchain ones with their EAS export, on-chain ones with chain and tx)")
def list_attestations(_: Annotated[Principal, scope(Scope.READ_REPUTATION)], db: DbDep, engine: EngineDep,
                      recipient: AddressQuery = None,
                      schema: Annotated[str | None, Query(max_length=66, description="Schema UID or Lancer key")] = None,
                      limit: Limit = 50, cursor: Cursor = None) -> s.AttestationPage:
    return service.list_attestations(db, engine, recipient=recipient, schema=schema, limit=limit, cursor=cursor)


@router.get("/v1/attestations/{uid}", response_model=s.AttestationOut, dependencies=[public()],
            summary="One attestation by UID", responses={404: {"description": "Unknown UID"}})
def get_attestation(uid: Uid, db: DbDep, engine: EngineDep) -> s.AttestationOut:
    return service.get_attestation(db, engine, uid)


@router.get("/v1/attestations/{uid}/eas", response_model=s.EasPackage, dependencies=[public()],
            summary="The offchain attestation exactly as EAS tools import it: {sig, signer}",
            responses={404: {"description": "Unknown UID, or an on-chain attestation (read it from EAS)"}})
def get_package(uid: Uid, db: DbDep, engine: EngineDep) -> s.EasPackage:
    found = service.get_attestation(db, engine, uid)
    if found.package is None:
        raise Problem(404, "an on-chain attestation has no offchain package: read it with EAS.getAttestation(uid)",
                      type_="not-offchain")
    return found.package


@router.post("/v1/attestations/verify", response_model=s.VerifyOut, dependencies=[public()],
             summary="Verify any EAS offchain attestation (signature incl. EIP-1271, UID, schema, expiry, revocation)",
             responses={422: {"description": "Not an EAS offchain attestation package"}})
def verify(body: s.VerifyIn, request: Request, db: DbDep) -> s.VerifyOut:
    # Anyone can call this and it may ask a chain: bounded like contract-wallet sign-in (api.kit.rpcguard).
    with request.app.state.rpc_guard.slot(client_ip(request)) as deadline:
        return service.verify(db, request.app.state.settings, body,
                              web3_for=lambda url: request.app.state.rpc_guard.web3(url, deadline))


@router.post("/v1/attestations/{uid}/revoke", response_model=s.RevokedOut, status_code=202,
             summary="Revoke one of Lancer's attestations (and, in a job, on chain)",
             responses={404: {"description": "Not an attestation by Lancer"}})
def revoke(uid: Uid, body: s.RevokeIn, principal: Annotated[Principal, admin()], request: Request, db: DbDep,
           engine: EngineDep) -> s.RevokedOut:
    state = request.app.state
    out = service.revoke_attestation(db, engine, state.redis, state.settings, uid, principal.user_id, body)
    _record(request, principal, db, "attestation.revoke", uid=uid.lower(), reason=body.reason)
    return out
