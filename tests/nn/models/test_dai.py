import pytest
import torch

from scatterwave.nn.models.dai import DaiNet, DaiResNet


def test_m3_layout_and_time_axis():
    model = DaiNet("m3", 10)
    conv = model.features[0]
    assert (conv.kernel_size, conv.stride, conv.padding) == ((80,), (4,), (40,))
    assert conv.bias is None and model.classifier.bias is None
    # 88,200 samples -> 22,051 -> 5,512 -> 1,378 before global pooling
    assert [m for m in model.features if isinstance(m, torch.nn.MaxPool1d)].__len__() == 2
    assert model.min_input_length == 60


def test_global_max_pool_option_changes_the_output():
    torch.manual_seed(0)
    mean = DaiNet("m5", 3, width_multiplier=0.25).eval()
    torch.manual_seed(0)
    peak = DaiNet("m5", 3, width_multiplier=0.25, global_pool="max").eval()
    x = torch.randn(2, 1, 4096)
    with torch.no_grad():
        assert not torch.allclose(mean(x), peak(x))
    with pytest.raises(ValueError, match="global_pool"):
        DaiNet("m5", 3, global_pool="sum")
    with pytest.raises(ValueError, match="name must be one of"):
        DaiNet("m7", 3)


def test_residual_shortcut_tiles_channels():
    model = DaiResNet(10, width_multiplier=0.25).eval()
    blocks = [m for m in model.features if type(m).__name__ == "_ResidualBlock"]
    assert len(blocks) == 3 + 4 + 6 + 3
    block = blocks[3]  # first block of stage 2: 12 -> 24 channels
    x = torch.randn(1, 12, 40)
    with torch.no_grad():
        body = block.body(x)
        expected = block.post(body + torch.cat([x, x], dim=1))
        torch.testing.assert_close(block(x), expected)
