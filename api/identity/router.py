"""Identity routes: SIWE sign-in, MFA, refresh, sessions, wallets, TOTP 2FA and API keys."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session as Db

from api.audit import service as audit
from api.auth import API_SCOPES, Principal, public, user
from api.kit.deps import get_db, get_engine
from api.identity import schemas as s
from api.identity import key_usage as usage_counters
from api.identity import mfa, security, service
from api.identity.env import Env, IdentityEnv
from api.identity.models import ApiKey, Session, User, Wallet
from api.identity.siwe_verify import SiweError
from api.kit.problems import Problem

router = APIRouter(tags=["identity"])
Me = Annotated[Principal, user()]
StepUp = Annotated[Principal, user(step_up=True)]
Twofa = Annotated[Principal, user(feature="enable_2fa")]
TwofaStepUp = Annotated[Principal, user(step_up=True, feature="enable_2fa")]
DbDep = Annotated[Db, Depends(get_db)]
Address = Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{40}$")]


# --- sign-in ---------------------------------------------------------------------------------------

@router.get("/v1/auth/nonce", response_model=s.NonceOut, dependencies=[public(rate="auth")],
            summary="A single-use nonce to put in the SIWE message")
def nonce(env: Env) -> s.NonceOut:
    settings = env.settings
    return s.NonceOut(nonce=service.issue_nonce(env.redis, settings),
                      expires_in=settings.siwe_nonce_ttl_seconds)


@router.post("/v1/auth/siwe", response_model=s.LoginOut, dependencies=[public(rate="auth")],
             summary="Sign in with a signed EIP-4361 message",
             responses={400: {"description": "Malformed message or signature"},
                        401: {"description": "Signature, domain, URI, chain, nonce or time check failed"},
                        503: {"description": "The chain's RPC could not be reached (EIP-1271 check)"}})
def siwe_login(body: s.SiweIn, env: Env, engine: Annotated[Engine, Depends(get_engine)]) -> s.LoginOut:
    try:
        address, chain_id, method = service.verify_siwe(env, body.message, body.signature)
        with Db(engine) as db:
            service.check_wallet_binding(db, address, chain_id, method)
    except SiweError as exc:
        security.record_login_failure(env, exc.type_)
        raise service.siwe_problem(exc) from None
    with Db(engine, expire_on_commit=False) as db:
        user_row, created = service.find_or_create_user(db, address, chain_id, service.wallet_kind(method))
        if env.settings.enable_2fa and service.totp_enabled(db, user_row.id):
            db.commit()
            token, ttl = mfa.mfa_pending_token(env, user_row.id, address, chain_id)
            audit.record_now(engine, env.client, "auth.login", result="mfa_pending", actor_user_id=user_row.id,
                             target=f"wallet:{address}", details={"method": method})
            return s.LoginOut(mfa_required=True, mfa_token=token, mfa_expires_in=ttl, user_id=user_row.id,
                              new_user=created)
        pair = service.create_session(db, env, user_row.id, address, mfa=False)
        audit.record(db, env.client, "auth.login", actor_user_id=user_row.id, target=f"wallet:{address}",
                     details={"method": method, "new_user": created, "session_id": str(pair["session_id"])})
        db.commit()
    return s.LoginOut(mfa_required=False, tokens=s.TokenPair(**pair), user_id=user_row.id, new_user=created)


@router.post("/v1/auth/mfa", response_model=s.TokenPair, dependencies=[public(rate="auth", feature="enable_2fa")],
             responses={401: {"description": "MFA token or code rejected"}},
             summary="Second step of sign-in for users with 2FA: a TOTP or backup code")
def mfa_login(body: s.MfaIn, env: Env, engine: Annotated[Engine, Depends(get_engine)]) -> s.TokenPair:
    claims = mfa.read_mfa_pending(env, body.mfa_token)
    user_id = uuid.UUID(claims["sub"])
    mfa.ensure_mfa_pending_unspent(env, claims)
    with Db(engine, expire_on_commit=False) as db:
        factor = mfa.verify_second_factor(env, db, user_id, body.code, body.backup_code, "auth.mfa")
        mfa.spend_mfa_pending(env, claims)
        pair = service.create_session(db, env, user_id, claims["wallet"], mfa=True)
        audit.record(db, env.client, "auth.mfa", actor_user_id=user_id, target=f"wallet:{claims['wallet']}",
                     details={"factor": factor, "session_id": str(pair["session_id"])})
        db.commit()
    return s.TokenPair(**pair)


@router.post("/v1/auth/refresh", response_model=s.TokenPair, dependencies=[public(rate="auth")],
             responses={401: {"description": "Refresh token invalid, expired, revoked or reused"}},
             summary="Rotate a refresh token (each is usable once; reuse revokes the session)")
def refresh(body: s.RefreshIn, env: Env, engine: Annotated[Engine, Depends(get_engine)]) -> s.TokenPair:
    return s.TokenPair(**service.refresh(engine, env, body.refresh_token))


@router.post("/v1/auth/logout", status_code=204, summary="Log out: revoke this session")
def logout(principal: Me, env: Env, db: DbDep) -> Response:
    assert principal.user_id and principal.session_id
    service.revoke_session(db, principal.user_id, principal.session_id, "logout")
    audit.record(db, env.client, "auth.logout", actor_user_id=principal.user_id, target=f"session:{principal.session_id}")
    db.commit()
    return Response(status_code=204)


def _verified_wallet(env: IdentityEnv, db: Db, message: str, signature: str, principal: Principal,
                     action: str) -> tuple[str, int, str]:
    """A signed-in user's SIWE proof of a wallet: (address, chain id, method); failures audited."""
    try:
        address, chain_id, method = service.verify_siwe(env, message, signature)
        service.check_wallet_binding(db, address, chain_id, method)
    except SiweError as exc:
        audit.record_now(env.engine, env.client, action, result="failure", actor_user_id=principal.user_id,
                         details={"reason": exc.type_})
        raise service.siwe_problem(exc) from None
    return address, chain_id, method


@router.post("/v1/auth/step-up", response_model=s.StepUpOut,
             summary="Prove it is you again (TOTP/backup code, or a linked wallet's SIWE signature without 2FA); "
                     "returns an access token that may make sensitive changes for a short while",
             responses={401: {"description": "Proof rejected"}, 409: {"description": "2FA is on: a code is needed"}})
def step_up(principal: Annotated[Principal, user(rate="auth")], body: s.StepUpIn, env: Env, db: DbDep) -> s.StepUpOut:
    assert principal.user_id and principal.session_id
    twofa = env.settings.enable_2fa and service.totp_enabled(db, principal.user_id)
    if body.message is not None and body.signature is not None:
        if twofa:
            raise Problem(409, "two-factor authentication is on: step up with a code or backup code",
                          type_="mfa-required")
        address, _, method = _verified_wallet(env, db, body.message, body.signature, principal, "auth.step_up")
        if db.scalar(select(Wallet.user_id).where(Wallet.address == address)) != principal.user_id:
            raise Problem(401, "the wallet that signed is not linked to your account", type_="step-up-rejected")
        proof, factor = security.WALLET_PROOF, method
    else:
        if not env.settings.enable_2fa:
            raise Problem(409, "2FA is disabled on this deployment: step up with a wallet signature",
                          type_="mfa-not-enabled")
        factor = mfa.verify_second_factor(env, db, principal.user_id, body.code, body.backup_code, "auth.step_up")
        proof = security.CODE_PROOF
    session = security.step_up(db, principal.session_id, proof)
    audit.record(db, env.client, "auth.step_up", actor_user_id=principal.user_id,
                 target=f"session:{session.id}", details={"factor": factor})
    token = service.access_token(env, session, service.scopes_for(db, env.settings, principal.user_id))
    db.commit()
    return s.StepUpOut(access_token=token, expires_in=env.settings.access_token_ttl_seconds,
                       auth_time=session.auth_time, amr=list(session.amr),
                       valid_for=env.settings.step_up_max_age_seconds)


@router.get("/v1/auth/scopes", response_model=list[s.ScopeOut], dependencies=[public()],
            summary="Scopes an API key can carry")
def scopes() -> list[s.ScopeOut]:
    return [s.ScopeOut(name=k, description=v) for k, v in API_SCOPES.items()]


# --- me, wallets -----------------------------------------------------------------------------------

@router.get("/v1/me", response_model=s.MeOut, summary="The signed-in user")
def me(principal: Me, env: Env, db: DbDep) -> s.MeOut:
    from api.privacy.service import pending_deletion

    assert principal.user_id
    row = db.get(User, principal.user_id)
    assert row is not None
    wallets = db.scalars(select(Wallet).where(Wallet.user_id == row.id).order_by(Wallet.linked_at))
    deletion = pending_deletion(db, row.id)
    return s.MeOut(user_id=row.id, created_at=row.created_at,
                   wallets=[s.WalletOut.model_validate(w, from_attributes=True) for w in wallets],
                   mfa_enabled=service.totp_enabled(db, row.id),
                   is_admin=service.user_is_admin(env.engine, env.settings, row.id),
                   deletion_scheduled_for=deletion.scheduled_for if deletion else None)


@router.get("/v1/me/wallets", response_model=list[s.WalletOut], summary="My linked wallets")
def wallets(principal: Me, db: DbDep) -> list[s.WalletOut]:
    rows = db.scalars(select(Wallet).where(Wallet.user_id == principal.user_id).order_by(Wallet.linked_at))
    return [s.WalletOut.model_validate(w, from_attributes=True) for w in rows]


@router.post("/v1/me/wallets", response_model=s.WalletOut, status_code=201,
             summary="Link another wallet, proven by its own SIWE signature (fresh nonce); needs step-up")
def link_wallet(principal: StepUp, body: s.SiweIn, env: Env, db: DbDep) -> s.WalletOut:
    assert principal.user_id
    address, chain_id, method = _verified_wallet(env, db, body.message, body.signature, principal, "wallet.link")
    wallet = service.link_wallet(db, env.settings, principal.user_id, address, chain_id, service.wallet_kind(method))
    audit.record(db, env.client, "wallet.link", actor_user_id=principal.user_id, target=f"wallet:{address}",
                 details={"method": method})
    security.notify(db, principal.user_id, "wallet.linked", address=address, chain_id=chain_id)
    db.commit()
    return s.WalletOut.model_validate(wallet, from_attributes=True)


@router.delete("/v1/me/wallets/{address}", status_code=204,
               summary="Unlink a wallet (never the last one, nor the last one linked before this session); "
                       "ends the other sessions signed in with it; needs step-up")
def unlink_wallet(principal: StepUp, address: Address, env: Env, db: DbDep) -> Response:
    assert principal.user_id
    removed = service.unlink_wallet(db, principal.user_id, address, principal.session_id)
    revoked = security.revoke_other_sessions(db, principal.user_id, principal.session_id, "wallet_unlinked",
                                             wallet=removed.address)
    audit.record(db, env.client, "wallet.unlink", actor_user_id=principal.user_id, target=f"wallet:{removed.address}",
                 details={"sessions_revoked": revoked})
    security.notify(db, principal.user_id, "wallet.unlinked", address=removed.address)
    db.commit()
    return Response(status_code=204)


# --- sessions --------------------------------------------------------------------------------------

@router.get("/v1/me/sessions", response_model=list[s.SessionOut], summary="My active sessions (devices)")
def sessions(principal: Me, db: DbDep) -> list[s.SessionOut]:
    rows = db.scalars(select(Session).where(Session.user_id == principal.user_id, Session.revoked_at.is_(None))
                      .order_by(Session.created_at.desc()).limit(200))
    return [s.SessionOut(**{c: getattr(r, c) for c in ("id", "user_agent", "ip", "wallet_address", "mfa",
                                                        "created_at", "last_seen_at", "expires_at")},
                         current=r.id == principal.session_id) for r in rows]


@router.delete("/v1/me/sessions/{session_id}", status_code=204, summary="Revoke one of my sessions (step-up)")
def revoke_session(principal: StepUp, session_id: uuid.UUID, env: Env, db: DbDep) -> Response:
    assert principal.user_id
    if not service.revoke_session(db, principal.user_id, session_id, "revoked_by_user"):
        raise Problem(404, "no such active session", type_="not-found")
    audit.record(db, env.client, "session.revoke", actor_user_id=principal.user_id, target=f"session:{session_id}")
    db.commit()
    return Response(status_code=204)


@router.post("/v1/me/sessions/revoke-others", response_model=s.RevokedOut,
             summary="Revoke every session except this one (step-up)")
def revoke_others(principal: StepUp, env: Env, db: DbDep) -> s.RevokedOut:
    assert principal.user_id
    count = security.revoke_other_sessions(db, principal.user_id, principal.session_id, "revoked_by_user")
    audit.record(db, env.client, "session.revoke_others", actor_user_id=principal.user_id, details={"revoked": count})
    security.notify(db, principal.user_id, "sessions.revoked", count=count)
    db.commit()
    return s.RevokedOut(revoked=count)


# --- TOTP 2FA --------------------------------------------------------------------------------------

@router.get("/v1/me/2fa", response_model=s.TotpStatusOut, summary="2FA status")
def totp_status(principal: Twofa, db: DbDep) -> s.TotpStatusOut:
    assert principal.user_id
    return s.TotpStatusOut(**mfa.totp_status(db, principal.user_id))


@router.post("/v1/me/2fa/setup", response_model=s.TotpSetupOut,
             summary="Start TOTP setup: secret, otpauth:// URI and QR code (enabled only after /enable)")
def totp_setup(principal: TwofaStepUp, env: Env, db: DbDep) -> s.TotpSetupOut:
    assert principal.user_id
    wallet = db.scalar(select(Session.wallet_address).where(Session.id == principal.session_id)) or "wallet"
    out = mfa.setup_totp(env, db, principal.user_id, wallet)
    audit.record(db, env.client, "totp.setup", actor_user_id=principal.user_id)
    db.commit()
    return s.TotpSetupOut(**out)


@router.post("/v1/me/2fa/enable", response_model=s.BackupCodesOut,
             summary="Confirm a code from the app; enables 2FA and returns ten backup codes (shown once)")
def totp_enable(principal: TwofaStepUp, body: s.CodeIn, env: Env, db: DbDep) -> s.BackupCodesOut:
    assert principal.user_id
    codes = mfa.enable_totp(env, db, principal.user_id, body.code)
    # A new way to sign in: every other session must sign in again (with the code from now on).
    revoked = security.revoke_other_sessions(db, principal.user_id, principal.session_id, "mfa_changed")
    audit.record(db, env.client, "totp.enable", actor_user_id=principal.user_id, details={"sessions_revoked": revoked})
    security.notify(db, principal.user_id, "totp.enabled")
    db.commit()
    return s.BackupCodesOut(backup_codes=codes)


@router.post("/v1/me/2fa/disable", status_code=204,
             summary="Disable 2FA; the code or backup code in the body is the step-up proof; ends other sessions")
def totp_disable(principal: Twofa, body: s.CodeOrBackupIn, env: Env, db: DbDep) -> Response:
    assert principal.user_id
    factor = mfa.verify_second_factor(env, db, principal.user_id, body.code, body.backup_code, "totp.disable")
    mfa.disable_totp(db, principal.user_id)
    revoked = security.revoke_other_sessions(db, principal.user_id, principal.session_id, "mfa_changed")
    audit.record(db, env.client, "totp.disable", actor_user_id=principal.user_id,
                 details={"factor": factor, "sessions_revoked": revoked})
    security.notify(db, principal.user_id, "totp.disabled")
    db.commit()
    return Response(status_code=204)


@router.post("/v1/me/2fa/backup-codes", response_model=s.BackupCodesOut,
             summary="Regenerate backup codes (needs a valid TOTP code); the old set stops working")
def totp_backup_codes(principal: Twofa, body: s.CodeIn, env: Env, db: DbDep) -> s.BackupCodesOut:
    assert principal.user_id
    mfa.verify_second_factor(env, db, principal.user_id, body.code, None, "totp.backup_codes")
    codes = mfa.new_backup_codes(db, principal.user_id)
    audit.record(db, env.client, "totp.backup_codes", actor_user_id=principal.user_id)
    db.commit()
    return s.BackupCodesOut(backup_codes=codes)


# --- API keys --------------------------------------------------------------------------------------

def _key_out(key: ApiKey) -> dict:
    return {c: getattr(key, c) for c in ("id", "name", "prefix", "scopes", "created_at", "expires_at",
                                         "revoked_at", "last_used_at")}


@router.post("/v1/me/api-keys", response_model=s.ApiKeyCreatedOut, status_code=201,
             summary="Create an API key (the key is shown once); needs step-up")
def create_key(principal: StepUp, body: s.ApiKeyIn, env: Env, db: DbDep) -> s.ApiKeyCreatedOut:
    assert principal.user_id
    key, full = service.create_api_key(db, env.settings, principal.user_id, body.name, body.scopes,
                                       body.expires_at)
    audit.record(db, env.client, "apikey.create", actor_user_id=principal.user_id, target=f"apikey:{key.prefix}",
                 details={"scopes": key.scopes, "name": key.name})
    security.notify(db, principal.user_id, "apikey.created", prefix=key.prefix, scopes=key.scopes)
    db.commit()
    return s.ApiKeyCreatedOut(**_key_out(key), key=full)


@router.get("/v1/me/api-keys", response_model=list[s.ApiKeyOut], summary="My API keys (never the secrets)")
def list_keys(principal: Me, db: DbDep) -> list[s.ApiKeyOut]:
    assert principal.user_id
    return [s.ApiKeyOut(**_key_out(k)) for k in service.list_api_keys(db, principal.user_id)]


def _own_key(db: Db, principal: Principal, key_id: uuid.UUID) -> ApiKey:
    return service.own_api_key(db, principal.user_id, key_id)


@router.delete("/v1/me/api-keys/{key_id}", status_code=204, summary="Revoke an API key")
def revoke_key(principal: Me, key_id: uuid.UUID, env: Env, db: DbDep) -> Response:
    key = service.revoke_api_key(db, principal.user_id, key_id)
    if key is not None:
        audit.record(db, env.client, "apikey.revoke", actor_user_id=principal.user_id, target=f"apikey:{key.prefix}")
        db.commit()
    return Response(status_code=204)


@router.get("/v1/me/api-keys/{key_id}/usage", response_model=list[s.UsageDay],
            summary="Requests per day made with this key (last 30 days)")
def key_usage(principal: Me, key_id: uuid.UUID, env: Env, db: DbDep) -> list[s.UsageDay]:
    key = _own_key(db, principal, key_id)
    # Stored days plus what Redis holds for this key only; the flush itself is the scheduler's job.
    days = {u.day: u.requests for u in usage_counters.usage(db, key.id)}
    for day, count in usage_counters.unflushed_usage(env.redis, env.settings, key.id).items():
        days[day] = days.get(day, 0) + count
    return [s.UsageDay(day=day, requests=count) for day, count in sorted(days.items())]
