"""Littlewood-Paley normalisation: make ``{phi_J, psi_n}`` a near-tight, non-expansive frame.

For a real signal ``x`` and strictly analytic wavelets ``psi_n``::

    ||x * phi||^2 + sum_n ||x * psi_n||^2 = (1/N) sum_f |x_f(f)|^2 A(f),
    A(f) = |phi_f(f)|^2 + 1/2 sum_n (|psi_f_n(f)|^2 + |psi_f_n(-f)|^2)   (0 < f < N/2),
    A(N/2) = |phi_f(N/2)|^2 + sum_n |psi_f_n(N/2)|^2   (the Nyquist bin is its own mirror),

so the frame bounds are the extrema of ``A`` (the Littlewood-Paley sum). We rescale each wavelet
by a gain ``g_n`` so that ``A`` touches 1 from below on the main lobe of every wavelet (a few
Gauss-Seidel passes, each wavelet fitted with its neighbours fixed), then apply one global factor
that guarantees ``max_f A(f) <= 1`` exactly: the transform never amplifies energy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scatterwave.filters.sparse import BandFilters


def littlewood_paley(psi: BandFilters, phi_positive: np.ndarray) -> np.ndarray:
    """``A(f)`` on bins ``[0, N // 2]`` for analytic ``psi`` and a real even low-pass ``phi``.

    Parameters
    ----------
    psi : BandFilters
        Strictly analytic wavelets (Nyquist bin already scaled by ``1 / sqrt(2)``).
    phi_positive : ndarray, shape (N // 2 + 1,)
        Low-pass on the positive bins.

    Returns
    -------
    ndarray, shape (N // 2 + 1,)
    """
    return phi_positive**2 + _wavelet_part(psi.power(), psi.N)


def _wavelet_part_of_band(power: np.ndarray, lo: int, N: int) -> np.ndarray:
    """:func:`_wavelet_part` of one wavelet's power on its bins ``lo, lo + 1, ...``."""
    part = 0.5 * power
    nyquist = N // 2 - lo
    if N % 2 == 0 and 0 <= nyquist < len(power):
        part[nyquist] = power[nyquist]
    return part


def _wavelet_part(power: np.ndarray, N: int) -> np.ndarray:
    """``1/2 sum_n (|psi_n(f)|^2 + |psi_n(-f)|^2)`` from the analytic power on ``[0, N // 2]``.

    Every bin but DC and Nyquist has a mirror that an analytic wavelet does not pass (half
    the energy of ``x`` there); the Nyquist bin of an even ``N`` is its own mirror, counted
    once in ``||x||^2``, so its power counts in full (the design's ``1 / sqrt(2)`` on that bin
    makes it half the Morlet's there).
    """
    return _wavelet_part_of_band(power, 0, N)


def energy_gains(
    psi: BandFilters, phi_positive: np.ndarray, *, r_psi: float, n_passes: int = 4
) -> np.ndarray:
    """Gains ``g_n`` that flatten ``A(f)`` to at most 1; see the module docstring.

    Parameters
    ----------
    psi : BandFilters
        Unnormalised analytic wavelets, highest frequency first.
    phi_positive : ndarray, shape (N // 2 + 1,)
        The low-pass ``phi_J`` completing the frame (unit DC gain).
    r_psi : float
        Crossing amplitude of neighbours; a wavelet's main lobe is where
        ``|psi_n| >= r_psi * max |psi_n|``.
    n_passes : int
        Gauss-Seidel passes.

    Returns
    -------
    ndarray, shape (n_filters,)
    """
    n = len(psi)
    gains = np.ones(n)
    power = [v**2 for v in psi.values]
    # each wavelet's share of A(f), its bins from lo on (the Nyquist bin in full)
    share = [_wavelet_part_of_band(p, lo, psi.N) for p, lo in zip(power, psi.lo)]
    total = littlewood_paley(psi, phi_positive)
    # (bins of the lobe in the band, the same in the spectrum, 2 / power there)
    lobes: list[tuple[Any, Any, np.ndarray]] = []
    for lo, v, p in zip(psi.lo, psi.values, power):
        a = np.abs(v)
        inside = np.flatnonzero(a >= r_psi * a.max())
        if inside[-1] - inside[0] + 1 == len(inside):  # one contiguous run: slice, not gather
            run = slice(int(inside[0]), int(inside[-1]) + 1)
            lobes.append((run, slice(lo + run.start, lo + run.stop), 2.0 / p[run]))
        else:
            lobes.append((inside, lo + inside, 2.0 / p[inside]))
    for _ in range(n_passes):
        for i in range(n):
            own, lobe, inv_power = lobes[i]
            g2_old = gains[i] ** 2
            # the room the others leave under 1 on this wavelet's lobe, over its half-power
            others = total[lobe] - g2_old * share[i][own]
            g2 = max(float(np.min((1.0 - np.minimum(others, 1.0)) * inv_power)), 0.0)
            gains[i] = np.sqrt(g2)
            band = slice(psi.lo[i], psi.lo[i] + len(power[i]))
            total[band] += (g2 - g2_old) * share[i]
    # Exact guarantee max A <= 1: one global factor on the wavelet part.
    wave = _wavelet_part(BandFilters(psi.N, psi.lo, psi.values).scale(gains).power(), psi.N)
    mask = wave > 0
    room = 1.0 - phi_positive[mask] ** 2
    worst = np.max(wave[mask] / np.maximum(room, 1e-300)) if mask.any() else 1.0
    if worst > 1.0:
        gains /= np.sqrt(worst)
    return gains
