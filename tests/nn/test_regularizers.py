import pytest
import torch
from torch import nn

from scatterwave.nn.layers import GroupConv1d, LiftingConv1d, ScaleWindowLinear
from scatterwave.nn.regularizers import wavelet_loss


def test_value_matches_definition_and_skips_one_tap_layers():
    torch.manual_seed(0)
    model = nn.Sequential(
        LiftingConv1d(2, 3, 5, 4),
        GroupConv1d(3, 4, 3, 3),
        GroupConv1d(4, 4, 1, 3),  # one tap: skipped
        ScaleWindowLinear(4, 2, 3),  # not a B-spline layer
    )
    lift, gconv = model[0].weight, model[1].weight
    expected = lift.sum(-1).square().mean() + gconv.sum(dim=(2, 3)).square().mean()
    loss = wavelet_loss(model)
    assert loss.ndim == 0
    torch.testing.assert_close(loss, expected)
    loss.backward()
    assert model[2].weight.grad is None
    # d/dw of mean(sum_k w)^2 is 2 sum_k w / (O C), the same for every tap
    grad = model[0].weight.grad
    torch.testing.assert_close(grad, (2 * lift.sum(-1, keepdim=True) / 6).expand_as(grad).detach())


def test_zero_mean_kernels_have_zero_loss_and_zero_dc_gain():
    lift = LiftingConv1d(1, 2, 5, 3).double()
    with torch.no_grad():
        lift.weight.sub_(lift.weight.mean(-1, keepdim=True))
    assert wavelet_loss(lift).item() == pytest.approx(0.0, abs=1e-28)  # round-off of squares
    # a zero-sum kernel has zero DC gain at every scale: constants map to 0
    y = lift(torch.ones(1, 1, 200, dtype=torch.float64))[..., 100]
    assert y.abs().max().item() < 1e-14  # float64 round-off


def test_model_without_bspline_layers_gives_zero():
    loss = wavelet_loss(nn.Linear(3, 2, dtype=torch.float64))
    assert loss.ndim == 0 and loss.item() == 0.0 and loss.dtype == torch.float64
    assert wavelet_loss(nn.ReLU()).item() == 0.0
    with pytest.raises(TypeError, match=r"torch\.nn\.Module"):
        wavelet_loss("model")
