"""The monthly transparency report equals what the chain did, month by month (fees, distributions),
every figure links its transactions, CSV carries the same figures, pages are bounded."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from web3.logs import DISCARD

from tests.api.sustainability.conftest import Env
from tests.support.api_client import all_pages


def _chain_truth(env: Env) -> dict[str, dict[str, Any]]:
    """Per month, from the receipts themselves: fees per token, distributions per (kind, token)."""
    p = env.ledger.platform
    truth: dict[str, dict[str, Any]] = {}
    for month, receipts in env.receipts.items():
        fees: dict[str, int] = defaultdict(int)
        dists: dict[tuple[str, str], int] = defaultdict(int)
        txs: set[str] = set()
        for r in receipts:
            when = datetime.fromtimestamp(p.w3.eth.get_block(r["blockNumber"])["timestamp"], UTC)
            assert when.strftime("%Y-%m") == month
            for ev in p.treasury.events.FeeReceived().process_receipt(r, errors=DISCARD):
                fees[ev["args"]["token"]] += ev["args"]["amount"]
                txs.add(r["transactionHash"].to_0x_hex())
            for ev in p.treasury.events.Distributed().process_receipt(r, errors=DISCARD):
                kind = bytes(ev["args"]["kind"]).rstrip(b"\0").decode()
                dists[(kind, ev["args"]["token"])] += ev["args"]["amount"]
                txs.add(r["transactionHash"].to_0x_hex())
        truth[month] = {"fees": dict(fees), "dists": dict(dists), "txs": txs}
    return truth


def test_monthly_sums_equal_the_chain(env: Env) -> None:
    c = env.ledger.client
    truth = _chain_truth(env)
    r = c.get("/v1/sustainability/report?period=month&from=2027-01&to=2027-02")
    assert r.status_code == 200, r.text
    body = r.json()
    assert [m["month"] for m in body["months"]] == ["2027-01", "2027-02"]
    for m in body["months"]:
        want = truth[m["month"]]
        fees: dict[str, int] = defaultdict(int)
        for f in m["fees_received"]:
            fees[f["token"] or "0x" + "00" * 20] += int(f["amount"])
        assert dict(fees) == want["fees"] and want["fees"]
        dists: dict[tuple[str, str], int] = defaultdict(int)
        for d in m["distributions"]:
            dists[(d["kind"], d["token"] or "0x" + "00" * 20)] += int(d["amount"])
        assert dict(dists) == want["dists"] and want["dists"]
        linked = {t["tx_hash"] for f in m["fees_received"] + m["distributions"] for t in f["transactions"]}
        assert linked == want["txs"]
        assert m["emissions"] and all(int(e["amount"]) > 0 and e["transactions"] for e in m["emissions"])
        for e in m["offsets_vs_emissions"]:
            assert float(e["net_grams_co2e"]) == float(e["emitted_grams_co2e"]) - float(e["offset_grams_co2e"])


def test_ledger_entries_add_up_to_each_figure(env: Env) -> None:
    c = env.ledger.client
    body = c.get("/v1/sustainability/report?from=2027-01&to=2027-02").json()
    for m in body["months"]:
        for figure_list, section in ((m["fees_received"], "fees"), (m["distributions"], "distributions")):
            total = sum(int(f["amount"]) for f in figure_list)
            url = figure_list[0]["entries_url"] + "&limit=2"
            entries, cursor = [], None
            while True:
                page = c.get(url + (f"&cursor={cursor}" if cursor else "")).json()
                assert len(page["items"]) <= 2
                entries += page["items"]
                cursor = page["next_cursor"]
                if not cursor:
                    break
            assert sum(int(e["amount"]) for e in entries) == total
            assert all(e["section"] == section and e["tx"]["tx_hash"].startswith("0x") for e in entries)


def test_csv_has_the_same_figures(env: Env) -> None:
    c = env.ledger.client
    as_json = c.get("/v1/sustainability/report?from=2027-01&to=2027-02").json()
    r = c.get("/v1/sustainability/report?from=2027-01&to=2027-02", headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    for m in as_json["months"]:
        fees = sum(int(f["amount"]) for f in m["fees_received"])
        assert sum(int(x["amount"]) for x in rows if x["month"] == m["month"] and x["section"] == "fees") == fees
    assert c.get("/v1/sustainability/report?from=2027-01&to=2027-02&format=csv").text == r.text


def test_report_pages_are_bounded(env: Env) -> None:
    c = env.ledger.client
    first = c.get("/v1/sustainability/report?from=2027-01&to=2027-02&limit=1").json()
    assert [m["month"] for m in first["months"]] == ["2027-01"] and first["next_cursor"]
    second = c.get(f"/v1/sustainability/report?from=2027-01&to=2027-02&limit=1&cursor={first['next_cursor']}").json()
    assert [m["month"] for m in second["months"]] == ["2027-02"] and second["next_cursor"] is None
    assert c.get("/v1/sustainability/report?limit=13").status_code == 422
    assert c.get("/v1/sustainability/report?from=2000-01&to=2027-02").status_code == 422
    assert c.get("/v1/sustainability/report?from=2027-03&to=2027-02").status_code == 422
    assert c.get("/v1/sustainability/report?cursor=forged").status_code == 400
    csv_page = c.get("/v1/sustainability/report?from=2027-01&to=2027-02&limit=1&format=csv")
    assert 'rel="next"' in csv_page.headers["link"]


def test_social_allocations_per_period(env: Env) -> None:
    c = env.ledger.client
    truth = _chain_truth(env)
    body = c.get("/v1/sustainability/social-allocations?from=2027-01&to=2027-02").json()
    by_month: dict[str, int] = defaultdict(int)
    for a in body["items"]:
        assert a["kind"] == "social" and a["destination"] == env.ledger.platform.admin and a["transactions"]
        by_month[a["period"]] += int(a["amount"])
    for month, want in truth.items():
        assert by_month[month] == sum(v for (k, _), v in want["dists"].items() if k == "social")


def test_carbon_events_page_through_every_indexed_transaction(env: Env) -> None:
    c = env.ledger.client
    events = all_pages(c, "/v1/sustainability/carbon-events?limit=7", {})
    summary = c.get("/v1/carbon/summary").json()["totals"]
    assert len(events) == summary["transactions"] == len({e["tx"]["tx_hash"] for e in events})
    assert sum(e["gas_used"] for e in events) == summary["gas_used"]
    blocks = [e["block_number"] for e in events]
    assert blocks == sorted(blocks, reverse=True)


def test_carbon_periods_and_treasury_offsets_are_bounded(env: Env) -> None:
    c = env.ledger.client
    whole = c.get("/v1/carbon/summary?period=day").json()
    assert whole["periods_next_cursor"] is None and len(whole["periods"]) >= 2
    paged, cursor = [], None
    while True:
        page = c.get("/v1/carbon/summary?period=day&periods_limit=1" + (f"&periods_cursor={cursor}" if cursor else "")).json()
        assert len(page["periods"]) <= 1
        paged += page["periods"]
        cursor = page["periods_next_cursor"]
        if not cursor:
            break
    assert paged == whole["periods"]
    assert c.get("/v1/carbon/summary?periods_limit=201").status_code == 422
    assert c.get("/v1/carbon/summary?periods_cursor=forged").status_code == 400
    treasury = c.get("/v1/treasury?pending=true").json()["chains"][0]
    assert len(treasury["offsets"]) <= 20 and treasury["offsets_count"] >= len(treasury["offsets"])
    assert c.get("/v1/treasury/offsets?limit=201").status_code == 422
