"""The fused batch norm -> ReLU -> max-pool node of pooled W-Net blocks against the modules."""

import copy

import pytest
import torch
from torch import nn

from scatterwave.nn._norm_relu_pool import _NormReluPoolFn, fusable_norm_relu_pool
from scatterwave.nn._stem import StemSequential
from scatterwave.nn.layers import GroupConv1d
from scatterwave.nn.norm import ScaleBatchNorm
from scatterwave.nn.pooling import TimePool

# float64 round-off of a batch norm over a few hundred values per channel
ROUND_OFF = 1e-12


def _block(c=3, p=4):
    return [GroupConv1d(c, c, 3, 3, crop=True), ScaleBatchNorm(c), nn.ReLU(), TimePool(p)]


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("track", [True, False])
def test_block_equals_modules_with_gradients_and_running_statistics(momentum, track):
    torch.manual_seed(0)
    layers = _block()
    layers[1] = ScaleBatchNorm(3, momentum=momentum, track_running_stats=track)
    fused = StemSequential(*layers).double()
    ref = nn.Sequential(*copy.deepcopy(list(fused)))
    with torch.no_grad():
        fused[1].weight.uniform_(0.5, 1.5)
        fused[1].bias.uniform_(-0.5, 0.5)
        ref.load_state_dict(fused.state_dict())
    for seed in range(2):
        gen = torch.Generator().manual_seed(seed)
        x = torch.randn(2, 3, 5, 43, dtype=torch.float64, generator=gen)  # 43 = 10 * 4 + 3
        xs = [x.clone().requires_grad_() for _ in range(2)]
        outs = [m(xi) for m, xi in zip((fused, ref), xs, strict=True)]
        torch.testing.assert_close(outs[0], outs[1], rtol=ROUND_OFF, atol=ROUND_OFF)
        grad = torch.randn(outs[1].shape, dtype=torch.float64, generator=gen)
        for out in outs:
            out.backward(grad)
        torch.testing.assert_close(xs[0].grad, xs[1].grad, rtol=ROUND_OFF, atol=ROUND_OFF)
        for a, b in zip(fused.parameters(), ref.parameters(), strict=True):
            torch.testing.assert_close(a.grad, b.grad, rtol=ROUND_OFF, atol=ROUND_OFF)
    for a, b in zip(fused.buffers(), ref.buffers(), strict=True):
        torch.testing.assert_close(a, b, rtol=ROUND_OFF, atol=0.0)


def test_gradcheck_float64():
    torch.manual_seed(1)
    norm = ScaleBatchNorm(3).double()
    y = torch.randn(2, 3, 4, 22, dtype=torch.float64, requires_grad=True)  # tail of 2 dropped
    gamma = torch.empty(3, dtype=torch.float64).uniform_(0.5, 1.5).requires_grad_()
    beta = torch.empty(3, dtype=torch.float64).uniform_(-0.5, 0.5).requires_grad_()

    def fn(y, gamma, beta):
        return _NormReluPoolFn.apply(y, gamma, beta, norm, 0.1, 4)

    assert torch.autograd.gradcheck(fn, (y, gamma, beta), nondet_tol=0.0)
    # a double backward recomputes the three layers with a graph
    assert torch.autograd.gradgradcheck(fn, (y, gamma, beta), nondet_tol=0.0)


def test_keeps_no_full_resolution_relu_output_nor_int64_indices():
    torch.manual_seed(2)
    seq = StemSequential(*_block(c=4, p=4))
    x = torch.randn(2, 4, 5, 4000, requires_grad=True)
    saved = []

    def pack(t):
        saved.append((t.dtype, t.numel()))
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        seq(x)
    full = 2 * 4 * 3 * 4000  # the convolution's output (3 scales after the crop)
    big = [s for s in saved if s[1] >= full // 4]
    # the convolution's input and output (batch-norm input), the pooled output
    assert sorted(n for _, n in big) == [full // 4, full, 2 * 4 * 5 * 4000], saved
    assert all(dtype != torch.int64 for dtype, _ in saved), saved


def test_runs_module_by_module_when_not_fusable():
    x = torch.randn(1, 3, 5, 40)
    seq = StemSequential(*_block())
    assert fusable_norm_relu_pool(list(seq)[1:], seq[0](x)) == 4
    with torch.no_grad():
        assert fusable_norm_relu_pool(list(seq)[1:], x) is None
    assert fusable_norm_relu_pool(list(seq.eval())[1:], x) is None
    seq.train()
    calls = []
    seq[2].register_forward_hook(lambda *args: calls.append(1))
    assert fusable_norm_relu_pool(list(seq)[1:], x) is None
    seq(x)
    assert calls == [1]  # hooks see the module-by-module run
    mean_pool = [ScaleBatchNorm(3), nn.ReLU(), TimePool(4, mode="mean")]
    overlapping = [ScaleBatchNorm(3), nn.ReLU(), TimePool(4, stride=2)]
    assert fusable_norm_relu_pool(mean_pool, x) is None
    assert fusable_norm_relu_pool(overlapping, x) is None
    assert fusable_norm_relu_pool(list(StemSequential(*_block(p=50)))[1:], x) is None  # short


def test_bad_inputs_raise_like_the_modules():
    seq = StemSequential(*_block())
    with pytest.raises(
        ValueError, match=r"expects a \(B, C, S, T\) tensor, got shape \(2, 3, 40\)"
    ):
        StemSequential(*list(seq)[1:])(torch.randn(2, 3, 40))
