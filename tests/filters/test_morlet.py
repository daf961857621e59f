"""Morlet and Gaussian filters sampled in the Fourier domain, against closed-form properties."""

import math

import numpy as np
import pytest

from scatterwave.filters.morlet import fold, gauss_f, morlet_f, positive_gauss, positive_morlet

CASES = [
    (1024, 0.45, 0.03),
    (1024, 0.01, 0.004),
    (4096, 0.4, 0.16),
    (256, 0.002, 0.004),
    (2048, 0.1, 0.05),
]


@pytest.mark.parametrize(("N", "xi", "sigma"), CASES)
def test_sparse_morlet_equals_dense(N, xi, sigma):
    lo, values = positive_morlet(N, xi, sigma)
    dense = np.zeros(N)
    dense[lo : lo + len(values)] = values
    # Both evaluate the same periodised Gaussians; differences are round-off of ~10 terms.
    np.testing.assert_allclose(dense, morlet_f(N, xi, sigma), rtol=0, atol=1e-13)


@pytest.mark.parametrize(("N", "xi", "sigma"), CASES)
def test_morlet_zero_mean_and_analytic(N, xi, sigma):
    psi = morlet_f(N, xi, sigma)
    assert psi[0] == 0.0
    assert np.all(psi[N // 2 + 1 :] == 0.0)
    # Zero mean in time: the time-domain samples sum to psi_f[0] = 0.
    assert abs(np.fft.ifft(psi).sum()) < 1e-12


def test_non_analytic_morlet_has_exact_zero_mean():
    psi = morlet_f(512, 0.05, 0.04, analytic=False)
    assert abs(psi[0]) < 1e-15
    assert np.abs(psi[257:]).max() > 1e-6  # the negative-frequency tail is kept


@pytest.mark.parametrize(("xi", "sigma"), [(0.4, 0.02), (0.2, 0.01), (0.05, 0.003), (0.01, 0.0007)])
def test_morlet_peak_within_one_percent_of_xi(xi, sigma):
    N = 2**16
    psi = morlet_f(N, xi, sigma)
    peak = np.argmax(psi) / N
    assert abs(peak - xi) / xi < 0.01


@pytest.mark.parametrize("sigma", [0.001, 0.01, 0.1])
def test_gaussian_lowpass_unit_dc_even_nonnegative(sigma):
    N = 1024
    phi = gauss_f(N, sigma)
    assert phi[0] == pytest.approx(1.0)
    np.testing.assert_allclose(phi[1:], phi[1:][::-1], atol=1e-15)
    assert phi.min() >= 0.0
    lo, v = positive_gauss(N, 0.0, sigma)
    np.testing.assert_allclose(v / v[0], phi[lo : lo + len(v)], atol=1e-13)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_fold_is_fourier_subsampling(rng, k):
    # Folding the spectrum into 2**k blocks and averaging is exactly x[::2**k] in time.
    x = rng.standard_normal(256)
    folded = fold(np.fft.fft(x), k) / 2**k
    np.testing.assert_allclose(folded, np.fft.fft(x[:: 2**k]), atol=1e-12)


def test_gaussian_time_decay_matches_closed_form():
    from scatterwave.filters.support import gaussian_half_support, half_support

    sigma = 0.002
    measured = half_support(gauss_f(2**14, sigma), 1e-3)
    closed = gaussian_half_support(sigma, 1e-3)
    # The periodised, sampled Gaussian decays like the continuous one to within one sample.
    assert abs(measured - closed) <= 1.0 + 1e-9 * closed
    assert math.isfinite(closed)


def test_dc_notch_equals_its_closed_form_everywhere():
    # The far bins are set to 1.0 without evaluating expm1: it must round to exactly that.
    from scatterwave.filters.morlet import NOTCH_WIDTH, dc_notch

    sigma = 0.01
    f = np.linspace(0.0, 0.5, 200001)
    expected = -np.expm1(-0.5 * (f / (NOTCH_WIDTH * sigma)) ** 2)
    np.testing.assert_array_equal(dc_notch(f, sigma), expected)
