"""Time support of filters and the padded length it requires."""

from __future__ import annotations

import math
from typing import Any, overload

import numpy as np
import scipy.fft


def half_support(h_f: np.ndarray, criterion_amplitude: float) -> int:
    """Measured half-width of a filter in time, in samples.

    The smallest ``h`` such that ``|h(t)| <= criterion_amplitude * max |h|`` for every ``t``
    (circular distance from 0) beyond ``h``. Returns ``len(h_f) // 2`` when the filter has not
    decayed within the length it is sampled at.

    Parameters
    ----------
    h_f : ndarray, shape (L,)
        Filter in the Fourier domain.
    criterion_amplitude : float in (0, 1)
    """
    L = h_f.shape[-1]
    h = np.abs(scipy.fft.ifft(h_f))  # SciPy's FFT: about 1.7x NumPy's at these lengths
    above = h > criterion_amplitude * h.max()
    t = np.arange(L)
    return int(np.minimum(t, L - t)[above].max())


@overload
def gaussian_half_support(sigma: float, criterion_amplitude: float) -> float: ...
@overload
def gaussian_half_support(sigma: np.ndarray, criterion_amplitude: float) -> np.ndarray: ...
def gaussian_half_support(sigma: Any, criterion_amplitude: float) -> Any:
    """Closed-form half-width of a Gaussian of frequency std ``sigma`` (time std 1/(2 pi sigma)).

    ``sigma`` may be a float or an array of them (the result has its shape).
    """
    return math.sqrt(2.0 * math.log(1.0 / criterion_amplitude)) / (2.0 * math.pi * sigma)


def padded_length(N: int, half_width: int, max_pad_factor: int | None) -> int:
    """Power of two ``>= N + 2 * half_width``, capped at ``2**(ceil(log2 N) + max_pad_factor)``."""
    log2_N = math.ceil(math.log2(N))
    J_pad = math.ceil(math.log2(N + 2 * half_width))
    if max_pad_factor is not None:
        J_pad = min(J_pad, log2_N + max_pad_factor)
    return 2 ** max(J_pad, log2_N)


def smooth_padded_length(
    N: int,
    half_width: int,
    max_pad_factor: int | None,
    multiple: int,
    *,
    proportional_cap: bool = False,
) -> int:
    """Smallest FFT-friendly length ``>= N + 2 * half_width``, a multiple of ``multiple``.

    The length is ``multiple * m`` with ``m`` 5-smooth (only prime factors 2, 3, 5), so every
    level ``length >> k`` (``2**k`` dividing ``multiple``) is a fast FFT size, and padding
    overshoots by at most 25 % instead of up to 100 % for powers of two. It never exceeds the
    cap (when ``max_pad_factor`` is not None) and is at least ``N``. The cap is
    ``2**(ceil(log2 N) + max_pad_factor)``, or with ``proportional_cap`` the smallest such
    FFT-friendly length ``>= N * 2**max_pad_factor``: the same for ``N`` a power of two, and
    without the jump to twice the length just above one (``N = 1100`` is capped at 4608
    instead of 8192 with ``max_pad_factor=2``).

    Parameters
    ----------
    N : int
        Signal length.
    half_width : int
        Samples of padding wanted on each side.
    max_pad_factor : int or None
    multiple : int
        A power of two; the padded length must be divisible by it.
    """
    need = max(N + 2 * half_width, N)
    cap = None
    if max_pad_factor is not None and proportional_cap:
        cap = _smooth_multiple(N * 2**max_pad_factor, multiple)
    elif max_pad_factor is not None:
        cap = 2 ** (math.ceil(math.log2(N)) + max_pad_factor)
    if cap is not None:
        need = min(need, cap)
    length = _smooth_multiple(need, multiple)
    if cap is not None and length > cap:
        length = cap if cap % multiple == 0 else (cap // multiple) * multiple
    return max(length, -(-N // multiple) * multiple)


def _smooth_multiple(need: int, multiple: int) -> int:
    """Smallest ``multiple * m >= need`` with ``m`` 5-smooth."""
    m = -(-need // multiple)
    while not _is_smooth(m):
        m += 1
    return m * multiple


def _is_smooth(m: int) -> bool:
    for p in (2, 3, 5):
        while m % p == 0 and m > 1:
            m //= p
    return m == 1
