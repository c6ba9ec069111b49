"""On-chain attest/revoke on anvil: found by UID, retried safely, never twice."""

from __future__ import annotations

from web3 import Web3

from devtools.accounts import local_dev_account
from contracts.eas.lancer_schemas import MILESTONE_REVIEW, VERIFIED_SKILL, milestone_ref
from contracts.eas.offchain import sign_offchain_attestation
from contracts.eas.verify import Problem, verify_offchain_attestation
from contracts.eas.onchain import (
    AttestRequest,
    AttestStatus,
    JournalEntry,
    MemoryJournal,
    RevokeStatus,
    attest_once,
    eas_contract,
    get_attestation,
    offchain_domain,
    offchain_revocation_checker,
    revoke,
    revoke_offchain,
)
from tests.support.eas_chain import EasChain

ATTESTER = local_dev_account(4)
FREELANCER = local_dev_account(6).address
CLIENT = local_dev_account(7).address


def review_request(index: int) -> AttestRequest:
    data = MILESTONE_REVIEW.encode(
        {"client": CLIENT, "freelancer": FREELANCER, "escrow": milestone_ref(31337, CLIENT, index), "rating": 5,
         "amount": 10**18, "reviewHash": Web3.keccak(text=f"review {index}")}
    )
    return AttestRequest(schema=MILESTONE_REVIEW.uid, recipient=FREELANCER, data=data)


def attested_count(chain: EasChain, request: AttestRequest) -> int:
    logs = eas_contract(chain.w3, chain.eas).events.Attested().get_logs(
        from_block=0, argument_filters={"attester": ATTESTER.address, "schemaUID": bytes.fromhex(request.schema[2:])}
    )
    return sum(1 for log in logs if get_attestation(chain.w3, chain.eas, "0x" + log["args"]["uid"].hex()).data == request.data)  # type: ignore[union-attr]


def test_attest_is_found_by_uid_and_retries_never_duplicate(eas_chain: EasChain) -> None:
    request, journal = review_request(1), MemoryJournal()
    first = attest_once(eas_chain.w3, ATTESTER, eas_chain.eas, request, key="review-1", journal=journal)
    assert first.status is AttestStatus.ATTESTED and first.tx_hash
    found = get_attestation(eas_chain.w3, eas_chain.eas, first.uid)
    assert found is not None and found.attester == ATTESTER.address and found.recipient == FREELANCER
    assert found.schema == MILESTONE_REVIEW.uid and MILESTONE_REVIEW.decode(found.data)["rating"] == 5

    again = attest_once(eas_chain.w3, ATTESTER, eas_chain.eas, request, key="review-1", journal=journal)
    assert (again.uid, again.status) == (first.uid, AttestStatus.ALREADY)
    # A lost journal still does not attest twice: the chain is asked by content.
    lost = attest_once(eas_chain.w3, ATTESTER, eas_chain.eas, request, key="review-1", journal=MemoryJournal())
    assert (lost.uid, lost.status) == (first.uid, AttestStatus.ALREADY)
    assert attested_count(eas_chain, request) == 1


def test_crash_between_journal_and_broadcast_is_resumed_with_the_same_tx(eas_chain: EasChain) -> None:
    w3, request, journal = eas_chain.w3, review_request(2), MemoryJournal()
    eas = eas_contract(w3, eas_chain.eas)
    tx = eas.functions.attest(request.as_abi()).build_transaction(
        {"from": ATTESTER.address, "nonce": w3.eth.get_transaction_count(ATTESTER.address, "pending"), "chainId": 31337}
    )
    signed = ATTESTER.sign_transaction(tx)
    # As attest_once does before broadcasting; then the process "dies".
    journal.put("review-2", JournalEntry(signed.hash.to_0x_hex(), signed.raw_transaction.to_0x_hex(), tx["nonce"]))
    result = attest_once(w3, ATTESTER, eas_chain.eas, request, key="review-2", journal=journal)
    assert result.status is AttestStatus.ALREADY and result.tx_hash == signed.hash.to_0x_hex()
    assert get_attestation(w3, eas_chain.eas, result.uid) is not None
    assert attested_count(eas_chain, request) == 1


def test_revoke_and_revoke_offchain(eas_chain: EasChain) -> None:
    w3, request = eas_chain.w3, review_request(3)
    uid = attest_once(w3, ATTESTER, eas_chain.eas, request, key="review-3", journal=MemoryJournal()).uid
    status, tx_hash = revoke(w3, ATTESTER, eas_chain.eas, uid)
    assert status is RevokeStatus.REVOKED and tx_hash
    assert get_attestation(w3, eas_chain.eas, uid).revoked  # type: ignore[union-attr]
    assert revoke(w3, ATTESTER, eas_chain.eas, uid) == (RevokeStatus.ALREADY, None)
    # A revoked attestation is not "the same fact already attested": a new one is made.
    renewed = attest_once(w3, ATTESTER, eas_chain.eas, request, key="review-3b", journal=MemoryJournal())
    assert renewed.status is AttestStatus.ATTESTED and renewed.uid != uid

    data = VERIFIED_SKILL.encode({"skill": "go", "level": 2, "evidenceHash": Web3.keccak(text="e")})
    package = sign_offchain_attestation(
        ATTESTER, offchain_domain(w3, eas_chain.eas), schema=VERIFIED_SKILL.uid, recipient=FREELANCER, data=data
    ).to_json()
    check = offchain_revocation_checker(w3, eas_chain.eas)
    assert verify_offchain_attestation(package, is_revoked=check).revoked is False
    assert revoke_offchain(w3, ATTESTER, eas_chain.eas, package["sig"]["uid"])[0] is RevokeStatus.REVOKED
    assert revoke_offchain(w3, ATTESTER, eas_chain.eas, package["sig"]["uid"]) == (RevokeStatus.ALREADY, None)
    assert verify_offchain_attestation(package, is_revoked=check).problems == [Problem.REVOKED]
