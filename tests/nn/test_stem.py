import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from scatterwave.nn._multiscale import plan_steps
from scatterwave.nn._stem import StemSequential, _StemFn
from scatterwave.nn.layers import LiftingConv1d
from scatterwave.nn.models.registry import build
from scatterwave.nn.norm import ScaleBatchNorm
from scatterwave.nn.pooling import TimePool

# float64 round-off through a few layers of sums (batch norm, B-spline sums, FFT blurs)
ROUND_OFF = 1e-11


def _stem(c_out=3, k=9, n_scales=4, p1=4, p2=2):
    return [
        LiftingConv1d(1, c_out, k, n_scales),
        TimePool(p1),
        ScaleBatchNorm(c_out),
        nn.ReLU(),
        TimePool(p2),
    ]


def _unfused(model: nn.Module) -> nn.Module:
    ref = copy.deepcopy(model)
    ref.features = nn.Sequential(*ref.features)
    return ref


def _max_rel(a, b):
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-300))


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("name", ["w-m5", "w-m34-res"])
def test_fused_model_equals_module_by_module(name, train):
    torch.manual_seed(0)
    model = build(name, 10, width_multiplier=0.1).double().train(train)
    assert isinstance(model.features, StemSequential)
    ref = _unfused(model)
    x = torch.randn(3, 1, 3000, dtype=torch.float64)
    y = torch.randint(0, 10, (3,))
    losses = [F.cross_entropy(m(x), y) for m in (model, ref)]
    for loss in losses:
        loss.backward()
    assert abs(losses[0].item() - losses[1].item()) < ROUND_OFF
    for (name_a, a), (_, b) in zip(model.named_parameters(), ref.named_parameters(), strict=True):
        # parameters whose exact gradient is 0 (a batch-norm shift followed by batch
        # norm) carry round-off only: compare against the largest gradient
        scale = max(p.grad.abs().max() for p in ref.parameters())
        assert float((a.grad - b.grad).abs().max() / scale) < ROUND_OFF, name_a
    for (name_a, a), (_, b) in zip(model.named_buffers(), ref.named_buffers(), strict=True):
        assert torch.allclose(a.double(), b.double(), rtol=1e-12, atol=1e-14), name_a


def test_state_dict_and_modules_unchanged():
    model = build("w-m5", 10, width_multiplier=0.1)
    ref = _unfused(model)
    assert list(model.state_dict()) == list(ref.state_dict())
    assert isinstance(model.features[0], LiftingConv1d)


def _stem_node(train, n_scales, length):
    """The fused stem as a function of (x, weight, gamma, beta), and float64 inputs for it."""
    torch.manual_seed(1)
    lift, _, norm, _, _ = _stem(n_scales=n_scales)
    lift.double()
    norm.double().train(train)
    with torch.no_grad():
        norm.weight.uniform_(0.5, 1.5)
        norm.bias.uniform_(-0.5, 0.5)
        norm.running_mean.uniform_(-0.1, 0.1)
    x = torch.randn(2, 1, length, dtype=torch.float64, requires_grad=True)
    steps = plan_steps([(0, 1, s) for s in lift.grid.scales], "auto", length, 1, 3, 9)

    def fn(inp, weight, gamma, beta):
        return _StemFn.apply(inp, weight, gamma, beta, norm, steps, (4, 2))

    params = (lift.weight, norm.weight, norm.bias)
    return fn, (x, *(p.detach().clone().requires_grad_() for p in params))


@pytest.mark.parametrize("train", [True, False])
def test_gradcheck_float64(train):
    fn, inputs = _stem_node(train, n_scales=4, length=40)
    assert torch.autograd.gradcheck(fn, inputs, nondet_tol=0.0)


@pytest.mark.parametrize("train", [True, False])
def test_gradgradcheck_float64(train):
    # a double backward recomputes the stem module by module with a graph
    fn, inputs = _stem_node(train, n_scales=3, length=32)
    assert torch.autograd.gradgradcheck(fn, inputs, nondet_tol=0.0)


@pytest.mark.parametrize("train", [True, False])
def test_double_backward_of_a_model_equals_module_by_module(train):
    # a gradient penalty: the gradient of |d loss / d x|^2 with respect to the parameters
    torch.manual_seed(3)
    model = build("w-m5", 10, width_multiplier=0.1).double().train(train)
    ref = _unfused(model)
    x = torch.randn(2, 1, 2000, dtype=torch.float64)
    y = torch.randint(0, 10, (2,))
    for m in (model, ref):
        xi = x.clone().requires_grad_()
        (g,) = torch.autograd.grad(F.cross_entropy(m(xi), y), xi, create_graph=True)
        g.square().sum().backward()
    scale = max(p.grad.abs().max() for p in ref.parameters())
    for (name, a), (_, b) in zip(model.named_parameters(), ref.named_parameters(), strict=True):
        assert float((a.grad - b.grad).abs().max() / scale) < ROUND_OFF, name


def test_running_statistics_follow_batch_norm():
    torch.manual_seed(2)
    fused = StemSequential(*_stem()).double()
    ref = nn.Sequential(*copy.deepcopy(list(fused))).double()
    fused[2].momentum = None  # cumulative average: factor 1 / batches tracked
    ref[2].momentum = None
    for seed in range(3):
        x = torch.randn(
            2, 1, 64, dtype=torch.float64, generator=torch.Generator().manual_seed(seed)
        )
        torch.testing.assert_close(fused(x), ref(x), rtol=1e-12, atol=1e-12)
    for a, b in zip(fused[2].buffers(), ref[2].buffers(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)
    assert int(fused[2].num_batches_tracked) == 3


def test_falls_back_to_modules_when_not_fusable():
    layers = _stem()
    layers[1] = TimePool(4, mode="mean")
    seq = StemSequential(*layers)
    ref = nn.Sequential(*layers)
    x = torch.randn(1, 1, 64)
    torch.testing.assert_close(seq(x), ref(x))
    calls = []
    fusable = StemSequential(*_stem())
    fusable[3].register_forward_hook(lambda *args: calls.append(1))
    fusable(x)
    assert calls == [1]  # hooks see the module-by-module run


def test_short_and_bad_inputs_raise_like_the_modules():
    seq = StemSequential(*_stem())
    with pytest.raises(ValueError, match="TimePool"):
        seq(torch.randn(1, 1, 6))
    with pytest.raises(ValueError, match="C_in=1"):
        seq(torch.randn(1, 2, 64))
    with pytest.raises(ValueError, match="share dtype and device"):
        seq(torch.randn(1, 1, 64, dtype=torch.float64))


def test_saves_no_full_resolution_tensor():
    torch.manual_seed(3)
    seq = StemSequential(*_stem(c_out=4, n_scales=5, p1=4, p2=4))
    x = torch.randn(2, 1, 4096)
    sizes = []

    def pack(t):
        sizes.append(t.numel())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        seq(x)
    full = 2 * 4 * 5 * 4096  # lifting output at full resolution
    assert max(sizes) <= full // 4  # the pooled lifting, kept for batch norm


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_fused_model_on_cuda_matches_cpu():
    torch.manual_seed(4)
    model = build("w-m5", 10, width_multiplier=0.1).double()
    x = torch.randn(2, 1, 3000, dtype=torch.float64)
    y = torch.randint(0, 10, (2,))
    ref = copy.deepcopy(model)
    F.cross_entropy(ref(x), y).backward()
    model.cuda()
    loss = F.cross_entropy(model(x.cuda()), y.cuda())
    loss.backward()
    scale = max(p.grad.abs().max() for p in ref.parameters())
    for a, b in zip(model.parameters(), ref.parameters(), strict=True):
        assert float((a.grad.cpu() - b.grad).abs().max() / scale) < ROUND_OFF
