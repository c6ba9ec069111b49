"""Read models of the treasury projection: inflows, distributions, splits and carbon offsets."""

from __future__ import annotations

from sqlalchemy import Connection, text

from indexer.read_models.base import _Model, confirmed_block


class TokenAmount(_Model):
    token: str
    amount: int
    count: int


class KindAmount(_Model):
    token: str
    kind: str
    amount: int


class Split(_Model):
    to_address: str
    bps: int
    kind: str


class Offset(_Model):
    certificate_id: str
    grams_co2e: int
    uri: str
    recorded_by: str
    block_number: int
    confirmed: bool


OFFSETS_INLINE = 20  # latest offsets listed in the summary; the rest page through offsets_page


class TreasurySummary(_Model):
    chain_id: int
    inflows: list[TokenAmount]
    distributions: list[KindAmount]
    splits: list[Split]
    offsets: list[Offset]  # the latest OFFSETS_INLINE, oldest first
    offsets_count: int
    offsets_grams_co2e: int
    confirmed_only: bool


def treasury(conn: Connection, chain_id: int, *, confirmed_only: bool = True) -> TreasurySummary:
    conf = confirmed_block(conn, chain_id)
    limit_block = conf if confirmed_only else 2**62
    p = {"c": chain_id, "b": limit_block}
    inflows = conn.execute(text("""
        SELECT token, sum(amount) AS amount, count(*) AS n FROM treasury_inflows
         WHERE chain_id = :c AND block_number <= :b GROUP BY token ORDER BY token"""), p).all()
    dists = conn.execute(text("""
        SELECT token, kind, sum(amount) AS amount FROM treasury_distributions
         WHERE chain_id = :c AND block_number <= :b GROUP BY token, kind ORDER BY token, kind"""), p).all()
    splits = conn.execute(text("""
        SELECT to_address, bps, kind FROM treasury_splits
         WHERE chain_id = :c AND (block_number, log_index) = (
            SELECT block_number, log_index FROM treasury_splits WHERE chain_id = :c AND block_number <= :b
             ORDER BY block_number DESC, log_index DESC LIMIT 1)
         ORDER BY position"""), p).all()
    offsets = conn.execute(text(f"""
        SELECT * FROM (SELECT * FROM carbon_offsets WHERE chain_id = :c AND block_number <= :b
                        ORDER BY block_number DESC, log_index DESC LIMIT {OFFSETS_INLINE}) latest
         ORDER BY block_number, log_index"""), p).all()
    offset_total = conn.execute(text("""
        SELECT count(*) AS n, coalesce(sum(grams_co2e), 0) AS g FROM carbon_offsets
         WHERE chain_id = :c AND block_number <= :b"""), p).one()
    return TreasurySummary(
        chain_id=chain_id, confirmed_only=confirmed_only,
        inflows=[TokenAmount(token=r.token, amount=int(r.amount), count=r.n) for r in inflows],
        distributions=[KindAmount(token=r.token, kind=r.kind, amount=int(r.amount)) for r in dists],
        splits=[Split(to_address=r.to_address, bps=r.bps, kind=r.kind) for r in splits],
        offsets=[Offset(certificate_id=r.certificate_id, grams_co2e=int(r.grams_co2e), uri=r.uri,
                        recorded_by=r.recorded_by, block_number=r.block_number, confirmed=r.block_number <= conf)
                 for r in offsets],
        offsets_count=offset_total.n, offsets_grams_co2e=int(offset_total.g),
    )


class OffsetTotal(_Model):
    chain_id: int
    certificates: int
    grams_co2e: int


def offsets_by_chain(conn: Connection) -> list[OffsetTotal]:
    rows = conn.execute(text("""
        SELECT chain_id, count(*) AS n, coalesce(sum(grams_co2e), 0) AS g FROM carbon_offsets
         GROUP BY chain_id ORDER BY chain_id""")).all()
    return [OffsetTotal(chain_id=r.chain_id, certificates=r.n, grams_co2e=int(r.g)) for r in rows]
