import numpy as np
import pytest
import torch

from scatterwave.nn.bspline import (
    blur_half_width,
    blur_taps,
    bspline2,
    kernel_half_width,
    sampled_basis,
    sampled_kernel,
)

from ._reference import b2


def test_bspline2_values_and_properties():
    x = np.linspace(-2, 2, 4001)
    np.testing.assert_allclose(bspline2(x), b2(x), atol=0)
    assert bspline2(np.array([0.0, 0.5, 1.0, 1.5])).tolist() == [0.75, 0.5, 0.125, 0.0]
    # partition of unity of the integer translates, at arbitrary points
    t = np.random.default_rng(0).uniform(-3, 3, 100)
    total = sum(bspline2(t - k) for k in range(-6, 7))
    np.testing.assert_allclose(total, 1.0, rtol=1e-15)  # float64 round-off


@pytest.mark.parametrize("s", [1, 2, 3, 4, 8, 16, 256])
def test_blur_taps_sum_to_scale(s):
    taps = blur_taps(s)
    assert taps.shape == (2 * blur_half_width(s) + 1,)
    assert taps[0] > 0 and taps[-1] > 0  # no zero taps at the ends
    assert abs(taps.sum() - s) <= 1e-12 * s  # exact up to round-off
    np.testing.assert_array_equal(taps, taps[::-1])


def test_tap_counts_match_paper():
    # 3, 5, 11, 23, 47, … taps (3s - 1 for s >= 2): Romero et al. reference code
    assert [2 * blur_half_width(2**j) + 1 for j in range(9)] == [
        3,
        5,
        11,
        23,
        47,
        95,
        191,
        383,
        767,
    ]
    assert kernel_half_width(79, 1) == 40
    assert kernel_half_width(79, 256) == 256 * 39 + 383


def test_sampled_kernel_matches_formula_and_dc():
    rng = np.random.default_rng(1)
    w = rng.standard_normal((2, 3, 7))
    for s in (1, 2, 4, 8):
        psi = sampled_kernel(torch.from_numpy(w), s).numpy()
        half = kernel_half_width(7, s)
        u = np.arange(-half, half + 1)
        expected = sum(w[..., k, None] * b2(u / s - (k - 3)) for k in range(7)) / s
        np.testing.assert_allclose(psi, expected, rtol=0, atol=1e-14)  # round-off
        # DC gain equals sum_k w_k at every integer scale
        np.testing.assert_allclose(psi.sum(-1), w.sum(-1), rtol=1e-13)
    assert sampled_basis(5, 2).shape == (5, 2 * kernel_half_width(5, 2) + 1)


def test_sampled_kernel_is_differentiable():
    w = torch.randn(2, 5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda v: sampled_kernel(v, 4), (w,))


@pytest.mark.parametrize("k", [0, 2, -1, 4.0])
def test_even_or_invalid_kernel_size_rejected(k):
    with pytest.raises(ValueError, match="odd"):
        sampled_basis(k, 1)


@pytest.mark.parametrize("s", [0, 1.5, -2])
def test_invalid_scale_rejected(s):
    with pytest.raises(ValueError, match="positive integer"):
        blur_taps(s)
