"""Rewrite contracts/artifacts from contracts/src: `python scripts/compile.py`."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from contracts.build import CompileError, write_artifacts  # noqa: E402


def main() -> int:
    try:
        written = write_artifacts()
    except CompileError as exc:
        print(f"compilation failed:\n{exc}", file=sys.stderr)
        return 1
    for name, path in sorted(written.items()):
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
