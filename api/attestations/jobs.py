"""rq jobs of the attestation domain. Arguments are UIDs and chain ids only."""

from __future__ import annotations

from redis import Redis

from api.attestations import onchain
from api.kit.queue import job_engine, job_settings


def _redis() -> Redis:
    return Redis.from_url(job_settings().redis_url_or_default)


def attest_onchain(uid: str) -> str | None:
    """Put offchain attestation ``uid`` on chain (EAS.attest); safe to run any number of times."""
    return onchain.put_onchain(job_engine(), _redis(), job_settings(), uid)


def revoke_onchain(uid: str, chain_id: int) -> list[str]:
    return onchain.revoke_onchain(job_engine(), _redis(), job_settings(), uid, chain_id)
