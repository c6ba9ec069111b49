"""Key rotation (`lancer keys reencrypt`, api.rekey) and the a0009 migration that encrypts existing plaintext."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from api import rekey
from api.app import create_app
from api.audit.models import AuditEvent
from api.identity import totp
from api.kit.crypto import data_key_ring, totp_key_ring
from api.kit.encrypted import attach_key_ring
from api.settings import ApiSettings
from indexer.core.db import make_engine
from indexer.core.errors import ConfigError
from indexer.core.migrate import upgrade
from tests.support.api_client import bearer, login

REPO = Path(__file__).resolve().parents[2]
EVIDENCE = "https://example.org/my-audits"


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _run(env: dict[str, str], tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DATA_", "TOTP_", "DATABASE_", "JWT_"))}
    return subprocess.run([sys.executable, "-m", "scripts.cli", "keys", "reencrypt", *args], cwd=tmp,
                          env={**clean, "PYTHONPATH": str(REPO), "PYTHONWARNINGS": "ignore", "ENVIRONMENT": "test",
                               **env}, capture_output=True, text=True, timeout=120)


def _env(url: str, data: dict[str, str], data_kid: str, totp_keys: dict[str, str], totp_kid: str) -> dict[str, str]:
    return {"DATABASE_URL": url, "DATA_ENCRYPTION_KEYS": json.dumps(data), "DATA_ACTIVE_KID": data_kid,
            "TOTP_ENCRYPTION_KEYS": json.dumps(totp_keys), "TOTP_ACTIVE_KID": totp_kid}


def test_rotation_reencrypts_everything_and_the_old_key_can_go(
        database_factory: Callable[[str], str], settings_factory: Callable[..., ApiSettings], tmp_path: Path) -> None:
    url = database_factory("rekey")
    d1, d2, t1, t2 = _key(), _key(), _key(), _key()
    old = settings_factory(database_url=url, data_encryption_keys=json.dumps({"d1": d1}), data_active_kid="d1",
                           totp_encryption_keys=json.dumps({"t1": t1}), totp_active_kid="t1")
    account = Account.create()
    with TestClient(create_app(old), raise_server_exceptions=False) as client:
        h = bearer(login(client, account)["tokens"]["access_token"])
        secret = client.post("/v1/me/2fa/setup", headers=h).json()["secret"]
        assert client.post("/v1/me/2fa/enable", json={"code": totp.code_at(secret, totp.current_step())},
                           headers=h).status_code == 200
        slug = client.get("/v1/skills").json()[0]["slug"]
        assert client.put(f"/v1/me/profile/skills/{slug}", json={"level": 4, "evidence_url": EVIDENCE},
                          headers=h).status_code == 204

    # Without the old key the command cannot decrypt: one line, exit code 2, nothing half-done.
    missing_old = _run(_env(url, {"d2": d2}, "d2", {"t1": t1}, "t1"), tmp_path, "--no-progress")
    assert missing_old.returncode == 2, missing_old.stderr
    assert missing_old.stderr.strip().count("\n") == 0 and "key id 'd1'" in missing_old.stderr

    new_env = _env(url, {"d1": d1, "d2": d2}, "d2", {"t1": t1, "t2": t2}, "t2")
    first = _run(new_env, tmp_path, "--batch", "2", "--progress")
    assert first.returncode == 0, first.stderr
    assert "audit_events.ip:" in first.stdout and "older keys can be removed" in first.stdout
    counts = {line.split(":")[0]: int(line.split(": ")[1].split()[0]) for line in first.stdout.splitlines()
              if " re-encrypted" in line}
    assert counts["audit_events.ip"] >= 2 and counts["user_skills.evidence_url"] == 1
    assert counts["user_totp.secret_ciphertext"] == 1

    engine = make_engine(url)
    with engine.connect() as conn:
        ips = conn.execute(text("SELECT ip FROM audit_events WHERE ip IS NOT NULL")).scalars().all()
        evidence = conn.execute(text("SELECT evidence_url FROM user_skills")).scalars().all()
        totp_kids = conn.execute(text("SELECT key_id FROM user_totp")).scalars().all()
    engine.dispose()
    assert ips and all(ip.startswith("enc1:d2:") for ip in ips)
    assert evidence and all(e.startswith("enc1:d2:") for e in evidence)
    assert totp_kids == ["t2"]

    again = _run(new_env, tmp_path, "--no-progress")  # idempotent: nothing left to do
    assert again.returncode == 0 and " 0 re-encrypted" in again.stdout and "of 0 pending" in again.stdout

    # The old keys removed: everything still reads, 2FA still works.
    new = settings_factory(database_url=url, data_encryption_keys=json.dumps({"d2": d2}), data_active_kid="d2",
                           totp_encryption_keys=json.dumps({"t2": t2}), totp_active_kid="t2")
    with TestClient(create_app(new), raise_server_exceptions=False) as client:
        first_step = login(client, account)
        assert first_step["mfa_required"] is True
        done = client.post("/v1/auth/mfa", json={"mfa_token": first_step["mfa_token"],
                                                 "code": totp.code_at(secret, totp.current_step() + 1)})
        assert done.status_code == 200, done.text
        mine = client.get("/v1/me/profile/skills", headers=bearer(done.json()["access_token"])).json()
        assert [s["evidence_url"] for s in mine] == [EVIDENCE]


def test_an_interrupted_run_resumes(database_factory: Callable[[str], str],
                                    settings_factory: Callable[..., ApiSettings]) -> None:
    url = database_factory("rekey_resume")
    d1, d2 = _key(), _key()
    old = settings_factory(database_url=url, data_encryption_keys=json.dumps({"d1": d1}), data_active_kid="d1")
    with TestClient(create_app(old), raise_server_exceptions=False) as client:
        for _ in range(3):
            login(client, Account.create())
    new = settings_factory(database_url=url, data_encryption_keys=json.dumps({"d1": d1, "d2": d2}),
                           data_active_kid="d2")
    ring, totp_ring = data_key_ring(new), totp_key_ring(new)
    engine = attach_key_ring(make_engine(url), ring)
    total = rekey.remaining(engine, ring, totp_ring)
    assert total >= 3

    class Stop(Exception):
        pass

    def crash(column: str, done: int, pending: int) -> None:
        raise Stop  # after the first committed batch

    with pytest.raises(Stop):
        rekey.reencrypt(engine, ring, totp_ring, batch=1, progress=crash)
    assert rekey.remaining(engine, ring, totp_ring) == total - 1
    results = rekey.reencrypt(engine, ring, totp_ring, batch=1)
    assert sum(c.reencrypted for c in results) == total - 1
    assert rekey.remaining(engine, ring, totp_ring) == 0
    only_new = attach_key_ring(make_engine(url), data_key_ring(settings_factory(
        database_url=url, data_encryption_keys=json.dumps({"d2": d2}), data_active_kid="d2")))
    with Session(only_new) as db:
        assert {e.ip for e in db.scalars(select(AuditEvent))} == {"testclient"}
    engine.dispose()
    only_new.dispose()


def test_bad_configuration_is_one_line_and_exit_2(database_url: str, tmp_path: Path) -> None:
    for env, says in (({"DATA_ENCRYPTION_KEYS": '{"a": "bm9wZQ=="}', "DATA_ACTIVE_KID": "a"}, "32 bytes"),
                      ({"DATA_ENCRYPTION_KEYS": "not json"}, "DATA_ENCRYPTION_KEYS must be a JSON object"),
                      ({"DATA_ENCRYPTION_KEYS": json.dumps({"a": _key()}), "DATA_ACTIVE_KID": "b"}, "DATA_ACTIVE_KID"),
                      ({}, "DATA_ENCRYPTION_KEYS is not set")):
        done = _run({"DATABASE_URL": database_url, "TOTP_ENCRYPTION_KEYS": json.dumps({"t": _key()}), **env},
                    tmp_path, "--no-progress")
        assert done.returncode == 2, (env, done.stderr)
        assert done.stderr.startswith("lancer: error:") and says in done.stderr
        assert done.stderr.strip().count("\n") == 0 and "Traceback" not in done.stderr


def _fresh_database(database_url: str, label: str) -> str:
    admin_url = make_url(database_url).set(database="postgres")
    name = f"{make_url(database_url).database}_{label}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(database_url).set(database=name).render_as_string(hide_password=False)


def test_migration_encrypts_existing_plaintext_rows(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    url = _fresh_database(database_url, "a0009")
    upgrade(url, "a0013_feature_flags")
    engine = make_engine(url)
    user_id, uid = uuid.uuid4(), "0x" + "ab" * 32
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_events (actor, action, result, ip, details) "
                          "VALUES ('anonymous', 'auth.login', 'failure', '198.51.100.7', '{}')"))
        conn.execute(text("INSERT INTO users (id) VALUES (:u)"), {"u": user_id})
        skill = conn.execute(text("SELECT id FROM skills ORDER BY id LIMIT 1")).scalar()
        conn.execute(text("INSERT INTO user_skills (user_id, skill_id, level, years, evidence_url) "
                          "VALUES (:u, :s, 2, 1, 'https://example.org/plain')"), {"u": user_id, "s": skill})
        conn.execute(text(
            "INSERT INTO offchain_attestations (uid, fact_key, kind, chain_id, schema_uid, attester, recipient, time, "
            "expiration_time, package, decoded, details, created_at, updated_at, onchain_status) VALUES (:uid, 'f', "
            "'review', 1, :z, :a, :a, 1, 0, '{}', '{}', '{\"text\": \"plain review\"}', now(), now(), 'none')"),
            {"uid": uid, "z": "0x" + "0" * 64, "a": "0x" + "1" * 40})
    monkeypatch.delenv("DATA_ENCRYPTION_KEYS", raising=False)
    with pytest.raises(ConfigError, match="set DATA_ENCRYPTION_KEYS"):
        upgrade(url)
    key = _key()
    monkeypatch.setenv("DATA_ENCRYPTION_KEYS", json.dumps({"m1": key}))
    monkeypatch.setenv("DATA_ACTIVE_KID", "m1")
    upgrade(url)
    with engine.connect() as conn:
        raw = conn.execute(text("SELECT (SELECT ip FROM audit_events), (SELECT evidence_url FROM user_skills), "
                                "(SELECT details::text FROM offchain_attestations)")).one()
    assert all(v.startswith("enc1:m1:") or '"enc1:m1:' in v for v in raw)
    assert not any(p in " ".join(raw) for p in ("198.51", "example.org", "plain review"))
    from api.attestations.models import OffchainAttestation
    from api.kit.crypto import KeyRing
    from api.skills.models import UserSkill

    attach_key_ring(engine, KeyRing({"m1": base64.b64decode(key)}, "m1"))
    with Session(engine) as db:
        assert db.scalars(select(AuditEvent)).one().ip == "198.51.100.7"
        assert db.scalars(select(UserSkill)).one().evidence_url == "https://example.org/plain"
        assert db.get(OffchainAttestation, uid).details == {"text": "plain review"}  # type: ignore[union-attr]
    engine.dispose()
    admin = create_engine(make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()
