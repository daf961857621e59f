"""How many examples the property tests draw.

Each hypothesis test states the count that keeps ``make test`` within its time budget;
``SCATTERWAVE_FUZZ=k`` (a positive integer, default 1) multiplies every count by ``k`` for a
longer search of the configuration space (``make fuzz`` runs the property tests with k = 100).
"""

from __future__ import annotations

import os

VARIABLE = "SCATTERWAVE_FUZZ"


def fuzz_factor(environ: dict[str, str] | os._Environ[str] = os.environ) -> int:
    """The factor set by ``SCATTERWAVE_FUZZ`` (1 when unset)."""
    raw = environ.get(VARIABLE, "1")
    try:
        factor = int(raw)
    except ValueError:
        factor = 0
    if factor < 1:
        raise ValueError(
            f"{VARIABLE} must be a positive integer (the multiple of each property test's "
            f"example count); got {raw!r}. Unset it for the default counts."
        )
    return factor


def examples(n: int) -> int:
    """``n`` examples, times the fuzz factor."""
    return n * fuzz_factor()
