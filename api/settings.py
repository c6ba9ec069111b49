"""API settings: everything the HTTP service needs, on top of the shared chain settings."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from indexer.settings import ChainSettings


class ApiSettings(ChainSettings):
    api_host: str = "127.0.0.1"
    api_port: int = Field(8000, ge=1, le=65535)
    public_base_url: str = Field("http://127.0.0.1:8000", description="Base URL users reach the API at")
    cors_origins: list[str] = Field(default_factory=list, description="JSON list of allowed origins")
    max_body_bytes: int = Field(1_048_576, ge=1024)
    environment: str = Field("development", pattern="^(development|test|production)$")


@lru_cache(maxsize=1)
def get_settings() -> ApiSettings:
    return ApiSettings()
