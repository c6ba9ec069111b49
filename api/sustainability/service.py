"""Sustainability: offsets (asked for, then carried out by the rq job), carbon events per user and
transaction, social allocations per period. Chain data through ``indexer.read_models`` only."""

from __future__ import annotations

import uuid
from decimal import Decimal

from redis import Redis
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session as Db

from api.carbon.service import grams_for_gas
from api.kit.deployments import DeploymentDirectory
from api.kit.pagination import decode_cursor, encode_cursor
from api.kit.problems import Problem
from api.kit.queue import get_queue
from api.settings import ApiSettings
from api.sustainability.models import OffsetRequest
from api.sustainability.schemas import (
    CarbonEventOut,
    CarbonEventPage,
    ChainCoverage,
    IndexedOffsetOut,
    IndexedOffsetPage,
    MySustainability,
    OffsetIn,
    OffsetOut,
    SocialAllocationOut,
    SocialAllocationPage,
    TxLink,
)
from api.transactions.service import wallets_of
from api.treasury.service import kind_name
from indexer import read_models
from indexer.core.registry import ChainConfig, ChainRegistry
from indexer.read_models import sustainability as rm

CARBON_EVENT_METHOD = (
    "one event per indexed transaction: gas used (receipt) x the chain's emission factor; offset_share = the "
    "chain's recorded offsets / the chain's emissions from every indexed transaction, capped at 1 (pro rata)"
)
SHARE_QUANTUM = Decimal("0.000001")


def tx_link(registry: ChainRegistry, chain_id: int, tx_hash: str) -> TxLink:
    chain = registry.by_id(chain_id) if registry.has_id(chain_id) else None
    return TxLink(chain_id=chain_id, tx_hash=tx_hash, explorer_url=chain.explorer_tx_url(tx_hash) if chain else None)


def chain_name(registry: ChainRegistry, chain_id: int) -> str:
    return registry.by_id(chain_id).name if registry.has_id(chain_id) else str(chain_id)


# --- offsets ----------------------------------------------------------------------------------------

def offset_out(registry: ChainRegistry, row: OffsetRequest) -> OffsetOut:
    explorer = None
    if row.tx_hash and row.chain_id is not None:
        explorer = tx_link(registry, row.chain_id, row.tx_hash).explorer_url
    return OffsetOut(id=row.id, method=row.method, status=row.status, chain_id=row.chain_id, grams_co2e=row.grams_co2e,
                     certificate_ref=row.certificate_ref, certificate_id=row.certificate_id,
                     certificate_uri=row.certificate_uri, provider=row.provider,
                     provider_order_id=row.provider_order_id, tx_hash=row.tx_hash, explorer_url=explorer,
                     error=row.error, created_at=row.created_at, updated_at=row.updated_at)


def request_offset(db: Db, settings: ApiSettings, registry: ChainRegistry, body: OffsetIn,
                   user_id: uuid.UUID | None) -> OffsetRequest:
    """Check what can be checked now, store the request (the caller commits) and return it."""
    from api.sustainability.onchain import certificate_id, treasury_at

    if body.chain_id is not None:
        if not registry.has_id(body.chain_id):
            raise Problem(422, f"chain id {body.chain_id} is not in the chain registry", type_="unknown-chain")
        if treasury_at(settings, body.chain_id) is None:
            raise Problem(409, f"no Treasury is deployed on chain {body.chain_id}", type_="no-treasury")
        if settings.offset_recorder() is None:
            raise Problem(503, "on-chain offsets are not configured on this deployment (OFFSET_RECORDER_PRIVATE_KEY)",
                          type_="offsets-not-configured")
    if body.method == "provider" and (settings.offset_provider == "none" or settings.offset_provider_api_key is None):
        raise Problem(409, "no offset provider is configured on this deployment (OFFSET_PROVIDER)",
                      type_="no-offset-provider")
    cid = certificate_id(body.certificate_ref) if body.certificate_ref else None
    if cid is not None and db.scalar(select(OffsetRequest.id).where(OffsetRequest.certificate_id == cid)) is not None:
        raise Problem(409, "this certificate was already recorded (or asked for)", type_="certificate-exists")
    row = OffsetRequest(id=uuid.uuid4(), method=body.method, chain_id=body.chain_id, grams_co2e=body.grams_co2e,
                        certificate_ref=body.certificate_ref, certificate_id=cid,
                        certificate_uri=body.certificate_uri, status="requested", created_by=user_id)
    db.add(row)
    db.flush()
    return row


def enqueue_offset(settings: ApiSettings, redis: Redis, offset_id: uuid.UUID) -> None:
    get_queue(settings, redis).enqueue("api.sustainability.jobs.process_offset", str(offset_id),
                                       job_id=f"offset-{offset_id}")


def get_offset(db: Db, registry: ChainRegistry, offset_id: uuid.UUID) -> OffsetOut:
    row = db.get(OffsetRequest, offset_id)
    if row is None:
        raise Problem(404, f"no offset {offset_id}", type_="not-found")
    return offset_out(registry, row)


def indexed_offsets(registry: ChainRegistry, conn: Connection, chain: ChainConfig | None, limit: int,
                    cursor: str | None) -> IndexedOffsetPage:
    """Recorded offsets from the index, newest first, with the certificate reference Lancer knows."""
    after = decode_cursor(cursor, (int, int, int))
    rows = rm.offsets_page(conn, chain_id=chain.chain_id if chain else None, limit=limit,
                           after=tuple(after) if after else None, confirmed_only=False)  # type: ignore[arg-type]
    page, nxt = rows[:limit], None
    if len(rows) > limit:
        last = page[-1]
        nxt = encode_cursor([last.block_number, last.chain_id, last.log_index])
    known = _known_certificates(conn, [r.certificate_id for r in page])
    items = [IndexedOffsetOut(chain_id=r.chain_id, chain=chain_name(registry, r.chain_id),
                              certificate_id=r.certificate_id, certificate_ref=known.get(r.certificate_id, (None, None))[0],
                              provider=known.get(r.certificate_id, (None, None))[1], grams_co2e=r.grams_co2e, uri=r.uri,
                              recorded_by=r.recorded_by, block_number=r.block_number, block_time=r.block_time,
                              tx=tx_link(registry, r.chain_id, r.tx_hash), confirmed=r.confirmed) for r in page]
    return IndexedOffsetPage(items=items, next_cursor=nxt)


def _known_certificates(conn: Connection, ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
    if not ids:
        return {}
    rows = conn.execute(select(OffsetRequest.certificate_id, OffsetRequest.certificate_ref, OffsetRequest.provider)
                        .where(OffsetRequest.certificate_id.in_(ids))).all()
    return {r[0]: (r[1], r[2] or "onchain") for r in rows}


# --- carbon events ------------------------------------------------------------------------------------

def _coverage(registry: ChainRegistry, conn: Connection) -> dict[int, tuple[Decimal, str | None]]:
    """Per chain: the share of its emissions covered by recorded offsets (0-1) and who supplied them."""
    emitted = {g.chain_id: grams_for_gas(registry.by_id(g.chain_id), g.gas_used)
               for g in rm.gas_totals(conn) if registry.has_id(g.chain_id)}
    offsets = {o.chain_id: o.grams_co2e for o in read_models.offsets_by_chain(conn)}
    providers: dict[int, set[str]] = {}
    for chain_id, provider in conn.execute(select(OffsetRequest.chain_id, OffsetRequest.provider)
                                           .where(OffsetRequest.status == "recorded")).all():
        if chain_id is not None:
            providers.setdefault(chain_id, set()).add(provider or "onchain")
    out: dict[int, tuple[Decimal, str | None]] = {}
    for chain_id, grams in emitted.items():
        offset = Decimal(offsets.get(chain_id, 0))
        share = min(Decimal(1), offset / grams) if grams > 0 else (Decimal(1) if offset else Decimal(0))
        names = providers.get(chain_id) or ({"onchain"} if offset else set())
        out[chain_id] = (share.quantize(SHARE_QUANTUM), ",".join(sorted(names)) or None)
    return out


def carbon_events(registry: ChainRegistry, conn: Connection, *, senders: list[str] | None, chain: ChainConfig | None,
                  limit: int, cursor: str | None) -> CarbonEventPage:
    after = decode_cursor(cursor, (int, int, str))
    rows = rm.tx_gas_page(conn, senders=senders, chain_id=chain.chain_id if chain else None, limit=limit,
                          after=tuple(after) if after else None)  # type: ignore[arg-type]
    rows = [r for r in rows if registry.has_id(r.chain_id)]
    page, nxt = rows[:limit], None
    if len(rows) > limit:
        nxt = encode_cursor([page[-1].block_number, page[-1].chain_id, page[-1].tx_hash])
    coverage = _coverage(registry, conn)
    items = []
    for r in page:
        grams = grams_for_gas(registry.by_id(r.chain_id), r.gas_used)
        share, provider = coverage.get(r.chain_id, (Decimal(0), None))
        items.append(CarbonEventOut(chain_id=r.chain_id, chain=chain_name(registry, r.chain_id),
                                    tx=tx_link(registry, r.chain_id, r.tx_hash), block_number=r.block_number,
                                    block_time=r.block_time, sender=r.sender, action=r.action, gas_used=r.gas_used,
                                    grams_co2e=grams, offset_share=share,
                                    offset_grams_co2e=(grams * share).quantize(SHARE_QUANTUM), provider=provider,
                                    confirmed=r.confirmed))
    return CarbonEventPage(method=CARBON_EVENT_METHOD, items=items, next_cursor=nxt)


def my_sustainability(registry: ChainRegistry, conn: Connection, user_id: uuid.UUID, limit: int,
                      cursor: str | None) -> MySustainability:
    wallets = wallets_of(conn, user_id)
    coverage = _coverage(registry, conn)
    chains = []
    for g in rm.gas_totals(conn, senders=wallets) if wallets else []:
        if not registry.has_id(g.chain_id):
            continue
        grams = grams_for_gas(registry.by_id(g.chain_id), g.gas_used)
        share = coverage.get(g.chain_id, (Decimal(0), None))[0]
        chains.append(ChainCoverage(chain_id=g.chain_id, chain=chain_name(registry, g.chain_id),
                                    transactions=g.transactions, gas_used=g.gas_used, grams_co2e=grams,
                                    offset_share=share, offset_grams_co2e=(grams * share).quantize(SHARE_QUANTUM)))
    events = (carbon_events(registry, conn, senders=wallets, chain=None, limit=limit, cursor=cursor) if wallets
              else CarbonEventPage(method=CARBON_EVENT_METHOD, items=[], next_cursor=None))
    return MySustainability(wallets=wallets, chains=chains, grams_co2e=sum((c.grams_co2e for c in chains), Decimal(0)),
                            offset_grams_co2e=sum((c.offset_grams_co2e for c in chains), Decimal(0)), events=events)


# --- social allocations --------------------------------------------------------------------------------

def social_figures(figures: list[rm.Figure], kinds: set[str]) -> list[rm.Figure]:
    """Distribution figures of the cause kinds, newest month first (the allocations' order)."""
    rows = [f for f in figures if f.section == "distributions" and kind_name(f.kind or "") in kinds]
    rows.sort(key=lambda f: (-f.month.timestamp(), f.chain_id, f.token or "", f.destination or ""))
    return rows


def social_allocations(registry: ChainRegistry, deployments: DeploymentDirectory, figures: list[rm.Figure],
                       kinds: set[str], limit: int, cursor: str | None) -> SocialAllocationPage:
    """Distributions to cause wallets (split kinds in ``kinds``) per month, chain, token and destination,
    newest month first; keyset over the sorted figures."""
    rows = social_figures(figures, kinds)
    keys = [[int(f.month.timestamp()), f.chain_id, f.token or "", f.destination or ""] for f in rows]
    after = decode_cursor(cursor, (int, int, str, str))
    start = 0
    if after is not None:
        start = next((i + 1 for i, k in enumerate(keys) if k == after), len(keys))
    page = rows[start:start + limit]
    nxt = encode_cursor(keys[start + limit - 1]) if start + limit < len(rows) else None
    items = []
    for f in page:
        info = deployments.token_info(registry.by_id(f.chain_id), f.token or "") if registry.has_id(f.chain_id) else None
        items.append(SocialAllocationOut(
            period=f.month.strftime("%Y-%m"), chain_id=f.chain_id, chain=chain_name(registry, f.chain_id),
            kind=kind_name(f.kind or ""), token=info.address if info else f.token, symbol=info.symbol if info else None,
            decimals=info.decimals if info else None, amount=f.amount, destination=f.destination or "", count=f.count,
            transactions=[tx_link(registry, f.chain_id, h) for h in f.tx_hashes]))
    return SocialAllocationPage(items=items, next_cursor=nxt)
