"""Issue 12 #3: logs never carry provider keys, passwords or known secrets, from any logger."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
import structlog

from api.kit.redact import install_redaction, redact_text


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    saved = structlog.get_config()
    out = io.StringIO()
    structlog.configure(processors=[structlog.processors.format_exc_info, structlog.processors.JSONRenderer()],
                        logger_factory=structlog.PrintLoggerFactory(file=out), cache_logger_on_first_use=False)
    install_redaction(["s3cr3t-jwt-key-material"])
    try:
        yield out
    finally:
        structlog.configure(**saved)


def test_urls_lose_credentials_path_and_query() -> None:
    assert redact_text("POST https://mainnet.infura.io/v3/abcdef0123456789 failed") == \
        "POST https://mainnet.infura.io/… failed"
    assert redact_text("postgresql+psycopg://lancer:pw@db:5432/lancer") == "postgresql+psycopg://db:5432/…"
    assert redact_text("https://eth.example?apikey=123") == "https://eth.example/…"
    assert redact_text("http://127.0.0.1:8545") == "http://127.0.0.1:8545"


def test_every_log_event_is_redacted(log_output: io.StringIO) -> None:
    log = structlog.get_logger("test")
    try:
        raise ConnectionError("HTTPSConnectionPool(host='x'): Max retries exceeded with url: "
                              "https://base-mainnet.g.alchemy.com/v2/ALCHEMYKEY123456")
    except ConnectionError:
        log.exception("rpc failed", url="wss://user:pass@node.example/ws/KEY999", note="s3cr3t-jwt-key-material")
    text = log_output.getvalue()
    assert "ALCHEMYKEY123456" not in text and "KEY999" not in text and "user:pass" not in text
    assert "s3cr3t-jwt-key-material" not in text and "[redacted]" in text
    assert "base-mainnet.g.alchemy.com" in text  # the host stays: an operator can tell which provider failed
