"""Escrow-as-a-service routes (`/v1/escrow-intents`): other platforms, with an API key holding
``write:escrows``, register escrow terms and get the client wallet's unsigned transactions; they read their
intents (``read:escrows``, implied by ``write:escrows``) with the state and timeline from the index."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session as Db

from api.auth import Principal, Scope, scope
from api.escrow_service import schemas as s
from api.escrow_service import service
from api.kit import idempotency
from api.kit.deps import get_db, get_engine
from api.kit.idempotency import IdemKey
from api.kit.pagination import DEFAULT_LIMIT, Cursor, Limit
from api.kit.tokens import TokenResolver

FEATURE = "enable_escrow_service"
router = APIRouter(tags=["escrow-as-a-service"])
DbDep = Annotated[Db, Depends(get_db)]
EngineDep = Annotated[Engine, Depends(get_engine)]
Writer = Annotated[Principal, scope(Scope.WRITE_ESCROWS, feature=FEATURE)]
Reader = Annotated[Principal, scope(Scope.READ_ESCROWS, feature=FEATURE)]
NOT_OWNED = {404: {"description": "No such intent, or it belongs to another key owner"}}


def _owner(principal: Principal) -> uuid.UUID:
    assert principal.user_id is not None  # API keys and user tokens both act for a user
    return principal.user_id


@router.post("/v1/escrow-intents", response_model=s.IntentOut, status_code=201,
             summary="Register an escrow intent: the predicted escrow address and the client's unsigned "
                     "transactions (approve for ERC20, createEscrowDeterministic, fund)",
             responses={409: {"description": "external_id used already, or no escrow factory on the chain"},
                        422: {"description": "Unknown chain or token, bad address, empty milestone"}})
def create_intent(body: s.IntentIn, principal: Writer, request: Request, db: DbDep, engine: EngineDep,
                  idempotency_key: IdemKey = None) -> s.IntentOut:
    owner, state = _owner(principal), request.app.state
    tokens = TokenResolver(state.registry, state.deployments)
    return idempotency.run(db, principal.actor, idempotency_key, request, body, 201,  # type: ignore[return-value]
                           lambda: service.out(engine, state.deployments, service.create(
                               db, tokens, state.deployments, owner, principal.api_key_id, body)))


@router.get("/v1/escrow-intents", response_model=s.IntentPage,
            summary="My escrow intents, newest first (keyset pagination), with their chain-derived state")
def list_intents(principal: Reader, request: Request, db: DbDep, engine: EngineDep,
                 external_id: Annotated[str | None, Query(min_length=1, max_length=128,
                                                          description="Only the intent with this id of yours")] = None,
                 limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> s.IntentPage:
    rows, next_cursor = service.page(db, _owner(principal), limit, cursor, external_id)
    deployments = request.app.state.deployments
    return s.IntentPage(items=[service.out(engine, deployments, i) for i in rows], next_cursor=next_cursor)


@router.get("/v1/escrow-intents/{intent_id}", response_model=s.IntentOut, responses=NOT_OWNED,
            summary="One escrow intent with its state (pending and confirmed) derived from the indexed escrow")
def get_intent(intent_id: uuid.UUID, principal: Reader, request: Request, db: DbDep,
               engine: EngineDep) -> s.IntentOut:
    intent = service.get_owned(db, intent_id, _owner(principal))
    return service.out(engine, request.app.state.deployments, intent)


@router.get("/v1/escrow-intents/{intent_id}/timeline", response_model=s.TimelineOut, responses=NOT_OWNED,
            summary="The escrow's indexed events in chain order, each marked confirmed or pending")
def intent_timeline(intent_id: uuid.UUID, principal: Reader, db: DbDep, engine: EngineDep) -> s.TimelineOut:
    return service.timeline(engine, service.get_owned(db, intent_id, _owner(principal)))
