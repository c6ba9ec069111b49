"""LancerToken and the SmartWallet1271 helper."""

from __future__ import annotations

import ape
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import keccak

from tests.contracts.conftest import TOKEN_CAP, Actors, System, container

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
