"""Run a candidate's Python function on hidden inputs in a locked-down child process.

The child (``sandbox_runner``) gets CPU-time and address-space rlimits, a fresh network namespace,
an audit hook that ends it on any socket, subprocess, ctypes or file-write attempt, and (as root)
drops to ``nobody``. The parent adds a wall-clock limit, caps what it reads back, and compares the
outputs with the expected values, which never leave the parent.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RUNNER = Path(__file__).with_name("sandbox_runner.py")
MAX_OUTPUT = 256 * 1024
# Exit codes set by the runner (sandbox_runner.py).
EXIT_OUTCOMES = {97: "network", 96: "forbidden", 98: "memory", 95: "error"}


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 2
    memory_bytes: int = 256 * 1024 * 1024
    wall_seconds: float = 5.0


@dataclass(frozen=True)
class Case:
    args: list[Any]
    expected: Any


@dataclass(frozen=True)
class Result:
    outcome: str  # passed | failed | timeout | memory | network | forbidden | error
    passed_cases: int
    total_cases: int
    isolation: str | None = None

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"


def run(source: str, function: str, cases: list[Case], limits: Limits) -> Result:
    spec = {"cpu_seconds": limits.cpu_seconds, "memory_bytes": limits.memory_bytes, "function": function,
            "inputs": [c.args for c in cases]}
    total = len(cases)
    # -I: no PYTHONPATH, no user site, no current directory on sys.path; a bare environment.
    proc = subprocess.Popen([sys.executable, "-I", str(RUNNER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                            cwd="/", start_new_session=True)
    try:
        out, _ = proc.communicate(json.dumps(spec).encode() + b"\n" + source.encode(), timeout=limits.wall_seconds)
    except subprocess.TimeoutExpired:
        _kill(proc)
        return Result("timeout", 0, total)
    code = proc.returncode
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        return Result("timeout", 0, total)
    if code in EXIT_OUTCOMES:
        return Result(EXIT_OUTCOMES[code], 0, total)
    if code != 0 or len(out) > MAX_OUTPUT:
        return Result("error", 0, total)
    try:
        report = json.loads(out.decode().strip().splitlines()[-1])
        outputs = report["outputs"]
    except (ValueError, IndexError, KeyError, TypeError):
        return Result("error", 0, total)
    good = sum(1 for c, o in zip(cases, outputs, strict=False) if isinstance(o, dict) and "ok" in o
               and _same(o["ok"], c.expected))
    return Result("passed" if good == total and len(outputs) == total else "failed", good, total,
                  str(report.get("isolation")))


def _same(got: Any, expected: Any) -> bool:
    # JSON round trip on both sides: tuples and lists compare equal, as they would in a test.
    return bool(json.loads(json.dumps(got, default=repr)) == json.loads(json.dumps(expected)))


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate()
