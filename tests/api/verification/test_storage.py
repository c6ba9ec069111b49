"""Evidence storage: content addressing on the local disk and on a real S3-compatible HTTP server
(moto's server on loopback, spoken to by boto3), and the scan hook failing closed."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from api.verification.storage import CommandScanner, LocalStorage, S3Storage, scanner_for, storage_for
from api.settings import ApiSettings

DATA = b"%PDF-1.4 evidence of a finished audit"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    for k, v in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(k, v)
    boto3.client("s3", endpoint_url=url).create_bucket(Bucket="evidence")
    yield url
    server.stop()


def test_local_storage_is_content_addressed(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    digest = store.put(DATA)
    assert digest == hashlib.sha256(DATA).hexdigest()
    assert (tmp_path / digest[:2] / digest).read_bytes() == DATA
    assert store.put(DATA) == digest and len(list(tmp_path.rglob("*"))) == 2  # one directory, one file
    assert store.get(digest) == DATA and store.get("0" * 64) is None


def test_s3_storage_against_a_local_s3_server(s3: str, api_settings: ApiSettings) -> None:
    settings = api_settings.model_copy(update={"verification_storage": "s3", "verification_s3_bucket": "evidence",
                                               "verification_s3_endpoint_url": s3, "verification_s3_prefix": "ev/"})
    store = storage_for(settings)
    assert isinstance(store, S3Storage)
    digest = store.put(DATA)
    assert digest == hashlib.sha256(DATA).hexdigest()
    raw = boto3.client("s3", endpoint_url=s3).get_object(Bucket="evidence", Key=f"ev/{digest}")["Body"].read()
    assert raw == DATA and store.get(digest) == DATA and store.get("1" * 64) is None


def test_the_scan_hook_fails_closed(api_settings: ApiSettings) -> None:
    assert scanner_for(api_settings).clean(DATA)  # no command: no scan
    assert CommandScanner("grep -q -v EICAR").clean(b"clean file\n")
    assert not CommandScanner("grep -q -v EICAR").clean(b"EICAR\n")  # the scanner said no
    assert not CommandScanner("/nonexistent/clamdscan -").clean(DATA)  # no scanner: refused
    assert not CommandScanner("sleep 5", timeout=0.5).clean(DATA)  # too slow: refused
