"""The marketplace part of `lancer dev`'s demo, played through the HTTP API like any client would: four
anvil accounts sign in with SIWE and get profiles and skills, clients post projects, freelancers propose,
one proposal is hired, and the client's wallet signs and sends the prepared escrow transactions.

``http`` is anything httpx-like (an ``httpx.Client`` on the running API, or a FastAPI TestClient)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from siwe import SiweMessage
from web3 import Web3

from devtools.accounts import local_dev_account

LNC = 10**18
# (anvil account index, handle, display name, roles, skills)
PEOPLE = [
    (1, "acme-labs", "Acme Labs", {"is_client": True}, []),
    (2, "ada-dev", "Ada", {"is_freelancer": True}, [("solidity", 5, 6), ("smart-contract-auditing", 4, 3)]),
    (4, "green-grid", "Green Grid", {"is_client": True}, []),
    (5, "lin-ml", "Lin", {"is_freelancer": True}, [("machine-learning", 4, 5), ("carbon-accounting", 3, 2)]),
]
ARBITER_INDEX = 3


@dataclass
class MarketDemo:
    projects: list[str] = field(default_factory=list)
    proposals: list[str] = field(default_factory=list)
    contract: str = ""
    escrow: str = ""


def _ok(r: Any, *statuses: int) -> Any:
    if r.status_code not in (statuses or (200,)):
        raise RuntimeError(f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text[:300]}")
    return r.json() if r.content else None


def sign_in(http: Any, account: LocalAccount, chain_id: int, domain: str, uri: str) -> dict[str, str]:
    nonce = _ok(http.get("/v1/auth/nonce"))["nonce"]
    issued = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    message = SiweMessage(domain=domain, address=account.address, uri=uri, version="1", chain_id=chain_id,
                          nonce=nonce, issued_at=issued, statement="Sign in to Lancer").prepare_message()
    signature = "0x" + account.sign_message(encode_defunct(text=message)).signature.hex().removeprefix("0x")
    tokens = _ok(http.post("/v1/auth/siwe", json={"message": message, "signature": signature}))["tokens"]
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def send_prepared(w3: Web3, account: LocalAccount, tx: dict[str, Any]) -> None:
    fields = {"chainId": tx["chainId"], "to": tx["to"], "data": tx["data"], "value": int(tx["value"]),
              "nonce": w3.eth.get_transaction_count(account.address, "pending"), "gasPrice": w3.eth.gas_price}
    fields["gas"] = w3.eth.estimate_gas({**fields, "from": account.address})  # type: ignore[typeddict-item]
    signed = account.sign_transaction(fields)
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction))
    if receipt["status"] != 1:
        raise RuntimeError(f"prepared transaction reverted: {tx['description']}")


def play_market_demo(http: Any, w3: Web3, chain: str, *, domain: str, uri: str) -> MarketDemo:
    chain_id = w3.eth.chain_id
    who: dict[str, tuple[LocalAccount, dict[str, str]]] = {}
    for index, handle, name, roles, skills in PEOPLE:
        account = local_dev_account(index)
        headers = sign_in(http, account, chain_id, domain, uri)
        _ok(http.patch("/v1/me/profile", headers=headers, json={
            "handle": handle, "display_name": name, "time_zone": "Europe/Berlin", **roles}))
        for slug, level, years in skills:
            _ok(http.put(f"/v1/me/profile/skills/{slug}", headers=headers, json={"level": level, "years": years}),
                204)
        who[handle] = (account, headers)
    demo = MarketDemo()
    posts = [
        ("acme-labs", "Audit our milestone escrow", "Review a Solidity escrow (about 400 lines) and report.",
         ["solidity", "smart-contract-auditing"], 3_000),
        ("acme-labs", "Subgraph for our token", "Index Transfer events of an ERC20 with The Graph.",
         ["the-graph-subgraphs"], 800),
        ("green-grid", "Forecast solar output", "A model forecasting rooftop solar output from weather data.",
         ["machine-learning", "energy-modelling"], 2_500),
    ]
    for client, title, text, skills, budget in posts:
        project = _ok(http.post("/v1/projects", headers=who[client][1], json={
            "title": title, "description": text, "skills": skills, "budget": str(budget * LNC), "chain": chain,
            "token": "LNC"}), 201)
        _ok(http.post(f"/v1/projects/{project['id']}/transition", headers=who[client][1], json={"to": "open"}))
        demo.projects.append(project["id"])
    bids = [("ada-dev", 0, [("Findings report", 2_000), ("Fix review", 1_000)]),
            ("ada-dev", 1, [("Subgraph", 800)]),
            ("lin-ml", 2, [("Baseline model", 1_000), ("Tuned model and report", 1_500)])]
    for freelancer, project_index, plan in bids:
        proposal = _ok(http.post(f"/v1/projects/{demo.projects[project_index]}/proposals",
                                 headers=who[freelancer][1], json={
                                     "cover_letter": "I have done this before; plan below.",
                                     "review_period_seconds": 3 * 86400,
                                     "milestones": [{"title": t, "amount": str(a * LNC)} for t, a in plan]}), 201)
        demo.proposals.append(proposal["id"])
    client_account, client_headers = who["acme-labs"]
    contract = _ok(http.post(f"/v1/proposals/{demo.proposals[0]}/accept", headers=client_headers), 201)
    demo.contract = contract["id"]
    prepared = _ok(http.post(f"/v1/contracts/{demo.contract}/escrow/prepare", headers=client_headers,
                             json={"arbiter": local_dev_account(ARBITER_INDEX).address}))
    for tx in prepared["transactions"]:
        send_prepared(w3, client_account, tx)
    demo.escrow = prepared["escrow_address"]
    return demo
