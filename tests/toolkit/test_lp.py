"""Tests of scatterwave.toolkit.compute_lp_sum."""

from __future__ import annotations

import numpy as np
import pytest

from scatterwave.toolkit import compute_lp_sum


def test_lp_sum_tight_frame(xb):
    # Ideal analytic "brick-wall" bands tiling (0, 0.5) with amplitude sqrt(2) plus a DC low-pass:
    # LP for real inputs is exactly 1 everywhere except the Nyquist bin.
    N = 64
    f = np.fft.fftfreq(N)
    edges = [1, 4, 8, 16, 32]
    psi = np.zeros((4, N))
    for i in range(4):
        psi[i, (f * N >= edges[i]) & (f * N < edges[i + 1])] = np.sqrt(2)
    phi = np.zeros(N)
    phi[0] = 1.0
    lp = np.asarray(compute_lp_sum(xb(psi), xb(phi)))
    np.testing.assert_allclose(lp[: N // 2], 1.0, rtol=0, atol=1e-15)
    assert lp.shape == (N,)
    # symmetric for real inputs
    np.testing.assert_allclose(lp[1:], lp[1:][::-1], atol=1e-15)
    lp_c = np.asarray(compute_lp_sum(xb(psi), xb(phi), for_real_inputs=False))
    np.testing.assert_allclose(lp_c[1 : N // 2], 2.0, atol=1e-15)
    assert np.all(lp_c[N // 2 + 1 :] == 0)


def test_lp_sum_single_filter_and_errors():
    psi = np.exp(-(np.linspace(-3, 3, 16) ** 2)) + 0j
    assert np.asarray(compute_lp_sum(psi, for_real_inputs=False)).shape == (16,)
    with pytest.raises(ValueError, match="phi_f must have shape"):
        compute_lp_sum(psi[None], np.ones(8))
    with pytest.raises(ValueError, match="psi_f must have shape"):
        compute_lp_sum(np.ones((2, 2, 8)))
