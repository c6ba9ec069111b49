"""`/v1/sustainability/*` and `/v1/me/sustainability`: offsets, carbon events, social allocations and the
monthly transparency report (behind the ENABLE_SUSTAINABILITY feature flag)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import Connection
from sqlalchemy.orm import Session as Db

from api.audit import service as audit
from api.auth import Principal, Scope, admin, public_read, user
from api.kit import idempotency
from api.kit.client import client_context
from api.kit.deps import get_connection, get_db
from api.kit.pagination import DEFAULT_LIMIT, Cursor, Limit
from api.kit.params import ChainQuery, deployments, registry, resolve_chain
from api.sustainability import report as reports
from api.sustainability import service
from api.sustainability.schemas import (
    CarbonEventPage,
    IndexedOffsetPage,
    LedgerPage,
    MySustainability,
    OffsetIn,
    OffsetOut,
    ReportOut,
    SocialAllocationPage,
)

FEATURE = "enable_sustainability"
SOCIAL_KINDS = {"social"}
router = APIRouter(tags=["sustainability"])
DbDep = Annotated[Db, Depends(get_db)]
ConnDep = Annotated[Connection, Depends(get_connection)]
Month = Annotated[str | None, Query(pattern=r"^[0-9]{4}-[0-9]{2}$", description="UTC month, YYYY-MM")]
Pending = Annotated[bool, Query(description="Include unconfirmed blocks")]
ReportLimit = Annotated[int, Query(ge=1, le=reports.MAX_MONTHS, description=f"Months per page (1-{reports.MAX_MONTHS})")]


@router.post("/v1/sustainability/offset", response_model=OffsetOut, status_code=202,
             summary="Record a carbon offset: on chain (Treasury.recordOffset) or bought through the offset provider; "
                     "an rq job carries it out exactly once",
             responses={409: {"description": "Certificate already recorded, no treasury, or no provider configured"},
                        503: {"description": "On-chain offsets not configured"}})
def create_offset(body: OffsetIn, principal: Annotated[Principal, admin(feature=FEATURE)], request: Request,
                  db: DbDep, key: idempotency.IdemKey = None) -> Response:
    state = request.app.state
    owner = f"user:{principal.user_id}"
    fp = idempotency.fingerprint("POST", request.url.path, body.model_dump(mode="json"))
    if (replay := idempotency.replay(db, owner, key, fp)) is not None:
        return replay
    row = service.request_offset(db, state.settings, registry(request), body, principal.user_id)
    out = service.offset_out(registry(request), row)
    body_json = out.model_dump(mode="json")
    idempotency.remember(db, owner, key, fp, 202, body_json)
    audit.record(db, client_context(request), "sustainability.offset", actor_user_id=principal.user_id,
                 target=str(row.id), details={"method": body.method, "chain_id": body.chain_id,
                                              "grams_co2e": str(body.grams_co2e)})
    idempotency.commit(db)
    service.enqueue_offset(state.settings, state.redis, row.id)
    return JSONResponse(body_json, status_code=202)


@router.get("/v1/sustainability/offsets/{offset_id}", response_model=OffsetOut,
            dependencies=[admin(feature=FEATURE)], summary="One offset request and where it stands",
            responses={404: {"description": "No such offset"}})
def get_offset(offset_id: Annotated[uuid.UUID, Path()], request: Request, db: DbDep) -> OffsetOut:
    return service.get_offset(db, registry(request), offset_id)


@router.get("/v1/sustainability/offsets", response_model=IndexedOffsetPage,
            dependencies=[public_read(Scope.READ_CHAIN, feature=FEATURE)],
            summary="Recorded offsets from the index with their certificate reference, newest first (keyset pages)")
def list_offsets(request: Request, conn: ConnDep, chain: ChainQuery = None, limit: Limit = DEFAULT_LIMIT,
                 cursor: Cursor = None) -> IndexedOffsetPage:
    return service.indexed_offsets(registry(request), conn, resolve_chain(request, chain), limit, cursor)


@router.get("/v1/sustainability/carbon-events", response_model=CarbonEventPage,
            dependencies=[public_read(Scope.READ_CHAIN, feature=FEATURE)],
            summary="Carbon events of the platform: one per indexed transaction (estimate, offset share, provider)")
def platform_carbon_events(request: Request, conn: ConnDep, chain: ChainQuery = None, limit: Limit = DEFAULT_LIMIT,
                           cursor: Cursor = None) -> CarbonEventPage:
    return service.carbon_events(registry(request), conn, senders=None, chain=resolve_chain(request, chain),
                                 limit=limit, cursor=cursor)


@router.get("/v1/me/sustainability", response_model=MySustainability,
            summary="My footprint: carbon events of the transactions my wallets sent, offset share per chain, and the "
                    "social allocations my escrows' fees contributed to (pro rata, per month)")
def my_sustainability(principal: Annotated[Principal, user(feature=FEATURE)], request: Request, conn: ConnDep,
                      limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None,
                      from_: Annotated[str | None, Query(alias="from", pattern=r"^[0-9]{4}-[0-9]{2}$",
                                                         description="First month of `social_allocations`")] = None,
                      to: Month = None) -> MySustainability:
    assert principal.user_id is not None
    out = service.my_sustainability(registry(request), conn, principal.user_id, limit, cursor)
    out.social_allocations = reports.my_social_allocations(registry(request), deployments(request), conn, out.wallets,
                                                           SOCIAL_KINDS, datetime.now(UTC), from_, to)
    return out


@router.get("/v1/sustainability/social-allocations", response_model=SocialAllocationPage,
            dependencies=[public_read(Scope.READ_CHAIN, feature=FEATURE)],
            summary="Treasury distributions to social causes per month, chain, token and destination, with tx hashes")
def social_allocations(request: Request, conn: ConnDep, from_: Annotated[str | None, Query(
                           alias="from", pattern=r"^[0-9]{4}-[0-9]{2}$", description="First UTC month, YYYY-MM")] = None,
                       to: Month = None, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> SocialAllocationPage:
    return reports.social_allocations(registry(request), deployments(request), conn, from_=from_, to=to,
                                      kinds=SOCIAL_KINDS, limit=limit, cursor=cursor, now=datetime.now(UTC))


@router.get("/v1/sustainability/report", response_model=ReportOut,
            dependencies=[public_read(Scope.READ_CHAIN, feature=FEATURE)],
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
            summary="Monthly transparency ledger: fees received, distributions per cause, offsets vs emissions per "
                    "chain, every figure with its transactions; JSON or CSV (Accept: text/csv or format=csv)")
def get_report(request: Request, conn: ConnDep, period: Annotated[Literal["month"], Query()] = "month",
               from_: Annotated[str | None, Query(alias="from", pattern=r"^[0-9]{4}-[0-9]{2}$",
                                                  description="First UTC month, YYYY-MM (default: 11 months before `to`)")] = None,
               to: Annotated[str | None, Query(pattern=r"^[0-9]{4}-[0-9]{2}$",
                                               description="Last UTC month, YYYY-MM (default: this month)")] = None,
               limit: ReportLimit = reports.MAX_MONTHS, cursor: Cursor = None, pending: Pending = False,
               format: Annotated[Literal["json", "csv"] | None, Query(description="Overrides Accept")] = None) -> Response:
    out = reports.report(registry(request), deployments(request), conn, from_=from_, to=to, limit=limit, cursor=cursor,
                         confirmed_only=not pending, now=datetime.now(UTC))
    wants_csv = format == "csv" or (format is None and "text/csv" in request.headers.get("accept", ""))
    if wants_csv:
        headers = {"Content-Disposition": f'attachment; filename="lancer-report-{out.from_month}-{out.to_month}.csv"'}
        if out.next_cursor:
            query = urlencode({"from": out.from_month, "to": out.to_month, "limit": limit, "cursor": out.next_cursor,
                               "format": "csv", "pending": str(pending).lower()})
            headers["Link"] = f'<{request.url.path}?{query}>; rel="next"'
        return Response(reports.report_csv(out), media_type="text/csv; charset=utf-8", headers=headers)
    return Response(out.model_dump_json(), media_type="application/json")


@router.get("/v1/sustainability/ledger", response_model=LedgerPage,
            dependencies=[public_read(Scope.READ_CHAIN, feature=FEATURE)],
            summary="The transactions behind a report figure: one row per event of a month and section (keyset pages)")
def get_ledger(request: Request, conn: ConnDep,
               month: Annotated[str, Query(pattern=r"^[0-9]{4}-[0-9]{2}$", description="UTC month, YYYY-MM")],
               section: Annotated[Literal["fees", "distributions", "offsets"], Query()],
               chain: ChainQuery = None, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None,
               pending: Pending = False) -> LedgerPage:
    return reports.ledger(registry(request), conn, month=month, section=section, chain=resolve_chain(request, chain),
                          limit=limit, cursor=cursor, confirmed_only=not pending)
