import numpy as np
import pytest
import torch

from scatterwave.nn.functional import bspline_conv1d
from scatterwave.nn.layers import GroupConv1d, LiftingConv1d, ScaleWindowLinear

# float64 round-off relative to the output magnitude (sums of a few hundred terms, FFTs)
EXACT = 1e-12


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(((a - b).abs().max() / b.abs().max()).detach())


def _quadratic(t: torch.Tensor, coeffs: torch.Tensor) -> torch.Tensor:
    """Evaluate a + b t + c t² for coefficient rows (..., 3) at points t."""
    return coeffs[..., 0:1] + coeffs[..., 1:2] * t + coeffs[..., 2:3] * t**2


def test_lifting_shapes_bias_and_repr():
    torch.manual_seed(0)
    lift = LiftingConv1d(2, 3, 7, 4, bias=True)
    assert lift.weight.shape == (3, 2, 7) and lift.bias.shape == (3,)
    x = torch.randn(5, 2, 100)
    y = lift(x)
    assert y.shape == (5, 3, 4, 100)
    with torch.no_grad():
        lift.bias.copy_(torch.tensor([1.0, 2.0, 3.0]))
    shifted = lift(x) - y
    # the bias is added once per channel, identically at every scale and time
    torch.testing.assert_close(shifted, torch.tensor([1.0, 2.0, 3.0]).view(1, 3, 1, 1).expand_as(y))
    assert "n_scales=4" in repr(lift) and "bias=True" in repr(lift)
    assert LiftingConv1d(1, 1, 3, 2).bias is None


def test_lifting_init_is_deterministic_and_bounded():
    torch.manual_seed(1)
    a = LiftingConv1d(4, 8, 9, 3).weight.detach().clone()
    torch.manual_seed(1)
    b = LiftingConv1d(4, 8, 9, 3).weight.detach().clone()
    assert torch.equal(a, b)
    assert a.abs().max() <= (2 / (4 * 9)) ** 0.5


@pytest.mark.parametrize("method", ["direct", "two-step", "fft"])
def test_lifting_methods_agree(method):
    torch.manual_seed(2)
    lift = LiftingConv1d(1, 2, 5, 6, method=method).double()
    ref = LiftingConv1d(1, 2, 5, 6, method="direct").double()
    ref.load_state_dict(lift.state_dict())
    x = torch.randn(2, 1, 90, dtype=torch.float64)
    assert _rel(lift(x), ref(x)) < EXACT


def test_lifting_exact_scale_equivariance_for_quadratics():
    # Y[f'](c0 + 2d, j + 1) = Y[f](c0 + d, j) with f'(t) = f((t - c0) / 2 + c0), K = 79
    torch.manual_seed(3)
    lift = LiftingConv1d(2, 3, 79, 5, padding="same").double()
    length, c0 = 2400, 1200
    t = torch.arange(length, dtype=torch.float64)
    coeffs = torch.randn(1, 2, 3, dtype=torch.float64) * torch.tensor([1.0, 1e-2, 1e-4])
    f = _quadratic(t - c0, coeffs)
    f_dil = _quadratic((t - c0) / 2, coeffs)
    y, y_dil = lift(f), lift(f_dil)
    d = torch.arange(-40, 41)
    for j in range(4):
        assert _rel(y_dil[:, :, j + 1, c0 + 2 * d], y[:, :, j, c0 + d]) < EXACT, j
    # a wrong normalisation would fail: consecutive scales of a constant are equal (1/s)
    const = lift(torch.ones(1, 2, length, dtype=torch.float64))[..., c0]
    assert _rel(const[..., 1:], const[..., :-1]) < EXACT


@pytest.mark.parametrize("padding", ["same", "circular"])
def test_lifting_exact_translation_equivariance(padding):
    torch.manual_seed(4)
    lift = LiftingConv1d(1, 2, 9, 4, padding=padding).double()
    length, tau = 300, 13
    x = torch.randn(2, 1, length, dtype=torch.float64)
    x_shift = torch.roll(x, tau, dims=-1)
    if padding == "same":
        x_shift[..., :tau] = torch.randn(2, 1, tau, dtype=torch.float64)  # unrelated content
    y, y_shift = lift(x), lift(x_shift)
    if padding == "circular":
        assert _rel(y_shift, torch.roll(y, tau, dims=-1)) < EXACT
    else:
        reach = 8 * 4 + 11  # half-support at the coarsest scale
        inner = slice(reach + tau, length - reach)
        shifted = slice(reach, length - reach - tau)
        assert _rel(y_shift[..., inner], y[..., shifted]) < EXACT


def test_group_conv_exact_structure_for_quadratics():
    # F'(t, i) = F(t / 2, i - 1)  =>  Y'(2t, i + 1) = Y(t, i), exactly for quadratics in t
    torch.manual_seed(5)
    gconv = GroupConv1d(2, 3, 5, 3, crop=True).double()
    n_in, length, c0 = 6, 1200, 600
    t = torch.arange(length, dtype=torch.float64)
    coeffs = torch.randn(1, 2, n_in, 3, dtype=torch.float64) * torch.tensor([1.0, 1e-2, 1e-4])
    big_f = _quadratic(t - c0, coeffs)
    big_f_dil = torch.zeros_like(big_f)
    big_f_dil[:, :, 1:] = _quadratic((t - c0) / 2, coeffs[:, :, :-1])
    y, y_dil = gconv(big_f), gconv(big_f_dil)
    assert y.shape == (1, 3, n_in - 2, length)
    d = torch.arange(-30, 31)
    for i in range(n_in - 3):
        assert _rel(y_dil[:, :, i + 1, c0 + 2 * d], y[:, :, i, c0 + d]) < EXACT, i


def test_group_conv_without_crop_zero_pads_the_coarse_end():
    torch.manual_seed(6)
    free = GroupConv1d(2, 2, 3, 3, crop=False).double()
    cropped = GroupConv1d(2, 2, 3, 3, crop=True).double()
    cropped.load_state_dict(free.state_dict())
    x = torch.randn(1, 2, 4, 40, dtype=torch.float64)
    padded = torch.cat([x, torch.zeros(1, 2, 2, 40, dtype=torch.float64)], dim=2)
    y = free(x)
    assert y.shape == (1, 2, 4, 40)
    assert _rel(y, cropped(padded)) < EXACT


def test_group_conv_bias_and_pointwise_scale():
    torch.manual_seed(7)
    gconv = GroupConv1d(3, 2, 3, 1, bias=True).double()
    with torch.no_grad():
        gconv.bias.copy_(torch.tensor([0.5, -1.0]))
    x = torch.randn(2, 3, 5, 30, dtype=torch.float64)
    y = gconv(x)
    assert y.shape == (2, 2, 5, 30)
    # pointwise in scale: output scale i is the input scale i correlated at scale 2^i
    w = gconv.weight[:, :, 0]
    for i in range(5):
        ref = bspline_conv1d(x[:, :, i], w, 2**i) + gconv.bias.view(1, 2, 1)
        assert _rel(y[:, :, i], ref) < EXACT


def test_scale_window_linear_head_has_no_blur():
    torch.manual_seed(8)
    head = ScaleWindowLinear(4, 3, 3, crop=True).double()
    pooled = torch.randn(2, 4, 5, dtype=torch.float64)
    y = head(pooled)
    assert y.shape == (2, 3, 3)
    w = head.weight
    ref = sum(torch.einsum("oc,bcs->bos", w[:, :, j], pooled[:, :, j : j + 3]) for j in range(3))
    assert _rel(y, ref) < EXACT
    # scale shift equivariance is exact: no per-scale 0.75 * 2^-i factor
    assert _rel(head(pooled[:, :, 1:])[:, :, :2], y[:, :, 1:]) < EXACT


@pytest.mark.parametrize(
    ("factory", "x", "match"),
    [
        (lambda: LiftingConv1d(2, 1, 3, 2), torch.zeros(1, 1, 10), "C_in=2"),
        (lambda: LiftingConv1d(1, 1, 3, 2), torch.zeros(1, 1, 3, 10), r"\(B, C_in, T\)"),
        (lambda: GroupConv1d(1, 1, 3, 3), torch.zeros(1, 1, 10), r"\(B, C_in, S, T\)"),
        (lambda: GroupConv1d(1, 1, 3, 3), torch.zeros(1, 1, 2, 10), "at least 3 input scales"),
        (lambda: ScaleWindowLinear(2, 1), torch.zeros(1, 1, 3), "C_in=2"),
    ],
)
def test_bad_inputs_raise(factory, x, match):
    with pytest.raises(ValueError, match=match):
        factory()(x)


def test_integer_input_rejected():
    with pytest.raises(TypeError, match="floating-point"):
        LiftingConv1d(1, 1, 3, 2)(torch.zeros(1, 1, 10, dtype=torch.int64))


@pytest.mark.parametrize(
    ("factory", "error"),
    [
        (lambda: LiftingConv1d(1, 1, 4, 2), ValueError),
        (lambda: LiftingConv1d(1, 1, 3, 0), ValueError),
        (lambda: LiftingConv1d(1, 1, 3, 2, padding="reflect"), ValueError),
        (lambda: LiftingConv1d(1, 1, 3, 2, method="fast"), ValueError),
        (lambda: LiftingConv1d(0, 1, 3, 2), ValueError),
        (lambda: GroupConv1d(1, 1, 3, 0), ValueError),
        (lambda: GroupConv1d(1, 1, 3, 3, crop="yes"), TypeError),
        (lambda: GroupConv1d(1, 1, 3, 3, base=1), ValueError),
    ],
)
def test_bad_arguments_raise(factory, error):
    with pytest.raises(error):
        factory()


def test_gradcheck_lifting_and_group_conv():
    torch.manual_seed(9)
    lift = LiftingConv1d(1, 1, 3, 3, bias=True).double()
    gconv = GroupConv1d(1, 1, 3, 2, bias=True).double()
    x = torch.randn(1, 1, 12, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda v: gconv(lift(v)), (x,))
    params = tuple(lift.parameters()) + tuple(gconv.parameters())
    gconv(lift(x)).square().sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in params)


def test_layers_run_in_float32_on_cpu_by_default():
    lift = LiftingConv1d(1, 2, 5, 3)
    assert lift.weight.dtype == torch.float32 and lift.weight.device.type == "cpu"
    y = lift(torch.randn(1, 1, 50))
    assert y.dtype == torch.float32 and np.isfinite(y.detach().numpy()).all()


def test_dtype_mismatch_is_explained():
    with pytest.raises(ValueError, match="share dtype and device"):
        LiftingConv1d(1, 1, 3, 2)(torch.zeros(1, 1, 10, dtype=torch.float64))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_layers_on_cuda_match_cpu():
    torch.manual_seed(10)
    lift = LiftingConv1d(1, 2, 9, 7).double()
    gconv = GroupConv1d(2, 2, 3, 3).double()
    x = torch.randn(2, 1, 3000, dtype=torch.float64)
    ref = gconv(lift(x))
    got = gconv.cuda()(lift.cuda()(x.cuda())).cpu()
    assert _rel(got, ref) < EXACT
