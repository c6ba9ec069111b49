"""Invoices (api.invoices) from the same indexed escrows: one per paid-out milestone, parties only, PDF."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.support.api_client import all_pages
from tests.support.chainkit import FEE_BPS
from tests.support.ledger_env import Ledger

E18 = 10**18


def _list(client: TestClient, h: dict[str, str], limit: int = 50) -> list[dict[str, Any]]:
    return all_pages(client, f"/v1/me/invoices?limit={limit}", h)


def test_parties_list_the_same_invoices(money: Ledger) -> None:
    client_h, freelancer_h = money.headers(money.account(1)), money.headers(money.account(2))
    mine = _list(money.client, freelancer_h)
    assert sorted(i["amount"] for i in mine) == sorted([str(10 * E18), str(5 * E18), str(3 * E18)])
    assert {i["role"] for i in mine} == {"freelancer"}
    theirs = _list(money.client, client_h)
    assert [i["id"] for i in theirs] == [i["id"] for i in mine] and {i["role"] for i in theirs} == {"client"}
    assert _list(money.client, client_h, limit=1) == theirs
    big = next(i for i in mine if i["amount"] == str(10 * E18))
    assert big["fee"] == str(10 * E18 * FEE_BPS // 10_000) and int(big["to_freelancer"]) + int(big["fee"]) == 10 * E18
    assert big["number"] == big["id"] == f"{big['chain_id']}-{big['escrow']}-{big['milestone_index']}"
    assert big["client"] == money.platform.users[0] and big["freelancer"] == money.platform.users[1]
    assert big["symbol"] == "LNC" and big["decimals"] == 18 and big["confirmed"] is True and big["tx_hash"]
    one = money.client.get(f"/v1/invoices/{big['id']}", headers=client_h)
    assert one.status_code == 200 and one.json() == {**big, "role": "client"}


def test_pdf_for_parties_only(money: Ledger) -> None:
    freelancer_h = money.headers(money.account(2))
    inv = _list(money.client, freelancer_h)[0]
    r = money.client.get(inv["pdf_url"], headers=freelancer_h)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-") and b"attachment" in r.headers["content-disposition"].encode()
    stranger = money.headers(money.account(6))
    for path in (inv["pdf_url"], f"/v1/invoices/{inv['id']}"):
        r = money.client.get(path, headers=stranger)
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
        assert money.client.get(path).status_code == 401
    assert _list(money.client, stranger) == []
    assert money.client.get("/v1/me/invoices").status_code == 401
    for bad in ("nope", "1-0x12-0", f"31337-{inv['escrow']}-x"):
        assert money.client.get(f"/v1/invoices/{bad}", headers=freelancer_h).status_code == 422
    missing = f"31337-{inv['escrow']}-99"
    assert money.client.get(f"/v1/invoices/{missing}.pdf", headers=freelancer_h).status_code == 404
