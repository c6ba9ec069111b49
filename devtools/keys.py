"""Encryption key rings for `lancer dev`, kept with the local data so they survive a restart.

Without ``DATA_ENCRYPTION_KEYS``/``TOTP_ENCRYPTION_KEYS`` each process would make up its own ephemeral
keys: the worker could not read what the API encrypted, and after a restart nothing encrypted in
``.lancer/`` would open. ``lancer dev`` generates one pair of rings on first run (``<data_dir>/keys.json``,
mode 600) and gives them to every child process. Development only: production sets real keys.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

from dotenv import dotenv_values

RINGS = {"DATA_ENCRYPTION_KEYS": "DATA_ACTIVE_KID", "TOTP_ENCRYPTION_KEYS": "TOTP_ACTIVE_KID"}


def local_key_rings(data_dir: Path, env_file: Path = Path(".env")) -> dict[str, str]:
    """Environment variables to set: the stored dev rings not already configured (environment or .env)."""
    configured = set(os.environ)
    if env_file.is_file():
        configured |= {k for k, v in dotenv_values(env_file).items() if v}
    path = data_dir / "keys.json"
    stored: dict[str, str] = json.loads(path.read_text()) if path.is_file() else {}
    changed = False
    for ring, active in RINGS.items():
        if ring not in stored:
            stored[ring] = json.dumps({"dev1": base64.b64encode(secrets.token_bytes(32)).decode()})
            stored[active] = "dev1"
            changed = True
    if changed:
        data_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(json.dumps(stored, indent=1))
    out: dict[str, str] = {}
    for ring, active in RINGS.items():
        if ring not in configured:
            out[ring], out[active] = stored[ring], stored[active]
    return out
