import pytest
import torch

from scatterwave.nn.pooling import GlobalTimePool, ScalePool, TimePool


def test_time_pool_acts_identically_on_every_scale():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 4, 17)
    for mode, fn in [("max", torch.amax), ("mean", torch.mean)]:
        y = TimePool(4, mode=mode)(x)
        assert y.shape == (2, 3, 4, 4)
        ref = fn(x[..., :16].reshape(2, 3, 4, 4, 4), dim=-1)
        torch.testing.assert_close(y, ref)
        # 3-D input: same result as each scale alone
        torch.testing.assert_close(TimePool(4, mode=mode)(x[:, :, 2]), ref[:, :, 2])


def test_time_pool_stride_and_length():
    pool = TimePool(3, stride=2)
    assert pool.output_length(9) == 4
    assert pool(torch.arange(9.0).view(1, 1, 9)).flatten().tolist() == [2.0, 4.0, 6.0, 8.0]
    with pytest.raises(ValueError, match="at least 3 time samples"):
        pool(torch.zeros(1, 1, 2))
    with pytest.raises(ValueError, match="mode must be one of"):
        TimePool(2, mode="median")
    with pytest.raises(ValueError, match=r"\(B, C, S, T\)"):
        pool(torch.zeros(3, 9))


def test_time_pool_commutes_with_translations_by_its_stride():
    torch.manual_seed(1)
    x = torch.randn(1, 2, 3, 64)
    pool = TimePool(4)
    torch.testing.assert_close(pool(torch.roll(x, 8, -1)), torch.roll(pool(x), 2, -1))


def test_scale_pool_and_global_pool():
    torch.manual_seed(2)
    x = torch.randn(2, 3, 5, 7)
    torch.testing.assert_close(ScalePool()(x), x.amax(dim=2))
    torch.testing.assert_close(ScalePool("mean", keepdim=True)(x), x.mean(dim=2, keepdim=True))
    torch.testing.assert_close(ScalePool()(x[..., 0]), x[..., 0].amax(dim=2))
    torch.testing.assert_close(GlobalTimePool()(x), x.mean(dim=-1))
    torch.testing.assert_close(GlobalTimePool("max")(x[:, :, 0]), x[:, :, 0].amax(dim=-1))
    # invariance: global max ignores circular shifts, scale max ignores scale permutations
    torch.testing.assert_close(GlobalTimePool("max")(torch.roll(x, 3, -1)), x.amax(dim=-1))
    torch.testing.assert_close(ScalePool()(x.flip(2)), x.amax(dim=2))
    with pytest.raises(ValueError, match="ScalePool expects"):
        ScalePool()(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="mode must be one of"):
        GlobalTimePool("sum")
