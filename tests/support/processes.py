"""Real Lancer processes (`lancer api`, `lancer worker`) started with a test's settings in the environment."""

from __future__ import annotations

import json
import os
import signal
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


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (Linux /proc), whatever session or process group it moved to."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def kill_tree(pid: int) -> None:
    """SIGKILL ``pid`` and everything below it, as a machine's crash would (killpg misses children that
    called setsid(), such as rq's work horse)."""
    for member in [pid, *descendants(pid)]:
        try:
            os.kill(member, signal.SIGKILL)
        except ProcessLookupError:
            pass
