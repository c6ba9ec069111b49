"""On-chain EAS with web3.py: read schemas and attestations, attest and revoke exactly once.

Attesting is built to be retried safely (a job may crash or time out at any instant) and never to
attest the same fact twice:

1. A caller-chosen idempotency ``key`` (e.g. the UID of the matching offchain attestation) names
   the fact. A journal (the API's database; :class:`MemoryJournal` in tests) keeps, per key, the
   signed transaction, its hash and nonce, written *before* the transaction is broadcast.
2. On a retry with a journal entry: a mined receipt gives the UID; a transaction still unknown is
   re-broadcast byte for byte (same nonce, so it can be included at most once); one whose nonce
   was taken by another transaction can never be mined, and we fall through to step 3.
3. Without a usable entry, the chain itself is asked: an ``Attested`` log with the same
   (recipient, attester, schema) whose attestation has the same data, refUID, revocable flag and
   expiry (and is not revoked) means "already attested" and is returned instead of a new one.
   Lancer's schemas carry unique references (escrow/milestone ref, review hash), so equal content
   means the same fact.

The refUID field cannot carry the offchain UID: EAS reverts (NotFound) unless refUID names an
existing on-chain attestation, which is why the check is by content.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError, TransactionNotFound
from web3.logs import DISCARD

from contracts.eas.offchain import EIP1271_MAGIC, EasDomain
from contracts.eas.schemas import ZERO_ADDRESS, ZERO_BYTES32, EasSchema
from contracts.eas.verify import Eip1271Check, RevocationCheck, SchemaLookup
from indexer.core.addresses import checksum

IERC1271_ABI = [
    {
        "type": "function",
        "name": "isValidSignature",
        "stateMutability": "view",
        "inputs": [{"name": "hash", "type": "bytes32"}, {"name": "signature", "type": "bytes"}],
        "outputs": [{"name": "", "type": "bytes4"}],
    }
]


class EasTxError(RuntimeError):
    """An EAS transaction reverted or could not be sent."""


def _abi(name: str) -> list[dict[str, Any]]:
    # The ABIs of the exact EAS build we deploy locally; the public deployments share them.
    from contracts.artifacts import load_artifact

    abi: list[dict[str, Any]] = load_artifact(name)["abi"]
    return abi


def eas_contract(w3: Web3, address: str) -> Contract:
    return w3.eth.contract(address=checksum(address), abi=_abi("EAS"))


def registry_contract(w3: Web3, address: str) -> Contract:
    return w3.eth.contract(address=checksum(address), abi=_abi("SchemaRegistry"))


def offchain_domain(w3: Web3, eas_address: str) -> EasDomain:
    """The offchain-attestation domain of this EAS: its chain id and its own ``version()``."""
    version = eas_contract(w3, eas_address).functions.version().call()
    return EasDomain(chain_id=w3.eth.chain_id, verifying_contract=checksum(eas_address), version=version)


def _b32(value: str | bytes) -> bytes:
    return bytes(HexBytes(value))


def get_schema(w3: Web3, registry_address: str, uid: str) -> EasSchema | None:
    record = registry_contract(w3, registry_address).functions.getSchema(_b32(uid)).call()
    record_uid, resolver, revocable, definition = record
    if bytes(record_uid) == b"\0" * 32:
        return None
    return EasSchema(
        key="0x" + bytes(record_uid).hex(), title="", definition=definition, revocable=revocable, resolver=resolver
    )


def registry_schema_lookup(w3: Web3, registry_address: str) -> SchemaLookup:
    """Lancer's own schemas first (no RPC call), then the chain's SchemaRegistry."""
    from contracts.eas.lancer_schemas import by_uid

    def lookup(uid: str) -> EasSchema | None:
        return by_uid(uid) or get_schema(w3, registry_address, uid)

    return lookup


def eip1271_checker(w3: Web3) -> Eip1271Check:
    """Asks ``signer.isValidSignature(digest, signature)`` on the chain; any failure means invalid."""

    def check(signer: str, digest: bytes, signature: bytes) -> bool:
        address = checksum(signer)
        if not w3.eth.get_code(address):
            return False  # an EOA whose ECDSA signature did not recover: invalid
        try:
            answer = w3.eth.contract(address=address, abi=IERC1271_ABI).functions.isValidSignature(
                digest, signature
            ).call()
        except Exception:  # reverts and malformed returns both mean "not valid"
            return False
        return bytes(answer) == EIP1271_MAGIC

    return check


def offchain_revocation_checker(w3: Web3, eas_address: str) -> RevocationCheck:
    """Offchain attestations are revoked on chain with ``EAS.revokeOffchain(uid)`` by their attester."""
    eas = eas_contract(w3, eas_address)

    def check(uid: str, attester: str) -> bool:
        return int(eas.functions.getRevokeOffchain(checksum(attester), _b32(uid)).call()) != 0

    return check


@dataclass(frozen=True)
class OnchainAttestation:
    uid: str
    schema: str
    time: int
    expiration_time: int
    revocation_time: int
    ref_uid: str
    recipient: str
    attester: str
    revocable: bool
    data: bytes

    @property
    def revoked(self) -> bool:
        return self.revocation_time != 0


def get_attestation(w3: Web3, eas_address: str, uid: str) -> OnchainAttestation | None:
    raw = eas_contract(w3, eas_address).functions.getAttestation(_b32(uid)).call()
    if bytes(raw[0]) == b"\0" * 32:
        return None
    return OnchainAttestation(
        uid="0x" + bytes(raw[0]).hex(),
        schema="0x" + bytes(raw[1]).hex(),
        time=raw[2],
        expiration_time=raw[3],
        revocation_time=raw[4],
        ref_uid="0x" + bytes(raw[5]).hex(),
        recipient=raw[6],
        attester=raw[7],
        revocable=raw[8],
        data=bytes(raw[9]),
    )


# ---------------------------------------------------------------------------------------------
# Attest once


@dataclass
class JournalEntry:
    tx_hash: str
    raw_tx: str
    nonce: int
    uid: str | None = None


class AttestJournal(Protocol):
    """Durable per-key record of the attest transaction; the API implements it on its database."""

    def get(self, key: str) -> JournalEntry | None: ...

    def put(self, key: str, entry: JournalEntry) -> None: ...


class MemoryJournal:
    def __init__(self) -> None:
        self.entries: dict[str, JournalEntry] = {}

    def get(self, key: str) -> JournalEntry | None:
        return self.entries.get(key)

    def put(self, key: str, entry: JournalEntry) -> None:
        self.entries[key] = entry


class AttestStatus(StrEnum):
    ATTESTED = "attested"  # this call's transaction made it
    ALREADY = "already"  # it existed before this call (journal or chain)


@dataclass(frozen=True)
class AttestResult:
    uid: str
    status: AttestStatus
    tx_hash: str | None


@dataclass(frozen=True)
class AttestRequest:
    schema: str
    recipient: str = ZERO_ADDRESS
    data: bytes = b""
    expiration_time: int = 0
    revocable: bool = True
    ref_uid: str = ZERO_BYTES32
    value: int = 0

    def as_abi(self) -> tuple[Any, ...]:
        return (
            _b32(self.schema),
            (checksum(self.recipient), self.expiration_time, self.revocable, _b32(self.ref_uid),
             self.data, self.value),
        )


def find_existing(
    w3: Web3, eas_address: str, attester: str, request: AttestRequest, *, from_block: int = 0
) -> OnchainAttestation | None:
    """A live on-chain attestation by ``attester`` with exactly this content, if there is one."""
    eas = eas_contract(w3, eas_address)
    logs = eas.events.Attested().get_logs(
        from_block=from_block,
        argument_filters={
            "recipient": checksum(request.recipient),
            "attester": checksum(attester),
            "schemaUID": _b32(request.schema),
        },
    )
    for log in logs:
        found = get_attestation(w3, eas_address, "0x" + bytes(log["args"]["uid"]).hex())
        if (
            found is not None
            and not found.revoked
            and found.data == request.data
            and found.ref_uid == "0x" + _b32(request.ref_uid).hex()
            and found.revocable == request.revocable
            and found.expiration_time == request.expiration_time
        ):
            return found
    return None


def attest_once(
    w3: Web3,
    account: LocalAccount,
    eas_address: str,
    request: AttestRequest,
    *,
    key: str,
    journal: AttestJournal,
    from_block: int = 0,
    timeout: float = 120.0,
) -> AttestResult:
    """``EAS.attest`` for the fact named ``key``, at most once however often it is called."""
    eas = eas_contract(w3, eas_address)
    entry = journal.get(key)
    if entry is not None:
        if entry.uid and get_attestation(w3, eas_address, entry.uid) is not None:
            return AttestResult(entry.uid, AttestStatus.ALREADY, entry.tx_hash)
        uid = _resume(w3, eas, entry, account.address, timeout)
        if uid is not None:
            entry.uid = uid
            journal.put(key, entry)
            return AttestResult(uid, AttestStatus.ALREADY, entry.tx_hash)

    existing = find_existing(w3, eas_address, account.address, request, from_block=from_block)
    if existing is not None:
        journal.put(key, JournalEntry(tx_hash="", raw_tx="", nonce=-1, uid=existing.uid))
        return AttestResult(existing.uid, AttestStatus.ALREADY, None)

    try:
        tx = eas.functions.attest(request.as_abi()).build_transaction(
            {
                "from": account.address,
                "nonce": w3.eth.get_transaction_count(account.address, "pending"),
                "chainId": w3.eth.chain_id,
                "value": request.value,
            }
        )
    except ContractLogicError as exc:
        raise EasTxError(f"EAS.attest would revert: {exc}") from None
    signed = account.sign_transaction(tx)
    entry = JournalEntry(tx_hash=signed.hash.to_0x_hex(), raw_tx=signed.raw_transaction.to_0x_hex(), nonce=tx["nonce"])
    journal.put(key, entry)  # before broadcasting: a crash from here on is resumed, not repeated
    w3.eth.send_raw_transaction(signed.raw_transaction)
    uid = _uid_from_receipt(w3, eas, entry.tx_hash, timeout)
    entry.uid = uid
    journal.put(key, entry)
    return AttestResult(uid, AttestStatus.ATTESTED, entry.tx_hash)


def _resume(w3: Web3, eas: Contract, entry: JournalEntry, sender: str, timeout: float) -> str | None:
    """The UID the journaled transaction produced or will produce; None if it never can."""
    if not entry.raw_tx:
        return None
    try:
        receipt = w3.eth.get_transaction_receipt(entry.tx_hash)  # type: ignore[arg-type]
    except TransactionNotFound:
        receipt = None
    if receipt is not None:
        return _uid_from(eas, receipt) if receipt["status"] == 1 else None
    if w3.eth.get_transaction_count(sender, "latest") > entry.nonce:
        return None  # the nonce went to another transaction: this one can never be mined
    try:
        w3.eth.send_raw_transaction(entry.raw_tx)
    except Exception as exc:  # "already known" and the like: it is in the pool, wait for it
        if "known" not in str(exc).lower():
            raise
    return _uid_from_receipt(w3, eas, entry.tx_hash, timeout)


def _uid_from_receipt(w3: Web3, eas: Contract, tx_hash: str, timeout: float) -> str:
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout)  # type: ignore[arg-type]
    if receipt["status"] != 1:
        raise EasTxError(f"EAS.attest reverted in {tx_hash}")
    return _uid_from(eas, receipt)


def _uid_from(eas: Contract, receipt: Any) -> str:
    events = eas.events.Attested().process_receipt(receipt, errors=DISCARD)
    if not events:
        raise EasTxError(f"no Attested event in {receipt['transactionHash'].to_0x_hex()}")
    return "0x" + bytes(events[0]["args"]["uid"]).hex()


class RevokeStatus(StrEnum):
    REVOKED = "revoked"
    ALREADY = "already revoked"


def revoke(
    w3: Web3, account: LocalAccount, eas_address: str, uid: str, *, value: int = 0, timeout: float = 120.0
) -> tuple[RevokeStatus, str | None]:
    """``EAS.revoke``; safe to retry: an attestation already revoked is reported, not re-sent."""
    found = get_attestation(w3, eas_address, uid)
    if found is None:
        raise EasTxError(f"no attestation {uid} on chain {w3.eth.chain_id}")
    if found.revoked:
        return RevokeStatus.ALREADY, None
    eas = eas_contract(w3, eas_address)
    tx_hash = _send(w3, account, eas.functions.revoke((_b32(found.schema), (_b32(uid), value))), value, timeout)
    return RevokeStatus.REVOKED, tx_hash


def revoke_offchain(
    w3: Web3, account: LocalAccount, eas_address: str, uid: str, *, timeout: float = 120.0
) -> tuple[RevokeStatus, str | None]:
    """``EAS.revokeOffchain(uid)``: records on chain that ``account`` revoked an offchain attestation."""
    eas = eas_contract(w3, eas_address)
    if eas.functions.getRevokeOffchain(account.address, _b32(uid)).call():
        return RevokeStatus.ALREADY, None
    return RevokeStatus.REVOKED, _send(w3, account, eas.functions.revokeOffchain(_b32(uid)), 0, timeout)


def _send(w3: Web3, account: LocalAccount, call: Any, value: int, timeout: float) -> str:
    try:
        tx = call.build_transaction(
            {
                "from": account.address,
                "nonce": w3.eth.get_transaction_count(account.address, "pending"),
                "chainId": w3.eth.chain_id,
                "value": value,
            }
        )
    except ContractLogicError as exc:
        raise EasTxError(f"EAS call would revert: {exc}") from None
    signed = account.sign_transaction(tx)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout)
    if receipt["status"] != 1:
        raise EasTxError(f"EAS transaction {tx_hash.to_0x_hex()} reverted")
    return tx_hash.to_0x_hex()
