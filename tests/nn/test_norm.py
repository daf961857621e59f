import pytest
import torch

from scatterwave.nn.norm import ScaleBatchNorm


def test_statistics_are_shared_over_scales_and_time():
    torch.manual_seed(0)
    bn = ScaleBatchNorm(3)
    assert bn.eps == 2e-5 and sum(p.numel() for p in bn.parameters()) == 6
    x = torch.randn(4, 3, 5, 11) * torch.tensor([1.0, 2.0, 3.0]).view(1, 3, 1, 1) + 1.0
    y = bn(x)
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    var = x.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
    # same formula, float32 round-off
    torch.testing.assert_close(y, (x - mean) / torch.sqrt(var + 2e-5), rtol=1e-5, atol=1e-5)


def test_eval_mode_commutes_with_scale_shift():
    torch.manual_seed(1)
    bn = ScaleBatchNorm(2)
    bn(torch.randn(8, 2, 4, 20))
    bn.eval()
    x = torch.randn(1, 2, 4, 20)
    torch.testing.assert_close(bn(x)[:, :, 1:], bn(x[:, :, 1:]))
    # train mode: batch statistics depend on the content, so the relation breaks
    bn.train()
    assert not torch.allclose(bn(x)[:, :, 1:], bn(x[:, :, 1:]))


def test_rejects_three_dimensional_input():
    with pytest.raises(ValueError, match=r"\(B, C, S, T\)"):
        ScaleBatchNorm(2)(torch.zeros(4, 2, 10))
