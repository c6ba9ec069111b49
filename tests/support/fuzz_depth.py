"""How many examples the property tests over the whole API draw.

The defaults are what `make test` runs; ``FUZZ_SCALE`` multiplies them, and `make fuzz-api` runs the same
tests with FUZZ_SCALE=5 for a deeper search than the suite's time bound allows.
"""

from __future__ import annotations

import os

SCALE = float(os.environ.get("FUZZ_SCALE", "1"))


def examples(default: int) -> int:
    """``default`` examples per operation, scaled by FUZZ_SCALE (at least one)."""
    return max(1, round(default * SCALE))
