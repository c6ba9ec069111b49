"""Content-addressed evidence storage (local directory by default, S3-compatible option) and the
virus-scan hook every upload passes through before it is stored."""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Protocol

from api.settings import ApiSettings


class Storage(Protocol):
    def put(self, data: bytes) -> str:
        """Store ``data`` under its SHA-256 (hex); storing the same bytes twice is a no-op."""

    def get(self, digest: str) -> bytes | None: ...


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename: a reader never sees half a file under its final name.
            fd, tmp = tempfile.mkstemp(dir=path.parent)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        return digest

    def get(self, digest: str) -> bytes | None:
        path = self._path(digest)
        return path.read_bytes() if path.exists() else None


class S3Storage:
    """Any S3-compatible service (AWS, MinIO, R2...); credentials from boto3's usual environment."""

    def __init__(self, bucket: str, prefix: str, endpoint_url: str | None, region: str | None) -> None:
        import boto3  # noqa: PLC0415 - only deployments that choose S3 load it

        self.bucket, self.prefix = bucket, prefix
        self.client: Any = boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region or None)

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        self.client.put_object(Bucket=self.bucket, Key=f"{self.prefix}{digest}", Body=data,
                               ChecksumSHA256=_b64_sha256(data))
        return digest

    def get(self, digest: str) -> bytes | None:
        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=f"{self.prefix}{digest}")
        except self.client.exceptions.NoSuchKey:
            return None
        return obj["Body"].read()  # type: ignore[no-any-return]


def _b64_sha256(data: bytes) -> str:
    import base64  # noqa: PLC0415

    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def storage_for(settings: ApiSettings) -> Storage:
    if settings.verification_storage == "s3":
        return S3Storage(settings.verification_s3_bucket or "", settings.verification_s3_prefix,
                         settings.verification_s3_endpoint_url, settings.verification_s3_region)
    return LocalStorage(settings.verification_storage_dir)


class Scanner(Protocol):
    def clean(self, data: bytes) -> bool:
        """False when the content must be refused (infected, or the scanner could not tell)."""


class NoScanner:
    def clean(self, data: bytes) -> bool:
        return True


class CommandScanner:
    """Runs a scanner command with the upload on stdin (e.g. ``clamdscan --no-summary -``): exit 0 means
    clean; anything else (infected, error, timeout) refuses the upload: fail closed."""

    def __init__(self, command: str, timeout: float = 60.0) -> None:
        self.argv, self.timeout = shlex.split(command), timeout

    def clean(self, data: bytes) -> bool:
        try:
            done = subprocess.run(self.argv, input=data, capture_output=True, timeout=self.timeout, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return False
        return done.returncode == 0


def scanner_for(settings: ApiSettings) -> Scanner:
    return CommandScanner(settings.verification_scan_command) if settings.verification_scan_command else NoScanner()
