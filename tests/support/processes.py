"""Real Lancer processes (`lancer api`, `lancer worker`) started with a test's settings in the environment."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from pydantic_core import to_jsonable_python

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def settings_env(settings: Any, **extra: str) -> dict[str, str]:
    """The process environment that makes ``get_settings()`` equal ``settings`` (plus ``extra``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "SENTRY_"))}
    for name, value in settings:
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        value = to_jsonable_python(value)
        env[name.upper()] = value if isinstance(value, str) else json.dumps(value)
    env.update(PYTHONPATH=str(REPO), PYTHONWARNINGS="ignore", **extra)
    return env


def lancer(args: list[str], env: dict[str, str], **kwargs: Any) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "scripts.cli", *args], cwd=REPO, env=env, text=True, **kwargs)
