"""After the demo scenario, every read endpoint says what the contracts say; pending turns confirmed;
a reorg that removes a release makes the API show the escrow as it was before."""

from __future__ import annotations

import time

from web3 import Web3

from contracts.demo import NATIVE
from tests.support.read_stack import Stack, get_ok


def _balances(stack: Stack, address: str, chain_id: int) -> dict[str, dict]:
    out = get_ok(stack.client, f"/v1/accounts/{address}/balances", params={"chain": str(chain_id)})
    return {i["asset"]: i for i in out["items"]}


def test_balances_equal_balance_of_and_get_balance(stack: Stack) -> None:
    for cid, c in stack.chains.items():
        stack.mine_confirmations(cid)
        for name, account in c.demo.accounts.items():
            items = _balances(stack, account.lower(), cid)  # any case in, checksummed out
            lnc, native = items["LNC"], items["native"]
            assert lnc["token"] == c.lancer.token.address and lnc["decimals"] == 18
            for kind in ("confirmed", "pending"):
                block = lnc[f"{kind}_as_of_block"]
                expected = c.lancer.token.functions.balanceOf(account).call(block_identifier=block)
                assert int(lnc[kind]) == expected, (name, kind)
                nblock = native[f"{kind}_as_of_block"]
                assert nblock is not None, (name, kind)
                assert int(native[kind]) == c.w3.eth.get_balance(account, block_identifier=nblock), (name, kind)
            assert int(lnc["pending"]) == c.lancer.token.functions.balanceOf(account).call()
        out = get_ok(stack.client, f"/v1/accounts/{c.demo.accounts['client']}/balances")
        assert out["address"] == c.demo.accounts["client"]
        assert {i["chain_id"] for i in out["items"]} == set(stack.chains)
        total = next(t for t in out["totals"] if t["symbol"] == "LNC")
        assert int(total["pending"]) == sum(int(i["pending"]) for i in out["items"] if i["asset"] == "LNC")


def test_escrows_equal_contract_views(stack: Stack) -> None:
    for cid, c in stack.chains.items():
        listed = get_ok(stack.client, "/v1/escrows", params={"chain": c.config.name, "limit": 200})["items"]
        assert {e["address"] for e in listed} == set(c.demo.escrows.values())
        for label, address in c.demo.escrows.items():
            d = get_ok(stack.client, f"/v1/escrows/{cid}/{address}")
            esc = c.lancer.escrow(address)
            funded, released, refunded, fees = esc.functions.totals().call()
            a = d["amounts"]
            assert (int(a["funded"]), int(a["released"]), int(a["refunded"]), int(a["fees"])) == (
                funded, released, refunded, fees), label
            assert int(a["locked"]) == esc.functions.locked().call(), label
            assert int(a["total"]) == esc.functions.total().call()
            assert d["client"] == esc.functions.client().call()
            assert d["freelancer"] == esc.functions.freelancer().call()
            token = esc.functions.token().call()
            assert d["token"]["address"] == (None if token == NATIVE else token)
            for m in d["milestones"]:
                amount, status, submitted_at, deliverable = esc.functions.milestone(m["index"]).call()
                states = ("pending", "submitted", "released", "disputed", "resolved", "refunded")
                assert (int(m["amount"]), m["state"]) == (amount, states[status]), (label, m["index"])
                if m["state"] == "submitted":
                    review = esc.functions.reviewPeriod().call()
                    assert int(time.mktime(time.strptime(m["auto_release_at"], "%Y-%m-%dT%H:%M:%SZ"))) - time.timezone \
                        == submitted_at + review
            events = [e["event"] for e in d["timeline"]]
            assert events[0] == "EscrowCreated" and "Funded" in events
            assert all(e["tx_hash"].startswith("0x") for e in d["timeline"])
        disputed = get_ok(stack.client, f"/v1/escrows/{cid}/{c.demo.escrows['disputed_native']}")
        assert disputed["dispute"]["resolved_milestones"] == [0]
        assert disputed["token"]["symbol"] == "ETH"


def test_filters(stack: Stack) -> None:
    c = stack.chains[31337]
    client = c.demo.accounts["client"]
    mine = get_ok(stack.client, "/v1/escrows", params={"client": client.lower(), "chain": "31337"})["items"]
    assert {e["address"] for e in mine} == {c.demo.escrows["completed_lnc"], c.demo.escrows["active_lnc"]}
    done = get_ok(stack.client, "/v1/escrows", params={"state": "completed", "chain": "anvil-1"})["items"]
    assert {e["address"] for e in done} == {c.demo.escrows["completed_lnc"], c.demo.escrows["disputed_native"]}
    arb = get_ok(stack.client, "/v1/escrows", params={"arbiter": c.demo.accounts["arbiter"]})["items"]
    assert len(arb) == 3 * len(stack.chains)
    future = get_ok(stack.client, "/v1/escrows", params={"created_from": "2999-01-01T00:00:00Z"})["items"]
    assert future == []
    past = get_ok(stack.client, "/v1/escrows", params={"created_to": "2000-01-01T00:00:00Z"})["items"]
    assert past == []


def test_treasury_equals_contracts(stack: Stack) -> None:
    out = get_ok(stack.client, "/v1/treasury", params={"pending": "true"})
    assert out["confirmed_only"] is False
    for chain in out["chains"]:
        c = stack.chains[chain["chain_id"]]
        assert chain["treasury"] == c.lancer.treasury.address
        fees: dict[str | None, int] = {}
        for address in c.demo.escrows.values():
            esc = c.lancer.escrow(address)
            token = esc.functions.token().call()
            fees[None if token == NATIVE else token] = fees.get(None if token == NATIVE else token, 0) \
                + esc.functions.totals().call()[3]
        assert {f["token"]: int(f["amount"]) for f in chain["fees_received"]} == fees
        splits = c.lancer.treasury.functions.splits().call() if hasattr(c.lancer.treasury.functions, "splits") else None
        assert sum(s["bps"] for s in chain["splits"]) == 10_000
        assert {s["kind"] for s in chain["splits"]} <= {"operations", "offset", "social", "carbon", "ops"} or splits
        # Distribute paid everything received (minus dust) by split kind.
        for token, received in fees.items():
            paid = sum(int(d["amount"]) for d in chain["distributions"] if d["token"] == token)
            assert 0 <= received - paid < 10
        assert [o["grams_co2e"] for o in chain["offsets"]] == ["250000"]
    assert int(out["totals"]["offsets_grams_co2e"]) == 250_000 * len(stack.chains)
    confirmed = stack.client.get("/v1/treasury")
    assert confirmed.status_code == 200 and confirmed.headers["cache-control"].startswith("public")


def test_carbon(stack: Stack) -> None:
    est = get_ok(stack.client, "/v1/carbon/estimate", params={"chain": "anvil-1", "action": "escrow.create"})
    assert est["gas"] > 0 and float(est["grams_co2e"]) == est["gas"] * float(est["factor"]["grams_co2e_per_gas"])
    assert est["factor"]["source"]
    bad = stack.client.get("/v1/carbon/estimate", params={"chain": "anvil-1", "action": "nope"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    summary = get_ok(stack.client, "/v1/carbon/summary", params={"period": "day"})
    for chain in summary["chains"]:
        c = stack.chains[chain["chain_id"]]
        gas = 0
        # Every indexed transaction is one the platform's contracts emitted events in: sum receipts.
        for tx in {e["tx_hash"] for addr in c.demo.escrows.values()
                   for e in get_ok(stack.client, f"/v1/escrows/{c.config.chain_id}/{addr}")["timeline"]}:
            gas += c.w3.eth.get_transaction_receipt(tx)["gasUsed"]
        escrow_gas = sum(a["gas_used"] for a in chain["by_action"] if a["action"].startswith("escrow."))
        assert escrow_gas <= gas  # escrow actions are a subset of the txs that touched escrows
        assert chain["offsets_grams_co2e"] == 250_000
        assert {"escrow.create", "escrow.fund", "escrow.release", "treasury.record_offset"} <= {
            a["action"] for a in chain["by_action"]}
    assert sum(p["gas_used"] for p in summary["periods"]) == summary["totals"]["gas_used"]
    c = stack.chains[31337]
    address = c.demo.escrows["completed_lnc"]
    fp = get_ok(stack.client, f"/v1/carbon/escrows/31337/{address}")
    txs = {e["tx_hash"] for e in get_ok(stack.client, f"/v1/escrows/31337/{address}")["timeline"]}
    assert fp["totals"]["gas_used"] == sum(c.w3.eth.get_transaction_receipt(t)["gasUsed"] for t in txs)
    user = get_ok(stack.client, f"/v1/carbon/accounts/{c.demo.accounts['freelancer']}", params={"chain": "anvil-1"})
    assert user["totals"]["transactions"] == 4  # accept + three submissions


def test_pending_then_confirmed(stack: Stack) -> None:
    cid = 31338
    c = stack.chains[cid]
    sender, receiver = c.demo.accounts["client"], Web3.to_checksum_address("0x" + "ab" * 20)
    receipt = c.lancer.send(c.lancer.token.functions.transfer(receiver, 7), sender)
    stack.wait_indexed(cid, receipt["blockNumber"])
    page = get_ok(stack.client, f"/v1/accounts/{receiver}/transfers")
    assert [(t["value"], t["confirmed"], t["direction"]) for t in page["items"]] == [("7", False, "in")]
    bal = _balances(stack, receiver, cid)["LNC"]
    assert (bal["confirmed"], bal["pending"]) == ("0", "7")
    r = stack.client.get(f"/v1/accounts/{receiver}/transfers")
    assert r.headers["cache-control"] == "no-cache"
    stack.mine_confirmations(cid)
    page = get_ok(stack.client, f"/v1/accounts/{receiver}/transfers")
    assert [(t["value"], t["confirmed"]) for t in page["items"]] == [("7", True)]
    bal = _balances(stack, receiver, cid)["LNC"]
    assert (bal["confirmed"], bal["pending"]) == ("7", "7")
    assert stack.client.get(f"/v1/accounts/{receiver}/transfers").headers["cache-control"].startswith("public")


def test_reorg_removing_a_release_restores_the_escrow(stack: Stack) -> None:
    cid = 31338
    c = stack.chains[cid]
    address = c.demo.escrows["active_lnc"]
    stack.mine_confirmations(cid)
    before = get_ok(stack.client, f"/v1/escrows/{cid}/{address}")
    assert before["milestones"][0]["state"] == "submitted"
    start = c.w3.eth.block_number
    receipt = c.lancer.send(c.lancer.escrow(address).functions.releaseMilestone(0), c.demo.accounts["client"])
    stack.wait_indexed(cid, receipt["blockNumber"])
    released = get_ok(stack.client, f"/v1/escrows/{cid}/{address}")
    assert released["milestones"][0]["state"] == "released" and released["confirmed"] is False
    assert int(released["amounts"]["released"]) > 0
    # Replace every block since the release with empty ones: the release never happened.
    c.node.rpc("anvil_reorg", [c.w3.eth.block_number - start, []])
    assert c.lancer.escrow(address).functions.milestone(0).call()[1] == 1
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = get_ok(stack.client, f"/v1/escrows/{cid}/{address}")
        if now["milestones"][0]["state"] == "submitted":
            break
        time.sleep(0.1)
    stack.wait_indexed(cid)
    now = get_ok(stack.client, f"/v1/escrows/{cid}/{address}")
    for key in ("amounts", "milestones", "state", "timeline", "dispute"):
        assert now[key] == before[key], key
    chains = {x["chain_id"]: x for x in get_ok(stack.client, "/v1/chains")["items"]}
    assert chains[cid]["reorg_count"] >= 1 and chains[cid]["last_reorg_at"] is not None
