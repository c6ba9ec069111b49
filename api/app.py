"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from redis import Redis
from redis.exceptions import RedisError

from api.accounts.router import router as accounts_router
from api.attestations.router import router as attestations_router
from api.audit.router import router as audit_router
from api.auth import public
from api.auth.openapi import install_openapi
from api.kit.cache import ReadCache
from api.kit.deployments import DeploymentDirectory
from api.carbon.router import router as carbon_router
from api.chains.router import router as chains_router
from api.community.router import router as community_router
from api.engagements.router import router as engagements_router
from api.escrow_service.router import router as escrow_service_router
from api.escrows.router import router as escrows_router
from api.features.router import router as features_router
from api.features.service import OverrideStore
from api.health.router import metrics_router
from api.health.router import router as health_router
from api.attestations.service import version_key as attestation_version_key
from api.identity.authenticator import IdentityAuthenticator
from api.identity.keycache import VerifiedKeys
from api.identity.sessioncache import LiveSessions
from api.kit.crypto import data_key_ring, totp_key_ring
from api.kit.encrypted import attach_key_ring
from api.identity.router import router as identity_router
from api.identity.tokens import TokenSigner
from api.kit.fastread import DirectReads, FastReadMiddleware
from api.kit.metrics import observe_request
from api.kit.timing import TimingMiddleware
from api.integrations.usage import UsageRecorder, record_key_usage
from api.kit.middleware import install_middleware
from api.orgs.router import router as orgs_router
from api.privacy.router import router as privacy_router
from api.profiles.router import router as profiles_router
from api.projects.router import direct_search
from api.projects.router import router as projects_router
from api.projects.search_index import ProjectIndex, load_search_index
from api.proposals.router import router as proposals_router
from api.kit.problems import install_problem_handlers
from api.kit.realtime import Hub
from api.integrations.provider_router import router as integration_providers_router
from api.integrations.router import router as integrations_router
from api.integrations.tracker_router import router as integration_trackers_router
from indexer.core.sentry import setup_sentry
from api.invoices.router import router as invoices_router
from api.matching.router import router as matching_router
from api.messages.router import router as messages_router
from api.notifications.router import router as notifications_router
from api.dashboard.router import router as dashboard_router
from api.transactions.router import router as transactions_router
from api.kit.ratelimit import RateLimiter
from api.kit.versions import watch_commits
from api.kit.rpcguard import RpcGuard
from api.reputation.router import router as reputation_router
from api.skills.router import router as skills_router
from api.support.router import router as support_router
from api.verification.router import router as verification_router
from api.settings import ApiSettings, get_settings
from api.sustainability.router import router as sustainability_router
from api.treasury.router import router as treasury_router
from api.rewards.router import router as rewards_router
from api.staking.router import router as staking_router
from api.governance.router import router as governance_router
from indexer.core import telemetry
from indexer.core.db import make_engine

# Planner settings of the API's connections (PostgreSQL `options` at connect; no round trip per request):
# - plan_cache_mode=force_custom_plan: psycopg prepares a statement after its 5th run on a connection, and
#   PostgreSQL then switches to a generic plan when it looks no dearer; a generic plan cannot see the
#   values, so `search @@ websearch_to_tsquery(:q)` got one plan for common and rare words alike: 3-5x the
#   PostgreSQL CPU of a full-text project search (10.6-14.4 vs 2.8-2.9 ms, 200 generated searches at
#   100,000 projects, README "Project search"). Custom plans are what unprepared statements get; the
#   statements stay prepared (no re-parse).
# - random_page_cost=1.1: the data is in memory or on SSDs; at the default 4 (a disk seek per index page)
#   the planner avoided index walks (e.g. the open projects' partial index) that cost less here; full-text
#   project searches used 15-20% less PostgreSQL CPU in two alternated runs (noisy), same rows, same order.
PLANNER_OPTIONS = "-c plan_cache_mode=force_custom_plan -c random_page_cost=1.1"


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    # Both off at no cost unless OTEL_EXPORTER_OTLP_ENDPOINT / SENTRY_DSN are set.
    telemetry.setup("lancer-api")
    setup_sentry(settings, "api")

    @asynccontextmanager
    async def _resources(app: FastAPI) -> AsyncIterator[None]:
        # 20 kept connections: at 16+ concurrent database requests (the thread pool allows 40) a pool of 10
        # closed its overflow connections on return and opened new ones (a PostgreSQL backend each) over
        # and over: about one request in ten paid a connect (`lancer bench search`, uncached runs).
        app.state.engine = attach_key_ring(make_engine(settings.database_url.get_secret_value(), pool_size=20,
                                                       max_overflow=20, slow_query_ms=settings.slow_query_ms,
                                                       connect_args={"options": PLANNER_OPTIONS}),
                                           data_key_ring(settings))
        app.state.redis = Redis.from_url(settings.redis_url_or_default, socket_timeout=5)
        # Open the first pooled connection now (connect, HELLO, CLIENT SETINFO: several round trips),
        # not in the first signed-in request, which needs it for its rate limit: that request was the
        # slowest of `lancer bench messages`. No Redis yet is not fatal: readiness reports it.
        with contextlib.suppress(RedisError):
            app.state.redis.ping()
        app.state.ratelimiter = RateLimiter(app.state.redis, settings.redis_key_prefix,
                                            async_url=settings.redis_url_or_default, socket_timeout=5)
        app.state.rpc_guard = RpcGuard(app.state.ratelimiter, per_ip=settings.ratelimit_rpc_ip_per_window,
                                       window=settings.ratelimit_window_seconds,
                                       concurrency=settings.rpc_unauthenticated_concurrency,
                                       deadline_seconds=settings.siwe_rpc_timeout_seconds,
                                       enabled=settings.ratelimit_enabled)
        app.state.read_cache = ReadCache(app.state.engine, app.state.redis, settings.redis_key_prefix,
                                         version_ttl=settings.cache_version_ttl_seconds,
                                         redis_versions={"attestations": attestation_version_key(settings)})
        # Verified API keys are remembered under the api_keys data version the read cache keeps fresh.
        read_cache = app.state.read_cache
        keys = VerifiedKeys(lambda: read_cache.counter("api_keys"), settings.api_key_cache_seconds)
        # Likewise signed-in users' access tokens, under the sessions data version (api.identity.sessioncache).
        sessions = LiveSessions(lambda: read_cache.counter("sessions"), settings.session_cache_seconds)
        app.state.authenticator = IdentityAuthenticator(app.state.engine, app.state.redis, settings,
                                                        app.state.token_signer, keys, sessions)
        app.state.feature_overrides = OverrideStore(app.state.engine, settings.feature_override_cache_seconds)
        # A write of this process is seen by its next cached read at once (api.kit.versions).
        watch_commits(app.state.engine, app.state.read_cache.stale)
        app.state.hub = Hub(settings.redis_url_or_default, settings.redis_key_prefix)
        await app.state.hub.start()
        app.state.key_usage = UsageRecorder(app.state.engine, settings.api_key_usage_batch,
                                            settings.api_key_usage_flush_seconds)
        app.state.key_usage.start()
        # Everything loaded so far (FastAPI, pydantic, web3, the registry: ~200k objects) lives as long
        # as the process: move it out of the collector's generations, or every full collection walks
        # it and stalls the event loop for tens of ms (the p99 of the read routes under load).
        gc.collect()
        gc.freeze()
        # Young collections every 10,000 allocations instead of 700: with a dozen requests in flight each
        # young collection promoted their live objects, which then died in the old generation and set off
        # a full collection every second or two (15-50 ms each, on the event loop: the search's p99).
        # Project search, lab server, 15 s of uncached searches: 674 req/s, p99 64 ms at 700; 754 req/s,
        # p99 53 ms at 10,000, no pause over 5 ms.
        gc.set_threshold(10_000, 10, 10)
        refresher = (asyncio.create_task(app.state.read_cache.keep_version_fresh())
                     if settings.cache_version_ttl_seconds > 0 else None)
        # Project search's in-memory filters: loaded in the background (searches run in SQL until then).
        app.state.project_index = ProjectIndex(app.state.engine) if settings.project_search_index else None
        app.state.search_threads = anyio.CapacityLimiter(settings.project_search_threads)
        loading = (asyncio.create_task(asyncio.to_thread(load_search_index, app.state.project_index))
                   if app.state.project_index is not None else None)
        try:
            yield
        finally:
            if refresher is not None:
                refresher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await refresher
            if loading is not None:
                await loading  # a thread: it ends on its own, before the engine it reads is disposed
            await app.state.hub.stop()
            await asyncio.to_thread(app.state.key_usage.close)  # the last batch is written, not lost
            app.state.redis.close()
            app.state.rpc_guard.close()
            await app.state.ratelimiter.aclose()
            app.state.engine.dispose()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One app object can be started twice at once: schemathesis' from_asgi (tests/api/test_fuzz.py) runs the
        # lifespan of the app a test client already runs, on an event loop of its own, and ends it after its
        # test. This start's resources replace app.state's only until its shutdown, which puts the earlier
        # ones back: otherwise app.state would keep pointing at what that shutdown closed (a stopped push hub
        # said "ready" to every later socket, which then never got an event).
        earlier = {key: app.state[key] for key in app.state}
        try:
            async with _resources(app):
                yield
        finally:
            for key in list(app.state):
                del app.state[key]
            for key, value in earlier.items():
                app.state[key] = value

    app = FastAPI(
        title="Lancer API",
        version="1.1.0",
        description="Read API over Lancer's multichain index, identity (SIWE + TOTP), reputation.\n\n"
        "Errors are RFC 9457 `application/problem+json`. Each operation states its auth requirement "
        "(`x-lancer-auth`) and rate-limit class (`x-rate-limit`).",
        lifespan=lifespan,
        # Lancer's metrics are Prometheus (api.kit.metrics); FastAPI's native OpenTelemetry would only
        # look up the global OTel providers on every request, as none is configured.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        # The docs routes are added below with an explicit auth declaration, like every route.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.registry = settings.registry()
    app.state.deployments = DeploymentDirectory(settings.deployments_dir)
    app.state.token_signer = TokenSigner(settings.jwt_key_ring(), settings.jwt_active_kid or "",
                                         settings.jwt_issuer)
    app.state.totp_keyring = totp_key_ring(settings)
    install_problem_handlers(app)
    # Innermost: repeated anonymous reads answered from the read cache before routing (api.kit.fastread).
    app.add_middleware(FastReadMiddleware)
    install_middleware(app, settings)
    # Outermost: times every request once, then hands (scope, status, seconds) to the Prometheus
    # metrics (by route template) and the per-route API key usage (an append, written in batches).
    app.add_middleware(TimingMiddleware, listeners=[observe_request, record_key_usage])

    # Routes are matched in this order, one by one: the public reads (the bulk of the traffic) come
    # first. No path here is shared across these routers except /v1/me (identity, then privacy).
    app.include_router(health_router)
    if settings.metrics_port is None:
        app.include_router(metrics_router)
    app.include_router(accounts_router)
    app.include_router(escrows_router)
    app.include_router(chains_router)
    # Project search is the marketplace's public read: matched here, FastAPI's router does not first try
    # the twenty routers below (a full search paid ~0.3 ms for that walk, `lancer bench search`). No path of
    # theirs starts with /v1/projects; proposals' /v1/projects/{id}/proposals is not one of its paths.
    app.include_router(projects_router)
    app.include_router(treasury_router)
    app.include_router(carbon_router)
    app.include_router(sustainability_router)
    app.include_router(identity_router)
    app.include_router(audit_router)
    app.include_router(privacy_router)
    app.include_router(attestations_router)
    app.include_router(reputation_router)
    app.include_router(messages_router)
    app.include_router(transactions_router)
    app.include_router(invoices_router)
    # Marketplace. /v1/proposals/{id}/accept (engagements) before the generic /{action} (proposals).
    app.include_router(profiles_router)
    app.include_router(verification_router)  # before skills: /v1/skills/verification/* are literal paths
    app.include_router(skills_router)
    app.include_router(engagements_router)
    app.include_router(proposals_router)
    app.include_router(orgs_router)
    app.include_router(matching_router)
    app.include_router(rewards_router)
    app.include_router(staking_router)
    app.include_router(governance_router)
    app.include_router(escrow_service_router)
    app.include_router(integrations_router)
    app.include_router(integration_providers_router)
    app.include_router(integration_trackers_router)
    app.include_router(community_router)
    app.include_router(support_router)
    app.include_router(features_router)
    app.include_router(notifications_router)
    app.include_router(dashboard_router)
    # Project search answered before routing by its own handler (api.kit.fastread): same model, auth, answer.
    app.state.direct_reads = DirectReads()
    app.state.direct_reads.add(projects_router, "/v1/projects", direct_search)
    install_openapi(app)
    telemetry.instrument_app(app)
    if settings.serve_docs:
        _install_docs(app)
    return app


def _install_docs(app: FastAPI) -> None:
    @app.get("/openapi.json", include_in_schema=False, dependencies=[public(rate="none")])
    def openapi_json() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False, dependencies=[public(rate="none")])
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} - docs")

    @app.get("/redoc", include_in_schema=False, dependencies=[public(rate="none")])
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url="/openapi.json", title=f"{app.title} - reference")
