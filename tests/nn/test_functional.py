import numpy as np
import pytest
import torch

from scatterwave.nn.bspline import blur_half_width
from scatterwave.nn.functional import (
    FFT_BLUR_MIN_TAPS,
    bspline_conv1d,
    group_conv1d,
    lifting_conv1d,
    scale_window_linear,
)

from ._reference import reference_correlation

METHODS = ["direct", "two-step", "fft", "auto"]
# float64 round-off of sums of a few hundred terms, plus FFT round-off (~1e-16 * log n)
ROUND_OFF = 1e-12


def _rel(a, b):
    return float(np.abs(a - b).max() / np.abs(b).max())


@pytest.mark.parametrize("padding", ["same", "circular"])
@pytest.mark.parametrize("length", [5, 37, 160])
def test_every_method_equals_sampled_kernel_definition(padding, length):
    # scales 32 and 64 use the FFT blur in the two-step path; length 5 drops kernel taps
    assert 2 * blur_half_width(32) + 1 > FFT_BLUR_MIN_TAPS
    rng = np.random.default_rng(length)
    x = rng.standard_normal((2, 3, length))
    w = rng.standard_normal((4, 3, 5))
    for s in (1, 2, 3, 4, 8, 32, 64):
        ref = reference_correlation(x, w, s, circular=padding == "circular")
        for method in METHODS:
            got = bspline_conv1d(
                torch.from_numpy(x), torch.from_numpy(w), s, padding=padding, method=method
            ).numpy()
            assert got.shape == ref.shape
            assert _rel(got, ref) < ROUND_OFF, (s, method)


@pytest.mark.parametrize("method", METHODS)
def test_methods_agree_in_float32_and_backward(method):
    torch.manual_seed(0)
    x = torch.randn(1, 2, 300)
    w = torch.randn(3, 2, 7, requires_grad=True)
    ref = bspline_conv1d(x.double(), w.detach().double(), 16, method="direct")
    got = bspline_conv1d(x, w, 16, method=method)
    # float32 round-off over ~150-tap sums and FFTs of length ~600
    torch.testing.assert_close(got.double(), ref, rtol=1e-4, atol=1e-4 * ref.abs().max().item())
    got.sum().backward()
    assert w.grad is not None and torch.isfinite(w.grad).all() and w.grad.abs().sum() > 0


@pytest.mark.parametrize("method", ["two-step", "fft"])
def test_polynomial_reproduction(method):
    # Y[1] = S0, Y[t] = t S0 + s S1, Y[t²] = t² S0 + 2ts S1 + s²(S2 + S0/4) in the interior
    rng = np.random.default_rng(3)
    k = 9
    w = torch.from_numpy(rng.standard_normal((1, 1, k)))
    c = np.arange(k) - k // 2
    s0, s1, s2 = (float((w[0, 0].numpy() * c**m).sum()) for m in range(3))
    length = 700
    t = np.arange(length, dtype=np.float64)
    for s in (1, 2, 4, 8, 16):
        reach = s * (k // 2) + 2 * s
        inner = slice(reach, length - reach)
        for f, expected in [
            (np.ones_like(t), np.full_like(t, s0)),
            (t, t * s0 + s * s1),
            (t**2, t**2 * s0 + 2 * t * s * s1 + s**2 * (s2 + s0 / 4)),
        ]:
            y = bspline_conv1d(torch.from_numpy(f)[None, None], w, s, method=method)[0, 0]
            assert _rel(y.numpy()[inner], expected[inner]) < ROUND_OFF, (s, method)


def test_lifting_stacks_scales_and_adds_bias():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 1, 64))
    w = rng.standard_normal((3, 1, 5))
    bias = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    y = lifting_conv1d(torch.from_numpy(x), torch.from_numpy(w), (1, 2, 4), bias=bias)
    assert y.shape == (2, 3, 3, 64)
    for j, s in enumerate((1, 2, 4)):
        ref = reference_correlation(x, w, s, circular=False) + bias.numpy()[None, :, None]
        assert _rel(y[:, :, j].numpy(), ref) < ROUND_OFF


@pytest.mark.parametrize("crop", [True, False])
def test_group_conv_matches_definition(crop):
    rng = np.random.default_rng(5)
    b, c_in, n_in, length, c_out, n_h, k = 2, 2, 4, 50, 3, 3, 5
    x = rng.standard_normal((b, c_in, n_in, length))
    w = rng.standard_normal((c_out, c_in, n_h, k))
    y = group_conv1d(torch.from_numpy(x), torch.from_numpy(w), crop=crop).numpy()
    n_out = n_in - n_h + 1 if crop else n_in
    assert y.shape == (b, c_out, n_out, length)
    for i in range(n_out):
        ref = sum(
            reference_correlation(x[:, :, i + j], w[:, :, j], 2**i, circular=False)
            for j in range(min(n_h, n_in - i))
        )
        assert _rel(y[:, :, i], ref) < ROUND_OFF, i


def test_group_conv_base_three():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((1, 1, 3, 40))
    w = rng.standard_normal((1, 1, 2, 3))
    y = group_conv1d(torch.from_numpy(x), torch.from_numpy(w), base=3, crop=True).numpy()
    for i in range(2):
        ref = sum(
            reference_correlation(x[:, :, i + j], w[:, :, j], 3**i, circular=False)
            for j in range(2)
        )
        assert _rel(y[:, :, i], ref) < ROUND_OFF


def test_group_conv_errors():
    with pytest.raises(ValueError, match="needs at least 3 input scales"):
        group_conv1d(torch.zeros(1, 1, 2, 8), torch.zeros(1, 1, 3, 3))
    with pytest.raises(ValueError, match="same C_in"):
        group_conv1d(torch.zeros(1, 2, 3, 8), torch.zeros(1, 1, 3, 3))
    with pytest.raises(ValueError, match="padding must be one of"):
        bspline_conv1d(torch.zeros(1, 1, 8), torch.zeros(1, 1, 3), 1, padding="reflect")
    with pytest.raises(ValueError, match="method must be one of"):
        bspline_conv1d(torch.zeros(1, 1, 8), torch.zeros(1, 1, 3), 1, method="winograd")


@pytest.mark.parametrize("crop", [True, False])
def test_scale_window_linear(crop):
    torch.manual_seed(7)
    x = torch.randn(2, 4, 5, dtype=torch.float64)
    w = torch.randn(3, 4, 2, dtype=torch.float64)
    y = scale_window_linear(x, w, crop=crop)
    padded = torch.cat([x, torch.zeros(2, 4, 1, dtype=torch.float64)], dim=2)
    n_out = 4 if crop else 5
    ref = torch.stack(
        [torch.einsum("ocj,bcj->bo", w, padded[:, :, i : i + 2]) for i in range(n_out)], dim=2
    )
    torch.testing.assert_close(y, ref, rtol=1e-14, atol=1e-14)  # same sums, reordered
    # pointwise in time: a 4-D input is mapped sample by sample
    x4 = x[..., None].expand(2, 4, 5, 3)
    torch.testing.assert_close(
        scale_window_linear(x4, w, crop=crop), ref[..., None].expand(-1, -1, -1, 3)
    )


@pytest.mark.parametrize("method", ["two-step", "fft"])
@pytest.mark.parametrize("padding", ["same", "circular"])
def test_bfloat16_inputs_use_float32_ffts(method, padding):
    torch.manual_seed(8)
    x = torch.randn(1, 2, 200)
    w = torch.randn(3, 2, 5)
    ref = bspline_conv1d(x.double(), w.double(), 32, padding=padding, method="direct")
    got = bspline_conv1d(x.bfloat16(), w.bfloat16(), 32, padding=padding, method=method)
    assert got.dtype == torch.bfloat16
    # bfloat16 keeps 8 significant bits: 2^-8 relative rounding of inputs and outputs
    assert _rel(got.double().numpy(), ref.numpy()) < 0.05
