"""EIP-4361 (Sign-In with Ethereum) verification.

Parsing uses the ``siwe`` library's ABNF parser (the grammar in the EIP), behind its linear regular-
expression parser and a length bound (see ``parse_message``). The signature is checked
over the *exact* text that was sent (what the wallet showed and signed), never over a re-serialised
copy: first ``ecrecover`` (EOA), then, if that does not give the message's address, EIP-1271
``isValidSignature(bytes32,bytes)`` on the RPC of the message's chain. Each failed check raises a
:class:`SiweError` with its own problem type and a message that says what was wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_defunct
from siwe import SiweMessage
from eth_abi import encode as abi_encode
from web3.exceptions import ContractLogicError

from api.kit.rpcguard import RpcGuard
from contracts.artifacts import load_artifact
from indexer.core.registry import ChainRegistry


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


# siwe's ABNF parser takes time that grows with the square of the message's length (8 ms for a usual 230
# characters, 0.3 s for 3.7 KB of resources, 3.3 s for 4 KB of junk), and sign-in is open to anyone. Its
# regular-expression parser is linear and accepts everything the ABNF one accepts (and a little more:
# tabs in the statement, some malformed URIs), so it goes first and refuses junk in microseconds; the
# ABNF parser, the EIP's own grammar, then judges only well-shaped messages of bounded fields.
MAX_DOMAIN = 255  # an RFC 1035 host name and a port


def parse_message(text: str) -> SiweMessage:
    try:
        shaped = SiweMessage.from_message(text, abnf=False)
        if len(shaped.domain) > MAX_DOMAIN:
            raise SiweError("siwe-malformed", f"the domain is longer than {MAX_DOMAIN} characters", status=400)
        message = SiweMessage.from_message(text, abnf=True)
    except SiweError:
        raise
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


ERC6492_MAGIC = bytes.fromhex("64926492" * 8)


@lru_cache(maxsize=1)
def _probe_initcode() -> bytes:
    code = load_artifact("SignatureProbe")["deploymentBytecode"]["bytecode"]
    return bytes.fromhex(code.removeprefix("0x"))


def contract_signature_call(address: str, digest: bytes, signature: bytes) -> dict[str, str]:
    """The deploy-less ``eth_call`` that asks whether ``signature`` is ``address``'s (EIP-1271, with
    EIP-6492 counterfactual deployment): no ``to``, the probe's creation code with its arguments."""
    args = abi_encode(["address", "bytes32", "bytes"], [address, digest, signature])
    return {"data": "0x" + (_probe_initcode() + args).hex()}


def check_signature(text: str, message: SiweMessage, signature: bytes, *, rpc_urls: list[str],
                    guard: RpcGuard, ip: str | None, contract_refusal: str | None = None) -> str:
    """'eoa', 'eip1271' or 'eip6492' when the signature is the address' own; SiweError otherwise.

    A contract wallet costs RPC work a stranger can cause, so it runs under ``guard``: its own per-IP
    budget, a cap on calls in flight, one deadline for every URL tried and no hidden retries.
    ``contract_refusal`` (a reason) refuses contract wallets before any RPC call.
    """
    signable = encode_defunct(text=text)
    if len(signature) == 65:
        try:
            if Account.recover_message(signable, signature=signature) == message.address:
                return "eoa"
        except Exception:  # malformed v/r/s: not an EOA signature, maybe a contract's
            pass
    if contract_refusal is not None:
        raise SiweError("siwe-contract-wallet", contract_refusal)
    digest = _hash_eip191_message(signable)
    call = contract_signature_call(message.address, digest, signature)
    method = "eip6492" if signature.endswith(ERC6492_MAGIC) else "eip1271"
    with guard.slot(ip) as deadline:
        for url in rpc_urls:
            try:
                answer = guard.web3(url, deadline).eth.call(call)  # type: ignore[arg-type]
            except (ContractLogicError, ValueError) as exc:
                if isinstance(exc, ContractLogicError) or "revert" in str(exc).lower():
                    # e.g. a malformed EIP-6492 wrapper: an answer, and it is "no"
                    raise SiweError("siwe-signature", "smart-contract wallet rejected the signature") from None
                continue
            except Exception:  # transport error or deadline: the next URL, within the same deadline
                if deadline.expired:
                    break
                continue
            if len(answer) == 32 and int.from_bytes(answer, "big") == 1:
                return method
            raise SiweError("siwe-signature", "signature does not match the message's address (EOA, EIP-1271 "
                            "or EIP-6492)")
    raise SiweError("siwe-rpc-unavailable", "could not reach the chain to check a contract wallet", status=503)
