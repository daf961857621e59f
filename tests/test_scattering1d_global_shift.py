"""Scattering1D's global mean: its definition, its weights and its shift behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from scatterwave import Scattering1D


def relative_change(S: Scattering1D, x: np.ndarray, shift: int) -> float:
    a, b = S(x), S(np.roll(x, shift))
    return float(np.linalg.norm(a - b) / np.linalg.norm(a))


@pytest.mark.parametrize(("N", "J"), [(1000, 5), (2048, 8)])
@pytest.mark.parametrize("pad_mode", ["zero", "reflect"])
def test_global_mean_is_the_mean_of_the_local_averages_at_stride_one(N, J, pad_mode):
    """The definition (core/global_mean.py): ``sqrt(N)`` times the mean over the ``N``
    positions of the local averages at ``T = 2**J`` and stride 1. With the same rows
    (``oversampling=J`` on both sides) it is that mean to float64 round-off (measured 2e-16
    to 6e-16 of the largest coefficient); at the rows' own rates (the default) within 1e-3
    (measured 3.7e-4 to 5.8e-4, 2026-12-06): what the envelopes' sampling changes."""
    x = np.random.default_rng(1).standard_normal((2, N))
    local = Scattering1D(N, J, Q=8, pad_mode=pad_mode, oversampling=J)(x)
    reference = np.sqrt(N) * local.mean(axis=-1)
    scale = np.abs(reference).max()
    fine = Scattering1D(N, J, Q=8, average="global", pad_mode=pad_mode, oversampling=J)
    np.testing.assert_allclose(fine(x)[..., 0], reference, rtol=0, atol=1e-13 * scale)
    default = Scattering1D(N, J, Q=8, average="global", pad_mode=pad_mode)
    np.testing.assert_allclose(default(x)[..., 0], reference, rtol=0, atol=1e-3 * scale)


@pytest.mark.parametrize("pad_mode", ["zero", "reflect"])
def test_global_mean_weights_are_symmetric(pad_mode):
    """An impulse counts as much at sample ``t`` as at ``N - 1 - t`` (the earlier quadrature,
    the mean of the stride-``2**J`` samples, counted the first sample 0.625 and the last 0.375,
    and with reflect padding weighted the signal by a ramp from 1.2 to 0.8). With reflect
    padding every sample but the two ends (0.5: the mirror axis is not repeated) counts within
    1 % of one: the mean over the data."""
    N, J = 2048, 8
    positions = [0, 1, 10, 300, N // 3, N // 2]
    X = np.eye(N)[positions + [N - 1 - t for t in positions]]
    S = Scattering1D(N, J, Q=8, average="global", pad_mode=pad_mode, max_order=1)
    w = S(X)[:, 0, 0] * np.sqrt(N)  # S0: the weight of each impulse's sample
    np.testing.assert_allclose(w[: len(positions)], w[len(positions) :], rtol=1e-12)
    if pad_mode == "reflect":
        np.testing.assert_allclose(w[1 : len(positions)], 1.0, atol=0.01)


def test_circular_boundary_global_mean_is_invariant_to_circular_shifts():
    """N=2048, J=8, ``max_pad_factor=0``: shifts by multiples of 2**J change nothing (float64
    round-off), other shifts by the rows' sampling, below 1e-3 (measured 2.0e-4 and 2.4e-4
    for 1 and 100 samples on this windowed noise). With zero padding the weights taper over
    the half-width of ``phi_J`` (407 samples at ``T = 256``) from each end: a 100-sample shift
    changes the output by 1.5e-2 (2026-12-06), about 60 times the circular figure."""
    rng = np.random.default_rng(0)
    N = 2048
    window = np.zeros(N)
    window[600:1000] = np.hanning(400)
    x = window * rng.standard_normal(N)
    circular = Scattering1D(N, 8, Q=(8, 1), average="global", pad_mode="zero", max_pad_factor=0)
    for shift in (256, 512):
        assert relative_change(circular, x, shift) < 1e-12
    for shift in (1, 100):
        assert relative_change(circular, x, shift) < 1e-3
    padded = Scattering1D(N, 8, Q=(8, 1), average="global", pad_mode="zero")
    assert relative_change(padded, x, 100) > 10 * relative_change(circular, x, 100)


def test_shift_change_falls_with_the_signal_to_scale_ratio():
    """Shift invariance of the global mean needs ``N >> 2**J``: on windowed noise (a quarter of
    the signal) shifted by ``N / 8 + 3`` samples, the relative change is below 2e-3 at
    ``N / 2**J = 64`` for both paddings (measured 5.6e-4 to 8.5e-4) and up to 2.8e-2 at
    ``N / 2**J = 8`` (2026-12-06)."""
    N = 4096
    window = np.zeros(N)
    window[N // 4 : N // 2] = np.hanning(N // 4)
    x = window * np.random.default_rng(0).standard_normal(N)
    for pad_mode in ("zero", "reflect"):
        S = Scattering1D(N, 6, Q=8, average="global", pad_mode=pad_mode)
        assert relative_change(S, x, N // 8 + 3) < 2e-3
