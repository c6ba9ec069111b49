"""The monthly transparency report: fees received, distributions per cause, offsets vs emissions per
chain, each figure with the transactions behind it; JSON or CSV; a page is at most ``MAX_MONTHS`` months
and a range at most ``MAX_RANGE_MONTHS``; the transactions of a figure page through ``/ledger``."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import urlencode

from sqlalchemy import Connection

from api.carbon.service import grams_for_gas
from api.kit.deployments import DeploymentDirectory
from api.kit.pagination import decode_cursor, encode_cursor
from api.kit.problems import Problem
from api.sustainability.schemas import (
    ChainBalance,
    LedgerEntryOut,
    LedgerPage,
    ReportFigure,
    ReportMonth,
    ReportOut,
)
from api.sustainability.schemas import MySocialAllocation, SocialAllocationPage
from api.sustainability.service import chain_name, tx_link
from api.sustainability.service import social_allocations as _social
from api.sustainability.service import social_figures as _social_figures
from api.treasury.service import kind_name
from indexer.core.registry import ChainConfig, ChainRegistry
from indexer.read_models import sustainability as rm

MAX_MONTHS = 12  # months per page
MAX_RANGE_MONTHS = 120  # months per request range
SECTIONS = ("fees", "distributions", "offsets", "emissions")


def parse_month(value: str, field: str) -> datetime:
    try:
        parsed = datetime.strptime(value, "%Y-%m")
    except ValueError:
        raise Problem(422, f"{field} must be a UTC month as YYYY-MM, e.g. 2026-01", type_="invalid-month") from None
    return parsed.replace(tzinfo=UTC)


def add_months(month: datetime, n: int) -> datetime:
    index = month.year * 12 + month.month - 1 + n
    return month.replace(year=index // 12, month=index % 12 + 1)


def month_range(from_: str | None, to: str | None, now: datetime) -> tuple[datetime, datetime]:
    """[first, last] months, inclusive; default the last 12 months up to this one."""
    last = parse_month(to, "to") if to else now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    first = parse_month(from_, "from") if from_ else add_months(last, -(MAX_MONTHS - 1))
    if first > last:
        raise Problem(422, "from must not be after to", type_="invalid-month")
    span = (last.year - first.year) * 12 + last.month - first.month + 1
    if span > MAX_RANGE_MONTHS:
        raise Problem(422, f"at most {MAX_RANGE_MONTHS} months per request; narrow from/to", type_="range-too-large")
    return first, last


def _entries_url(month: datetime, section: str, chain_id: int) -> str:
    return "/v1/sustainability/ledger?" + urlencode({"month": month.strftime("%Y-%m"), "section": section,
                                                     "chain": chain_id})


def _figure(registry: ChainRegistry, deployments: DeploymentDirectory, f: rm.Figure) -> ReportFigure:
    chain = registry.by_id(f.chain_id)
    token = symbol = decimals = None
    if f.token is not None:
        info = deployments.token_info(chain, f.token)
        token, symbol, decimals = info.address, info.symbol, info.decimals
    grams: Decimal | None = None
    if f.section == "emissions":
        grams = grams_for_gas(chain, f.amount)
    elif f.section == "offsets":
        grams = Decimal(f.amount)
    return ReportFigure(chain_id=f.chain_id, chain=chain.name, kind=kind_name(f.kind) if f.kind else None, token=token,
                        symbol=symbol, decimals=decimals, destination=f.destination, amount=f.amount,
                        grams_co2e=grams, count=f.count,
                        transactions=[tx_link(registry, f.chain_id, h) for h in f.tx_hashes],
                        entries_url=_entries_url(f.month, f.section, f.chain_id))


def report(registry: ChainRegistry, deployments: DeploymentDirectory, conn: Connection, *, from_: str | None,
           to: str | None, limit: int, cursor: str | None, confirmed_only: bool, now: datetime) -> ReportOut:
    first, last = month_range(from_, to, now)
    after = decode_cursor(cursor, (str,))
    start = add_months(parse_month(after[0], "cursor"), 1) if after else first
    if after and not first <= start <= add_months(last, 1):
        raise Problem(400, "cursor does not belong to this from/to range; start again without it",
                      type_="invalid-cursor")
    end = min(add_months(start, limit), add_months(last, 1))
    figures = [f for f in rm.monthly_figures(conn, start, end, confirmed_only=confirmed_only)
               if registry.has_id(f.chain_id)] if start < end else []
    months: list[ReportMonth] = []
    month = start
    while month < end:
        mine = [f for f in figures if f.month == month]
        out = {s: [_figure(registry, deployments, f) for f in mine if f.section == s] for s in SECTIONS}
        balances = []
        for chain_id in sorted({f.chain_id for f in mine if f.section in ("offsets", "emissions")}):
            emitted = sum((x.grams_co2e or Decimal(0) for x in out["emissions"] if x.chain_id == chain_id), Decimal(0))
            offset = sum((x.grams_co2e or Decimal(0) for x in out["offsets"] if x.chain_id == chain_id), Decimal(0))
            balances.append(ChainBalance(chain_id=chain_id, chain=chain_name(registry, chain_id),
                                         emitted_grams_co2e=emitted, offset_grams_co2e=offset,
                                         net_grams_co2e=emitted - offset))
        months.append(ReportMonth(month=month.strftime("%Y-%m"), fees_received=out["fees"],
                                  distributions=out["distributions"], offsets=out["offsets"],
                                  emissions=out["emissions"], offsets_vs_emissions=balances))
        month = add_months(month, 1)
    nxt = encode_cursor([add_months(end, -1).strftime("%Y-%m")]) if end <= last else None
    return ReportOut(period="month", from_month=first.strftime("%Y-%m"), to_month=last.strftime("%Y-%m"),
                     confirmed_only=confirmed_only, months=months, next_cursor=nxt)


CSV_COLUMNS = ("month", "section", "chain_id", "chain", "kind", "token", "symbol", "decimals", "destination",
               "amount", "grams_co2e", "count", "tx_hashes", "explorer_urls", "entries_url")


def report_csv(out: ReportOut) -> str:
    """One row per figure; amounts in base units (grams for offsets, gas for emissions)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for m in out.months:
        for section, figures in (("fees", m.fees_received), ("distributions", m.distributions),
                                 ("offsets", m.offsets), ("emissions", m.emissions)):
            for f in figures:
                writer.writerow([m.month, section, f.chain_id, f.chain, f.kind or "", f.token or "", f.symbol or "",
                                 "" if f.decimals is None else f.decimals, f.destination or "", f.amount,
                                 "" if f.grams_co2e is None else f.grams_co2e, f.count,
                                 " ".join(t.tx_hash for t in f.transactions),
                                 " ".join(t.explorer_url or "" for t in f.transactions).strip(), f.entries_url])
    return buffer.getvalue()


def ledger(registry: ChainRegistry, conn: Connection, *, month: str, section: str, chain: ChainConfig | None,
           limit: int, cursor: str | None, confirmed_only: bool) -> LedgerPage:
    if section == "emissions":
        raise Problem(422, "emissions are per transaction: see /v1/sustainability/carbon-events",
                      type_="invalid-section")
    start = parse_month(month, "month")
    after = decode_cursor(cursor, (int, int, int))
    rows = rm.ledger_entries(conn, section, start, add_months(start, 1), chain_id=chain.chain_id if chain else None,
                             limit=limit, after=tuple(after) if after else None,  # type: ignore[arg-type]
                             confirmed_only=confirmed_only)
    page, nxt = rows[:limit], None
    if len(rows) > limit:
        nxt = encode_cursor([page[-1].chain_id, page[-1].block_number, page[-1].log_index])
    items = [LedgerEntryOut(section=r.section, chain_id=r.chain_id, block_number=r.block_number, log_index=r.log_index,
                            block_time=r.block_time, tx=tx_link(registry, r.chain_id, r.tx_hash), token=r.token,
                            kind=kind_name(r.kind) if r.kind else None, counterparty=r.counterparty, amount=r.amount,
                            reference=r.reference) for r in page]
    return LedgerPage(month=month, section=section, items=items, next_cursor=nxt)


def social_allocations(registry: ChainRegistry, deployments: DeploymentDirectory, conn: Connection, *,
                       from_: str | None, to: str | None, kinds: set[str], limit: int, cursor: str | None,
                       now: datetime) -> SocialAllocationPage:
    first, last = month_range(from_, to, now)
    figures = [f for f in rm.monthly_figures(conn, first, add_months(last, 1)) if registry.has_id(f.chain_id)]
    return _social(registry, deployments, figures, kinds, limit, cursor)


def my_social_allocations(registry: ChainRegistry, deployments: DeploymentDirectory, conn: Connection,
                          wallets: list[str], kinds: set[str], now: datetime, from_: str | None = None,
                          to: str | None = None) -> list[MySocialAllocation]:
    """The social allocations of [from, to] (default: the last 12 months), each attributed pro rata of the fees the wallets' escrows
    paid in the same month, chain and token (months with no fee of mine are left out)."""
    if not wallets:
        return []
    first, last = month_range(from_, to, now)
    end = add_months(last, 1)
    shares = {(s.month, s.chain_id, s.token): s for s in rm.fee_shares(conn, wallets, first, end)}
    figures = [f for f in rm.monthly_figures(conn, first, end) if registry.has_id(f.chain_id)]
    page = _social(registry, deployments, figures, kinds, 200, None)
    out: list[MySocialAllocation] = []
    for f, item in zip(_social_figures(figures, kinds), page.items, strict=False):
        share = shares.get((f.month, f.chain_id, f.token or ""))
        if share is None or share.mine == 0 or share.total == 0:
            continue
        ratio = Decimal(share.mine) / Decimal(share.total)
        out.append(MySocialAllocation(**item.model_dump(), fee_share=ratio.quantize(Decimal("0.000001")),
                                      attributed_amount=f.amount * share.mine // share.total))
    return out
