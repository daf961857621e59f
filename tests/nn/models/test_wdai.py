import pytest
import torch

from scatterwave.nn.layers import GroupConv1d, LiftingConv1d, ScaleWindowLinear
from scatterwave.nn.models.wdai import WDaiNet, WDaiResNet


def _scale_trace(model, length=1024):
    sizes = []
    x = torch.randn(1, 1, length)
    with torch.no_grad():
        for module in model.features:
            x = module(x)
            if isinstance(module, (LiftingConv1d, GroupConv1d)) or hasattr(module, "body"):
                sizes.append(x.shape[2])
    return sizes


@pytest.mark.parametrize(
    ("name", "trace", "head_window"),
    [
        ("w-m3", [9, 7], 3),
        ("w-m5", [9, 7, 5, 3], 3),
        ("w-m11", [9, 7, 7, 5, 5, 3, 3, 3, 1, 1], 1),
        ("w-m18", [9] + [7] * 4 + [5] * 4 + [3] * 4 + [1] * 4, 1),
    ],
)
def test_scale_axis_crop_pattern(name, trace, head_window):
    model = WDaiNet(name, 10, width_multiplier=0.1).eval()
    assert _scale_trace(model) == trace
    assert model.head.linear.scale_kernel_size == head_window
    lift = model.features[0]
    assert (lift.kernel_size, lift.n_scales, lift.grid.base) == (79, 9, 2)


def test_residual_w_net_crops_and_aligns_shortcut():
    model = WDaiResNet(10, width_multiplier=0.1).eval()
    assert _scale_trace(model) == [9] + [7] * 3 + [5] * 4 + [3] * 6 + [1] * 3
    block = next(m for m in model.features if hasattr(m, "body"))
    x = torch.randn(1, 4, 9, 32)
    with torch.no_grad():
        expected = block.post(block.body(x) + x[:, :, :7])  # finest 7 scales kept
        torch.testing.assert_close(block(x), expected)


def test_head_is_plain_linear_then_max_over_scales():
    torch.manual_seed(0)
    model = WDaiNet("w-m3", 4, width_multiplier=0.1).eval()
    assert isinstance(model.head.linear, ScaleWindowLinear)
    x = torch.randn(2, 1, 512)
    with torch.no_grad():
        features = model.features(x)
        pooled = features.mean(dim=-1)
        expected = model.head.linear(pooled).amax(dim=2)
        torch.testing.assert_close(model(x), expected)


def test_options():
    model = WDaiNet("w-m5", 3, width_multiplier=0.1, n_scales=11, scale_pool="mean")
    assert _scale_trace(model) == [11, 9, 7, 5]
    assert model(torch.randn(1, 1, 1024)).shape == (1, 3)
    with pytest.raises(ValueError, match="n_scales must be an int >= 9"):
        WDaiNet("w-m11", 3, n_scales=7)
    with pytest.raises(ValueError, match="n_scales must be an int >= 5"):
        WDaiNet("w-m3", 3, n_scales=4)
    with pytest.raises(ValueError, match="scale_pool"):
        WDaiResNet(3, scale_pool="min")
