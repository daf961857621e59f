"""Argument checks shared by the transforms; every message says what was given, what was
expected and how to fix it."""

from __future__ import annotations

import math
from typing import Any


def check_int(
    name: str, value: Any, *, minimum: int | None = None, allow_none: bool = False
) -> None:
    """Raise TypeError/ValueError unless ``value`` is an int (not bool) ``>= minimum``."""
    if value is None and allow_none:
        return
    if isinstance(value, bool) or (not isinstance(value, (int,)) and not _is_integral(value)):
        raise TypeError(f"{name} must be an integer, got {value!r} of type {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")


def _is_integral(value: Any) -> bool:
    try:
        import numpy as np

        return isinstance(value, np.integer)
    except ImportError:  # pragma: no cover - numpy is a core dependency
        return False


def check_choice(name: str, value: Any, choices: tuple) -> None:
    """Raise ValueError unless ``value`` is one of ``choices``."""
    if isinstance(value, str) or isinstance(value, bool) or value is None:
        if value in choices:
            return
    raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")


def parse_pair(name: str, value: Any, *, default_second: Any, kind: type) -> tuple:
    """Parse ``value`` or ``(first, second)`` into a 2-tuple (``value`` -> ``(value, default)``)."""
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            value = (value[0], default_second)
        if len(value) != 2:
            raise ValueError(f"{name} must be a number or a pair (order 1, order 2); got {value!r}")
        return tuple(value)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise TypeError(f"{name} must be a {kind.__name__} or a pair of them; got {value!r}")
    return (value, default_second)


def check_r_psi(r_psi: tuple) -> tuple[float, float]:
    """Each r in (0, 1)."""
    out = []
    for r in r_psi:
        if not isinstance(r, (int, float)) or isinstance(r, bool) or not 0.0 < r < 1.0:
            raise ValueError(f"r_psi values must be floats in (0, 1) (e.g. 0.7071); got {r!r}")
        out.append(float(r))
    return out[0], out[1]


def log2_int(value: int) -> int:
    """``floor(log2 value)``."""
    return math.floor(math.log2(value))


def check_scales(N: Any, J: Any, Q: Any, T: Any) -> tuple[int, int]:
    """Validate the core hyper-parameters shared by the transforms; return ``(Q1, Q2)``."""
    check_int("N", N, minimum=2, allow_none=True)
    if J is None:
        raise TypeError("J (the maximum log2 scale) is required, e.g. J=8")
    check_int("J", J, minimum=1)
    Q = parse_pair("Q", Q, default_second=1, kind=int)
    for q in Q:
        check_int("Q", q, minimum=1)
    check_int("T", T, minimum=1, allow_none=True)
    return Q


def check_bool(name: str, value: Any) -> None:
    """Raise TypeError unless ``value`` is exactly True or False (not 1, not ``np.True_``)."""
    if value is not True and value is not False:
        raise TypeError(
            f"{name} must be True or False; got {value!r} of type {type(value).__name__}"
        )


def check_budget(memory_budget_mb: Any) -> None:
    """``memory_budget_mb``: None (device-aware default) or a positive number of MiB."""
    if memory_budget_mb is None:
        return
    if isinstance(memory_budget_mb, bool) or not isinstance(memory_budget_mb, (int, float)):
        raise TypeError(
            f"memory_budget_mb must be a number of MiB or None (device-aware default); "
            f"got {memory_budget_mb!r}"
        )
    if not memory_budget_mb > 0 or not math.isfinite(memory_budget_mb):
        raise ValueError(
            f"memory_budget_mb must be > 0 and finite, or None; got {memory_budget_mb!r}"
        )
