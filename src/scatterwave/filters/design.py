"""Where the wavelets sit: centre frequencies, bandwidths and subsampling exponents.

The frequency axis is tiled by Morlet wavelets that are constant-Q (bandwidth proportional to
centre frequency) from the top down to an elbow, and linearly spaced with a fixed bandwidth below
it, down to the low-pass ``phi_J``; see :func:`wavelet_specs`. Neighbouring wavelets cross at
``r_psi`` times their peak amplitude everywhere, including the transition between the two regimes
and between the lowest wavelet and the low-pass (the construction of Andén and Mallat, 2014;
bandwidth formula from Lostanlen, 2017, PhD thesis, §2.2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Bandwidth of the low-pass filter of averaging scale ``T`` is ``SIGMA0 / T`` (cycles/sample).
SIGMA0 = 0.1


@dataclass(frozen=True)
class WaveletSpecs:
    """Centre frequencies and bandwidths of one filterbank, highest frequency first.

    Attributes
    ----------
    xi : ndarray, shape (n_filters,)
        Centre frequencies, cycles per sample, strictly decreasing.
    sigma : ndarray, shape (n_filters,)
        Gaussian standard deviations in frequency, cycles per sample.
    is_cqt : ndarray of bool, shape (n_filters,)
        True for constant-Q filters, False for the linearly spaced low-frequency ones.
    """

    xi: np.ndarray
    sigma: np.ndarray
    is_cqt: np.ndarray

    def __len__(self) -> int:
        return len(self.xi)


def crossing_factor(r_psi: float) -> float:
    """``sqrt(2 ln(1/r))``: Gaussians this many (summed) sigmas apart cross at ``r``."""
    return math.sqrt(2.0 * math.log(1.0 / r_psi))


def cq_sigma(xi: np.ndarray | float, Q: int, r_psi: float) -> np.ndarray | float:
    """Bandwidth of constant-Q wavelets, ``Q`` per octave, crossing neighbours at ``r_psi``."""
    ratio = 2.0 ** (-1.0 / Q)
    return xi * (1.0 - ratio) / (1.0 + ratio) / crossing_factor(r_psi)


def highest_xi(Q: int) -> float:
    """Centre frequency of the top wavelet, ``max(1 / (1 + 2**(1/Q)), 0.4)``.

    With this choice the top wavelet's upper crossing point sits at Nyquist for ``Q >= 2``
    (the value used by WaveSpin; Kymatio uses ``2**(3/Q)``, which leaves the top band uncovered).
    """
    return max(1.0 / (1.0 + 2.0 ** (1.0 / Q)), 0.4)


def wavelet_specs(J: int, Q: int, r_psi: float, xi_min: float) -> WaveletSpecs:
    """Centre frequencies and bandwidths of the wavelets for scale ``2**J`` and ``Q`` per octave.

    Parameters
    ----------
    J : int >= 0
        The lowest wavelets have bandwidth ``sigma_min = SIGMA0 / 2**J``, the bandwidth of the
        low-pass ``phi_J`` that completes the tiling.
    Q : int >= 1
        Wavelets per octave in the constant-Q region.
    r_psi : float in (0, 1)
        Amplitude (relative to the peaks) at which neighbouring wavelets cross.
    xi_min : float >= 0
        No wavelet is centred below this frequency (one bin of the padded length).

    Returns
    -------
    WaveletSpecs
    """
    d = crossing_factor(r_psi)
    sigma_min = SIGMA0 / 2**J
    # The lowest wavelet crosses phi_J (sigma_min, centred at 0) at r_psi.
    xi_low = max(2.0 * d * sigma_min, xi_min)
    xis: list[float] = []
    sigmas: list[float] = []
    xi = highest_xi(Q)
    sigma = float(cq_sigma(xi, Q, r_psi))
    while sigma >= sigma_min and xi >= xi_low:
        xis.append(xi)
        sigmas.append(sigma)
        xi *= 2.0 ** (-1.0 / Q)
        sigma *= 2.0 ** (-1.0 / Q)
    n_cqt = len(xis)
    xi_elbow = xis[-1] if xis else min(highest_xi(Q), 0.5 - d * sigma_min)
    if not xis and xi_elbow >= xi_low:
        xis.append(xi_elbow)
        sigmas.append(sigma_min)
    # Linear region: equal bandwidth sigma_min, spacing as close as possible to 2 d sigma_min.
    n_linear = round((xi_elbow - xi_low) / (2.0 * d * sigma_min))
    for k in range(1, n_linear + 1):
        xis.append(xi_elbow - k * (xi_elbow - xi_low) / n_linear)
        sigmas.append(sigma_min)
    is_cqt = np.zeros(len(xis), dtype=bool)
    is_cqt[:n_cqt] = True
    return WaveletSpecs(np.asarray(xis), np.asarray(sigmas), is_cqt)


def band_edge_factor(criterion_amplitude: float) -> float:
    """``sqrt(2 ln(1/criterion))``: sigmas from its peak where a Gaussian reaches the criterion."""
    return math.sqrt(2.0 * math.log(1.0 / criterion_amplitude))


def subsampling_exponents(sigma: np.ndarray, criterion_amplitude: float) -> np.ndarray:
    """Largest ``j`` such that the modulus ``|x * psi|`` can be sampled every ``2**j`` samples.

    The analytic signal ``x * psi`` occupies ``xi +/- beta sigma`` (``beta`` from
    :func:`band_edge_factor`), so its envelope ``|x * psi|`` occupies ``|f| < 2 beta sigma``;
    sampling that real envelope without aliasing needs ``2 beta sigma <= 0.5 / 2**j``. The modulus
    itself is computed exactly at the coarse rate, because subsampling a band-pass signal only
    shifts its band and ``|.|`` ignores the shift.
    """
    beta = band_edge_factor(criterion_amplitude)
    j = np.floor(-np.log2(4.0 * beta * np.asarray(sigma)))
    return np.maximum(j, 0).astype(int)
