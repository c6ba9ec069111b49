"""Encryption at rest: audit IPs, skill evidence and attestation details are ciphertext in PostgreSQL, read back
as plaintext through the ORM, bound to their row, and refuse to open with a wrong or missing key."""

from __future__ import annotations

import base64
import secrets
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from api.attestations.models import OffchainAttestation
from api.audit.models import AuditEvent
from api.kit.crypto import DecryptionError, KeyRing, data_key_ring
from api.kit.encrypted import attach_key_ring
from api.settings import ApiSettings
from api.skills.models import UserSkill
from indexer.core.db import make_engine
from tests.support.api_client import bearer, login

EVIDENCE = "https://github.com/someone/private-portfolio-7f3a"
REVIEW = "Delivered late, but the audit report was thorough."


def _user_id(client: TestClient, token: str) -> str:
    return str(client.get("/v1/me", headers=bearer(token)).json()["user_id"])


def _skill_slug(client: TestClient) -> str:
    return str(client.get("/v1/skills").json()[0]["slug"])


def _attestation(details: dict[str, Any]) -> OffchainAttestation:
    uid = "0x" + secrets.token_hex(32)
    return OffchainAttestation(uid=uid, fact_key=f"test:{uid}", kind="review", chain_id=31337, schema_uid="0x" + "1" * 64,
                               attester="0x" + "2" * 40, recipient="0x" + "3" * 40, time=1, package={"sig": {}, "signer": "0x" + "2" * 40},
                               decoded={}, details=details)


def test_personal_data_is_ciphertext_in_the_database(client: TestClient, signed_in: dict[str, Any],
                                                     engine: Engine) -> None:
    h = bearer(signed_in["access_token"])
    user_id = _user_id(client, signed_in["access_token"])
    slug = _skill_slug(client)
    assert client.put(f"/v1/me/profile/skills/{slug}", json={"level": 3, "evidence_url": EVIDENCE},
                      headers=h).status_code == 204
    row = _attestation({"text": REVIEW, "escrow": "0x" + "4" * 40})
    uid = row.uid
    with Session(engine) as db:
        db.add(row)
        db.commit()
    with engine.connect() as conn:
        ips = conn.execute(text("SELECT ip FROM audit_events WHERE actor_user_id = :u"), {"u": user_id}).scalars().all()
        evidence = conn.execute(text("SELECT evidence_url FROM user_skills WHERE user_id = :u"), {"u": user_id}).scalar()
        details = conn.execute(text("SELECT details::text FROM offchain_attestations WHERE uid = :u"),
                               {"u": uid}).scalar()
    assert ips and all(ip.startswith("enc1:d1:") and "testclient" not in ip for ip in ips)
    assert evidence.startswith("enc1:d1:") and "github" not in evidence
    assert '"$enc": "enc1:d1:' in details and "audit report" not in details and "4444" not in details
    # Reads decrypt transparently: the API and the ORM see plaintext.
    mine = client.get("/v1/me/profile/skills", headers=h).json()
    assert [s["evidence_url"] for s in mine] == [EVIDENCE]
    assert client.get(f"/v1/attestations/{uid}").json()["details"]["text"] == REVIEW
    with Session(engine) as db:
        assert {e.ip for e in db.scalars(select(AuditEvent).where(AuditEvent.actor_user_id == uuid.UUID(user_id)))} \
            == {"testclient"}


def test_a_ciphertext_copied_to_another_row_does_not_open(client: TestClient, engine: Engine) -> None:
    from eth_account import Account

    slug = _skill_slug(client)
    users = []
    for n in range(2):
        tokens = login(client, Account.create())["tokens"]
        users.append(_user_id(client, tokens["access_token"]))
        assert client.put(f"/v1/me/profile/skills/{slug}", json={"level": 2, "evidence_url": f"{EVIDENCE}/{n}"},
                          headers=bearer(tokens["access_token"])).status_code == 204
    with engine.begin() as conn:  # an attacker with write access moves user 0's evidence to user 1
        conn.execute(text("UPDATE user_skills SET evidence_url = (SELECT evidence_url FROM user_skills "
                          "WHERE user_id = :a) WHERE user_id = :b"), {"a": users[0], "b": users[1]})
    with Session(engine) as db, pytest.raises(DecryptionError, match=f"user_skills.evidence_url of row {users[1]}"):
        db.scalars(select(UserSkill).where(UserSkill.user_id == uuid.UUID(users[1]))).all()
    # The same for the JSON column: another attestation's details do not open under this UID.
    a, b = _attestation({"text": "a"}), _attestation({"text": "b"})
    a_uid, b_uid = a.uid, b.uid
    with Session(engine) as db:
        db.add_all([a, b])
        db.commit()
    with engine.begin() as conn:
        conn.execute(text("UPDATE offchain_attestations SET details = (SELECT details FROM offchain_attestations "
                          "WHERE uid = :a) WHERE uid = :b"), {"a": a_uid, "b": b_uid})
    with Session(engine) as db, pytest.raises(DecryptionError, match="does not authenticate"):
        db.get(OffchainAttestation, b_uid)
    # The session's database is shared: the poisoned rows go, or public lists would fail on them.
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM offchain_attestations WHERE uid IN (:a, :b)"), {"a": a_uid, "b": b_uid})
        conn.execute(text("DELETE FROM user_skills WHERE user_id = :b"), {"b": users[1]})


def test_wrong_or_missing_key_is_a_clear_error(client: TestClient, signed_in: dict[str, Any], engine: Engine,
                                              database_url: str) -> None:
    user_id = uuid.UUID(_user_id(client, signed_in["access_token"]))
    query = select(AuditEvent).where(AuditEvent.actor_user_id == user_id)
    bare = make_engine(database_url)
    try:
        with Session(bare) as db, pytest.raises(DecryptionError, match="no data key ring.*DATA_ENCRYPTION_KEYS"):
            db.scalars(query).all()
        other = attach_key_ring(make_engine(database_url), KeyRing({"d9": secrets.token_bytes(32)}, "d9",
                                                                   name="DATA_ENCRYPTION_KEYS"))
        with Session(other) as db, pytest.raises(DecryptionError, match="key id 'd1'.*DATA_ENCRYPTION_KEYS does not hold"):
            db.scalars(query).all()
        same_id_wrong_key = attach_key_ring(make_engine(database_url), KeyRing({"d1": secrets.token_bytes(32)}, "d1"))
        with Session(same_id_wrong_key) as db, pytest.raises(DecryptionError, match="does not authenticate"):
            db.scalars(query).all()
        # Writing needs the key ring too: nothing is ever stored in clear by an engine without one.
        with Session(bare) as db, pytest.raises(DecryptionError, match="no data key ring"):
            db.add(AuditEvent(actor="anonymous", action="auth.login", result="failure", ip="192.0.2.1"))
            db.commit()
    finally:
        bare.dispose()


def test_data_key_ring_settings(settings_factory: Any) -> None:
    from indexer.core.errors import ConfigError

    good = base64.b64encode(secrets.token_bytes(32)).decode()
    settings: ApiSettings = settings_factory(data_encryption_keys=f'{{"a": "{good}", "b": "{good}"}}',
                                             data_active_kid=None)
    assert data_key_ring(settings).active_kid == "b"  # default: the last key id
    with pytest.raises(ConfigError, match="DATA_ACTIVE_KID names no key"):
        settings_factory(data_encryption_keys=f'{{"a": "{good}"}}', data_active_kid="zz")
    with pytest.raises(ConfigError, match=r"DATA_ENCRYPTION_KEYS\['a'\] must decode to 32 bytes"):
        settings_factory(data_encryption_keys='{"a": "bm9wZQ=="}', data_active_kid="a")
    with pytest.raises(ConfigError, match="key id 'a:b'"):
        settings_factory(data_encryption_keys=f'{{"a:b": "{good}"}}', data_active_kid="a:b")
    assert "bm9wZQ" not in repr(settings) and good not in repr(settings)


def test_bulk_orm_updates_of_other_columns_keep_the_loaded_plaintext(engine: Engine) -> None:
    """A bulk UPDATE through the session (the on-chain jobs' status updates) refreshes loaded rows without
    a query context: the encrypted columns stay as loaded (this once raised AttributeError: a 500)."""
    from sqlalchemy import update

    row = _attestation({"text": REVIEW})
    uid = row.uid
    with Session(engine) as db:
        db.add(row)
        db.commit()
        loaded = db.get(OffchainAttestation, uid)
        assert loaded is not None and loaded.details == {"text": REVIEW}
        db.execute(update(OffchainAttestation).where(OffchainAttestation.uid == uid).values(onchain_status="requested"))
        assert loaded.onchain_status == "requested" and loaded.details == {"text": REVIEW}
        db.commit()
    with Session(engine) as db:
        again = db.get(OffchainAttestation, uid)
        assert again is not None and again.details == {"text": REVIEW} and again.onchain_status == "requested"
