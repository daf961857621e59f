"""Filterbank design: tiling, Littlewood-Paley bounds, decay, subsampling without aliasing."""

import math

import numpy as np
import pytest

from scatterwave.filters.bank import build_time_filterbank
from scatterwave.filters.design import SIGMA0, subsampling_exponents, wavelet_specs
from scatterwave.filters.support import half_support

R = math.sqrt(0.5)

#: Lower Littlewood-Paley bound between the lowest and the highest centre frequency, per Q
#: (measured on this design and guaranteed by these tests; the upper bound is exactly 1).
LP_LOWER = {1: 0.73, 2: 0.81, 8: 0.87, 16: 0.87}
#: Between the low-pass phi_J and the lowest wavelet (the DC notch of the lowest Morlets lowers
#: their low-frequency side; measured 0.730-0.750 over Q in {1, 2, 8, 16}, J in {4, 8}).
LP_LOWER_BELOW = 0.72


def bank(N=2**13, J=8, Q=(8, 1), T=None, max_pad_factor=2):
    return build_time_filterbank(
        N,
        J,
        Q,
        2**J if T is None else T,
        r_psi=(R, R),
        criterion_amplitude=1e-3,
        max_pad_factor=max_pad_factor,
    )


@pytest.mark.parametrize("Q", [1, 2, 8, 16])
@pytest.mark.parametrize("J", [4, 8])
def test_littlewood_paley_bounds(Q, J):
    fb = bank(J=J, Q=(Q, Q))
    for name, psi in (("psi1", fb.psi1), ("psi2", fb.psi2)):
        lp = fb.lp_sum[name]
        # Non-expansive by construction: A(f) <= 1 everywhere (round-off margin only).
        assert lp.max() <= 1.0 + 1e-12
        band = slice(int(np.ceil(psi.xi[-1] * fb.N_pad)), int(psi.xi[0] * fb.N_pad) + 1)
        assert lp[band].min() >= LP_LOWER[Q], (name, lp[band].min())
        # Below the lowest wavelet the low-pass phi_J takes over: no hole down to DC.
        assert lp[: band.start].min() >= LP_LOWER_BELOW


@pytest.mark.parametrize(("N", "Q"), [(1024, 8), (1000, 1), (4096, 16)])
def test_lp_sum_is_the_frame_sum_of_the_dense_filters_nyquist_included(N, Q):
    """``filterbank()["lp_sum"]`` equals ``A(f)`` computed from the dense filters at every
    bin (toolkit.compute_lp_sum, the frame identity of the filters module docstring). At the
    Nyquist bin, its own mirror, the wavelets' power counts once in full: the sum reported
    half of it (0.22 against 0.44 for N=1024, Q=8)."""
    from scatterwave import Scattering1D
    from scatterwave.toolkit import compute_lp_sum

    fb = Scattering1D(N, J=6, Q=(Q, 1)).filterbank()
    half = fb["N_pad"] // 2 + 1
    for name in ("psi1", "psi2"):
        dense = np.asarray(compute_lp_sum(fb[f"{name}_f"], fb["phi_f"]))[:half]
        np.testing.assert_allclose(fb["lp_sum"][name], dense, rtol=0, atol=1e-12)
        assert fb["lp_sum"][name].max() <= 1.0 + 1e-12


@pytest.mark.parametrize("Q", [(8, 1), (16, 2)])
def test_second_order_scale_of_its_own(Q):
    """``J=(J1, J2)``: the first-order wavelets are those of ``J1``, the second-order ones
    those of ``J2`` (same centre frequencies and bandwidths), and ``{phi_J2, psi2}`` keeps
    the Littlewood-Paley bounds of a single-``J`` bank."""
    fb = build_time_filterbank(
        2**13, (8, 5), Q, 256, r_psi=(R, R), criterion_amplitude=1e-3, max_pad_factor=2
    )
    assert (fb.J, fb.J2) == (8, 5)
    for mine, theirs in ((fb.psi1, bank(J=8, Q=Q).psi1), (fb.psi2, bank(J=5, Q=Q, T=256).psi2)):
        np.testing.assert_allclose(mine.xi, theirs.xi, rtol=1e-12)
        np.testing.assert_allclose(mine.sigma, theirs.sigma, rtol=1e-12)
    assert fb.psi2.sigma.min() >= SIGMA0 / 2**5 - 1e-15 > SIGMA0 / 2**8
    lp = fb.lp_sum["psi2"]
    assert lp.max() <= 1.0 + 1e-12
    band = slice(int(np.ceil(fb.psi2.xi[-1] * fb.N_pad)), int(fb.psi2.xi[0] * fb.N_pad) + 1)
    assert lp[band].min() >= LP_LOWER[Q[1]]
    assert lp[: band.start].min() >= LP_LOWER_BELOW


@pytest.mark.parametrize("Q", [1, 8, 16])
def test_tiling_order_and_bandwidths(Q):
    specs = wavelet_specs(8, Q, R, xi_min=0.0)
    assert np.all(np.diff(specs.xi) < 0)
    assert np.all(specs.sigma >= SIGMA0 / 2**8 - 1e-15)
    # Constant-Q region: bandwidth proportional to centre frequency.
    cq = specs.is_cqt
    ratio = specs.sigma[cq] / specs.xi[cq]
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-12)
    # Linear region: equal bandwidths and (nearly) equal spacing.
    if (~cq).sum() > 2:
        np.testing.assert_allclose(np.diff(specs.xi[~cq]), np.diff(specs.xi[~cq])[0], rtol=1e-9)


@pytest.mark.parametrize("Q", [1, 8])
def test_wavelets_zero_mean_analytic_and_peaked_at_xi(Q):
    fb = bank(Q=(Q, 1))
    dense = fb.psi1.filters.dense()
    assert np.all(dense[:, 0] == 0)
    assert np.all(dense[:, fb.N_pad // 2 + 1 :] == 0)
    peaks = np.argmax(dense, axis=1) / fb.N_pad
    cq = fb.psi1.is_cqt
    # Within 1% of xi, or within one DFT bin when 1% of xi is finer than the grid.
    tolerance = np.maximum(0.01 * fb.psi1.xi[cq], 1.0 / fb.N_pad)
    assert np.all(np.abs(peaks[cq] - fb.psi1.xi[cq]) <= tolerance)


def test_padding_lets_the_widest_filter_decay():
    N, J = 2**12, 6
    fb = bank(N=N, J=J, max_pad_factor=None)
    pad = (fb.N_pad - N) // 2
    for h_f in (fb.psi1.filters.dense()[-1], fb.psi2.filters.dense()[-1], fb.phi_f):
        h = np.abs(np.fft.ifft(h_f))
        t = np.arange(fb.N_pad)
        dist = np.minimum(t, fb.N_pad - t)
        # Beyond the padding on either side, the filter is below the criterion amplitude.
        assert h[dist >= pad].max() <= 1e-3 * h.max()
        assert half_support(h_f, 1e-3) <= pad


def test_max_pad_factor_caps_padding():
    fb = bank(N=2**10, J=10, Q=(8, 1), max_pad_factor=1)
    assert fb.N_pad == 2**11
    fb0 = bank(N=2**10, J=6, Q=(8, 1), max_pad_factor=0)
    assert fb0.N_pad == 2**10


@pytest.mark.parametrize(("N", "J"), [(4096, 6), (8192, 8), (1000, 5), (2**16, 8)])
def test_padded_length_is_fft_friendly_and_divisible(N, J):
    fb = bank(N=N, J=J)
    m = fb.N_pad // 2 ** (J + 1)
    assert fb.N_pad % 2 ** (J + 1) == 0
    for p in (2, 3, 5):
        while m % p == 0:
            m //= p
    assert m == 1  # 5-smooth: fast FFTs at every subsampling level
    assert fb.N_pad >= N + 2 * fb.half_support or fb.N_pad == 2 ** (math.ceil(math.log2(N)) + 2)


@pytest.mark.parametrize("Q", [1, 8, 16])
def test_no_aliasing_at_chosen_subsampling(Q):
    """The analytic band fits in the folded spectrum and the envelope below its Nyquist."""
    fb = bank(Q=(Q, 1))
    N_pad = fb.N_pad
    # The wavelets are applied to bins [0, N_pad / 2) (the Nyquist bin is not analysed).
    dense = fb.psi1.filters.dense()[:, : N_pad // 2]
    f = np.arange(N_pad // 2) / N_pad
    for psi, xi, j in zip(dense, fb.psi1.xi, fb.psi1.j):
        if j == 0:
            continue  # not subsampled: nothing can alias
        half_band = 0.25 / 2**j
        outside = np.abs(f - xi) > half_band
        assert np.abs(psi[outside]).max(initial=0.0) <= 1e-3 * np.abs(psi).max()


def test_envelope_is_sampled_without_aliasing(rng):
    """Energy of |x * psi| above the Nyquist frequency of its 2**j sampling is negligible."""
    fb = bank(N=2**13, J=8, Q=(8, 1))
    N_pad = fb.N_pad
    x = rng.standard_normal(N_pad)
    X = np.fft.fft(x)
    dense = fb.psi1.filters.dense()
    f = np.abs(np.fft.fftfreq(N_pad))
    worst = 0.0
    for psi, j in zip(dense, fb.psi1.j):
        U = np.abs(np.fft.ifft(X * psi))
        P = np.abs(np.fft.fft(U - U.mean())) ** 2
        worst = max(worst, P[f > 0.5 / 2**j].sum() / P.sum())
    # The envelope spectrum is modelled as |f| < 2 beta sigma; its modulus tail leaks a little.
    assert worst < 2e-3


def test_subsampling_exponents_are_monotone():
    specs = wavelet_specs(10, 8, R, xi_min=0.0)
    j = subsampling_exponents(specs.sigma, 1e-3)
    assert np.all(np.diff(j) >= 0)
    assert j[-1] == 9  # the lowest wavelets (sigma = 0.1 / 2**J) are sampled every 2**(J-1)
