"""Contract (engagement) routes: hire, read (parties only), prepare the escrow and its actions."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session as Db

from api.auth import Principal, user
from api.engagements import schemas as s
from api.engagements import service
from api.kit.deps import get_db, get_engine
from api.kit import idempotency
from api.kit.idempotency import IdemKey
from api.kit.tokens import TokenResolver

router = APIRouter(tags=["marketplace"])
DbDep = Annotated[Db, Depends(get_db)]
EngineDep = Annotated[Engine, Depends(get_engine)]
Me = Annotated[Principal, user()]
NOT_PARTY = {404: {"description": "No such contract, or you are not a party"}}


@router.post("/v1/proposals/{proposal_id}/accept", response_model=s.EngagementOut, status_code=201,
             summary="Accept a proposal (the client): creates the contract; the project goes in_progress",
             responses={403: {"description": "Not the client"}, 409: {"description": "Not acceptable now"}})
def accept_proposal(proposal_id: uuid.UUID, principal: Me, request: Request, db: DbDep, engine: EngineDep,
                    idempotency_key: IdemKey = None) -> s.EngagementOut:
    assert principal.user_id is not None
    me = principal.user_id
    return idempotency.run(db, principal.actor, idempotency_key, request, {}, 201,  # type: ignore[return-value]
                           lambda: service.out(db, engine, service.hire(db, proposal_id, me), me))


@router.get("/v1/contracts", response_model=s.EngagementPage, summary="My contracts (as client or freelancer)")
def my_contracts(principal: Me, db: DbDep, engine: EngineDep) -> s.EngagementPage:
    assert principal.user_id is not None
    return s.EngagementPage(items=[service.out(db, engine, e, principal.user_id)
                                   for e in service.mine(db, principal.user_id)])


@router.get("/v1/contracts/{contract_id}", response_model=s.EngagementOut, responses=NOT_PARTY,
            summary="One contract with its state derived from the escrow's indexed events (pending and confirmed)")
def get_contract(contract_id: uuid.UUID, principal: Me, db: DbDep, engine: EngineDep) -> s.EngagementOut:
    assert principal.user_id is not None
    return service.out(db, engine, service.get_for_party(db, contract_id, principal.user_id), principal.user_id)


@router.post("/v1/contracts/{contract_id}/escrow/prepare", response_model=s.PreparedOut,
             summary="The client's unsigned transactions: approve (ERC20), createEscrowDeterministic, fund",
             responses={**NOT_PARTY, 403: {"description": "Not the client"},
                        409: {"description": "Escrow exists already, or chain/token differ from the agreed ones"}})
def prepare_escrow(contract_id: uuid.UUID, body: s.EscrowPrepareIn, principal: Me, request: Request, db: DbDep,
                   engine: EngineDep) -> s.PreparedOut:
    assert principal.user_id is not None
    state = request.app.state
    e = service.get_for_party(db, contract_id, principal.user_id)
    return service.prepare_escrow(db, engine, TokenResolver(state.registry, state.deployments), state.deployments,
                                  state.settings.marketplace_arbiter_address, e, principal.user_id, body)


@router.post("/v1/contracts/{contract_id}/actions/prepare", response_model=s.PreparedOut,
             summary="The unsigned transaction of an escrow action (accept, submit, release, dispute, refund)",
             responses={**NOT_PARTY, 403: {"description": "Not this party's action"},
                        409: {"description": "Not possible in the contract's current state"}})
def prepare_action(contract_id: uuid.UUID, body: s.ActionPrepareIn, principal: Me, db: DbDep,
                   engine: EngineDep) -> s.PreparedOut:
    assert principal.user_id is not None
    e = service.get_for_party(db, contract_id, principal.user_id)
    return service.prepare_action(db, engine, e, principal.user_id, body)
