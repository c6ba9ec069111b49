"""API settings: everything the HTTP service needs, on top of the shared chain settings, grouped by area.

Secrets are ``SecretStr`` and never appear in logs or error messages. In ``development`` and ``test``
missing secrets are replaced by ephemeral random keys at start-up (with a warning: tokens and 2FA
secrets then do not survive a restart); in ``production`` the service refuses to start without them.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import warnings
from datetime import UTC, datetime
from functools import lru_cache
from typing import Literal
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from pydantic import AwareDatetime, Field, SecretStr, field_validator, model_validator

from indexer.core.errors import ConfigError
from indexer.core.registry import ChainRegistry
from indexer.core.settings import ChainSettings
from indexer.core.addresses import checksum

DEV_ATTESTER_INDEX = 9  # anvil's account 9: a funded, well-known key on local chains only


KID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _parse_key_ring(raw: str, name: str) -> dict[str, str]:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        raise ConfigError(f"{name} must be a JSON object of key id -> key") from None
    if not isinstance(data, dict) or not data or not all(
        isinstance(k, str) and k and isinstance(v, str) and v for k, v in data.items()
    ):
        raise ConfigError(f"{name} must be a non-empty JSON object of key id -> key (strings)")
    return data


def aes_key_ring(raw: str, name: str, *, plain_kids: bool = True) -> dict[str, bytes]:
    """``{"kid": "base64 of 32 bytes"}`` → AES-256 key per id, or a one-line ConfigError naming ``name``.
    Data key ids are short names (letters, digits, ``._-``: they are written into every sealed value);
    TOTP key ids, stored in a column of their own, stay free-form as before."""
    ring: dict[str, bytes] = {}
    for kid, value in _parse_key_ring(raw, name).items():
        if plain_kids and not KID_PATTERN.match(kid):
            raise ConfigError(f"{name}: key id {kid!r} must be 1-64 letters, digits, '.', '_' or '-'")
        try:
            key = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ConfigError(f"{name}[{kid!r}] is not base64") from None
        if len(key) != 32:
            raise ConfigError(f"{name}[{kid!r}] must decode to 32 bytes (AES-256)")
        ring[kid] = key
    return ring


class ApiSettings(ChainSettings):
    # --- HTTP service and its surface --------------------------------------------------------------
    api_host: str = "127.0.0.1"
    api_port: int = Field(8000, ge=1, le=65535)
    # permessage-deflate on /v1/ws: each socket then keeps its own zlib streams (hundreds of KB) and every
    # pushed event is compressed once per socket; pushed events are small JSON, so it stays off by default.
    ws_per_message_deflate: bool = Field(False, description="Compress WebSocket messages (per socket)")
    public_base_url: str = Field("http://127.0.0.1:8000", description="Base URL users reach the API at")
    cors_origins: list[str] = Field(default_factory=list, description="JSON list of allowed origins")
    max_body_bytes: int = Field(1_048_576, ge=1024)
    environment: str = Field("development", pattern="^(development|test|production)$")
    trusted_proxy_hops: int = Field(0, ge=0, le=10, description="Reverse proxies in front of the API that append "
                                    "to X-Forwarded-For; the client is the entry that many from the right")
    metrics_port: int | None = Field(None, ge=1, le=65535,
                                     description="Serve /metrics on this port only (not on the API port)")
    docs_enabled: bool | None = Field(None, description="Serve /docs, /redoc, /openapi.json (default: not in production)")

    # --- Sign-In with Ethereum (EIP-4361) -----------------------------------------------------------
    siwe_domain: str = Field("localhost:3000", description="RFC 3986 authority the dApp is served from")
    siwe_uri: str = Field("http://localhost:3000", description="URI the SIWE message must name")
    siwe_clock_skew_seconds: int = Field(60, ge=0, le=600)
    siwe_max_age_seconds: int = Field(600, ge=30, le=86_400, description="Oldest accepted issuedAt")
    siwe_nonce_ttl_seconds: int = Field(300, ge=10, le=3600)
    siwe_rpc_timeout_seconds: float = Field(5.0, gt=0, le=60)
    # Contract-wallet (EIP-1271/6492) sign-in only on these chains. Unset: the registry's local chains in
    # development/test, none in production (name the mainnets whose RPC you trust explicitly).
    siwe_contract_wallet_chains: list[int] | None = Field(None, description="JSON list of chain ids")
    siwe_contract_wallet_admins: bool = Field(False, description="Let admin addresses sign in via EIP-1271/6492")

    # --- Tokens and sessions ------------------------------------------------------------------------
    # HS256: one service both issues and verifies, so a symmetric key ring is enough.
    jwt_keys: SecretStr | None = Field(None, description='JSON {"kid": "secret (>= 32 bytes)"}')
    jwt_active_kid: str | None = None
    jwt_issuer: str = "lancer-api"
    access_token_ttl_seconds: int = Field(300, ge=30, le=3600)
    refresh_token_ttl_seconds: int = Field(30 * 86_400, ge=300, le=365 * 86_400)
    # A refresh token not used (and its session not seen) for this long stops working.
    refresh_idle_timeout_seconds: int = Field(86_400, ge=300, le=90 * 86_400)
    # Step-up: changes to sign-in methods, keys, payout addresses, exports and erasure need a proof of
    # identity (sign-in or POST /v1/auth/step-up) at most this old, with TOTP when 2FA is on.
    step_up_max_age_seconds: int = Field(300, ge=30, le=3600)

    # --- Two-factor authentication (TOTP) -----------------------------------------------------------
    enable_2fa: bool = Field(True, description="Feature flag: TOTP 2FA routes and the MFA step of sign-in")
    mfa_pending_ttl_seconds: int = Field(300, ge=30, le=1800)
    totp_issuer: str = "Lancer"
    mfa_max_failures: int = Field(5, ge=1, le=100)
    mfa_lock_seconds: int = Field(300, ge=1, le=86_400)

    # --- Encryption at rest: AES-256-GCM key rings (api/crypto) -------------------------------------
    # TOTP seeds have their own ring (kept for compatibility); review texts, skill evidence and audit IPs
    # use the data ring. Rotate: add a key, make it active, `lancer keys reencrypt`, then drop the old one.
    totp_encryption_keys: SecretStr | None = Field(None, description='JSON {"kid": "base64 of 32 bytes"}')
    totp_active_kid: str | None = None
    data_encryption_keys: SecretStr | None = Field(None, description='JSON {"kid": "base64 of 32 bytes"}')
    data_active_kid: str | None = None

    # --- Rate limits: requests per window, per client IP and per principal (user or API key) -------
    ratelimit_enabled: bool = True
    ratelimit_window_seconds: int = Field(60, ge=1, le=3600)
    ratelimit_ip_per_window: int = Field(300, ge=1)
    ratelimit_principal_per_window: int = Field(600, ge=1)
    ratelimit_auth_ip_per_window: int = Field(30, ge=1, description="Stricter budget of /v1/auth routes")
    ratelimit_auth_failures_per_window: int = Field(
        30, ge=1, description="Failed authentications per client IP and window before every credentialed call is 429")
    # Unauthenticated paths that make RPC calls (contract-wallet SIWE, attestation verify): a per-IP
    # budget of their own and a cap on calls in flight per API process.
    ratelimit_rpc_ip_per_window: int = Field(10, ge=1)
    rpc_unauthenticated_concurrency: int = Field(8, ge=1, le=1000)
    # Anonymous failed sign-ins: counted per client IP and window, one audit row per IP and window.
    auth_failure_audit_window_seconds: int = Field(300, ge=10, le=86_400)

    # --- Read API: HTTP caching of confirmed data, the index-version poll, readiness lag -----------
    cache_max_age_seconds: int = Field(5, ge=0, le=86_400, description="max-age of confirmed-only responses")
    cache_version_ttl_seconds: float = Field(0.5, ge=0, le=60, description="How long an API process reuses the index version it read")
    project_search_index: bool = Field(
        True, description="Each API process keeps project search's filters in memory (api.projects.search_index); "
        "off: every search that misses the read cache runs in SQL alone")
    project_search_threads: int = Field(
        4, ge=1, le=64, description="Searches that miss the read cache built in threads at once, per API process "
        "(CPU-bound work: more threads only queue for the interpreter lock, and the tail latency grows)")
    readiness_max_lag_blocks: int = Field(100, ge=0, description="Not ready when an indexer is this many blocks behind its head")
    readiness_max_lag_seconds: float = Field(300, ge=0, description="...or when its last update is this old (0: no check)")

    # --- Accounts, quotas and privacy ---------------------------------------------------------------
    admin_addresses: list[str] = Field(default_factory=list, description="JSON list of admin wallets")
    max_api_keys_per_user: int = Field(50, ge=1, le=1000)
    max_wallets_per_user: int = Field(20, ge=1, le=1000)
    deletion_grace_seconds: int = Field(30 * 86_400, ge=0, le=365 * 86_400)
    export_ttl_seconds: int = Field(7 * 86_400, ge=60)
    audit_retention_days: int = Field(400, ge=1, le=3650,
                                      description="Audit rows older than this lose IP, user agent and wallet")
    outbox_retention_hours: int = Field(168, ge=1, le=24 * 3650,
                                        description="Outbox events every consumer acknowledged are deleted after this")
    outbox_max_age_days: int = Field(30, ge=1, le=3650,
                                     description="Outbox events are deleted after this even if a consumer lags")
    scheduler_interval_seconds: int = Field(300, ge=5, le=86_400, description="How often `lancer scheduler` runs the sweeps")

    # --- Reputation and attestations (EAS) ----------------------------------------------------------
    # Lancer's attester key signs offchain attestations and sends EAS.attest / revoke; in development
    # and test an anvil dev account stands in (with a warning).
    attester_private_key: SecretStr | None = Field(None, description="0x-hex key Lancer attests with")
    verifier_addresses: list[str] = Field(default_factory=list, description="JSON list of skill-verifier wallets")
    trusted_attesters: list[str] = Field(default_factory=list,
                                         description="Extra attesters whose attestations count (e.g. retired keys)")
    attestation_chain_id: int | None = Field(None, description="Chain whose EAS domain signs skill attestations")
    reputation_token_weights: dict[str, float] = Field(
        default_factory=lambda: {"*:native": 1.0, "*:LNC": 1.0},
        description='Volume weight per token: {"<chainId|*>:<native|LNC|0xToken>": weight}; unlisted tokens weigh 0')
    reputation_cache_ttl_seconds: int = Field(3600, ge=0, le=86_400)
    onchain_attestations_per_period: int = Field(
        5, ge=0, description="On-chain attestations (Lancer pays the gas) per user and per period")
    onchain_attestation_period_seconds: int = Field(86_400, ge=60, le=30 * 86_400)

    # --- Feature flags and token economy ------------------------------------------------------------
    # Feature flags of the other product areas (api.kit.features; per-user/org overrides in the database).
    enable_matching: bool = Field(True, description="Feature flag: freelancer/project matching")
    enable_community: bool = Field(True, description="Feature flag: community (spaces, threads, events, moderation)")
    # Matching (api.matching): score = sum of weight x feature (each feature in [0, 1]); see README "Matching".
    matching_weights: dict[str, float] = Field(
        default_factory=lambda: {"skills": 0.30, "verified": 0.10, "text": 0.25, "budget": 0.10,
                                 "availability": 0.05, "timezone": 0.05, "reputation": 0.15, "popularity": 0.20},
        description="Weight per matching feature (skills, verified, text, budget, availability, timezone, "
        "reputation, popularity)")
    matching_ranker: str = Field("auto", pattern="^(auto|lexical|embedding)$",
                                 description="auto: the embedding ranker when its extra is installed, else lexical")
    matching_candidates: int = Field(300, ge=10, le=5000, description="Candidates retrieved before scoring")
    matching_exploration_every: int = Field(
        5, ge=0, le=100, description="Every Nth place of a client's feed goes to a new freelancer (0: off)")
    matching_new_days: int = Field(30, ge=0, le=3650,
                                   description="A freelancer is new for this many days and until a completed contract")
    matching_reference_hours: int = Field(40, ge=1, le=10_000,
                                          description="Hours a project's budget is compared to (x hourly rate)")
    enable_token_economy: bool = Field(True, description="Feature flag: token economy (rewards, staking)")
    feature_override_cache_seconds: float = Field(
        5.0, ge=0, le=3600, description="How long an API process reuses the feature overrides it read")
    rewards_rules_json: str = Field("", description="JSON rewards rules (api.rewards.rules.RewardRules); "
                                    "empty: the defaults")
    # The key `lancer rewards publish|fund-staking` signs with (DISTRIBUTOR_ROLE / FUNDER_ROLE and the LNC to
    # pay out). Unset: refused in production; development/test use the deployer key, else anvil account 0.
    rewards_operator_private_key: SecretStr | None = Field(
        None, description="0x-hex key holding DISTRIBUTOR_ROLE and FUNDER_ROLE (lancer rewards publish|fund-staking)")
    # Scheduled epochs (api.rewards.jobs): epoch n covers [origin + n * seconds, origin + (n + 1) * seconds).
    rewards_epoch_seconds: int = Field(7 * 24 * 3600, ge=60, le=366 * 24 * 3600,
                                       description="Length of a scheduled rewards epoch (default: a week)")
    rewards_epoch_origin: AwareDatetime = Field(
        datetime(1970, 1, 5, tzinfo=UTC), description="Start of epoch 0, UTC (default: a Monday 00:00, so "
        "weekly epochs run Monday to Monday)")
    rewards_epoch_catchup: int = Field(4, ge=1, le=520, description="How many closed epochs the scheduler "
                                       "looks back over for one not computed yet (a scheduler that was down)")

    # --- Sustainability (issue 17) -------------------------------------------------------------------
    enable_sustainability: bool = Field(True, description="Feature flag: /v1/sustainability/* and /v1/me/sustainability")
    # The key that sends Treasury.recordOffset (it needs the treasury's OFFSET_ROLE). Unset: on-chain offsets
    # are refused in production; development/test use the deployer key, else anvil account 0 (with a warning).
    offset_recorder_private_key: SecretStr | None = Field(None, description="0x-hex key holding OFFSET_ROLE")
    offset_provider: str = Field("none", pattern="^(none|patch)$", description="Offset provider API: patch or none")
    offset_provider_api_key: SecretStr | None = Field(None, description="API key of the offset provider")
    offset_provider_base_url: SecretStr = Field(SecretStr("https://api.patch.io"),
                                                description="Base URL of the offset provider API (may embed a key)")
    offset_provider_project_id: str | None = Field(None, max_length=100, description="Provider project to buy from")
    offset_provider_timeout_seconds: float = Field(15.0, gt=0, le=120)
    # --- end of sustainability ---------------------------------------------------------------------

    # --- Community and support (issue 15) -------------------------------------------------------------
    community_posts_per_minute: int = Field(6, ge=1, le=1000, description="Anti-spam: posts, threads and "
                                            "replies one user may write per minute")
    community_hold_new_account_hours: int = Field(
        24, ge=0, le=24 * 365, description="A first post by an account younger than this is held for a "
        "moderator's review (0: never held)")
    enable_support: bool = Field(True, description="Feature flag: support tickets, FAQ, chatbot, widget")
    support_first_response_minutes: int = Field(240, ge=1, le=30 * 24 * 60,
                                                description="SLA: a first agent reply is due this long after a ticket opens")
    support_resolution_hours: int = Field(72, ge=1, le=365 * 24,
                                          description="SLA: a ticket should be solved this long after it opens")
    support_widget: str = Field("none", pattern="^(none|intercom|zendesk)$",
                                description="Support widget provider the frontend loads: intercom, zendesk or none")
    support_widget_app_id: str | None = Field(None, max_length=200, description="The widget's app id / key")
    support_widget_secret: SecretStr | None = Field(
        None, description="Identity verification secret (Intercom: HMAC key; Zendesk: JWT shared secret)")
    support_widget_key_id: str | None = Field(None, max_length=200, description="Zendesk messaging JWT key id (kid)")
    support_provider_api_url: SecretStr | None = Field(
        None, description="Provider REST API base URL for chatbot escalations (unset: escalate to tickets only)")
    support_provider_api_token: SecretStr | None = Field(None, description="Provider REST API token (Bearer)")
    support_provider_timeout_seconds: float = Field(10.0, gt=0, le=60)
    support_provider_max_attempts: int = Field(5, ge=1, le=20, description="Attempts per chatbot escalation to "
                                               "the provider (rq job retries)")
    support_provider_retry_seconds: list[int] = Field(
        [10, 60, 300, 900], description="Delays between escalation attempts (JSON list, seconds; backoff)")
    # --- end of community and support --------------------------------------------------------------

    # Marketplace: the arbiter an escrow gets when the client names none at escrow/prepare.
    marketplace_arbiter_address: str | None = Field(None, description="Default escrow arbiter wallet")
    enable_escrow_service: bool = Field(True, description="Feature flag: escrow-as-a-service (/v1/escrow-intents)")

    @field_validator("offset_recorder_private_key", "offset_provider_api_key", "offset_provider_project_id",
                     "rewards_operator_private_key",
                     "support_widget_app_id", "support_widget_secret", "support_widget_key_id",
                     "support_provider_api_url", "support_provider_api_token",
                     "github_client_id", "github_client_secret", "github_verification_redirect_uri", "verification_s3_bucket",
                     "verification_s3_endpoint_url", "verification_s3_region", "webhook_allow_private_urls",
                     mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    # --- Skill verification (issue 14) ---------------------------------------------------------------
    enable_skill_verification: bool = Field(True, description="Feature flag: /v1/skills/verification routes")
    verification_storage: str = Field("local", pattern="^(local|s3)$", description="Evidence storage backend")
    verification_storage_dir: Path = Field(Path("var/evidence"), description="Local evidence directory")
    verification_s3_bucket: str | None = Field(None, description="S3 bucket for evidence (storage s3)")
    verification_s3_prefix: str = Field("evidence/", max_length=200, description="Key prefix in the bucket")
    verification_s3_endpoint_url: str | None = Field(None, description="S3-compatible endpoint (MinIO, R2...)")
    verification_s3_region: str | None = Field(None, description="S3 region")
    verification_scan_command: str = Field("", description="Virus scanner run on each upload (stdin), exit 0 = "
                                           "clean, e.g. 'clamdscan --no-summary -'; empty: no scan")
    verification_evidence_max_bytes: int = Field(10 * 1024 * 1024, ge=1, le=100 * 1024 * 1024)
    verification_evidence_types: list[str] = Field(
        default_factory=lambda: ["application/pdf", "image/png", "image/jpeg", "text/plain", "application/zip"],
        description="Content types accepted as evidence")
    verification_quiz_cooldown_seconds: int = Field(86_400, ge=0, le=30 * 86_400,
                                                    description="Wait after a failed quiz before the next one")
    verification_challenge_cooldown_seconds: int = Field(3600, ge=0, le=30 * 86_400,
                                                         description="Wait after a failed code challenge")
    verification_sandbox_cpu_seconds: int = Field(2, ge=1, le=60)
    verification_sandbox_memory_mb: int = Field(256, ge=32, le=4096)
    verification_sandbox_wall_seconds: float = Field(5.0, gt=0, le=120)

    # GitHub proof: the integrations' GitHub OAuth app (GITHUB_CLIENT_ID... below), its own return page.
    github_verification_redirect_uri: str | None = Field(
        None, description="The web app page GitHub redirects back to after a skill-verification proof")

    # --- Integrations (issue 16): outgoing webhooks, Slack/Discord, developer API keys ---------------
    enable_integrations: bool = Field(True, description="Feature flag: /v1/integrations routes and webhook delivery")
    webhook_allow_private_urls: bool | None = Field(
        None, description="Allow http:// and private/loopback webhook URLs (default: yes in development/test; "
        "refused in production)")
    webhook_timeout_seconds: float = Field(10.0, gt=0, le=60, description="Per delivery attempt (connect + read)")
    webhook_max_attempts: int = Field(8, ge=1, le=50, description="Attempts per message before it is marked failed")
    webhook_retry_base_seconds: float = Field(10.0, gt=0, le=3600, description="First retry delay (doubles, jittered)")
    webhook_retry_max_seconds: float = Field(3600.0, gt=0, le=86_400, description="Longest retry delay")
    webhook_disable_after_failures: int = Field(
        20, ge=1, le=10_000, description="Consecutive failed attempts after which an endpoint is disabled")
    webhook_secret_grace_seconds: int = Field(
        86_400, ge=0, le=30 * 86_400, description="After a rotation the old secret also signs for this long")
    webhook_log_retention_days: int = Field(30, ge=1, le=3650, description="Finished deliveries older than this "
                                            "are deleted (with their attempts) by `lancer scheduler`")
    webhook_dispatch_interval_seconds: float = Field(1.0, gt=0, le=60, description="`lancer webhooks` pass interval")
    api_key_rotation_grace_seconds: int = Field(
        86_400, ge=0, le=30 * 86_400, description="After POST .../api-keys/{id}/rotate the old key works this long")
    api_key_cache_seconds: float = Field(
        10.0, ge=0, le=60, description="Longest an API process serves a verified API key from memory (0: never; a "
        "revocation is seen within CACHE_VERSION_TTL_SECONDS anyway, see api.identity.keycache)")

    session_cache_seconds: float = Field(
        10.0, ge=0, le=60, description="Longest an API process serves a verified access token's live session from "
        "memory (0: never; a revocation is seen within CACHE_VERSION_TTL_SECONDS anyway, see "
        "api.identity.sessioncache)")

    api_key_usage_batch: int = Field(500, ge=1, le=50_000, description="API key request rows per batch insert")
    api_key_usage_flush_seconds: float = Field(2.0, gt=0, le=300, description="Longest wait before a batch is written")
    api_key_usage_retention_days: int = Field(90, ge=1, le=3650, description="Per-request API key usage rows kept")
    # Stripe (Checkout Sessions for fiat top-ups and invoice payments). Off while the secret key is unset.
    stripe_secret_key: SecretStr | None = Field(None, description="Stripe secret API key (sk_...)")
    stripe_webhook_secret: SecretStr | None = Field(None, description="Signing secret of the Stripe webhook (whsec_...)")
    # A provider URL (may be a proxy with credentials): a secret, never logged. Tests point it at a local server.
    stripe_api_base: SecretStr = Field(SecretStr("https://api.stripe.com"), description="Stripe API host")
    stripe_webhook_tolerance_seconds: int = Field(300, ge=1, le=86_400, description="Oldest Stripe signature accepted")
    stripe_currency: str = Field("usd", pattern="^[a-z]{3}$", description="Currency of Checkout Sessions")
    stripe_success_url: str = Field("http://127.0.0.1:3000/billing/success", description="Checkout success page")
    stripe_cancel_url: str = Field("http://127.0.0.1:3000/billing/cancel", description="Checkout cancel page")

    github_webhook_secret: SecretStr | None = Field(None, description="Secret of the GitHub (App) webhook")

    # GitHub OAuth (link an account). Hosts are secrets like every provider URL; tests use a local server.
    github_client_id: str | None = Field(None, description="GitHub OAuth app client id")
    github_client_secret: SecretStr | None = Field(None, description="GitHub OAuth app client secret")
    github_oauth_base: SecretStr = Field(SecretStr("https://github.com"), description="GitHub OAuth host")
    github_api_base: SecretStr = Field(SecretStr("https://api.github.com"), description="GitHub API host")
    github_oauth_redirect_uri: str = Field("http://127.0.0.1:3000/settings/github/callback",
                                           description="Where GitHub sends the user back (the web app)")
    github_timeout_seconds: float = Field(10.0, gt=0, le=60, description="GitHub OAuth and API request timeout")

    # Issue trackers / documents (api.integrations.trackers); Jira's host is each user's site.
    trello_api_base: SecretStr = Field(SecretStr("https://api.trello.com"), description="Trello API host")
    notion_api_base: SecretStr = Field(SecretStr("https://api.notion.com"), description="Notion API host")
    gdrive_api_base: SecretStr = Field(SecretStr("https://www.googleapis.com"), description="Google Drive API host")

    # The HTTP API email provider (api.integrations.mail_http), used when EMAIL_PROVIDER=http.
    email_provider: Literal["smtp", "http"] = Field("smtp", description="How notification emails are sent")
    email_http_url: SecretStr | None = Field(None, description="Provider endpoint, e.g. https://api.resend.com/emails")
    email_http_token: SecretStr | None = Field(None, description="Bearer token of the email provider's API")
    email_http_timeout_seconds: float = Field(10.0, gt=0, le=120, description="Email API request timeout")
    # --- Notifications and dashboards (issue 15) -----------------------------------------------------
    enable_notifications: bool = Field(True, description="Feature flag: /v1/notifications (in-app list, preferences)")
    enable_dashboards: bool = Field(True, description="Feature flag: /v1/dashboard/* summaries")
    smtp_host: str | None = Field(None, description="SMTP server for notification emails (unset: no email is sent)")
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port")
    smtp_username: str | None = Field(None, description="SMTP user (login only when set)")
    smtp_password: SecretStr | None = Field(None, description="SMTP password")
    smtp_starttls: bool = Field(True, description="Upgrade the SMTP connection with STARTTLS")
    smtp_timeout_seconds: float = Field(10.0, gt=0, le=120, description="SMTP connect/command timeout")
    email_from: str = Field("Lancer <no-reply@lancer.local>", description="From header of notification emails")
    email_max_attempts: int = Field(5, ge=1, le=20, description="Attempts per notification email (rq retries)")
    email_retry_seconds: list[int] = Field([30, 120, 600, 1800],
                                           description="Delays between email attempts (JSON list, seconds)")
    app_base_url: str = Field("http://localhost:3000", description="Web app URL used in email links")
    notifications_interval_seconds: float = Field(1.0, gt=0, le=60,
                                                  description="`lancer notifications` pass interval")

    @property
    def webhook_private_urls_allowed(self) -> bool:
        if self.webhook_allow_private_urls is None:
            return not self.production
        return self.webhook_allow_private_urls and not self.production


    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def serve_docs(self) -> bool:
        return self.docs_enabled if self.docs_enabled is not None else not self.production

    @field_validator("matching_weights")
    @classmethod
    def _known_weights(cls, values: dict[str, float]) -> dict[str, float]:
        known = {"skills", "verified", "text", "budget", "availability", "timezone", "reputation", "popularity"}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown matching feature(s) {unknown}; known: {sorted(known)}")
        if any(w < 0 or w > 100 for w in values.values()):
            raise ValueError("matching weights must be between 0 and 100")
        return values

    @field_validator("verifier_addresses", "trusted_attesters")
    @classmethod
    def _checksum_lists(cls, values: list[str]) -> list[str]:
        return [checksum(v) for v in values]

    @field_validator("marketplace_arbiter_address")
    @classmethod
    def _checksum_arbiter(cls, value: str | None) -> str | None:
        return None if value is None else checksum(value)

    @field_validator("admin_addresses")
    @classmethod
    def _checksum_admins(cls, values: list[str]) -> list[str]:
        return [checksum(v) for v in values]

    @field_validator("siwe_uri")
    @classmethod
    def _uri_has_scheme(cls, value: str) -> str:
        if "://" not in value and not value.startswith(("did:", "urn:")):
            raise ValueError("SIWE_URI must be an absolute URI, e.g. https://app.example.com")
        return value

    @model_validator(mode="after")
    def _secrets(self) -> ApiSettings:
        missing = []
        if self.jwt_keys is None:
            missing.append("JWT_KEYS")
        if self.totp_encryption_keys is None:
            missing.append("TOTP_ENCRYPTION_KEYS")
        if self.data_encryption_keys is None:
            missing.append("DATA_ENCRYPTION_KEYS")
        if self.attester_private_key is None:
            if self.environment == "production":
                raise ConfigError("ATTESTER_PRIVATE_KEY must be set when ENVIRONMENT=production")
            warnings.warn(f"ATTESTER_PRIVATE_KEY not set: attesting with anvil dev account {DEV_ATTESTER_INDEX} "
                          "(its key is public: development and tests only)", stacklevel=2)
            from devtools.accounts import local_dev_account

            self.attester_private_key = SecretStr(local_dev_account(DEV_ATTESTER_INDEX).key.to_0x_hex())
        try:
            Account.from_key(self.attester_private_key.get_secret_value())
        except (ValueError, TypeError):
            raise ConfigError("ATTESTER_PRIVATE_KEY is not a valid secp256k1 private key") from None
        if missing and self.environment == "production":
            raise ConfigError(f"{', '.join(missing)} must be set when ENVIRONMENT=production")
        if missing:
            warnings.warn(
                f"{', '.join(missing)} not set: using ephemeral random keys (tokens, 2FA secrets and "
                "encrypted data will not survive a restart)",
                stacklevel=2,
            )
        if self.jwt_keys is None:
            self.jwt_keys = SecretStr(json.dumps({"ephemeral": secrets.token_urlsafe(48)}))
            self.jwt_active_kid = "ephemeral"
        if self.totp_encryption_keys is None:
            self.totp_encryption_keys = SecretStr(
                json.dumps({"ephemeral": base64.b64encode(secrets.token_bytes(32)).decode()})
            )
            self.totp_active_kid = "ephemeral"
        if self.data_encryption_keys is None:
            self.data_encryption_keys = SecretStr(
                json.dumps({"ephemeral": base64.b64encode(secrets.token_bytes(32)).decode()})
            )
            self.data_active_kid = "ephemeral"
        # Validate the key rings now, so a bad value fails at start-up with a clear message.
        jwt_ring = self.jwt_key_ring()
        self.jwt_active_kid = self.jwt_active_kid or sorted(jwt_ring)[-1]
        if self.jwt_active_kid not in jwt_ring:
            raise ConfigError("JWT_ACTIVE_KID names no key in JWT_KEYS")
        if any(len(v.encode()) < 32 for v in jwt_ring.values()):
            raise ConfigError("every JWT_KEYS secret must be at least 32 bytes")
        totp_ring = self.totp_key_ring()
        self.totp_active_kid = self.totp_active_kid or sorted(totp_ring)[-1]
        if self.totp_active_kid not in totp_ring:
            raise ConfigError("TOTP_ACTIVE_KID names no key in TOTP_ENCRYPTION_KEYS")
        for name in ("offset_recorder_private_key", "rewards_operator_private_key"):
            key = getattr(self, name)
            if key is not None:
                try:
                    Account.from_key(key.get_secret_value())
                except (ValueError, TypeError):
                    raise ConfigError(f"{name.upper()} is not a valid secp256k1 private key") from None
        data_ring = self.data_key_ring()
        self.data_active_kid = self.data_active_kid or sorted(data_ring)[-1]
        if self.data_active_kid not in data_ring:
            raise ConfigError("DATA_ACTIVE_KID names no key in DATA_ENCRYPTION_KEYS")
        if self.production:
            production_guardrails(self)
        return self

    def jwt_key_ring(self) -> dict[str, str]:
        assert self.jwt_keys is not None
        return _parse_key_ring(self.jwt_keys.get_secret_value(), "JWT_KEYS")

    def totp_key_ring(self) -> dict[str, bytes]:
        assert self.totp_encryption_keys is not None
        return aes_key_ring(self.totp_encryption_keys.get_secret_value(), "TOTP_ENCRYPTION_KEYS", plain_kids=False)

    def data_key_ring(self) -> dict[str, bytes]:
        assert self.data_encryption_keys is not None
        return aes_key_ring(self.data_encryption_keys.get_secret_value(), "DATA_ENCRYPTION_KEYS")

    def attester(self) -> LocalAccount:
        assert self.attester_private_key is not None
        return Account.from_key(self.attester_private_key.get_secret_value())  # type: ignore[no-any-return]

    def rewards_operator(self) -> LocalAccount | None:
        """The account `lancer rewards publish|fund-staking` signs with; None when none is configured (production)."""
        if self.rewards_operator_private_key is not None:
            return Account.from_key(self.rewards_operator_private_key.get_secret_value())  # type: ignore[no-any-return]
        if self.production:
            return None
        if self.deployer_private_key is not None:
            return Account.from_key(self.deployer_private_key.get_secret_value())  # type: ignore[no-any-return]
        from devtools.accounts import local_dev_account

        return local_dev_account(0)  # type: ignore[no-any-return]

    def offset_recorder(self) -> LocalAccount | None:
        """The account that sends Treasury.recordOffset; None when none is configured (production)."""
        if self.offset_recorder_private_key is not None:
            return Account.from_key(self.offset_recorder_private_key.get_secret_value())  # type: ignore[no-any-return]
        if self.production:
            return None
        if self.deployer_private_key is not None:
            return Account.from_key(self.deployer_private_key.get_secret_value())  # type: ignore[no-any-return]
        from devtools.accounts import local_dev_account

        return local_dev_account(0)  # type: ignore[no-any-return]

    def contract_wallet_chain_ids(self, registry: ChainRegistry | None = None) -> set[int]:
        """Chains where a contract wallet may sign in (see ``siwe_contract_wallet_chains``); local chains
        never in production."""
        local = {c.chain_id for c in (registry or self.registry()).local_chains}
        if self.siwe_contract_wallet_chains is not None:
            allowed = set(self.siwe_contract_wallet_chains)
            return allowed - local if self.environment == "production" else allowed
        return set() if self.environment == "production" else local


def production_guardrails(settings: ApiSettings) -> None:
    """Refuse configurations that are fine on a laptop and dangerous in production (one-line ConfigError)."""
    from devtools.accounts import ANVIL_DEV_ADDRESSES

    if "ephemeral" in (settings.jwt_active_kid, settings.totp_active_kid, settings.data_active_kid):
        raise ConfigError("JWT_KEYS, TOTP_ENCRYPTION_KEYS and DATA_ENCRYPTION_KEYS must be real keys in production, "
                          "not ephemeral ones")
    attester = settings.attester_private_key
    if attester is not None and settings.attester().address in ANVIL_DEV_ADDRESSES:
        raise ConfigError("ATTESTER_PRIVATE_KEY is one of anvil's public development keys; "
                          "use a key of your own in production")
    for name in ("siwe_domain", "siwe_uri"):
        value = getattr(settings, name).lower()
        if any(host in value for host in ("localhost", "127.0.0.1", "[::1]")):
            raise ConfigError(f"{name.upper()} still names localhost; set it to your dApp's public domain/URI")
    recorder = settings.offset_recorder_private_key
    if recorder is not None and Account.from_key(recorder.get_secret_value()).address in ANVIL_DEV_ADDRESSES:
        raise ConfigError("OFFSET_RECORDER_PRIVATE_KEY is one of anvil's public development keys; "
                          "use a key of your own in production")
    operator = settings.rewards_operator_private_key
    if operator is not None and Account.from_key(operator.get_secret_value()).address in ANVIL_DEV_ADDRESSES:
        raise ConfigError("REWARDS_OPERATOR_PRIVATE_KEY is one of anvil's public development keys; "
                          "use a key of your own in production")
    if settings.webhook_allow_private_urls:
        raise ConfigError("WEBHOOK_ALLOW_PRIVATE_URLS must not be set in production (webhooks to private "
                          "addresses are a server-side request forgery hole)")


@lru_cache(maxsize=1)
def get_settings() -> ApiSettings:
    return ApiSettings()
