"""`lancer dev`'s key rings: made once, kept with the local data, never overriding configured ones."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from api.settings import aes_key_ring
from devtools.keys import local_key_rings


def test_rings_are_made_once_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATA_ENCRYPTION_KEYS", "DATA_ACTIVE_KID", "TOTP_ENCRYPTION_KEYS", "TOTP_ACTIVE_KID"):
        monkeypatch.delenv(name, raising=False)
    first = local_key_rings(tmp_path / "data", tmp_path / ".env")
    assert first == local_key_rings(tmp_path / "data", tmp_path / ".env")
    assert set(aes_key_ring(first["DATA_ENCRYPTION_KEYS"], "DATA_ENCRYPTION_KEYS")) == {first["DATA_ACTIVE_KID"]}
    assert stat.S_IMODE((tmp_path / "data" / "keys.json").stat().st_mode) == 0o600
    # A ring set in the environment or in .env wins: it is not overridden.
    monkeypatch.setenv("TOTP_ENCRYPTION_KEYS", json.dumps({"mine": "x"}))
    (tmp_path / ".env").write_text('DATA_ENCRYPTION_KEYS={"a": "b"}\n')
    assert local_key_rings(tmp_path / "data", tmp_path / ".env") == {}
