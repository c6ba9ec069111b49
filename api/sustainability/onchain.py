"""The offset job's work: buy from the provider (at most once per offset, by Idempotency-Key), then
Treasury.recordOffset exactly once through ``api.kit.txonce`` (journal key ``offset:<id>``)."""

from __future__ import annotations

import uuid

import structlog
from eth_utils import keccak
from sqlalchemy import Engine
from sqlalchemy.orm import Session as Db
from web3 import Web3

from api.kit.txonce import TxError, send_once
from api.kit.web3rpc import TracedHTTPProvider
from api.settings import ApiSettings
from api.sustainability.models import OffsetRequest
from api.sustainability.provider import OffsetProvider, ProviderError, provider_from
from contracts.artifacts import contract_at
from indexer.core.deployments import load_deployment

log = structlog.get_logger(__name__)


def certificate_id(ref: str) -> str:
    return "0x" + keccak(text=ref).hex()


def treasury_at(settings: ApiSettings, chain_id: int) -> tuple[str, int] | None:
    """The Treasury's address on a chain and the block it was deployed at."""
    deployment = load_deployment(settings.deployments_dir, chain_id)
    found = deployment.contracts.get("Treasury") if deployment else None
    return (found.address, found.block_number) if found else None


def _fail(engine: Engine, offset_id: uuid.UUID, message: str) -> None:
    with Db(engine) as db:
        row = db.get(OffsetRequest, offset_id)
        if row is not None and row.status != "recorded":
            row.status, row.error = "failed", message[:500]
            db.commit()


def process_offset(engine: Engine, settings: ApiSettings, offset_id: uuid.UUID, *,
                   provider: OffsetProvider | None = None, timeout: float = 120.0) -> str:
    """Carry offset ``offset_id`` out; safe to run any number of times (returns its status)."""
    try:
        return _process(engine, settings, offset_id, provider, timeout)
    except (TxError, ProviderError) as exc:
        _fail(engine, offset_id, str(exc))
        raise
    except Exception as exc:
        # Network errors name the RPC/provider URL: store and log the kind only.
        _fail(engine, offset_id, f"chain or provider unreachable ({type(exc).__name__}); the job retries")
        log.warning("offset_failed", offset_id=str(offset_id), error=type(exc).__name__)
        raise TxError(f"offset {offset_id} failed ({type(exc).__name__})") from None


def _process(engine: Engine, settings: ApiSettings, offset_id: uuid.UUID, provider: OffsetProvider | None,
             timeout: float) -> str:
    with Db(engine, expire_on_commit=False) as db:
        row = db.get(OffsetRequest, offset_id)
        if row is None:
            raise LookupError(f"no offset {offset_id}")
        if row.status == "recorded":
            return row.status
        if row.method == "provider" and row.provider_order_id is None:
            chosen = provider or provider_from(settings)
            if chosen is None:
                raise ProviderError("no offset provider is configured (OFFSET_PROVIDER)")
            order = chosen.place_order(row.grams_co2e, idempotency_key=str(row.id))
            row.provider, row.provider_order_id = chosen.name, order.order_id
            row.certificate_ref = f"{chosen.name}:{order.order_id}"
            row.certificate_id = certificate_id(row.certificate_ref)
            row.certificate_uri = order.certificate_uri or f"urn:{chosen.name}:order:{order.order_id}"
            row.status, row.error = ("ordered" if row.chain_id is not None else "recorded"), None
            db.commit()
            log.info("offset_ordered", offset_id=str(offset_id), provider=chosen.name, order=order.order_id)
        if row.chain_id is None:
            return row.status
        tx_hash = _record(engine, settings, row, timeout)
        row.status, row.tx_hash, row.error = "recorded", tx_hash, None
        db.commit()
        return row.status


def _record(engine: Engine, settings: ApiSettings, row: OffsetRequest, timeout: float) -> str:
    assert row.chain_id is not None and row.certificate_id is not None
    account = settings.offset_recorder()
    if account is None:
        raise TxError("no OFFSET_RECORDER_PRIVATE_KEY configured")
    where = treasury_at(settings, row.chain_id)
    if where is None:
        raise TxError(f"no Treasury deployed on chain {row.chain_id}")
    address, deployed_at = where
    chain = settings.registry().by_id(row.chain_id)
    w3 = Web3(TracedHTTPProvider(chain.rpc_url_strings[0], chain=chain.name, request_kwargs={"timeout": 30}))
    treasury = contract_at(w3, "Treasury", address)
    cid = bytes.fromhex(row.certificate_id[2:])

    def already_done() -> str | None:
        if not treasury.functions.offsetRecorded(cid).call():
            return None
        logs = treasury.events.OffsetRecorded().get_logs(from_block=deployed_at, argument_filters={"certificateId": cid})
        return logs[0]["transactionHash"].to_0x_hex() if logs else None

    call = treasury.functions.recordOffset(cid, row.grams_co2e, row.certificate_uri or "")
    result = send_once(engine, w3, account, f"offset:{row.id}", call, already_done=already_done, timeout=timeout)
    log.info("offset_recorded", offset_id=str(row.id), tx=result.tx_hash, status=result.status.value)
    return result.tx_hash
