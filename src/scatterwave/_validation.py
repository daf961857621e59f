"""Argument checks shared by the transforms.

Every message says what was given, what was expected and how to fix it.

Each argument accepts exactly what its docstring documents. A ``bool`` argument takes ``True``
or ``False`` (NumPy's ``np.True_`` / ``np.False_`` are booleans too and are stored as Python
bools); ``0``, ``1``, ``1.0`` or strings are rejected rather than read as truth values, and a
boolean-or-literal argument such as ``average`` compares by identity, never by ``==`` (which
would let ``1 == True``).
"""

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


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` as a Python bool; raise TypeError unless it is a (NumPy) boolean."""
    if isinstance(value, bool) or _is_numpy_bool(value):
        return bool(value)
    raise TypeError(
        f"{name} must be True or False; got {value!r} of type {type(value).__name__}"
        + (f" (use {name}={bool(value)!r})" if isinstance(value, (int, float)) else "")
    )


def check_bool_or_literal(name: str, value: Any, booleans: tuple[bool, ...], literals: tuple):
    """``value`` as a Python bool if it is one of ``booleans``, else one of the ``literals``.

    ``booleans`` lists the accepted truth values (``(True, False)`` or ``(True,)``); literals are
    strings compared exactly. Anything else raises a ValueError (TypeError for wrong types) that
    lists what is accepted: ``1`` is not ``True`` and ``"True"`` is not a literal.
    """
    accepted = ", ".join([*map(repr, booleans), *map(repr, literals)])
    if isinstance(value, bool) or _is_numpy_bool(value):
        if bool(value) in booleans:
            return bool(value)
        raise ValueError(f"{name} must be one of {accepted}; got {value!r}")
    if isinstance(value, str):
        if value in literals:
            return str(value)
        raise ValueError(f"{name} must be one of {accepted}; got {value!r}")
    raise TypeError(
        f"{name} must be one of {accepted}; got {value!r} of type {type(value).__name__}"
    )


def check_real(
    name: str,
    value: Any,
    *,
    low: float,
    high: float | None = None,
    low_open: bool = False,
    hint: str = "",
) -> float:
    """Return ``value`` as a float; it must be a real number (not bool, not str) in range.

    The range is ``[low, high)`` (``(low, high)`` with ``low_open``); ``high=None``: no bound.
    """
    if isinstance(value, bool) or _is_numpy_bool(value) or not _is_real(value):
        raise TypeError(
            f"{name} must be a real number{hint}; got {value!r} of type {type(value).__name__}"
        )
    v = float(value)
    ok = (v > low if low_open else v >= low) and (high is None or v < high) and math.isfinite(v)
    if not ok:
        lo = f"({low}" if low_open else f"[{low}"
        hi = f"{high})" if high is not None else "inf)"
        raise ValueError(f"{name} must be in {lo}, {hi}{hint}; got {value!r}")
    return v


def check_mapping(name: str, value: Any, keys: tuple[str, ...]) -> None:
    """Raise unless ``value`` is None or a dict from keys among ``keys`` to lists of ints."""
    import numpy as np

    if value is None:
        return
    if not isinstance(value, dict):
        raise TypeError(
            f"{name} must be a dict such as {{{keys[0]!r}: [0, -1]}} or None; got {value!r}"
        )
    unknown = set(value) - set(keys)
    if unknown:
        expected = " and/or ".join(map(repr, keys))
        raise ValueError(f"{name} keys must be {expected}; got {sorted(map(str, unknown))}")
    for key, indices in value.items():
        ok = isinstance(indices, list | tuple | range | np.ndarray) and all(
            isinstance(i, int | np.integer) and not isinstance(i, bool | np.bool_) for i in indices
        )
        if not ok:
            raise TypeError(
                f"{name}[{key!r}] must be a list of int indices, e.g. [3] or [0, -1]; "
                f"got {indices!r}"
            )


def _is_numpy_bool(value: Any) -> bool:
    import numpy as np

    return isinstance(value, np.bool_)


def _is_real(value: Any) -> bool:
    import numpy as np

    return isinstance(value, (int, float, np.integer, np.floating))


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
    if not _is_real(value) or isinstance(value, bool):
        article = "an" if kind.__name__[0] in "aeiou" else "a"
        raise TypeError(
            f"{name} must be {article} {kind.__name__} or a pair of them; got {value!r}"
        )
    return (value, default_second)


def check_r_psi(r_psi: Any, count: int) -> tuple[float, ...]:
    """``r_psi``: a float, or up to ``count`` floats (one per wavelet family), each in (0, 1).

    A shorter sequence repeats its last value; returns ``count`` floats.
    """
    values = tuple(r_psi) if isinstance(r_psi, (tuple, list)) else (r_psi,)
    if not 1 <= len(values) <= count:
        raise ValueError(f"r_psi must be a float or up to {count} floats; got {r_psi!r}")
    values = values + (values[-1],) * (count - len(values))
    for r in values:
        if not _is_real(r) or isinstance(r, bool) or not 0.0 < r < 1.0:
            raise ValueError(f"r_psi values must be floats in (0, 1) (e.g. 0.7071); got {r!r}")
    return tuple(float(r) for r in values)


def check_scales(N: Any, J: Any, Q: Any, T: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    """Validate the core hyper-parameters shared by the transforms.

    Returns ``((J1, J2), (Q1, Q2))``: an int ``J`` means ``(J, J)``, an int ``Q`` ``(Q, 1)``.
    """
    check_int("N", N, minimum=2, allow_none=True)
    if J is None:
        raise TypeError("J (the maximum log2 scale) is required, e.g. J=8")
    J1, J2 = parse_pair("J", J, default_second=None, kind=int)
    J2 = J1 if J2 is None else J2
    for j in (J1, J2):
        try:
            check_int("J", j, minimum=1)
        except (TypeError, ValueError) as err:
            if not isinstance(J, (tuple, list)):
                raise
            raise type(err)(f"J must be a pair (J1, J2) of integers >= 1; got {J!r}") from None
    J1, J2 = int(J1), int(J2)
    if J2 > J1:
        raise ValueError(
            f"J={J!r} has a second-order scale J2={J2} above the first-order J1={J1}; J=(J1, "
            f"J2) needs J2 <= J1 (J1 also sets the default T = 2**J1): use J=({J2}, {J1}) or "
            f"J={J2}"
        )
    Q = parse_pair("Q", Q, default_second=1, kind=int)
    for q in Q:
        check_int("Q", q, minimum=1)
    check_int("T", T, minimum=1, allow_none=True)
    return (J1, J2), Q


def check_budget(memory_budget_mb: Any) -> float | None:
    """``memory_budget_mb``: None (device-aware default) or a positive number of MiB."""
    if memory_budget_mb is None:
        return None
    return check_real(
        "memory_budget_mb",
        memory_budget_mb,
        low=0.0,
        low_open=True,
        hint=" (MiB; None for the device-aware default)",
    )


def check_criterion_amplitude(value: Any) -> float:
    """``criterion_amplitude`` of both transforms: a real number in (0, 0.1)."""
    return check_real(
        "criterion_amplitude", value, low=0.0, high=0.1, low_open=True, hint=" (default 1e-3)"
    )
