"""How many examples the property tests over the whole API draw.

The defaults keep `make test` inside its time bound on a loaded 2-core machine (the whole-schema items
were 40% of the suite's time at two to three times these numbers); ``FUZZ_SCALE`` multiplies them, and
`make fuzz-api` runs the same tests with FUZZ_SCALE=5 for a deeper search.
"""

from __future__ import annotations

import os

SCALE = float(os.environ.get("FUZZ_SCALE", "1"))


def examples(default: int) -> int:
    """``default`` examples per operation, scaled by FUZZ_SCALE (at least one)."""
    return max(1, round(default * SCALE))
