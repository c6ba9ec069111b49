"""Re-encryption of TOTP seeds under the active TOTP key (``lancer keys reencrypt``, via ``api.rekey``)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update

from api.identity.crypto import KeyRing
from api.identity.mfa import _aad
from api.identity.models import TotpSecret
from api.kit.encrypted import Counts

COLUMN = "user_totp.secret_ciphertext"


def pending(connection: Any, ring: KeyRing) -> int:
    return int(connection.scalar(select(func.count()).select_from(TotpSecret)
                                 .where(TotpSecret.key_id != ring.active_kid)) or 0)


def reencrypt_batch(connection: Any, ring: KeyRing, after: uuid.UUID | None, batch: int,
                    counts: Counts) -> uuid.UUID | None:
    """Up to ``batch`` seeds not under the active key, after user id ``after``; returns the last user id
    seen, or None when done. Idempotent: a seed under the active key is never touched."""
    query = (select(TotpSecret.user_id, TotpSecret.key_id, TotpSecret.secret_ciphertext)
             .where(TotpSecret.key_id != ring.active_kid).order_by(TotpSecret.user_id).limit(batch))
    if after is not None:
        query = query.where(TotpSecret.user_id > after)
    rows = connection.execute(query).all()
    for user_id, kid, blob in rows:
        seed = ring.decrypt(kid, blob, _aad(user_id))
        new_kid, new_blob = ring.encrypt(seed, _aad(user_id))
        done = connection.execute(update(TotpSecret).where(TotpSecret.user_id == user_id, TotpSecret.key_id == kid,
                                                           TotpSecret.secret_ciphertext == blob)
                                  .values(key_id=new_kid, secret_ciphertext=new_blob))
        if done.rowcount:
            counts.reencrypted += 1
        else:
            counts.skipped += 1
    return rows[-1][0] if len(rows) == batch else None
