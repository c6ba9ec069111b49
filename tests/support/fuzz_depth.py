"""How many examples the property tests over the whole API draw.

The defaults are what `make test` runs; ``FUZZ_SCALE`` multiplies them, and `make fuzz-api` runs the same
tests with FUZZ_SCALE=5 for a deeper search than the suite's time bound allows.
"""

from __future__ import annotations

import os

import pytest

# The per-test timeout of a whole-schema item: one test item runs every operation (~190) as subtests,
# minutes on a loaded 2-core machine, more than the suite's 300 s (which is there for hangs).
WHOLE_SCHEMA_TIMEOUT = pytest.mark.timeout(1200)

SCALE = float(os.environ.get("FUZZ_SCALE", "1"))


def examples(default: int) -> int:
    """``default`` examples per operation, scaled by FUZZ_SCALE (at least one)."""
    return max(1, round(default * SCALE))
