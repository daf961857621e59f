"""Frequential filters of joint time-frequency scattering (NumPy, float64).

Joint time-frequency scattering filters the scalogram along its frequency axis, the
first-order wavelet index ``n1`` (row 0 is the highest frequency). The frequential input is
complex (the second-order band-pass ``U1 * psi2`` stacked over ``n1``), so both orientations
are needed: the *up* wavelets are the strictly analytic Morlets of the time filterbank's recipe
(:func:`scatterwave.filters.design.wavelet_specs` with ``J_fr``, ``Q_fr``) sampled on the padded
frequency axis, and the *down* wavelets are their mirror images ``psi_dn(f) = psi_up(-f)``.

Normalisation: the frame ``{phi_F, psi_up, psi_dn}`` acting on complex sequences has
Littlewood-Paley sum ``A(f) = |phi_F(f)|^2 + sum |psi_up(f)|^2 + sum |psi_dn(f)|^2`` over the
whole circle; the wavelets are rescaled (same Gauss-Seidel fit as in time,
:func:`scatterwave.filters.littlewood_paley.energy_gains`) so that ``A <= 1`` exactly and ``A`` is
close to 1 on the wavelets' main lobes: frequential scattering never amplifies energy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scatterwave.filters.design import SIGMA0, subsampling_exponents, wavelet_specs
from scatterwave.filters.littlewood_paley import energy_gains
from scatterwave.filters.morlet import gauss_f
from scatterwave.filters.sparse import BandFilters, sample_morlets
from scatterwave.filters.support import gaussian_half_support, padded_length


@dataclass(frozen=True)
class FrequentialFilterbank:
    """Frequential wavelets and low-pass for one number of first-order rows.

    Attributes
    ----------
    N1 : int
        Number of first-order rows (length of the frequency axis before padding).
    L : int
        Padded length of the frequency axis (a power of two).
    J_fr, Q_fr : int
        Maximum log2 scale and wavelets per octave along frequency.
    F : int or None
        Width of the frequential low-pass in rows; None for a global mean.
    psi_up, psi_dn : ndarray, shape (n_fr, L)
        Spin-up (analytic) and spin-down (mirrored) wavelets on ``np.fft.fftfreq(L)``, real
        float64 (stored complex for PyTorch and TensorFlow, see :mod:`scatterwave.filters.morlet`).
    phi : ndarray, shape (L,) or None
        Gaussian low-pass of width ``F`` (unit DC gain); None when ``F`` is global.
    xi, sigma : ndarray of float, shape (n_fr,)
        Centre frequency and bandwidth of the up wavelets, cycles per row (down: ``-xi``).
    j : ndarray of int, shape (n_fr,)
        Frequential subsampling exponent of each wavelet.
    is_cqt : ndarray of bool, shape (n_fr,)
    support : ndarray of int, shape (n_fr,)
        Support along frequency (twice the half-width to the criterion amplitude), rows.
    gain : ndarray of float, shape (n_fr,)
        Normalisation gains applied to the unit-peak Morlets.
    lp_sum : ndarray, shape (L,)
        Littlewood-Paley sum ``A(f)`` of ``{phi, psi_up, psi_dn}`` on ``np.fft.fftfreq(L)``
        (``phi`` is a unit impulse at DC for a global low-pass).
    """

    N1: int
    L: int
    J_fr: int
    Q_fr: int
    F: int | None
    psi_up: np.ndarray
    psi_dn: np.ndarray
    phi: np.ndarray | None
    xi: np.ndarray
    sigma: np.ndarray
    j: np.ndarray
    is_cqt: np.ndarray
    support: np.ndarray
    gain: np.ndarray
    lp_sum: np.ndarray

    def __len__(self) -> int:
        return len(self.xi)

    @property
    def log2_F(self) -> int | None:
        """``floor(log2 F)``, or None for a global low-pass."""
        return None if self.F is None else math.floor(math.log2(self.F))


def default_J_fr(N1: int) -> int:
    """``min(max(ceil(log2 N1) - 2, 3), ceil(log2 N1))``: about a quarter of the axis."""
    top = math.ceil(math.log2(max(N1, 2)))
    return min(max(top - 2, 3), top)


def frequential_padded_length(
    N1: int,
    J_fr: int,
    F: int | None,
    *,
    criterion_amplitude: float,
    max_pad_factor_fr: int | None,
    two_sided: bool = True,
) -> int:
    """Return the padded length of the frequency axis from the decay of its widest filter.

    The widest filters are the lowest wavelet (bandwidth ``SIGMA0 / 2**J_fr``) and the
    low-pass of width ``F``, of half-width ``h`` rows (closed-form Gaussian half-width to
    ``criterion_amplitude``). The axis is padded to the next power of two at least
    ``N1 + 2 h`` when both ends receive padding (reflections), or ``N1 + h`` for zero padding
    (the circular convolution then only needs ``h`` empty rows between the last row and the
    first), capped at ``2**(ceil(log2 N1) + max_pad_factor_fr)``. With a local low-pass the
    length is at least ``2 * 2**floor(log2 F)`` whatever the cap, so that the low-pass output,
    subsampled by ``2**floor(log2 F)``, has at least two rows (an even length for its inverse
    real FFT); this exceeds the cap only when ``F`` is within a factor 2 of the padded length.
    """
    sigmas = [SIGMA0 / 2**J_fr] + ([] if F is None else [SIGMA0 / F])
    half = max(math.ceil(gaussian_half_support(s, criterion_amplitude)) for s in sigmas)
    L = padded_length(N1, half if two_sided else -(-half // 2), max_pad_factor_fr)
    if F is not None:  # phi_F subsamples by 2**floor(log2 F): keep at least two output rows
        L = max(L, 2 ** (math.floor(math.log2(F)) + 1))
    return L


def build_frequential_filterbank(
    N1: int,
    J_fr: int,
    Q_fr: int,
    F: int | None,
    *,
    r_psi_fr: float,
    criterion_amplitude: float,
    max_pad_factor_fr: int | None,
    two_sided: bool = True,
) -> FrequentialFilterbank:
    """Design, sample and normalise the frequential filters; see :class:`FrequentialFilterbank`.

    Parameters
    ----------
    N1 : int >= 2
        Number of first-order rows.
    J_fr : int >= 1
        The lowest wavelets have bandwidth ``SIGMA0 / 2**J_fr`` (time support about
        ``12 * 2**J_fr`` rows).
    Q_fr : int >= 1
        Wavelets per octave.
    F : int or None
        Low-pass width in rows (None: global mean).
    r_psi_fr : float in (0, 1)
        Crossing amplitude of neighbouring wavelets.
    criterion_amplitude : float
        Amplitude defining supports and band edges.
    max_pad_factor_fr : int or None
        Cap on the padding, see :func:`frequential_padded_length`.
    two_sided : bool
        Padding at both ends of the axis (False for zero padding).

    Raises
    ------
    ValueError
        When the configuration leaves no frequential wavelet.
    """
    L = frequential_padded_length(
        N1,
        J_fr,
        F,
        criterion_amplitude=criterion_amplitude,
        max_pad_factor_fr=max_pad_factor_fr,
        two_sided=two_sided,
    )
    specs = wavelet_specs(J_fr, Q_fr, r_psi_fr, xi_min=1.0 / L)
    if len(specs) == 0:
        raise ValueError(
            f"no frequential wavelet fits J_fr={J_fr}, Q_fr={Q_fr} on a frequency axis of "
            f"{N1} rows padded to {L}: increase J_fr or Q_fr"
        )
    raw = sample_morlets(L, specs.xi, specs.sigma)
    phi = None if F is None else gauss_f(L, SIGMA0 / F)
    # energy_gains makes phi^2 + 1/2 sum g^2 psi^2 <= 1 (real-input convention); for complex
    # input each half-axis sees one spin in full, hence the extra 1/sqrt(2).
    phi_positive = _low_pass_or_impulse(phi, L)[: L // 2 + 1]
    gains = energy_gains(raw, phi_positive, r_psi=r_psi_fr) / math.sqrt(2.0)
    psi_up, psi_dn, lp = _spins(raw.scale(gains), phi)
    support = 2 * np.ceil(gaussian_half_support(specs.sigma, criterion_amplitude)).astype(int)
    return FrequentialFilterbank(
        N1=N1,
        L=L,
        J_fr=J_fr,
        Q_fr=Q_fr,
        F=F,
        psi_up=psi_up,
        psi_dn=psi_dn,
        phi=phi,
        xi=specs.xi,
        sigma=specs.sigma,
        j=subsampling_exponents(specs.sigma, criterion_amplitude),
        is_cqt=specs.is_cqt,
        support=support,
        gain=gains,
        lp_sum=lp,
    )


def _low_pass_or_impulse(phi: np.ndarray | None, L: int) -> np.ndarray:
    """Return ``phi`` on ``np.fft.fftfreq(L)``, or a unit impulse at DC for a global mean."""
    if phi is not None:
        return phi
    impulse = np.zeros(L)
    impulse[0] = 1.0
    return impulse


def _spins(psi: BandFilters, phi: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """Dense spin-up and spin-down wavelets and their Littlewood-Paley sum with ``phi``.

    Returns
    -------
    psi_up, psi_dn : ndarray, shape (n_fr, L)
        ``psi`` on ``np.fft.fftfreq(L)`` and its mirror image ``psi_dn(f) = psi_up(-f)``.
    lp_sum : ndarray, shape (L,)
        ``A(f) = |phi(f)|^2 + sum |psi_up(f)|^2 + sum |psi_dn(f)|^2`` (``phi``: a unit
        impulse at DC for a global mean).
    """
    psi_up = psi.dense()
    psi_dn = np.roll(psi_up[:, ::-1], 1, axis=1)
    phi_full = _low_pass_or_impulse(phi, psi.N)
    lp = phi_full**2 + np.sum(psi_up**2, axis=0) + np.sum(psi_dn**2, axis=0)
    return psi_up, psi_dn, lp


def resample_frequential(ffb: FrequentialFilterbank, L: int) -> FrequentialFilterbank:
    """Sample the same physical filters (centre, bandwidth, gain) on a frequency axis of ``L``.

    Used for second-order wavelets that see fewer first-order rows than ``N1``: their
    frequency axis is shorter, and so is its padded length. Wavelets wider than ``L`` are
    periodised (they are dropped by ``sampling_filters_fr="exclude"``).
    """
    if L == ffb.L:
        return ffb
    raw = sample_morlets(L, ffb.xi, ffb.sigma)
    phi = None if ffb.F is None else gauss_f(L, SIGMA0 / ffb.F)
    psi_up, psi_dn, lp = _spins(raw.scale(ffb.gain), phi)
    return FrequentialFilterbank(
        N1=ffb.N1,
        L=L,
        J_fr=ffb.J_fr,
        Q_fr=ffb.Q_fr,
        F=ffb.F,
        psi_up=psi_up,
        psi_dn=psi_dn,
        phi=phi,
        xi=ffb.xi,
        sigma=ffb.sigma,
        j=ffb.j,
        is_cqt=ffb.is_cqt,
        support=ffb.support,
        gain=ffb.gain,
        lp_sum=lp,
    )
