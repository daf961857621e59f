"""The time filterbank of Scattering1D: wavelets of both orders, low-pass, padded length."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scatterwave.filters.design import (
    SIGMA0,
    subsampling_exponents,
    wavelet_specs,
)
from scatterwave.filters.littlewood_paley import energy_gains, littlewood_paley
from scatterwave.filters.morlet import fold, gauss_f, positive_gauss, positive_morlet
from scatterwave.filters.sparse import BandFilters, sample_morlets
from scatterwave.filters.support import gaussian_half_support, half_support, smooth_padded_length


@dataclass(frozen=True)
class Wavelets:
    """One order's wavelets: the filters on their bands plus per-filter metadata.

    Attributes
    ----------
    filters : BandFilters
        Energy-normalised analytic Morlets sampled at the padded length, real float64
        (``filterbank()`` returns them dense and float64; see :mod:`scatterwave.filters.morlet`).
    xi, sigma : ndarray of float, shape (n,)
        Centre frequency and bandwidth (std), cycles per sample.
    j : ndarray of int, shape (n,)
        Subsampling exponent: ``|x * psi_n|`` is computed every ``2**j`` samples.
    is_cqt : ndarray of bool, shape (n,)
    support : ndarray of int, shape (n,)
        Time support (twice the half-width to the criterion amplitude), samples.
    bandwidth : ndarray of float, shape (n,)
        Full width at half power, cycles per sample.
    gain : ndarray of float, shape (n,)
        Littlewood-Paley normalisation gain applied to the unit-peak Morlet.
    """

    filters: BandFilters
    xi: np.ndarray
    sigma: np.ndarray
    j: np.ndarray
    is_cqt: np.ndarray
    support: np.ndarray
    bandwidth: np.ndarray
    gain: np.ndarray

    def __len__(self) -> int:
        return len(self.xi)

    def meta(self) -> dict[str, np.ndarray]:
        """Per-filter metadata as a dict of arrays."""
        return {
            "xi": self.xi,
            "sigma": self.sigma,
            "j": self.j,
            "is_cqt": self.is_cqt,
            "support": self.support,
            "bandwidth": self.bandwidth,
            "gain": self.gain,
        }


def make_wavelets(
    N_pad: int, J: int, Q: int, *, r_psi: float, criterion_amplitude: float
) -> Wavelets:
    """Design, sample and energy-normalise one order's analytic Morlet wavelets.

    Parameters
    ----------
    N_pad : int
        Length the filters are sampled at (the padded signal length).
    J : int
        Maximum log2 scale; the lowest wavelets have bandwidth ``SIGMA0 / 2**J``.
    Q : int
        Wavelets per octave.
    r_psi : float
        Crossing amplitude of neighbouring wavelets.
    criterion_amplitude : float
        Amplitude defining supports and band edges.
    """
    specs = wavelet_specs(J, Q, r_psi, xi_min=1.0 / N_pad)
    raw = sample_morlets(N_pad, specs.xi, specs.sigma)
    phi_J = low_pass_positive(N_pad, SIGMA0 / 2**J)
    gains = energy_gains(raw, phi_J, r_psi=r_psi)
    support = 2 * np.ceil(gaussian_half_support(specs.sigma, criterion_amplitude)).astype(int)
    return Wavelets(
        filters=raw.scale(gains),
        xi=specs.xi,
        sigma=specs.sigma,
        j=subsampling_exponents(specs.sigma, criterion_amplitude),
        is_cqt=specs.is_cqt,
        support=support,
        bandwidth=2.0 * np.sqrt(np.log(2.0)) * specs.sigma,
        gain=gains,
    )


def low_pass_positive(N: int, sigma: float) -> np.ndarray:
    """Unit-DC-gain Gaussian low-pass on bins ``[0, N // 2]``, shape (N // 2 + 1,)."""
    lo, v = positive_gauss(N, 0.0, sigma)
    out = np.zeros(N // 2 + 1)
    out[lo : lo + len(v)] = v
    return out / out[0]


@dataclass(frozen=True)
class TimeFilterbank:
    """Everything Scattering1D needs from filter design, for one input length.

    Attributes
    ----------
    N, N_pad : int
        Input length and padded length (a 5-smooth multiple of ``2**(max(J, log2 T) + 1)``).
    J : int
        Maximum log2 scale of the first-order wavelets (``J1``); sets ``phi_J``.
    J2 : int
        Maximum log2 scale of the second-order wavelets, ``J2 <= J``.
    Q : tuple of int
        ``(Q1, Q2)``.
    T : int or None
        Averaging scale; None for global or no averaging.
    psi1, psi2 : Wavelets
        First- and second-order wavelets.
    phi_f : ndarray, shape (N_pad,) or None
        Low-pass of scale ``T`` (unit DC gain), None when ``T`` is None.
    lp_sum : dict of str to ndarray
        Littlewood-Paley sums ``A(f)`` of ``{phi_J, psi1}`` and ``{phi_J2, psi2}`` on
        bins ``[0, N_pad // 2]`` (see :mod:`scatterwave.filters.littlewood_paley`).
    half_support : int
        Measured half-width of the widest filter, samples (sets the padding).
    """

    N: int
    N_pad: int
    J: int
    J2: int
    Q: tuple[int, int]
    T: int | None
    psi1: Wavelets
    psi2: Wavelets
    phi_f: np.ndarray | None
    lp_sum: dict[str, np.ndarray]
    half_support: int

    @property
    def log2_T(self) -> int | None:
        """``floor(log2 T)``, the log2 of the averaging stride."""
        return None if self.T is None else math.floor(math.log2(self.T))

    def phi_level(self, k: int, n_bins: int) -> np.ndarray:
        """Low-pass for a signal subsampled by ``2**k``, on bins ``[0, n_bins)``."""
        if self.phi_f is None:
            raise ValueError("this filterbank has no low-pass (global or no averaging)")
        return fold(self.phi_f, k)[:n_bins]


def build_time_filterbank(
    N: int,
    J: int | tuple[int, int],
    Q: tuple[int, int],
    T: int | None,
    *,
    r_psi: tuple[float, float],
    criterion_amplitude: float,
    max_pad_factor: int | None,
    proportional_cap: bool = False,
) -> TimeFilterbank:
    """Build the filterbank for inputs of length ``N``; see :class:`TimeFilterbank`.

    The padded length follows from the measured time decay of the widest filters (lowest
    first- and second-order wavelets and the low-pass), capped by ``max_pad_factor``
    (``proportional_cap``: see :func:`scatterwave.filters.support.smooth_padded_length`).
    ``J`` is an int or ``(J1, J2)``, ``J2 <= J1``: the second-order wavelets then stop at
    scale ``2**J2`` (their bank is the one of ``J = J2``).
    """
    J, J2 = J if isinstance(J, tuple) else (J, J)
    sigma_min = SIGMA0 / 2**J
    closed = gaussian_half_support(
        sigma_min if T is None else min(sigma_min, SIGMA0 / T), criterion_amplitude
    )
    # Analytic Morlets decay more slowly than their Gaussian envelope (the lowest ones are cut
    # at DC, the highest at Nyquist): measure the actual extreme filters at a generous length.
    trial = 2 ** math.ceil(math.log2(16 * closed + 2))
    if max_pad_factor is not None:
        trial = min(trial, 2 ** (math.ceil(math.log2(N)) + max_pad_factor + 1))
    trial = max(trial, 2 ** math.ceil(math.log2(N)))
    extremes = set()  # (xi, sigma); the lowest wavelets of both orders usually coincide
    for j, q, r in zip((J, J2), Q, r_psi):
        specs = wavelet_specs(j, q, r, xi_min=1.0 / trial)
        extremes |= {(float(specs.xi[i]), float(specs.sigma[i])) for i in (0, -1)}
    halves = []
    for xi, sigma in sorted(extremes):
        lo, v = positive_morlet(trial, xi, sigma)
        dense = np.zeros(trial)
        dense[lo : lo + len(v)] = v
        halves.append(half_support(dense, criterion_amplitude))
    if T is not None:  # a sampled Gaussian: its measured half-width is the closed form's floor
        halves.append(math.floor(gaussian_half_support(SIGMA0 / T, criterion_amplitude)))
    half = max(halves)
    # Every subsampling level up to max(J, log2 T) + 1 must divide the padded length.
    log2_T = 0 if T is None else math.floor(math.log2(T))
    N_pad = smooth_padded_length(
        N, half, max_pad_factor, 2 ** (max(J, log2_T) + 1), proportional_cap=proportional_cap
    )
    psi1 = make_wavelets(N_pad, J, Q[0], r_psi=r_psi[0], criterion_amplitude=criterion_amplitude)
    psi2 = make_wavelets(N_pad, J2, Q[1], r_psi=r_psi[1], criterion_amplitude=criterion_amplitude)
    phi_J = low_pass_positive(N_pad, sigma_min)
    lp = {
        "psi1": littlewood_paley(psi1.filters, phi_J),
        "psi2": littlewood_paley(
            psi2.filters, phi_J if J2 == J else low_pass_positive(N_pad, SIGMA0 / 2**J2)
        ),
    }
    phi_f = None if T is None else gauss_f(N_pad, SIGMA0 / T)
    return TimeFilterbank(
        N=N,
        N_pad=N_pad,
        J=J,
        J2=J2,
        Q=Q,
        T=T,
        psi1=psi1,
        psi2=psi2,
        phi_f=phi_f,
        lp_sum=lp,
        half_support=half,
    )
