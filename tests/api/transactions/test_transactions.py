"""`/v1/me/transactions` against real anvil + indexer: typed movements of my wallets, exact amounts,
keyset pages, filters, and only my own."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.support.api_client import all_pages
from tests.support.chainkit import FEE_BPS
from tests.support.ledger_env import Ledger

E18 = 10**18


def _all(client: TestClient, h: dict[str, str], query: str = "", limit: int = 200) -> list[dict[str, Any]]:
    return all_pages(client, f"/v1/me/transactions?limit={limit}{query}", h)


def _fee(amount: int) -> int:
    return amount * FEE_BPS // 10_000


def test_freelancer_sees_releases_and_fees(money: Ledger) -> None:
    h = money.headers(money.account(2))  # users[1]: the freelancer
    items = _all(money.client, h)
    got = sorted((i["type"], i["amount"], i["symbol"]) for i in items if i["type"] in ("release", "fee"))
    expected = sorted([("release", str(a - _fee(a)), s) for a, s in ((10 * E18, "LNC"), (5 * E18, "LNC"), (3 * E18, "ETH"))]
                      + [("fee", str(_fee(a)), s) for a, s in ((10 * E18, "LNC"), (5 * E18, "LNC"), (3 * E18, "ETH"))])
    assert got == expected
    mint = [i for i in items if i["type"] == "mint"]
    assert [m["amount"] for m in mint] == [str(1000 * E18)]
    one = items[0]
    assert one["tx_hash"].startswith("0x") and one["confirmed"] is True and one["chain"] == "anvil-1"
    assert one["wallet"] == money.platform.users[1]
    native = next(i for i in items if i["symbol"] == "ETH")
    assert native["token"] is None and native["decimals"] == 18 and native["escrow"]


def test_client_sees_funding_refund_free_transfers(money: Ledger) -> None:
    h = money.headers(money.account(1))
    items = _all(money.client, h)
    types = sorted(i["type"] for i in items)
    # Funding of both escrows; the LNC approve/fund transfer into the escrow is not counted twice.
    assert types == sorted(["funding", "funding", "mint", "mint", "transfer_out"])
    assert {i["amount"] for i in items if i["type"] == "funding"} == {str(15 * E18), str(3 * E18)}
    assert next(i for i in items if i["type"] == "transfer_out")["amount"] == "7"
    # Newest first, and limit=1 pages give the same sequence.
    assert _all(money.client, h, limit=1) == items
    assert [i["type"] for i in _all(money.client, h, "&type=funding&type=transfer_out")] == \
        [i["type"] for i in items if i["type"] in ("funding", "transfer_out")]
    assert _all(money.client, h, "&chain=anvil-1") == items


def test_only_my_wallets_and_bad_input(money: Ledger) -> None:
    stranger = money.headers(money.account(6))  # users[5]: never touched these escrows
    items = _all(money.client, stranger)
    assert all(i["type"] not in ("funding", "release", "fee", "refund") for i in items)
    assert money.client.get("/v1/me/transactions").status_code == 401
    h = money.headers(money.account(1))
    for query in ("type=gift", "chain=nowhere", "cursor=xyz", "limit=0"):
        r = money.client.get(f"/v1/me/transactions?{query}", headers=h)
        assert r.status_code in (400, 422) and r.headers["content-type"] == "application/problem+json", query
