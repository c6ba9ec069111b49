"""Regenerate contracts/gas-report.json: `python scripts/gas_report.py`."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from contracts.gas import REPORT_PATH, write_report  # noqa: E402


def main() -> int:
    report = write_report()
    for action, row in report["actions"].items():
        print(f"{action:32} {row['gasUsed']:>9}  {row['contract']}.{row['function']}")
    print(f"written to {REPORT_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
