"""Request and response bodies of the identity routes. Requests forbid unknown fields."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from api.auth import API_SCOPES

# EIP-4361 sets no bound; wallets' messages are a few hundred characters (EIP-5573 capabilities included).
# The bound keeps the ABNF parse of a sign-in short (api.identity.siwe_verify.parse_message).
SiweText = Annotated[str, StringConstraints(min_length=1, max_length=2048)]
SignatureHex = Annotated[str, StringConstraints(min_length=4, max_length=8192, pattern=r"^(0[xX])?[0-9a-fA-F]+$")]
TotpCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
BackupCodeText = Annotated[str, StringConstraints(min_length=10, max_length=16, pattern=r"^[A-Za-z0-9 -]+$")]
Jwt = Annotated[str, StringConstraints(min_length=10, max_length=4096)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SiweIn(Request):
    message: SiweText = Field(description="The EIP-4361 message exactly as the wallet signed it")
    signature: SignatureHex = Field(description="0x-prefixed hex signature (65 bytes for EOAs; any for EIP-1271)")


class NonceOut(BaseModel):
    nonce: str
    expires_in: int = Field(description="Seconds the nonce stays valid; it is accepted once")


class TokenPair(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    user_id: uuid.UUID
    session_id: uuid.UUID


class LoginOut(BaseModel):
    mfa_required: bool = Field(description="When true, call /v1/auth/mfa with mfa_token and a code")
    tokens: TokenPair | None = None
    mfa_token: str | None = None
    mfa_expires_in: int | None = None
    user_id: uuid.UUID
    new_user: bool


class MfaIn(Request):
    mfa_token: Jwt
    code: TotpCode | None = None
    backup_code: BackupCodeText | None = None

    @model_validator(mode="after")
    def _one_factor(self) -> MfaIn:
        if (self.code is None) == (self.backup_code is None):
            raise ValueError("give exactly one of code or backup_code")
        return self


class RefreshIn(Request):
    refresh_token: Annotated[str, StringConstraints(min_length=10, max_length=200)]


class WalletOut(BaseModel):
    address: str
    chain_id: int
    linked_at: datetime
    last_login_at: datetime | None


class MeOut(BaseModel):
    user_id: uuid.UUID
    created_at: datetime
    wallets: list[WalletOut]
    mfa_enabled: bool
    is_admin: bool
    deletion_scheduled_for: datetime | None


class SessionOut(BaseModel):
    id: uuid.UUID
    user_agent: str
    ip: str
    wallet_address: str
    mfa: bool
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    current: bool


class RevokedOut(BaseModel):
    revoked: int


class TotpSetupOut(BaseModel):
    secret: str = Field(description="Base32 secret; shown now only")
    otpauth_uri: str
    qr_png: str = Field(description="data:image/png;base64,... QR code of otpauth_uri")
    algorithm: str = "SHA1"
    digits: int = 6
    period: int = 30


class CodeIn(Request):
    code: TotpCode


class CodeOrBackupIn(Request):
    code: TotpCode | None = None
    backup_code: BackupCodeText | None = None

    @model_validator(mode="after")
    def _one_factor(self) -> CodeOrBackupIn:
        if (self.code is None) == (self.backup_code is None):
            raise ValueError("give exactly one of code or backup_code")
        return self


class BackupCodesOut(BaseModel):
    backup_codes: list[str] = Field(description="Ten single-use codes; shown now only")


class TotpStatusOut(BaseModel):
    enabled: bool
    pending_setup: bool
    backup_codes_remaining: int


ScopeName = Annotated[str, StringConstraints(pattern="^(" + "|".join(API_SCOPES) + ")$")]


class ApiKeyIn(Request):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]
    scopes: list[ScopeName] = Field(min_length=1, max_length=len(API_SCOPES))
    expires_at: datetime | None = Field(None, description="Optional expiry (ISO 8601 with time zone)")


class ApiKeyOut(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreatedOut(ApiKeyOut):
    key: str = Field(description="The full key; shown once, store it now")


class UsageDay(BaseModel):
    day: date
    requests: int


class ScopeOut(BaseModel):
    name: str
    description: str


class StepUpIn(Request):
    """One fresh proof: a TOTP or backup code (required when 2FA is on), or else a SIWE message signed
    by one of the account's linked wallets (with a fresh nonce)."""

    code: TotpCode | None = None
    backup_code: BackupCodeText | None = None
    message: SiweText | None = None
    signature: SignatureHex | None = None

    @model_validator(mode="after")
    def _one_proof(self) -> StepUpIn:
        given = [self.code is not None, self.backup_code is not None,
                 self.message is not None or self.signature is not None]
        if sum(given) != 1 or ((self.message is None) != (self.signature is None)):
            raise ValueError("give exactly one proof: code, backup_code, or message with signature")
        return self


class StepUpOut(BaseModel):
    access_token: str = Field(description="Use this token for the change; its auth_time is now")
    token_type: str = "Bearer"
    expires_in: int
    auth_time: datetime
    amr: list[str] = Field(description="RFC 8176 methods this session has proved: swk (wallet), otp, mfa")
    valid_for: int = Field(description="Seconds the step-up stays fresh (STEP_UP_MAX_AGE_SECONDS)")
