"""EIP-4361 (Sign-In with Ethereum) verification.

Parsing uses the ``siwe`` library's ABNF parser (the grammar in the EIP). The signature is checked
over the *exact* text that was sent (what the wallet showed and signed), never over a re-serialised
copy: first ``ecrecover`` (EOA), then, if that does not give the message's address, EIP-1271
``isValidSignature(bytes32,bytes)`` on the RPC of the message's chain. Each failed check raises a
:class:`SiweError` with its own problem type and a message that says what was wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_defunct
from siwe import SiweMessage
from web3 import HTTPProvider, Web3
from web3.exceptions import Web3Exception

from indexer.core.registry import ChainRegistry

EIP1271_MAGIC = bytes.fromhex("1626ba7e")
EIP1271_ABI = [{
    "inputs": [{"name": "hash", "type": "bytes32"}, {"name": "signature", "type": "bytes"}],
    "name": "isValidSignature",
    "outputs": [{"name": "magicValue", "type": "bytes4"}],
    "stateMutability": "view",
    "type": "function",
}]


class SiweError(Exception):
    def __init__(self, type_: str, detail: str, status: int = 401) -> None:
        super().__init__(detail)
        self.type_ = type_
        self.detail = detail
        self.status = status


@dataclass(frozen=True)
class VerifiedSiwe:
    address: str
    chain_id: int
    nonce: str
    method: str  # "eoa" | "eip1271"


def parse_message(text: str) -> SiweMessage:
    try:
        message = SiweMessage.from_message(text, abnf=True)
    except Exception as exc:  # ABNF ParseError (as ValueError) or pydantic ValidationError
        reason = ""
        errors = getattr(exc, "errors", None)
        if callable(errors):
            try:
                first = errors()[0]
                reason = f": {'.'.join(str(p) for p in first.get('loc', ()))} {first.get('msg', '')}".rstrip()
            except Exception:
                reason = ""
        raise SiweError("siwe-malformed", "message is not a valid EIP-4361 message" + reason, status=400) from None
    for name in ("issued_at", "expiration_time", "not_before"):
        value = getattr(message, name)
        if value is not None and value._datetime.tzinfo is None:
            raise SiweError("siwe-malformed", f"{name} must carry a time zone (e.g. Z)", status=400)
    return message


def parse_signature(signature: str) -> bytes:
    text = signature[2:] if signature[:2] in ("0x", "0X") else signature
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise SiweError("siwe-signature", "signature is not hex", status=400) from None
    if not raw:
        raise SiweError("siwe-signature", "signature is empty", status=400)
    return raw


def _origin(uri: str) -> str:
    return uri.rstrip("/")


def check_fields(message: SiweMessage, *, domain: str, uri: str, registry: ChainRegistry, skew: int,
                 max_age: int, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    allowance = timedelta(seconds=skew)
    if message.domain.lower() != domain.lower():
        raise SiweError("siwe-domain", f"message domain {message.domain!r} is not {domain!r}")
    if message.scheme is not None and message.scheme.lower() != urlsplit(uri).scheme.lower():
        raise SiweError("siwe-domain", f"message scheme {message.scheme!r} does not match {uri!r}")
    if _origin(message.uri) != _origin(uri):
        raise SiweError("siwe-uri", f"message URI {message.uri!r} is not {uri!r}")
    if str(message.version) != "1":
        raise SiweError("siwe-version", "only SIWE message version 1 is supported", status=400)
    if not registry.has_id(int(message.chain_id)):
        raise SiweError("siwe-chain", f"chain id {message.chain_id} is not a chain Lancer supports")
    issued = message.issued_at._datetime
    if issued > now + allowance:
        raise SiweError("siwe-issued-at", "message issuedAt is in the future")
    if issued < now - timedelta(seconds=max_age) - allowance:
        raise SiweError("siwe-issued-at", f"message was issued more than {max_age} s ago; sign a new one")
    if message.expiration_time is not None and now - allowance >= message.expiration_time._datetime:
        raise SiweError("siwe-expired", "message has expired (expirationTime is past)")
    if message.not_before is not None and now + allowance < message.not_before._datetime:
        raise SiweError("siwe-not-yet-valid", "message is not valid yet (notBefore is in the future)")


def check_signature(text: str, message: SiweMessage, signature: bytes, *, rpc_urls: list[str],
                    timeout: float) -> str:
    """'eoa' or 'eip1271' when the signature is the address' own; SiweError otherwise."""
    signable = encode_defunct(text=text)
    if len(signature) == 65:
        try:
            if Account.recover_message(signable, signature=signature) == message.address:
                return "eoa"
        except Exception:  # malformed v/r/s: not an EOA signature, maybe a contract's
            pass
    digest = _hash_eip191_message(signable)
    last_error = "no RPC URL"
    for url in rpc_urls:
        w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": timeout}))
        try:
            if not w3.eth.get_code(message.address):
                raise SiweError("siwe-signature", "signature does not match the message's address")
            contract = w3.eth.contract(address=message.address, abi=EIP1271_ABI)
            result = contract.functions.isValidSignature(digest, signature).call()
        except SiweError:
            raise
        except (Web3Exception, ValueError) as exc:
            # A revert or undecodable answer is a "no"; transport problems try the next URL.
            if "revert" in str(exc).lower() or "decode" in str(exc).lower() or "abi" in str(exc).lower():
                raise SiweError("siwe-signature", "smart-contract wallet rejected the signature") from None
            last_error = type(exc).__name__
            continue
        except Exception as exc:
            last_error = type(exc).__name__
            continue
        if bytes(result) == EIP1271_MAGIC:
            return "eip1271"
        raise SiweError("siwe-signature", "smart-contract wallet rejected the signature (EIP-1271)")
    raise SiweError("siwe-rpc-unavailable", f"could not reach the chain to check a contract wallet ({last_error})",
                    status=503)
