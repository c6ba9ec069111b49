"""Read models of the token projection (balances as of any block, transfers) and of the engine's
native-coin balance snapshots."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, text

from indexer.read_models.base import _Model, confirmed_block


class Balance(_Model):
    chain_id: int
    token: str
    holder: str
    balance: int
    as_of_block: int
    confirmed: bool


def balances(conn: Connection, chain_id: int, holder: str, *, confirmed: bool = True,
             as_of_block: int | None = None) -> list[Balance]:
    """Token balances of ``holder``: latest balance minus the transfers above the asked block."""
    conf = confirmed_block(conn, chain_id)
    latest = conn.execute(text("SELECT block_number FROM chains WHERE chain_id = :c"), {"c": chain_id}).scalar_one()
    block = as_of_block if as_of_block is not None else (conf if confirmed else latest)
    rows = conn.execute(text("""
        SELECT b.token, b.balance - coalesce((
            SELECT sum(CASE WHEN t.to_address = :h THEN t.value ELSE 0 END)
                 - sum(CASE WHEN t.from_address = :h THEN t.value ELSE 0 END)
              FROM token_transfers t
             WHERE t.chain_id = :c AND t.token = b.token AND t.block_number > :blk
               AND (t.to_address = :h OR t.from_address = :h)), 0) AS balance
          FROM token_balances b WHERE b.chain_id = :c AND b.holder = :h ORDER BY b.token
    """), {"c": chain_id, "h": holder, "blk": block}).all()
    return [Balance(chain_id=chain_id, token=r.token, holder=holder, balance=int(r.balance), as_of_block=block,
                    confirmed=block <= conf) for r in rows]


class NativeBalance(_Model):
    chain_id: int
    holder: str
    balance: int
    as_of_block: int


def native_balance(conn: Connection, chain_id: int, holder: str, at_block: int) -> NativeBalance | None:
    """The latest native-coin snapshot of ``holder`` at or below ``at_block`` (None: never seen), of
    a canonical block only: the snapshot's block hash must be the indexed block's."""
    row = conn.execute(text("""
        SELECT n.block_number, n.balance FROM native_balances n
          JOIN blocks b ON b.chain_id = n.chain_id AND b.number = n.block_number AND b.hash = n.block_hash
         WHERE n.chain_id = :c AND n.holder = :h AND n.block_number <= :b
         ORDER BY n.block_number DESC LIMIT 1"""), {"c": chain_id, "h": holder, "b": at_block}).first()
    if row is None:
        return None
    return NativeBalance(chain_id=chain_id, holder=holder, balance=int(row.balance), as_of_block=row.block_number)


class AccountTransfer(_Model):
    chain_id: int
    block_number: int
    log_index: int
    block_time: datetime
    tx_hash: str
    token: str
    from_address: str
    to_address: str
    value: int


def account_transfers(conn: Connection, address: str, *, chain_id: int | None = None, limit: int = 50,
                      after: tuple[int, int, int] | None = None) -> list[AccountTransfer]:
    """Token transfers from or to ``address``, newest first across chains, keyset on
    (block_time epoch microseconds, chain_id, block_number*2^20 + log_index); ``limit + 1`` rows."""
    rows = conn.execute(text("""
        WITH t AS (
            SELECT * FROM token_transfers WHERE from_address = :a
               AND (CAST(:c AS bigint) IS NULL OR chain_id = :c)
            UNION
            SELECT * FROM token_transfers WHERE to_address = :a
               AND (CAST(:c AS bigint) IS NULL OR chain_id = :c)
        )
        SELECT * FROM t
         WHERE CAST(:k0 AS bigint) IS NULL
            OR (CAST(extract(epoch FROM block_time) * 1000000 AS bigint), chain_id,
                block_number * 1048576 + log_index) < (CAST(:k0 AS bigint), CAST(:k1 AS bigint), CAST(:k2 AS bigint))
         ORDER BY block_time DESC, chain_id DESC, block_number DESC, log_index DESC
         LIMIT :lim"""), {"a": address, "c": chain_id, "k0": after[0] if after else None,
                          "k1": after[1] if after else None, "k2": after[2] if after else None,
                          "lim": limit + 1}).all()
    return [AccountTransfer(chain_id=r.chain_id, block_number=r.block_number, log_index=r.log_index,
                            block_time=r.block_time, tx_hash=r.tx_hash, token=r.token, from_address=r.from_address,
                            to_address=r.to_address, value=int(r.value)) for r in rows]
