"""LancerToken and the SmartWallet1271 helper."""

from __future__ import annotations

from typing import Any

import ape
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import keccak

from tests.support.solidity import TOKEN_CAP, Actors, System, container

MINTER_ROLE = keccak(text="MINTER_ROLE")


def test_metadata_and_roles(system: System, actors: Actors) -> None:
    t = system.token
    assert (t.name(), t.symbol(), t.decimals()) == ("Lancer", "LNC", 18)
    assert t.cap() == TOKEN_CAP
    assert t.MINTER_ROLE() == MINTER_ROLE
    assert t.hasRole(b"\0" * 32, actors.admin) and t.hasRole(MINTER_ROLE, actors.admin)
    assert not t.hasRole(MINTER_ROLE, actors.other)


def test_mint_transfer_approve_burn(system: System, actors: Actors) -> None:
    t = system.token
    tx = t.mint(actors.client, 1000, sender=actors.admin)
    (ev,) = tx.decode_logs(t.Transfer)
    assert (ev["from"], ev.to, ev.value) == ("0x" + "00" * 20, actors.client.address, 1000)
    t.transfer(actors.freelancer, 300, sender=actors.client)
    t.approve(actors.other, 200, sender=actors.client)
    t.transferFrom(actors.client, actors.arbiter, 150, sender=actors.other)
    t.burn(50, sender=actors.client)
    assert t.balanceOf(actors.client) == 500
    assert t.balanceOf(actors.freelancer) == 300
    assert t.balanceOf(actors.arbiter) == 150
    assert t.totalSupply() == 950


def test_mint_cap(system: System, actors: Actors) -> None:
    t = system.token
    t.mint(actors.client, TOKEN_CAP, sender=actors.admin)
    with ape.reverts(t.CapExceeded, newSupply=TOKEN_CAP + 1, cap=TOKEN_CAP):
        t.mint(actors.client, 1, sender=actors.admin)
    # burning frees room under the cap again
    t.burn(10, sender=actors.client)
    t.mint(actors.client, 10, sender=actors.admin)
    assert t.totalSupply() == TOKEN_CAP


def test_mint_only_minter(system: System, actors: Actors) -> None:
    with ape.reverts(system.token.AccessControlUnauthorizedAccount):
        system.token.mint(actors.other, 1, sender=actors.other)


def test_constructor_validation(system: System, actors: Actors) -> None:
    c = container("LancerToken")
    with ape.reverts(system.token.InvalidCap):
        c.deploy(actors.admin, 0, sender=actors.admin)
    with ape.reverts(system.token.InvalidCap):
        c.deploy(actors.admin, 2**208, sender=actors.admin)
    with ape.reverts(system.token.ZeroAddress):
        c.deploy("0x" + "00" * 20, 1, sender=actors.admin)


def test_votes_delegation(system: System, actors: Actors) -> None:
    t = system.token
    t.mint(actors.client, 500, sender=actors.admin)
    # `delegate` is shadowed by an ape attribute, so call the ABI method by name.
    t.invoke_transaction("delegate", actors.client, sender=actors.client)
    assert t.getVotes(actors.client) == 500
    t.transfer(actors.freelancer, 200, sender=actors.client)
    assert t.getVotes(actors.client) == 300


def test_smart_wallet_1271(actors: Actors, chain: object) -> None:
    owner = Account.create()
    wallet = container("SmartWallet1271").deploy(owner.address, sender=actors.admin)
    msg = encode_defunct(text="Sign in to Lancer")
    signed = owner.sign_message(msg)
    digest = signed.message_hash
    assert wallet.isValidSignature(digest, signed.signature) == bytes.fromhex("1626ba7e")
    stranger = Account.create().sign_message(msg)
    assert wallet.isValidSignature(digest, stranger.signature) == bytes.fromhex("ffffffff")
    assert wallet.isValidSignature(digest, b"\x01\x02") == bytes.fromhex("ffffffff")


def _permit_signature(token, owner: Any, spender: str, value: int, deadline: int) -> tuple[int, bytes, bytes]:  # type: ignore[no-untyped-def]
    typed = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Permit": [
                {"name": "owner", "type": "address"},
                {"name": "spender", "type": "address"},
                {"name": "value", "type": "uint256"},
                {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint256"},
            ],
        },
        "primaryType": "Permit",
        "domain": {
            "name": "Lancer",
            "version": "1",
            "chainId": ape.chain.chain_id,
            "verifyingContract": token.address,
        },
        "message": {
            "owner": owner.address,
            "spender": spender,
            "value": value,
            "nonce": token.nonces(owner.address),
            "deadline": deadline,
        },
    }
    signed = Account.sign_typed_data(owner.key, full_message=typed)
    return signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")


def test_permit_sets_allowance_once_and_rejects_replay_and_forgery(system: System, actors: Actors) -> None:
    t = system.token
    owner = Account.create()
    t.mint(owner.address, 1_000, sender=actors.admin)
    deadline = ape.chain.pending_timestamp + 3600
    v, r, s = _permit_signature(t, owner, actors.other.address, 400, deadline)

    t.permit(owner.address, actors.other, 400, deadline, v, r, s, sender=actors.admin)
    assert t.allowance(owner.address, actors.other) == 400
    assert t.nonces(owner.address) == 1
    t.transferFrom(owner.address, actors.freelancer, 400, sender=actors.other)
    assert t.balanceOf(actors.freelancer) == 400

    with ape.reverts(t.ERC2612InvalidSigner):  # the same signature again: the nonce moved on
        t.permit(owner.address, actors.other, 400, deadline, v, r, s, sender=actors.admin)
    with ape.reverts(t.ERC2612InvalidSigner):  # a different value than was signed
        t.permit(owner.address, actors.other, 401, deadline, *_permit_signature(t, owner, actors.other.address, 400, deadline), sender=actors.admin)
    expired = ape.chain.pending_timestamp - 1
    with ape.reverts(t.ERC2612ExpiredSignature):
        t.permit(owner.address, actors.other, 1, expired, *_permit_signature(t, owner, actors.other.address, 1, expired), sender=actors.admin)


def test_votes_follow_delegation_and_transfers(system: System, actors: Actors) -> None:
    t = system.token
    t.mint(actors.client, 1_000, sender=actors.admin)
    assert t.getVotes(actors.client) == 0  # ERC20Votes counts only delegated balances
    # `delegate` is taken by ape's ContractInstance (proxy delegates), so call the ABI method by name.
    t.invoke_transaction("delegate", actors.client, sender=actors.client)
    assert t.getVotes(actors.client) == 1_000
    t.transfer(actors.freelancer, 300, sender=actors.client)
    assert t.getVotes(actors.client) == 700
    t.invoke_transaction("delegate", actors.arbiter, sender=actors.freelancer)
    assert t.getVotes(actors.arbiter) == 300
