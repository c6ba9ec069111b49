"""Unsigned transactions of the token economy, ABI-encoded locally (the API never talks to a node):
ERC20 approve, MerkleDistributor publishRoot/claim, LancerStaking stake/requestUnstake/withdraw/claimRewards.
Shared by the rewards and staking domains."""

from __future__ import annotations

from typing import Any

from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector

from api.engagements.schemas import TxOut


def _call(signature: str, types: list[str], args: list[Any]) -> str:
    return "0x" + (function_signature_to_4byte_selector(signature) + encode(types, args)).hex()


def tx(description: str, chain_id: int, to: str, data: str, sender: str) -> TxOut:
    return TxOut.model_validate({"description": description, "chainId": chain_id, "to": to, "data": data,
                                 "value": "0", "from": sender})


def approve(chain_id: int, token: str, spender: str, amount: int, sender: str, what: str) -> TxOut:
    return tx(f"approve {what} to pull {amount} base units", chain_id, token,
              _call("approve(address,uint256)", ["address", "uint256"], [spender, amount]), sender)


def publish_root(chain_id: int, distributor: str, epoch: int, root: bytes, token: str, total: int,
                 sender: str) -> TxOut:
    return tx(f"publish and fund rewards epoch {epoch}", chain_id, distributor, _call(
        "publishRoot(uint256,bytes32,address,uint256)", ["uint256", "bytes32", "address", "uint256"],
        [epoch, root, token, total]), sender)


def claim(chain_id: int, distributor: str, epoch: int, index: int, account: str, amount: int,
          proof: list[bytes], sender: str) -> TxOut:
    return tx(f"claim rewards epoch {epoch}", chain_id, distributor, _call(
        "claim(uint256,uint256,address,uint256,bytes32[])", ["uint256", "uint256", "address", "uint256", "bytes32[]"],
        [epoch, index, account, amount, proof]), sender)


def staking_call(chain_id: int, staking: str, action: str, amount: int | None, sender: str) -> TxOut:
    calls: dict[str, tuple[str, str, list[str], list[Any]]] = {
        "stake": (f"stake {amount} base units", "stake(uint256)", ["uint256"], [amount]),
        "request_unstake": (f"request to unstake {amount} base units", "requestUnstake(uint256)", ["uint256"],
                            [amount]),
        "withdraw": ("withdraw the unbonded stake", "withdraw()", [], []),
        "claim": ("claim staking rewards", "claimRewards()", [], []),
    }
    description, signature, types, args = calls[action]
    return tx(description, chain_id, staking, _call(signature, types, args), sender)
