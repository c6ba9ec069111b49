"""Request and response bodies of the attestation routes. Requests forbid unknown fields."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


AddressText = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{40}$")]
SkillName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9+#./ -]*$")]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReviewIn(Request):
    chain_id: int = Field(description="Chain of the escrow")
    escrow: AddressText = Field(description="Escrow contract address; it must be completed and confirmed in the index")
    rating: int = Field(ge=1, le=5, description="1 to 5 stars")
    text: str = Field(min_length=1, max_length=5000, description="Review text (stored by Lancer; its keccak256 is attested)")
    onchain: bool = Field(False, description="Also put the attestation on chain (EAS.attest, in a background job)")


class SkillIn(Request):
    recipient: AddressText = Field(description="Wallet whose skill is verified")
    skill: SkillName = Field(description="Lower-case skill name, e.g. 'solidity'")
    level: int = Field(ge=1, le=5, description="1 (beginner) to 5 (expert)")
    evidence: str = Field(min_length=1, max_length=5000, description="What the verifier reviewed (links, notes)")
    onchain: bool = False


class RevokeIn(Request):
    reason: str = Field(min_length=1, max_length=1000)
    onchain: bool = Field(True, description="Also revoke on chain (EAS.revoke of the on-chain copy, "
                                             "EAS.revokeOffchain of an offchain one), in a background job")


class VerifyIn(Request):
    """An EAS offchain attestation package, as EAS tools export it."""

    sig: dict[str, Any] = Field(description="{version, uid, domain, primaryType, types, message, signature}")
    signer: str = Field(max_length=42)


class EasPackage(BaseModel):
    """The exact JSON EAS tools (SDK, easscan) accept for an offchain attestation."""

    sig: dict[str, Any]
    signer: str


class OnchainRef(BaseModel):
    chain_id: int
    uid: str | None
    tx_hash: str | None
    status: str


class AttestationOut(BaseModel):
    uid: str
    kind: Literal["offchain", "onchain"]
    schema_uid: str
    schema_key: str | None = Field(description="Lancer's name of the schema, null for other schemas")
    attester: str
    recipient: str
    time: int = Field(description="Unix seconds (EAS time)")
    expiration_time: int = Field(description="Unix seconds; 0 = never")
    revoked: bool
    revoked_at: datetime | None
    decoded: dict[str, Any] | None = Field(description="Schema fields; integers as decimal strings")
    package: EasPackage | None = Field(None, description="Offchain: the EAS export {sig, signer}")
    chain_id: int = Field(description="Offchain: chain of the EIP-712 domain; on-chain: the chain")
    tx_hash: str | None = None
    block_number: int | None = None
    confirmed: bool | None = Field(None, description="On-chain: at or below the chain's confirmed block")
    onchain_copy: OnchainRef | None = Field(None, description="Offchain: its on-chain copy, when requested")
    details: dict[str, Any] | None = Field(None, description="Offchain: review text, escrow, evidence...")


class AttestationPage(BaseModel):
    items: list[AttestationOut]
    next_cursor: str | None


class IssuedOut(BaseModel):
    attestation: AttestationOut
    onchain_job: str | None = Field(None, description="rq job id of the on-chain copy, when requested")


class RevokedOut(BaseModel):
    uid: str
    revoked_at: datetime | None
    onchain_job: str | None


class SchemaOut(BaseModel):
    uid: str
    definition: str
    lancer_key: str | None


# Checks that could not be made (the verdict is then "indeterminate", never "valid").
DOMAIN_NOT_PINNED = "domain_not_pinned"
REVOCATION_UNKNOWN = "revocation_unknown"


class VerifyOut(BaseModel):
    valid: bool = Field(description="True only when verdict is 'valid'")
    verdict: Literal["valid", "invalid", "indeterminate"] = Field(
        description="valid: every check passed on a pinned domain with revocation checked; invalid: a check "
                    "failed; indeterminate: nothing failed, but the domain is not pinned (chain/EAS unknown to "
                    "Lancer) or revocation could not be checked (see problems)")
    uid: str
    signer: str
    problems: list[str] = Field(description="Every failed check, then the checks that could not be made "
                                            f"({DOMAIN_NOT_PINNED}, {REVOCATION_UNKNOWN}); empty when valid")
    signature_kind: str | None = Field(description="eoa or eip1271 when the signature checked out")
    chain_id: int
    domain_known: bool = Field(description="The domain's chain and EAS are known to Lancer, so both were pinned")
    schema_: SchemaOut | None = Field(None, alias="schema")
    decoded: dict[str, Any] | None
    revoked: bool | None = Field(description="null when no revocation source could answer")
    revocation: Literal["revoked", "not_revoked", "unknown"]
    issued_by_lancer: bool = Field(description="The signature verifies (EOA) for one of Lancer's attester addresses")

    model_config = ConfigDict(populate_by_name=True)


class SkillOut(BaseModel):
    skill: str
    level: int
    uid: str
    kind: Literal["offchain", "onchain"]
    attester: str
    time: int
