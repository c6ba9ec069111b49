"""The resources the identity services work with, handed to them explicitly.

Routers build an :class:`IdentityEnv` from the app's start-up resources and the caller's
:class:`ClientContext`; the services never see the web request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from redis import Redis
from sqlalchemy import Engine

from api.identity.crypto import KeyRing
from api.identity.tokens import TokenSigner
from api.kit.client import ClientContext, client_context
from api.kit.ratelimit import RateLimiter
from api.kit.rpcguard import RpcGuard
from api.settings import ApiSettings
from indexer.core.registry import ChainRegistry


@dataclass(frozen=True, slots=True)
class IdentityEnv:
    settings: ApiSettings
    engine: Engine
    redis: Redis
    registry: ChainRegistry
    signer: TokenSigner
    keyring: KeyRing
    limiter: RateLimiter
    rpc: RpcGuard
    client: ClientContext


def identity_env(request: Request) -> IdentityEnv:
    state = request.app.state
    return IdentityEnv(settings=state.settings, engine=state.engine, redis=state.redis, registry=state.registry,
                       signer=state.token_signer, keyring=state.totp_keyring, limiter=state.ratelimiter,
                       rpc=state.rpc_guard,
                       client=client_context(request))


Env = Annotated[IdentityEnv, Depends(identity_env)]
