"""Typed settings for the chain side (indexer, deploy), read from environment variables and `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from indexer.core.registry import ChainRegistry, load_registry, with_carbon_overrides

REPO_ROOT = Path(__file__).resolve().parents[2]


class ChainSettings(BaseSettings):
    """Settings every Lancer process shares: where the data lives and which chains exist."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field("", description="PostgreSQL URL; empty means the embedded dev server")
    redis_url: str = Field("", description="Redis URL; empty means the embedded dev server")
    redis_key_prefix: str = Field("lancer:", description="Prefix of every Redis key Lancer writes")
    chain_registry_json: str = Field("", description="Registry as JSON text or a path; empty: default")
    deployments_dir: Path = Field(REPO_ROOT / "deployments")
    data_dir: Path = Field(REPO_ROOT / ".lancer", description="Local state of `lancer dev`")
    deployer_private_key: SecretStr | None = Field(None, description="Key that deploys contracts")
    carbon_factors_json: str = Field("", description='Per-deployment emission factors: {"<chain name|id>": '
                                     '{"grams_co2e_per_gas": "...", "source": "..."}}')
    log_level: str = "INFO"
    log_format: str = Field("console", pattern="^(console|json)$")
    slow_query_ms: float = Field(500, ge=0, description="Log statements slower than this with their plan (0: off)")
    # Error reporting (indexer.core.sentry): off unless SENTRY_DSN is set.
    sentry_dsn: SecretStr | None = Field(None, description="Sentry DSN; empty: no error reporting")
    sentry_environment: str | None = Field(None, description="Environment tag (default: ENVIRONMENT)")
    sentry_release: str | None = Field(None, description="Release tag (default: lancer@<package version>)")
    sentry_traces_sample_rate: float = Field(0.05, ge=0, le=1, description="Share of requests/jobs traced")
    sentry_profiles_sample_rate: float = Field(0.0, ge=0, le=1, description="Share of traced ones profiled")
    sentry_health_sample_rate: float = Field(0.0, ge=0, le=1, description="Trace rate of health checks and /metrics")

    @field_validator("database_url")
    @classmethod
    def _psycopg_driver(cls, url: str) -> str:
        # SQLAlchemy defaults postgresql:// to psycopg2, which we do not ship.
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url

    def registry(self) -> ChainRegistry:
        return with_carbon_overrides(load_registry(self.chain_registry_json), self.carbon_factors_json)


@lru_cache(maxsize=1)
def get_chain_settings() -> ChainSettings:
    return ChainSettings()
